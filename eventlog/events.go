package eventlog

import (
	"bytes"
	"math"
	"strconv"

	json "github.com/goccy/go-json"
)

// Kind identifies an event type. The zero value is KindUnknown.
type Kind uint8

// The event kinds the reader recognises. Everything else is KindUnknown and
// is counted, not decoded.
const (
	KindUnknown Kind = iota
	KindLogStart
	KindApplicationStart
	KindApplicationEnd
	KindEnvironmentUpdate
	KindJobStart
	KindJobEnd
	KindStageSubmitted
	KindStageCompleted
	KindTaskStart
	KindTaskGettingResult
	KindTaskEnd
	KindExecutorAdded
	KindExecutorRemoved
	KindBlockManagerAdded
	KindBlockManagerRemoved
	KindUnpersistRDD
	KindStageExecutorMetrics
	KindExecutorMetricsUpdate
	KindResourceProfileAdded
	KindBlockUpdated
	KindExecutorExcluded
	KindSQLExecutionStart
	KindSQLExecutionEnd
	KindSQLAdaptiveExecutionUpdate
	KindSQLAdaptiveMetricUpdates
	KindDriverAccumUpdates
	KindStreamingQueryStarted
	KindStreamingQueryProgress
	KindStreamingQueryTerminated
	KindStreamingQueryIdle
	KindDatabricksMetadata
	KindExecutorUnexcluded
	KindNodeExcluded
	KindNodeUnexcluded
	KindExecutorExcludedForStage
	KindNodeExcludedForStage
	numKinds
)

var kindNames = map[string]Kind{
	"SparkListenerLogStart":                                                      KindLogStart,
	"SparkListenerApplicationStart":                                              KindApplicationStart,
	"SparkListenerApplicationEnd":                                                KindApplicationEnd,
	"SparkListenerEnvironmentUpdate":                                             KindEnvironmentUpdate,
	"SparkListenerJobStart":                                                      KindJobStart,
	"SparkListenerJobEnd":                                                        KindJobEnd,
	"SparkListenerStageSubmitted":                                                KindStageSubmitted,
	"SparkListenerStageCompleted":                                                KindStageCompleted,
	"SparkListenerTaskStart":                                                     KindTaskStart,
	"SparkListenerTaskGettingResult":                                             KindTaskGettingResult,
	"SparkListenerTaskEnd":                                                       KindTaskEnd,
	"SparkListenerExecutorAdded":                                                 KindExecutorAdded,
	"SparkListenerExecutorRemoved":                                               KindExecutorRemoved,
	"SparkListenerBlockManagerAdded":                                             KindBlockManagerAdded,
	"SparkListenerBlockManagerRemoved":                                           KindBlockManagerRemoved,
	"SparkListenerUnpersistRDD":                                                  KindUnpersistRDD,
	"SparkListenerStageExecutorMetrics":                                          KindStageExecutorMetrics,
	"SparkListenerExecutorMetricsUpdate":                                         KindExecutorMetricsUpdate,
	"SparkListenerResourceProfileAdded":                                          KindResourceProfileAdded,
	"SparkListenerBlockUpdated":                                                  KindBlockUpdated,
	"SparkListenerExecutorBlacklisted":                                           KindExecutorExcluded,
	"SparkListenerExecutorExcluded":                                              KindExecutorExcluded,
	"org.apache.spark.scheduler.SparkListenerExecutorBlacklisted":                KindExecutorExcluded,
	"org.apache.spark.scheduler.SparkListenerExecutorExcluded":                   KindExecutorExcluded,
	"SparkListenerExecutorUnblacklisted":                                         KindExecutorUnexcluded,
	"org.apache.spark.scheduler.SparkListenerExecutorUnblacklisted":              KindExecutorUnexcluded,
	"SparkListenerExecutorUnexcluded":                                            KindExecutorUnexcluded,
	"org.apache.spark.scheduler.SparkListenerExecutorUnexcluded":                 KindExecutorUnexcluded,
	"SparkListenerNodeBlacklisted":                                               KindNodeExcluded,
	"org.apache.spark.scheduler.SparkListenerNodeBlacklisted":                    KindNodeExcluded,
	"SparkListenerNodeExcluded":                                                  KindNodeExcluded,
	"org.apache.spark.scheduler.SparkListenerNodeExcluded":                       KindNodeExcluded,
	"SparkListenerNodeUnblacklisted":                                             KindNodeUnexcluded,
	"org.apache.spark.scheduler.SparkListenerNodeUnblacklisted":                  KindNodeUnexcluded,
	"SparkListenerNodeUnexcluded":                                                KindNodeUnexcluded,
	"org.apache.spark.scheduler.SparkListenerNodeUnexcluded":                     KindNodeUnexcluded,
	"SparkListenerExecutorBlacklistedForStage":                                   KindExecutorExcludedForStage,
	"org.apache.spark.scheduler.SparkListenerExecutorBlacklistedForStage":        KindExecutorExcludedForStage,
	"SparkListenerExecutorExcludedForStage":                                      KindExecutorExcludedForStage,
	"org.apache.spark.scheduler.SparkListenerExecutorExcludedForStage":           KindExecutorExcludedForStage,
	"SparkListenerNodeBlacklistedForStage":                                       KindNodeExcludedForStage,
	"org.apache.spark.scheduler.SparkListenerNodeBlacklistedForStage":            KindNodeExcludedForStage,
	"SparkListenerNodeExcludedForStage":                                          KindNodeExcludedForStage,
	"org.apache.spark.scheduler.SparkListenerNodeExcludedForStage":               KindNodeExcludedForStage,
	"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart":           KindSQLExecutionStart,
	"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd":             KindSQLExecutionEnd,
	"org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate":  KindSQLAdaptiveExecutionUpdate,
	"org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveSQLMetricUpdates": KindSQLAdaptiveMetricUpdates,
	"org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates":          KindDriverAccumUpdates,
	"org.apache.spark.sql.streaming.StreamingQueryListener$QueryStartedEvent":    KindStreamingQueryStarted,
	"org.apache.spark.sql.streaming.StreamingQueryListener$QueryProgressEvent":   KindStreamingQueryProgress,
	"org.apache.spark.sql.streaming.StreamingQueryListener$QueryTerminatedEvent": KindStreamingQueryTerminated,
	"org.apache.spark.sql.streaming.StreamingQueryListener$QueryIdleEvent":       KindStreamingQueryIdle,
	// Spark 2.0.x names of the streaming events (no progress object yet).
	"org.apache.spark.sql.streaming.StreamingQueryListener$QueryStarted":    KindStreamingQueryStarted,
	"org.apache.spark.sql.streaming.StreamingQueryListener$QueryTerminated": KindStreamingQueryTerminated,
	"DBCEventLoggingListenerMetadata":                                       KindDatabricksMetadata,
}

