package diff

import (
	"fmt"
	"strings"
	"testing"
)

// sigMatcher aligns two lists of one-letter signatures: equal letters are
// identical signatures, different letters score 1 (nothing in common), or
// partial[a+b] when given.
func sigMatcher(a, b []string, partial map[string]int) *groupMatcher {
	sides := [2][]string{a, b}
	return &groupMatcher{
		sig: func(side, i int) string { return sides[side][i] },
		score: func(i, j int) int {
			if s, ok := partial[a[i]+b[j]]; ok {
				return s
			}
			return 1
		},
	}
}

// pairsText shows pairs as "iBASE-jNEW", by NEW.
func pairsText(ps [][2]int) string {
	var out []string
	for _, p := range sortedByB(ps) {
		out = append(out, fmt.Sprintf("%d-%d", p[0], p[1]))
	}
	return strings.Join(out, " ")
}

func sortedByB(ps [][2]int) [][2]int {
	out := append([][2]int(nil), ps...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j][1] < out[j-1][1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestAlignGroup(t *testing.T) {
	tests := []struct {
		desc      string
		base, new string // one signature a letter
		partial   map[string]int
		want      string
	}{
		{"identical groups: in order", "LLOCJW", "LLOCJW", nil, "0-0 1-1 2-2 3-3 4-4 5-5"},
		{"same length, one stage changed: still in order", "LOJW", "LOXW", nil, "0-0 1-1 2-2 3-3"},
		{"an insertion in the middle", "LLOJW", "LLOCJW", nil, "0-0 1-1 2-2 3-4 4-5"},
		{"a deletion in the middle", "LLOCJW", "LLOJW", nil, "0-0 1-1 2-2 4-3 5-4"},
		{"two different signatures swapped", "OCJ", "COJ", nil, "1-0 0-1 2-2"},
		{"an extra occurrence of the same signature is the last", "AA", "AAA", nil, "0-0 1-1"},
		{"an insertion and a changed stage: the changed one pairs with its likeliest partner",
			"OJW", "OCKW", map[string]int{"JC": 2, "JK": 8}, "0-0 1-2 2-3"},
		{"a swap with the rest changed: crossing leftovers still pair", "AX", "YA", nil, "1-0 0-1"},
		{"an insertion before a run of equal stages", "SSJ", "XSSJ", nil, "0-1 1-2 2-3"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			a, b := strings.Split(tt.base, ""), strings.Split(tt.new, "")
			got := pairsText(sigMatcher(a, b, tt.partial).align(indexes(len(a)), indexes(len(b))))
			if got != tt.want {
				t.Errorf("%s vs %s: pairs %q, want %q", tt.base, tt.new, got, tt.want)
			}
		})
	}
}

// A group too large for the table: trimmed of its common head and tail,
// then aligned, or paired in order when what is left is still too large.
func TestAlignGroupLarge(t *testing.T) {
	const n = 600 // 600×601 cells > alignMaxCells
	if n*(n+1) <= alignMaxCells {
		t.Fatal("the group is not large enough")
	}
	t.Run("insertion in the middle of a loop: trimmed", func(t *testing.T) {
		var a, b []string
		for i := 0; i < n; i++ {
			a = append(a, "A")
			if i == n/2 {
				b = append(b, "X")
			}
			b = append(b, "A")
		}
		ps := sortedByB(sigMatcher(a, b, nil).align(indexes(n), indexes(n+1)))
		if len(ps) != n {
			t.Fatalf("%d pairs, want %d", len(ps), n)
		}
		for _, p := range ps {
			if p[1] == n/2 {
				t.Fatalf("the inserted stage is paired: %v", p)
			}
			want := p[1]
			if p[1] > n/2 {
				want--
			}
			if p[0] != want {
				t.Fatalf("pair %v, want %d-%d", p, want, p[1])
			}
		}
	})
	t.Run("no common head or tail: in order", func(t *testing.T) {
		var a, b []string
		for i := 0; i < n; i++ {
			a = append(a, string(rune('A'+i%2)))
		}
		b = append(b, "X")
		for i := 0; i < n; i++ {
			b = append(b, string(rune('A'+i%2)))
		}
		b[n] = "Y" // the tails differ
		ps := sortedByB(sigMatcher(a, b, nil).align(indexes(n), indexes(n+1)))
		if len(ps) != n {
			t.Fatalf("%d pairs, want %d", len(ps), n)
		}
		for k, p := range ps {
			if p[0] != k || p[1] != k {
				t.Fatalf("pair %d is %v, want in order", k, p)
			}
		}
	})
}

func TestJaccard4(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 4}, {"a b", "a b", 4}, {"a b", "c d", 0}, {"a b c", "a b d", 2}, {"a b c d", "a b c e", 2}, {"a", "a b c d", 1},
	} {
		if got := jaccard4(strings.Fields(tt.a), strings.Fields(tt.b)); got != tt.want {
			t.Errorf("jaccard4(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// BenchmarkAlignGroup is the largest group aligned in full: 511×512.
func BenchmarkAlignGroup(b *testing.B) {
	var x, y []string
	for i := 0; i < 511; i++ {
		x = append(x, string(rune('A'+i%7)))
		y = append(y, string(rune('A'+(i+3)%5)))
	}
	y = append(y, "Z")
	if len(x)*len(y) > alignMaxCells {
		b.Fatal("too large for the table")
	}
	g := sigMatcher(x, y, nil)
	ia, ib := indexes(len(x)), indexes(len(y))
	for b.Loop() {
		g.align(ia, ib)
	}
}
