package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// Streams are the command's input and outputs, with what is known of the
// terminal. Tests use buffers.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	OutTTY bool // stdout is a terminal: tables fitted to Width
	Color  bool // use colour on stdout (a terminal, and NO_COLOR unset)
	ErrTTY bool // stderr is a terminal: progress
	Width  int  // terminal width in columns (0 = unlimited)
	// ErrWidth is the width of stderr when it is a terminal (0 =
	// unknown): progress lines are cut to it so that they redraw in place.
	ErrWidth int
}

// StdStreams returns the process's standard streams.
func StdStreams() *Streams {
	s := &Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
	if term.IsTerminal(int(os.Stdout.Fd())) {
		s.OutTTY = true
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.Width = w
		}
		if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
			s.Width = c
		}
	}
	s.ErrTTY = term.IsTerminal(int(os.Stderr.Fd()))
	if s.ErrTTY {
		if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil {
			s.ErrWidth = w
		}
	}
	s.Color = s.OutTTY && os.Getenv("NO_COLOR") == ""
	return s
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