// KindOf maps an "Event" value to its Kind.
func KindOf(name []byte) Kind {
	return kindNames[string(name)] // no allocation: the compiler optimises map[string(b)]
}

var kindStrings = func() [numKinds]string {
	var s [numKinds]string
	s[KindUnknown] = "unknown"
	for name, k := range kindNames {
		short := name
		if i := bytes.LastIndexAny([]byte(name), ".$"); i >= 0 {
			short = name[i+1:]
		}
		if s[k] == "" || len(short) < len(s[k]) {
			s[k] = short
		}
	}
	return s
}()

func (k Kind) String() string {
	if k < numKinds {
		return kindStrings[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

var eventPrefix = []byte(`{"Event":"`)

// eventName returns the value of the "Event" key when the line starts with
// it, as every Spark writer does. ok is false when the line has another shape;
// the caller then decodes the line to find the key.
func eventName(line []byte) (name []byte, ok bool) {
	if !bytes.HasPrefix(line, eventPrefix) {
		return nil, false
	}
	rest := line[len(eventPrefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return nil, false
	}
	return rest[:end], true
}

// Int is an int64 that also accepts JSON strings holding a number, floats
// and null (Spark writes accumulator values as strings; some vendors write
// numbers as floats).
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (v *Int) UnmarshalJSON(b []byte) error {
	*v = Int(parseIntLoose(b))
	return nil
}

// Float is a float64 that also accepts the quoted "NaN" and "Infinity" that
// Jackson writes for rates, numeric strings and null.
type Float float64

// UnmarshalJSON implements json.Unmarshaler.
func (v *Float) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, "\" \t")
	if len(b) == 0 || string(b) == "null" {
		*v = 0
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		f = 0
	}
	if math.IsInf(f, 0) {
		f = 0
	}
	*v = Float(f)
	return nil
}

func parseIntLoose(b []byte) int64 {
	b = bytes.Trim(b, "\" \t")
	if len(b) == 0 {
		return 0
	}
	var n int64
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			// Not a plain integer: fall back to float parsing ("1.5E9").
			f, err := strconv.ParseFloat(string(b), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return 0
			}
			return int64(f)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n
}

// CappedString keeps at most MaxCapped bytes of a JSON string, so that huge
// plan descriptions never sit in memory whole.
type CappedString string

// MaxCapped is the most a CappedString keeps.
const MaxCapped = 64 << 10

// UnmarshalJSON implements json.Unmarshaler.
func (s *CappedString) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' {
		*s = ""
		return nil
	}
	if len(b) <= MaxCapped+2 {
		*s = CappedString(unquote(b))
		return nil
	}
	*s = CappedString(head(b, MaxCapped) + "…")
	return nil
}

