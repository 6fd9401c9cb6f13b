package fleet

import (
	"context"
	"os"
	"sync"

	"github.com/sparkdiag/sparkdiag/advice/diff"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// diffDrifting runs the diff of each drifting run against its baseline's
// reference run, with the review's workers. A run whose logs are not both
// local and readable (a History Server download, a deleted log) keeps
// only the suggestion of the command.
func diffDrifting(ctx context.Context, recs []*Record, o *Options) {
	var todo []*Record
	for _, r := range recs {
		if b := r.Baseline; b != nil && b.Reference != nil && len(b.Drift) > 0 && localLog(b.Reference.Source) && localLog(r.Source) {
			todo = append(todo, r)
		}
	}
	jobs := make(chan *Record)
	var wg sync.WaitGroup
	for w := 0; w < max(1, o.Workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				r.Diff = driftDiff(r, o)
			}
		}()
	}
	for _, r := range todo {
		if ctx.Err() != nil {
			break
		}
		jobs <- r
	}
	close(jobs)
	wg.Wait()
}

// localLog reports whether a record's source is a log on this machine
// that sparkdiag can open by its path.
func localLog(p string) bool {
	if p == "" || p == "-" {
		return false
	}
	_, err := os.Stat(p)
	return err == nil
}

func driftDiff(r *Record, o *Options) *DriftDiff {
	ref := r.Baseline.Reference
	base, bst, ok := loadOne(ref.Source, ref.AppID, o)
	if !ok {
		return nil
	}
	cur, cst, ok := loadOne(r.Source, r.App.ID, o)
	if !ok {
		return nil
	}
	d := diff.Compare(
		diff.Side{Path: ref.Source, App: base, Stats: bst, Findings: diff.Detect(base)},
		diff.Side{Path: r.Source, App: cur, Stats: cst, Findings: diff.Detect(cur)},
		diff.Options{Tool: o.Tool})
	causes := d.Verdict.Causes
	if causes == nil {
		causes = []string{}
	}
	return &DriftDiff{Base: ref.Source, BaseAppID: ref.AppID, Headline: d.Headline, Class: d.Verdict.Class, Causes: causes}
}

// loadOne reads the application appID from the log at path.
func loadOne(path, appID string, o *Options) (*appmodel.Application, *eventlog.Stats, bool) {
	logs, _ := source.Open(path)
	defer func() {
		for _, l := range logs {
			l.Close()
		}
	}()
	for _, l := range logs {
		app, st, err := appmodel.Load(l, o.Read)
		if err == nil && app.ID == appID {
			return app, st, true
		}
	}
	return nil, nil, false
}
