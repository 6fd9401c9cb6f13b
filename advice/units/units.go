// Package units formats quantities for people: bytes, durations, counts and
// shares. JSON output keeps raw numbers; only text, Markdown and HTML use
// these.
package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Bytes formats a byte count with binary prefixes: "0 B", "512 B", "1.5 KiB",
// "12.3 MiB", "4.0 GiB".
func Bytes(n int64) string {
	if n < 0 {
		return "-" + Bytes(-n)
	}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	const units = "KMGTPE"
	v := float64(n)
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f %ciB", v, units[i])
	}
	return fmt.Sprintf("%.1f %ciB", v, units[i])
}

// Millis formats a duration given in milliseconds: "850 ms", "12.4 s",
// "3m 05s", "2h 03m", "3d 04h".
func Millis(ms int64) string {
	if ms < 0 {
		return "-" + Millis(-ms)
	}
	switch {
	case ms < 1000:
		return strconv.FormatInt(ms, 10) + " ms"
	case ms < 60_000:
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	case ms < 3_600_000:
		s := ms / 1000
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	case ms < 86_400_000:
		m := ms / 60_000
		return fmt.Sprintf("%dh %02dm", m/60, m%60)
	default:
		h := ms / 3_600_000
		return fmt.Sprintf("%dd %02dh", h/24, h%24)
	}
}

// Count formats an integer with thousands separators: 1234567 → "1,234,567".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Percent formats a share (0.123 → "12.3%"); NaN and Inf give "-".
func Percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	if f != 0 && math.Abs(f) < 0.001 {
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", f*100)
}

// Ratio formats a multiplier: 3.14159 → "3.1x".
func Ratio(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	if f >= 100 {
		return fmt.Sprintf("%.0fx", f)
	}
	return fmt.Sprintf("%.1fx", f)
}

// Plural writes a count with its noun: "1 finding", "2 findings".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Minute writes an epoch-millisecond time in UTC to the minute,
// "2024-06-01 02:15", as tables show start times; "-" when unknown (0).
func Minute(ms int64) string {
	if ms <= 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04")
}