// EndsString is a CappedString that keeps both ends of a huge string: its
// first and last MaxCapped/2 bytes or so (the last from a line start),
// joined by a line "…". Failure messages need both: a JVM exception says
// what failed on its first line, a Python traceback on its last.
type EndsString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *EndsString) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' {
		*s = ""
		return nil
	}
	if len(b) <= MaxCapped+2 {
		*s = EndsString(unquote(b))
		return nil
	}
	out := head(b, MaxCapped/2)
	if t := tail(b, MaxCapped/2); t != "" {
		out += "\n…\n" + t
	} else {
		out += "…"
	}
	*s = EndsString(out)
	return nil
}

// unquote decodes a JSON string; one that does not decode is kept as its
// raw bytes.
func unquote(raw []byte) string {
	var out string
	if err := json.Unmarshal(raw, &out); err != nil {
		out = string(bytes.Trim(raw, "\""))
	}
	return out
}

// head decodes about the first n bytes of the JSON string b (quotes
// included), without cutting an escape sequence in half.
func head(b []byte, n int) string {
	raw := b[:n]
	for i := len(raw) - 1; i > len(raw)-8 && i > 0; i-- {
		if raw[i] != '\\' {
			continue
		}
		// The last backslash: it starts an escape unless it ends an even
		// run (an escaped backslash, complete).
		run := 1
		for j := i - 1; j > 0 && raw[j] == '\\'; j-- {
			run++
		}
		if run%2 == 1 {
			raw = raw[:i]
		}
		break
	}
	return unquote(append(append([]byte{}, raw...), '"'))
}

// tail decodes the end of the JSON string b from the first line that starts
// in its last n bytes, or returns "" when no line does.
func tail(b []byte, n int) string {
	end := len(b) - 1 // the closing quote
	i := max(end-n, 1)
	// b[i] is escaped when an odd run of backslashes precedes it.
	run := 0
	for j := i - 1; j > 0 && b[j] == '\\'; j-- {
		run++
	}
	if run%2 == 1 {
		i++
	}
	for i < end-1 {
		if b[i] != '\\' {
			i++
			continue
		}
		if b[i+1] == 'n' {
			raw := make([]byte, 0, end-i)
			raw = append(append(append(raw, '"'), b[i+2:end]...), '"')
			return unquote(raw)
		}
		if b[i+1] == 'u' {
			i += 6
		} else {
			i += 2
		}
	}
	return ""
}

// ---- Core events (JsonProtocol field names) ----

type LogStart struct {
	SparkVersion string `json:"Spark Version"`
}

type DatabricksMetadata struct {
	SparkVersion string `json:"Spark Version"`
	Timestamp    int64  `json:"Timestamp"`
}

type ApplicationStart struct {
	AppName   string `json:"App Name"`
	AppID     string `json:"App ID"`
	Timestamp int64  `json:"Timestamp"`
	User      string `json:"User"`
	AttemptID string `json:"App Attempt ID"`
}

type ApplicationEnd struct {
	Timestamp int64 `json:"Timestamp"`
	ExitCode  *int  `json:"ExitCode"`
}

