package appmodel

import (
	"bytes"
	"math"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog"
)

// SourceProgress is what one source of a streaming query reported for one
// micro-batch, in a compact form: a few numbers, whatever the size of the
// offsets (a Kafka offset names every partition of every topic).
//
// Offsets that are maps of maps of integers (Kafka: topic → partition →
// offset) are summed over the partitions. Other offsets (a file source's
// log offset, the rate source's second, a Delta version) keep only whether
// the latest offset was ahead of the end offset, when the two compare.
type SourceProgress struct {
	// Description is the source's description (interned, at most
	// maxSourceDescription bytes).
	Description  string
	NumInputRows int64
	// StartOffset, EndOffset and LatestOffset are the sums over the
	// partitions of numeric offsets (HasStart, HasEnd, HasLatest).
	StartOffset, EndOffset, LatestOffset int64
	// Lag is the sum over the partitions present in both the latest and the
	// end offset of latest − end (each at least 0): the offsets available
	// that the batch did not read (HasLag).
	Lag int64
	// AvgBehind, MaxBehind and MinBehind are the source's
	// avg/max/minOffsetsBehindLatest metrics (Kafka, per partition;
	// HasBehind).
	AvgBehind, MaxBehind, MinBehind float64
	// Partitions counts the partitions of the end offset (numeric offsets).
	Partitions int32
	// Numeric is set when the offsets are topic → partition → offset maps.
	Numeric                      bool
	HasStart, HasEnd, HasLatest  bool
	HasLag, HasBehind            bool
	AheadKnown, LatestAheadOfEnd bool
}

// maxSourceDescription caps a source description (a file source names its
// path, a Kafka source every topic it subscribes to).
const maxSourceDescription = 1024

// OffsetsBehind returns how far the source was behind the latest available
// offset at the end of the batch: the lag computed from the offsets, else
// from the offsetsBehindLatest metrics (average × partitions, or the
// maximum when the partitions are not known). ok is false when the report
// says neither.
func (s *SourceProgress) OffsetsBehind() (n int64, ok bool) {
	switch {
	case s.HasLag:
		return s.Lag, true
	case s.HasBehind && s.Partitions > 0:
		return int64(math.Round(s.AvgBehind * float64(s.Partitions))), true
	case s.HasBehind:
		return int64(math.Round(s.MaxBehind)), true
	}
	return 0, false
}

// MarshalJSON writes the fields that are known.
func (s SourceProgress) MarshalJSON() ([]byte, error) {
	type out struct {
		Description      string   `json:"description"`
		NumInputRows     int64    `json:"numInputRows"`
		OffsetKind       string   `json:"offsetKind"`
		Partitions       int32    `json:"partitions,omitempty"`
		StartOffset      *int64   `json:"startOffsetSum,omitempty"`
		EndOffset        *int64   `json:"endOffsetSum,omitempty"`
		LatestOffset     *int64   `json:"latestOffsetSum,omitempty"`
		Lag              *int64   `json:"offsetsBehindLatest,omitempty"`
		AvgBehind        *float64 `json:"avgOffsetsBehindLatest,omitempty"`
		MaxBehind        *float64 `json:"maxOffsetsBehindLatest,omitempty"`
		MinBehind        *float64 `json:"minOffsetsBehindLatest,omitempty"`
		LatestAheadOfEnd *bool    `json:"latestAheadOfEnd,omitempty"`
	}
	o := out{Description: s.Description, NumInputRows: s.NumInputRows, Partitions: s.Partitions, OffsetKind: "none"}
	if s.Numeric {
		o.OffsetKind = "numeric"
	} else if s.HasEnd || s.AheadKnown {
		o.OffsetKind = "other"
	}
	if s.Numeric && s.HasStart {
		o.StartOffset = &s.StartOffset
	}
	if s.Numeric && s.HasEnd {
		o.EndOffset = &s.EndOffset
	}
	if s.Numeric && s.HasLatest {
		o.LatestOffset = &s.LatestOffset
	}
	if s.HasLag {
		o.Lag = &s.Lag
	}
	if s.HasBehind {
		o.AvgBehind, o.MaxBehind, o.MinBehind = &s.AvgBehind, &s.MaxBehind, &s.MinBehind
	}
	if s.AheadKnown {
		o.LatestAheadOfEnd = &s.LatestAheadOfEnd
	}
	return json.Marshal(o)
}

