package detectors

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Helpers of the reliability detectors (failures, caching, lineage,
// streaming, configuration) that other detectors may use too.

// ShareOf is x / total, clamped to [0, 1] (0 when total ≤ 0).
func ShareOf(x, total int64) float64 { return share(x, total) }

// AppSubject is the subject for the whole application.
func AppSubject(a *appmodel.Application) Subject {
	return Subject{Kind: SubjectApp, Name: a.Name}
}

// JobSubject is the subject for a job.
func JobSubject(j *appmodel.Job) Subject {
	s := Subject{Kind: SubjectJob, JobID: Ptr(j.ID), Name: FirstLine(j.Name)}
	if j.Description != "" {
		s.Name = FirstLine(j.Description)
	}
	if j.SQLExecutionID >= 0 {
		s.SQLExecutionID = Ptr(j.SQLExecutionID)
	}
	return s
}

// ConfigSubject is the subject for a configuration key.
func ConfigSubject(key string) Subject {
	return Subject{Kind: SubjectConfig, ConfigKey: key, Name: key}
}

// StageLabel names a stage attempt for messages: "stage 3", "stage 3
// (attempt 1)".
func StageLabel(st *appmodel.Stage) string {
	if st.Attempt > 0 {
		return fmt.Sprintf("stage %d (attempt %d)", st.ID, st.Attempt)
	}
	return fmt.Sprintf("stage %d", st.ID)
}

// AttemptTime is the time a task attempt ran: its executor run time when
// the log has it, else finish minus launch.
func AttemptTime(t *appmodel.Task) int64 {
	if t.M[appmodel.RunTime] > 0 {
		return t.M[appmodel.RunTime]
	}
	if t.FinishTime > t.LaunchTime && t.LaunchTime > 0 {
		return t.FinishTime - t.LaunchTime
	}
	return 0
}

// PropMiB reads a JVM memory property the way Spark does: a bare number is
// MiB ("4096" = 4 GiB), a suffixed value is parsed as a size. It returns
// def (bytes) when the property is unset or unreadable.
func PropMiB(a *appmodel.Application, key string, def int64) int64 {
	v, ok := a.SparkProps[key]
	if !ok {
		return def
	}
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n << 20
	}
	n, err := ParseSize(v)
	if err != nil || n <= 0 {
		return def
	}
	return n
}

// ExecMemoryKey is the property that sizes the JVM that ran the tasks:
// spark.driver.memory in local mode (local[*], not local-cluster), else
// spark.executor.memory.
func ExecMemoryKey(a *appmodel.Application) string {
	if m := a.SparkProps["spark.master"]; strings.HasPrefix(m, "local") && !strings.HasPrefix(m, "local-cluster") {
		return "spark.driver.memory"
	}
	return "spark.executor.memory"
}

// ExecMemoryBytes is the heap of the JVM that ran the tasks (see
// ExecMemoryKey), Spark's default 1 GiB when unset.
func ExecMemoryBytes(a *appmodel.Application) int64 {
	return PropMiB(a, ExecMemoryKey(a), 1<<30)
}

// ExecOverheadBytes is the executor memory overhead in bytes: the property
// when set, else max(384 MiB, factor × executor memory) with
// spark.executor.memoryOverheadFactor (default 0.10).
func ExecOverheadBytes(a *appmodel.Application) int64 {
	if _, ok := a.SparkProps["spark.executor.memoryOverhead"]; ok {
		return PropMiB(a, "spark.executor.memoryOverhead", 384<<20)
	}
	f := 0.10
	if v, ok := a.SparkProps["spark.executor.memoryOverheadFactor"]; ok {
		if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && x > 0 {
			f = x
		}
	}
	return max(384<<20, int64(f*float64(ExecMemoryBytes(a))))
}

// MemConf formats a byte count as a JVM memory setting, rounded up to a
// whole GiB ("3g") from 2 GiB on and to 128 MiB below ("640m").
func MemConf(b int64) string {
	if b >= 2<<30 {
		return fmt.Sprintf("%dg", (b+(1<<30)-1)>>30)
	}
	mb := (b + (1 << 20) - 1) >> 20
	mb = (mb + 127) / 128 * 128
	return fmt.Sprintf("%dm", mb)
}

