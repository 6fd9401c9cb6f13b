# Per-stage aggregation of a Spark event log with jq, the same as
# bench/stage_agg.py:
#   zstd -dc LOG | jq -n -c -f bench/stage_agg.jq
reduce (inputs | select(.Event == "SparkListenerTaskEnd")) as $e ({};
  ($e["Task Info"] // {}) as $i
  | ($e["Task Metrics"] // {}) as $m
  | (($e["Stage ID"] | tostring) + "." + ($e["Stage Attempt ID"] | tostring)) as $k
  | .[$k] |= (
      (. // {tasks: 0, failed: 0, runTime: 0, maxDuration: 0, shuffleRead: 0, shuffleWrite: 0})
      | .tasks += 1
      | .failed += (if $i.Failed then 1 else 0 end)
      | .runTime += ($m["Executor Run Time"] // 0)
      | .maxDuration = ([.maxDuration, (($i["Finish Time"] // 0) - ($i["Launch Time"] // 0))] | max)
      | .shuffleRead += (($m["Shuffle Read Metrics"]["Remote Bytes Read"] // 0) + ($m["Shuffle Read Metrics"]["Local Bytes Read"] // 0))
      | .shuffleWrite += ($m["Shuffle Write Metrics"]["Shuffle Bytes Written"] // 0)
    )
)
