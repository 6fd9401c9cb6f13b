package store

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// WebHDFS, HDFS's REST API, with net/http only:
//
//	webhdfs://namenode:9870/path     over HTTP (port 9870 when omitted)
//	swebhdfs://namenode:9871/path    over HTTPS (port 9871 when omitted)
//
// The user is $HADOOP_USER_NAME, else the OS user (user.name=); when
// $WEBHDFS_DELEGATION_TOKEN is set, that token is sent instead
// (delegation=). An HttpFS gateway speaks the same API.

func init() { Register(openWebHDFS, "webhdfs", "swebhdfs") }

const (
	webhdfsDialTimeout   = 15 * time.Second
	webhdfsHeaderTimeout = 2 * time.Minute
	// webhdfsMaxRedirects bounds the redirects an OPEN or CREATE follows
	// (the NameNode sends one, to a DataNode).
	webhdfsMaxRedirects = 5
	// webhdfsErrBody is how much of an error response is read.
	webhdfsErrBody = 64 << 10
	// webhdfsSmallBody bounds the answers that are not listings
	// (GETFILESTATUS, RENAME, DELETE, a CREATE's redirect).
	webhdfsSmallBody = 1 << 20
)

// webhdfsFS is one HDFS file system reached over WebHDFS.
type webhdfsFS struct {
	client *http.Client
	// base is the REST endpoint, http(s)://host:port/webhdfs/v1.
	base *url.URL
	// top is "webhdfs://host:port" as in the URL, for Label.
	top string
	// auth is the query that says who we are: user.name or delegation.
	auth url.Values
	// noBatch is set once the server refused LISTSTATUS_BATCH (Hadoop
	// before 2.9); List then uses LISTSTATUS.
	noBatch atomic.Bool
}

// openWebHDFS is the Opener of webhdfs:// and swebhdfs:// URLs.
func openWebHDFS(ctx context.Context, u *url.URL) (FS, string, error) {
	scheme, port := "http", "9870"
	if strings.EqualFold(u.Scheme, "swebhdfs") {
		scheme, port = "https", "9871"
	}
	if u.Host == "" {
		return nil, "", fmt.Errorf("%s: needs a NameNode, %s://HOST:PORT/path", u.Redacted(), strings.ToLower(u.Scheme))
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), port)
	}
	auth := url.Values{}
	if tok := os.Getenv("WEBHDFS_DELEGATION_TOKEN"); tok != "" {
		auth.Set("delegation", tok)
	} else {
		auth.Set("user.name", hadoopUser())
	}
	f := &webhdfsFS{
		client: newWebHDFSClient(),
		base:   &url.URL{Scheme: scheme, Host: host, Path: "/webhdfs/v1"},
		top:    strings.ToLower(u.Scheme) + "://" + u.Host,
		auth:   auth,
	}
	return f, u.Path, nil
}

// webhdfsRootCAs, when set (by tests), replaces the system's certificate
// authorities for swebhdfs://.
var webhdfsRootCAs *x509.CertPool

// newWebHDFSClient is an HTTP client with connect and header timeouts but
// no total timeout (bodies stream for as long as they take), which does
// not follow redirects itself: OPEN and CREATE follow them by hand.
func newWebHDFSClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: webhdfsDialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   webhdfsDialTimeout,
		ResponseHeaderTimeout: webhdfsHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
	}
	if webhdfsRootCAs != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: webhdfsRootCAs}
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Label is the full URL of name.
func (f *webhdfsFS) Label(name string) string { return f.top + hdfsPath(name) }

// Close releases idle connections.
func (f *webhdfsFS) Close() error {
	f.client.CloseIdleConnections()
	return nil
}

// opURL is the REST URL of op on name with extra query parameters.
func (f *webhdfsFS) opURL(name, op string, extra url.Values) string {
	q := url.Values{"op": {op}}
	for k, v := range f.auth {
		q[k] = v
	}
	for k, v := range extra {
		q[k] = v
	}
	u := *f.base
	u.Path = f.base.Path + hdfsPath(name)
	u.RawQuery = q.Encode()
	return u.String()
}