// ConfSize formats a byte count as a size setting in whole MiB, rounded
// up ("410m"), or in GiB when exact ("2g").
func ConfSize(b int64) string {
	if b >= 1<<30 && b%(1<<30) == 0 {
		return fmt.Sprintf("%dg", b>>30)
	}
	return fmt.Sprintf("%dm", (b+(1<<20)-1)>>20)
}

// RoundCount rounds n up to a number people write in configurations: a
// multiple of 10 below 100, of 50 below 1000, of 100 above.
func RoundCount(n int64) int64 {
	switch {
	case n <= 10:
		return max(n, 1)
	case n <= 100:
		return (n + 9) / 10 * 10
	case n <= 1000:
		return (n + 49) / 50 * 50
	default:
		return (n + 99) / 100 * 100
	}
}

// CeilDiv is ceil(a / b) for positive b.
func CeilDiv(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// JobOfStage returns the first job that ran a stage, or nil.
func JobOfStage(a *appmodel.Application, st *appmodel.Stage) *appmodel.Job {
	for _, id := range st.JobIDs {
		for _, j := range a.Jobs {
			if j.ID == id {
				return j
			}
		}
	}
	return nil
}

// JobByID returns the job with that id, or nil.
func JobByID(a *appmodel.Application, id int) *appmodel.Job {
	for _, j := range a.Jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// JobDuration is a job's wall-clock time in ms (0 when unknown).
func JobDuration(j *appmodel.Job) int64 {
	if j.CompletionTime > j.SubmissionTime && j.SubmissionTime > 0 {
		return j.CompletionTime - j.SubmissionTime
	}
	return 0
}

// ShuffleStages returns the completed stage attempts that read shuffle data.
func ShuffleStages(a *appmodel.Application) []*appmodel.Stage {
	var out []*appmodel.Stage
	for _, st := range a.Stages {
		if st.Status == appmodel.StageComplete && st.Totals.ShuffleReadBytes() > 0 {
			out = append(out, st)
		}
	}
	return out
}

var pyErrRe = regexp.MustCompile(`(?m)^((?:[A-Za-z_][\w.]*)?(?:Error|Exception|Exit|Interrupt)): (.*)$`)

// ExceptionSummary finds the most telling exception line of a failure text
// (a stage or job failure reason): the last Python error line of a
// traceback when there is one ("ValueError: corrupt record 4999"), else the
// last "Caused by:" of a Java stack trace, else the exception after "most
// recent failure: Lost task …:", else the first line.
// It returns at most 200 characters.
func ExceptionSummary(text string) string {
	if text == "" {
		return ""
	}
	cut := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		return s
	}
	if strings.Contains(text, "Traceback (most recent call last)") {
		var last string
		for _, m := range pyErrRe.FindAllStringSubmatch(text, -1) {
			if !strings.Contains(m[1], "org.apache.spark") && !strings.HasPrefix(m[1], "java.") {
				last = m[0]
			}
		}
		if last != "" {
			return cut(last)
		}
	}
	// The root cause of a wrapped exception is its last "Caused by:".
	if i := strings.LastIndex(text, "\nCaused by: "); i >= 0 {
		return cut(FirstLine(text[i+len("\nCaused by: "):]))
	}
	if i := strings.Index(text, "most recent failure: "); i >= 0 {
		rest := text[i+len("most recent failure: "):]
		// "Lost task 0.3 in stage 5.0 (TID 20) (host executor 1): java.lang.X: msg"
		if j := strings.Index(rest, "): "); j >= 0 && j < 200 {
			rest = rest[j+3:]
		}
		return cut(FirstLine(rest))
	}
	return cut(FirstLine(text))
}

var localMasterRe = regexp.MustCompile(`^local(?:\[([^,\]]+)(?:,\s*(\d+))?\])?$`)

// MaxTaskFailures is how many attempts a task gets before its stage is
// aborted: spark.task.maxFailures (default 4), except in local mode, where
// "local[N]" allows one attempt and "local[N,F]" allows F.
func MaxTaskFailures(a *appmodel.Application) int64 {
	if m := localMasterRe.FindStringSubmatch(strings.TrimSpace(a.SparkProps["spark.master"])); m != nil {
		if m[2] != "" {
			if n, err := strconv.ParseInt(m[2], 10, 64); err == nil && n > 0 {
				return n
			}
		}
		return 1
	}
	return PropInt(a, "spark.task.maxFailures", 4)
}
