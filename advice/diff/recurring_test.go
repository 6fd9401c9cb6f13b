package diff

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// The recurring series: real runs of one nightly job (testdata/recurring,
// daily_job.py), days 01-08 with normal growth, then one regression per
// day.

func recurringDir() string { return testlogs.Testdata("recurring") }

// recurringLog finds day N's log: a file or directory under
// testdata/recurring whose name has N as a two-digit token.
func recurringLog(t *testing.T, day int) string {
	t.Helper()
	dir := recurringDir()
	tok := regexp.MustCompile(fmt.Sprintf(`(^|[^0-9])%02d([^0-9]|$)`, day))
	var found []string
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		name := e.Name()
		switch strings.ToLower(filepath.Ext(name)) {
		case ".py", ".json", ".md", ".txt", ".sh", ".crc":
			return nil
		}
		if strings.HasPrefix(name, ".") {
			return nil
		}
		if tok.MatchString(name) {
			found = append(found, p)
			if e.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if len(found) != 1 {
		t.Fatalf("day %02d: %d candidate logs under %s: %v", day, len(found), dir, found)
	}
	return found[0]
}

var recurringCache = map[int]Side{}

func recurringSide(t *testing.T, day int) Side {
	if s, ok := recurringCache[day]; ok {
		return s
	}
	s := loadSide(t, recurringLog(t, day))
	recurringCache[day] = s
	return s
}

func TestRecurringSeries(t *testing.T) {
	tests := []struct {
		base, new int
		class     string
		causes    []string // must be present
		absent    []string // must not be causes
		reason    string   // in some reason (app or stage)
	}{
		{7, 8, ClassUnchanged, nil, []string{ClassSkew, ClassSpill, ClassFailures, ClassJoin, ClassConfig}, ""},
		{8, 9, ClassProportional, nil, []string{ClassJoin, ClassFailures, ClassConfig}, "input grew 2.0x"},
		{8, 10, ClassJoin, []string{ClassJoin}, []string{ClassFailures}, "rows out of the joins grew"},
		{8, 11, ClassSkew, []string{ClassSkew, ClassConfig}, []string{ClassFailures}, "skew appeared"},
		{8, 12, ClassSpill, []string{ClassSpill, ClassConfig}, []string{ClassFailures}, "spill appeared"},
		{8, 13, ClassConfig, []string{ClassConfig}, []string{ClassFailures, ClassSkew}, "tasks 16 → 1,000"},
		{8, 14, ClassFailures, []string{ClassFailures}, []string{ClassConfig}, "3 failed tasks (was 0)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("day%02d-day%02d", tt.base, tt.new), func(t *testing.T) {
			d := Compare(recurringSide(t, tt.base), recurringSide(t, tt.new), Options{})
			t.Log(d.Headline)
			if d.Verdict.Class != tt.class {
				t.Errorf("class %q, want %q (causes %v)\n%s", d.Verdict.Class, tt.class, d.Verdict.Causes, d.Headline)
			}
			for _, c := range tt.causes {
				if !contains(d.Verdict.Causes, c) {
					t.Errorf("causes %v lack %q", d.Verdict.Causes, c)
				}
			}
			for _, c := range tt.absent {
				if contains(d.Verdict.Causes, c) {
					t.Errorf("causes %v include %q", d.Verdict.Causes, c)
				}
			}
			if len(d.Warnings) != 0 {
				t.Errorf("warnings %v", d.Warnings)
			}
			if len(d.NewStages)+len(d.RemovedStages) != 0 && tt.class != ClassConfig {
				t.Errorf("%d new and %d removed stages: the same job should match stage for stage", len(d.NewStages), len(d.RemovedStages))
			}
			if tt.reason != "" {
				var all []string
				for _, r := range d.Reasons {
					all = append(all, r.Message)
				}
				for _, s := range d.Stages {
					for _, r := range s.Reasons {
						all = append(all, r.Message)
					}
				}
				if !strings.Contains(strings.Join(all, "\n"), tt.reason) {
					t.Errorf("no reason %q in:\n%s", tt.reason, strings.Join(all, "\n"))
				}
			}
		})
	}
}