type EnvironmentUpdate struct {
	JVM    map[string]string `json:"JVM Information"`
	Spark  map[string]string `json:"Spark Properties"`
	Hadoop map[string]string `json:"Hadoop Properties"`
	System map[string]string `json:"System Properties"`
}

type JobStart struct {
	JobID          int               `json:"Job ID"`
	SubmissionTime int64             `json:"Submission Time"`
	StageInfos     []StageInfo       `json:"Stage Infos"`
	StageIDs       []int             `json:"Stage IDs"`
	Properties     map[string]string `json:"Properties"`
}

type JobEnd struct {
	JobID          int   `json:"Job ID"`
	CompletionTime int64 `json:"Completion Time"`
	JobResult      struct {
		Result    string `json:"Result"`
		Exception *struct {
			Message CappedString `json:"Message"`
		} `json:"Exception"`
	} `json:"Job Result"`
}

type StageSubmitted struct {
	StageInfo  StageInfo         `json:"Stage Info"`
	Properties map[string]string `json:"Properties"`
}

type StageCompleted struct {
	StageInfo StageInfo `json:"Stage Info"`
}

type StageInfo struct {
	StageID        int           `json:"Stage ID"`
	AttemptID      int           `json:"Stage Attempt ID"`
	Name           string        `json:"Stage Name"`
	NumTasks       int           `json:"Number of Tasks"`
	RDDInfo        []RDDInfo     `json:"RDD Info"`
	ParentIDs      []int         `json:"Parent IDs"`
	Details        CappedString  `json:"Details"`
	SubmissionTime *int64        `json:"Submission Time"`
	CompletionTime *int64        `json:"Completion Time"`
	FailureReason  *CappedString `json:"Failure Reason"`
	Accumulables   []Accumulable `json:"Accumulables"`
	ResourceProfID int           `json:"Resource Profile Id"`
}

type RDDInfo struct {
	RDDID            int          `json:"RDD ID"`
	Name             string       `json:"Name"`
	Scope            string       `json:"Scope"`
	Callsite         string       `json:"Callsite"`
	ParentIDs        []int        `json:"Parent IDs"`
	StorageLevel     StorageLevel `json:"Storage Level"`
	NumPartitions    int          `json:"Number of Partitions"`
	NumCachedParts   int          `json:"Number of Cached Partitions"`
	MemorySize       int64        `json:"Memory Size"`
	DiskSize         int64        `json:"Disk Size"`
	DeterministicLvl string       `json:"DeterministicLevel"`
}

type StorageLevel struct {
	UseDisk      bool `json:"Use Disk"`
	UseMemory    bool `json:"Use Memory"`
	UseOffHeap   bool `json:"Use Off Heap"`
	Deserialized bool `json:"Deserialized"`
	Replication  int  `json:"Replication"`
}

type Accumulable struct {
	ID       int64   `json:"ID"`
	Name     *string `json:"Name"`
	Update   *Int    `json:"Update"`
	Value    *Int    `json:"Value"`
	Internal bool    `json:"Internal"`
	Metadata *string `json:"Metadata"`
}

type TaskInfo struct {
	TaskID            int64         `json:"Task ID"`
	Index             int           `json:"Index"`
	Attempt           int           `json:"Attempt"`
	PartitionID       *int          `json:"Partition ID"`
	LaunchTime        int64         `json:"Launch Time"`
	ExecutorID        string        `json:"Executor ID"`
	Host              string        `json:"Host"`
	Locality          string        `json:"Locality"`
	Speculative       bool          `json:"Speculative"`
	GettingResultTime int64         `json:"Getting Result Time"`
	FinishTime        int64         `json:"Finish Time"`
	Failed            bool          `json:"Failed"`
	Killed            bool          `json:"Killed"`
	Accumulables      []Accumulable `json:"Accumulables"`
}

type TaskStart struct {
	StageID   int      `json:"Stage ID"`
	AttemptID int      `json:"Stage Attempt ID"`
	TaskInfo  TaskInfo `json:"Task Info"`
}

