package appmodel

import (
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog"
)

// SchemaVersion is the version of the model's JSON form (Document). It
// changes when a field is removed or changes meaning; new fields do not
// change it.
const SchemaVersion = 1

// Document is the JSON form of a model, printed by `sparkdiag summary
// --format json`. Field names follow the Spark History Server REST API
// wherever it has the same quantity. docs/model-json.md describes it.
type Document struct {
	SchemaVersion int               `json:"schemaVersion"`
	Tool          Tool              `json:"tool"`
	Input         InputInfo         `json:"input"`
	App           AppJSON           `json:"app"`
	Executors     []*Executor       `json:"executors"`
	Jobs          []JobJSON         `json:"jobs"`
	Stages        []StageJSON       `json:"stages"`
	RDDs          []*RDD            `json:"rdds"`
	SQL           []SQLJSON         `json:"sqlExecutions"`
	Streaming     []*StreamingQuery `json:"streamingQueries"`
}

// Tool names the program that wrote a document.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// InputInfo says what was read and how well.
type InputInfo struct {
	Path         string               `json:"path"`
	Layout       string               `json:"layout"`
	Parts        []eventlog.PartStats `json:"parts"`
	Events       int                  `json:"events"`
	SkippedLines int                  `json:"skippedLines"`
	// Complete is true when the application's end was logged and nothing
	// was cut off.
	Complete      bool               `json:"complete"`
	InProgress    bool               `json:"inProgress"`
	Truncated     bool               `json:"truncated"`
	Problems      []eventlog.Problem `json:"problems"`
	MoreProblems  int                `json:"moreProblems,omitempty"`
	Warnings      []string           `json:"warnings"`
	UnknownEvents map[string]int     `json:"unknownEvents"`
}

// AppJSON is the application part of a Document.
type AppJSON struct {
	ID           string            `json:"id"`
	AttemptID    string            `json:"attemptId,omitempty"`
	Name         string            `json:"name"`
	SparkUser    string            `json:"sparkUser"`
	SparkVersion string            `json:"sparkVersion"`
	StartTime    string            `json:"startTime,omitempty"`
	EndTime      string            `json:"endTime,omitempty"`
	Duration     int64             `json:"duration"`
	Completed    bool              `json:"completed"`
	SparkProps   map[string]string `json:"sparkProperties"`
	HadoopProps  map[string]string `json:"hadoopProperties"`
	SystemProps  map[string]string `json:"systemProperties"`
	JVM          map[string]string `json:"runtime"`
	Totals       AppTotals         `json:"totals"`
	// Anomalies and TimesSuspect: see Application.
	Anomalies    []Anomaly `json:"anomalies,omitempty"`
	TimesSuspect bool      `json:"timesSuspect,omitempty"`
}

// AppTotals are sums over all stage attempts.
type AppTotals struct {
	Tasks             int   `json:"tasks"`
	FailedTasks       int   `json:"failedTasks"`
	KilledTasks       int   `json:"killedTasks"`
	ExecutorRunTime   int64 `json:"executorRunTime"`
	ExecutorCPUTime   int64 `json:"executorCpuTime"`
	JVMGCTime         int64 `json:"jvmGcTime"`
	InputBytes        int64 `json:"inputBytes"`
	InputRecords      int64 `json:"inputRecords"`
	OutputBytes       int64 `json:"outputBytes"`
	OutputRecords     int64 `json:"outputRecords"`
	ShuffleReadBytes  int64 `json:"shuffleReadBytes"`
	ShuffleWriteBytes int64 `json:"shuffleWriteBytes"`
	MemoryBytesSpill  int64 `json:"memoryBytesSpilled"`
	DiskBytesSpilled  int64 `json:"diskBytesSpilled"`
}

// Totals sums the stage totals and task counts of the application.
func (a *Application) Totals() AppTotals {
	var t AppTotals
	for _, s := range a.Stages {
		t.Tasks += s.NumTasksSeen()
		t.FailedTasks += s.NumFailedTasks
		t.KilledTasks += s.NumKilledTasks
		m := &s.Totals
		t.ExecutorRunTime += m[RunTime]
		t.ExecutorCPUTime += m[CPUTimeNs]
		t.JVMGCTime += m[GCTime]
		t.InputBytes += m[InputBytes]
		t.InputRecords += m[InputRecords]
		t.OutputBytes += m[OutputBytes]
		t.OutputRecords += m[OutputRecords]
		t.ShuffleReadBytes += m.ShuffleReadBytes()
		t.ShuffleWriteBytes += m[ShuffleWriteBytes]
		t.MemoryBytesSpill += m[MemoryBytesSpilled]
		t.DiskBytesSpilled += m[DiskBytesSpilled]
	}
	return t
}

