package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/jobkey"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/store"
)

// Item is one thing to review: a resolved log, or a log still to fetch
// (from a History Server).
type Item struct {
	// Name is what records and messages call it.
	Name string
	// Log is the resolved log, when it is local.
	Log *source.Log
	// Fetch gets the logs of a remote item; cleanup removes what it
	// downloaded. Used when Log is nil.
	Fetch func(ctx context.Context) (logs []*source.Log, cleanup func(), err error)
	// Start is the application's start time when known before reading
	// (from a History Server listing), for --since/--until.
	Start time.Time
	// Err is set for an input that could not be resolved at all: it is
	// reported as unreadable.
	Err error
	// Fingerprint identifies a remote item's content before it is fetched
	// (for a History Server: the attempt and its last update), so that an
	// incremental review does not download it again; "" when unknown.
	Fingerprint string
}

// Resolve expands paths (files, directories searched for every log layout,
// and glob patterns) into items. A path or entry that cannot be resolved
// becomes an item with Err set, so that the review reports it and goes on.
func Resolve(paths []string) []Item {
	var items []Item
	seen := map[string]bool{}
	add := func(p string) {
		logs, errs := source.Discover(p)
		for _, l := range logs {
			if seen[l.Path] {
				continue
			}
			seen[l.Path] = true
			items = append(items, Item{Name: l.Path, Log: l})
		}
		for _, err := range errs {
			items = append(items, Item{Name: p, Err: err})
		}
	}
	for _, p := range paths {
		if store.IsURL(p) {
			add(p) // a store expands its own patterns, level by level
			continue
		}
		if _, err := os.Lstat(p); err != nil && strings.ContainsAny(p, "*?[") {
			matches, gerr := filepath.Glob(p)
			if gerr != nil {
				items = append(items, Item{Name: p, Err: fmt.Errorf("%s: bad pattern: %w", p, gerr)})
				continue
			}
			if len(matches) == 0 {
				items = append(items, Item{Name: p, Err: fmt.Errorf("%s: no file matches", p)})
			}
			for _, m := range matches {
				add(m)
			}
			continue
		}
		add(p)
	}
	return items
}

// Options tune a review.
type Options struct {
	// Workers is how many logs are analyzed at once. Default: the number
	// of CPUs, at most 4. Memory grows with the workers, not the logs.
	Workers int
	// Read are the reader's options (Decoders is set to 1 per log when
	// several workers run, as the workers already use the cores).
	Read eventlog.Options
	// Detectors to run and their configuration.
	Detectors []*detectors.Detector
	Config    *detectors.Config
	Tool      appmodel.Tool
	// Since and Until keep only applications that started in [Since,
	// Until) (zero: no bound).
	Since, Until time.Time
	// Store, when set, gives each application its baseline; with Record
	// the application is also recorded (Keep runs per job at most).
	Store  *baseline.Store
	Record bool
	Keep   int
	Policy baseline.Policy
	// JobKey says which job a run belongs to (nil: jobkey.Default, the
	// name and user, or a well-known job id).
	JobKey *jobkey.Spec
	// DiffDrift compares each drifting run with its baseline's reference
	// run (advice/diff), when both logs are local and still readable.
	DiffDrift bool
	// Previous are the records of an earlier review: the applications
	// whose logs are unchanged are taken from there, not read again.
	Previous *Previous
	// Progress is called after each item with the number done and the
	// total (from the caller's goroutine-safe point of view: calls are
	// serialised).
	Progress func(done, total int, rec *Record)
}

// Result is the outcome of a review.
type Result struct {
	// Records are the applications, ranked worst first; unreadable logs
	// come last.
	Records []*Record
	// Skipped counts applications left out by --since/--until.
	Skipped int
	// Top are the most frequent findings across the fleet.
	Top []TopFinding
	// Reused counts the applications taken unchanged from the previous
	// review (Options.Previous); LogsRead the logs read this time.
	Reused, LogsRead int
	// Totals across the reviewed applications.
	Apps, Unreadable int
	Counts           advice.Counts
	SavingsMs        int64
	CoreHours        float64
	Drifting         int
}