// do sends one request and returns the response when its status is one
// of want; otherwise it returns the server's error (see webhdfsError).
func (f *webhdfsFS) do(ctx context.Context, method, rawURL string, body io.Reader, name, op string, want ...int) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", f.Label(name), op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", f.Label(name), op, redactErr(err))
	}
	for _, w := range want {
		if resp.StatusCode == w {
			return resp, nil
		}
	}
	defer resp.Body.Close()
	return nil, webhdfsError(f.Label(name), op, resp)
}

// redactErr drops the request URL (which may carry a delegation token)
// from a client error, keeping its cause.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// RemoteError is an error the WebHDFS server answered with (its JSON
// RemoteException, or the HTTP status when the body is not one).
type RemoteError struct {
	URL        string // the store URL of the path
	Op         string // the WebHDFS operation
	Status     int    // the HTTP status
	Exception  string // e.g. FileNotFoundException; "" when not given
	JavaClass  string
	Message    string
	underlying error // fs.ErrNotExist, fs.ErrPermission, fs.ErrExist or nil
}

func (e *RemoteError) Error() string {
	what := e.Exception
	if what == "" {
		what = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s: WebHDFS %s: HTTP %d %s: %s", e.URL, e.Op, e.Status, what, e.Message)
}

// Unwrap lets errors.Is find fs.ErrNotExist for a missing path.
func (e *RemoteError) Unwrap() error { return e.underlying }

// webhdfsError reads (a bounded part of) an error response.
func webhdfsError(label, op string, resp *http.Response) error {
	e := &RemoteError{URL: label, Op: op, Status: resp.StatusCode}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, webhdfsErrBody))
	var re struct {
		RemoteException struct {
			Exception     string `json:"exception"`
			JavaClassName string `json:"javaClassName"`
			Message       string `json:"message"`
		} `json:"RemoteException"`
	}
	if json.Unmarshal(body, &re) == nil && re.RemoteException.Exception != "" {
		e.Exception = re.RemoteException.Exception
		e.JavaClass = re.RemoteException.JavaClassName
		e.Message = re.RemoteException.Message
	} else {
		e.Message = snippet(body)
	}
	switch {
	case e.Exception == "FileNotFoundException" || e.Exception == "" && resp.StatusCode == http.StatusNotFound:
		e.underlying = fs.ErrNotExist
	case e.Exception == "AccessControlException" || e.Exception == "SecurityException" ||
		resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.underlying = fs.ErrPermission
	case e.Exception == "FileAlreadyExistsException":
		e.underlying = fs.ErrExist
	}
	return e
}

// snippet is the start of a non-JSON body, on one line, for a message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	if s == "" {
		s = "(no body)"
	}
	return s
}

// webhdfsStatus is one FileStatus of a WebHDFS answer.
type webhdfsStatus struct {
	PathSuffix       string `json:"pathSuffix"`
	Type             string `json:"type"` // FILE, DIRECTORY or SYMLINK
	Length           int64  `json:"length"`
	ModificationTime int64  `json:"modificationTime"` // Unix ms
}

// entry converts a status; name is used when pathSuffix is empty.
func (s webhdfsStatus) entry(name string) Entry {
	if s.PathSuffix != "" {
		name = s.PathSuffix
	}
	e := Entry{Name: name, Dir: s.Type == "DIRECTORY"}
	if s.ModificationTime > 0 {
		e.ModTime = time.UnixMilli(s.ModificationTime)
	}
	if !e.Dir {
		e.Size = s.Length
		e.Version = hdfsVersion(e.ModTime, e.Size)
	}
	return e
}