// JobJSON is a job with string times.
type JobJSON struct {
	*Job
	SubmissionTimeS string `json:"submissionTime,omitempty"`
	CompletionTimeS string `json:"completionTime,omitempty"`
	DurationMs      int64  `json:"duration"`
}

// StageJSON is a stage attempt with the History Server's metric names and a
// summary of its task-time distribution.
type StageJSON struct {
	*Stage
	SubmissionTimeS        string `json:"submissionTime,omitempty"`
	FirstTaskLaunchedTimeS string `json:"firstTaskLaunchedTime,omitempty"`
	CompletionTimeS        string `json:"completionTime,omitempty"`
	DurationMs             int64  `json:"duration"`

	ExecutorDeserializeTime      int64 `json:"executorDeserializeTime"`
	ExecutorDeserializeCPUTime   int64 `json:"executorDeserializeCpuTime"`
	ExecutorRunTime              int64 `json:"executorRunTime"`
	ExecutorCPUTime              int64 `json:"executorCpuTime"`
	ResultSize                   int64 `json:"resultSize"`
	JVMGCTime                    int64 `json:"jvmGcTime"`
	ResultSerializationTime      int64 `json:"resultSerializationTime"`
	MemoryBytesSpilled           int64 `json:"memoryBytesSpilled"`
	DiskBytesSpilled             int64 `json:"diskBytesSpilled"`
	PeakExecutionMemory          int64 `json:"peakExecutionMemory"`
	InputBytes                   int64 `json:"inputBytes"`
	InputRecords                 int64 `json:"inputRecords"`
	OutputBytes                  int64 `json:"outputBytes"`
	OutputRecords                int64 `json:"outputRecords"`
	ShuffleRemoteBlocksFetched   int64 `json:"shuffleRemoteBlocksFetched"`
	ShuffleLocalBlocksFetched    int64 `json:"shuffleLocalBlocksFetched"`
	ShuffleFetchWaitTime         int64 `json:"shuffleFetchWaitTime"`
	ShuffleRemoteBytesRead       int64 `json:"shuffleRemoteBytesRead"`
	ShuffleRemoteBytesReadToDisk int64 `json:"shuffleRemoteBytesReadToDisk"`
	ShuffleLocalBytesRead        int64 `json:"shuffleLocalBytesRead"`
	ShuffleReadBytes             int64 `json:"shuffleReadBytes"`
	ShuffleReadRecords           int64 `json:"shuffleReadRecords"`
	ShuffleRemoteReqsDuration    int64 `json:"shuffleRemoteReqsDuration"`
	ShuffleWriteBytes            int64 `json:"shuffleWriteBytes"`
	ShuffleWriteTime             int64 `json:"shuffleWriteTime"`
	ShuffleWriteRecords          int64 `json:"shuffleWriteRecords"`

	// TaskDurations summarises the duration of the successful tasks.
	TaskDurations Summary `json:"taskDurationSummary"`
}

// SQLJSON is a SQL execution with its final plan.
type SQLJSON struct {
	*SQLExecution
	SubmissionTimeS string    `json:"submissionTime,omitempty"`
	DurationMs      int64     `json:"duration"`
	PlanVersions    int       `json:"planVersions"`
	FinalPlan       *PlanNode `json:"finalPlan"`
}

