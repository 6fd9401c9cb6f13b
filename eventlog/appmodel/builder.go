package appmodel

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog"
)

// Builder accumulates events into an Application. It implements
// eventlog.Handler. Use NewBuilder, feed it with eventlog.Read, then call
// Finish once.
type Builder struct {
	app       *Application
	strs      *strtab
	executors map[string]*Executor
	jobs      map[int]*Job
	stages    map[[2]int]*Stage
	latest    map[int]*Stage // latest attempt of each stage id
	stageJobs map[int][]*Job
	rdds      map[int]*RDD
	sql       map[int64]*SQLExecution
	sqlMetric map[int64]*SQLMetric
	streams   map[string]*StreamingQuery
	streamIDs []string
	// liveTasks holds the tasks started and not yet ended.
	liveTasks map[int64]liveTask
	scratch   Task
	// cpusPerTask is spark.task.cpus; profiles the resource profiles seen.
	cpusPerTask int
	profiles    map[int]resourceProfile
	// push holds the push-based shuffle fields of the stage infos of the
	// event being handled.
	push []stagePush
	// evPeaks holds the executor metrics of the event being handled.
	evPeaks peakValues

	// rec is the decoded task event being handled (sequential reading),
	// dscratch the decoder's templates.
	rec      taskRec
	dscratch decodeScratch
	// execRefs caches, per executor id of task events, its string ids and
	// executor (see ref); execGen changes whenever b.executors does.
	execRefs map[string]*execRef
	execGen  uint64
	// The stage of the previous task event, valid while stageGen is.
	lastStage    *Stage
	lastStageKey [2]int
	lastStageGen uint64
	stageGen     uint64
	// strings and peakMaps share equal strings and peak maps (intern,
	// peakMap).
	strings  map[string]string
	peakMaps map[[numPeakMetrics]int64]map[string]int64
	// sqlIDs marks the accumulator ids of SQL metrics (see isSQLMetric).
	sqlIDs       bitset
	sparseSQLIDs bool

	// anoms collects the log's impossible values; latestPlausible is the
	// latest timestamp believed (a day after the log is read).
	anoms           anomalies
	latestPlausible int64
	// eraKnown and realEra: whether the log's first timestamp was seen,
	// and was after MinPlausibleTime (see plausible).
	eraKnown, realEra bool
	// earlyEnds holds the task ends seen before their task start (at most
	// maxEarlyEnds), until the start comes.
	earlyEnds map[int64]*earlyEnd
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	strs := newStrtab()
	return &Builder{
		app: &Application{
			strs:        strs,
			JVM:         map[string]string{},
			SparkProps:  map[string]string{},
			HadoopProps: map[string]string{},
			SystemProps: map[string]string{},
		},
		strs:      strs,
		executors: map[string]*Executor{},
		jobs:      map[int]*Job{},
		stages:    map[[2]int]*Stage{},
		latest:    map[int]*Stage{},
		stageJobs: map[int][]*Job{},
		rdds:      map[int]*RDD{},
		sql:       map[int64]*SQLExecution{},
		sqlMetric: map[int64]*SQLMetric{},
		streams:   map[string]*StreamingQuery{},
		liveTasks: map[int64]liveTask{},
		execRefs:  map[string]*execRef{},
		strings:   map[string]string{},
		peakMaps:  map[[numPeakMetrics]int64]map[string]int64{},
		profiles:  map[int]resourceProfile{},

		latestPlausible: time.Now().Add(24 * time.Hour).UnixMilli(),
	}
}

// Wants implements eventlog.Handler: the kinds the model uses.
func (b *Builder) Wants(k eventlog.Kind) bool {
	switch k {
	case eventlog.KindUnknown, eventlog.KindTaskGettingResult, eventlog.KindStreamingQueryIdle:
		return false
	}
	return true
}

// Predecodes implements eventlog.Predecoder: task starts and ends, the bulk
// of a log, are decoded on several goroutines.
func (b *Builder) Predecodes(k eventlog.Kind) bool {
	return k == eventlog.KindTaskEnd || k == eventlog.KindTaskStart
}

// NewDecoded implements eventlog.Predecoder.
func (b *Builder) NewDecoded() any { return &taskRec{} }

// NewScratch implements eventlog.Predecoder: a decoder's line templates.
func (b *Builder) NewScratch() any { return &decodeScratch{} }

// Predecode implements eventlog.Predecoder. It touches no builder state:
// accumulator ids are resolved to SQL metrics when the task is applied, in
// log order.
func (b *Builder) Predecode(k eventlog.Kind, data []byte, d, scratch any) {
	decodeTask(k, data, d.(*taskRec), scratch.(*decodeScratch))
}

// HandleDecoded implements eventlog.Predecoder.
func (b *Builder) HandleDecoded(k eventlog.Kind, data []byte, d any) error {
	return b.applyTask(d.(*taskRec))
}

// Handle implements eventlog.Handler.
func (b *Builder) Handle(k eventlog.Kind, data []byte) error {
	switch k {
	case eventlog.KindTaskEnd, eventlog.KindTaskStart:
		decodeTask(k, data, &b.rec, &b.dscratch)
		return b.applyTask(&b.rec)
	case eventlog.KindLogStart:
		var e eventlog.LogStart
		return decode(data, &e, func() { b.app.SparkVersion = e.SparkVersion })
	case eventlog.KindDatabricksMetadata:
		var e eventlog.DatabricksMetadata
		return decode(data, &e, func() {
			if b.app.SparkVersion == "" {
				b.app.SparkVersion = e.SparkVersion
			}
		})
	case eventlog.KindApplicationStart:
		var e appStartEvent
		return decode(data, &e, func() { b.onAppStart(&e) })
	case eventlog.KindApplicationEnd:
		var e eventlog.ApplicationEnd
		return decode(data, &e, func() {
			b.app.End = b.checkTime(e.Timestamp, func() string { return "application end" })
			b.app.ExitCode = e.ExitCode
			b.app.Complete = true
			b.seen(e.Timestamp)
		})
	case eventlog.KindEnvironmentUpdate:
		var e envEvent
		return decode(data, &e, func() { b.onEnv(&e) })
	case eventlog.KindJobStart:
		var e eventlog.JobStart
		b.readPush(data, true)
		return decode(data, &e, func() { b.onJobStart(&e) })
	case eventlog.KindJobEnd:
		var e eventlog.JobEnd
		return decode(data, &e, func() { b.onJobEnd(&e) })
	case eventlog.KindStageSubmitted:
		var e eventlog.StageSubmitted
		b.readPush(data, false)
		return decode(data, &e, func() { b.onStageSubmitted(&e) })
	case eventlog.KindStageCompleted:
		var e eventlog.StageCompleted
		b.readPush(data, false)
		return decode(data, &e, func() { b.onStageCompleted(&e) })
	case eventlog.KindExecutorAdded:
		var e executorAddedEvent
		return decode(data, &e, func() { b.onExecutorAdded(&e) })
	case eventlog.KindResourceProfileAdded:
		var e resourceProfileEvent
		return decode(data, &e, func() { b.onResourceProfile(&e) })
	case eventlog.KindExecutorRemoved:
		var e eventlog.ExecutorRemoved
		return decode(data, &e, func() { b.onExecutorRemoved(&e) })
	case eventlog.KindBlockManagerAdded:
		var e eventlog.BlockManagerAdded
		return decode(data, &e, func() { b.onBlockManagerAdded(&e) })
	case eventlog.KindBlockManagerRemoved:
		var e eventlog.BlockManagerRemoved
		return decode(data, &e, func() { b.seen(e.Timestamp) })
	case eventlog.KindUnpersistRDD:
		var e eventlog.UnpersistRDD
		return decode(data, &e, func() {
			b.app.Unpersisted = append(b.app.Unpersisted, e.RDDID)
			if r := b.rdds[e.RDDID]; r != nil {
				r.Unpersisted = true
			}
		})
	case eventlog.KindStageExecutorMetrics:
		var e eventlog.StageExecutorMetrics
		return decode(data, &e, func() { b.onStageExecutorMetrics(&e) })
	case eventlog.KindExecutorMetricsUpdate:
		var e eventlog.ExecutorMetricsUpdate
		return decode(data, &e, func() {
			// Spark does not log these, but some tools do: they raise the
			// peaks of the live executor and of the live stage.
			for _, sm := range e.StageMetrics {
				b.evPeaks.load(sm.Metrics)
				if ex := b.executors[e.ExecutorID]; ex != nil && ex.RemoveTime == 0 {
					raise(&ex.peak, &b.evPeaks)
				}
				if st := b.stages[[2]int{sm.StageID, sm.AttemptID}]; st != nil && !st.closed {
					raise(&st.peak, &b.evPeaks)
					raise(&st.execSummary(e.ExecutorID).peak, &b.evPeaks)
				}
			}
		})
	case eventlog.KindBlockUpdated:
		var e eventlog.BlockUpdated
		return decode(data, &e, func() { b.onBlockUpdated(&e) })
	case eventlog.KindExecutorExcluded, eventlog.KindExecutorUnexcluded:
		var e eventlog.ExecutorExcluded
		return decode(data, &e, func() { b.onExecutorExcluded(&e, k == eventlog.KindExecutorExcluded) })
	case eventlog.KindNodeExcluded, eventlog.KindNodeUnexcluded:
		var e eventlog.NodeExcluded
		return decode(data, &e, func() { b.onNodeExcluded(&e, k == eventlog.KindNodeExcluded) })
	case eventlog.KindExecutorExcludedForStage, eventlog.KindNodeExcludedForStage:
		var e eventlog.ExcludedForStage
		return decode(data, &e, func() { b.onExcludedForStage(&e, k == eventlog.KindNodeExcludedForStage) })
	case eventlog.KindSQLExecutionStart:
		var e eventlog.SQLExecutionStart
		return decode(data, &e, func() { b.onSQLStart(&e) })
	case eventlog.KindSQLExecutionEnd:
		var e eventlog.SQLExecutionEnd
		return decode(data, &e, func() { b.onSQLEnd(&e) })
	case eventlog.KindSQLAdaptiveExecutionUpdate:
		var e eventlog.SQLAdaptiveExecutionUpdate
		return decode(data, &e, func() { b.onSQLAdaptive(&e) })
	case eventlog.KindSQLAdaptiveMetricUpdates:
		var e eventlog.SQLAdaptiveMetricUpdates
		return decode(data, &e, func() {
			x := b.sqlExec(e.ExecutionID)
			for _, m := range e.Metrics {
				b.metric(x, m)
			}
		})
	case eventlog.KindDriverAccumUpdates:
		var e eventlog.DriverAccumUpdates
		return decode(data, &e, func() {
			for _, u := range e.Updates {
				if m := b.sqlMetric[int64(u[0])]; m != nil {
					m.Value = int64(u[1])
					m.Set = true
				}
			}
		})
	case eventlog.KindStreamingQueryStarted:
		var e eventlog.StreamingQueryStarted
		return decode(data, &e, func() {
			q := b.stream(e.ID, e.RunID)
			q.Name, q.Start = e.Name, e.Timestamp
		})
	case eventlog.KindStreamingQueryProgress:
		var e eventlog.StreamingQueryProgress
		return decode(data, &e, func() { b.onProgress(&e.Progress) })
	case eventlog.KindStreamingQueryTerminated:
		var e eventlog.StreamingQueryTerminated
		return decode(data, &e, func() {
			q := b.stream(e.ID, e.RunID)
			q.Ended = true
			if e.Exception != nil {
				q.Exception = string(*e.Exception)
			}
		})
	}
	return nil
}

