package historyserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Status selects applications by state in ListOptions.
type Status string

// The states the History Server filters on. An application is running
// when its newest attempt has not completed.
const (
	All       Status = ""
	Completed Status = "completed"
	Running   Status = "running"
)

// ListOptions filter Client.List. Zero values do not filter.
type ListOptions struct {
	Status Status
	// MinDate and MaxDate bound an attempt's start time, MinEndDate and
	// MaxEndDate its end time; bounds are included, in milliseconds. A
	// running application passes MaxEndDate only when it is in the future.
	MinDate, MaxDate       time.Time
	MinEndDate, MaxEndDate time.Time
	// Limit caps the number of applications (0: no cap). The server
	// returns the most recent first.
	Limit int
	// OnSkip, when set, is told of each entry of the list that cannot be
	// read (a "NaN" duration, a date in another form): the entry is left
	// out and the others are kept.
	OnSkip func(SkippedApp)
}

// SkippedApp is an entry of the application list that could not be read.
type SkippedApp struct {
	// Index is the entry's position in the list, from 0; ID its "id"
	// when that much could be read.
	Index int
	ID    string
	Err   error
}

func (s SkippedApp) String() string {
	if s.ID != "" {
		return fmt.Sprintf("entry %d (%s): %v", s.Index+1, s.ID, s.Err)
	}
	return fmt.Sprintf("entry %d: %v", s.Index+1, s.Err)
}

// ErrListTooLong is wrapped by the error of a list longer than
// Options.MaxApps entries, or with an entry larger than maxEntryBytes.
var ErrListTooLong = errors.New("application list too long")

// maxEntryBytes caps one entry of the application list: the largest real
// ones, with a few dozen attempts, are a few kilobytes.
const maxEntryBytes = 1 << 20

// App is one application of the list.
type App struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Attempts are newest first, as the server sends them.
	Attempts []Attempt `json:"attempts"`
}

// Completed tells whether the application has ended: as the server
// decides it, whether its newest attempt has completed.
func (a *App) Completed() bool {
	return len(a.Attempts) > 0 && a.Attempts[0].Completed
}

// Attempt is one attempt of an application.
type Attempt struct {
	// ID is the attempt id ("1", "2", ...), empty for an application that
	// has a single attempt without an id (local and standalone mode).
	ID string
	// StartTime, EndTime and LastUpdated are in UTC. EndTime is zero while
	// the attempt runs (the server sends epoch -1), LastUpdated when the
	// server does not know it.
	StartTime, EndTime, LastUpdated time.Time
	// The same times in epoch milliseconds, as the server sends them (or
	// derived from the dates from servers that do not send them).
	StartTimeEpoch, EndTimeEpoch, LastUpdatedEpoch int64
	// Duration is the end minus the start; 0 while running.
	Duration        time.Duration
	SparkUser       string
	Completed       bool
	AppSparkVersion string
}

// The form of the server's dates: yyyy-MM-dd'T'HH:mm:ss.SSSz in GMT.
const serverDate = "2006-01-02T15:04:05.000GMT"

// wireAttempt is an attempt as the JSON has it; unknown fields are
// ignored.
type wireAttempt struct {
	AttemptID        *string      `json:"attemptId"`
	StartTime        string       `json:"startTime"`
	EndTime          string       `json:"endTime"`
	LastUpdated      string       `json:"lastUpdated"`
	Duration         json.Number  `json:"duration"`
	SparkUser        string       `json:"sparkUser"`
	Completed        bool         `json:"completed"`
	AppSparkVersion  string       `json:"appSparkVersion"`
	StartTimeEpoch   *json.Number `json:"startTimeEpoch"`
	EndTimeEpoch     *json.Number `json:"endTimeEpoch"`
	LastUpdatedEpoch *json.Number `json:"lastUpdatedEpoch"`
}

