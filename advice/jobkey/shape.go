package jobkey

import (
	"cmp"
	"hash/fnv"
	"slices"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// MaxHashes caps the hashes a Shape keeps: the smallest ones (a bottom-k
// sketch), so that two shapes of large applications still give a fair
// estimate of their similarity (Similarity) from a few hundred bytes.
const MaxHashes = 128

// Shape is a compact signature of what an application did: the 32-bit
// FNV-1a hashes of the identities of its stages (their names, the user's
// call sites, line numbers kept: StageIdentity) and of its SQL executions (first
// line of the description, digits masked: SQLIdentity), sorted, unique, at
// most MaxHashes of them (the smallest).
//
// Two runs of one job run the same code: their shapes are alike whatever
// the data. Two applications that only share a name (every "Spark shell",
// benchmark runs of different queries under one name) share few or none.
type Shape struct {
	// Items is how many distinct stage and SQL identities the application
	// had (more than len(Hashes) when the sketch is capped).
	Items int `json:"items"`
	// Hashes are the smallest MaxHashes hashes of those identities, in
	// ascending order.
	Hashes []uint32 `json:"hashes"`
}

// Identities lists the distinct identities (stages, then SQL executions)
// that make up the shape of app, in order of first appearance: stage
// identities start with "stage:", SQL ones with "sql:".
func Identities(app *appmodel.Application) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, st := range app.Stages {
		add("stage:" + StageIdentity(st.Name))
	}
	for _, x := range app.SQL {
		if d := SQLIdentity(x.Description); d != "" {
			add("sql:" + d)
		}
	}
	return out
}

// Of is the shape of an application.
func Of(app *appmodel.Application) *Shape { return ShapeOf(Identities(app)) }

// ShapeOf is the shape of a list of identities (duplicates are counted
// once).
func ShapeOf(ids []string) *Shape {
	hs := make([]uint32, 0, len(ids))
	for _, id := range ids {
		h := fnv.New32a()
		h.Write([]byte(id))
		hs = append(hs, h.Sum32())
	}
	slices.Sort(hs)
	hs = slices.Compact(hs)
	s := &Shape{Items: len(hs), Hashes: hs}
	if len(hs) > MaxHashes {
		s.Hashes = slices.Clip(hs[:MaxHashes])
	}
	return s
}

// complete reports whether the shape holds every hash (not capped).
func (s *Shape) complete() bool { return len(s.Hashes) >= s.Items }

// Compare estimates how alike two shapes are: the Jaccard similarity of
// their identity sets (|A ∩ B| / |A ∪ B|, from 0, nothing in common, to 1,
// the same stages and queries) and how many identities they share. Both
// are exact when neither shape is capped; otherwise they are the bottom-k
// estimate over the k smallest hashes of the union (k the smaller sketch),
// the shared count scaled to the union's size. Two empty shapes (runs
// without a stage or query) are alike (1); ok is false when either shape
// is unknown (nil).
func Compare(a, b *Shape) (similarity float64, shared int, ok bool) {
	if a == nil || b == nil {
		return 0, 0, false
	}
	if a.Items == 0 && b.Items == 0 {
		return 1, 0, true
	}
	if a.Items == 0 || b.Items == 0 {
		return 0, 0, true
	}
	if a.complete() && b.complete() {
		inter := Intersect(a.Hashes, b.Hashes)
		return float64(inter) / float64(a.Items+b.Items-inter), inter, true
	}
	k := min(len(a.Hashes), len(b.Hashes))
	// The k smallest hashes of the union, and how many of them both hold.
	i, j, n, both := 0, 0, 0, 0
	for n < k && (i < len(a.Hashes) || j < len(b.Hashes)) {
		switch {
		case j == len(b.Hashes) || (i < len(a.Hashes) && a.Hashes[i] < b.Hashes[j]):
			i++
		case i == len(a.Hashes) || b.Hashes[j] < a.Hashes[i]:
			j++
		default:
			both++
			i++
			j++
		}
		n++
	}
	sim := float64(both) / float64(n)
	// |A ∩ B| = J × |A ∪ B| and |A ∪ B| = (|A| + |B|) / (1 + J).
	shared = int(sim*float64(a.Items+b.Items)/(1+sim) + 0.5)
	return sim, shared, true
}

// Intersect counts the values two sorted slices of unique values share.
func Intersect[T cmp.Ordered](a, b []T) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}
