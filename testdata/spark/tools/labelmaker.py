"""Build one labels.json entry from a scenario's label spec and its HS JSON."""

import os

import evidence
import labelspec


# the question-bank ids of problems a cluster run may show ("observed")
OBSERVED_Q = {"fetch-failure": ["Q19"], "stage-failure": ["Q20"], "driver-bottleneck": ["Q1"],
              "row-format-scan": ["Q23"], "driver-stall": ["Q1"],
              "broadcast-missed": ["Q7"], "small-files-write": ["Q5"]}


def _pick(findings, want):
    """Choose the finding a spec means: optional stage-name/operator filters,
    else the strongest one."""
    cands = findings
    if want.get("operator"):
        cands = [f for f in cands if f.get("sqlOperator", "").startswith(want["operator"])] or cands
    return max(cands, key=lambda f: f.get("_score", 0)) if cands else None


def _resolve_operator(log, sql_id, alternatives):
    """The first of 'A|B|C' that names an operator of that SQL execution."""
    for e in log.sql:
        if e["id"] != sql_id:
            continue
        for alt in alternatives.split("|"):
            if any(alt in n["nodeName"] for n in e["nodes"]):
                return alt
    return alternatives.split("|")[0] + " (NOT IN PLAN)"


def _codec_of(path):
    """Codec short name from Spark's file naming (rolling: the event files)."""
    name = os.path.basename(path.rstrip("/"))
    if os.path.isdir(path):
        sub = [d for d in os.listdir(path) if d.startswith("eventlog_v2_")][0]
        name = sorted(f for f in os.listdir(os.path.join(path, sub)) if f.startswith("events_"))[0]
    if name.endswith(".inprogress"):
        name = name[: -len(".inprogress")]
    parts = name.split(".")
    return parts[-1] if len(parts) > 1 else "none"


def make_entry(root, scenario, version, rel, app_id, layout):
    spec = labelspec.SPECS[scenario]
    logname = os.path.basename(rel.rstrip("/"))
    log = evidence.Log(root, version, logname)
    codec = _codec_of(os.path.join(root, rel))
    entry = {
        "path": rel,
        "scenario": scenario,
        "spark": version,
        "codec": codec,
        "layout": layout,
        "appId": app_id,
        "description": " ".join(spec["description"].split()),
        "expect": [],
        "absent": [],
    }
    if spec.get("cluster"):
        entry["mode"] = "cluster"
    # observed problems: found with the strict thresholds -> expected
    observed_found, undecided = [], []
    for problem in spec.get("observed", []):
        if evidence.finder(problem)(log):
            observed_found.append(problem)
        elif evidence.hinter(problem)(log):
            undecided.append(problem)
    side = []
    for problem in spec.get("side", []):
        h = evidence.hinter(problem)(log)
        if h:
            side.append({"problem": problem, "evidence": h})
    wants = list(spec.get("expect", [])) + [{"problem": p, "q": OBSERVED_Q.get(p, [])}
                                            for p in observed_found]
    for want in wants:
        problem = want["problem"]
        findings = evidence.finder(problem)(log, **want.get("args", {}))
        f = _pick(findings, want)
        item = {"problem": problem, "q": want["q"]}
        if f is None:
            item["missing"] = True
            item["evidence"] = "NOT FOUND by tools/evidence.py"
        else:
            for k in ("stages", "jobs", "sqlExecution", "sqlOperator"):
                if k in f and f[k] not in ([], None):
                    item[k] = f[k]
            if want.get("operator") and "sqlOperator" not in item:
                item["sqlOperator"] = _resolve_operator(log, item.get("sqlExecution"),
                                                        want["operator"])
            item["evidence"] = f["evidence"]
        if want.get("args"):
            item["args"] = want["args"]
        entry["expect"].append(item)
    absent = spec.get("absent", [])
    if absent == "ALL":
        absent = list(evidence.ALL_PROBLEMS)
    elif absent == "ALL_BUT_EXPECTED":
        exp = {w["problem"] for w in spec.get("expect", [])} | set(spec.get("maybe", []))
        absent = [p for p in evidence.ALL_PROBLEMS if p not in exp]
    if spec.get("observed") or spec.get("side"):
        # measured ones: absent only when even the loose thresholds find nothing
        seen = {w["problem"] for w in wants} | set(undecided) | {x["problem"] for x in side}
        absent = [p for p in absent if p not in seen]
        absent += [p for p in spec.get("observed", []) + spec.get("side", []) if p not in seen]
    if spec.get("cluster"):
        # a cluster run is noisy (loaded machine, fresh executors): what the
        # loose thresholds find is never claimed absent; it is recorded as a
        # side effect with its numbers instead
        keep = []
        for p in absent:
            h = evidence.hinter(p)(log)
            if h:
                side.append({"problem": p, "evidence": h})
            else:
                keep.append(p)
        absent = keep
    entry["absent"] = list(dict.fromkeys(absent))
    if side:
        entry["side"] = side
    if spec.get("notes"):
        entry["notes"] = spec["notes"]
    return entry


def main():
    """stdin: JSON list of [scenario, version, rel, appId, layout];
    stdout: JSON list of entries (run with a python that has zstandard)."""
    import json
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    jobs = json.load(sys.stdin)
    out = [make_entry(root, *j) for j in jobs]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