// UnmarshalJSON reads an attempt as the History Server writes it.
func (a *Attempt) UnmarshalJSON(b []byte) error {
	var w wireAttempt
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = Attempt{
		SparkUser:       w.SparkUser,
		Completed:       w.Completed,
		AppSparkVersion: w.AppSparkVersion,
	}
	if w.AttemptID != nil {
		a.ID = *w.AttemptID
	}
	var err error
	if a.StartTime, a.StartTimeEpoch, err = when("startTime", w.StartTime, w.StartTimeEpoch); err != nil {
		return err
	}
	if a.EndTime, a.EndTimeEpoch, err = when("endTime", w.EndTime, w.EndTimeEpoch); err != nil {
		return err
	}
	if a.LastUpdated, a.LastUpdatedEpoch, err = when("lastUpdated", w.LastUpdated, w.LastUpdatedEpoch); err != nil {
		return err
	}
	if w.Duration != "" {
		ms, err := numberMillis(w.Duration)
		if err != nil {
			return fmt.Errorf("attempt duration %q: %w", w.Duration, err)
		}
		a.Duration = time.Duration(ms) * time.Millisecond
	}
	return nil
}

// when reads one time from its epoch field, else from its date. Epochs of
// 0 or less (-1 is "not ended") give the zero time.
func when(field, date string, epoch *json.Number) (time.Time, int64, error) {
	var ms int64
	switch {
	case epoch != nil:
		v, err := numberMillis(*epoch)
		if err != nil {
			return time.Time{}, 0, fmt.Errorf("attempt %sEpoch %q: %w", field, *epoch, err)
		}
		ms = v
	case date == "":
		return time.Time{}, 0, nil
	default:
		t, err := time.Parse(serverDate, date)
		if err != nil {
			return time.Time{}, 0, fmt.Errorf("attempt %s %q: not a History Server date", field, date)
		}
		ms = t.UnixMilli()
	}
	if ms <= 0 {
		return time.Time{}, ms, nil
	}
	return time.UnixMilli(ms).UTC(), ms, nil
}

func numberMillis(n json.Number) (int64, error) {
	if v, err := n.Int64(); err == nil {
		return v, nil
	}
	f, err := n.Float64()
	if err != nil {
		return 0, err
	}
	return int64(f), nil
}

// formatDate writes t as the server's date parameters read it.
func formatDate(t time.Time) string {
	return t.UTC().Format(serverDate)
}

