package codec

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestZstdWindow reads logs written by the zstd tool with large windows: a
// 128 MiB window (what Databricks Runtime 13.3 writes, and the largest
// `zstd -d` accepts by default) is read with the default options; a 256 MiB
// window is refused with a message naming the flag and the environment
// variable that allow it, and read once either raises the limit.
func TestZstdWindow(t *testing.T) {
	want := readFixture(t, "spark-3.5.9.plain")
	w27 := readFixture(t, "window-128MiB.zstd")
	w28 := readFixture(t, "window-256MiB.zstd")
	t.Setenv(ZstdWindowEnv, "")

	read := func(data []byte, opts Options) ([]byte, error) {
		out, c, err := decodeBytes(data, Unknown, opts)
		if c != Zstd {
			t.Errorf("codec = %q, want zstd", c)
		}
		if err == io.EOF {
			err = nil // the clean end
		}
		return out, err
	}

	// Default options (and the zero Options) read a 128 MiB window.
	for _, opts := range []Options{DefaultOptions(), {}} {
		out, err := read(w27, opts)
		if err != nil {
			t.Fatalf("128 MiB window: %v", err)
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("128 MiB window: decoded %d bytes, want %d", len(out), len(want))
		}
	}

	// 256 MiB: refused, with a message saying how to allow it.
	_, err := read(w28, DefaultOptions())
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("256 MiB window: err = %v, want *CorruptError", err)
	}
	for _, s := range []string{"128 MiB", "--zstd-max-window", ZstdWindowEnv} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("256 MiB window: message %q does not name %q", err, s)
		}
	}

	// Raised by the option...
	opts := DefaultOptions()
	opts.MaxZstdWindow = 256 << 20
	if out, err := read(w28, opts); err != nil || !bytes.Equal(out, want) {
		t.Errorf("256 MiB window with MaxZstdWindow = 256 MiB: %d bytes, %v", len(out), err)
	}
	// ... or by the environment when the option is left zero.
	t.Setenv(ZstdWindowEnv, "256")
	if out, err := read(w28, DefaultOptions()); err != nil || !bytes.Equal(out, want) {
		t.Errorf("256 MiB window with %s=256: %d bytes, %v", ZstdWindowEnv, len(out), err)
	}
	// An explicit option wins over the environment.
	opts.MaxZstdWindow = 64 << 20
	if _, err := read(w27, opts); !errors.As(err, &ce) || !strings.Contains(err.Error(), "64 MiB") {
		t.Errorf("128 MiB window with MaxZstdWindow = 64 MiB: err = %v, want a 64 MiB limit", err)
	}
}

func TestEnvZstdWindow(t *testing.T) {
	tests := []struct {
		env  string
		want int
	}{
		{"", DefaultMaxZstdWindow},
		{"512", 512 << 20},
		{" 1 ", 1 << 20},
		{"0", DefaultMaxZstdWindow},
		{"-5", DefaultMaxZstdWindow},
		{"lots", DefaultMaxZstdWindow},
		{"99999999999", maxZstdWindowLimit},
	}
	for _, tt := range tests {
		t.Setenv(ZstdWindowEnv, tt.env)
		if got := envZstdWindow(); got != tt.want {
			t.Errorf("%s=%q: %d, want %d", ZstdWindowEnv, tt.env, got, tt.want)
		}
	}
}