// TopFinding is a detector's findings across the fleet.
type TopFinding struct {
	DetectorID string `json:"detectorId"`
	Detector   string `json:"detector"`
	Category   string `json:"category"`
	// Worst severity met.
	Severity string `json:"severity"`
	// Apps is how many applications have it; Findings how many findings.
	Apps      int      `json:"apps"`
	Findings  int      `json:"findings"`
	SavingsMs int64    `json:"estimatedSavingsMs"`
	Questions []string `json:"questions"`
	// Example is the application that loses the most to it.
	Example string `json:"example"`

	sev     detectors.Severity
	exSaved int64
}

// Review analyzes the items.
func Review(ctx context.Context, items []Item, o Options) (*Result, error) {
	if o.Workers <= 0 {
		o.Workers = min(runtime.GOMAXPROCS(0), 4)
	}
	if o.Workers > 1 && o.Read.Decoders == 0 {
		o.Read.Decoders = 1
	}
	if o.Config == nil {
		o.Config = &detectors.Config{}
	}
	type out struct {
		recs    []*Record
		skipped int
		reused  int
		read    int
	}
	results := make([]out, len(items))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex // serialises Progress and the store's history reads
	done := 0
	for w := 0; w < o.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				recs, skipped, reused := reviewItem(ctx, &items[i], &o)
				results[i] = out{recs, skipped, reused, len(recs) - reused}
				if o.Progress != nil {
					mu.Lock()
					done++
					var last *Record
					if len(recs) > 0 {
						last = recs[len(recs)-1]
					}
					o.Progress(done, len(items), last)
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range items {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{}
	for _, r := range results {
		res.Records = append(res.Records, r.recs...)
		res.Skipped += r.skipped
		res.Reused += r.reused
		res.LogsRead += r.read
	}
	// Baselines: runs are compared with the runs recorded before them, so
	// a review of several nights at once judges each night against the
	// ones before it. Records are handled in start order for that.
	if o.Store != nil {
		if err := applyBaselines(res.Records, &o); err != nil {
			return nil, err
		}
		if o.DiffDrift {
			diffDrifting(ctx, res.Records, &o)
		}
	}
	finish(res)
	return res, nil
}

// reviewItem reads and analyzes one item; reused says whether its record
// came from the previous review instead.
func reviewItem(ctx context.Context, it *Item, o *Options) (recs []*Record, skipped, reused int) {
	if it.Err != nil {
		return []*Record{unreadable(it.Name, it.Err)}, 0, 0
	}
	if !it.Start.IsZero() && !InWindow(it.Start.UnixMilli(), o.Since, o.Until) {
		return nil, 1, 0
	}
	fp := it.Fingerprint
	if it.Log != nil {
		fp = Fingerprint(it.Log)
	}
	if o.Previous != nil {
		if rec := o.Previous.take(fp); rec != nil {
			if it.Log != nil {
				it.Log.Close()
			}
			if (!o.Since.IsZero() || !o.Until.IsZero()) && !InWindow(rec.App.StartEpoch, o.Since, o.Until) {
				return nil, 1, 0
			}
			return []*Record{rec}, 0, 1
		}
	}
	logs := []*source.Log{it.Log}
	if it.Log == nil {
		if it.Fetch == nil {
			return []*Record{unreadable(it.Name, errors.New("nothing to read"))}, 0, 0
		}
		got, cleanup, err := it.Fetch(ctx)
		if cleanup != nil {
			defer cleanup()
		}
		if err != nil && len(got) == 0 {
			return []*Record{unreadable(it.Name, err)}, 0, 0
		}
		logs = got
	}
	for _, l := range logs {
		name := l.Path
		if it.Log == nil {
			name = it.Name
		}
		if !o.Since.IsZero() && modifiedBefore(l, o.Since) {
			skipped++ // it cannot have started after Since
			continue
		}
		rec, ok := analyzeOne(name, l, o)
		l.Close()
		if ok && rec.Input != nil {
			// A downloaded copy's own fingerprint would change every
			// time: a remote item keeps the one its lister gave.
			rec.Input.Fingerprint = fp
			if fp == "" {
				rec.Input.Fingerprint = Fingerprint(l)
			}
		}
		if !ok {
			skipped++
			continue
		}
		recs = append(recs, rec)
	}
	return recs, skipped, 0
}

// InWindow reports whether an application that started at startMs (epoch
// milliseconds) is in [since, until); a zero bound does not limit.
func InWindow(startMs int64, since, until time.Time) bool {
	if !since.IsZero() && startMs < since.UnixMilli() {
		return false
	}
	return until.IsZero() || startMs < until.UnixMilli()
}

// modifiedBefore reports whether every part of a local log was last
// written before t: then its application started before t too.
func modifiedBefore(l *source.Log, t time.Time) bool {
	if len(l.Parts) == 0 {
		return false
	}
	for _, p := range l.Parts {
		mod := p.ModTime
		if mod.IsZero() {
			st, err := os.Stat(p.Name)
			if err != nil {
				return false
			}
			mod = st.ModTime()
		}
		if !mod.Before(t) {
			return false
		}
	}
	return true
}

// analyzeOne reads and analyzes one log; ok is false when the
// application falls outside the time window. The model is dropped before
// returning: only the record is kept.
func analyzeOne(name string, l *source.Log, o *Options) (rec *Record, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			rec, ok = unreadable(name, fmt.Errorf("internal error while analyzing (a bug: please report it): %v", p)), true
		}
	}()
	app, st, err := appmodel.Load(l, o.Read)
	if err != nil {
		return unreadable(name, err), true
	}
	if (!o.Since.IsZero() || !o.Until.IsZero()) && !InWindow(app.Start, o.Since, o.Until) {
		return nil, false
	}
	fs := detectors.Run(app, o.Detectors, o.Config)
	rep := advice.BuildCompact(app, st, fs, o.Detectors, o.Tool)
	rec = recordOf(name, rep)
	rec.App.StartEpoch = app.Start
	rec.TaskSkew = maxSkew(app)
	rec.Job = jobOf(app, o.JobKey)
	return rec, true
}

