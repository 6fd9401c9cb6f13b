package historyserver

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of Options.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultIdleTimeout = 2 * time.Minute
	DefaultRetries     = 3
	DefaultBackoff     = 500 * time.Millisecond
	// DefaultMaxTime bounds a whole request, body included: 20 GiB (the
	// download cap) at 12 MB/s.
	DefaultMaxTime = 30 * time.Minute
	// DefaultMaxApps caps the application list: a History Server keeps
	// far fewer (spark.history.retainedApplications, the disk behind
	// it), and a million entries take a few hundred MB once read.
	DefaultMaxApps = 1_000_000
	// DefaultMaxDownload caps the zip archive of one application's logs.
	// The archive is compressed; the largest public logs we know of are
	// a few GB before compression, so 20 GiB leaves room for logs ten
	// times larger while keeping an endless answer from filling the disk.
	DefaultMaxDownload = 20 << 30

	// maxBackoff caps the exponential wait between two tries and
	// maxRetryAfter the wait a server asks for with Retry-After.
	maxBackoff    = 30 * time.Second
	maxRetryAfter = 60 * time.Second
)

// Options tune a Client. The zero value is usable.
type Options struct {
	// HTTP is the client requests go through; nil means a client of our
	// own, with proxies taken from the environment. Its own timeouts, if
	// any, apply on top of ours, so leave its Timeout at 0 for downloads.
	HTTP *http.Client
	// Timeout bounds each request until the response headers have
	// arrived (DefaultTimeout when 0).
	Timeout time.Duration
	// IdleTimeout aborts reading a response body that makes no progress
	// for this long (DefaultIdleTimeout when 0).
	IdleTimeout time.Duration
	// MaxTime bounds each try of a request as a whole, from the request
	// to the last byte of the answer (DefaultMaxTime when 0): a server
	// that sends a byte now and then, never idle, still gets cut off. An
	// answer cut off this way is not tried again.
	MaxTime time.Duration
	// MaxApps caps the entries of the application list (DefaultMaxApps
	// when 0).
	MaxApps int
	// MaxDownload caps the bytes of one log archive (DefaultMaxDownload
	// when 0). A larger one is refused, and its partial file removed.
	MaxDownload int64
	// Retries is how many times a failed request is tried again
	// (DefaultRetries when 0; negative for none).
	Retries int
	// Backoff is the base of the exponential wait between tries
	// (DefaultBackoff when 0).
	Backoff time.Duration
	// Headers are added to every request, e.g. "Authorization": "Bearer
	// ...". An Authorization header here replaces the basic
	// authentication from the URL's user information.
	Headers map[string]string
	// UserAgent is sent as User-Agent ("sparkdiag" when empty).
	UserAgent string
}

// Client talks to one History Server. It is safe for concurrent use.
type Client struct {
	base    *url.URL // scheme, host and path prefix, without userinfo or /api/v1
	query   url.Values
	auth    string // Authorization header from the URL's userinfo
	http    *http.Client
	opts    Options
	retries int

	// sleep waits d or until ctx is done; jitter returns a number in
	// [0, n). Tests replace them.
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(n int64) int64
}

