package units

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{Bytes(0), "0 B"},
		{Bytes(1023), "1023 B"},
		{Bytes(1536), "1.5 KiB"},
		{Bytes(200 << 20), "200 MiB"},
		{Bytes(5 << 30), "5.0 GiB"},
		{Bytes(-2048), "-2.0 KiB"},
		{Millis(850), "850 ms"},
		{Millis(12_400), "12.4 s"},
		{Millis(185_000), "3m 05s"},
		{Millis(7_380_000), "2h 03m"},
		{Millis(3*86_400_000 + 4*3_600_000), "3d 04h"},
		{Count(0), "0"},
		{Count(999), "999"},
		{Count(1234567), "1,234,567"},
		{Count(-1000), "-1,000"},
		{Percent(0.1234), "12.3%"},
		{Percent(0.00001), "<0.1%"},
		{Percent(math.NaN()), "-"},
		{Ratio(3.14159), "3.1x"},
		{Ratio(250), "250x"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestPluralAndMinute(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{Plural(0, "finding"), "0 findings"},
		{Plural(1, "finding"), "1 finding"},
		{Plural(12, "run"), "12 runs"},
		{Minute(0), "-"},
		{Minute(-5), "-"},
		{Minute(1795482849556), "2026-11-24 01:14"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