// jobOf is the job identity and shape of an application.
func jobOf(app *appmodel.Application, spec *jobkey.Spec) *JobInfo {
	k := jobkey.Compute(spec, jobkey.Info{Name: app.Name, User: app.User, Conf: app.SparkProps})
	return &JobInfo{Key: k.Key, By: k.By, Note: k.Note, Shape: jobkey.Of(app)}
}

func applyBaselines(recs []*Record, o *Options) error {
	order := make([]*Record, 0, len(recs))
	for _, r := range recs {
		if r.Status == StatusOK && r.App.Name != "" && r.App.StartEpoch > 0 {
			order = append(order, r)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].App.StartEpoch < order[j].App.StartEpoch })
	p := o.Policy.WithDefaults()
	for _, r := range order {
		run := RunOf(r)
		if !HasJob(r) {
			// No job identity (a default name such as "Spark shell"):
			// reported, neither compared nor recorded.
			note := "no job identity"
			if r.Job != nil && r.Job.Note != "" {
				note = r.Job.Note
			}
			r.Baseline = &baseline.Baseline{Note: note, Median: map[string]float64{}, Drift: []baseline.Drift{}, History: []baseline.Run{run}}
			continue
		}
		// Every earlier run the store keeps (--keep): Compare leaves out
		// those that did other work before taking the window.
		hist, err := o.Store.History(&run, 0)
		if err != nil {
			return err
		}
		r.Baseline = baseline.Compare(&run, hist, p)
		// An incomplete run (cut off, still running) is compared but never
		// becomes part of the baseline.
		if o.Record && Recordable(r) {
			if err := o.Store.Record(run, o.Keep); err != nil {
				return err
			}
		}
	}
	return nil
}

var severityOrder = map[string]int{"none": 0, "info": 1, "warning": 2, "error": 3}

// countAttempts sets AppInfo.Attempts on the records of applications the
// review read several attempts of.
func countAttempts(recs []*Record) {
	attempts := map[string]map[string]bool{}
	for _, r := range recs {
		if r.App != nil && r.App.ID != "" {
			if attempts[r.App.ID] == nil {
				attempts[r.App.ID] = map[string]bool{}
			}
			attempts[r.App.ID][r.App.AttemptID] = true
		}
	}
	for _, r := range recs {
		if r.App != nil && r.App.ID != "" {
			r.App.Attempts = 0 // a record merged or reused may carry an old count
			if n := len(attempts[r.App.ID]); n > 1 {
				r.App.Attempts = n
			}
		}
	}
}

