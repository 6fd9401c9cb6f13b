// Package appmodel builds the application model from the events of one Spark
// event log: the application, its configuration, executors, jobs, stage
// attempts with compact per-task data, SQL executions with their plans and
// metrics, and Structured Streaming progress.
//
// A Builder consumes events in one pass (it implements eventlog.Handler);
// Finish freezes an immutable *Application that detectors and reports read.
// Numbers follow the Spark History Server's rules (see
// docs/history-server-semantics.md) so that they agree with its REST API.
package appmodel

import (
	"github.com/sparkdiag/sparkdiag/eventlog"
)

// Application is everything sparkdiag knows about one application attempt.
type Application struct {
	ID           string `json:"id"`
	AttemptID    string `json:"attemptId,omitempty"`
	Name         string `json:"name"`
	User         string `json:"sparkUser"`
	SparkVersion string `json:"sparkVersion"`
	// Start and End are epoch milliseconds; End is 0 when the log has no
	// application end event.
	Start    int64 `json:"startTimeEpoch"`
	End      int64 `json:"endTimeEpoch"`
	Complete bool  `json:"completed"`
	// ExitCode is the driver's exit code, when the application end logs it
	// (Spark 4.0+).
	ExitCode *int `json:"exitCode,omitempty"`
	// LastEvent is the latest timestamp seen in any event (ms): the end of
	// an incomplete application, for durations.
	LastEvent int64 `json:"lastEventEpoch"`

	JVM         map[string]string `json:"-"`
	SparkProps  map[string]string `json:"-"`
	HadoopProps map[string]string `json:"-"`
	SystemProps map[string]string `json:"-"`
	// Classpath maps classpath entries to their source ("System
	// Classpath", "Added By User"); MetricsProps are the metrics system's
	// properties (Spark 3.1+).
	Classpath    map[string]string `json:"-"`
	MetricsProps map[string]string `json:"-"`
	// ResourceProfiles are the resource profiles of the application (Spark
	// 3.1+), by id.
	ResourceProfiles []*ResourceProfile `json:"-"`

	Executors []*Executor       `json:"executors"`
	Jobs      []*Job            `json:"jobs"`
	Stages    []*Stage          `json:"stages"`
	RDDs      []*RDD            `json:"rdds"`
	SQL       []*SQLExecution   `json:"sqlExecutions"`
	Streaming []*StreamingQuery `json:"streamingQueries"`

	// Unpersisted lists the RDD ids the application unpersisted.
	Unpersisted []int `json:"unpersistedRddIds"`

	// Anomalies are the impossible values the log holds (task ends before
	// their start, negative times, timestamps out of range, ...), each kind
	// with its count and first example; nil for a sound log. The values
	// themselves count as unknown.
	Anomalies []Anomaly `json:"anomalies,omitempty"`
	// TimesSuspect is set when the application's own start and end cannot
	// both be true (the end before the start, or further apart than
	// MaxAppDuration): Duration is then 0 (unknown).
	TimesSuspect bool `json:"timesSuspect,omitempty"`

	strs *strtab
}

// ResourceProfile is one resource profile: what an executor gets and what
// a task needs.
type ResourceProfile struct {
	ID int `json:"id"`
	// ExecutorResources maps a resource (cores, memory, gpu, ...) to the
	// amount an executor gets.
	ExecutorResources map[string]ExecutorResource `json:"executorResources"`
	// TaskResources maps a resource (cpus, gpu, ...) to the amount a task
	// needs (fractions share one unit).
	TaskResources map[string]float64 `json:"taskResources"`
}

// ExecutorResource is one resource request of a resource profile.
type ExecutorResource struct {
	Amount          int64  `json:"amount"`
	DiscoveryScript string `json:"discoveryScript"`
	Vendor          string `json:"vendor"`
}

