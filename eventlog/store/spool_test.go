package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestSpool(t *testing.T) {
	for _, c := range []struct {
		name    string
		writes  []string
		fail    error
		wantErr string
	}{
		{name: "several writes", writes: []string{`{"Event":"SparkListenerLogStart"}`, "\n", `{"Event":"SparkListenerApplicationEnd"}`}},
		{name: "nothing written", writes: nil},
		{name: "upload fails", writes: []string{"x"}, fail: errors.New("s3://b/k: access denied"), wantErr: "access denied"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			var got bytes.Buffer
			var gotSize int64
			calls := 0
			w, err := newSpool(func(_ context.Context, f *os.File, size int64) error {
				calls++
				gotSize = size
				if _, err := io.Copy(&got, f); err != nil {
					return err
				}
				return c.fail
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.writes {
				if _, err := io.WriteString(w, s); err != nil {
					t.Fatal(err)
				}
			}
			if calls != 0 {
				t.Fatal("uploaded before Close")
			}
			err = w.Close()
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("Close = %v, want error %q", err, c.wantErr)
			}
			if err2 := w.Close(); !errors.Is(err2, err) && err2 != err {
				t.Errorf("second Close = %v, want the first's %v", err2, err)
			}
			want := strings.Join(c.writes, "")
			if calls != 1 || got.String() != want || gotSize != int64(len(want)) {
				t.Errorf("upload called %d times with %q (size %d), want once with %q (size %d)", calls, got.String(), gotSize, want, len(want))
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}
