#!/usr/bin/env bash
# Regenerates the real-Spark event-log fixtures in this directory.
#
# For every Spark version below it runs job.py in local mode once per event-log
# codec (lz4, lzf, snappy, zstd) plus once uncompressed, and copies the log to
# spark-<version>.<codec>.  Needs python3 and a Java 17 runtime; pyspark is
# installed into $VENV_ROOT/spark-<version> with `python3 -m venv` + pip when
# that venv does not already hold the right version.
#
#   VENV_ROOT=/work/venv ./generate.sh            # all versions
#   ./generate.sh 3.5.9                           # one version
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_ROOT="${VENV_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/sparkdiag/venv}"
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
	versions=(3.5.9 4.3.0)
fi
codecs=(lz4 lzf snappy zstd plain)
max_size=$((200 * 1024))

ensure_venv() {
	local version="$1" venv="$VENV_ROOT/spark-$1"
	if [ -x "$venv/bin/python" ] &&
		"$venv/bin/python" -c "import sys, pyspark; sys.exit(pyspark.__version__ != '$version')" 2>/dev/null; then
		return
	fi
	echo "creating $venv (pyspark==$version)" >&2
	mkdir -p "$VENV_ROOT"
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet "pyspark==$version"
}

for version in "${versions[@]}"; do
	ensure_venv "$version"
	py="$VENV_ROOT/spark-$version/bin/python"
	for codec in "${codecs[@]}"; do
		work="$(mktemp -d)"
		mkdir -p "$work/events"
		echo "spark $version, codec $codec" >&2
		(cd "$work" && "$py" "$here/job.py" "$codec" "$work/events" >"$work/job.log" 2>&1) || {
			cat "$work/job.log" >&2
			exit 1
		}
		# exactly one finished log file: <appId>[.<codec>]
		mapfile -t logs < <(find "$work/events" -type f ! -name '.*' ! -name '*.inprogress')
		if [ ${#logs[@]} -ne 1 ]; then
			echo "expected one event log, found: ${logs[*]}" >&2
			exit 1
		fi
		out="$here/spark-$version.$codec"
		cp "${logs[0]}" "$out"
		chmod 644 "$out"
		size=$(stat -c %s "$out")
		if [ "$size" -gt "$max_size" ]; then
			echo "$out is $size bytes (> $max_size)" >&2
			exit 1
		fi
		echo "  $(basename "${logs[0]}") -> $(basename "$out") ($size bytes)" >&2
		rm -rf "$work"
	done
done
