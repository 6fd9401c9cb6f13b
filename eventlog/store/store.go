// Package store reads event logs where clusters keep them: object stores
// (S3, GCS, Azure Blob / ADLS Gen2) and HDFS (RPC and WebHDFS), addressed by
// URL. Every backend offers the same small file-system view (FS): list one
// level with a delimiter, stat, open a streaming reader, and create an
// object for output. Objects are always streamed; nothing is held whole.
//
// Backends register themselves by URL scheme (see Register). Open picks
// the backend of a URL and returns it with the path inside it.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Entry is one file or "directory" (a common prefix) of a listing.
type Entry struct {
	// Name is the last element of the path, without a trailing slash.
	Name string
	// Dir is true for a directory or a common prefix of an object store.
	Dir bool
	// Size in bytes (files only).
	Size int64
	// ModTime is the last modification time, zero when unknown.
	ModTime time.Time
	// ETag and Version identify the object's content where the store
	// gives them (S3/GCS/Azure ETag, GCS generation, S3 version id); for
	// HDFS, Version is the modification time and size. Empty when unknown.
	ETag    string
	Version string
}

// FS is a store: one bucket, container or HDFS file system. Paths are
// slash-separated, relative to the store's top, without a leading slash
// ("" is the top). Implementations must be safe for concurrent use.
type FS interface {
	// List returns the entries directly under dir, sorted by name: the
	// files, and the directories (object stores: the common prefixes
	// under the delimiter "/"). Paging is done inside List.
	// A dir that does not exist returns an error wrapping fs.ErrNotExist.
	List(ctx context.Context, dir string) ([]Entry, error)
	// Stat describes one file or directory. An object store reports a
	// name that is only a prefix of other objects as a directory.
	Stat(ctx context.Context, name string) (Entry, error)
	// Open streams a file's bytes from the start. The caller closes it.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Create writes a file, replacing any; the object appears, whole,
	// only when Close returns nil. Memory stays bounded whatever is
	// written (a backend may spool to a temporary file).
	Create(ctx context.Context, name string) (io.WriteCloser, error)
	// Label is how messages name a path of this store: the full URL.
	Label(name string) string
	// Close releases the connection.
	Close() error
}

// Opener makes the FS of a URL. It returns the path inside the store that
// the URL points to, which must be the URL's path: the store is cached by
// everything else (scheme, user, host and query), and later URLs of the
// same store are served from the cache with their own path.
type Opener func(ctx context.Context, u *url.URL) (FS, string, error)

var (
	mu      sync.RWMutex
	openers = map[string]Opener{}
	// opened caches the stores opened, by scheme, authority and query,
	// so that thousands of URLs of one bucket share one client.
	opened = map[string]FS{}
)

// Register makes Open use op for URLs with the given schemes (lower case).
func Register(op Opener, schemes ...string) {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range schemes {
		openers[s] = op
	}
}

// Schemes lists the registered URL schemes, sorted.
func Schemes() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for s := range openers {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// IsURL reports whether s names a store by URL (scheme://...). Local
// paths, including Windows drive letters, are not URLs.
func IsURL(s string) bool {
	i := strings.Index(s, "://")
	if i < 2 {
		return false
	}
	for _, c := range s[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// ErrUnknownScheme is returned by Open for a URL scheme no backend serves.
var ErrUnknownScheme = errors.New("unknown store scheme")

// Open returns the store a URL names and the path inside it. Stores are
// cached: later URLs of the same store (scheme, user, host and query) get
// the same client, whose Close does nothing; CloseAll closes them.
func Open(ctx context.Context, rawURL string) (FS, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("%s: not a valid URL: %w", rawURL, err)
	}
	scheme := strings.ToLower(u.Scheme)
	mu.RLock()
	op := openers[scheme]
	mu.RUnlock()
	if op == nil {
		return nil, "", fmt.Errorf("%s: %w %q; supported: %s", rawURL, ErrUnknownScheme, scheme, strings.Join(Schemes(), ", "))
	}
	key := scheme + "://" + u.User.String() + "@" + u.Host + "?" + u.RawQuery + "\x00" + settings()
	mu.RLock()
	cached := opened[key]
	mu.RUnlock()
	if cached != nil {
		return cached, strings.Trim(u.Path, "/"), nil
	}
	fsys, p, err := op(ctx, u)
	if err != nil {
		return nil, "", err
	}
	mu.Lock()
	if prev, ok := opened[key]; ok {
		mu.Unlock()
		fsys.Close()
		return prev, strings.Trim(p, "/"), nil
	}
	sh := shared{fsys}
	opened[key] = sh
	mu.Unlock()
	return sh, strings.Trim(p, "/"), nil
}

// shared is a cached store: every caller of Open gets the same one, so
// Close does nothing; CloseAll closes it.
type shared struct{ FS }

func (shared) Close() error { return nil }

// settingsPrefixes are the environment variables the backends read their
// endpoints and credentials from: a store is cached only for the same
// settings (they change between tests, not within a run).
var settingsPrefixes = []string{"AWS_", "SPARKDIAG_S3_", "GOOGLE_", "STORAGE_EMULATOR_HOST", "AZURE_", "HADOOP_", "KRB5", "WEBHDFS_"}

func settings() string {
	var b strings.Builder
	for _, kv := range os.Environ() {
		for _, p := range settingsPrefixes {
			if strings.HasPrefix(kv, p) {
				b.WriteString(kv)
				b.WriteByte(0)
				break
			}
		}
	}
	return b.String()
}

// CloseAll closes every store Open returned; later calls of Open open them
// again.
func CloseAll() error {
	mu.Lock()
	defer mu.Unlock()
	var errs []error
	for k, f := range opened {
		if sh, ok := f.(shared); ok {
			f = sh.FS
		}
		errs = append(errs, f.Close())
		delete(opened, k)
	}
	return errors.Join(errs...)
}

// unwrap returns the backend behind a cached store.
func unwrap(f FS) FS {
	if sh, ok := f.(shared); ok {
		return sh.FS
	}
	return f
}
