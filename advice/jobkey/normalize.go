package jobkey

import (
	"regexp"
	"strings"
)

// The normalization of what an application did, shared by the shape of a
// run (Of) and by 'sparkdiag diff', which aligns the stages, jobs and SQL
// executions of two runs with it: ids, dates and batch numbers change from
// run to run, the code's call sites (line numbers included) do not.

// MaskDigits replaces every run of digits by one '#': "q86 2024-03-01"
// becomes "q# #-#-#".
func MaskDigits(s string) string {
	var b strings.Builder
	inDigits := false
	for _, c := range s {
		if c >= '0' && c <= '9' {
			if !inDigits {
				b.WriteByte('#')
			}
			inDigits = true
			continue
		}
		inDigits = false
		b.WriteRune(c)
	}
	return b.String()
}

// FirstLine is the first line of s, leading and trailing space of s trimmed.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// FirstFrame is the first line of a stage's call-site stack (its Details),
// trimmed, line number kept.
func FirstFrame(details string) string { return strings.TrimSpace(FirstLine(details)) }

// StageIdentity is what identifies a stage across runs of one job: its
// name, which Spark makes from the user's call site ("collect at
// job.py:42", "count at <console>:26"), line number kept. When that call
// site is a frame of the JDK (a stage run from Spark's thread pools, a
// PySpark call through reflection: "$anonfun$withThreadLocalCaptured$1 at
// FutureTask.java:264", "parquet at NativeMethodAccessorImpl.java:0"), it
// becomes "at <jdk>": its file and line move with the Java version, not
// with the job. The first frame of the stage's details is left out: it is
// a frame inside Spark ("Dataset.collectToPython(Dataset.scala:4146)"),
// which moves with every Spark version.
func StageIdentity(name string) string {
	return jdkFrame.ReplaceAllString(strings.TrimSpace(name), " at <jdk>")
}

// jdkFrame is the call site of a stage name in a JDK class.
var jdkFrame = regexp.MustCompile(` at (?:FutureTask|CompletableFuture|ThreadPoolExecutor|ForkJoinTask|Thread|NativeMethodAccessorImpl|DelegatingMethodAccessorImpl|DirectMethodHandleAccessor|Method)\.java:\d+$`)

// SQLIdentity is what identifies a SQL execution across runs: the first
// line of its description, ids masked (MaskIDs: recurring jobs put the
// day, a time or a batch id there).
func SQLIdentity(description string) string { return MaskIDs(FirstLine(description)) }

// idPattern matches what changes from run to run of one job in a
// description: dates (2024-03-01, 2024/03/01, 20240301), times (02:15,
// 02:15:59) and any run of three digits or more (ids, epochs, batch and
// partition numbers).
var idPattern = regexp.MustCompile(`\d{4}[-/_]\d{1,2}[-/_]\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?|\d{3,}`)

// MaskIDs replaces dates, times and runs of three digits or more by '#',
// and keeps numbers of one or two digits: in the real benchmark logs the
// query is such a number ("Benchmark Run: query=q86", "query66"), which
// MaskDigits would make one description for every query. MaskDigits stays
// what 'sparkdiag diff' pairs descriptions by, once the exact ones are
// paired.
func MaskIDs(s string) string { return idPattern.ReplaceAllString(s, "#") }
