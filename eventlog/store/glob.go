package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// HasMeta reports whether p holds glob metacharacters.
func HasMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// Glob expands a pattern (path.Match syntax in any element, such as
// "*/spark-job-history") over a store's paths, one level at a time: only
// the directories that match a level are listed for the next. It returns
// the paths that exist, sorted.
func Glob(ctx context.Context, fsys FS, pattern string) ([]string, error) {
	parts := strings.Split(pattern, "/")
	cur := []string{""}
	for i, seg := range parts {
		last := i == len(parts)-1
		var next []string
		for _, dir := range cur {
			if !HasMeta(seg) {
				next = append(next, joinPath(dir, seg))
				continue
			}
			if _, err := path.Match(seg, ""); err != nil {
				return nil, fmt.Errorf("%s: bad pattern: %w", fsys.Label(pattern), err)
			}
			entries, err := fsys.List(ctx, dir)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return nil, err
			}
			for _, e := range entries {
				if ok, _ := path.Match(seg, e.Name); ok && (e.Dir || last) {
					next = append(next, joinPath(dir, e.Name))
				}
			}
		}
		cur = next
	}
	// Literal elements after a pattern were not listed: keep only the
	// paths that exist.
	if lastMeta := strings.LastIndexFunc(pattern, func(r rune) bool { return strings.ContainsRune("*?[", r) }); lastMeta >= 0 && strings.Contains(pattern[lastMeta:], "/") {
		kept := cur[:0]
		for _, p := range cur {
			if _, err := fsys.Stat(ctx, p); err == nil {
				kept = append(kept, p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		cur = kept
	}
	sort.Strings(cur)
	return cur, nil
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
