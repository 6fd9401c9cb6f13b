package historyserver

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// The first bytes of a zip archive: a local file header, or the end of
// the central directory of an archive without entries.
var (
	zipMagic      = []byte("PK\x03\x04")
	emptyZipMagic = []byte("PK\x05\x06")
)

// Download fetches the event logs of one application attempt (attemptID
// "" for an application without attempt ids, or to let the server pick)
// as the zip archive the History Server builds, into dir, and returns the
// archive's path: dir/<appID>[_<attemptID>].zip, replacing a file of that
// name. dir must exist ("" is the current directory). The caller deletes
// the archive when done.
func (c *Client) Download(ctx context.Context, appID, attemptID, dir string) (string, error) {
	if err := checkID("application", appID); err != nil {
		return "", err
	}
	segs := []string{"applications", appID}
	if attemptID != "" {
		if err := checkID("attempt", attemptID); err != nil {
			return "", err
		}
		segs = append(segs, attemptID)
	}
	segs = append(segs, "logs")
	u := c.endpoint(nil, segs...)

	if dir == "" {
		dir = "."
	}
	if fi, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("downloading the event logs of %s: %w", appID, err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("downloading the event logs of %s: %s is not a directory", appID, dir)
	}

	name := fileName(appID)
	if attemptID != "" {
		name += "_" + fileName(attemptID)
	}
	dst := filepath.Join(dir, name+".zip")

	err := c.do(ctx, request{url: u, app: appID, attempt: attemptID,
		handle: func(resp *http.Response, body io.Reader) error {
			return saveZip(resp, body, dst, c.opts.MaxDownload)
		}})
	if err != nil {
		return "", err
	}
	return dst, nil
}

func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("no %s id given", what)
	}
	if id == "." || id == ".." {
		return fmt.Errorf("%s id %q is not valid", what, id)
	}
	return nil
}

// fileName keeps the characters of an id that are safe in a file name.
func fileName(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, id)
}

// ErrTooLarge is wrapped by the error of a download larger than
// Options.MaxDownload.
var ErrTooLarge = errors.New("log archive too large")

// saveZip streams body into a temporary file beside dst, checks it is a
// complete zip archive and renames it to dst. An archive of more than max
// bytes is refused (before reading, when the server says its length). The
// temporary file is removed on any error, a cancelled context included.
func saveZip(resp *http.Response, body io.Reader, dst string, max int64) (err error) {
	u := resp.Request.URL
	tooLarge := func() error {
		return fmt.Errorf("GET %s: the log archive is larger than %d bytes, the limit of one download: %w", u, max, ErrTooLarge)
	}
	if max > 0 && resp.ContentLength > max {
		return tooLarge()
	}
	head := make([]byte, len(zipMagic))
	n, rerr := io.ReadFull(body, head)
	head = head[:n]
	if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
		return retry(fmt.Errorf("GET %s: %w", u, rerr))
	}
	if !bytes.Equal(head, zipMagic) && !bytes.Equal(head, emptyZipMagic) {
		if rerr == io.ErrUnexpectedEOF && resp.ContentLength > int64(n) {
			return retry(fmt.Errorf("GET %s: the answer broke off after %d bytes", u, n))
		}
		more, _ := io.ReadAll(io.LimitReader(body, 512))
		if n == 0 {
			return fmt.Errorf("GET %s: empty answer, expected a zip archive of event logs", u)
		}
		return fmt.Errorf("GET %s: the answer is not a zip archive (Content-Type %q): %q; is this the History Server's address, or a login page?",
			u, resp.Header.Get("Content-Type"), excerpt(append(head, more...), 200))
	}

	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return fmt.Errorf("saving the event logs: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(head); err != nil {
		return fmt.Errorf("saving the event logs to %s: %w", f.Name(), err)
	}
	w := &writeErr{w: f}
	src := body
	if max > 0 {
		src = io.LimitReader(body, max-int64(len(head))+1)
	}
	size, err := io.Copy(w, src)
	size += int64(len(head))
	if err == nil && max > 0 && size > max {
		return tooLarge()
	}
	if err != nil {
		if w.err != nil {
			return fmt.Errorf("saving the event logs to %s: %w", f.Name(), w.err)
		}
		return retry(fmt.Errorf("GET %s: the answer broke off after %d bytes: %w", u, size, err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving the event logs to %s: %w", f.Name(), err)
	}
	if err := checkZip(f.Name()); err != nil {
		// The body ended cleanly, yet the archive is incomplete: the
		// server may have failed while writing it (it has already said
		// 200 by then); try again.
		return retry(fmt.Errorf("GET %s: the answer (%d bytes) is not a complete zip archive: %w", u, size, err))
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return fmt.Errorf("saving the event logs: %w", err)
	}
	return nil
}

// writeErr tells write errors (the disk) from read errors (the network)
// after io.Copy.
type writeErr struct {
	w   io.Writer
	err error
}

func (w *writeErr) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// checkZip reads the archive's central directory back.
func checkZip(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return err
	}
	return zr.Close()
}
