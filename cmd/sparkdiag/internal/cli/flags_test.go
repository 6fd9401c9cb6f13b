package cli

import (
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Every command that chooses an output format does it with -f/--format, and
// none has a visible flag of its own for one format (--json).
func TestFormatFlagEverywhere(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			switch {
			case f.Name == "format":
				n++
				if f.Shorthand != "f" {
					t.Errorf("%s --format has shorthand %q, want f", c.CommandPath(), f.Shorthand)
				}
			case (f.Name == "json" || f.Name == "markdown" || f.Name == "html") && !f.Hidden:
				t.Errorf("%s has a visible --%s flag: use -f %s", c.CommandPath(), f.Name, f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(&Streams{}))
	if n < 6 {
		t.Errorf("only %d commands have --format", n)
	}
}

func TestDetectorsFormat(t *testing.T) {
	out, errs, code := run(t, nil, "detectors", "-f", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var cat []map[string]any
	if err := json.Unmarshal([]byte(out), &cat); err != nil || len(cat) < 30 || cat[0]["id"] == nil {
		t.Fatalf("-f json: %d detectors, %v", len(cat), err)
	}
	// The old flag still works, and says what replaced it.
	old, errs, code := run(t, nil, "detectors", "--json")
	if code != ExitOK || old != out || !strings.Contains(errs, "-f json") {
		t.Errorf("--json: exit %d, same output %v, stderr %q", code, old == out, errs)
	}
	if text, _, code := run(t, nil, "detectors"); code != ExitOK || !strings.Contains(text, "SKEW001") {
		t.Errorf("text: exit %d\n%s", code, text)
	}
	if _, _, code := run(t, nil, "detectors", "-f", "xml"); code != ExitUsage {
		t.Errorf("-f xml: exit %d, want %d", code, ExitUsage)
	}
}