// finish ranks the records and adds up the fleet.
func finish(res *Result) {
	countAttempts(res.Records)
	sort.SliceStable(res.Records, func(i, j int) bool { return worse(res.Records[i], res.Records[j]) })
	top := map[string]*TopFinding{}
	for i, r := range res.Records {
		r.Rank = i + 1
		if r.Status != StatusOK {
			res.Unreadable++
			continue
		}
		res.Apps++
		res.Counts.Error += r.Counts.Error
		res.Counts.Warning += r.Counts.Warning
		res.Counts.Info += r.Counts.Info
		res.SavingsMs += r.Cost.SavingsMs
		res.CoreHours += r.Cost.CoreHours
		if r.Baseline != nil && len(r.Baseline.Drift) > 0 {
			res.Drifting++
		}
		counted := map[string]bool{}
		for _, f := range r.Findings {
			t := top[f.DetectorID]
			if t == nil {
				t = &TopFinding{DetectorID: f.DetectorID, Detector: f.Detector, Category: f.Category, Questions: f.Questions}
				top[f.DetectorID] = t
			}
			t.Findings++
			t.SavingsMs += f.SavingsMs
			if sev, _ := detectors.ParseSeverity(f.Severity); sev > t.sev {
				t.sev, t.Severity = sev, f.Severity
			}
			if !counted[f.DetectorID] {
				counted[f.DetectorID] = true
				t.Apps++
			}
			if t.Example == "" || f.SavingsMs > t.exSaved {
				t.Example, t.exSaved = appLabel(r), f.SavingsMs
			}
		}
	}
	for _, t := range top {
		if t.Questions == nil {
			t.Questions = []string{}
		}
		res.Top = append(res.Top, *t)
	}
	sort.Slice(res.Top, func(i, j int) bool {
		a, b := &res.Top[i], &res.Top[j]
		if a.Apps != b.Apps {
			return a.Apps > b.Apps
		}
		if a.sev != b.sev {
			return a.sev > b.sev
		}
		if a.SavingsMs != b.SavingsMs {
			return a.SavingsMs > b.SavingsMs
		}
		return a.DetectorID < b.DetectorID
	})
}

// worse orders records worst first: readable before unreadable, then by
// severity, by drift, by the wall-clock the fixes would save, by the
// core-hours at stake, by duration, then by source for a stable order.
func worse(a, b *Record) bool {
	if (a.Status == StatusOK) != (b.Status == StatusOK) {
		return a.Status == StatusOK
	}
	if sa, sb := severityOrder[a.effectiveWorst()], severityOrder[b.effectiveWorst()]; sa != sb {
		return sa > sb
	}
	// An application that never ended (a killed driver) is worth a look
	// before a finished one with the same findings.
	if ua, ub := a.App != nil && !a.App.Completed, b.App != nil && !b.App.Completed; ua != ub {
		return ua
	}
	if a.Cost.SavingsMs != b.Cost.SavingsMs {
		return a.Cost.SavingsMs > b.Cost.SavingsMs
	}
	if a.Cost.CoreHoursAtStake != b.Cost.CoreHoursAtStake {
		return a.Cost.CoreHoursAtStake > b.Cost.CoreHoursAtStake
	}
	if a.App != nil && b.App != nil && a.App.DurationMs != b.App.DurationMs {
		return a.App.DurationMs > b.App.DurationMs
	}
	return a.Source < b.Source
}

// effectiveWorst is the worst of the findings' and the drift's severities.
func (r *Record) effectiveWorst() string {
	w := r.Worst
	if r.Baseline != nil {
		for _, d := range r.Baseline.Drift {
			if severityOrder[d.Severity] > severityOrder[w] {
				w = d.Severity
			}
		}
	}
	return w
}

// EffectiveWorst is the worst of the findings' and the drift's severities,
// "none" when there are neither.
func (r *Record) EffectiveWorst() string { return r.effectiveWorst() }

// appLabel names an application: "name (id)", or for one of several
// attempts (or an attempt after the first) "name (attempt 2 of id)".
func appLabel(r *Record) string {
	if r.App == nil {
		return r.Source
	}
	id := r.App.ID
	if a := r.App.AttemptID; a != "" && (r.App.Attempts > 1 || a != "1") {
		id = "attempt " + a + " of " + id
	}
	if r.App.Name != "" {
		return r.App.Name + " (" + id + ")"
	}
	return id
}

// Label is how tables name a record's application.
func (r *Record) Label() string { return appLabel(r) }