func decode(data []byte, v any, apply func()) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	apply()
	return nil
}

func (b *Builder) seen(ts int64) {
	if ts > b.app.LastEvent && b.plausible(ts) {
		b.app.LastEvent = ts
	}
}

// appStartEvent is the application start with the driver's log links and
// attributes (Spark 3.0+ on YARN), which the History Server shows for the
// driver executor.
type appStartEvent struct {
	eventlog.ApplicationStart
	DriverLogs       map[string]string `json:"Driver Logs"`
	DriverAttributes map[string]string `json:"Driver Attributes"`
}

func (b *Builder) onAppStart(e *appStartEvent) {
	if d := b.executors["driver"]; d != nil && d.RemoveTime == 0 {
		if e.DriverLogs != nil {
			d.strs, d.logs = b.strs, b.strs.pack(e.DriverLogs)
		}
		if e.DriverAttributes != nil {
			d.strs, d.attrs = b.strs, b.strs.pack(e.DriverAttributes)
		}
	}
	a := b.app
	a.Name = e.AppName
	if e.AppID != "" {
		a.ID = e.AppID
	}
	a.AttemptID = e.AttemptID
	a.User = e.User
	a.Start = b.checkTime(e.Timestamp, func() string { return "application start" })
	b.seen(e.Timestamp)
}

// envEvent is the environment update with the classpath and metrics
// properties, which only the model uses.
type envEvent struct {
	eventlog.EnvironmentUpdate
	Classpath map[string]string `json:"Classpath Entries"`
	Metrics   map[string]string `json:"Metrics Properties"`
}

func (b *Builder) onEnv(e *envEvent) {
	if e.Classpath != nil {
		b.app.Classpath = e.Classpath
	}
	if e.Metrics != nil {
		b.app.MetricsProps = e.Metrics
	}
	for k, v := range e.JVM {
		b.app.JVM[k] = v
	}
	for k, v := range e.Spark {
		b.app.SparkProps[k] = v
	}
	if n, err := strconv.Atoi(strings.TrimSpace(e.Spark["spark.task.cpus"])); err == nil && n > 0 {
		b.cpusPerTask = n
	}
	for k, v := range e.Hadoop {
		b.app.HadoopProps[k] = v
	}
	for k, v := range e.System {
		b.app.SystemProps[k] = v
	}
}

// executorAddedEvent is eventlog.ExecutorAdded with the log links,
// attributes and resources of the executor.
type executorAddedEvent struct {
	Timestamp  int64  `json:"Timestamp"`
	ExecutorID string `json:"Executor ID"`
	Info       struct {
		Host       string            `json:"Host"`
		TotalCores int               `json:"Total Cores"`
		LogURLs    map[string]string `json:"Log Urls"`
		Attributes map[string]string `json:"Attributes"`
		Resources  map[string]struct {
			Addresses []string `json:"addresses"`
		} `json:"Resources"`
		ResourceProfileID int `json:"Resource Profile Id"`
	} `json:"Executor Info"`
}

// resourceProfileEvent is a SparkListenerResourceProfileAdded.
type resourceProfileEvent struct {
	ID       int                              `json:"Resource Profile Id"`
	Executor map[string]resourceProfileAmount `json:"Executor Resource Requests"`
	Task     map[string]resourceProfileAmount `json:"Task Resource Requests"`
}

type resourceProfileAmount struct {
	Amount          eventlog.Float `json:"Amount"`
	DiscoveryScript string         `json:"Discovery Script"`
	Vendor          string         `json:"Vendor"`
}

func (b *Builder) onResourceProfile(e *resourceProfileEvent) {
	b.profiles[e.ID] = e.profile()
	rp := &ResourceProfile{ID: e.ID, ExecutorResources: map[string]ExecutorResource{}, TaskResources: map[string]float64{}}
	for name, r := range e.Executor {
		rp.ExecutorResources[name] = ExecutorResource{Amount: int64(r.Amount), DiscoveryScript: r.DiscoveryScript, Vendor: r.Vendor}
	}
	for name, r := range e.Task {
		rp.TaskResources[name] = float64(r.Amount)
	}
	for i, p := range b.app.ResourceProfiles {
		if p.ID == e.ID {
			b.app.ResourceProfiles[i] = rp
			return
		}
	}
	b.app.ResourceProfiles = append(b.app.ResourceProfiles, rp)
}

// resourceProfile is what the model needs of a resource profile: the CPUs
// per task (0 when the profile does not say).
//
// The History Server would use the profile's own task-slot count when its
// executor cores are known, but a profile rebuilt from the log never
// computes them, so replayed logs always show cores / CPUs per task.
type resourceProfile struct {
	cpusPerTask int
}

func (e *resourceProfileEvent) profile() resourceProfile {
	var p resourceProfile
	if c, ok := e.Task["cpus"]; ok {
		p.cpusPerTask = int(c.Amount)
	}
	return p
}

func (b *Builder) onExecutorAdded(e *executorAddedEvent) {
	ex := b.executors[e.ExecutorID]
	if ex == nil || ex.RemoveTime > 0 {
		// A removed executor that comes back starts afresh, as in the
		// History Server.
		ex = &Executor{ID: e.ExecutorID, AddTime: b.checkTime(e.Timestamp, func() string { return "executor " + quoteID(e.ExecutorID) + " added" })}
		b.executors[e.ExecutorID] = ex
		b.execGen++
	}
	info := &e.Info
	ex.Host = b.intern(info.Host)
	ex.hostAdded = true
	ex.TotalCores = info.TotalCores
	ex.ResourceProfileID = info.ResourceProfileID
	ex.IsActive = true
	if ex.HostPort == "" {
		ex.HostPort = ex.Host
	}
	ex.strs, ex.logs, ex.attrs = b.strs, b.strs.pack(info.LogURLs), b.strs.pack(info.Attributes)
	ex.Resources = nil
	for name, r := range info.Resources {
		if ex.Resources == nil {
			ex.Resources = map[string][]string{}
		}
		ex.Resources[name] = r.Addresses
	}
	cpus := b.cpusPerTask
	if p := b.profiles[info.ResourceProfileID]; p.cpusPerTask > 0 {
		cpus = p.cpusPerTask
	}
	if cpus <= 0 {
		cpus = 1
	}
	ex.MaxTasks = ex.TotalCores / cpus
	b.seen(e.Timestamp)
}

func (b *Builder) onExecutorRemoved(e *eventlog.ExecutorRemoved) {
	ex := b.executors[e.ExecutorID]
	if ex == nil || ex.RemoveTime > 0 {
		return
	}
	ex.RemoveTime = e.Timestamp
	if b.checkTime(e.Timestamp, func() string { return "executor " + quoteID(e.ExecutorID) + " removed" }) == 0 {
		ex.RemoveTime = max(ex.AddTime, 1) // removed, when unknown
	}
	ex.RemoveReason = b.intern(string(e.Reason))
	ex.IsActive = false
	b.seen(e.Timestamp)
}