// FormatTime renders epoch ms as an RFC 3339 UTC time with milliseconds, or
// "" for 0.
func FormatTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// StageView returns the JSON view of a stage attempt.
func StageView(s *Stage) StageJSON {
	m := &s.Totals
	v := StageJSON{
		Stage:                        s,
		SubmissionTimeS:              FormatTime(s.SubmissionTime),
		FirstTaskLaunchedTimeS:       FormatTime(s.FirstTaskLaunchedTime),
		CompletionTimeS:              FormatTime(s.CompletionTime),
		DurationMs:                   s.Duration(),
		ExecutorDeserializeTime:      m[DeserializeTime],
		ExecutorDeserializeCPUTime:   m[DeserializeCPUTimeNs],
		ExecutorRunTime:              m[RunTime],
		ExecutorCPUTime:              m[CPUTimeNs],
		ResultSize:                   m[ResultSize],
		JVMGCTime:                    m[GCTime],
		ResultSerializationTime:      m[ResultSerializationTime],
		MemoryBytesSpilled:           m[MemoryBytesSpilled],
		DiskBytesSpilled:             m[DiskBytesSpilled],
		PeakExecutionMemory:          m[PeakExecutionMemory],
		InputBytes:                   m[InputBytes],
		InputRecords:                 m[InputRecords],
		OutputBytes:                  m[OutputBytes],
		OutputRecords:                m[OutputRecords],
		ShuffleRemoteBlocksFetched:   m[ShuffleRemoteBlocksFetched],
		ShuffleLocalBlocksFetched:    m[ShuffleLocalBlocksFetched],
		ShuffleFetchWaitTime:         m[ShuffleFetchWaitTime],
		ShuffleRemoteBytesRead:       m[ShuffleRemoteBytesRead],
		ShuffleRemoteBytesReadToDisk: m[ShuffleRemoteBytesReadToDisk],
		ShuffleLocalBytesRead:        m[ShuffleLocalBytesRead],
		ShuffleReadBytes:             m.ShuffleReadBytes(),
		ShuffleReadRecords:           m[ShuffleReadRecords],
		ShuffleRemoteReqsDuration:    m[ShuffleRemoteReqsDuration],
		ShuffleWriteBytes:            m[ShuffleWriteBytes],
		ShuffleWriteTime:             m[ShuffleWriteTimeNs],
		ShuffleWriteRecords:          m[ShuffleWriteRecords],
		TaskDurations:                s.Summarize(Duration),
	}
	return v
}

// Duration is the stage attempt's wall-clock time in ms (completion minus
// submission), or 0 when either is unknown.
func (s *Stage) Duration() int64 {
	start := s.SubmissionTime
	if start == 0 {
		start = s.FirstTaskLaunchedTime
	}
	if start == 0 || s.CompletionTime < start {
		return 0
	}
	return s.CompletionTime - start
}

// Duration is the job's wall-clock time in ms, 0 when unknown.
func (j *Job) Duration() int64 {
	if j.SubmissionTime == 0 || j.CompletionTime < j.SubmissionTime {
		return 0
	}
	return j.CompletionTime - j.SubmissionTime
}

// NewDocument builds the JSON form of a model.
func NewDocument(a *Application, st *eventlog.Stats, tool Tool) *Document {
	d := &Document{
		SchemaVersion: SchemaVersion,
		Tool:          tool,
		Executors:     a.Executors,
		RDDs:          a.RDDs,
		Streaming:     a.Streaming,
		Jobs:          []JobJSON{},
		Stages:        []StageJSON{},
		SQL:           []SQLJSON{},
	}
	if st != nil {
		d.Input = InputInfo{
			Path: st.Path, Layout: st.Layout, Parts: st.Parts, Events: st.Events,
			SkippedLines: st.SkippedLines, InProgress: st.InProgress, Truncated: st.Truncated,
			Problems: st.Problems, MoreProblems: st.MoreProblems, Warnings: st.Warnings,
			UnknownEvents: st.UnknownEvents,
			Complete:      a.Complete && !st.Truncated && !st.InProgress,
		}
		if d.Input.Warnings == nil {
			d.Input.Warnings = []string{}
		}
	}
	d.App = AppJSON{
		ID: a.ID, AttemptID: a.AttemptID, Name: a.Name, SparkUser: a.User, SparkVersion: a.SparkVersion,
		StartTime: FormatTime(a.Start), EndTime: FormatTime(a.End), Duration: a.Duration(), Completed: a.Complete,
		SparkProps: a.SparkProps, HadoopProps: a.HadoopProps, SystemProps: a.SystemProps, JVM: a.JVM,
		Totals: a.Totals(), Anomalies: a.Anomalies, TimesSuspect: a.TimesSuspect,
	}
	for _, j := range a.Jobs {
		d.Jobs = append(d.Jobs, JobJSON{Job: j, SubmissionTimeS: FormatTime(j.SubmissionTime),
			CompletionTimeS: FormatTime(j.CompletionTime), DurationMs: j.Duration()})
	}
	for _, s := range a.Stages {
		d.Stages = append(d.Stages, StageView(s))
	}
	for _, x := range a.SQL {
		dur := int64(0)
		if x.EndTime >= x.StartTime && x.StartTime > 0 {
			dur = x.EndTime - x.StartTime
		}
		d.SQL = append(d.SQL, SQLJSON{SQLExecution: x, SubmissionTimeS: FormatTime(x.StartTime),
			DurationMs: dur, PlanVersions: len(x.Plans), FinalPlan: x.FinalPlan()})
	}
	return d
}
