package render

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
)

// A validator for the part of JSON Schema (2020-12) that
// docs/report.schema.json uses: type, const, enum, properties, required,
// additionalProperties, items, minimum, pattern, allOf, local $ref and
// boolean schemas.

const schemaPath = "../../docs/report.schema.json"

type schemaValidator struct {
	root map[string]any
	errs []string
}

func loadSchema(t *testing.T) *schemaValidator {
	t.Helper()
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	return &schemaValidator{root: root}
}

// validate returns the violations of v (decoded JSON) against the root
// schema.
func (sv *schemaValidator) validate(v any) []string {
	sv.errs = nil
	sv.check(sv.root, v, "$")
	return sv.errs
}

func (sv *schemaValidator) fail(at, format string, args ...any) {
	sv.errs = append(sv.errs, at+": "+fmt.Sprintf(format, args...))
}

func (sv *schemaValidator) resolve(ref string) map[string]any {
	if !strings.HasPrefix(ref, "#/") {
		panic("only local $ref are supported: " + ref)
	}
	var cur any = sv.root
	for _, p := range strings.Split(ref[2:], "/") {
		cur = cur.(map[string]any)[p]
	}
	return cur.(map[string]any)
}

func typeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func (sv *schemaValidator) check(schema any, v any, at string) {
	switch s := schema.(type) {
	case bool:
		if !s {
			sv.fail(at, "not allowed")
		}
		return
	case map[string]any:
		sv.checkObject(s, v, at)
	default:
		panic(fmt.Sprintf("bad schema at %s: %T", at, schema))
	}
}

func (sv *schemaValidator) checkObject(s map[string]any, v any, at string) {
	known := map[string]bool{"$schema": true, "$id": true, "title": true, "description": true, "$defs": true,
		"type": true, "const": true, "enum": true, "properties": true, "required": true, "additionalProperties": true,
		"items": true, "minimum": true, "pattern": true, "allOf": true, "$ref": true}
	for k := range s {
		if !known[k] {
			panic("schema keyword not supported by the test validator: " + k)
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		sv.check(sv.resolve(ref), v, at)
	}
	for _, sub := range asSlice(s["allOf"]) {
		sv.check(sub, v, at)
	}
	if t, ok := s["type"]; ok {
		got := typeOf(v)
		okType := false
		for _, want := range asStrings(t) {
			if want == got || (want == "number" && got == "integer") {
				okType = true
			}
		}
		if !okType {
			sv.fail(at, "is %s, want %v", got, t)
			return
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		sv.fail(at, "is %v, want %v", v, c)
	}
	if e, ok := s["enum"]; ok {
		found := false
		for _, x := range asSlice(e) {
			if fmt.Sprint(x) == fmt.Sprint(v) {
				found = true
			}
		}
		if !found {
			sv.fail(at, "%v is not one of %v", v, e)
		}
	}
	if m, ok := s["minimum"].(float64); ok {
		if x, isNum := v.(float64); isNum && x < m {
			sv.fail(at, "%v is below the minimum %v", x, m)
		}
	}
	if p, ok := s["pattern"].(string); ok {
		if x, isStr := v.(string); isStr && !regexp.MustCompile(p).MatchString(x) {
			sv.fail(at, "%q does not match %s", x, p)
		}
	}
	if obj, isObj := v.(map[string]any); isObj {
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := obj[r]; !ok {
				sv.fail(at, "missing required %q", r)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				sv.check(ps, obj[k], at+"."+k)
			} else if ap, ok := s["additionalProperties"]; ok {
				if b, isBool := ap.(bool); isBool && !b {
					sv.fail(at, "unexpected field %q (add it to the schema and docs/report-json.md)", k)
				} else if !isBool {
					sv.check(ap, obj[k], at+"."+k)
				}
			}
		}
	}
	if arr, isArr := v.([]any); isArr {
		if items, ok := s["items"]; ok {
			for i, x := range arr {
				sv.check(items, x, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
}

func asSlice(v any) []any {
	xs, _ := v.([]any)
	return xs
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = s.(string)
		}
		return out
	}
	return nil
}

// validateReportJSON checks a JSON document (one report or an array of
// them) against the schema.
func validateReportJSON(t *testing.T, sv *schemaValidator, name string, data []byte) {
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
		for _, e := range sv.validate(d) {
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
	if errs := sv.validate(doc); len(errs) > 0 {
		t.Fatalf("golden invalid: %v", errs)
	}
	doc["surprise"] = 1
	delete(doc, "counts")
	doc["app"].(map[string]any)["jobs"] = "seven"
	doc["findings"].([]any)[0].(map[string]any)["severity"] = "fatal"
	errs := strings.Join(sv.validate(doc), "\n")
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
	walk(sv.root)
}