func (b *Builder) onBlockManagerAdded(e *eventlog.BlockManagerAdded) {
	id := e.BlockManager.ExecutorID
	ex := b.executors[id]
	if ex == nil || ex.RemoveTime > 0 {
		ex = &Executor{ID: id, IsActive: true, AddTime: e.Timestamp}
		b.executors[id] = ex
		b.execGen++
	}
	ex.HostPort = e.BlockManager.Host + ":" + strconv.Itoa(e.BlockManager.Port)
	if ex.Host == "" {
		ex.Host = e.BlockManager.Host
	}
	ex.IsActive = true
	ex.MaxMemory = e.MaxMemory
	if e.MaxOnHeap != nil {
		ex.MaxOnHeapMemory = *e.MaxOnHeap
		ex.MaxOffHeapMemory = 0
		if e.MaxOffHeap != nil {
			ex.MaxOffHeapMemory = *e.MaxOffHeap
		}
		ex.HasMemoryMetrics = true
	}
	b.seen(e.Timestamp)
}

// standardExecutorMetrics are the keys every executor-metrics object has;
// Spark reads a missing object as all zeros.
var standardExecutorMetrics = [...]string{"JVMHeapMemory", "JVMOffHeapMemory", "OnHeapExecutionMemory",
	"OffHeapExecutionMemory", "OnHeapStorageMemory", "OffHeapStorageMemory", "OnHeapUnifiedMemory",
	"OffHeapUnifiedMemory", "DirectPoolMemory", "MappedPoolMemory", "ProcessTreeJVMVMemory",
	"ProcessTreeJVMRSSMemory", "ProcessTreePythonVMemory", "ProcessTreePythonRSSMemory",
	"ProcessTreeOtherVMemory", "ProcessTreeOtherRSSMemory", "MinorGCCount", "MinorGCTime",
	"MajorGCCount", "MajorGCTime", "TotalGCTime"}

const numPeakMetrics = len(standardExecutorMetrics)

var peakIndex = func() map[string]int {
	m := make(map[string]int, len(standardExecutorMetrics))
	for i, k := range standardExecutorMetrics {
		m[k] = i
	}
	return m
}()

// peakValues are executor-metric peaks while the model is built (a map per
// task end would cost too much); Finish turns them into maps.
type peakValues struct {
	v     [numPeakMetrics]int64
	extra map[string]int64 // metrics outside the standard list
}

// load sets p to one executor-metrics object; a missing object or metric
// reads as 0, as in Spark.
func (p *peakValues) load(m map[string]int64) {
	p.v = [numPeakMetrics]int64{}
	p.extra = nil
	for k, v := range m {
		if i, ok := peakIndex[k]; ok {
			p.v[i] = v
			continue
		}
		if p.extra == nil {
			p.extra = map[string]int64{}
		}
		p.extra[k] = v
	}
}

// loadRec sets p to the executor metrics of a task end.
func (p *peakValues) loadRec(r *taskRec) {
	p.v = r.peaks
	p.extra = nil
	for _, e := range r.extra {
		if p.extra == nil {
			p.extra = map[string]int64{}
		}
		p.extra[string(e.name)] = e.v
	}
}

// raise lifts each peak of *dst to src, creating *dst (all zeros) first.
func raise(dst **peakValues, src *peakValues) {
	if *dst == nil {
		*dst = &peakValues{}
	}
	d := *dst
	for i, v := range src.v {
		if v > d.v[i] {
			d.v[i] = v
		}
	}
	for k, v := range src.extra {
		if cur, ok := d.extra[k]; !ok || v > cur {
			if d.extra == nil {
				d.extra = map[string]int64{}
			}
			d.extra[k] = v
		}
	}
}

// peakMap is p.toMap, with equal sets of standard metrics sharing one map:
// the model is read-only, and the same peaks come back stage after stage
// (all zeros when executor metrics are not polled).
func (b *Builder) peakMap(p *peakValues) map[string]int64 {
	if p == nil || len(p.extra) > 0 {
		return p.toMap()
	}
	if m, ok := b.peakMaps[p.v]; ok {
		return m
	}
	m := p.toMap()
	if len(b.peakMaps) < maxSharedPeakMaps {
		b.peakMaps[p.v] = m
	}
	return m
}

const maxSharedPeakMaps = 1 << 16

// intern returns the model's copy of s: names, call sites, stage details and
// plans repeat from job to job (loops, micro-batches), and are kept once.
func (b *Builder) intern(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := b.strings[s]; ok {
		return c
	}
	if len(b.strings) < maxInterned {
		b.strings[s] = s
	}
	return s
}

const maxInterned = 1 << 20

// toMap is the final form of peaks, nil when none were seen.
func (p *peakValues) toMap() map[string]int64 {
	if p == nil {
		return nil
	}
	m := make(map[string]int64, numPeakMetrics+len(p.extra))
	for i, k := range standardExecutorMetrics {
		m[k] = p.v[i]
	}
	for k, v := range p.extra {
		m[k] = v
	}
	return m
}

func (b *Builder) onStageExecutorMetrics(e *eventlog.StageExecutorMetrics) {
	b.evPeaks.load(e.Metrics)
	if ex := b.executors[e.ExecutorID]; ex != nil {
		raise(&ex.peak, &b.evPeaks) // dead executors too, as the History Server
	}
	// Only a stage still tracked takes the peaks (no record is created).
	if st := b.stages[[2]int{e.StageID, e.AttemptID}]; st != nil && !st.closed {
		raise(&st.peak, &b.evPeaks)
		raise(&st.execSummary(e.ExecutorID).peak, &b.evPeaks)
	}
}

// execSummaryBytes is execSummary for an id read off a line.
func (st *Stage) execSummaryBytes(id []byte) *ExecutorStageSummary {
	if es := st.ExecutorSummaries[string(id)]; es != nil {
		return es
	}
	return st.execSummary(string(id))
}

// execSummary returns the stage's summary for an executor, creating it.
func (st *Stage) execSummary(id string) *ExecutorStageSummary {
	es := st.ExecutorSummaries[id]
	if es == nil {
		if st.ExecutorSummaries == nil {
			st.ExecutorSummaries = map[string]*ExecutorStageSummary{}
		}
		es = &ExecutorStageSummary{}
		st.ExecutorSummaries[id] = es
	}
	return es
}

// stagePush is the push-based shuffle part of a stage info (Spark 3.2+),
// which eventlog.StageInfo does not carry.
type stagePush struct {
	StageID   int  `json:"Stage ID"`
	AttemptID int  `json:"Stage Attempt ID"`
	Enabled   bool `json:"Shuffle Push Enabled"`
	Mergers   int  `json:"Shuffle Push Mergers Count"`
}

var pushEnabledKey = []byte(`"Shuffle Push Enabled"`)

// readPush collects the push-based shuffle fields of the stage infos of a
// job-start (job) or stage event into b.push. Logs before 3.2 do not have
// them and cost one scan.
func (b *Builder) readPush(data []byte, job bool) {
	b.push = b.push[:0]
	if !bytes.Contains(data, pushEnabledKey) {
		return
	}
	if job {
		var e struct {
			Infos []stagePush `json:"Stage Infos"`
		}
		if json.Unmarshal(data, &e) == nil {
			b.push = append(b.push, e.Infos...)
		}
		return
	}
	var e struct {
		Info stagePush `json:"Stage Info"`
	}
	if json.Unmarshal(data, &e) == nil {
		b.push = append(b.push, e.Info)
	}
}

// The push-based shuffle read metrics of a task are logged under "Push
// Based Shuffle" by released Spark (3.4+); the apache/spark test logs of 2023
// use "Shuffle Push Read Metrics" (and "Merged Fallback Count").
var pushReadKeys = [][]byte{[]byte(`"Push Based Shuffle"`), []byte(`"Shuffle Push Read Metrics"`)}

// pushReadMetrics is the push-based shuffle object of a task's shuffle read
// metrics.
type pushReadMetrics struct {
	CorruptMergedBlockChunks  int64  `json:"Corrupt Merged Block Chunks"`
	FetchFallbackCount        *int64 `json:"Merged Fetch Fallback Count"`
	FallbackCount             int64  `json:"Merged Fallback Count"` // as some logs spell it
	RemoteMergedBlocksFetched int64  `json:"Merged Remote Blocks Fetched"`
	LocalMergedBlocksFetched  int64  `json:"Merged Local Blocks Fetched"`
	RemoteMergedChunksFetched int64  `json:"Merged Remote Chunks Fetched"`
	LocalMergedChunksFetched  int64  `json:"Merged Local Chunks Fetched"`
	RemoteMergedBytesRead     int64  `json:"Merged Remote Bytes Read"`
	LocalMergedBytesRead      int64  `json:"Merged Local Bytes Read"`
	RemoteMergedReqsDuration  int64  `json:"Merged Remote Requests Duration"`
}

var shuffleReadKey = []byte(`"Shuffle Read Metrics"`)

// indexQuoted is bytes.Index for a key that starts with a quote: it looks
// for the rest of the key, whose first letter is much rarer on a line than
// a quote, and checks the quote before it.
func indexQuoted(s, key []byte) int {
	for off := 0; ; {
		j := bytes.Index(s[off+1:], key[1:])
		if j < 0 {
			return -1
		}
		p := off + j // where the quote would be
		if s[p] == '"' {
			return p
		}
		off = p + 1
		if off+len(key) > len(s) {
			return -1
		}
	}
}

