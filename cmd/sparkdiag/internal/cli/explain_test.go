package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sparkdiag/sparkdiag/detectors/all"
)

// runWidth runs sparkdiag with its output fitted to width columns, as
// when piped with COLUMNS=width.
func runWidth(t *testing.T, width int, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &Streams{In: strings.NewReader(""), Out: &out, Err: &errb, Width: width}
	code := Main(args, s)
	return out.String(), errb.String(), code
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"explain", "Q6"}, ExitOK, []string{"Q6 Skewed join keys\n====", "Symptom.", "In the event log.", "spark.sql.adaptive.skewJoin.enabled=true", "    val joined"}},
		{[]string{"explain", "q30"}, ExitOK, []string{"Q30 Catching up after downtime", "maxOffsetsPerTrigger"}},
		{[]string{"explain", "SKEW001"}, ExitOK, []string{"SKEW001 task-skew", "Remedies: Q3 One task far slower than the rest; Q6 Skewed join keys"}},
		{[]string{"explain", "task-skew"}, ExitOK, []string{"SKEW001 task-skew"}},
		{[]string{"explain", "joins"}, ExitOK, []string{"Category joins: 2 detectors", "BCAST001", "broadcast-missed", "a sort-merge join shuffles"}},
		{[]string{"explain"}, ExitOK, []string{"sparkdiag detectors", "Q1 to Q30", "  Q6   Skewed join keys\n", "  Q30  Catching up after downtime\n"}},
		{[]string{"explain", "Q31"}, ExitUsage, nil},
		{[]string{"explain", "nonsense"}, ExitUsage, nil},
		{[]string{"explain", "Q6", "Q7"}, ExitUsage, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errs, code := runWidth(t, 80, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestExplainFits80: every remedy and every detector's documentation
// reads at 80 columns, and no word of a detector's text is lost.
func TestExplainFits80(t *testing.T) {
	var args []string
	for i := 1; i <= 30; i++ {
		args = append(args, fmt.Sprintf("Q%d", i))
	}
	for _, d := range all.Detectors {
		args = append(args, d.ID)
	}
	for _, a := range args {
		out, _, code := runWidth(t, 80, "explain", a)
		if code != ExitOK {
			t.Fatalf("%s: exit %d", a, code)
		}
		for _, l := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%s: line of %d columns: %q", a, n, l)
			}
		}
		if d := all.ByID(a); d != nil {
			got := strings.Join(strings.Fields(out), " ")
			for _, w := range strings.Fields(strings.NewReplacer("**", "", "`", "").Replace(d.Doc.Text + " " + d.Doc.Thresholds)) {
				if !strings.Contains(got, w) {
					t.Errorf("%s: word %q of the documentation is lost", a, w)
					break
				}
			}
		}
	}
}
