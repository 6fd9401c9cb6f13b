package historyserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrNotFound matches (with errors.Is) a 404 answer: no such application
// or attempt, or no History Server API at that address.
var ErrNotFound = errors.New("not found on the History Server")

// HTTPError is an answer other than 2xx.
type HTTPError struct {
	URL        string // the request's URL, without user information
	StatusCode int
	Status     string // "404 Not Found"
	// Body is the start of the answer's body on one line, for the
	// message.
	Body string
	// App and Attempt name the application asked about, if any.
	App, Attempt string
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	what := "the History Server"
	if e.App != "" {
		what = "application " + e.App
		if e.Attempt != "" {
			what += " attempt " + e.Attempt
		}
	}
	switch e.StatusCode {
	case http.StatusNotFound:
		if e.App != "" {
			fmt.Fprintf(&b, "%s not found on the History Server (404)", what)
		} else {
			b.WriteString("not found (404): is this the address of a Spark History Server?")
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		fmt.Fprintf(&b, "the History Server refused access (%s): check the credentials", e.Status)
	default:
		fmt.Fprintf(&b, "%s: the History Server answered %s", what, e.Status)
	}
	fmt.Fprintf(&b, ": GET %s", e.URL)
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *HTTPError) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

func newHTTPError(r request, resp *http.Response, body io.Reader) *HTTPError {
	head, _ := io.ReadAll(io.LimitReader(body, 4096))
	status := resp.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return &HTTPError{
		URL:        r.url.String(),
		StatusCode: resp.StatusCode,
		Status:     status,
		Body:       excerpt(head, 200),
		App:        r.app,
		Attempt:    r.attempt,
	}
}

// excerpt is the start of b as one line of at most n runes of printable
// text; HTML tags are dropped, so that an error page reads as its text.
func excerpt(b []byte, n int) string {
	var out strings.Builder
	inTag, space := false, false
	count := 0
	for len(b) > 0 && count < n {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == '<':
			inTag = true
			continue
		case r == '>' && inTag:
			inTag = false
			space = true
			continue
		case inTag:
			continue
		case r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r):
			space = true
			continue
		}
		if space && out.Len() > 0 {
			out.WriteByte(' ')
			count++
		}
		space = false
		out.WriteRune(r)
		count++
	}
	s := out.String()
	if count >= n {
		s += "..."
	}
	return s
}

// idleReader aborts (through onIdle) when no Read makes progress for the
// idle time.
type idleReader struct {
	r     io.Reader
	idle  time.Duration
	mu    sync.Mutex
	timer *time.Timer
}

func newIdleReader(r io.Reader, idle time.Duration, onIdle func()) *idleReader {
	return &idleReader{r: r, idle: idle, timer: time.AfterFunc(idle, onIdle)}
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.mu.Lock()
		if r.timer != nil {
			r.timer.Reset(r.idle)
		}
		r.mu.Unlock()
	}
	return n, err
}

func (r *idleReader) stop() {
	r.mu.Lock()
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.mu.Unlock()
}