// readPushMetrics fills the push-based shuffle metrics of a task end from
// its raw line. eventlog.TaskMetrics does not carry them; the object is flat
// (numbers only), so it is located and decoded on its own. It sits in the
// shuffle read metrics, which Spark writes last on the line: the search
// starts from the end and covers only that object. from is where the
// caller knows the key occurs (0 when it does not): the last occurrence is
// searched from there.
func readPushMetrics(data []byte, from int, m *Metrics) {
	i := -1
	for j := from; ; {
		k := indexQuoted(data[j:], shuffleReadKey) // forward, unlike LastIndex: SIMD
		if k < 0 {
			break
		}
		i = j + k
		j = i + 1
	}
	if i < 0 {
		return
	}
	read := data[i+len(shuffleReadKey):]
	var rest []byte
	for _, key := range pushReadKeys {
		if j := indexQuoted(read, key); j >= 0 {
			rest = read[j+len(key):]
			break
		}
	}
	if rest == nil {
		return
	}
	open := bytes.IndexByte(rest, '{')
	end := bytes.IndexByte(rest, '}')
	if open < 0 || end < open || string(bytes.TrimSpace(rest[:open])) != ":" {
		return
	}
	var p pushReadMetrics
	fetch, hasFetch, ok := decodePush(rest[open:end+1], &p)
	if !ok {
		p = pushReadMetrics{}
		if json.Unmarshal(rest[open:end+1], &p) != nil {
			return
		}
		if p.FetchFallbackCount != nil {
			fetch, hasFetch = *p.FetchFallbackCount, true
		}
	}
	m[ShuffleCorruptMergedBlockChunks] = p.CorruptMergedBlockChunks
	m[ShuffleMergedFetchFallbackCount] = p.FallbackCount
	if hasFetch {
		m[ShuffleMergedFetchFallbackCount] = fetch
	}
	m[ShuffleMergedRemoteBlocksFetched] = p.RemoteMergedBlocksFetched
	m[ShuffleMergedLocalBlocksFetched] = p.LocalMergedBlocksFetched
	m[ShuffleMergedRemoteChunksFetched] = p.RemoteMergedChunksFetched
	m[ShuffleMergedLocalChunksFetched] = p.LocalMergedChunksFetched
	m[ShuffleMergedRemoteBytesRead] = p.RemoteMergedBytesRead
	m[ShuffleMergedLocalBytesRead] = p.LocalMergedBytesRead
	m[ShuffleMergedRemoteReqsDuration] = p.RemoteMergedReqsDuration
}

// stage returns the tracked attempt of a stage, creating it when needed.
func (b *Builder) stage(id, attempt int) *Stage {
	key := [2]int{id, attempt}
	if b.lastStage != nil && b.lastStageKey == key && b.lastStageGen == b.stageGen {
		return b.lastStage
	}
	st := b.stages[key]
	if st == nil {
		st = b.newStage(id, attempt)
	}
	b.lastStage, b.lastStageKey, b.lastStageGen = st, key, b.stageGen
	return st
}

// newStage creates a fresh record for a stage attempt, replacing any earlier
// one under the same key.
func (b *Builder) newStage(id, attempt int) *Stage {
	key := [2]int{id, attempt}
	st := &Stage{ID: id, Attempt: attempt, Status: StagePending, SQLExecutionID: -1, strs: b.strs,
		KilledReasons: map[string]int{}, SchedulingPool: "default"}
	b.stages[key] = st
	b.stageGen++
	if l := b.latest[id]; l == nil || l.Attempt <= attempt {
		b.latest[id] = st
	}
	return st
}

func (b *Builder) applyStageInfo(st *Stage, si *eventlog.StageInfo) {
	if si.Name != "" {
		st.Name = b.intern(si.Name)
	}
	if si.Details != "" {
		st.Details = b.intern(string(si.Details))
	}
	st.NumTasks = si.NumTasks
	if si.ParentIDs != nil {
		st.ParentIDs = si.ParentIDs
	}
	st.ResourceProfileID = si.ResourceProfID
	st.ShufflePushEnabled, st.ShuffleMergersCount = false, 0
	for _, p := range b.push {
		if p.StageID == si.StageID && p.AttemptID == si.AttemptID {
			st.ShufflePushEnabled, st.ShuffleMergersCount = p.Enabled, p.Mergers
		}
	}
	if si.SubmissionTime != nil && *si.SubmissionTime > 0 {
		if ts := b.checkTime(*si.SubmissionTime, st.describe("submitted")); ts > 0 {
			st.SubmissionTime = ts
			b.seen(st.SubmissionTime)
		}
	}
	if si.CompletionTime != nil && *si.CompletionTime > 0 {
		if ts := b.checkTime(*si.CompletionTime, st.describe("completed")); ts > 0 {
			st.CompletionTime = ts
			b.seen(st.CompletionTime)
		}
	}
	if len(si.RDDInfo) > 0 {
		st.RDDIDs = st.RDDIDs[:0]
		for i := range si.RDDInfo {
			st.RDDIDs = append(st.RDDIDs, si.RDDInfo[i].RDDID)
			b.applyRDD(st.ID, &si.RDDInfo[i])
		}
	}
}

func (b *Builder) applyRDD(stageID int, ri *eventlog.RDDInfo) {
	r := b.rdds[ri.RDDID]
	if r == nil {
		r = &RDD{ID: ri.RDDID, FirstStageID: stageID}
		b.rdds[ri.RDDID] = r
	}
	r.Name = b.intern(ri.Name)
	r.Scope = b.intern(ri.Scope)
	r.CallSite = b.intern(ri.Callsite)
	r.ParentIDs = ri.ParentIDs
	r.StorageLevel = ri.StorageLevel
	r.NumPartitions = ri.NumPartitions
	r.NumCachedParts = ri.NumCachedParts
	r.MemorySize = ri.MemorySize
	r.DiskSize = ri.DiskSize
	r.DeterministicLevel = ri.DeterministicLvl
	if ri.NumCachedParts > r.MaxCachedParts {
		r.MaxCachedParts = ri.NumCachedParts
	}
	if ri.MemorySize > r.MaxMemorySize {
		r.MaxMemorySize = ri.MemorySize
	}
	if ri.DiskSize > r.MaxDiskSize {
		r.MaxDiskSize = ri.DiskSize
	}
	if n := len(r.StageIDs); n == 0 || r.StageIDs[n-1] != stageID {
		r.StageIDs = append(r.StageIDs, stageID)
	}
}

func (b *Builder) onJobStart(e *eventlog.JobStart) {
	j := &Job{ID: e.JobID, SQLExecutionID: -1, KilledReasons: map[string]int{},
		completedIdx: map[int]*bitset{}, completedStages: map[int]struct{}{}, skippedStages: map[int]struct{}{}}
	b.jobs[e.JobID] = j
	if e.SubmissionTime > 0 {
		j.SubmissionTime = b.checkTime(e.SubmissionTime, func() string { return fmt.Sprintf("job %d submitted", e.JobID) })
	}
	b.seen(j.SubmissionTime)
	j.Status = JobRunning
	j.StageIDs = append([]int{}, e.StageIDs...)
	if len(j.StageIDs) == 0 {
		for _, si := range e.StageInfos {
			j.StageIDs = append(j.StageIDs, si.StageID)
		}
	}
	for _, id := range j.StageIDs {
		b.stageJobs[id] = append(b.stageJobs[id], j)
	}
	p := e.Properties
	j.Description = b.intern(p["spark.job.description"])
	j.JobGroup = p["spark.jobGroup.id"]
	j.CallSite = b.intern(p["callSite.short"])
	j.JobTags = []string{}
	if tags := p["spark.job.tags"]; tags != "" {
		j.JobTags = strings.Split(tags, ",")
		sort.Strings(j.JobTags)
	}
	if v, ok := p["spark.sql.execution.id"]; ok {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			j.SQLExecutionID = id
			x := b.sqlExec(id)
			x.JobIDs = append(x.JobIDs, j.ID)
		}
	}
	// The job's name is the name of its last stage; its task count the
	// tasks of the stages not already computed.
	var last *eventlog.StageInfo
	for i := range e.StageInfos {
		si := &e.StageInfos[i]
		if last == nil || si.StageID > last.StageID {
			last = si
		}
		if si.CompletionTime == nil {
			j.NumTasks += si.NumTasks
		}
		st := b.stage(si.StageID, si.AttemptID)
		if !st.closed {
			b.applyStageInfo(st, si)
		}
		st.JobIDs = appendUnique(st.JobIDs, j.ID)
		if j.SQLExecutionID >= 0 {
			st.SQLExecutionID = j.SQLExecutionID
		}
	}
	if last != nil {
		j.Name = last.Name
	}
}

// stageBits returns the job's completed-index set of a stage, creating it.
func (j *Job) stageBits(stageID int) *bitset {
	b := j.completedIdx[stageID]
	if b == nil {
		b = &bitset{}
		j.completedIdx[stageID] = b
	}
	return b
}

// maxIndexBits bounds the task indices kept in bitsets.
const maxIndexBits = 1 << 24

// completeIndex records that task index of stage completed for the job.
func (j *Job) completeIndex(bits *bitset, stageID, index int) {
	if index >= 0 && index < maxIndexBits {
		if bits.set(index) {
			j.numCompletedIdx++
		}
		return
	}
	key := [2]int{stageID, index}
	if _, ok := j.completedOther[key]; !ok {
		if j.completedOther == nil {
			j.completedOther = map[[2]int]struct{}{}
		}
		j.completedOther[key] = struct{}{}
		j.numCompletedIdx++
	}
}

