package fleet

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/internal/jsonschema"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// The JSON Lines and JSON forms of a review must follow
// docs/review.schema.json: the root validates one line, #/$defs/review the
// --format json document.

const (
	reviewSchemaPath = "../../docs/review.schema.json"
	reviewDocPath    = "../../docs/review.md"
	reviewDocRef     = "#/$defs/review"
)

func loadReviewSchema(t *testing.T) *jsonschema.Validator {
	t.Helper()
	sv, err := jsonschema.Load(reviewSchemaPath)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// schemaReview reviews real logs: Spark 3.5.9's corpus, the recurring
// series with a fresh baseline store (so that the later days drift) and a
// broken log; it returns the JSON Lines and the JSON document.
func schemaReview(t *testing.T) (jsonl, doc []byte) {
	t.Helper()
	recurring := testlogs.Testdata("recurring", "logs")
	if _, err := os.Stat(recurring); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	broken := filepath.Join(dir, "application_1700000000000_0001")
	if err := os.WriteFile(broken, []byte("\x00\x01garbage, not an event log\n{{{\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := baseline.Open(filepath.Join(dir, "baseline.db"), baseline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items := Resolve([]string{testlogs.Testdata("spark", "logs", "3.5.9"), recurring, broken})
	res, err := Review(context.Background(), items, Options{Detectors: all.Detectors, Store: st, Record: true, DiffDrift: true})
	if err != nil {
		t.Fatal(err)
	}
	var l, d bytes.Buffer
	if err := WriteJSONL(&l, res); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&d, res); err != nil {
		t.Fatal(err)
	}
	return l.Bytes(), d.Bytes()
}

func decodeJSON(t *testing.T, name string, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: not a JSON object: %v", name, err)
	}
	return v
}

func TestReviewSchema(t *testing.T) {
	sv := loadReviewSchema(t)
	jsonl, doc := schemaReview(t)
	lines := strings.Split(strings.TrimSuffix(string(jsonl), "\n"), "\n")
	var ok, unreadable, withBaseline, drifting, fromZero, diffed int
	for i, line := range lines {
		rec := decodeJSON(t, "line", []byte(line))
		for _, e := range sv.Validate(rec) {
			t.Errorf("line %d (%v): %s", i+1, rec["source"], e)
		}
		// What the schema cannot say: which fields go with which status.
		switch rec["status"] {
		case StatusOK:
			ok++
			for _, f := range []string{"app", "input", "totals"} {
				if rec[f] == nil {
					t.Errorf("line %d: ok record without %q", i+1, f)
				}
			}
			if _, has := rec["error"]; has {
				t.Errorf("line %d: ok record with an error", i+1)
			}
		case StatusUnreadable:
			unreadable++
			if e, _ := rec["error"].(string); e == "" {
				t.Errorf("line %d: unreadable record without an error", i+1)
			}
			for _, f := range []string{"app", "input", "totals", "baseline"} {
				if _, has := rec[f]; has {
					t.Errorf("line %d: unreadable record with %q", i+1, f)
				}
			}
		}
		if b, _ := rec["baseline"].(map[string]any); b != nil {
			withBaseline++
			if ds, _ := b["drift"].([]any); len(ds) > 0 {
				drifting++
				if rec["diff"] != nil {
					diffed++
				}
				for _, d := range ds {
					if d.(map[string]any)["fromZero"] == true {
						fromZero++
					}
				}
			}
		}
	}
	// The review must exercise what the schema describes.
	if diffed < 3 {
		t.Errorf("%d drifting records carry a diff (--diff-drift), want at least 3", diffed)
	}
	if ok < 50 || unreadable != 1 || withBaseline < 14 || drifting < 3 {
		t.Errorf("%d lines: %d ok, %d unreadable, %d with a baseline, %d drifting; want >= 50 ok, 1 unreadable, >= 14 with a baseline, >= 3 drifting",
			len(lines), ok, unreadable, withBaseline, drifting)
	}
	t.Logf("%d lines: %d ok, %d unreadable, %d with a baseline, %d drifting (%d drifts from zero)", len(lines), ok, unreadable, withBaseline, drifting, fromZero)

	d := decodeJSON(t, "document", doc)
	for _, e := range sv.ValidateRef(reviewDocRef, d) {
		t.Errorf("document: %s", e)
	}
	if apps, _ := d["applications"].([]any); len(apps) != len(lines) {
		t.Errorf("document has %d applications, the JSON Lines %d", len(apps), len(lines))
	}
	if top, _ := d["topFindings"].([]any); len(top) == 0 {
		t.Error("document without top findings")
	}
	// A record is not a review document, nor the reverse.
	if len(sv.Validate(d)) == 0 {
		t.Error("the review document validates as a record")
	}
	if len(sv.ValidateRef(reviewDocRef, decodeJSON(t, "line", []byte(lines[0])))) == 0 {
		t.Error("a record validates as the review document")
	}
}

// TestReviewSchemaCatchesErrors makes sure the schema is strict: a new
// field, a wrong enum value or a missing field fails.
func TestReviewSchemaCatchesErrors(t *testing.T) {
	sv := loadReviewSchema(t)
	jsonl, doc := schemaReview(t)
	var line string
	for _, l := range strings.Split(string(jsonl), "\n") {
		if strings.Contains(l, `"drift":[{`) {
			line = l
			break
		}
	}
	if line == "" {
		t.Fatal("no drifting record")
	}
	rec := decodeJSON(t, "line", []byte(line))
	if errs := sv.Validate(rec); len(errs) > 0 {
		t.Fatalf("valid record refused: %v", errs)
	}
	rec["surprise"] = 1
	rec["status"] = "broken"
	rec["worst"] = "fatal"
	rec["kind"] = "job"
	delete(rec, "cost")
	rec["app"].(map[string]any)["jobs"] = "seven"
	rec["app"].(map[string]any)["clusterId"] = "c1"
	rec["input"].(map[string]any)["layout"] = "tarball"
	b := rec["baseline"].(map[string]any)
	b["median"].(map[string]any)["latency"] = 1.0
	dr := b["drift"].([]any)[0].(map[string]any)
	dr["direction"] = "sideways"
	dr["unit"] = "parsecs"
	dr["severity"] = "info"
	dr["extra"] = true
	b["history"].([]any)[0].(map[string]any)["cluster"] = "c1"
	delete(b["history"].([]any)[0].(map[string]any), "recordedAt")
	if fs, _ := rec["findings"].([]any); len(fs) > 0 {
		f := fs[0].(map[string]any)
		f["severity"] = "critical"
		f["owner"] = "me"
	} else {
		rec["findings"] = []any{map[string]any{"id": "X-1", "severity": "critical", "owner": "me"}}
	}
	errs := strings.Join(sv.Validate(rec), "\n")
	for _, want := range []string{
		`$: unexpected field "surprise"`,
		`$.status: broken is not one of`,
		`$.worst: fatal is not one of`,
		`$.kind: job is not one of`,
		`$: missing required "cost"`,
		`$.app.jobs: is string`,
		`$.app: unexpected field "clusterId"`,
		`$.input.layout: tarball is not one of`,
		`$.baseline.median: unexpected field "latency"`,
		`$.baseline.drift[0].direction: sideways is not one of`,
		`$.baseline.drift[0].unit: parsecs is not one of`,
		`$.baseline.drift[0].severity: info is not one of`,
		`$.baseline.drift[0]: unexpected field "extra"`,
		`$.baseline.history[0]: unexpected field "cluster"`,
		`$.baseline.history[0]: missing required "recordedAt"`,
		`$.findings[0].severity: critical is not one of`,
		`$.findings[0]: unexpected field "owner"`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("schema missed %q; got:\n%s", want, errs)
		}
	}

	d := decodeJSON(t, "document", doc)
	d["generatedAt"] = "now"
	d["kind"] = "application"
	d["topFindings"].([]any)[0].(map[string]any)["severity"] = "none"
	d["applications"].([]any)[0].(map[string]any)["status"] = "skipped"
	errs = strings.Join(sv.ValidateRef(reviewDocRef, d), "\n")
	for _, want := range []string{
		`$: unexpected field "generatedAt"`,
		`$.kind: application is not one of`,
		`$.topFindings[0].severity: none is not one of`,
		`$.applications[0].status: skipped is not one of`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("schema missed %q; got:\n%s", want, errs)
		}
	}
}

