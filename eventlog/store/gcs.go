package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// The GCS backend speaks the JSON API over net/http: the official client
// (cloud.google.com/go/storage with gRPC) would add far more to the binary
// than listing, reading and writing objects need.

func init() { Register(openGCS, "gs") }

// gcsHint names where the GCS backend takes its credentials from.
const gcsHint = "GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, " +
	"or the workload identity / service account of the VM"

// gcsScope is the OAuth2 scope of the requests: read and write objects.
const gcsScope = "https://www.googleapis.com/auth/devstorage.read_write"

// gcsLocation is what a gs:// URL says: the bucket and the path in it.
type gcsLocation struct{ Bucket, Path string }

// parseGCSURL reads gs://bucket/path.
func parseGCSURL(u *url.URL) (gcsLocation, error) {
	loc := gcsLocation{Bucket: u.Host, Path: strings.Trim(u.Path, "/")}
	if loc.Bucket == "" {
		return loc, fmt.Errorf("%s: no bucket: expected gs://bucket/path", u.Redacted())
	}
	if u.RawQuery != "" {
		return loc, fmt.Errorf("%s: gs:// URLs take no options (the emulator is STORAGE_EMULATOR_HOST)", u.Redacted())
	}
	return loc, nil
}

// gcsBase is the API's base URL: STORAGE_EMULATOR_HOST (host:port or a
// URL) when set, and then no credentials are sent; else Google's.
func gcsBase() (base string, emulator bool) {
	h := strings.TrimRight(os.Getenv("STORAGE_EMULATOR_HOST"), "/")
	if h == "" {
		return "https://storage.googleapis.com", false
	}
	if !strings.Contains(h, "://") {
		h = "http://" + h
	}
	return h, true
}

// gcsFS is one GCS bucket.
type gcsFS struct {
	base   string
	bucket string
	client *http.Client
	// pageSize is maxResults of a listing page; 0 lets the server choose.
	pageSize int
	// retryWait is the first back-off of a retried GET.
	retryWait time.Duration
}

// openGCS makes the FS of a gs:// URL with the default Google credentials,
// or none for the emulator or when SPARKDIAG_GCS_ANONYMOUS=1 (public
// buckets).
func openGCS(ctx context.Context, u *url.URL) (FS, string, error) {
	loc, err := parseGCSURL(u)
	if err != nil {
		return nil, "", err
	}
	f := &gcsFS{bucket: loc.Bucket, client: http.DefaultClient, retryWait: 200 * time.Millisecond}
	var emulator bool
	f.base, emulator = gcsBase()
	if !emulator && os.Getenv("SPARKDIAG_GCS_ANONYMOUS") != "1" {
		creds, err := google.FindDefaultCredentials(ctx, gcsScope)
		if err != nil {
			return nil, "", fmt.Errorf("gs://%s: no Google credentials (set %s): %w", loc.Bucket, gcsHint, err)
		}
		// The token source outlives ctx: it refreshes tokens later.
		f.client = oauth2.NewClient(context.Background(), creds.TokenSource)
	}
	return f, loc.Path, nil
}

// Label is the URL of name in the bucket.
func (f *gcsFS) Label(name string) string { return "gs://" + f.bucket + "/" + name }

// Close releases idle connections.
func (f *gcsFS) Close() error {
	f.client.CloseIdleConnections()
	return nil
}

// gcsObject is the part of an object's JSON resource that is used.
type gcsObject struct {
	Name       string    `json:"name"`
	Size       string    `json:"size"`
	Updated    time.Time `json:"updated"`
	ETag       string    `json:"etag"`
	Generation string    `json:"generation"`
}

// entry converts the resource to an Entry named base.
func (o gcsObject) entry(base string) Entry {
	size, _ := strconv.ParseInt(o.Size, 10, 64)
	return Entry{Name: base, Size: size, ModTime: o.Updated, ETag: o.ETag, Version: o.Generation}
}

// objectURL is the API URL of an object (its name escaped as one
// segment, slashes included), with query q.
func (f *gcsFS) objectURL(name string, q url.Values) string {
	s := f.base + "/storage/v1/b/" + url.PathEscape(f.bucket) + "/o/" + url.PathEscape(name)
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

// retryable reports whether a GET that answered status is worth another try.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// get sends a GET, retrying network errors, 429 and 5xx up to four tries
// with a doubling back-off. A response other than 200 is turned into an
// error about name.
func (f *gcsFS) get(ctx context.Context, name, rawURL string) (*http.Response, error) {
	wait := f.retryWait
	const tries = 4
	for try := 1; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Label(name), err)
		}
		resp, err := f.client.Do(req)
		if err == nil && resp.StatusCode == http.StatusOK {
			return resp, nil
		}
		if err == nil {
			if !retryable(resp.StatusCode) || try == tries {
				return nil, f.fail(name, resp)
			}
			resp.Body.Close()
		} else if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) {
			return nil, accessDenied(f.Label(name), gcsHint, err)
		} else if try == tries || ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", f.Label(name), err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: %w", f.Label(name), ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// fail turns a response that is not a success into an error about name
