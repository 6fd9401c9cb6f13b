// Package jsonschema is a small validator for the part of JSON Schema
// (2020-12) that sparkdiag's own schemas use (docs/report.schema.json,
// docs/review.schema.json): type, const, enum, properties, required,
// additionalProperties, items, minimum, pattern, allOf, local $ref and
// boolean schemas. It exists for the tests that check the JSON outputs
// against their documented schemas; a keyword it does not know makes it
// panic, so that a schema cannot silently use more than is checked.
package jsonschema

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	json "github.com/goccy/go-json"
)

// Validator checks decoded JSON values (as json.Unmarshal into an any
// gives them) against a schema. It is not safe for concurrent use.
type Validator struct {
	root map[string]any
	name string
	errs []string
}

// Load reads the schema at path.
func Load(path string) (*Validator, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Validator{root: root, name: filepath.Base(path)}, nil
}

// Root is the decoded schema.
func (sv *Validator) Root() map[string]any { return sv.root }

// Validate returns the violations of v (decoded JSON) against the root
// schema, each as "$.path: problem".
func (sv *Validator) Validate(v any) []string {
	return sv.ValidateRef("#", v)
}

// ValidateRef returns the violations of v against the sub-schema at the
// local reference ref ("#" is the root, "#/$defs/review" a definition).
func (sv *Validator) ValidateRef(ref string, v any) []string {
	sv.errs = nil
	var schema any = sv.root
	if ref != "#" {
		schema = sv.resolve(ref)
	}
	sv.check(schema, v, "$")
	return sv.errs
}

func (sv *Validator) fail(at, format string, args ...any) {
	sv.errs = append(sv.errs, at+": "+fmt.Sprintf(format, args...))
}

func (sv *Validator) resolve(ref string) map[string]any {
	if !strings.HasPrefix(ref, "#/") {
		panic("only local $ref are supported: " + ref)
	}
	var cur any = sv.root
	for _, p := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			panic("unresolvable $ref: " + ref)
		}
		cur = m[p]
	}
	m, ok := cur.(map[string]any)
	if !ok {
		panic("unresolvable $ref: " + ref)
	}
	return m
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

func (sv *Validator) check(schema any, v any, at string) {
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

var known = map[string]bool{"$schema": true, "$id": true, "title": true, "description": true, "$defs": true,
	"type": true, "const": true, "enum": true, "properties": true, "required": true, "additionalProperties": true,
	"items": true, "minimum": true, "pattern": true, "allOf": true, "$ref": true}

func (sv *Validator) checkObject(s map[string]any, v any, at string) {
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
					sv.fail(at, "unexpected field %q (add it to %s and its documentation)", k, sv.name)
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