func appendUnique(xs []int, x int) []int {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

func (b *Builder) onJobEnd(e *eventlog.JobEnd) {
	j := b.jobs[e.JobID]
	if j == nil {
		return // the History Server ignores the end of a job it never saw start
	}
	if e.CompletionTime > 0 {
		j.CompletionTime = b.checkTime(e.CompletionTime, func() string { return fmt.Sprintf("job %d completed", e.JobID) })
	}
	b.seen(j.CompletionTime)
	if j.CompletionTime > 0 && j.SubmissionTime > 0 && j.CompletionTime < j.SubmissionTime {
		b.anoms.note(AnomalyJobEndBeforeStart, func() string {
			return fmt.Sprintf("job %d submitted at %d, completed at %d", j.ID, j.SubmissionTime, j.CompletionTime)
		})
	}
	switch e.JobResult.Result {
	case "JobSucceeded":
		j.Status = JobSucceeded
	default:
		j.Status = JobFailed
		if e.JobResult.Exception != nil {
			j.FailureReason = string(e.JobResult.Exception.Message)
		}
	}
	// Stages of the job that never ran were skipped: their output was
	// already available.
	// Every attempt counts: when a fetch failure re-ran a parent map stage
	// as attempt 1, its attempt 0 (never submitted) is still pending here.
	for _, id := range j.StageIDs {
		last := b.latest[id]
		if last == nil {
			continue
		}
		for att := 0; att <= last.Attempt; att++ {
			st := b.stages[[2]int{id, att}]
			if st == nil || st.closed || st.Status != StagePending {
				continue
			}
			st.Status = StageSkipped
			st.closed = true
			st.tasks.seal() // ends after this are rare
			if _, ok := j.skippedStages[id]; !ok {
				j.skippedStages[id] = struct{}{}
				j.NumSkippedTasks += st.NumTasks
			}
			// Such a stage was never active: since SPARK-41683 (3.4) the
			// History Server no longer takes it off the active stages.
		}
	}
}

func (b *Builder) onStageSubmitted(e *eventlog.StageSubmitted) {
	si := &e.StageInfo
	st := b.stages[[2]int{si.StageID, si.AttemptID}]
	if st == nil || st.closed {
		st = b.newStage(si.StageID, si.AttemptID)
	}
	b.applyStageInfo(st, si)
	st.Status = StageActive
	st.Description = b.intern(e.Properties["spark.job.description"])
	st.SchedulingPool = e.Properties["spark.scheduler.pool"]
	if st.SchedulingPool == "" {
		st.SchedulingPool = "default"
	}
	if v, ok := e.Properties["spark.sql.execution.id"]; ok {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			st.SQLExecutionID = id
		}
	}
	st.jobs = st.jobs[:0]
	st.jobBits = st.jobBits[:0]
	for _, j := range b.stageJobs[si.StageID] {
		if j.Status == JobRunning {
			st.jobs = append(st.jobs, j)
			st.jobBits = append(st.jobBits, j.stageBits(si.StageID))
			st.JobIDs = appendUnique(st.JobIDs, j.ID)
			j.NumActiveStages++
			delete(j.completedStages, si.StageID)
			if j.SQLExecutionID >= 0 && st.SQLExecutionID < 0 {
				st.SQLExecutionID = j.SQLExecutionID
			}
		}
	}
}

func (b *Builder) onStageCompleted(e *eventlog.StageCompleted) {
	si := &e.StageInfo
	st := b.stages[[2]int{si.StageID, si.AttemptID}]
	if st == nil || st.closed {
		return // the History Server ignores a stage it no longer tracks
	}
	b.applyStageInfo(st, si)
	if st.CompletionTime > 0 && st.SubmissionTime > 0 && st.CompletionTime < st.SubmissionTime {
		b.anoms.note(AnomalyStageEndBeforeStart, func() string {
			return fmt.Sprintf("stage %d.%d submitted at %d, completed at %d", st.ID, st.Attempt, st.SubmissionTime, st.CompletionTime)
		})
	}
	switch {
	case si.FailureReason != nil:
		st.Status = StageFailed
		st.FailureReason = string(*si.FailureReason)
	case si.SubmissionTime != nil:
		st.Status = StageComplete
	default:
		st.Status = StageSkipped // pre-2.2 logs mark skipped stages this way
	}
	st.Accumulables = st.Accumulables[:0]
	for _, a := range si.Accumulables {
		if a.Name == nil || strings.HasPrefix(*a.Name, "internal.") || (a.Metadata != nil && *a.Metadata == "sql") {
			continue
		}
		if m := b.sqlMetric[a.ID]; m != nil {
			continue // SQL metrics are reported by their plan node
		}
		v := int64(0)
		if a.Value != nil {
			v = int64(*a.Value)
		}
		st.Accumulables = append(st.Accumulables, StageAccumulable{ID: a.ID, Name: *a.Name, Value: v})
	}
	for _, j := range st.jobs {
		j.NumActiveStages--
		switch st.Status {
		case StageComplete:
			j.completedStages[si.StageID] = struct{}{}
		case StageFailed:
			j.NumFailedStages++
		case StageSkipped:
			if _, ok := j.skippedStages[si.StageID]; !ok {
				j.skippedStages[si.StageID] = struct{}{}
				j.NumSkippedTasks += si.NumTasks
			}
		}
	}
	// The executors excluded from this attempt are no longer excluded in
	// the stage (whatever its attempt: the server keeps stage ids).
	for _, id := range st.excludedExecs {
		if ex := b.executors[id]; ex != nil && ex.RemoveTime == 0 {
			ex.ExcludedInStages = removeInt(ex.ExcludedInStages, si.StageID)
		}
	}
	if st.NumActiveTasks == 0 {
		st.closed = true
		st.tasks.seal() // ends after this are rare
	}
}

// liveTask is what a task start says, kept until the task ends: a task
// that never ends (incomplete log) is recorded as running at Finish.
type liveTask struct {
	stage       [2]int
	index       int
	attempt     int
	partition   int
	launch      int64
	exec, host  uint32
	locality    string
	speculative bool
}

// recordRunning adds the tasks that started and never ended to their
// stages, as RUNNING tasks without metrics. The History Server gives them
// the duration up to its clock; the model uses the last event seen.
func (b *Builder) recordRunning() {
	ids := make([]int64, 0, len(b.liveTasks))
	for id := range b.liveTasks {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		lt := b.liveTasks[id]
		st := b.stages[lt.stage]
		if st == nil {
			continue
		}
		t := Task{TaskID: id, Index: lt.index, Attempt: lt.attempt, PartitionID: lt.partition,
			Status: TaskRunning, Speculative: lt.speculative, HadStart: true, Locality: lt.locality,
			LaunchTime: lt.launch}
		if d := b.app.LastEvent - lt.launch; d > 0 && lt.launch > 0 {
			t.M[Duration] = d
		}
		st.tasks.add(b.strs, &t, lt.exec, lt.host, 0)
	}
}

func (b *Builder) onTaskStart(r *taskRec) {
	ti := &r.info
	ti.launch = b.checkTime(ti.launch, func() string { return fmt.Sprintf("task %d launched", ti.taskID) })
	if e := b.earlyEnds[ti.taskID]; e != nil {
		b.lateStart(r, e)
		return
	}
	b.seen(ti.launch)
	ref := b.ref(ti.exec, ti.host)
	lt := liveTask{stage: [2]int{r.stageID, r.attemptID}, index: ti.index, attempt: ti.attempt, partition: ti.partition,
		launch: ti.launch, exec: ref.sid, host: ref.hostID,
		locality: localityString(ti.locality), speculative: ti.speculative}
	b.liveTasks[ti.taskID] = lt
	st := b.stage(r.stageID, r.attemptID)
	st.startsSeen++
	if !st.closed {
		st.NumActiveTasks++
		if lt := ti.launch; lt > 0 && (st.FirstTaskLaunchedTime == 0 || lt < st.FirstTaskLaunchedTime) {
			st.FirstTaskLaunchedTime = lt
		}
		if ti.speculative {
			if st.Speculation == nil {
				st.Speculation = &SpeculationSummary{}
			}
			st.Speculation.NumTasks++
			st.Speculation.NumActiveTasks++
		}
		for _, j := range st.jobs {
			j.NumActiveTasks++
		}
	}
	if ex := ref.ex; ex != nil && ex.RemoveTime == 0 {
		ex.TotalTasks++
		ex.ActiveTasks++
	}
}

// timeMetrics are the task metrics that are times: a negative one is a
// broken clock and counts as 0.
var timeMetrics = [...]Metric{SchedulerDelay, GettingResultTime, DeserializeTime, DeserializeCPUTimeNs, RunTime,
	CPUTimeNs, GCTime, ResultSerializationTime, ShuffleFetchWaitTime, ShuffleRemoteReqsDuration, ShuffleWriteTimeNs,
	ShuffleMergedRemoteReqsDuration}

// maxEarlyEnds bounds the task ends without a start the builder remembers
// (a log trimmed of its task starts has nothing but such ends).
const maxEarlyEnds = 4096

