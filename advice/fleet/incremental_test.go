package fleet

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/4", Shard{0, 4}, true},
		{"3/4", Shard{3, 4}, true},
		{" 1 / 2 ", Shard{1, 2}, true},
		{"0/1", Shard{0, 1}, true},
		{"4/4", Shard{}, false},
		{"-1/4", Shard{}, false},
		{"1/0", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
	} {
		got, err := ParseShard(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

// Every item lands in exactly one shard, attempts of an application in
// the same one, and the assignment does not depend on the other items.
func TestShardPartition(t *testing.T) {
	const n = 5
	counts := make([]int, n)
	for i := 0; i < 3000; i++ {
		app := fmt.Sprintf("application_1717000000000_%04d", i)
		in := 0
		var first int
		for k := 0; k < n; k++ {
			a1 := &Item{Log: &source.Log{Path: "/logs/" + app + "_1", AppID: app, Attempt: "1"}}
			a2 := &Item{Log: &source.Log{Path: "/logs/" + app + "_2", AppID: app, Attempt: "2"}}
			s := Shard{k, n}
			if s.Has(a1) != s.Has(a2) {
				t.Fatalf("%s: attempts in different shards", app)
			}
			if s.Has(a1) {
				in++
				first = k
			}
		}
		if in != 1 {
			t.Fatalf("%s is in %d shards", app, in)
		}
		counts[first]++
	}
	for k, c := range counts {
		if c < 3000/n/2 || c > 3000/n*2 {
			t.Errorf("shard %d holds %d of 3000: the hash does not spread", k, c)
		}
	}
	// The key of an item without an ID is its path; of an unresolved one,
	// its name.
	if k := ShardKey(&Item{Log: &source.Log{Path: "/x/eventlog"}}); k != "/x/eventlog" {
		t.Errorf("key %q", k)
	}
	if k := ShardKey(&Item{Name: "s3://b/broken"}); k != "s3://b/broken" {
		t.Errorf("key %q", k)
	}
}

// A fingerprint changes when any part changes, and only then.
func TestFingerprint(t *testing.T) {
	mk := func(mut func(*source.Log)) string {
		p := source.NewPart("/l/events_1_app", 100, codec.Plain, nil)
		p.ModTime = time.Unix(1700000000, 0)
		p.Version = "etag-1"
		l := &source.Log{Path: "/l", AppID: "app", Parts: []*source.Part{p}}
		if mut != nil {
			mut(l)
		}
		return Fingerprint(l)
	}
	base := mk(nil)
	if mk(nil) != base {
		t.Fatal("not deterministic")
	}
	for name, mut := range map[string]func(*source.Log){
		"size":     func(l *source.Log) { l.Parts[0].Size = 101 },
		"time":     func(l *source.Log) { l.Parts[0].ModTime = l.Parts[0].ModTime.Add(time.Second) },
		"etag":     func(l *source.Log) { l.Parts[0].Version = "etag-2" },
		"new part": func(l *source.Log) { l.Parts = append(l.Parts, source.NewPart("/l/events_2_app", 1, codec.Plain, nil)) },
		"path":     func(l *source.Log) { l.Path = "/m" },
		"finished": func(l *source.Log) { l.InProgress = true },
	} {
		if mk(mut) == base {
			t.Errorf("changing the %s keeps the fingerprint", name)
		}
	}
}

func TestMergeDedup(t *testing.T) {
	rec := func(src, app string, events int) *Record {
		return &Record{SchemaVersion: SchemaVersion, Kind: "application", Source: src, Status: StatusOK, Worst: "none",
			App: &AppInfo{ID: app, Name: "n"}, Input: &InputInfo{Events: events, Fingerprint: fmt.Sprint(events)}, Findings: []FindingSummary{}}
	}
	a, b := rec("/l/a", "a", 10), rec("/l/b", "b", 5)
	retried := rec("/l/a", "a", 12) // the same attempt read again after it grew
	for _, order := range [][]*Record{{a, b, retried}, {retried, b, a}} {
		res, err := Merge(order, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Apps != 2 {
			t.Fatalf("%d applications, want 2", res.Apps)
		}
		for _, r := range res.Records {
			if r.Source == "/l/a" && r.Input.Events != 12 {
				t.Errorf("kept the older record of a (%d events)", r.Input.Events)
			}
		}
	}
	if _, err := Merge(nil, Options{}); err != nil {
		t.Errorf("empty merge: %v", err)
	}
}

func TestReadJSONLErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"kind":"application","schemaVersion":1}` + "\nnot json\n": "x.jsonl:2",
		`{"kind":"review","schemaVersion":1}` + "\n":                "not a review record",
		`{"kind":"application","schemaVersion":99}` + "\n":          "upgrade sparkdiag",
	} {
		err := ReadJSONL(strings.NewReader(in), "x.jsonl", func(*Record, []byte) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}
