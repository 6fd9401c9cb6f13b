package jsonschema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
)

// A schema that uses every supported keyword.
const testSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://example.com/test.schema.json",
  "title": "test",
  "description": "every keyword the validator supports",
  "$ref": "#/$defs/thing",
  "$defs": {
    "count": { "type": "integer", "minimum": 0 },
    "thing": {
      "type": "object",
      "required": ["version", "kind", "n", "tags"],
      "additionalProperties": false,
      "properties": {
        "version": { "const": 1 },
        "kind": { "enum": ["a", "b"] },
        "n": { "$ref": "#/$defs/count" },
        "ratio": { "type": "number" },
        "id": { "type": "string", "pattern": "^[a-z]+-[0-9]+$" },
        "tags": { "type": "array", "items": { "type": "string" } },
        "maybe": { "type": ["string", "null"] },
        "both": { "allOf": [{ "type": "integer" }, { "minimum": 10 }] },
        "never": false,
        "anything": true,
        "labels": { "type": "object", "additionalProperties": { "type": "string" } }
      }
    }
  }
}`

func load(t *testing.T) *Validator {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.schema.json")
	if err := os.WriteFile(path, []byte(testSchema), 0o644); err != nil {
		t.Fatal(err)
	}
	sv, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidatorAccepts(t *testing.T) {
	sv := load(t)
	for _, doc := range []string{
		`{"version":1,"kind":"a","n":0,"tags":[]}`,
		`{"version":1,"kind":"b","n":7,"tags":["x","y"],"ratio":1.5,"id":"ab-12","maybe":null,"both":10,"anything":[1,{}],"labels":{"k":"v"}}`,
		`{"version":1,"kind":"b","n":7,"tags":[],"ratio":2,"maybe":"s"}`,
	} {
		if errs := sv.Validate(decode(t, doc)); len(errs) > 0 {
			t.Errorf("%s: %v", doc, errs)
		}
	}
}

func TestValidatorCatchesErrors(t *testing.T) {
	sv := load(t)
	doc := `{"version":2,"kind":"c","n":-1,"tags":["x",3],"ratio":"high","id":"AB","maybe":1,"both":3,"never":0,"labels":{"k":1},"surprise":true}`
	errs := strings.Join(sv.Validate(decode(t, doc)), "\n")
	for _, want := range []string{
		`$.version: is 2, want 1`,
		`$.kind: c is not one of [a b]`,
		`$.n: -1 is below the minimum 0`,
		`$.tags[1]: is integer, want string`,
		`$.ratio: is string, want number`,
		`$.id: "AB" does not match`,
		`$.maybe: is integer, want [string null]`,
		`$.both: 3 is below the minimum 10`,
		`$.never: not allowed`,
		`$.labels.k: is integer, want string`,
		`unexpected field "surprise" (add it to test.schema.json`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("validator missed %q; got:\n%s", want, errs)
		}
	}
	errs = strings.Join(sv.Validate(decode(t, `{"n":1.5}`)), "\n")
	for _, want := range []string{`missing required "version"`, `missing required "kind"`, `missing required "tags"`, `$.n: is number, want integer`} {
		if !strings.Contains(errs, want) {
			t.Errorf("validator missed %q; got:\n%s", want, errs)
		}
	}
	if errs := sv.Validate(decode(t, `[1]`)); len(errs) != 1 || !strings.Contains(errs[0], "is array, want object") {
		t.Errorf("array at the root: %v", errs)
	}
}

func TestValidateRef(t *testing.T) {
	sv := load(t)
	if errs := sv.ValidateRef("#/$defs/count", decode(t, `3`)); len(errs) > 0 {
		t.Errorf("count: %v", errs)
	}
	if errs := sv.ValidateRef("#/$defs/count", decode(t, `-3`)); len(errs) != 1 {
		t.Errorf("negative count: %v", errs)
	}
	// Each call starts afresh.
	if errs := sv.ValidateRef("#", decode(t, `{"version":1,"kind":"a","n":0,"tags":[]}`)); len(errs) > 0 {
		t.Errorf("root: %v", errs)
	}
}

func TestUnsupportedKeywordPanics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(path, []byte(`{"type":"object","oneOf":[true]}`), 0o644)
	sv, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "oneOf") {
			t.Errorf("panic = %v, want one naming oneOf", p)
		}
	}()
	sv.Validate(map[string]any{})
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("no error for a missing file")
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"type":`), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("err = %v, want one naming the file", err)
	}
}