// New returns a client for the History Server at rawURL; see the package
// documentation for the forms it accepts.
func New(rawURL string, opts Options) (*Client, error) {
	base, query, auth, err := parseBase(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxTime <= 0 {
		opts.MaxTime = DefaultMaxTime
	}
	if opts.MaxApps <= 0 {
		opts.MaxApps = DefaultMaxApps
	}
	if opts.MaxDownload <= 0 {
		opts.MaxDownload = DefaultMaxDownload
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "sparkdiag"
	}
	retries := opts.Retries
	switch {
	case retries == 0:
		retries = DefaultRetries
	case retries < 0:
		retries = 0
	}
	hc := opts.HTTP
	if hc == nil {
		hc = &http.Client{Transport: newTransport(opts.Timeout)}
	}
	return &Client{
		base:    base,
		query:   query,
		auth:    auth,
		http:    hc,
		opts:    opts,
		retries: retries,
		sleep:   sleepCtx,
		jitter:  rand.Int64N,
	}, nil
}

// URL is the server's address as the client uses it: without user
// information, query or "/api/v1".
func (c *Client) URL() string { return c.base.String() }

func newTransport(timeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	// The TLS handshake and the wait for response headers are bounded by
	// the timer of each try (Client.once), which covers any http.Client.
	// The zip archives are already compressed; asking for gzip would only
	// hide Content-Length.
	t.DisableCompression = true
	return t
}

// parseBase splits rawURL into the base URL (no userinfo, query, fragment
// or trailing /api/v1), its query parameters, and an Authorization value
// from its userinfo.
func parseBase(rawURL string) (*url.URL, url.Values, string, error) {
	s := strings.TrimSpace(rawURL)
	if s == "" {
		return nil, nil, "", errors.New("no History Server address given")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the address, password included
		}
		return nil, nil, "", fmt.Errorf("History Server address %q: %w", redactRaw(rawURL), err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, nil, "", fmt.Errorf("History Server address %q: scheme %q, want http or https", redactRaw(rawURL), u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, nil, "", fmt.Errorf("History Server address %q has no host", redactRaw(rawURL))
	}
	var auth string
	if u.User != nil {
		pass, _ := u.User.Password()
		auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass))
		u.User = nil
	}
	query := u.Query()
	u.RawQuery = ""
	u.Fragment, u.RawFragment = "", ""
	u.ForceQuery = false

	p := strings.TrimRight(u.EscapedPath(), "/")
	for _, suffix := range []string{"/api/v1/applications", "/api/v1"} {
		if strings.HasSuffix(p, suffix) {
			p = strings.TrimSuffix(p, suffix)
			break
		}
	}
	if err := setEscapedPath(u, p); err != nil {
		return nil, nil, "", fmt.Errorf("History Server address %q: %w", redactRaw(rawURL), err)
	}
	return u, query, auth, nil
}

func setEscapedPath(u *url.URL, escaped string) error {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return err
	}
	u.Path, u.RawPath = p, escaped
	if u.EscapedPath() == p {
		u.RawPath = ""
	}
	return nil
}

// redactRaw hides the password of an address that may not parse.
func redactRaw(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	if i := strings.Index(s, "@"); i >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			return s[:j+3] + "xxxxx" + s[i:]
		}
		return "xxxxx" + s[i:]
	}
	return s
}

// endpoint is the URL of /api/v1/<segments...> under the base, each
// segment path-escaped.
func (c *Client) endpoint(query url.Values, segments ...string) *url.URL {
	var b strings.Builder
	b.WriteString(c.base.EscapedPath())
	b.WriteString("/api/v1")
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	u := *c.base
	_ = setEscapedPath(&u, b.String()) // escaped pieces always unescape
	q := url.Values{}
	for k, v := range c.query {
		q[k] = append([]string(nil), v...)
	}
	for k, v := range query {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return &u
}

// retryable marks an error worth another try.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

func retry(err error) error { return &retryable{err} }

// Causes given to an attempt's context when one of our timers fires.
var (
	errHeaderTimeout = errors.New("no response")
	errIdleTimeout   = errors.New("stalled")
	errMaxTime       = errors.New("too slow")
)

// request is one GET under the retry policy.
type request struct {
	url *url.URL
	// app and attempt name the application in errors, when the request is
	// about one.
	app, attempt string
	// handle reads a 2xx answer. It returns an error wrapped by retry
	// when the body broke off and another try may do better. body stops
	// with an error once the idle timeout fires.
	handle func(resp *http.Response, body io.Reader) error
}

// do runs r, retrying as the package documentation describes.
func (c *Client) do(ctx context.Context, r request) error {
	var last error
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return c.ctxErr(ctx, r, last)
		}
		wait, err := c.once(ctx, r)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return c.ctxErr(ctx, r, err)
		}
		var re *retryable
		if !errors.As(err, &re) {
			return err
		}
		last = re.err
		if try >= c.retries {
			if c.retries > 0 {
				return fmt.Errorf("%w (gave up after %d tries)", last, try+1)
			}
			return last
		}
		if wait < 0 {
			wait = c.backoff(try)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return c.ctxErr(ctx, r, last)
		}
	}
}

