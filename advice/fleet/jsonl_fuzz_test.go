package fleet

import (
	"bytes"
	"testing"
)

// FuzzReadJSONL: any bytes read as review records never panic; a record
// accepted is an application record of a schema this version reads.
func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":1,"kind":"application","source":"/l/a","status":"ok","app":{"id":"a"}}` + "\n"))
	f.Add([]byte("\n\n{\"schemaVersion\":2,\"kind\":\"application\"}\n"))
	f.Add([]byte(`{"kind":"application","schemaVersion":1,"input":{"fingerprint":"x"},"status":"ok"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ReadJSONL(bytes.NewReader(data), "f.jsonl", func(r *Record, _ []byte) error {
			if r.Kind != "application" || r.SchemaVersion < 1 || r.SchemaVersion > SchemaVersion {
				t.Fatalf("accepted %+v", r)
			}
			return nil
		})
		p, _ := LoadPrevious(bytes.NewReader(data), "f.jsonl")
		_ = p.take("x")
	})
}