// TaskEndReason is why a task ended. Besides Reason, the fields are those of
// one kind of end: ExceptionFailure (ClassName, Description), FetchFailed
// (BlockManager, ShuffleID, MapID, MapIndex, ReduceID, Message),
// ExecutorLostFailure (ExecutorID, ExitCausedApp, LossReason), TaskKilled
// (KillReason). The stack traces are not decoded.
type TaskEndReason struct {
	Reason    string `json:"Reason"`
	ClassName string `json:"Class Name"`
	// Description is the exception's message: for a PySpark error the
	// Python traceback, whose last lines name the error, so both of its
	// ends are kept.
	Description EndsString   `json:"Description"`
	KillReason  CappedString `json:"Kill Reason"`
	// Message is a FetchFailed's exception with its stack trace.
	Message    CappedString `json:"Message"`
	LossReason CappedString `json:"Loss Reason"`
	ExecutorID string       `json:"Executor ID"`
	// ExitCausedApp is "Exit Caused By App" (Spark 1.6+): whether the
	// executor's exit was caused by the application's tasks.
	ExitCausedApp *bool `json:"Exit Caused By App"`
	ShuffleID     *Int  `json:"Shuffle ID"`
	MapID         *Int  `json:"Map ID"`
	// MapIndex is logged since Spark 3.0; -1 (like MapID) when the map
	// output's location was missing.
	MapIndex     *Int            `json:"Map Index"`
	ReduceID     *Int            `json:"Reduce ID"`
	BlockManager *BlockManagerID `json:"Block Manager Address"`
}

type ShuffleReadMetrics struct {
	RemoteBlocksFetched int64 `json:"Remote Blocks Fetched"`
	LocalBlocksFetched  int64 `json:"Local Blocks Fetched"`
	FetchWaitTime       int64 `json:"Fetch Wait Time"`
	RemoteBytesRead     int64 `json:"Remote Bytes Read"`
	RemoteBytesToDisk   int64 `json:"Remote Bytes Read To Disk"`
	LocalBytesRead      int64 `json:"Local Bytes Read"`
	TotalRecordsRead    int64 `json:"Total Records Read"`
	RemoteReqsDuration  int64 `json:"Remote Requests Duration"`
}

type ShuffleWriteMetrics struct {
	BytesWritten   int64 `json:"Shuffle Bytes Written"`
	WriteTime      int64 `json:"Shuffle Write Time"`
	RecordsWritten int64 `json:"Shuffle Records Written"`
}

type InputMetrics struct {
	BytesRead   int64 `json:"Bytes Read"`
	RecordsRead int64 `json:"Records Read"`
}

type OutputMetrics struct {
	BytesWritten   int64 `json:"Bytes Written"`
	RecordsWritten int64 `json:"Records Written"`
}

type TaskMetrics struct {
	DeserializeTime    int64                `json:"Executor Deserialize Time"`
	DeserializeCPUTime int64                `json:"Executor Deserialize CPU Time"`
	RunTime            int64                `json:"Executor Run Time"`
	CPUTime            int64                `json:"Executor CPU Time"`
	PeakExecMemory     *int64               `json:"Peak Execution Memory"`
	ResultSize         int64                `json:"Result Size"`
	GCTime             int64                `json:"JVM GC Time"`
	ResultSerTime      int64                `json:"Result Serialization Time"`
	MemorySpilled      int64                `json:"Memory Bytes Spilled"`
	DiskSpilled        int64                `json:"Disk Bytes Spilled"`
	ShuffleRead        *ShuffleReadMetrics  `json:"Shuffle Read Metrics"`
	ShuffleWrite       *ShuffleWriteMetrics `json:"Shuffle Write Metrics"`
	Input              *InputMetrics        `json:"Input Metrics"`
	Output             *OutputMetrics       `json:"Output Metrics"`
}

type TaskEnd struct {
	StageID     int              `json:"Stage ID"`
	AttemptID   int              `json:"Stage Attempt ID"`
	TaskType    string           `json:"Task Type"`
	Reason      TaskEndReason    `json:"Task End Reason"`
	TaskInfo    TaskInfo         `json:"Task Info"`
	ExecMetrics map[string]int64 `json:"Task Executor Metrics"`
	Metrics     *TaskMetrics     `json:"Task Metrics"`
}

type ExecutorAdded struct {
	Timestamp    int64  `json:"Timestamp"`
	ExecutorID   string `json:"Executor ID"`
	ExecutorInfo struct {
		Host       string `json:"Host"`
		TotalCores int    `json:"Total Cores"`
		ResourceID int    `json:"Resource Profile Id"`
	} `json:"Executor Info"`
}