// earlyEnd is a task end that came before its task start: what the start,
// when it comes, must add that the end could not.
type earlyEnd struct {
	st          *Stage
	m           Metrics
	ref         *execRef
	exec        string
	ex          *Executor // the live executor whose active count the end lowered
	tracked     bool      // the stage counted the end
	decActive   bool      // and lowered its active tasks
	speculative bool
	launch      int64
}

// lateStart handles the start of a task whose end came first: the task
// counts once, as a task that started and ended, with its metrics.
func (b *Builder) lateStart(r *taskRec, e *earlyEnd) {
	ti := &r.info
	delete(b.earlyEnds, ti.taskID)
	b.anoms.note(AnomalyTaskEndBeforeStart, func() string {
		return fmt.Sprintf("task %d of stage %d.%d", ti.taskID, r.stageID, r.attemptID)
	})
	st := e.st
	st.startsSeen++
	if st.lateStarts == nil {
		st.lateStarts = map[int64]struct{}{}
	}
	st.lateStarts[ti.taskID] = struct{}{}
	if e.tracked && !st.closed {
		if e.decActive {
			st.NumActiveTasks++
			for _, j := range st.jobs {
				j.NumActiveTasks++
			}
		}
		if e.speculative && st.Speculation != nil {
			st.Speculation.NumTasks++
			st.Speculation.NumActiveTasks++
		}
		if l := e.launch; l > 0 && (st.FirstTaskLaunchedTime == 0 || l < st.FirstTaskLaunchedTime) {
			st.FirstTaskLaunchedTime = l
		}
		for i := range st.Totals {
			st.Totals[i] += e.m[i]
		}
		st.execSummaryRef(e.ref, []byte(e.exec)).add(&e.m)
	}
	if ex := e.ex; ex != nil && ex.RemoveTime == 0 {
		ex.TotalTasks++
		ex.ActiveTasks++
	}
}

// applyTask applies a decoded task start or end.
func (b *Builder) applyTask(r *taskRec) error {
	if r.err != nil {
		return r.err
	}
	if r.kind == eventlog.KindTaskEnd {
		b.onTaskEnd(r)
	} else {
		b.onTaskStart(r)
	}
	return nil
}

// execRef is what task events need of an executor id.
type execRef struct {
	sid    uint32 // string id of the executor id
	host   []byte // the host last seen with it
	hostID uint32
	dense  int // index in the stages' esByRef
	gen    uint64
	ex     *Executor // b.executors[id] as of gen
}

// ref returns the cached record of an executor id read off a line, with
// its host's string id and its live executor up to date.
func (b *Builder) ref(exec, host []byte) *execRef {
	r := b.execRefs[string(exec)]
	if r == nil {
		id := string(exec)
		r = &execRef{sid: b.strs.id(id), dense: len(b.execRefs), gen: b.execGen - 1}
		r.hostID = b.strs.idBytes(host)
		r.host = append([]byte(nil), host...)
		b.execRefs[id] = r
		b.strs.setHost(r.sid, r.hostID)
	}
	if string(r.host) != string(host) {
		r.hostID = b.strs.idBytes(host)
		r.host = append(r.host[:0], host...)
	}
	if r.gen != b.execGen {
		r.ex, r.gen = b.executors[string(exec)], b.execGen
	}
	return r
}

// execSummaryRef is execSummary through the executor's cached record.
func (st *Stage) execSummaryRef(r *execRef, id []byte) *ExecutorStageSummary {
	if r.dense < len(st.esByRef) {
		if es := st.esByRef[r.dense]; es != nil {
			return es
		}
	}
	es := st.execSummaryBytes(id)
	for len(st.esByRef) <= r.dense {
		st.esByRef = append(st.esByRef, nil)
	}
	st.esByRef[r.dense] = es
	return es
}

// localityString returns the locality name without allocating for the
// names Spark writes.
func localityString(b []byte) string {
	for _, l := range localities {
		if string(b) == l {
			return l
		}
	}
	return string(b)
}

// reasonOf names the end reason of an unsuccessful task.
func reasonOf(r *eventlog.TaskEndReason) string {
	switch r.Reason {
	case "ExceptionFailure":
		if r.ClassName != "" {
			return "ExceptionFailure: " + r.ClassName
		}
	case "ExecutorLostFailure":
		if r.LossReason != "" {
			return "ExecutorLostFailure: " + firstLine(string(r.LossReason), 160)
		}
	case "TaskKilled":
		if r.KillReason != "" {
			return "TaskKilled: " + firstLine(string(r.KillReason), 160)
		}
	}
	return r.Reason
}

func firstLine(s string, max int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		s = s[:max]
	}
	return s
}

// endClass is how the History Server counts a task end: by its reason.
type endClass uint8

const (
	endSuccess endClass = iota
	endFailed
	endKilled
	endResubmitted // counted as failed, but adds no metrics
)

func classOf(r *eventlog.TaskEndReason) endClass {
	switch r.Reason {
	case "Success", "":
		return endSuccess
	case "TaskKilled", "TaskCommitDenied":
		return endKilled
	case "Resubmitted":
		return endResubmitted
	}
	return endFailed
}

func (b *Builder) onTaskEnd(r *taskRec) {
	ti := &r.info
	ti.launch = b.checkTime(ti.launch, func() string { return fmt.Sprintf("task %d launched", ti.taskID) })
	ti.finish = b.checkTime(ti.finish, func() string { return fmt.Sprintf("task %d finished", ti.taskID) })
	b.seen(ti.finish)
	_, hadStart := b.liveTasks[ti.taskID]
	delete(b.liveTasks, ti.taskID)
	st := b.stage(r.stageID, r.attemptID)
	class := classOf(r.reason)
	resubmitted := class == endResubmitted
	b.evPeaks.loadRec(r)
	// Spark's ExecutorMetrics starts with JVMHeapMemory at -1, "not set": the
	// metrics of a task lost with its executor still read -1 and leave the
	// peaks unset (that executor is not in the stage's peak distributions).
	peaksSet := b.evPeaks.v[0] >= 0

	t := &b.scratch
	*t = Task{TaskID: ti.taskID, Index: ti.index, Attempt: ti.attempt, PartitionID: ti.partition,
		Speculative: ti.speculative, Locality: localityString(ti.locality),
		LaunchTime: ti.launch, FinishTime: ti.finish, HadStart: hadStart}
	// Like the History Server, the status of a task comes from the flags of
	// its task info, the counts below from the end reason. A Resubmitted
	// end repeats an earlier task; it is kept apart.
	switch {
	case resubmitted:
		t.Status = TaskResubmitted
	case ti.finish == 0:
		t.Status = TaskRunning
	case ti.failed:
		t.Status = TaskFailed
	case ti.killed:
		t.Status = TaskKilled
	default:
		t.Status = TaskSuccess
	}
	var reason string
	if class != endSuccess {
		reason = reasonOf(r.reason)
		if class != endKilled {
			b.noteFailure(st, reason, r)
		}
	}

	// A task end without metrics counts as all zeros, and so does a metric
	// missing from them (Peak Execution Memory before 3.0, even though
	// its accumulator was logged): Spark's own reading.
	t.HasMetrics = true
	t.M = r.m
	if ti.finish > 0 && ti.launch > 0 {
		t.M[Duration] = ti.finish - ti.launch
		if t.M[Duration] < 0 {
			b.anoms.note(AnomalyTaskFinishBeforeLaunch, func() string {
				return fmt.Sprintf("task %d of stage %d.%d launched at %d, finished at %d", ti.taskID, r.stageID, r.attemptID, ti.launch, ti.finish)
			})
			t.M[Duration] = 0 // unknown
		}
	}
	if ti.gettingResult > 0 && ti.finish > 0 {
		t.M[GettingResultTime] = ti.finish - ti.gettingResult
	}
	for _, m := range timeMetrics {
		if t.M[m] < 0 {
			b.anoms.note(AnomalyNegativeTaskMetric, func() string {
				return fmt.Sprintf("task %d of stage %d.%d: %s %d", ti.taskID, r.stageID, r.attemptID, m, t.M[m])
			})
			t.M[m] = 0
		}
	}
	if d := t.M[Duration] - t.M[RunTime] - t.M[DeserializeTime] - t.M[ResultSerializationTime] - t.M[GettingResultTime]; d > 0 {
		t.M[SchedulerDelay] = d
	}
	ref := b.ref(ti.exec, ti.host)
	var rid uint32
	if reason != "" {
		rid = b.strs.id(reason)
	}
	st.tasks.expect = st.NumTasks
	st.tasks.add(b.strs, t, ref.sid, ref.hostID, rid)
	if ti.launch > 0 && (st.FirstTaskLaunchedTime == 0 || ti.launch < st.FirstTaskLaunchedTime) && st.startsSeen == 0 {
		st.FirstTaskLaunchedTime = ti.launch // no start events: use the ends
	}
	if !resubmitted {
		for i := range st.allTotals {
			st.allTotals[i] += t.M[i]
		}
	}

	if !hadStart && !resubmitted && len(b.earlyEnds) < maxEarlyEnds {
		if b.earlyEnds == nil {
			b.earlyEnds = map[int64]*earlyEnd{}
		}
		e := &earlyEnd{st: st, m: t.M, ref: ref, exec: string(ti.exec), tracked: !st.closed,
			decActive: !st.closed && st.startsSeen > 0, speculative: ti.speculative, launch: ti.launch}
		if ex := ref.ex; ex != nil && ex.RemoveTime == 0 {
			e.ex = ex
		}
		b.earlyEnds[ti.taskID] = e
	}

	// Stage counts and totals, while the stage is tracked.
	if !st.closed {
		es := st.execSummaryRef(ref, ti.exec)
		es.TaskTime += t.M[Duration] // Resubmitted ends add the duration again
		switch class {
		case endSuccess:
			st.NumCompleteTasks++
			es.SucceededTasks++
			if st.completedIdx.set(ti.index) {
				st.NumCompletedIndices++
			}
		case endKilled:
			st.NumKilledTasks++
			es.KilledTasks++
			st.KilledReasons[killSummary(r.reason)]++
		default:
			st.NumFailedTasks++
			es.FailedTasks++
			if len(st.FailureReasons) < maxFailureReasons {
				if st.FailureReasons == nil {
					st.FailureReasons = map[string]int{}
				}
				st.FailureReasons[reason]++
			}
		}
		if resubmitted {
			st.NumResubmitted++
		} else if st.startsSeen > 0 {
			st.NumActiveTasks--
		}
		if ti.speculative {
			st.NumSpeculative++
			if st.Speculation == nil {
				st.Speculation = &SpeculationSummary{} // an end without its start
			}
			sp := st.Speculation
			sp.NumActiveTasks--
			switch class {
			case endSuccess:
				sp.NumCompletedTasks++
			case endKilled:
				sp.NumKilledTasks++
			default:
				sp.NumFailedTasks++
			}
		}
		if hadStart {
			for i := range st.Totals {
				st.Totals[i] += t.M[i]
			}
			es.add(&t.M)
		}
		if peaksSet {
			raise(&st.peak, &b.evPeaks)
			raise(&es.peak, &b.evPeaks)
		}
		for k, j := range st.jobs {
			if !resubmitted && st.startsSeen > 0 {
				j.NumActiveTasks--
			}
			switch class {
			case endSuccess:
				j.NumCompletedTasks++
				j.completeIndex(st.jobBits[k], r.stageID, ti.index)
			case endKilled:
				j.NumKilledTasks++
				j.KilledReasons[killSummary(r.reason)]++
			default:
				j.NumFailedTasks++
			}
		}
		if st.NumActiveTasks <= 0 && (st.Status == StageComplete || st.Status == StageFailed || st.Status == StageSkipped) {
			st.closed = true
			st.tasks.seal() // ends after this are rare
		}
	}

	// Executor, while it is alive.
	if ex := ref.ex; ex != nil && ex.RemoveTime == 0 {
		if !resubmitted {
			ex.ActiveTasks--
		}
		switch class {
		case endSuccess:
			ex.CompletedTasks++
		case endKilled:
			ex.KilledTasks++
		default:
			ex.FailedTasks++
		}
		ex.TotalDuration += t.M[Duration]
		if !resubmitted {
			ex.TotalGCTime += t.M[GCTime]
			ex.TotalInputBytes += t.M[InputBytes]
			ex.TotalShuffleRead += t.M.ShuffleReadBytes()
			ex.TotalShuffleWrite += t.M[ShuffleWriteBytes]
			ex.MemorySpilled += t.M[MemoryBytesSpilled]
			ex.DiskSpilled += t.M[DiskBytesSpilled]
		}
		if peaksSet {
			raise(&ex.peak, &b.evPeaks)
		}
	}

	// SQL metrics carried by the task's accumulables.
	if class == endSuccess {
		for i := range r.accs {
			a := &r.accs[i]
			if !a.hasUpdate || !b.isSQLMetric(a.id) {
				continue
			}
			m := b.sqlMetric[a.id]
			v := a.update
			if v < 0 {
				continue
			}
			if m.Tasks == 0 || v < m.Min {
				m.Min = v
			}
			if v > m.Max {
				m.Max = v
			}
			m.Tasks++
			m.Value += v
			m.Set = true
			m.addStage(r.stageID)
		}
	}
}