// Stat describes a file or directory (GETFILESTATUS).
func (f *webhdfsFS) Stat(ctx context.Context, name string) (Entry, error) {
	const op = "GETFILESTATUS"
	resp, err := f.do(ctx, http.MethodGet, f.opURL(name, op, nil), nil, name, op, http.StatusOK)
	if err != nil {
		return Entry{}, err
	}
	defer resp.Body.Close()
	var out struct {
		FileStatus *webhdfsStatus `json:"FileStatus"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, webhdfsSmallBody)).Decode(&out); err != nil || out.FileStatus == nil {
		return Entry{}, fmt.Errorf("%s: %s: want a JSON FileStatus: %v", f.Label(name), op, err)
	}
	return out.FileStatus.entry(path.Base(hdfsPath(name))), nil
}

// List returns the entries of dir, sorted by name: LISTSTATUS_BATCH page
// after page (startAfter the last name), or one LISTSTATUS where the server
// has no batches. Answers are decoded entry by entry, never read whole.
func (f *webhdfsFS) List(ctx context.Context, dir string) ([]Entry, error) {
	var out []Entry
	add := func(s webhdfsStatus) error {
		if s.PathSuffix == "" {
			return fmt.Errorf("%s: list: a file, not a directory", f.Label(dir))
		}
		out = append(out, s.entry(""))
		return nil
	}
	if !f.noBatch.Load() {
		err := f.listBatches(ctx, dir, add)
		if err == nil || !batchUnsupported(err) {
			if err != nil {
				return nil, err
			}
			sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			return out, nil
		}
		f.noBatch.Store(true)
		out = out[:0]
	}
	if _, err := f.listPage(ctx, dir, "LISTSTATUS", nil, add); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// batchUnsupported tells a server that does not know LISTSTATUS_BATCH:
// it rejects the op as an illegal or unsupported argument.
func batchUnsupported(err error) bool {
	var re *RemoteError
	if !errors.As(err, &re) || re.Op != "LISTSTATUS_BATCH" || re.Status != http.StatusBadRequest {
		return false
	}
	switch re.Exception {
	case "IllegalArgumentException", "UnsupportedOperationException":
		return true
	}
	return false
}

// listBatches pages through LISTSTATUS_BATCH.
func (f *webhdfsFS) listBatches(ctx context.Context, dir string, add func(webhdfsStatus) error) error {
	last := ""
	for page := 0; ; page++ {
		var extra url.Values
		if page > 0 {
			extra = url.Values{"startAfter": {last}}
		}
		n := 0
		remaining, err := f.listPage(ctx, dir, "LISTSTATUS_BATCH", extra, func(s webhdfsStatus) error {
			n++
			last = s.PathSuffix
			return add(s)
		})
		if err != nil {
			return err
		}
		if remaining <= 0 {
			return nil
		}
		if n == 0 {
			return fmt.Errorf("%s: LISTSTATUS_BATCH: an empty page with %d entries remaining", f.Label(dir), remaining)
		}
	}
}

// listPage sends one listing request and streams its entries to add,
// returning remainingEntries (0 for LISTSTATUS).
func (f *webhdfsFS) listPage(ctx context.Context, dir, op string, extra url.Values, add func(webhdfsStatus) error) (int64, error) {
	resp, err := f.do(ctx, http.MethodGet, f.opURL(dir, op, extra), nil, dir, op, http.StatusOK)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	remaining, err := decodeListing(json.NewDecoder(resp.Body), add)
	if err != nil {
		return 0, fmt.Errorf("%s: %s: %w", f.Label(dir), op, err)
	}
	return remaining, nil
}

// decodeListing walks a LISTSTATUS or LISTSTATUS_BATCH answer token by
// token, decoding each FileStatus alone, and returns remainingEntries.
//
//	{"FileStatuses":{"FileStatus":[...]}}
//	{"DirectoryListing":{"partialListing":{"FileStatuses":{"FileStatus":[...]}},"remainingEntries":N}}
func decodeListing(dec *json.Decoder, add func(webhdfsStatus) error) (int64, error) {
	var remaining int64
	found := false
	var walk func(depth int) error
	walk = func(depth int) error {
		if err := expectDelim(dec, '{'); err != nil {
			return err
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			switch key {
			case "DirectoryListing", "partialListing", "FileStatuses":
				if depth > 4 {
					return fmt.Errorf("listing nested too deep at %q", key)
				}
				if err := walk(depth + 1); err != nil {
					return err
				}
			case "FileStatus":
				found = true
				if err := expectDelim(dec, '['); err != nil {
					return err
				}
				for dec.More() {
					var s webhdfsStatus
					if err := dec.Decode(&s); err != nil {
						return err
					}
					if err := add(s); err != nil {
						return err
					}
				}
				if err := expectDelim(dec, ']'); err != nil {
					return err
				}
			case "remainingEntries":
				if err := dec.Decode(&remaining); err != nil {
					return err
				}
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
			}
		}
		return expectDelim(dec, '}')
	}
	if err := walk(0); err != nil {
		return 0, fmt.Errorf("reading the JSON listing: %w", err)
	}
	if !found {
		return 0, errors.New("the answer has no FileStatus list")
	}
	return remaining, nil
}

// expectDelim reads the next JSON token and checks it is d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return fmt.Errorf("want %q, got %v", d, tok)
	}
	return nil
}

// Open streams a file (OPEN): the NameNode redirects to a DataNode, whose
// answer body is returned as it arrives.
func (f *webhdfsFS) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	const op = "OPEN"
	target := f.opURL(name, op, nil)
	for hop := 0; ; hop++ {
		resp, err := f.do(ctx, http.MethodGet, target, nil, name, op,
			http.StatusOK, http.StatusTemporaryRedirect, http.StatusFound, http.StatusSeeOther, http.StatusMovedPermanently, http.StatusPermanentRedirect)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusOK {
			return &webhdfsReader{body: resp.Body, label: f.Label(name)}, nil
		}
		next, err := redirectTarget(resp)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", f.Label(name), op, err)
		}
		if hop+1 >= webhdfsMaxRedirects {
			return nil, fmt.Errorf("%s: %s: more than %d redirects", f.Label(name), op, webhdfsMaxRedirects)
		}
		target = next
	}
}

// redirectTarget is the absolute Location of a redirect.
func redirectTarget(resp *http.Response) (string, error) {
	loc, err := resp.Location()
	if err != nil {
		return "", fmt.Errorf("HTTP %d without a usable Location: %v", resp.StatusCode, err)
	}
	return loc.String(), nil
}

// webhdfsReader names the URL in read errors.
type webhdfsReader struct {
	body  io.ReadCloser
	label string
}

func (r *webhdfsReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: read: %w", r.label, err)
	}
	return n, err
}

func (r *webhdfsReader) Close() error { return r.body.Close() }

// Create writes a file: CREATE of name+"._COPYING_" (the NameNode answers
// with a redirect, without a body sent), then the bytes streamed to the
// DataNode in a chunked PUT as they are written (nothing is spooled), and
// at Close a RENAME over name (renameoptions=OVERWRITE), so the file
// appears whole or not at all. A failed or cancelled write deletes the
// temporary file.
func (f *webhdfsFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	p := hdfsPath(name)
	if p == "/" {
		return nil, fmt.Errorf("%s: create: needs a file name", f.Label(name))
	}
	tmp := strings.TrimPrefix(p, "/") + hdfsCopyingSuffix
	const op = "CREATE"
	resp, err := f.do(ctx, http.MethodPut, f.opURL(tmp, op, url.Values{"overwrite": {"true"}}), http.NoBody, tmp, op,
		http.StatusTemporaryRedirect, http.StatusOK)
	if err != nil {
		return nil, err
	}
	target, err := createTarget(resp)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", f.Label(tmp), op, err)
	}
	pr, pw := io.Pipe()
	w := &webhdfsWriter{ctx: ctx, fs: f, name: name, tmp: tmp, pw: pw, done: make(chan error, 1)}
	go func() {
		resp, err := f.do(ctx, http.MethodPut, target, pr, tmp, op, http.StatusCreated, http.StatusOK)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, webhdfsSmallBody))
			resp.Body.Close()
		}
		// Unblock a writer whose upload failed.
		pr.CloseWithError(errOr(err, errors.New("the upload ended")))
		w.done <- err
	}()
	return w, nil
}

// createTarget is where a CREATE's data goes: the redirect's Location,
// or the {"Location": ...} of an answer to noredirect=true.
func createTarget(resp *http.Response) (string, error) {
	if resp.StatusCode != http.StatusOK {
		return redirectTarget(resp)
	}
	var out struct{ Location string }
	if err := json.NewDecoder(io.LimitReader(resp.Body, webhdfsSmallBody)).Decode(&out); err != nil || out.Location == "" {
		return "", fmt.Errorf("HTTP 200 without a redirect or a JSON Location (%v)", err)
	}
	return out.Location, nil
}

func errOr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// webhdfsWriter feeds the DataNode upload through a pipe.
type webhdfsWriter struct {
	ctx    context.Context
	fs     *webhdfsFS
	name   string
	tmp    string
	pw     *io.PipeWriter
	done   chan error
	once   sync.Once
	closed error
}

func (w *webhdfsWriter) Write(p []byte) (int, error) {
	n, err := w.pw.Write(p)
	if err != nil {
		err = fmt.Errorf("%s: write: %w", w.fs.Label(w.name), err)
	}
	return n, err
}

// Close ends the upload and renames the file into place, or deletes it
// when the upload failed.
func (w *webhdfsWriter) Close() error {
	w.once.Do(func() { w.closed = w.finish() })
	return w.closed
}

func (w *webhdfsWriter) finish() error {
	_ = w.pw.Close()
	err := <-w.done
	if err == nil {
		err = w.ctx.Err()
	}
	if err == nil {
		err = w.fs.rename(w.ctx, w.tmp, w.name)
	}
	if err != nil {
		w.fs.removeTemp(w.ctx, w.tmp)
	}
	return err
}

// removeTemp deletes the temporary file of a failed upload, even when ctx
// is done. A DataNode that is still handling the aborted upload may create
// or close the file after a first DELETE, so it checks, and deletes again,
// for a few seconds.
func (f *webhdfsFS) removeTemp(ctx context.Context, tmp string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for wait := 100 * time.Millisecond; wait < 5*time.Second; wait *= 2 {
		if err := f.delete(dctx, tmp); err != nil {
			return
		}
		time.Sleep(wait)
		if _, err := f.Stat(dctx, tmp); errors.Is(err, fs.ErrNotExist) {
			return
		}
	}
}

// rename moves from over to (RENAME with renameoptions=OVERWRITE).
func (f *webhdfsFS) rename(ctx context.Context, from, to string) error {
	const op = "RENAME"
	resp, err := f.do(ctx, http.MethodPut,
		f.opURL(from, op, url.Values{"destination": {hdfsPath(to)}, "renameoptions": {"OVERWRITE"}}),
		http.NoBody, from, op, http.StatusOK)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// With renameoptions the answer is empty; without, {"boolean": BOOL}.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, webhdfsSmallBody))
	if bytes.Contains(body, []byte("false")) {
		return fmt.Errorf("%s: %s to %s: the NameNode answered false", f.Label(from), op, hdfsPath(to))
	}
	return nil
}

// delete removes a file (DELETE); a missing file is not an error.
func (f *webhdfsFS) delete(ctx context.Context, name string) error {
	const op = "DELETE"
	resp, err := f.do(ctx, http.MethodDelete, f.opURL(name, op, nil), nil, name, op, http.StatusOK)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, webhdfsSmallBody))
	return resp.Body.Close()
}
