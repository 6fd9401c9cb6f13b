package appmodel

import "strings"

// Unit is the unit of a SQL metric's normalized value: "ms" for timings,
// "bytes" for sizes, "count" for sums and counts, "average" for averages,
// "" for a type the model does not know (its value is kept as logged).
func (m *SQLMetric) Unit() string {
	switch t := strings.ToLower(m.Type); {
	case t == "timing", t == "nstiming", strings.HasSuffix(t, "timing"), t == "nanotiming", t == "mstiming":
		return "ms"
	case t == "size", strings.HasSuffix(t, "size"), t == "bytes":
		return "bytes"
	case t == "sum", t == "count", t == "":
		return "count"
	case t == "average":
		return "average"
	}
	return ""
}

// Normalized is the metric's total in its Unit: Spark and the engines
// built on it (RAPIDS, Photon, Gluten/Velox, Comet) write timings in
// milliseconds ("timing") or nanoseconds ("nsTiming"); every timing is
// returned in milliseconds, so that a 10 ms broadcast written as
// 10,000,000 ns is never read as 2 h 46 min. This is the one place where
// SQL metric units are normalized.
func (m *SQLMetric) Normalized() int64 { return m.scale(m.Value) }

// NormalizedMax is the largest task update in the metric's Unit.
func (m *SQLMetric) NormalizedMax() int64 { return m.scale(m.Max) }

func (m *SQLMetric) scale(v int64) int64 {
	t := strings.ToLower(m.Type)
	if strings.HasPrefix(t, "ns") || strings.HasPrefix(t, "nano") {
		return v / 1_000_000
	}
	return v
}
