package diff

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update; on
// a mismatch it writes testdata/name.got.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testlogs.Golden(t, filepath.Join("testdata", name), got, *update)
}

// synthDiff is a diff with something in every section: skew and spill in
// the join, a new stage, a configuration change, new findings.
func synthDiff(t *testing.T) *Diff {
	base := etl(etlOpts{props: map[string]string{"spark.sql.shuffle.partitions": "8", "spark.executor.memory": "4g"}})
	nw := etl(etlOpts{id: "app-2", skew: true, spill: 8 << 20, failures: 1, extraStage: true,
		props: map[string]string{"spark.sql.shuffle.partitions": "8", "spark.executor.memory": "2g"}})
	return Compare(base.side(t), nw.side(t), Options{})
}

func TestRenderGolden(t *testing.T) {
	d := synthDiff(t)
	for _, c := range []struct {
		format, file string
		opts         render.Options
	}{
		{"text", "synth.txt", render.Options{}},
		{"text", "synth_terminal.txt", render.Options{Terminal: true, Width: 100}},
		{"json", "synth.json", render.Options{}},
		{"markdown", "synth.md", render.Options{}},
	} {
		t.Run(c.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, d, c.format, c.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, c.file, b.String())
		})
	}
}

func TestRenderJSON(t *testing.T) {
	d := synthDiff(t)
	var b bytes.Buffer
	if err := Render(&b, d, "json", render.Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, ": null") {
		t.Error("JSON has null values")
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schemaVersion"].(float64) != SchemaVersion {
		t.Errorf("schemaVersion %v", doc["schemaVersion"])
	}
	for _, k := range []string{"base", "new", "headline", "verdict", "metrics", "reasons", "stages", "newStages", "removedStages", "jobs", "sqlExecutions", "config", "findings", "warnings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	b.Reset()
	if err := Render(&b, d, "json", render.Options{Compact: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 1 {
		t.Error("compact JSON is not one line")
	}
	if err := Render(&b, d, "xml", render.Options{}); err == nil {
		t.Error("unknown format accepted")
	}
}
