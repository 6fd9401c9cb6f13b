package fleet

import "fmt"

// Merge combines the records of reviews run separately, such as the
// shards of one review (--shard, or a Spark job piping paths to sparkdiag),
// into one review: the same ranking, fleet totals and, with a baseline
// store in o, the same drift as one process reviewing everything would
// give. A record met twice (the same application attempt from two
// shards, or a retried shard) is kept once: the one read from the newest
// log (the larger fingerprint wins ties on nothing else, so the result
// does not depend on the order of the inputs). Only o.Store, o.Record,
// o.Keep and o.Policy are used.
func Merge(recs []*Record, o Options) (*Result, error) {
	res := &Result{}
	seen := map[string]int{}
	for _, r := range recs {
		k := mergeKey(r)
		if i, ok := seen[k]; ok {
			if newer(r, res.Records[i]) {
				res.Records[i] = r
			}
			continue
		}
		seen[k] = len(res.Records)
		res.Records = append(res.Records, r)
	}
	for _, r := range res.Records {
		r.Rank = 0
		r.Diff = nil // a drift's diff is computed where the logs are
	}
	if o.Store != nil {
		for _, r := range res.Records {
			r.Baseline = nil
		}
		if err := applyBaselines(res.Records, &o); err != nil {
			return nil, err
		}
	}
	finish(res)
	return res, nil
}

// mergeKey identifies an application attempt across shards; an unreadable
// log is known only by its source.
func mergeKey(r *Record) string {
	if r.Status == StatusOK && r.App != nil && r.App.ID != "" {
		return fmt.Sprintf("app\x00%s\x00%s\x00%s", r.App.ID, r.App.AttemptID, r.Source)
	}
	return "src\x00" + r.Source
}

// newer prefers a readable record, then the log that held more events,
// then the larger fingerprint: a deterministic choice.
func newer(a, b *Record) bool {
	if (a.Status == StatusOK) != (b.Status == StatusOK) {
		return a.Status == StatusOK
	}
	ea, eb := 0, 0
	fa, fb := "", ""
	if a.Input != nil {
		ea, fa = a.Input.Events, a.Input.Fingerprint
	}
	if b.Input != nil {
		eb, fb = b.Input.Events, b.Input.Fingerprint
	}
	if ea != eb {
		return ea > eb
	}
	return fa > fb
}