func killSummary(r *eventlog.TaskEndReason) string {
	if r.KillReason != "" {
		return firstLine(string(r.KillReason), 200)
	}
	return r.Reason
}

func fillMetrics(out *Metrics, m *eventlog.TaskMetrics) {
	out[DeserializeTime] = m.DeserializeTime
	out[DeserializeCPUTimeNs] = m.DeserializeCPUTime
	out[RunTime] = m.RunTime
	out[CPUTimeNs] = m.CPUTime
	out[GCTime] = m.GCTime
	out[ResultSize] = m.ResultSize
	out[ResultSerializationTime] = m.ResultSerTime
	if m.PeakExecMemory != nil {
		out[PeakExecutionMemory] = *m.PeakExecMemory
	}
	out[MemoryBytesSpilled] = m.MemorySpilled
	out[DiskBytesSpilled] = m.DiskSpilled
	if in := m.Input; in != nil {
		out[InputBytes] = in.BytesRead
		out[InputRecords] = in.RecordsRead
	}
	if o := m.Output; o != nil {
		out[OutputBytes] = o.BytesWritten
		out[OutputRecords] = o.RecordsWritten
	}
	if r := m.ShuffleRead; r != nil {
		out[ShuffleRemoteBlocksFetched] = r.RemoteBlocksFetched
		out[ShuffleLocalBlocksFetched] = r.LocalBlocksFetched
		out[ShuffleFetchWaitTime] = r.FetchWaitTime
		out[ShuffleRemoteBytesRead] = r.RemoteBytesRead
		out[ShuffleRemoteBytesReadToDisk] = r.RemoteBytesToDisk
		out[ShuffleLocalBytesRead] = r.LocalBytesRead
		out[ShuffleReadRecords] = r.TotalRecordsRead
		out[ShuffleRemoteReqsDuration] = r.RemoteReqsDuration
	}
	if w := m.ShuffleWrite; w != nil {
		out[ShuffleWriteBytes] = w.BytesWritten
		out[ShuffleWriteTimeNs] = w.WriteTime
		out[ShuffleWriteRecords] = w.RecordsWritten
	}
}

func (b *Builder) onBlockUpdated(e *eventlog.BlockUpdated) {
	info := &e.BlockUpdatedInfo
	// rdd_<rddId>_<partition>
	if !strings.HasPrefix(info.BlockID, "rdd_") {
		return
	}
	rest := info.BlockID[4:]
	if i := strings.IndexByte(rest, '_'); i > 0 {
		id, err := strconv.Atoi(rest[:i])
		if err != nil {
			return
		}
		r := b.rdds[id]
		if r == nil {
			r = &RDD{ID: id, FirstStageID: -1}
			b.rdds[id] = r
		}
		_ = r
	}
}

// ---- SQL ----

// maxDenseAccID bounds the accumulator ids kept in the dense filter of SQL
// metric ids; larger ids are looked up in the map.
const maxDenseAccID = 1 << 26

// markSQLMetric records that id is a SQL metric, for isSQLMetric.
func (b *Builder) markSQLMetric(id int64) {
	if id < 0 || id >= maxDenseAccID {
		b.sparseSQLIDs = true
		return
	}
	b.sqlIDs.set(int(id))
}

// isSQLMetric reports whether accumulator id belongs to a SQL metric: a bit
// test for the ids Spark hands out, instead of a map lookup per accumulable.
func (b *Builder) isSQLMetric(id int64) bool {
	if id >= 0 && id < maxDenseAccID && !b.sparseSQLIDs {
		return b.sqlIDs.has(int(id))
	}
	return b.sqlMetric[id] != nil
}

func (b *Builder) sqlExec(id int64) *SQLExecution {
	x := b.sql[id]
	if x == nil {
		x = &SQLExecution{ID: id, RootID: id, Status: "RUNNING", Metrics: map[int64]*SQLMetric{}, JobIDs: []int{}}
		b.sql[id] = x
	}
	return x
}

func (b *Builder) metric(x *SQLExecution, pm eventlog.PlanMetric) *SQLMetric {
	m := b.sqlMetric[pm.AccumulatorID]
	if m == nil {
		m = &SQLMetric{Name: pm.Name, AccumulatorID: pm.AccumulatorID, Type: pm.MetricType}
		b.sqlMetric[pm.AccumulatorID] = m
		b.markSQLMetric(pm.AccumulatorID)
	}
	x.Metrics[pm.AccumulatorID] = m
	return m
}

func (b *Builder) plan(x *SQLExecution, p *eventlog.SparkPlanInfo, next *int) *PlanNode {
	n := &PlanNode{ID: *next, Name: b.intern(p.NodeName), SimpleString: b.intern(string(p.SimpleString)), Metadata: p.Metadata,
		Metrics: []*SQLMetric{}}
	*next++
	for _, pm := range p.Metrics {
		n.Metrics = append(n.Metrics, b.metric(x, pm))
	}
	for i := range p.Children {
		n.Children = append(n.Children, b.plan(x, &p.Children[i], next))
	}
	return n
}

func (b *Builder) onSQLStart(e *eventlog.SQLExecutionStart) {
	x := b.sqlExec(e.ExecutionID)
	x.Description = b.intern(string(e.Description))
	x.Details = b.intern(string(e.Details))
	x.StartTime = b.checkTime(e.Time, func() string { return fmt.Sprintf("SQL execution %d started", e.ExecutionID) })
	b.seen(x.StartTime)
	if e.RootExecutionID != nil {
		x.RootID = *e.RootExecutionID
	}
	x.PlanDescription = b.intern(string(e.PhysicalPlan))
	x.ModifiedConfigs = e.ModifiedConfigs
	next := 0
	x.Plans = append(x.Plans, b.plan(x, &e.PlanInfo, &next))
}

