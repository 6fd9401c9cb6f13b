package jobkey

import "strings"

// The normalization of what an application did, shared by the shape of a
// run (Of) and by 'sparkdiag diff', which aligns the stages, jobs and SQL
// executions of two runs with it: ids, dates and batch numbers change from
// run to run, the code's call sites (line numbers included) do not.

// MaskDigits replaces every run of digits by one '#': "q86 2024-03-01"
// becomes "q# #-#-#".
func MaskDigits(s string) string {
	var b strings.Builder
	inDigits := false
	for _, c := range s {
		if c >= '0' && c <= '9' {
			if !inDigits {
				b.WriteByte('#')
			}
			inDigits = true
			continue
		}
		inDigits = false
		b.WriteRune(c)
	}
	return b.String()
}

// FirstLine is the first line of s, leading and trailing space of s trimmed.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// FirstFrame is the first line of a stage's call-site stack (its Details),
// trimmed, line number kept.
func FirstFrame(details string) string { return strings.TrimSpace(FirstLine(details)) }

// StageIdentity is what identifies a stage across runs: its name and the
// first frame of its call site.
func StageIdentity(name, details string) string { return name + "\x00" + FirstFrame(details) }

// SQLIdentity is what identifies a SQL execution across runs: the first
// line of its description, digits masked (recurring jobs put the day or a
// batch number there).
func SQLIdentity(description string) string { return MaskDigits(FirstLine(description)) }
