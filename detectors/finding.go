package detectors

// SubjectKind says what a finding is about.
type SubjectKind string

// Subject kinds.
const (
	SubjectApp       SubjectKind = "application"
	SubjectStage     SubjectKind = "stage"
	SubjectJob       SubjectKind = "job"
	SubjectSQL       SubjectKind = "sql"
	SubjectExecutor  SubjectKind = "executor"
	SubjectRDD       SubjectKind = "rdd"
	SubjectStreaming SubjectKind = "streaming"
	SubjectConfig    SubjectKind = "config"
)

// Subject is what a finding points at, the way a compiler diagnostic points
// at a position.
type Subject struct {
	Kind           SubjectKind `json:"kind"`
	StageID        *int        `json:"stageId,omitempty"`
	StageAttempt   *int        `json:"stageAttemptId,omitempty"`
	JobID          *int        `json:"jobId,omitempty"`
	SQLExecutionID *int64      `json:"sqlExecutionId,omitempty"`
	// PlanNodeID is the node's preorder index in the execution's final plan.
	PlanNodeID *int   `json:"planNodeId,omitempty"`
	ExecutorID string `json:"executorId,omitempty"`
	RDDID      *int   `json:"rddId,omitempty"`
	QueryID    string `json:"queryId,omitempty"`
	ConfigKey  string `json:"configKey,omitempty"`
	// Name is a human label: the stage name, the query name, ...
	Name string `json:"name,omitempty"`
}

// Key is a stable string for ordering and de-duplication.
func (s Subject) Key() string {
	k := string(s.Kind)
	add := func(p string, v *int) {
		if v != nil {
			k += p + itoa(*v)
		}
	}
	add("/stage", s.StageID)
	add(".", s.StageAttempt)
	add("/job", s.JobID)
	if s.SQLExecutionID != nil {
		k += "/sql" + itoa(int(*s.SQLExecutionID))
	}
	add("/node", s.PlanNodeID)
	add("/rdd", s.RDDID)
	if s.ExecutorID != "" {
		k += "/exec" + s.ExecutorID
	}
	if s.QueryID != "" {
		k += "/query" + s.QueryID
	}
	if s.ConfigKey != "" {
		k += "/conf" + s.ConfigKey
	}
	return k
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Evidence is one number that supports a finding, with the threshold it
// crossed when there is one.
type Evidence struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	// Unit: "ms", "bytes", "ratio", "count", "share", "rows/s", "ns".
	Unit string `json:"unit"`
	// Threshold and Op ("≥", "≤", ">", "<") describe the limit crossed.
	Threshold *float64 `json:"threshold,omitempty"`
	Op        string   `json:"op,omitempty"`
}

// Impact says what a problem costs.
type Impact struct {
	// WallClockMs is the application wall-clock time the problem is spread
	// over (e.g. the stage's duration); WallClockShare its share of the
	// application's duration.
	WallClockMs    int64   `json:"wallClockMs"`
	WallClockShare float64 `json:"wallClockShare"`
	// TaskTimeMs is the task time involved; TaskTimeShare its share of all
	// task time.
	TaskTimeMs    int64   `json:"taskTimeMs"`
	TaskTimeShare float64 `json:"taskTimeShare"`
	// SavingsMs estimates the wall-clock time a fix would save, when it can
	// be computed (0 otherwise).
	SavingsMs int64 `json:"estimatedSavingsMs"`
}

// Change is one concrete change: a configuration key with the value to set,
// or a code change described in Snippet.
type Change struct {
	Key       string `json:"key,omitempty"`
	Current   string `json:"current,omitempty"`
	Suggested string `json:"suggested,omitempty"`
	Why       string `json:"why"`
}

// Advice is the remedy for a finding.
type Advice struct {
	// Questions are question-bank references ("Q3").
	Questions []string `json:"questions"`
	// Explanation says, in a few sentences, why this happens and what fixes
	// it.
	Explanation string `json:"explanation"`
	// Changes are concrete changes with values computed from this log.
	Changes []Change `json:"changes"`
	// Snippet is example code (PySpark or SQL) when a code change is the fix.
	Snippet string `json:"snippet,omitempty"`
}

// Finding is one problem found in an application.
type Finding struct {
	DetectorID string   `json:"detectorId"`
	Detector   string   `json:"detector"`
	Category   string   `json:"category"`
	Severity   Severity `json:"severity"`
	// Message is one line with the key number.
	Message string  `json:"message"`
	Subject Subject `json:"subject"`
	// CallSite is the user code location ("etl.py:42") when known.
	CallSite string `json:"callSite,omitempty"`
	// SQLOperator names the plan operator ("SortMergeJoin") when known.
	SQLOperator string     `json:"sqlOperator,omitempty"`
	Evidence    []Evidence `json:"evidence"`
	Impact      Impact     `json:"impact"`
	Advice      Advice     `json:"advice"`
	// Related are the findings of the same cause that triage folded into
	// this one (the other stages a slow executor slowed down, the task
	// failures of an aborted stage, ...): one cause, one finding.
	Related []Related `json:"related,omitempty"`
	// Triage says what the triage step changed and why (severity lowered
	// to info because the cost is immaterial, the work is Spark's own, ...).
	Triage []string `json:"triage,omitempty"`
}

// Related is a finding folded into another of the same cause.
type Related struct {
	DetectorID string  `json:"detectorId"`
	Subject    Subject `json:"subject"`
	Message    string  `json:"message"`
	// SavingsMs is what this part alone was estimated to save; the
	// finding that holds it counts the cause's savings once.
	SavingsMs int64 `json:"estimatedSavingsMs"`
}

// Ev builds an Evidence without a threshold.
func Ev(name string, value float64, unit string) Evidence {
	return Evidence{Name: name, Value: value, Unit: unit}
}

// EvT builds an Evidence that crossed threshold with op.
func EvT(name string, value float64, unit, op string, threshold float64) Evidence {
	t := threshold
	return Evidence{Name: name, Value: value, Unit: unit, Op: op, Threshold: &t}
}

// Ptr returns a pointer to v (for Subject fields).
func Ptr[T any](v T) *T { return &v }