// Duration is the wall-clock time of the application in ms: end minus start,
// or last event minus start when the log is incomplete; 0 (unknown) when
// the times are impossible (TimesSuspect).
func (a *Application) Duration() int64 {
	end := a.End
	if end == 0 {
		end = a.LastEvent
	}
	if end < a.Start || a.Start == 0 || a.TimesSuspect || end-a.Start > MaxAppDuration {
		return 0
	}
	return end - a.Start
}

// Prop returns a Spark property and whether it was set.
func (a *Application) Prop(key string) (string, bool) {
	v, ok := a.SparkProps[key]
	return v, ok
}

// Stage returns the attempt of a stage, or nil.
func (a *Application) Stage(id, attempt int) *Stage {
	for _, s := range a.Stages {
		if s.ID == id && s.Attempt == attempt {
			return s
		}
	}
	return nil
}

// Executor returns the executor with that id, or nil.
func (a *Application) Executor(id string) *Executor {
	for _, e := range a.Executors {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// Executor is one executor (or the driver, ID "driver").
type Executor struct {
	ID         string `json:"id"`
	Host       string `json:"host"`
	HostPort   string `json:"hostPort"`
	TotalCores int    `json:"totalCores"`
	// AddTime and RemoveTime are epoch ms (0 when unknown / still alive).
	AddTime      int64  `json:"addTimeEpoch"`
	RemoveTime   int64  `json:"removeTimeEpoch,omitempty"`
	RemoveReason string `json:"removeReason,omitempty"`
	IsActive     bool   `json:"isActive"`
	// MaxMemory is the storage memory of the block manager (on+off heap).
	MaxMemory        int64 `json:"maxMemory"`
	MaxOnHeapMemory  int64 `json:"maxOnHeapMemory,omitempty"`
	MaxOffHeapMemory int64 `json:"maxOffHeapMemory,omitempty"`
	// HasMemoryMetrics is set when the block manager reported its on- and
	// off-heap storage memory (Spark 2.3+): the History Server then shows
	// memoryMetrics.
	HasMemoryMetrics  bool `json:"-"`
	ResourceProfileID int  `json:"resourceProfileId"`
	// MaxTasks is how many tasks the executor runs at once: its cores
	// divided by the CPUs per task of its resource profile (or
	// spark.task.cpus).
	MaxTasks int `json:"maxTasks"`
	// Excluded is the History Server's isExcluded: whether the executor is
	// excluded (blacklisted) for the application at the end of the log. An
	// exclusion of the executor or of its node sets it, their un-exclusion
	// clears it; events that come after the executor was removed change
	// nothing (the server's rules, docs/history-server-semantics.md §8.3).
	Excluded bool `json:"isExcluded"`
	// ExcludedInStages is the History Server's excludedInStages: the ids of
	// the stages the executor (or its node) was excluded from and that have
	// not completed since, ascending.
	ExcludedInStages []int `json:"excludedInStages,omitempty"`
	// Exclusions are the times the executor was excluded for the whole
	// application, by an exclusion of the executor or of its node (not
	// for the driver, which runs no tasks), in log order; at most
	// MaxExclusions.
	Exclusions []Exclusion `json:"exclusions,omitempty"`
	// StageExclusions are the stage attempts the executor (or its node)
	// was excluded from, in log order; at most MaxExclusions.
	StageExclusions []StageExclusion `json:"stageExclusions,omitempty"`
	ActiveTasks     int              `json:"activeTasks"`

	TotalTasks        int   `json:"totalTasks"`
	CompletedTasks    int   `json:"completedTasks"`
	FailedTasks       int   `json:"failedTasks"`
	KilledTasks       int   `json:"killedTasks"`
	TotalDuration     int64 `json:"totalDuration"`
	TotalGCTime       int64 `json:"totalGCTime"`
	TotalInputBytes   int64 `json:"totalInputBytes"`
	TotalShuffleRead  int64 `json:"totalShuffleRead"`
	TotalShuffleWrite int64 `json:"totalShuffleWrite"`
	MemorySpilled     int64 `json:"memoryBytesSpilled"`
	DiskSpilled       int64 `json:"diskBytesSpilled"`

	// PeakMemoryMetrics holds the peak of every executor metric seen
	// (JVMHeapMemory, OnHeapExecutionMemory, ProcessTreeJVMRSSMemory, ...).
	PeakMemoryMetrics map[string]int64 `json:"peakMemoryMetrics,omitempty"`

	// Resources come from the executor-added event: a resource name (gpu)
	// to its addresses. (LogURLs and Attributes, from the same event, are
	// methods: they are kept packed.)
	Resources map[string][]string `json:"-"`
	// strs holds the packed log links and attributes.
	strs        *strtab
	logs, attrs kvRef

	peak *peakValues // PeakMemoryMetrics while building
	// hostAdded is set when an executor-added event gave Host (the server
	// matches node exclusions for a stage on that host only).
	hostAdded bool
}

// IsDriver reports whether the entry is the driver ("driver"; "<driver>"
// in logs of Spark before 1.4).
func (e *Executor) IsDriver() bool { return e.ID == "driver" || e.ID == "<driver>" }

// MaxExclusions bounds Executor.Exclusions and StageExclusions.
const MaxExclusions = 1000

// Exclusion is one time an executor was excluded for the application
// (SparkListenerExecutorExcluded, or NodeExcluded for its host).
type Exclusion struct {
	// From and To are epoch ms; To is 0 while the exclusion was not lifted
	// (no un-exclusion event by the end of the log).
	From int64 `json:"fromEpoch"`
	To   int64 `json:"toEpoch,omitempty"`
	// TaskFailures is the count of task failures on the executor that
	// excluded it (executor exclusions; 0 when not logged).
	TaskFailures int `json:"taskFailures,omitempty"`
	// Node is the host when the whole node was excluded, and
	// ExecutorFailures then the count of its executors that had been
	// excluded.
	Node             string `json:"node,omitempty"`
	ExecutorFailures int    `json:"executorFailures,omitempty"`
}

// Open reports whether the exclusion was never lifted.
func (x *Exclusion) Open() bool { return x.To == 0 }

// StageExclusion is one stage attempt an executor was excluded from
// (SparkListenerExecutorExcludedForStage, or NodeExcludedForStage for its
// host).
type StageExclusion struct {
	StageID int   `json:"stageId"`
	Attempt int   `json:"attemptId"`
	Time    int64 `json:"timeEpoch"`
	// TaskFailures is the count of the stage's task failures on the
	// executor (executor exclusions).
	TaskFailures int `json:"taskFailures,omitempty"`
	// Node is the host when the whole node was excluded from the stage,
	// and ExecutorFailures then the count of its executors excluded from it.
	Node             string `json:"node,omitempty"`
	ExecutorFailures int    `json:"executorFailures,omitempty"`
}

// JobStatus is the outcome of a job.
type JobStatus string

const (
	JobRunning   JobStatus = "RUNNING"
	JobSucceeded JobStatus = "SUCCEEDED"
	JobFailed    JobStatus = "FAILED"
	JobUnknown   JobStatus = "UNKNOWN"
)

// Job is one job.
type Job struct {
	ID             int       `json:"jobId"`
	Name           string    `json:"name"`
	Description    string    `json:"description,omitempty"`
	SubmissionTime int64     `json:"submissionTimeEpoch"`
	CompletionTime int64     `json:"completionTimeEpoch,omitempty"`
	StageIDs       []int     `json:"stageIds"`
	JobGroup       string    `json:"jobGroup,omitempty"`
	JobTags        []string  `json:"jobTags"`
	Status         JobStatus `json:"status"`
	// SQLExecutionID is -1 when the job does not belong to a SQL execution.
	SQLExecutionID int64  `json:"sqlExecutionId"`
	CallSite       string `json:"callSite,omitempty"`
	FailureReason  string `json:"failureReason,omitempty"`

	NumTasks            int `json:"numTasks"`
	NumActiveTasks      int `json:"numActiveTasks"`
	NumCompletedTasks   int `json:"numCompletedTasks"`
	NumSkippedTasks     int `json:"numSkippedTasks"`
	NumFailedTasks      int `json:"numFailedTasks"`
	NumKilledTasks      int `json:"numKilledTasks"`
	NumCompletedIndices int `json:"numCompletedIndices"`
	NumActiveStages     int `json:"numActiveStages"`
	NumCompletedStages  int `json:"numCompletedStages"`
	NumSkippedStages    int `json:"numSkippedStages"`
	NumFailedStages     int `json:"numFailedStages"`

	KilledReasons map[string]int `json:"killedTasksSummary"`

	// completedIdx marks, per stage id, the task indices that completed;
	// completedOther holds the indices a bitset does not take (negative or
	// huge); numCompletedIdx counts both.
	completedIdx    map[int]*bitset
	completedOther  map[[2]int]struct{}
	numCompletedIdx int
	completedStages map[int]struct{}
	skippedStages   map[int]struct{}
}

// StageStatus is the state of a stage attempt.
type StageStatus string

const (
	StageActive   StageStatus = "ACTIVE"
	StageComplete StageStatus = "COMPLETE"
	StageFailed   StageStatus = "FAILED"
	StagePending  StageStatus = "PENDING"
	StageSkipped  StageStatus = "SKIPPED"
)

// Stage is one stage attempt.
type Stage struct {
	ID       int         `json:"stageId"`
	Attempt  int         `json:"attemptId"`
	Name     string      `json:"name"`
	Details  string      `json:"details,omitempty"`
	Status   StageStatus `json:"status"`
	NumTasks int         `json:"numTasks"`
	// Times are epoch ms; 0 when unknown.
	SubmissionTime        int64  `json:"submissionTimeEpoch,omitempty"`
	FirstTaskLaunchedTime int64  `json:"firstTaskLaunchedTimeEpoch,omitempty"`
	CompletionTime        int64  `json:"completionTimeEpoch,omitempty"`
	FailureReason         string `json:"failureReason,omitempty"`
	ParentIDs             []int  `json:"parentIds"`
	RDDIDs                []int  `json:"rddIds"`
	JobIDs                []int  `json:"jobIds"`
	// SQLExecutionID is -1 when no SQL execution ran the stage.
	SQLExecutionID    int64 `json:"sqlExecutionId"`
	ResourceProfileID int   `json:"resourceProfileId"`

	NumActiveTasks      int `json:"numActiveTasks"`
	NumCompleteTasks    int `json:"numCompleteTasks"`
	NumFailedTasks      int `json:"numFailedTasks"`
	NumKilledTasks      int `json:"numKilledTasks"`
	NumCompletedIndices int `json:"numCompletedIndices"`
	NumSpeculative      int `json:"numSpeculativeTasks"`
	NumResubmitted      int `json:"numResubmittedTasks"`

	// Totals are the stage's metric totals, summed as the History Server
	// does (see docs/history-server-semantics.md).
	Totals Metrics `json:"-"`
	// FailureReasons counts the end reasons of unsuccessful tasks
	// ("ExceptionFailure: java.lang.OutOfMemoryError", "FetchFailed", ...).
	FailureReasons map[string]int `json:"failureReasons,omitempty"`
	// FailureDetails holds, per key of FailureReasons, the details of the
	// first task attempt that ended with it (its message, executor, fetch
	// source, ...). It may also hold reasons of task attempts that ended
	// after the stage attempt completed, which FailureReasons does not
	// count (the History Server's rule).
	FailureDetails map[string]*FailureDetail `json:"failureDetails,omitempty"`
	// KilledReasons counts the kill reasons of killed tasks.
	KilledReasons map[string]int `json:"killedTasksSummary"`
	// PeakExecutorMetrics are peaks over the stage's executors, when logged.
	PeakExecutorMetrics map[string]int64 `json:"peakExecutorMetrics,omitempty"`
	// Accumulables are the stage's named accumulators (final values).
	Accumulables []StageAccumulable `json:"accumulatorUpdates"`

	// Description and SchedulingPool come from the job properties at
	// submission.
	Description    string `json:"description,omitempty"`
	SchedulingPool string `json:"schedulingPool,omitempty"`

	// ShufflePushEnabled and ShuffleMergersCount come from the stage info
	// (Spark 3.2+).
	ShufflePushEnabled  bool `json:"-"`
	ShuffleMergersCount int  `json:"-"`
	// ExecutorSummaries are the stage attempt's per-executor totals, keyed
	// by executor id, as the History Server's executorSummary.
	ExecutorSummaries map[string]*ExecutorStageSummary `json:"-"`
	// Speculation counts the speculative task attempts; nil when none
	// started.
	Speculation *SpeculationSummary `json:"-"`

	tasks        taskLog
	strs         *strtab
	completedIdx bitset
	// closed is set when the History Server would drop the stage from its
	// live set (completed with no task running): later events no longer
	// change its counts or totals.
	closed     bool
	startsSeen int
	allTotals  Metrics                 // every task end with metrics, TaskStart or not
	peak       *peakValues             // PeakExecutorMetrics while building
	jobs       []*Job                  // running jobs listing the stage when it was submitted
	jobBits    []*bitset               // jobs[i].completedIdx of this stage
	esByRef    []*ExecutorStageSummary // ExecutorSummaries by execRef.dense
	// lateStarts are the tasks whose start came after their end
	// (AnomalyTaskEndBeforeStart): they count as tasks that started.
	lateStarts map[int64]struct{}
	// excludedExecs are the executors excluded from the stage attempt:
	// its completion takes the stage out of their ExcludedInStages.
	excludedExecs []string
}

// ExecutorStageSummary is what one executor did for one stage attempt. The
// counts and TaskTime cover every task end while the stage was tracked; the
// byte and record totals only the tasks whose start was logged (the History
// Server's rules, see docs/history-server-semantics.md §4.5).
type ExecutorStageSummary struct {
	TaskTime            int64 `json:"taskTime"`
	FailedTasks         int   `json:"failedTasks"`
	SucceededTasks      int   `json:"succeededTasks"`
	KilledTasks         int   `json:"killedTasks"`
	InputBytes          int64 `json:"inputBytes"`
	InputRecords        int64 `json:"inputRecords"`
	OutputBytes         int64 `json:"outputBytes"`
	OutputRecords       int64 `json:"outputRecords"`
	ShuffleRead         int64 `json:"shuffleRead"`
	ShuffleReadRecords  int64 `json:"shuffleReadRecords"`
	ShuffleWrite        int64 `json:"shuffleWrite"`
	ShuffleWriteRecords int64 `json:"shuffleWriteRecords"`
	MemoryBytesSpilled  int64 `json:"memoryBytesSpilled"`
	DiskBytesSpilled    int64 `json:"diskBytesSpilled"`
	// ExcludedForStage is the History Server's isExcludedForStage: the
	// executor, or its node, was excluded from this stage attempt while
	// the stage was tracked.
	ExcludedForStage bool `json:"isExcludedForStage"`
	// PeakMemoryMetrics are the peaks the executor reported for this stage
	// (its task ends and stage executor-metrics events); nil when none.
	PeakMemoryMetrics map[string]int64 `json:"peakMemoryMetrics,omitempty"`

	peak *peakValues // PeakMemoryMetrics while building
}

func (es *ExecutorStageSummary) add(m *Metrics) {
	es.InputBytes += m[InputBytes]
	es.InputRecords += m[InputRecords]
	es.OutputBytes += m[OutputBytes]
	es.OutputRecords += m[OutputRecords]
	es.ShuffleRead += m.ShuffleReadBytes()
	es.ShuffleReadRecords += m[ShuffleReadRecords]
	es.ShuffleWrite += m[ShuffleWriteBytes]
	es.ShuffleWriteRecords += m[ShuffleWriteRecords]
	es.MemoryBytesSpilled += m[MemoryBytesSpilled]
	es.DiskBytesSpilled += m[DiskBytesSpilled]
}

// SpeculationSummary counts a stage attempt's speculative task attempts.
type SpeculationSummary struct {
	NumTasks          int `json:"numTasks"`
	NumActiveTasks    int `json:"numActiveTasks"`
	NumCompletedTasks int `json:"numCompletedTasks"`
	NumFailedTasks    int `json:"numFailedTasks"`
	NumKilledTasks    int `json:"numKilledTasks"`
}

// StageAccumulable is a named accumulator of a stage.
type StageAccumulable struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// Key is "stageId.attempt".
func (s *Stage) Key() [2]int { return [2]int{s.ID, s.Attempt} }

// NumTasksSeen is the number of task attempts recorded for the stage: its
// task-end events, plus the tasks still running when the log ends.
func (s *Stage) NumTasksSeen() int { return s.tasks.n }

// RDD is one RDD seen in a stage's RDD info, with its storage state.
type RDD struct {
	ID                 int                   `json:"id"`
	Name               string                `json:"name"`
	Scope              string                `json:"scope,omitempty"`
	CallSite           string                `json:"callSite,omitempty"`
	ParentIDs          []int                 `json:"parentIds"`
	StorageLevel       eventlog.StorageLevel `json:"-"`
	StorageLevelName   string                `json:"storageLevel"`
	NumPartitions      int                   `json:"numPartitions"`
	NumCachedParts     int                   `json:"numCachedPartitions"`
	MemorySize         int64                 `json:"memoryUsed"`
	DiskSize           int64                 `json:"diskUsed"`
	MaxCachedParts     int                   `json:"maxCachedPartitions"`
	MaxMemorySize      int64                 `json:"maxMemoryUsed"`
	MaxDiskSize        int64                 `json:"maxDiskUsed"`
	StageIDs           []int                 `json:"stageIds"`
	Unpersisted        bool                  `json:"unpersisted"`
	FirstStageID       int                   `json:"firstStageId"`
	DeterministicLevel string                `json:"deterministicLevel,omitempty"`
}

// Persisted reports whether the RDD was marked for caching.
func (r *RDD) Persisted() bool {
	l := r.StorageLevel
	return l.UseDisk || l.UseMemory || l.UseOffHeap
}

// SQLExecution is one SQL query execution.
type SQLExecution struct {
	ID              int64  `json:"executionId"`
	RootID          int64  `json:"rootExecutionId"`
	Description     string `json:"description"`
	Details         string `json:"details,omitempty"`
	StartTime       int64  `json:"submissionTimeEpoch"`
	EndTime         int64  `json:"completionTimeEpoch,omitempty"`
	ErrorMessage    string `json:"errorMessage,omitempty"`
	Status          string `json:"status"`
	JobIDs          []int  `json:"jobIds"`
	PlanDescription string `json:"-"` // final physical plan text, capped
	// Plans holds every version of the plan: the initial one first, then
	// each adaptive (AQE) re-plan; the last is the final plan.
	Plans []*PlanNode `json:"-"`
	// Metrics maps accumulator ids to their node metric and value.
	Metrics         map[int64]*SQLMetric `json:"-"`
	ModifiedConfigs map[string]string    `json:"modifiedConfigs,omitempty"`
}

// FinalPlan is the last version of the plan.
func (e *SQLExecution) FinalPlan() *PlanNode {
	if len(e.Plans) == 0 {
		return nil
	}
	return e.Plans[len(e.Plans)-1]
}

// PlanNode is one operator of a physical plan.
type PlanNode struct {
	ID           int               `json:"nodeId"` // preorder index in its plan version
	Name         string            `json:"nodeName"`
	SimpleString string            `json:"simpleString"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Metrics      []*SQLMetric      `json:"metrics"`
	Children     []*PlanNode       `json:"children,omitempty"`
}

// Walk calls fn for n and every node below it, preorder; fn returns false to
// stop descending.
func (n *PlanNode) Walk(fn func(*PlanNode) bool) {
	if n == nil || !fn(n) {
		return
	}
	for _, c := range n.Children {
		c.Walk(fn)
	}
}

// Metric returns the node's metric with that name, or nil.
func (n *PlanNode) Metric(name string) *SQLMetric {
	for _, m := range n.Metrics {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// SQLMetric is one SQL metric of a plan node, with its aggregated value.
type SQLMetric struct {
	Name          string `json:"name"`
	AccumulatorID int64  `json:"accumulatorId"`
	Type          string `json:"metricType"`
	// Value is the total: the sum of task updates (each task's final value
	// for its partition), or the last driver-side value.
	Value int64 `json:"value"`
	// Min and Max over task updates; Tasks counts them.
	Min   int64 `json:"min"`
	Max   int64 `json:"max"`
	Tasks int   `json:"tasks"`
	Set   bool  `json:"set"`
	// StageIDs are the stages whose tasks updated the metric: the stages the
	// node ran in.
	StageIDs []int `json:"stageIds,omitempty"`
}

// RanIn reports whether a task of stage id updated the metric.
func (m *SQLMetric) RanIn(id int) bool {
	for _, s := range m.StageIDs {
		if s == id {
			return true
		}
	}
	return false
}

func (m *SQLMetric) addStage(id int) {
	if n := len(m.StageIDs); (n == 0 || m.StageIDs[n-1] != id) && !m.RanIn(id) {
		m.StageIDs = append(m.StageIDs, id)
	}
}

// StreamingQuery is one Structured Streaming query run.
type StreamingQuery struct {
	ID        string `json:"id"`
	RunID     string `json:"runId"`
	Name      string `json:"name,omitempty"`
	Start     string `json:"start,omitempty"`
	Exception string `json:"exception,omitempty"`
	Ended     bool   `json:"terminated"`
	// Batches are the run's progress reports in log order: all of them
	// up to MaxStreamingBatches; beyond, the first and the last
	// MaxStreamingBatches/2 (Summary then covers every batch).
	Batches []StreamingBatch `json:"batches"`
	// Summary aggregates every progress report of the run; it is set only
	// when Batches does not hold them all (a run of more than
	// MaxStreamingBatches batches: a streaming application that ran for
	// weeks).
	Summary *StreamingSummary `json:"summary,omitempty"`

	agg      *streamAgg
	tail     []StreamingBatch // ring of the last batches while building
	tailNext int
	dropped  int
}

// NumBatches is the number of progress reports of the run, kept in
// Batches or not.
func (q *StreamingQuery) NumBatches() int {
	if q.Summary != nil {
		return q.Summary.Batches
	}
	return len(q.Batches) + len(q.tail) + q.dropped
}

// StreamingBatch is the progress report of one micro-batch.
type StreamingBatch struct {
	BatchID             int64            `json:"batchId"`
	Timestamp           string           `json:"timestamp"`
	BatchDuration       int64            `json:"batchDuration"`
	Durations           map[string]int64 `json:"durationMs"`
	NumInputRows        int64            `json:"numInputRows"`
	InputRowsPerSec     float64          `json:"inputRowsPerSecond"`
	ProcessedRowsPerSec float64          `json:"processedRowsPerSecond"`
	Watermark           string           `json:"watermark,omitempty"`
	EventTimeMin        string           `json:"eventTimeMin,omitempty"`
	EventTimeMax        string           `json:"eventTimeMax,omitempty"`
	StateRows           int64            `json:"stateRowsTotal"`
	StateRowsUpdated    int64            `json:"stateRowsUpdated"`
	StateMemory         int64            `json:"stateMemoryUsedBytes"`
	DroppedByWatermark  int64            `json:"rowsDroppedByWatermark"`
	HasState            bool             `json:"hasState"`
	NumOutputRows       int64            `json:"numOutputRows"`
	Sources             []string         `json:"sources"`
	// SourceProgress holds, per source (in the order of Sources), its
	// input rows and offsets in compact form.
	SourceProgress []SourceProgress `json:"sourceProgress"`
	Sink           string           `json:"sink,omitempty"`
}
