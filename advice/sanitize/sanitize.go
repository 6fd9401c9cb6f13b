// Package sanitize makes strings that come from an event log, a History
// Server or a file name safe for the output they go to. It is the one
// place that decides what a log string may contain once written:
//
//   - Text and Line, for a terminal or a plain-text file: no control
//     character survives (escape sequences, carriage returns, NUL, BEL,
//     DEL, the C1 controls, the Unicode line separators and the
//     bidirectional overrides become U+FFFD, as does invalid UTF-8), so a
//     log cannot set the terminal's title, clear the screen, move the
//     cursor or fake lines. Text keeps newlines and tabs; Line makes one
//     line of it, for a table cell or a one-line message.
//   - Markdown (and Code, CodeCell, CodeBlock): Line, then every character
//     that Markdown or the HTML it may contain would read as markup is
//     escaped, so a name shows as written and a table keeps its columns.
//   - HTML: Text, then HTML-escaped. Templates (html/template) escape by
//     themselves; they get Text.
//   - JSON: values stay exactly as the log has them; the encoders write the
//     C0 controls as \u00XX, and JSON (or NewJSONWriter) writes the ones
//     they let through raw (DEL, the C1 controls, the line separators and
//     the bidirectional overrides) as \uXXXX too, so that no control
//     character is in the bytes, while a decoder reads the same values.
package sanitize

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

const replacement = '\uFFFD'

// control tells the characters Text replaces: all but newline and tab.
func control(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F):
		return true
	case r == '\u2028' || r == '\u2029': // line and paragraph separators
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F', r == '\u061C':
		// bidirectional embeddings, overrides, isolates and marks
		return true
	case r == utf8.RuneError:
		return true
	}
	return unicode.Is(unicode.Cc, r)
}

// Text replaces every control character but newline and tab (and any
// invalid UTF-8) with U+FFFD.
func Text(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, control) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // invalid bytes come as utf8.RuneError
		if control(r) {
			r = replacement
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Line is Text on one line: each run of white space that holds a newline,
// a carriage return or a tab becomes one space.
func Line(s string) string {
	s = Text(s)
	if !strings.ContainsAny(s, "\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `|`, `\|`, `~`, `\~`,
	`<`, `&lt;`, `>`, `&gt;`, `&`, `&amp;`, `#`, `\#`,
)

// Markdown is Line with every Markdown and HTML special character escaped:
// the text shows as written, inside a paragraph or a table cell.
func Markdown(s string) string { return mdEscaper.Replace(Line(s)) }

// Code writes s (made a Line) as an inline code span, with a fence longer
// than any run of backticks in it.
func Code(s string) string {
	s = Line(s)
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// CodeCell is Code for a table cell, where a pipe ends the cell even
// inside a code span.
func CodeCell(s string) string { return strings.ReplaceAll(Code(s), "|", `\|`) }

// CodeBlock is s (made Text) as a fenced block that s cannot close,
// ending with a newline.
func CodeBlock(lang, s string) string {
	s = strings.TrimRight(Text(s), "\n")
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + s + "\n" + fence + "\n"
}

// HTML is Text, HTML-escaped, for HTML written without a template.
func HTML(s string) string { return html.EscapeString(Text(s)) }

// Writer passes everything written to it through Text, for a document
// (an HTML page from a template) where no control character but newline
// and tab is ever legitimate: whatever field a template adds, a log string
// in it cannot carry one through. A character cut between two writes is
// held until the next; Flush writes what is held.
type Writer struct {
	w    io.Writer
	tail []byte
	conv func(string) string
}

// NewWriter returns a Writer to w that applies Text. Call Flush at the end.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, conv: Text} }

// NewJSONWriter returns a Writer to w that applies JSON to the JSON text
// written to it. Call Flush at the end.
func NewJSONWriter(w io.Writer) *Writer { return &Writer{w: w, conv: jsonString} }

func (s *Writer) Write(p []byte) (int, error) {
	n := len(p)
	if len(s.tail) > 0 {
		p = append(s.tail, p...)
		s.tail = nil
	}
	// Keep back an incomplete character at the end.
	cut := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				cut = i
			}
			break
		}
	}
	s.tail = append([]byte(nil), p[cut:]...)
	if _, err := io.WriteString(s.w, s.conv(string(p[:cut]))); err != nil {
		return 0, err
	}
	return n, nil
}

// Flush writes a character held back (then invalid: U+FFFD).
func (s *Writer) Flush() error {
	if len(s.tail) == 0 {
		return nil
	}
	t := s.tail
	s.tail = nil
	_, err := io.WriteString(s.w, s.conv(string(t)))
	return err
}

// jsonControl tells the characters JSON escapes: the controls a JSON
// encoder may leave raw. Newline, tab and carriage return stay: outside
// strings they are white space, and encoders escape them inside.
func jsonControl(r rune) bool {
	return r != '\n' && r != '\t' && r != '\r' && r != utf8.RuneError && control(r)
}

// JSON rewrites the control characters of a JSON text (see jsonControl) as
// \uXXXX escapes. They can only be inside strings, where the escape reads
// back as the same character.
func JSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, jsonControl) {
		return b
	}
	return []byte(jsonString(string(b)))
}

func jsonString(s string) string {
	if strings.IndexFunc(s, jsonControl) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		if jsonControl(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
