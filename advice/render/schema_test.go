package render

import (
	"os"
	"regexp"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice/internal/jsonschema"
)

// The report's JSON must follow docs/report.schema.json, checked with the
// small validator of advice/internal/jsonschema.

const schemaPath = "../../docs/report.schema.json"

func loadSchema(t *testing.T) *jsonschema.Validator {
	t.Helper()
	sv, err := jsonschema.Load(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// validateReportJSON checks a JSON document (one report or an array of
// them) against the schema.
func validateReportJSON(t *testing.T, sv *jsonschema.Validator, name string, data []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	docs := []any{v}
	if arr, ok := v.([]any); ok {
		docs = arr
	}
	for _, d := range docs {
		for _, e := range sv.Validate(d) {
			t.Errorf("%s: %s", name, e)
		}
	}
}

func TestSchemaValidatorCatchesErrors(t *testing.T) {
	sv := loadSchema(t)
	good, err := os.ReadFile("testdata/nds_q86.json")
	if err != nil {
		t.Skip("no golden yet")
	}
	var doc map[string]any
	json.Unmarshal(good, &doc)
	if errs := sv.Validate(doc); len(errs) > 0 {
		t.Fatalf("golden invalid: %v", errs)
	}
	doc["surprise"] = 1
	delete(doc, "counts")
	doc["app"].(map[string]any)["jobs"] = "seven"
	doc["findings"].([]any)[0].(map[string]any)["severity"] = "fatal"
	errs := strings.Join(sv.Validate(doc), "\n")
	for _, want := range []string{`unexpected field "surprise"`, `missing required "counts"`, "$.app.jobs: is string", `fatal is not one of`} {
		if !strings.Contains(errs, want) {
			t.Errorf("validator missed %q; got:\n%s", want, errs)
		}
	}
}

// TestSchemaDocumented checks that every field of the schema is named in
// docs/report-json.md.
func TestSchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/report-json.md")
	if err != nil {
		t.Fatal(err)
	}
	sv := loadSchema(t)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if props, ok := x["properties"].(map[string]any); ok {
				for name, sub := range props {
					// Named in code: `name`, `a.name[]`, `{name, value}`.
					if !regexp.MustCompile("`[^`\n]*\\b" + regexp.QuoteMeta(name) + "\\b[^`\n]*`").Match(doc) {
						t.Errorf("field %q of the schema is not in docs/report-json.md", name)
					}
					walk(sub)
				}
			}
			for k, sub := range x {
				if k != "properties" {
					walk(sub)
				}
			}
		case []any:
			for _, sub := range x {
				walk(sub)
			}
		}
	}
	walk(sv.Root())
}