type ExecutorRemoved struct {
	Timestamp  int64        `json:"Timestamp"`
	ExecutorID string       `json:"Executor ID"`
	Reason     CappedString `json:"Removed Reason"`
}

type BlockManagerID struct {
	ExecutorID string `json:"Executor ID"`
	Host       string `json:"Host"`
	Port       int    `json:"Port"`
}

type BlockManagerAdded struct {
	BlockManager BlockManagerID `json:"Block Manager ID"`
	MaxMemory    int64          `json:"Maximum Memory"`
	Timestamp    int64          `json:"Timestamp"`
	MaxOnHeap    *int64         `json:"Maximum Onheap Memory"`
	MaxOffHeap   *int64         `json:"Maximum Offheap Memory"`
}

type BlockManagerRemoved struct {
	BlockManager BlockManagerID `json:"Block Manager ID"`
	Timestamp    int64          `json:"Timestamp"`
}

type UnpersistRDD struct {
	RDDID int `json:"RDD ID"`
}

type StageExecutorMetrics struct {
	ExecutorID string           `json:"Executor ID"`
	StageID    int              `json:"Stage ID"`
	AttemptID  int              `json:"Stage Attempt ID"`
	Metrics    map[string]int64 `json:"Executor Metrics"`
}

type ExecutorMetricsUpdate struct {
	ExecutorID   string `json:"Executor ID"`
	StageMetrics []struct {
		StageID   int              `json:"Stage ID"`
		AttemptID int              `json:"Stage Attempt ID"`
		Metrics   map[string]int64 `json:"Executor Metrics"`
	} `json:"Executor Metrics Updated"`
}

type BlockUpdated struct {
	BlockUpdatedInfo struct {
		BlockManager BlockManagerID `json:"Block Manager ID"`
		BlockID      string         `json:"Block ID"`
		StorageLevel StorageLevel   `json:"Storage Level"`
		MemorySize   int64          `json:"Memory Size"`
		DiskSize     int64          `json:"Disk Size"`
	} `json:"Block Updated Info"`
}

// ExecutorExcluded is SparkListenerExecutorExcluded (Blacklisted before
// Spark 3.1) and, without taskFailures, ExecutorUnexcluded.
type ExecutorExcluded struct {
	Time       int64  `json:"time"`
	ExecutorID string `json:"executorId"`
	TaskFails  int    `json:"taskFailures"`
}

// NodeExcluded is SparkListenerNodeExcluded (Blacklisted before Spark 3.1)
// and, without executorFailures, NodeUnexcluded.
type NodeExcluded struct {
	Time         int64  `json:"time"`
	HostID       string `json:"hostId"`
	ExecFailures int    `json:"executorFailures"`
}

// ExcludedForStage is SparkListenerExecutorExcludedForStage (executorId,
// taskFailures) and SparkListenerNodeExcludedForStage (hostId,
// executorFailures).
type ExcludedForStage struct {
	Time           int64  `json:"time"`
	ExecutorID     string `json:"executorId"`
	TaskFails      int    `json:"taskFailures"`
	HostID         string `json:"hostId"`
	ExecFailures   int    `json:"executorFailures"`
	StageID        int    `json:"stageId"`
	StageAttemptID int    `json:"stageAttemptId"`
}

// ---- SQL events (Jackson field names) ----

type PlanMetric struct {
	Name          string `json:"name"`
	AccumulatorID int64  `json:"accumulatorId"`
	MetricType    string `json:"metricType"`
}

type SparkPlanInfo struct {
	NodeName     string            `json:"nodeName"`
	SimpleString CappedString      `json:"simpleString"`
	Children     []SparkPlanInfo   `json:"children"`
	Metadata     map[string]string `json:"metadata"`
	Metrics      []PlanMetric      `json:"metrics"`
}

type SQLExecutionStart struct {
	ExecutionID     int64             `json:"executionId"`
	RootExecutionID *int64            `json:"rootExecutionId"`
	Description     CappedString      `json:"description"`
	Details         CappedString      `json:"details"`
	PhysicalPlan    CappedString      `json:"physicalPlanDescription"`
	PlanInfo        SparkPlanInfo     `json:"sparkPlanInfo"`
	Time            int64             `json:"time"`
	ModifiedConfigs map[string]string `json:"modifiedConfigs"`
}