func (c *Client) ctxErr(ctx context.Context, r request, last error) error {
	err := context.Cause(ctx)
	if last != nil {
		return fmt.Errorf("GET %s: %w (after: %v)", r.url, err, last)
	}
	return fmt.Errorf("GET %s: %w", r.url, err)
}

// backoff is the wait before retry n (from 0).
func (c *Client) backoff(n int) time.Duration {
	d := c.opts.Backoff
	for i := 0; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	half := d / 2
	return half + time.Duration(c.jitter(int64(d-half)+1))
}

// once makes one try. It returns the wait the server asked for (-1 when
// it did not) and an error, wrapped by retry when another try may help.
func (c *Client) once(ctx context.Context, r request) (time.Duration, error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(actx, http.MethodGet, r.url.String(), nil)
	if err != nil {
		return -1, fmt.Errorf("GET %s: %w", r.url, err)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	for k, v := range c.opts.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)

	total := time.AfterFunc(c.opts.MaxTime, func() { cancel(errMaxTime) })
	defer total.Stop()
	tooSlow := func() error {
		return fmt.Errorf("GET %s: no complete answer within %v (the limit of one request)", r.url, c.opts.MaxTime)
	}
	headers := time.AfterFunc(c.opts.Timeout, func() { cancel(errHeaderTimeout) })
	resp, err := c.http.Do(req)
	headers.Stop()
	if err != nil {
		if ctx.Err() != nil {
			return -1, err
		}
		if context.Cause(actx) == errMaxTime {
			return -1, tooSlow()
		}
		if context.Cause(actx) == errHeaderTimeout {
			return -1, retry(fmt.Errorf("GET %s: no answer within %v", r.url, c.opts.Timeout))
		}
		if permanent(err) {
			return -1, fmt.Errorf("GET %s: %w", r.url, stripURLError(err))
		}
		return -1, retry(fmt.Errorf("GET %s: %w", r.url, stripURLError(err)))
	}
	body := newIdleReader(resp.Body, c.opts.IdleTimeout, func() { cancel(errIdleTimeout) })
	defer func() {
		body.stop()
		resp.Body.Close()
	}()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		herr := newHTTPError(r, resp, body)
		if retryableStatus(resp.StatusCode) {
			wait := time.Duration(-1)
			if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				wait = min(d, maxRetryAfter)
			}
			return wait, retry(herr)
		}
		return -1, herr
	}
	err = r.handle(resp, body)
	if err != nil && ctx.Err() == nil {
		switch context.Cause(actx) {
		case errIdleTimeout:
			return -1, retry(fmt.Errorf("GET %s: the answer stalled: no data for %v", r.url, c.opts.IdleTimeout))
		case errMaxTime:
			return -1, tooSlow()
		}
	}
	return -1, err
}

// stripURLError drops the *url.Error wrapper, whose message repeats the
// method and URL that our own message already gives.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// permanent tells request errors that another try cannot fix: the
// server's certificate is not trusted.
func permanent(err error) bool {
	var (
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
	)
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &hostname)
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// parseRetryAfter reads a Retry-After value: seconds or an HTTP date. A
// number of seconds is capped at maxRetryAfter.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	const limit = int64(maxRetryAfter / time.Second)
	var secs int64
	digits := true
	for _, r := range v {
		if r < '0' || r > '9' {
			digits = false
			break
		}
		if secs <= limit {
			secs = secs*10 + int64(r-'0')
		}
	}
	if digits {
		return time.Duration(min(secs, limit)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
