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
	OutTTY bool // stdout is a terminal: box lines, colour
	Color  bool // use colour on stdout (a terminal, and NO_COLOR unset)
	ErrTTY bool // stderr is a terminal: progress
	// Width is the width text output is fitted to, in columns (0 =
	// unlimited): the terminal's, COLUMNS, or PipeWidth when piped.
	Width int
	// ErrWidth is the width of stderr when it is a terminal (0 =
	// unknown): progress lines are cut to it so that they redraw in place.
	ErrWidth int
}

// StdStreams returns the process's standard streams.
func StdStreams() *Streams {
	s := &Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
	ttyWidth := 0
	if term.IsTerminal(int(os.Stdout.Fd())) {
		s.OutTTY = true
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			ttyWidth = w
		}
	}
	s.Width = outWidth(s.OutTTY, ttyWidth, os.Getenv("COLUMNS"))
	s.ErrTTY = term.IsTerminal(int(os.Stderr.Fd()))
	if s.ErrTTY {
		if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil {
			s.ErrWidth = w
		}
	}
	s.Color = s.OutTTY && os.Getenv("NO_COLOR") == ""
	return s
}

// PipeWidth is the width of text output sent to a pipe or a file when
// COLUMNS does not say: wide enough for a review, narrow enough that no
// table rule runs hundreds of characters.
const PipeWidth = 100

// outWidth is the width to fit text output to: COLUMNS when set (it wins,
// as in other tools), else the terminal's width, else PipeWidth when
// piped.
func outWidth(tty bool, ttyWidth int, columns string) int {
	if c, err := strconv.Atoi(columns); err == nil && c > 0 {
		return c
	}
	if tty {
		return ttyWidth
	}
	return PipeWidth
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
