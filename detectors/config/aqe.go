package config

import (
	"fmt"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// AQEOff is CONF001.
var AQEOff = &detectors.Detector{
	ID:       "CONF001",
	Name:     "aqe-off",
	Category: "configuration",
	Severity: detectors.Info,
	Problems: []string{"config-aqe-off"},
	Doc: detectors.Doc{
		Title: "adaptive query execution is switched off",
		Text: `Adaptive query execution (AQE, Spark 3.0+) re-plans a query between stages from the sizes it
measured: it merges small shuffle partitions, splits skewed join partitions and turns sort-merge joins
into broadcast joins when one side turns out small. It is on by default since Spark 3.2.

The detector reports ` + "`spark.sql.adaptive.enabled=false`" + ` (in the configuration or set at run time), and
on Spark 3.0 and 3.1, where AQE was off by default, an unset flag when the log shows what it cost.
It looks for that cost in the log:

- shuffle stages with many tiny partitions that AQE would have coalesced (the finding gives the
  partition count AQE would have aimed at: the stage's shuffle data over the 64 MiB advisory size);
- skewed sort-merge or shuffled-hash join stages that AQE's skew-join handling would have split (the
  skewed partition above AQE's threshold, 256 MiB by default);
- with the default 200 shuffle partitions, stages that read more than 200 × 256 MiB of shuffle data,
  for which the finding computes ` + "`spark.sql.shuffle.partitions`" + ` at 128 MiB per partition.

Without such a cost the finding is information; with it, a warning.`,
		Thresholds: `A stage counts as over-partitioned for AQE when it has at least 100 tasks and at least twice the
application's task slots, with less than 16 MiB of shuffle data per task (a quarter of AQE's 64 MiB
advisory partition size: AQE would merge at least four partitions into one). DataFlint flags more than
5000 tasks with a median under 500 ms; spark-advisor's partition rule compares shuffle bytes / 128 MiB
with the partition count and is switched off when AQE is on — the same fact, read the other way. A
join stage counts as skewed with SKEW001's defaults (longest task ≥ 5× the median and ≥ 2 s longer).
The saving of coalescing is the fixed cost of the tasks AQE would not have run (task duration minus
run time: scheduling, deserialization, results), spread over the task slots. The warning needs an
estimated saving of at least 1 s; AQE left off by default (Spark 3.0 and 3.1) is reported only from 5 s
and 10% of the application's duration, so that small test applications with the default 200
partitions stay quiet.`,
		Questions: []string{"Q13", "Q14", "Q6"},
	},
	Params: []detectors.Param{
		{Name: "minTasks", Default: 100, Unit: "count", Doc: "tasks a shuffle stage needs before its partitions are judged too small"},
		{Name: "maxBytesPerTask", Default: 16 << 20, Unit: "bytes", Doc: "shuffle data per task under which AQE would coalesce"},
		{Name: "minSavingsMs", Default: 1000, Unit: "ms", Doc: "estimated saving that makes the finding a warning"},
		{Name: "defaultOffMinSavingsMs", Default: 5000, Unit: "ms", Doc: "estimated saving needed to report AQE left off by default (Spark 3.0, 3.1)"},
		{Name: "defaultOffMinShare", Default: 0.1, Unit: "share", Doc: "and the share of the application's duration it must reach"},
	},
	Run: runAQE,
}

// taskOverhead is a stage's median fixed cost per task: duration minus run
// time (scheduling, deserialization, result handling), at least 2 ms.
func taskOverhead(st *appmodel.Stage) int64 {
	med, n := detectors.StageMedian(st, func(t *appmodel.Task) (int64, bool) {
		return max(t.M[appmodel.Duration]-t.M[appmodel.RunTime], 0), t.Status == appmodel.TaskSuccess
	})
	if n == 0 {
		return 2
	}
	return max(med, 2)
}

// slots is how many tasks the application could run at once.
func slots(a *appmodel.Application) int {
	n, driver := 0, 0
	for _, e := range a.Executors {
		s := e.MaxTasks
		if s <= 0 {
			s = e.TotalCores
		}
		if e.ID == "driver" {
			driver = s
			continue
		}
		n += s
	}
	if n == 0 {
		n = driver
	}
	return max(n, 1)
}

func runAQE(p *detectors.Pass) {
	a := p.App
	if !detectors.VersionAtLeast(a, 3, 0) {
		return
	}
	s := lookup(a, "spark.sql.adaptive.enabled")
	explicit := s.isFalse()
	defaultOff := !s.set && !detectors.VersionAtLeast(a, 3, 2)
	if !explicit && !defaultOff {
		return
	}
	const advisory = 64 << 20
	nSlots := slots(a)
	var ev []detectors.Evidence
	var savings int64
	var worst *appmodel.Stage
	var reasons []string
	var changes []detectors.Change

	// Tiny shuffle partitions AQE would have merged.
	var tinyStages, tinyTasks, target int64
	for _, st := range detectors.ShuffleStages(a) {
		n := int64(st.NumTasks)
		sr := st.Totals.ShuffleReadBytes()
		if n < int64(p.Param("minTasks")) || n < 2*int64(nSlots) || float64(sr)/float64(n) >= p.Param("maxBytesPerTask") {
			continue
		}
		want := max(detectors.CeilDiv(sr, advisory), 1)
		save := int64(float64(n-want) * float64(taskOverhead(st)) / float64(nSlots))
		save = min(save, st.Duration())
		tinyStages++
		tinyTasks += n
		target += want
		savings += save
		if worst == nil || st.NumTasks > worst.NumTasks {
			worst = st
		}
	}
	if tinyStages > 0 {
		ev = append(ev, detectors.Ev("shuffle stages with tiny partitions", float64(tinyStages), "count"),
			detectors.EvT("their tasks", float64(tinyTasks), "count", "≥", p.Param("minTasks")),
			detectors.Ev("partitions AQE would aim at (64 MiB each)", float64(target), "count"))
		reasons = append(reasons, fmt.Sprintf("%s tasks in %d shuffle stage(s) read less than %s each; AQE would have merged them into about %d",
			units.Count(tinyTasks), tinyStages, units.Bytes(int64(p.Param("maxBytesPerTask"))), target))
	}
	// Skewed joins AQE would have split.
	for _, st := range detectors.ShuffleStages(a) {
		sk := measureSkew(a, st)
		if sk == nil {
			continue
		}
		// AQE splits a join partition over its skew threshold only.
		threshold := max(detectors.PropInt(a, "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", 256<<20), 5*sk.medData)
		if !sk.skewed() || sk.joinNode == nil || sk.maxData < threshold {
			continue
		}
		ev = append(ev, detectors.Ev(fmt.Sprintf("stage %d longest / median task", st.ID), sk.ratio, "ratio"))
		reasons = append(reasons, fmt.Sprintf("the %s of stage %d is skewed (longest task %s, %s the median)", sk.joinNode.Name, st.ID,
			units.Millis(sk.max), units.Ratio(sk.ratio)))
		savings += sk.excessMs
		if worst == nil {
			worst = st
		}
	}
	// The default 200 partitions on a large shuffle.
	if !lookup(a, "spark.sql.shuffle.partitions").set {
		var big int64
		var bigStage *appmodel.Stage
		for _, st := range detectors.ShuffleStages(a) {
			if sr := st.Totals.ShuffleReadBytes(); sr > 200*(256<<20) && sr > big {
				big, bigStage = sr, st
			}
		}
		if bigStage != nil {
			want := detectors.RoundCount(detectors.CeilDiv(big, 128<<20))
			ev = append(ev, detectors.EvT("largest shuffle read with the default 200 partitions", float64(big), "bytes", ">", 200*(256<<20)))
			reasons = append(reasons, fmt.Sprintf("stage %d read %s through the default 200 shuffle partitions (%s each)", bigStage.ID,
				units.Bytes(big), units.Bytes(big/200)))
			changes = append(changes, detectors.Change{Key: "spark.sql.shuffle.partitions", Current: "200 (default)", Suggested: fmt.Sprint(want),
				Why: fmt.Sprintf("about 128 MiB per partition for the %s stage %d shuffles", units.Bytes(big), bigStage.ID)})
			if worst == nil {
				worst = bigStage
			}
		}
	}
	savings = min(savings, detectors.AppDuration(a))
	costly := savings >= int64(p.Param("minSavingsMs")) || len(changes) > 0
	if defaultOff && !(len(changes) > 0 || savings >= int64(p.Param("defaultOffMinSavingsMs")) &&
		float64(savings) >= p.Param("defaultOffMinShare")*float64(detectors.AppDuration(a))) {
		return
	}
	f := detectors.Finding{Subject: detectors.ConfigSubject("spark.sql.adaptive.enabled"), Evidence: ev}
	how := "spark.sql.adaptive.enabled=false in " + s.where
	if defaultOff {
		how = "spark.sql.adaptive.enabled is not set and Spark " + a.SparkVersion + " leaves AQE off by default"
	}
	f.Message = "Adaptive query execution is off (" + how + ")"
	if len(reasons) > 0 {
		f.Message += ": " + reasons[0]
		if len(reasons) > 1 {
			f.Message += fmt.Sprintf(" (and %d more)", len(reasons)-1)
		}
	}
	if costly {
		f.Severity = detectors.Warning
	}
	if worst != nil {
		f.Impact = detectors.StageImpact(a, worst, savings)
		f.Impact.SavingsMs = min(savings, detectors.AppDuration(a))
		f.CallSite = detectors.CallSite(a, worst)
	}
	f.Advice = detectors.Advice{Questions: []string{"Q13", "Q14", "Q6"},
		Explanation: "With adaptive execution Spark sizes shuffles from what it measured instead of one fixed partition count: it merges " +
			"small partitions, splits skewed join partitions and switches to broadcast joins when a side turns out small. " +
			"Switch it back on unless a specific query needs it off (then turn it off for that query only).",
		Changes: append([]detectors.Change{{Key: "spark.sql.adaptive.enabled", Current: detectors.Current(a, "spark.sql.adaptive.enabled"), Suggested: "true",
			Why: "let Spark coalesce small partitions and split skewed ones at run time"}}, changes...)}
	p.Report(f)
}