// (not found, access denied, or the status and the API's message) and
// closes its body.
func (f *gcsFS) fail(name string, resp *http.Response) error {
	defer resp.Body.Close()
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := resp.Status
	if b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10)); err == nil {
		if json.Unmarshal(b, &body) == nil && body.Error.Message != "" {
			msg += ": " + body.Error.Message
		} else if s := strings.TrimSpace(string(b)); s != "" && len(s) < 300 {
			msg += ": " + s
		}
	}
	cause := fmt.Errorf("%s", msg)
	if e := statusError(f.Label(name), gcsHint, resp.StatusCode, cause); e != nil {
		return e
	}
	return fmt.Errorf("%s: %w", f.Label(name), cause)
}

// getJSON GETs rawURL and decodes its JSON body into v.
func (f *gcsFS) getJSON(ctx context.Context, name, rawURL string, v any) error {
	resp, err := f.get(ctx, name, rawURL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("%s: reading the API's answer: %w", f.Label(name), err)
	}
	return nil
}

// gcsList is one page of a listing.
type gcsList struct {
	Items         []gcsObject `json:"items"`
	Prefixes      []string    `json:"prefixes"`
	NextPageToken string      `json:"nextPageToken"`
}

// listPage fetches one page of the objects and prefixes under prefix.
func (f *gcsFS) listPage(ctx context.Context, dir, prefix, token string, max int) (gcsList, error) {
	q := url.Values{"prefix": {prefix}, "delimiter": {"/"},
		"fields": {"items(name,size,updated,etag,generation),prefixes,nextPageToken"}}
	if token != "" {
		q.Set("pageToken", token)
	}
	if max > 0 {
		q.Set("maxResults", strconv.Itoa(max))
	}
	var page gcsList
	err := f.getJSON(ctx, dir, f.base+"/storage/v1/b/"+url.PathEscape(f.bucket)+"/o?"+q.Encode(), &page)
	return page, err
}

// List pages through the objects under dir with the delimiter "/".
func (f *gcsFS) List(ctx context.Context, dir string) ([]Entry, error) {
	prefix := dirPrefix(dir)
	var out []Entry
	found := false
	for token := ""; ; {
		page, err := f.listPage(ctx, dir, prefix, token, f.pageSize)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Prefixes {
			found = true
			if name := strings.TrimSuffix(strings.TrimPrefix(p, prefix), "/"); name != "" {
				out = append(out, Entry{Name: name, Dir: true})
			}
		}
		for _, o := range page.Items {
			found = true
			if name := strings.TrimPrefix(o.Name, prefix); name != "" && !isFolderMarker(name) {
				out = append(out, o.entry(name))
			}
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if !found && prefix != "" {
		return nil, notFound(f.Label(dir), nil)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Stat gets the object's metadata; a name that is no object but a prefix
// of some is a directory.
func (f *gcsFS) Stat(ctx context.Context, name string) (Entry, error) {
	name = strings.Trim(name, "/")
	base := baseName(name)
	if name == "" {
		// A one-object listing needs only storage.objects.list, which
		// a reader has; the bucket's metadata needs more.
		if _, err := f.listPage(ctx, name, "", "", 1); err != nil {
			return Entry{}, err
		}
		return Entry{Dir: true}, nil
	}
	head := func() (Entry, error) {
		var o gcsObject
		if err := f.getJSON(ctx, name, f.objectURL(name, url.Values{"fields": {"name,size,updated,etag,generation"}}), &o); err != nil {
			return Entry{}, err
		}
		return o.entry(base), nil
	}
	anyUnder := func() (bool, error) {
		page, err := f.listPage(ctx, name, name+"/", "", 1)
		if err != nil {
			return false, err
		}
		return len(page.Items) > 0 || len(page.Prefixes) > 0, nil
	}
	return statObject(name, head, anyUnder)
}

// Open streams the object's media.
func (f *gcsFS) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	name = strings.Trim(name, "/")
	resp, err := f.get(ctx, name, f.objectURL(name, url.Values{"alt": {"media"}}))
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Create spools to a temporary file and uploads it (a simple media
// upload) on Close.
func (f *gcsFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	name = strings.Trim(name, "/")
	if name == "" {
		return nil, fmt.Errorf("%s: cannot create the top of the bucket", f.Label(name))
	}
	return newSpool(func(_ context.Context, file *os.File, size int64) error {
		q := url.Values{"uploadType": {"media"}, "name": {name}, "fields": {"name"}}
		u := f.base + "/upload/storage/v1/b/" + url.PathEscape(f.bucket) + "/o?" + q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, io.NopCloser(file))
		if err != nil {
			return fmt.Errorf("%s: %w", f.Label(name), err)
		}
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := f.client.Do(req)
		if err != nil {
			return fmt.Errorf("%s: upload: %w", f.Label(name), err)
		}
		if resp.StatusCode != http.StatusOK {
			return f.fail(name, resp)
		}
		resp.Body.Close()
		return nil
	})
}