func (o ListOptions) query() (url.Values, error) {
	q := url.Values{}
	switch o.Status {
	case All:
	case Completed, Running:
		q.Set("status", string(o.Status))
	default:
		return nil, fmt.Errorf("status %q: want %q, %q or empty", o.Status, Completed, Running)
	}
	for _, p := range []struct {
		name string
		t    time.Time
	}{
		{"minDate", o.MinDate}, {"maxDate", o.MaxDate},
		{"minEndDate", o.MinEndDate}, {"maxEndDate", o.MaxEndDate},
	} {
		if !p.t.IsZero() {
			q.Set(p.name, formatDate(p.t))
		}
	}
	switch {
	case o.Limit < 0:
		return nil, fmt.Errorf("limit %d: want 0 (no limit) or more", o.Limit)
	case o.Limit > 0:
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	return q, nil
}

// List returns the applications the server knows that pass the filters.
// The list is read one entry at a time: an entry that cannot be read is
// left out (see ListOptions.OnSkip), and a list of more than
// Options.MaxApps entries is an error that wraps ErrListTooLong.
func (c *Client) List(ctx context.Context, opts ListOptions) ([]App, error) {
	q, err := opts.query()
	if err != nil {
		return nil, fmt.Errorf("listing applications: %w", err)
	}
	u := c.endpoint(q, "applications")
	var apps []App
	err = c.do(ctx, request{url: u, handle: func(resp *http.Response, body io.Reader) error {
		apps, err = decodeList(u, resp, body, c.opts.MaxApps, opts.OnSkip)
		return err
	}})
	if err != nil {
		return nil, err
	}
	if apps == nil {
		apps = []App{}
	}
	return apps, nil
}

func decodeList(u *url.URL, resp *http.Response, body io.Reader, maxApps int, onSkip func(SkippedApp)) ([]App, error) {
	rec := &errRecorder{r: body}
	br := bufio.NewReader(rec)
	first, err := firstNonSpace(br)
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("GET %s: empty answer, expected a JSON list of applications", u)
		}
		return nil, retry(fmt.Errorf("GET %s: %w", u, err))
	}
	if first != '[' {
		head, _ := br.Peek(512)
		return nil, fmt.Errorf("GET %s: the answer is not a JSON list of applications (Content-Type %q): %q; is this the History Server's address, or a login page?",
			u, resp.Header.Get("Content-Type"), excerpt(head, 200))
	}
	if maxApps <= 0 {
		maxApps = DefaultMaxApps
	}
	fail := func(err error) ([]App, error) {
		err = fmt.Errorf("GET %s: reading the application list: %w", u, err)
		if rec.cut() || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, retry(err)
		}
		return nil, err
	}
	// Element by element: the decoder holds one entry at a time, and
	// entry caps the bytes read for it.
	entry := &entryLimit{r: br}
	dec := json.NewDecoder(entry)
	if _, err := dec.Token(); err != nil { // [
		return fail(err)
	}
	var apps []App
	var firstSkip *SkippedApp
	for i := 0; dec.More(); i++ {
		entry.n = 0
		// An entry that does not fit App (a "NaN" duration) fails its
		// Decode, but the decoder has read the whole entry and goes on
		// with the next one.
		var a App
		off := dec.InputOffset()
		err := dec.Decode(&a)
		if entry.over {
			return nil, fmt.Errorf("GET %s: entry %d of the application list is larger than %d bytes: %w", u, i+1, maxEntryBytes, ErrListTooLong)
		}
		if len(apps) == maxApps {
			return nil, fmt.Errorf("GET %s: the application list has more than %d entries (raise the limit, or narrow the list with a time window or a status): %w", u, maxApps, ErrListTooLong)
		}
		var se *json.SyntaxError
		if err != nil && (errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || rec.cut() ||
			dec.InputOffset() == off) { // nothing read: the error would come back forever

			return fail(err)
		}
		if err != nil {
			// The fields read before the error are set: the id comes
			// first in the server's answers.
			skip := SkippedApp{Index: i, ID: a.ID, Err: err}
			if firstSkip == nil {
				firstSkip = &skip
			}
			if onSkip != nil {
				onSkip(skip)
			}
			continue
		}
		apps = append(apps, a)
	}
	if _, err := dec.Token(); err != nil { // ]
		return fail(err)
	}
	if len(apps) == 0 && firstSkip != nil {
		// Not one entry could be read: the answer is not what we take it
		// for, rather than a bad entry among good ones.
		return nil, fmt.Errorf("GET %s: reading the application list: no entry could be read; %v", u, firstSkip)
	}
	return apps, nil
}

// entryLimit fails a read once n passes maxEntryBytes: one entry of the
// list (n is reset before each) cannot make the decoder buffer without
// end. The decoder reads ahead by at most its buffer, so the cap is loose
// by that much.
type entryLimit struct {
	r    io.Reader
	n    int64
	over bool
}

func (e *entryLimit) Read(p []byte) (int, error) {
	if e.n > maxEntryBytes {
		e.over = true
		return 0, ErrListTooLong
	}
	n, err := e.r.Read(p)
	e.n += int64(n)
	return n, err
}

// errRecorder remembers the error its reader returned.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

// cut tells whether the read broke off before the end of the body.
func (e *errRecorder) cut() bool { return e.err != nil && e.err != io.EOF }

func firstNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // a UTF-8 byte-order mark
			if next, err := br.Peek(2); err == nil && next[0] == 0xBB && next[1] == 0xBF {
				br.Discard(2)
				continue
			}
		}
		return b, br.UnreadByte()
	}
}
