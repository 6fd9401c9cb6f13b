package appmodel

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestPackedMaps round-trips string maps through the packed form.
func TestPackedMaps(t *testing.T) {
	tests := []map[string]string{
		nil,
		{},
		{"": ""},
		{"stdout": "http://worker-007.example.com:8042/node/containerlogs/container_e17_1767225600000_0042_01_000123/etl/stdout?start=-4096",
			"stderr": "http://worker-007.example.com:8042/node/containerlogs/container_e17_1767225600000_0042_01_000123/etl/stderr?start=-4096"},
		{"CONTAINER_ID": "container_1", "NM_PORT": "8041", "USER": "ünïcødé user", "LOG_FILES": "stderr,stdout", "x": "//::..__"},
		{"many": strings.Repeat("a/", 200), "bytes": "\x00\xff\xfe/\n"},
	}
	st := newStrtab()
	var refs []kvRef
	for _, m := range tests {
		refs = append(refs, st.pack(m))
	}
	for i, m := range tests {
		got := st.unpack(refs[i])
		if !reflect.DeepEqual(got, m) || (got == nil) != (m == nil) {
			t.Errorf("map %d: got %q, want %q", i, got, m)
		}
	}
	// Executors with the same shape share their tokens: each new executor
	// costs little arena.
	before := len(st.arena)
	for i := 0; i < 1000; i++ {
		st.pack(map[string]string{"stdout": fmt.Sprintf("http://worker-%03d.example.com:8042/node/containerlogs/container_e17_1767225600000_0042_01_%06d/etl/stdout?start=-4096", i%50, i)})
	}
	if per := (len(st.arena) - before) / 1000; per > 64 {
		t.Errorf("%d bytes of arena per packed map", per)
	}
}
