package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// overWidth returns the lines of out wider than width, leaving aside the
// code examples, which are printed whole (a line of code broken inside a
// string literal could not be copied back).
func overWidth(out string, width int) []string {
	var bad []string
	inCode := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "   example:":
			inCode = true
			continue
		case !strings.HasPrefix(line, "      "):
			inCode = false
		}
		if !inCode && utf8.RuneCountInString(line) > width {
			bad = append(bad, line)
		}
	}
	return bad
}

// TestTextAtWidths: analyze, summary and review as text at 80 and 120
// columns, piped (plain) and on a terminal (box lines): goldens, and no
// line wider than the width.
func TestTextAtWidths(t *testing.T) {
	// Paths relative to this package, so that the output (and its
	// wrapping) does not depend on where the repository is checked out.
	v := filepath.Join("..", "..", "..", "..", "testdata", "spark", "logs", "3.5.9")
	review := []string{"review", filepath.Join(v, "skew_agg.lz4"), filepath.Join(v, "healthy"), filepath.Join(v, "join_spill.snappy"), filepath.Join(v, "scan_csv.zstd")}
	cases := map[string][]string{
		"analyze_rp_sql":  {"analyze", publicLog},
		"analyze_nds_q86": {"analyze", "../../../../testdata/public/nds_q86_test.zstd"},
		"summary_rp_sql":  {"summary", publicLog},
		"review":          review,
		"diff_skew_join":  {"diff", skewOff, skewOn},
	}
	for name, args := range cases {
		for _, width := range []int{80, 120} {
			t.Run(fmt.Sprintf("%s_%d", name, width), func(t *testing.T) {
				out, errs, code := runWidth(t, width, args...)
				if code != ExitOK {
					t.Fatalf("exit %d: %s", code, errs)
				}
				golden(t, filepath.Join("width", fmt.Sprintf("%s.%d.txt", name, width)), out)
				for _, l := range overWidth(out, width) {
					t.Errorf("line of %d columns: %q", utf8.RuneCountInString(l), l)
				}
			})
		}
	}
}

// TestPipedWidth: piped with no COLUMNS, text is fitted to PipeWidth, so no
// table rule runs hundreds of characters; COLUMNS wins over the terminal.
func TestPipedWidth(t *testing.T) {
	for _, tc := range []struct {
		tty      bool
		ttyWidth int
		columns  string
		want     int
	}{
		{false, 0, "", PipeWidth},
		{false, 0, "80", 80},
		{false, 0, "junk", PipeWidth},
		{true, 132, "", 132},
		{true, 132, "90", 90},
		{true, 0, "", 0},
	} {
		if got := outWidth(tc.tty, tc.ttyWidth, tc.columns); got != tc.want {
			t.Errorf("outWidth(%v, %d, %q) = %d, want %d", tc.tty, tc.ttyWidth, tc.columns, got, tc.want)
		}
	}
	out, _, _ := runWidth(t, PipeWidth, "analyze", "../../../../testdata/public/nds_q86_test.zstd")
	for _, l := range overWidth(out, PipeWidth) {
		t.Errorf("piped: line of %d columns: %.80q", utf8.RuneCountInString(l), l)
	}
	if !strings.Contains(out, "-----") || strings.Contains(out, strings.Repeat("-", PipeWidth+1)) {
		t.Error("piped: the table rule should be there and no wider than the width")
	}
}
