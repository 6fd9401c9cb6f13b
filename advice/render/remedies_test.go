package render

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/advice/remedies"
)

// TestRemediesNamedAndLinked: every format names the remedies a finding
// cites by their titles; the HTML page embeds their sections and links
// each finding to them, inside the page, with nothing fetched from outside.
func TestRemediesNamedAndLinked(t *testing.T) {
	r := fixtures(t)["nds_q86"]
	cited := map[string]bool{}
	for i := range r.Findings {
		for _, q := range r.Findings[i].Advice.Questions {
			cited[q] = true
		}
	}
	if len(cited) == 0 {
		t.Fatal("the fixture cites no remedy")
	}
	page := render(t, "html", Options{}, r)
	text := render(t, "text", Options{}, r)
	md := render(t, "markdown", Options{}, r)
	for q := range cited {
		rm, ok := remedies.Get(q)
		if !ok {
			t.Fatalf("%s has no section", q)
		}
		for name, out := range map[string]string{"text": text, "markdown": md} {
			if !strings.Contains(out, rm.Label()) {
				t.Errorf("%s does not name %q", name, rm.Label())
			}
		}
		if !strings.Contains(page, `<a href="#`+rm.Anchor()+`">`+rm.Label()+`</a>`) {
			t.Errorf("HTML: no link to %s", rm.Label())
		}
		if !strings.Contains(page, `<section class="remedy-doc" id="`+rm.Anchor()+`">`) {
			t.Errorf("HTML: section %s not embedded", q)
		}
	}
	// Only the cited sections are embedded.
	if n := strings.Count(page, `class="remedy-doc"`); n != len(cited) {
		t.Errorf("HTML embeds %d remedy sections, want %d", n, len(cited))
	}
	if regexp.MustCompile(`(?i)(href|src)="(https?:|//)`).MatchString(page) {
		t.Error("HTML links outside the page")
	}
	// A report without findings has no remedies section.
	if strings.Contains(render(t, "html", Options{}, fixtures(t)["rp_sql"]), `<section class="remedy-doc"`) {
		t.Error("a report without findings embeds remedies")
	}
}
