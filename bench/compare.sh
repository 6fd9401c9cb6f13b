#!/usr/bin/env bash
# Times whole processes on the same zstd event log, in one run, and prints
# a Markdown table (wall time, MB/s of uncompressed log, peak RSS, ratios):
#
#   sparkdiag analyze     the tool, as a user runs it
#   zstd -dc              decompression alone: the floor
#   jq                    a per-stage aggregation (bench/stage_agg.jq)
#   python3 json          the same aggregation (bench/stage_agg.py)
#   History Server        Spark's own replay (bench/hs_replay.py), when
#                         pyspark is installed
#
# Usage: bench/compare.sh [LOG]
#   LOG defaults to $BENCH_DIR/bench-$SIZE.zstd, generated with
#   bench/cmd/loggen when missing (SIZE=5GB by default).
# Environment:
#   SIZE=5GB         size of the generated log (uncompressed)
#   BENCH_DIR=/tmp/sparkdiag-bench
#   RUNS=3           runs of sparkdiag and zstd (the best is kept)
#   SKIP="jq hs"     tools to leave out (jq, python, hs)
#   SPARK_HOME=...   a pyspark package directory for the History Server
#                    (default: the first pyspark found under /work/venv or
#                    in python3's site-packages)
#   HS_MEMORY=8g     the History Server's heap; HS_TIMEOUT=1800 seconds
#   HS_LOG=FILE      replay this (smaller) log in the History Server instead
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE=${SIZE:-5GB}
BENCH_DIR=${BENCH_DIR:-/tmp/sparkdiag-bench}
RUNS=${RUNS:-3}
SKIP=${SKIP:-}
mkdir -p "$BENCH_DIR"
LOG=${1:-$BENCH_DIR/bench-$SIZE.zstd}

say() { echo "compare: $*" >&2; }
skipped() { [[ " $SKIP " == *" $1 "* ]]; }

# Tools: install what is missing when we can, else leave the tool out.
need() { # need CMD PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing $2"
		(apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null 2>&1; }) || true
	fi
	command -v "$1" >/dev/null 2>&1
}
need go golang-go || { say "go is required"; exit 1; }
need zstd zstd || { say "zstd is required"; exit 1; }
[ -x /usr/bin/time ] || need /usr/bin/time time || { say "/usr/bin/time (GNU time) is required"; exit 1; }
HAVE_JQ=1; need jq jq || { HAVE_JQ=0; say "jq not available: left out"; }
HAVE_PY=1; need python3 python3 || { HAVE_PY=0; say "python3 not available: left out"; }

if [ ! -f "$LOG" ]; then
	say "generating $LOG ($SIZE uncompressed)"
	go run ./bench/cmd/loggen -size "$SIZE" -o "$LOG"
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/sparkdiag" ./cmd/sparkdiag

BYTES=$(zstd -dc "$LOG" | wc -c)
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
say "log: $LOG, $(stat -c %s "$LOG") bytes compressed, $BYTES uncompressed"

# run NAME N CMD: the best wall time of N runs, and the peak RSS of that run.
declare -A WALL RSS
run() {
	local name=$1 n=$2 cmd=$3 best="" rss=""
	for _ in $(seq "$n"); do
		/usr/bin/time -f "%e %M" -o "$TMP/time" bash -c "$cmd" >/dev/null 2>"$TMP/err" || {
			say "$name failed: $(tail -3 "$TMP/err")"
			return 0
		}
		read -r w r <"$TMP/time"
		if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$w rss=$r; fi
	done
	WALL[$name]=$best
	RSS[$name]=$rss
	say "$name: ${best}s, $((rss / 1024)) MB"
}

run sparkdiag "$RUNS" "'$TMP/sparkdiag' analyze --quiet '$LOG'"
run zstd "$RUNS" "zstd -dc '$LOG' >/dev/null"
if [ "$HAVE_JQ" = 1 ] && ! skipped jq; then
	run jq 1 "zstd -dc '$LOG' | jq -n -c -f '$ROOT/bench/stage_agg.jq'"