// sourceProgress reads one source of a progress report.
func (b *Builder) sourceProgress(s *eventlog.SourceProgress) SourceProgress {
	desc := string(s.Description)
	if len(desc) > maxSourceDescription {
		desc = desc[:maxSourceDescription] + "…"
	}
	sp := SourceProgress{Description: b.intern(desc), NumInputRows: s.NumInputRows}
	start, end, latest := offsetText(s.StartOffset), offsetText(s.EndOffset), offsetText(s.LatestOffset)
	sp.HasEnd = end != nil
	if pe, ok := partitionOffsets(end); ok {
		sp.Numeric = true
		sp.EndOffset, sp.Partitions = sumOffsets(pe), int32(min(len(pe), math.MaxInt32))
		if ps, ok := partitionOffsets(start); ok {
			sp.StartOffset, sp.HasStart = sumOffsets(ps), true
		}
		if pl, ok := partitionOffsets(latest); ok {
			sp.LatestOffset, sp.HasLatest = sumOffsets(pl), true
			sp.HasLag = true
			for k, l := range pl {
				if e, ok := pe[k]; ok && l > e {
					sp.Lag += l - e
				}
			}
			sp.AheadKnown, sp.LatestAheadOfEnd = true, sp.Lag > 0
		}
	} else if end != nil && latest != nil {
		sp.LatestAheadOfEnd, sp.AheadKnown = aheadOf(latest, end)
	}
	m := &s.Metrics
	if m.AvgOffsetsBehindLatest != nil || m.MaxOffsetsBehindLatest != nil {
		sp.AvgBehind, sp.MaxBehind, sp.MinBehind = finite(m.AvgOffsetsBehindLatest), finite(m.MaxOffsetsBehindLatest), finite(m.MinOffsetsBehindLatest)
		sp.HasBehind = true
	}
	return sp
}

func finite(f *eventlog.Float) float64 {
	if f == nil || math.IsNaN(float64(*f)) || math.IsInf(float64(*f), 0) {
		return 0
	}
	return float64(*f)
}

// offsetText returns the JSON text of an offset: the content of a string
// (Spark's event log encodes offsets as JSON strings) or the value itself.
// Nil for null, absent or empty offsets.
func offsetText(raw []byte) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil
		}
		raw = bytes.TrimSpace([]byte(s))
		if len(raw) == 0 || string(raw) == "null" {
			return nil
		}
	}
	return raw
}

// partitionOffsets reads a topic → partition → offset map (Kafka) into
// "topic\x00partition" → offset. ok is false for any other shape.
func partitionOffsets(text []byte) (map[string]int64, bool) {
	if len(text) == 0 || text[0] != '{' {
		return nil, false
	}
	var m map[string]map[string]int64
	if err := json.Unmarshal(text, &m); err != nil || len(m) == 0 {
		return nil, false
	}
	out := make(map[string]int64, len(m))
	for topic, parts := range m {
		if len(parts) == 0 {
			return nil, false
		}
		for p, off := range parts {
			out[topic+"\x00"+p] = off
		}
	}
	return out, true
}

func sumOffsets(m map[string]int64) int64 {
	var s int64
	for _, v := range m {
		if v > 0 {
			s += v
		}
	}
	return s
}

// aheadOf compares two offsets of another shape: two numbers, or two flat
// objects of numbers with the same keys (latest is ahead when a value is
// larger and none smaller). Equal texts are not ahead. known is false when
// they do not compare.
func aheadOf(latest, end []byte) (ahead, known bool) {
	if bytes.Equal(latest, end) {
		return false, true
	}
	if l, err := strconv.ParseFloat(string(latest), 64); err == nil {
		if e, err := strconv.ParseFloat(string(end), 64); err == nil {
			return l > e, true
		}
		return false, false
	}
	var lm, em map[string]float64
	if json.Unmarshal(latest, &lm) != nil || json.Unmarshal(end, &em) != nil || len(lm) != len(em) || len(lm) == 0 {
		return false, false
	}
	for k, l := range lm {
		e, ok := em[k]
		if !ok || l < e {
			return false, false
		}
		if l > e {
			ahead = true
		}
	}
	return ahead, true
}
