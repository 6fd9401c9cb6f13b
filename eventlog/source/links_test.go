//go:build unix

package source

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDiscoverLinkCycles: a folder with symbolic links back to itself and
// to its parents (k links in cycles gave k^8 copies of every log, down to
// the depth limit), a link to a sibling directory and a link to a file.
// Every real file must be resolved once, and each link that closes a cycle
// (or leads to a directory already searched) reported by name.
func TestDiscoverLinkCycles(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"local-1":                               ev("top"),
		"a/local-2":                             ev("a"),
		"a/b/local-3":                           ev("b"),
		"eventlog_v2_local-4/events_1_local-4":  ev("r1"),
		"eventlog_v2_local-4/appstatus_local-4": "",
	})
	links := map[string]string{
		"loop":          ".",                      // to the root itself
		"a/up":          "..",                     // to its parent
		"a/b/upup":      "../..",                  // to its grandparent
		"a/b/again":     "..",                     // a second link to a
		"v2-again":      "eventlog_v2_local-4",    // a second path to a rolling log
		"same-as-local": "local-1",                // a second name for a file
		"a/b/abs":       filepath.Join(root, "a"), // an absolute link
	}
	for l, target := range links {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(l))); err != nil {
			t.Fatal(err)
		}
	}
	logs, errs := Discover(root)
	var got []string
	for _, l := range logs {
		rel, _ := filepath.Rel(root, l.Path)
		got = append(got, filepath.ToSlash(rel))
	}
	want := []string{"a/b/local-3", "a/local-2", "eventlog_v2_local-4", "local-1"}
	if !slices.Equal(got, want) {
		t.Errorf("logs = %q, want each real log once: %q", got, want)
	}
	var reported []string
	for _, err := range errs {
		var lc *LinkCycleError
		if !errors.As(err, &lc) {
			t.Errorf("unexpected error: %v", err)
			continue
		}
		rel, _ := filepath.Rel(root, lc.Link)
		reported = append(reported, filepath.ToSlash(rel))
		if !strings.Contains(err.Error(), lc.Link) || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("message %q does not name the link", err)
		}
	}
	slices.Sort(reported)
	wantLinks := []string{"a/b/abs", "a/b/again", "a/b/upup", "a/up", "loop", "v2-again"}
	if !slices.Equal(reported, wantLinks) {
		t.Errorf("reported links = %q, want %q", reported, wantLinks)
	}
}
