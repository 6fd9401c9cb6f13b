package remedies

import (
	"flag"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var update = flag.Bool("update", false, "rewrite docs/remedies.md from remedies.md")

// TestDocsCopy keeps docs/remedies.md identical to the text built into the
// binary.
func TestDocsCopy(t *testing.T) {
	testlogs.Golden(t, "../../docs/remedies.md", Source(), *update)
}

var sparkKey = regexp.MustCompile(`spark\.[a-zA-Z0-9.]+=`)

// TestSections checks that Q1 to Q30 are there, in order, each with a
// title, the four parts and both examples, and that every fix list names at
// least one setting or method.
func TestSections(t *testing.T) {
	rs := All()
	if len(rs) != 30 {
		t.Fatalf("%d sections, want 30", len(rs))
	}
	keys := 0
	for i, r := range rs {
		if r.Num != i+1 || r.ID != "Q"+strconv.Itoa(i+1) {
			t.Errorf("section %d is %s (%d)", i+1, r.ID, r.Num)
		}
		if r.Title == "" || len(r.Title) > 60 || strings.HasSuffix(r.Title, ".") {
			t.Errorf("%s: title %q should be short, without a final period", r.ID, r.Title)
		}
		for _, part := range []string{"**Symptom.**", "**In the event log.**", "**Fixes.**", "**PySpark**\n\n```python\n", "**Scala**\n\n```scala\n"} {
			if !strings.Contains(r.Body, part) {
				t.Errorf("%s: no %q", r.ID, part)
			}
		}
		var lis int
		for _, b := range blocks(r.Body) {
			if b.kind == "li" {
				lis++
			}
		}
		if lis == 0 {
			t.Errorf("%s: no fixes listed", r.ID)
		}
		keys += len(sparkKey.FindAllString(r.Body, -1))
	}
	if keys < 50 {
		t.Errorf("only %d settings with values across the sections", keys)
	}
}

func TestGet(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"Q6", "Q6"}, {"q6", "Q6"}, {"6", "Q6"}, {" Q30 ", "Q30"}, {"Q1", "Q1"},
		{"Q0", ""}, {"Q31", ""}, {"Qx", ""}, {"", ""}, {"SKEW001", ""},
	} {
		r, ok := Get(tc.in)
		got := ""
		if ok {
			got = r.ID
		}
		if got != tc.want {
			t.Errorf("Get(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Label("Q6"); got != "Q6 Skewed join keys" {
		t.Errorf("Label(Q6) = %q", got)
	}
	if r, _ := Get("Q20"); r.DocAnchor() != "q20-failures-late-in-a-job-restartable-writes" {
		t.Errorf("DocAnchor(Q20) = %q", r.DocAnchor())
	}
	if got := Label("Q99"); got != "Q99" {
		t.Errorf("Label(Q99) = %q", got)
	}
}

// TestTextWidth: every section printed for a terminal fits 80 columns, the
// code is printed as written (not wrapped) and no Markdown marks are left
// in the prose.
func TestTextWidth(t *testing.T) {
	for _, r := range All() {
		for _, width := range []int{80, 100} {
			var b strings.Builder
			r.WriteText(&b, width)
			out := b.String()
			for _, line := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("%s at %d columns: line of %d: %q", r.ID, width, n, line)
				}
				if !strings.HasPrefix(line, "    ") && strings.ContainsAny(line, "`*") {
					t.Errorf("%s: Markdown mark left in %q", r.ID, line)
				}
			}
			for _, bl := range blocks(r.Body) {
				if bl.kind != "code" {
					continue
				}
				for _, l := range strings.Split(bl.text, "\n") {
					if !strings.Contains(out, strings.TrimRight("    "+l, " ")+"\n") {
						t.Errorf("%s: code line %q is not printed whole", r.ID, l)
					}
				}
			}
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"a b c", 3, []string{"a b", "c"}},
		{"spark.sql.adaptive.skewJoin.enabled=true is on", 10, []string{"spark.sql.adaptive.skewJoin.enabled=true", "is on"}},
		{"", 10, nil},
		{"one two three", 80, []string{"one two three"}},
	} {
		if got := wrap(tc.in, tc.width); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestHTML(t *testing.T) {
	r := &Remedy{ID: "Q7", Num: 7, Title: "A <title>", Body: "**Bold.** x < y `a<b>` end\n\n- item `k=v`\n- two\n\n```python\nif a < b: print(\"&\")\n```\n"}
	got := r.HTML("r1-", 3)
	want := `<section class="remedy-doc" id="r1-remedy-q7">
<h3>Q7 A &lt;title&gt;</h3>
<p><strong>Bold.</strong> x &lt; y <code>a&lt;b&gt;</code> end</p>
<ul>
<li>item <code>k=v</code></li>
<li>two</li>
</ul>
<pre><code class="lang-python">if a &lt; b: print(&#34;&amp;&#34;)</code></pre>
</section>
`
	if got != want {
		t.Errorf("HTML:\n%s\nwant:\n%s", got, want)
	}
}