fi
if [ "$HAVE_PY" = 1 ] && ! skipped python; then
	run python 1 "zstd -dc '$LOG' | python3 '$ROOT/bench/stage_agg.py'"
fi

HS_NOTE=""
if ! skipped hs && [ "$HAVE_PY" = 1 ]; then
	if [ -z "${SPARK_HOME:-}" ]; then
		for d in /work/venv/*/lib/python3*/site-packages/pyspark \
			$(python3 -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))' 2>/dev/null); do
			if [ -x "$d/bin/spark-class" ]; then SPARK_HOME=$d; break; fi
		done
	fi
	if [ -n "${SPARK_HOME:-}" ] && command -v java >/dev/null 2>&1; then
		HS_LOG=${HS_LOG:-$LOG}
		say "History Server ($SPARK_HOME) replaying $HS_LOG"
		python3 bench/hs_replay.py --spark-home "$SPARK_HOME" --memory "${HS_MEMORY:-8g}" \
			--timeout "${HS_TIMEOUT:-1800}" "$HS_LOG" >"$TMP/hs.json" || true
		if grep -q '"status": "ok"' "$TMP/hs.json"; then
			WALL[hs]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$TMP/hs.json")
			RSS[hs]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["peak_rss_kb"])' "$TMP/hs.json")
			if [ "$HS_LOG" != "$LOG" ]; then
				HS_BYTES=$(zstd -dc "$HS_LOG" | wc -c)
				HS_NOTE="History Server timed on $HS_LOG ($(awk -v b="$HS_BYTES" 'BEGIN { printf "%.0f", b / 1e6 }') MB uncompressed)"
			fi
		else
			HS_NOTE="History Server: $(cat "$TMP/hs.json" 2>/dev/null)"
		fi
	else
		HS_NOTE="History Server left out: no pyspark (SPARK_HOME) or no java"
	fi
fi

# The table.
echo
echo "Log: $(basename "$LOG"), $MB MB uncompressed, $(awk -v b="$(stat -c %s "$LOG")" 'BEGIN { printf "%.1f", b / 1e6 }') MB zstd"
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(go version | cut -d' ' -f3), $(zstd --version | grep -o 'v[0-9.]*'), $(jq --version 2>/dev/null || echo no jq), $(python3 --version 2>/dev/null || echo no python)"
echo
echo "| tool | wall (s) | MB/s | peak RSS (MB) | time vs sparkdiag |"
echo "|---|---:|---:|---:|---:|"
SD=${WALL[sparkdiag]:-}
for t in sparkdiag zstd jq python hs; do
	[ -n "${WALL[$t]:-}" ] || continue
	bytes=$BYTES
	if [ "$t" = hs ] && [ -n "${HS_BYTES:-}" ]; then bytes=$HS_BYTES; fi
	label=$t
	case $t in
	sparkdiag) label="sparkdiag analyze" ;;
	zstd) label="zstd -dc (floor)" ;;
	jq) label="zstd -dc \| jq (per-stage aggregation)" ;;
	python) label="zstd -dc \| python3 json (same)" ;;
	hs) label="Spark History Server replay" ;;
	esac
	awk -v l="$label" -v w="${WALL[$t]}" -v r="${RSS[$t]}" -v b="$bytes" -v sd="$SD" -v sdb="$BYTES" 'BEGIN {
		mbs = b / 1e6 / w
		ratio = "-"
		if (sd != "" && sd > 0) {
			# compare throughputs, so that a run on a smaller log compares too
			ratio = sprintf("%.1fx", (sdb / sd) / (b / w))
		}
		printf "| %s | %.2f | %.0f | %.0f | %s |\n", l, w, mbs, r / 1024, ratio
	}'
done
if [ -n "$HS_NOTE" ]; then echo; echo "$HS_NOTE"; fi
