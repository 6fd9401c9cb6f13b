// Package render writes an advice.Report as text for a terminal, JSON,
// Markdown or a self-contained HTML page. Every format reads only the
// Report, so they all say the same thing.
package render

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice"
)

// Renderer writes reports in one format.
type Renderer interface {
	// Render writes one report.
	Render(w io.Writer, r *advice.Report) error
	// RenderAll writes the reports of several applications as one
	// document (a JSON array, one HTML page, ...).
	RenderAll(w io.Writer, rs []*advice.Report) error
}

// Options tune the renderers; the zero value gives plain, stable output.
type Options struct {
	// Terminal draws text tables with box characters and fits text to Width.
	Terminal bool
	// Color uses ANSI colours in text.
	Color bool
	// Width is the terminal width in columns (0: unlimited).
	Width int
	// Compact JSON: one line, without the charts section.
	Compact bool
}

// Formats are the format names ByName accepts, with their aliases.
var formats = map[string]string{
	"text": "text", "txt": "text",
	"json":     "json",
	"markdown": "markdown", "md": "markdown",
	"html": "html", "htm": "html",
}

// extensions maps file extensions to formats.
var extensions = map[string]string{
	".txt": "text", ".text": "text", ".json": "json", ".md": "markdown", ".markdown": "markdown",
	".html": "html", ".htm": "html",
}

// Names lists the canonical format names.
func Names() []string { return []string{"text", "json", "markdown", "html"} }

// ByName returns the renderer of a format: text, json, markdown (md) or
// html.
func ByName(format string, o Options) (Renderer, error) {
	switch formats[strings.ToLower(format)] {
	case "text":
		return &Text{Options: o}, nil
	case "json":
		return &JSON{Compact: o.Compact}, nil
	case "markdown":
		return &Markdown{}, nil
	case "html":
		return &HTML{}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Names(), ", "))
}

// FormatOf returns the format a file name's extension asks for.
func FormatOf(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if f, ok := extensions[ext]; ok {
		return f, nil
	}
	var exts []string
	for e := range extensions {
		exts = append(exts, e)
	}
	sort.Strings(exts)
	return "", fmt.Errorf("cannot tell the format of %q from its extension (want one of %s)", path, strings.Join(exts, " "))
}

// ByExtension returns the renderer for a file name's extension: .txt,
// .json, .md or .html.
func ByExtension(path string, o Options) (Renderer, error) {
	f, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	return ByName(f, o)
}