// TestReviewSchemaMatchesTypes checks every definition of the schema
// against its Go type: the same JSON fields, and the fields that are
// always written (no omitempty) required. So a new field, even one the
// test logs never fill, must be added to the schema (and, by
// TestReviewSchemaDocumented, to docs/review.md).
func TestReviewSchemaMatchesTypes(t *testing.T) {
	defs := loadReviewSchema(t).Root()["$defs"].(map[string]any)
	for name, typ := range map[string]reflect.Type{
		"record":     reflect.TypeFor[Record](),
		"app":        reflect.TypeFor[AppInfo](),
		"input":      reflect.TypeFor[InputInfo](),
		"totals":     reflect.TypeFor[appmodel.AppTotals](),
		"counts":     reflect.TypeFor[advice.Counts](),
		"cost":       reflect.TypeFor[Cost](),
		"finding":    reflect.TypeFor[FindingSummary](),
		"baseline":   reflect.TypeFor[baseline.Baseline](),
		"drift":      reflect.TypeFor[baseline.Drift](),
		"run":        reflect.TypeFor[baseline.Run](),
		"topFinding": reflect.TypeFor[TopFinding](),
		"review":     reflect.TypeFor[Summary](),
	} {
		def, _ := defs[name].(map[string]any)
		if def == nil {
			t.Errorf("no $defs/%s in the schema", name)
			continue
		}
		if def["additionalProperties"] != false {
			t.Errorf("$defs/%s: additionalProperties is not false", name)
		}
		var fields, always []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" {
				continue
			}
			n, opts, _ := strings.Cut(tag, ",")
			if n == "" {
				n = f.Name
			}
			fields = append(fields, n)
			if !strings.Contains(opts, "omitempty") {
				always = append(always, n)
			}
		}
		var props []string
		for p := range def["properties"].(map[string]any) {
			props = append(props, p)
		}
		var required []string
		for _, r := range def["required"].([]any) {
			required = append(required, r.(string))
		}
		sort.Strings(fields)
		sort.Strings(always)
		sort.Strings(props)
		sort.Strings(required)
		if !reflect.DeepEqual(fields, props) {
			t.Errorf("$defs/%s has the properties %v; %s has the fields %v", name, props, typ, fields)
		}
		if !reflect.DeepEqual(always, required) {
			t.Errorf("$defs/%s requires %v; %s always writes %v", name, required, typ, always)
		}
	}
}