func (b *Builder) onSQLAdaptive(e *eventlog.SQLAdaptiveExecutionUpdate) {
	x := b.sqlExec(e.ExecutionID)
	x.PlanDescription = b.intern(string(e.PhysicalPlan))
	next := 0
	x.Plans = append(x.Plans, b.plan(x, &e.PlanInfo, &next))
}

func (b *Builder) onSQLEnd(e *eventlog.SQLExecutionEnd) {
	x := b.sqlExec(e.ExecutionID)
	x.EndTime = b.checkTime(e.Time, func() string { return fmt.Sprintf("SQL execution %d ended", e.ExecutionID) })
	b.seen(x.EndTime)
	x.Status = "COMPLETED"
	if e.ErrorMessage != nil && *e.ErrorMessage != "" {
		x.ErrorMessage = string(*e.ErrorMessage)
		x.Status = "FAILED"
	}
}

// ---- Streaming ----

func (b *Builder) stream(id, runID string) *StreamingQuery {
	key := runID
	if key == "" {
		key = id
	}
	q := b.streams[key]
	if q == nil {
		q = &StreamingQuery{ID: id, RunID: runID, Batches: []StreamingBatch{}}
		b.streams[key] = q
		b.streamIDs = append(b.streamIDs, key)
	}
	return q
}

func (b *Builder) onProgress(p *eventlog.StreamingProgress) {
	q := b.stream(p.ID, p.RunID)
	if p.Name != nil {
		q.Name = *p.Name
	}
	bt := StreamingBatch{
		BatchID:        p.BatchID,
		Timestamp:      p.Timestamp,
		BatchDuration:  p.BatchDuration,
		Durations:      p.DurationMs,
		Watermark:      p.EventTime["watermark"],
		EventTimeMin:   p.EventTime["min"],
		EventTimeMax:   p.EventTime["max"],
		NumOutputRows:  p.Sink.NumOutputRows,
		Sink:           p.Sink.Description,
		Sources:        make([]string, 0, len(p.Sources)),
		SourceProgress: make([]SourceProgress, 0, len(p.Sources)),
	}
	if bt.BatchDuration == 0 {
		bt.BatchDuration = p.DurationMs["triggerExecution"]
	}
	for _, s := range p.Sources {
		bt.NumInputRows += s.NumInputRows
		// Spark writes "NaN" for the rate of a first batch.
		bt.InputRowsPerSec += finite(&s.InputRowsPerSecond)
		bt.ProcessedRowsPerSec += finite(&s.ProcessedRowsPerSecond)
		sp := b.sourceProgress(&s)
		bt.Sources = append(bt.Sources, sp.Description)
		bt.SourceProgress = append(bt.SourceProgress, sp)
	}
	for _, so := range p.State {
		bt.HasState = true
		bt.StateRows += so.NumRowsTotal
		bt.StateRowsUpdated += so.NumRowsUpdated
		bt.StateMemory += so.MemoryUsedBytes
		bt.DroppedByWatermark += so.NumRowsDroppedByWM
	}
	q.addBatch(bt)
}

// Finish freezes the model. The Builder must not be used afterwards.
func (b *Builder) Finish() *Application {
	a := b.app
	b.recordRunning()
	b.checkApp()
	for _, ex := range b.executors {
		if ex.ActiveTasks < 0 {
			ex.ActiveTasks = 0
		}
		ex.PeakMemoryMetrics, ex.peak = b.peakMap(ex.peak), nil
		a.Executors = append(a.Executors, ex)
	}
	sort.Slice(a.Executors, func(i, j int) bool { return executorLess(a.Executors[i].ID, a.Executors[j].ID) })
	// The History Server shows the driver's "task time" as the application's
	// duration, and its GC time from its own peak metrics.
	if d := b.executors["driver"]; d != nil {
		if a.Complete && a.Start > 0 && a.End > 0 {
			d.TotalDuration = a.Duration()
		}
		if gc, ok := d.PeakMemoryMetrics["TotalGCTime"]; ok {
			d.TotalGCTime = gc
		}
	}
	for _, j := range b.jobs {
		j.NumCompletedIndices = j.numCompletedIdx
		j.NumCompletedStages = len(j.completedStages)
		j.NumSkippedStages = len(j.skippedStages)
		if j.StageIDs == nil {
			j.StageIDs = []int{}
		}
		if j.JobTags == nil {
			j.JobTags = []string{}
		}
		a.Jobs = append(a.Jobs, j)
	}
	sort.Slice(a.Jobs, func(i, k int) bool { return a.Jobs[i].ID < a.Jobs[k].ID })
	for _, st := range b.stages {
		st.PeakExecutorMetrics, st.peak = b.peakMap(st.peak), nil
		for _, es := range st.ExecutorSummaries {
			es.PeakMemoryMetrics, es.peak = b.peakMap(es.peak), nil
		}
		if st.startsSeen == 0 && st.tasks.n > 0 {
			// A log without task-start events (trimmed by some tools): the
			// History Server would show no task metrics at all; we count
			// the task ends.
			st.Totals = st.allTotals
		}
		if st.NumActiveTasks < 0 {
			st.NumActiveTasks = 0
		}
		if st.ParentIDs == nil {
			st.ParentIDs = []int{}
		}
		if st.RDDIDs == nil {
			st.RDDIDs = []int{}
		}
		if st.JobIDs == nil {
			st.JobIDs = []int{}
		}
		if st.Accumulables == nil {
			st.Accumulables = []StageAccumulable{}
		}
		sort.Ints(st.JobIDs)
		st.jobs, st.jobBits, st.esByRef = nil, nil, nil
		st.tasks.seal()
		a.Stages = append(a.Stages, st)
	}
	sort.Slice(a.Stages, func(i, j int) bool {
		if a.Stages[i].ID != a.Stages[j].ID {
			return a.Stages[i].ID < a.Stages[j].ID
		}
		return a.Stages[i].Attempt < a.Stages[j].Attempt
	})
	for _, r := range b.rdds {
		r.StorageLevelName = storageLevelName(r.StorageLevel)
		if r.ParentIDs == nil {
			r.ParentIDs = []int{}
		}
		a.RDDs = append(a.RDDs, r)
	}
	sort.Slice(a.RDDs, func(i, j int) bool { return a.RDDs[i].ID < a.RDDs[j].ID })
	for _, x := range b.sql {
		sort.Ints(x.JobIDs)
		a.SQL = append(a.SQL, x)
	}
	sort.Slice(a.SQL, func(i, j int) bool { return a.SQL[i].ID < a.SQL[j].ID })
	for _, key := range b.streamIDs {
		q := b.streams[key]
		q.finish()
		a.Streaming = append(a.Streaming, q)
	}
	if a.Executors == nil {
		a.Executors = []*Executor{}
	}
	if a.Jobs == nil {
		a.Jobs = []*Job{}
	}
	if a.Stages == nil {
		a.Stages = []*Stage{}
	}
	if a.RDDs == nil {
		a.RDDs = []*RDD{}
	}
	if a.SQL == nil {
		a.SQL = []*SQLExecution{}
	}
	if a.Streaming == nil {
		a.Streaming = []*StreamingQuery{}
	}
	if a.Unpersisted == nil {
		a.Unpersisted = []int{}
	}
	for _, x := range b.anoms.list {
		a.Anomalies = append(a.Anomalies, *x)
	}
	b.app = nil
	return a
}

// checkApp notes an application that ends before it starts or runs for
// longer than MaxAppDuration: its duration is then unknown.
func (b *Builder) checkApp() {
	a := b.app
	if a.Start == 0 || a.End == 0 {
		return
	}
	switch {
	case a.End < a.Start:
		b.anoms.note(AnomalyAppEndBeforeStart, func() string {
			return fmt.Sprintf("started at %d, ended at %d", a.Start, a.End)
		})
		a.TimesSuspect = true
	case a.End-a.Start > MaxAppDuration:
		b.anoms.note(AnomalyAppTooLong, func() string {
			return fmt.Sprintf("started at %d, ended at %d (%d days)", a.Start, a.End, (a.End-a.Start)/(24*3600*1000))
		})
		a.TimesSuspect = true
	}
}

func executorLess(a, b string) bool {
	if a == "driver" || b == "driver" {
		return a == "driver" && b != "driver"
	}
	ai, errA := strconv.Atoi(a)
	bi, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return ai < bi
	}
	if (errA == nil) != (errB == nil) {
		return errA == nil
	}
	return a < b
}

func storageLevelName(l eventlog.StorageLevel) string {
	if !l.UseDisk && !l.UseMemory && !l.UseOffHeap {
		return "NONE"
	}
	var parts []string
	if l.UseDisk {
		parts = append(parts, "Disk")
	}
	if l.UseMemory {
		parts = append(parts, "Memory")
	}
	if l.UseOffHeap {
		parts = append(parts, "Off Heap")
	}
	ser := "Serialized"
	if l.Deserialized {
		ser = "Deserialized"
	}
	rep := l.Replication
	if rep == 0 {
		rep = 1
	}
	return fmt.Sprintf("%s %s %dx Replicated", strings.Join(parts, " "), ser, rep)
}
