package appmodel

import "testing"

func TestSQLMetricNormalized(t *testing.T) {
	cases := []struct {
		typ, name string
		value     int64
		want      int64
		unit      string
	}{
		{"timing", "time to broadcast", 10, 10, "ms"},
		{"nsTiming", "time to broadcast", 10_000_000, 10, "ms"},       // RAPIDS/Velox: 10 ms in ns
		{"nsTiming", "op time", 10_625_000_000_000, 10_625_000, "ms"}, // 2 h 57 min in ns
		{"size", "data size", 1 << 20, 1 << 20, "bytes"},
		{"sum", "number of output rows", 42, 42, "count"},
		{"average", "avg hash probe bucket list iters", 17, 17, "average"},
		{"v2Custom_org.example.Metric", "custom", 5, 5, ""},
	}
	for _, c := range cases {
		m := &SQLMetric{Type: c.typ, Name: c.name, Value: c.value, Max: c.value}
		if got := m.Normalized(); got != c.want {
			t.Errorf("%s %q = %d: normalized %d, want %d", c.typ, c.name, c.value, got, c.want)
		}
		if got := m.NormalizedMax(); got != c.want {
			t.Errorf("%s %q max: %d, want %d", c.typ, c.name, got, c.want)
		}
		if got := m.Unit(); got != c.unit {
			t.Errorf("%s unit %q, want %q", c.typ, got, c.unit)
		}
	}
}