// TestReviewSchemaDocumented checks that every field of the schema is
// named in the "JSON Lines schema" section of docs/review.md (the keys of
// baseline.median, the figures, in the baseline section).
func TestReviewSchemaDocumented(t *testing.T) {
	b, err := os.ReadFile(reviewDocPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "\n## JSON Lines schema")
	if start < 0 {
		t.Fatal(`docs/review.md has no "JSON Lines schema" section`)
	}
	section := doc[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	if !strings.Contains(section, "(review.schema.json)") {
		t.Error(`the "JSON Lines schema" section of docs/review.md does not link review.schema.json`)
	}
	named := func(text, name string) bool {
		// Named in code: `name`, `a.name[]`, `name` (ms), ...
		return regexp.MustCompile("`[^`\n]*\\b" + regexp.QuoteMeta(name) + "\\b[^`\n]*`").MatchString(text)
	}
	sv := loadReviewSchema(t)
	var walk func(where string, v any, text string)
	walk = func(where string, v any, text string) {
		switch x := v.(type) {
		case map[string]any:
			if props, ok := x["properties"].(map[string]any); ok {
				for name, sub := range props {
					if !named(text, name) {
						t.Errorf("field %q (%s) of docs/review.schema.json is not in docs/review.md", name, where)
					}
					walk(where, sub, text)
				}
			}
			for k, sub := range x {
				if k != "properties" {
					walk(where, sub, text)
				}
			}
		case []any:
			for _, sub := range x {
				walk(where, sub, text)
			}
		}
	}
	for name, def := range sv.Root()["$defs"].(map[string]any) {
		text := section
		if name == "figures" {
			text = doc
		}
		walk("$defs/"+name, def, text)
	}
}