type SQLExecutionEnd struct {
	ExecutionID  int64         `json:"executionId"`
	Time         int64         `json:"time"`
	ErrorMessage *CappedString `json:"errorMessage"`
}

type SQLAdaptiveExecutionUpdate struct {
	ExecutionID  int64         `json:"executionId"`
	PhysicalPlan CappedString  `json:"physicalPlanDescription"`
	PlanInfo     SparkPlanInfo `json:"sparkPlanInfo"`
}

type SQLAdaptiveMetricUpdates struct {
	ExecutionID int64        `json:"executionId"`
	Metrics     []PlanMetric `json:"sqlPlanMetrics"`
}

type DriverAccumUpdates struct {
	ExecutionID int64    `json:"executionId"`
	Updates     [][2]Int `json:"accumUpdates"`
}

// ---- Structured Streaming ----

type StreamingQueryStarted struct {
	ID        string `json:"id"`
	RunID     string `json:"runId"`
	Name      string `json:"name"`
	Timestamp string `json:"timestamp"`
}

type StateOperatorProgress struct {
	OperatorName          string `json:"operatorName"`
	NumRowsTotal          int64  `json:"numRowsTotal"`
	NumRowsUpdated        int64  `json:"numRowsUpdated"`
	NumRowsRemoved        int64  `json:"numRowsRemoved"`
	MemoryUsedBytes       int64  `json:"memoryUsedBytes"`
	NumRowsDroppedByWM    int64  `json:"numRowsDroppedByWatermark"`
	NumLateInputs         int64  `json:"numLateInputs"`
	NumShufflePartitions  int64  `json:"numShufflePartitions"`
	NumStateStoreInstance int64  `json:"numStateStoreInstances"`
}

// SourceProgress is one source of a progress report. The offsets are kept
// raw: Spark writes them as JSON-encoded strings ("{\"topic\":{\"0\":12}}"),
// the progress API and some tools as JSON objects, and latestOffset (3.1+)
// may be null or absent; appmodel reads what it needs from them.
type SourceProgress struct {
	Description            CappedString    `json:"description"`
	StartOffset            json.RawMessage `json:"startOffset"`
	EndOffset              json.RawMessage `json:"endOffset"`
	LatestOffset           json.RawMessage `json:"latestOffset"`
	NumInputRows           int64           `json:"numInputRows"`
	InputRowsPerSecond     Float           `json:"inputRowsPerSecond"`
	ProcessedRowsPerSecond Float           `json:"processedRowsPerSecond"`
	Metrics                SourceMetrics   `json:"metrics"`
}

// SourceMetrics are the source metrics the model keeps: Kafka's (3.1+; the
// values are strings such as "12.5") offsets behind the latest available
// offset, over the partitions. Nil when absent.
type SourceMetrics struct {
	AvgOffsetsBehindLatest *Float `json:"avgOffsetsBehindLatest"`
	MaxOffsetsBehindLatest *Float `json:"maxOffsetsBehindLatest"`
	MinOffsetsBehindLatest *Float `json:"minOffsetsBehindLatest"`
}

type StreamingProgress struct {
	ID            string                  `json:"id"`
	RunID         string                  `json:"runId"`
	Name          *string                 `json:"name"`
	Timestamp     string                  `json:"timestamp"`
	BatchID       int64                   `json:"batchId"`
	BatchDuration int64                   `json:"batchDuration"`
	DurationMs    map[string]int64        `json:"durationMs"`
	EventTime     map[string]string       `json:"eventTime"`
	State         []StateOperatorProgress `json:"stateOperators"`
	Sources       []SourceProgress        `json:"sources"`
	Sink          struct {
		Description   string `json:"description"`
		NumOutputRows int64  `json:"numOutputRows"`
	} `json:"sink"`
}

type StreamingQueryProgress struct {
	Progress StreamingProgress `json:"progress"`
}

type StreamingQueryTerminated struct {
	ID        string        `json:"id"`
	RunID     string        `json:"runId"`
	Exception *CappedString `json:"exception"`
}

// anyEvent is used to find the "Event" key of a line that does not start
// with it.
type anyEvent struct {
	Event string `json:"Event"`
}
