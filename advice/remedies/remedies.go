// Package remedies holds what the question numbers of the findings ("Q3")
// point to: one section per scenario with its symptom, how the event log
// shows it, the fixes with their settings, and examples in PySpark and
// Scala. The text is remedies.md, built into the binary; docs/remedies.md is
// a copy of it that a test keeps in step.
//
// The sections are written in a small subset of Markdown (paragraphs,
// "- " lists, fenced code, `code` and **bold**), which Text renders for a
// terminal and HTML for the report.
package remedies

import (
	_ "embed"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed remedies.md
var source string

// Source is the whole document, as Markdown.
func Source() string { return source }

// Remedy is one section.
type Remedy struct {
	ID    string // "Q6"
	Num   int    // 6
	Title string // "Skewed join keys"
	// Body is the section's Markdown, without its heading.
	Body string
}

// Label is the ID and the title: "Q6 Skewed join keys".
func (r *Remedy) Label() string { return r.ID + " " + r.Title }

// Anchor is the HTML id of the section in a report: "remedy-q6".
func (r *Remedy) Anchor() string { return "remedy-" + strings.ToLower(r.ID) }

// DocAnchor is the anchor of the section in docs/remedies.md as GitHub
// renders it: "q6-skewed-join-keys".
func (r *Remedy) DocAnchor() string {
	var b strings.Builder
	for _, c := range strings.ToLower(r.ID + ": " + r.Title) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			b.WriteRune(c)
		case c == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

var sections = parse(source)

// All returns the sections in order.
func All() []*Remedy { return sections }

// Get returns the section of an ID: "Q6", "q6" or "6".
func Get(id string) (*Remedy, bool) {
	s := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(id), "Q"), "q")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > len(sections) || sections[n-1].Num != n {
		return nil, false
	}
	return sections[n-1], true
}

// Label is "Q6 Skewed join keys" for a known ID, and the ID itself
// otherwise.
func Label(id string) string {
	if r, ok := Get(id); ok {
		return r.Label()
	}
	return id
}

// Labels labels each ID.
func Labels(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = Label(id)
	}
	return out
}

// parse cuts the document at its "## Qn: Title" headings. The sections
// must be numbered 1, 2, 3... in order (a test checks it).
func parse(doc string) []*Remedy {
	var out []*Remedy
	var cur *Remedy
	var body []string
	flush := func() {
		if cur != nil {
			cur.Body = strings.TrimSpace(strings.Join(body, "\n")) + "\n"
			out = append(out, cur)
		}
		body = body[:0]
	}
	for _, line := range strings.Split(doc, "\n") {
		if rest, ok := strings.CutPrefix(line, "## Q"); ok {
			flush()
			num, title, _ := strings.Cut(rest, ":")
			n, _ := strconv.Atoi(num)
			cur = &Remedy{ID: "Q" + num, Num: n, Title: strings.TrimSpace(title)}
			continue
		}
		if cur != nil {
			body = append(body, line)
		}
	}
	flush()
	return out
}

// block is a paragraph, a list item or a code block of a body.
type block struct {
	kind string // "p", "li", "code"
	lang string
	text string
}

func blocks(body string) []block {
	var out []block
	var para []string
	endPara := func() {
		if len(para) > 0 {
			out = append(out, block{kind: "p", text: strings.Join(para, " ")})
			para = nil
		}
	}
	lines := strings.Split(body, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "```"):
			endPara()
			b := block{kind: "code", lang: strings.TrimPrefix(line, "```")}
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				code = append(code, lines[i])
			}
			b.text = strings.Join(code, "\n")
			out = append(out, b)
		case strings.HasPrefix(line, "- "):
			endPara()
			out = append(out, block{kind: "li", text: strings.TrimPrefix(line, "- ")})
		case strings.TrimSpace(line) == "":
			endPara()
		default:
			if len(out) > 0 && out[len(out)-1].kind == "li" && len(para) == 0 && strings.HasPrefix(line, "  ") {
				out[len(out)-1].text += " " + strings.TrimSpace(line)
				continue
			}
			para = append(para, strings.TrimSpace(line))
		}
	}
	endPara()
	return out
}

// plain drops the Markdown marks of inline text.
func plain(s string) string {
	return strings.NewReplacer("**", "", "`", "").Replace(s)
}

// WriteText writes the section for a terminal of width columns (80 when
// width is 0 or narrower than 40): the label underlined, the prose wrapped
// at spaces, the lists with a hanging indent and the code indented and
// never wrapped, so that it can be copied as it is.
func (r *Remedy) WriteText(w io.Writer, width int) {
	if width < 40 {
		width = 80
	}
	head := r.Label()
	fmt.Fprintf(w, "%s\n%s\n", head, strings.Repeat("=", utf8.RuneCountInString(head)))
	for _, b := range blocks(r.Body) {
		switch b.kind {
		case "p":
			fmt.Fprintln(w)
			for _, l := range wrap(plain(b.text), width) {
				fmt.Fprintln(w, l)
			}
		case "li":
			for i, l := range wrap(plain(b.text), width-4) {
				if i == 0 {
					fmt.Fprintln(w, "  - "+l)
				} else {
					fmt.Fprintln(w, "    "+l)
				}
			}
		case "code":
			fmt.Fprintln(w)
			for _, l := range strings.Split(b.text, "\n") {
				fmt.Fprintln(w, strings.TrimRight("    "+l, " "))
			}
		}
	}
}

// wrap cuts s at spaces into lines of at most width runes; a word longer
// than the width stays whole on its own line.
func wrap(s string, width int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		if cur != "" && utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += " "
		}
		cur += word
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// HTML is the section as an HTML fragment: a <section> whose id is
// prefix+Anchor(), with a heading of the given level. Every piece of text
// is escaped; the only markup is the one made here.
func (r *Remedy) HTML(prefix string, level int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<section class=\"remedy-doc\" id=\"%s\">\n<h%d>%s</h%d>\n",
		html.EscapeString(prefix+r.Anchor()), level, html.EscapeString(r.Label()), level)
	inList := false
	for _, bl := range blocks(r.Body) {
		if bl.kind != "li" && inList {
			b.WriteString("</ul>\n")
			inList = false
		}
		switch bl.kind {
		case "p":
			fmt.Fprintf(&b, "<p>%s</p>\n", inline(bl.text))
		case "li":
			if !inList {
				b.WriteString("<ul>\n")
				inList = true
			}
			fmt.Fprintf(&b, "<li>%s</li>\n", inline(bl.text))
		case "code":
			fmt.Fprintf(&b, "<pre><code class=\"lang-%s\">%s</code></pre>\n", html.EscapeString(bl.lang), html.EscapeString(bl.text))
		}
	}
	if inList {
		b.WriteString("</ul>\n")
	}
	b.WriteString("</section>\n")
	return b.String()
}

// inline escapes text and turns `code` and **bold** into elements.
func inline(s string) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 {
			b.WriteString("<code>" + html.EscapeString(part) + "</code>")
			continue
		}
		for j, p := range strings.Split(part, "**") {
			if j%2 == 1 {
				b.WriteString("<strong>" + html.EscapeString(p) + "</strong>")
			} else {
				b.WriteString(html.EscapeString(p))
			}
		}
	}
	return b.String()
}
