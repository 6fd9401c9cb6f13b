package store

// The checks every object-store backend passes against its test server
// (s3_test.go, gcs_test.go, azure_test.go), on a fixture of real Spark
// event logs from testdata.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

// Paths of the fixture (see makeFixture).
const (
	fxRolling    = "spark-events/eventlog_v2_local-1795476552477"
	fxDatabricks = "cluster-logs/0101-120000-abcd1234/eventlog/0101-120000-abcd1234_10_0_0_1/5301717293316154121"
	fxBig        = "big/nds_q86_x6.zstd"
	fxPaging     = "paging"
)

// repoFile is a file of the repository's testdata.
func repoFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "testdata", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture source: %v", err)
	}
	return p
}

// makeFixture lays out real Spark logs as a cluster would leave them in a
// bucket: a rolling event log dir (eventlog_v2_*), single-file logs, a
// Databricks cluster-log tree, a multi-MB log (a real log repeated), and
// `paging` files in one folder to make listings take several pages.
func makeFixture(t testing.TB, paging int) string {
	t.Helper()
	dir := t.TempDir()
	storetest.CopyTree(t, repoFile(t, "spark/logs/3.5.9/partitions_too_many/eventlog_v2_local-1795476552477"), filepath.Join(dir, filepath.FromSlash(fxRolling)))
	put := func(rel string, srcs ...string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range srcs {
			in, err := os.Open(repoFile(t, s))
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.Copy(out, in)
			in.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	put("spark-events/rp_sql_eventlog.zstd", "public/rp_sql_eventlog.zstd")
	put("spark-events/application_1700000000000_0001.snappy", "spark/logs/3.5.9/join_spill.snappy")
	put(fxDatabricks+"/eventlog", "spark/logs/3.5.9/cluster_healthy_etl.zstd")
	q86 := "public/nds_q86_test.zstd"
	put(fxBig, q86, q86, q86, q86, q86, q86)
	// Hadoop S3N/EMRFS folder markers: listed by no backend.
	put("cluster-logs_$folder$")
	put(fxRolling + "_$folder$")
	for i := 0; i < paging; i++ {
		put(fmt.Sprintf("%s/app-%04d.zstd", fxPaging, i), "public/labeled/attempt_1_eventlog.zstd")
	}
	return dir
}

// fileSHA is the hex sha256 of a local file.
func fileSHA(t testing.TB, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// localEntries lists a fixture folder as "name" and "dir/" with sizes.
func localEntries(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range des {
		if isFolderMarker(d.Name()) {
			continue
		}
		if d.IsDir() {
			out = append(out, d.Name()+"/")
			continue
		}
		info, err := d.Info()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d", d.Name(), info.Size()))
	}
	sort.Strings(out)
	return out
}

// storeEntries is localEntries' form of a listing.
func storeEntries(es []Entry) []string {
	var out []string
	for _, e := range es {
		if e.Dir {
			out = append(out, e.Name+"/")
		} else {
			out = append(out, fmt.Sprintf("%s %d", e.Name, e.Size))
		}
	}
	return out
}

// testObjectStore runs the common checks on fsys, which serves fixture
// (made by makeFixture) at its top.
func testObjectStore(t *testing.T, fsys FS, fixture string) {
	ctx := context.Background()

	t.Run("List", func(t *testing.T) {
		// Every folder of the fixture lists as the store lists it.
		var dirs []string
		err := filepath.WalkDir(fixture, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				rel, _ := filepath.Rel(fixture, p)
				dirs = append(dirs, strings.TrimPrefix(filepath.ToSlash(rel), "."))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range dirs {
			t.Run(strings.ReplaceAll("top/"+dir, "/", "_"), func(t *testing.T) {
				got, err := fsys.List(ctx, dir)
				if err != nil {
					t.Fatalf("List(%q): %v", dir, err)
				}
				if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Name < got[j].Name }) {
					t.Errorf("List(%q) not sorted by name", dir)
				}
				want := localEntries(t, filepath.Join(fixture, filepath.FromSlash(dir)))
				if g := storeEntries(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
					t.Errorf("List(%q) =\n%s\nwant (the fixture folder)\n%s", dir, strings.Join(g, "\n"), strings.Join(want, "\n"))
				}
				for _, e := range got {
					if !e.Dir && e.ModTime.IsZero() {
						t.Errorf("List(%q): %s has no ModTime", dir, e.Name)
					}
				}
			})
		}
	})

	t.Run("ListMissing", func(t *testing.T) {
		for _, dir := range []string{"no-such-dir", "spark-events/no-such", "spark-events/rp_sql_eventlog.zstd"} {
			_, err := fsys.List(ctx, dir)
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("List(%q) = %v, want an error wrapping fs.ErrNotExist", dir, err)
			} else if !strings.Contains(err.Error(), fsys.Label(dir)) {
				t.Errorf("List(%q) error %q does not name %s", dir, err, fsys.Label(dir))
			}
		}
	})

	t.Run("Stat", func(t *testing.T) {
		big, err := os.Stat(filepath.Join(fixture, filepath.FromSlash(fxBig)))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name    string
			wantDir bool
			size    int64
			missing bool
		}{
			{name: "", wantDir: true},
			{name: "spark-events", wantDir: true},
			{name: fxRolling, wantDir: true},
			{name: "cluster-logs/0101-120000-abcd1234", wantDir: true},
			{name: fxBig, size: big.Size()},
			{name: fxDatabricks + "/eventlog", size: fileSize(t, filepath.Join(fixture, fxDatabricks, "eventlog"))},
			{name: "spark-events/missing.zstd", missing: true},
			{name: "spark-event", missing: true}, // a prefix of a folder's name is no folder
			{name: "big/nds_q86", missing: true},
		} {
			e, err := fsys.Stat(ctx, c.name)
			switch {
			case c.missing:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Stat(%q) = %+v, %v; want an error wrapping fs.ErrNotExist", c.name, e, err)
				}
			case err != nil:
				t.Errorf("Stat(%q): %v", c.name, err)
			case e.Dir != c.wantDir || (!c.wantDir && e.Size != c.size):
				t.Errorf("Stat(%q) = dir %v size %d, want dir %v size %d", c.name, e.Dir, e.Size, c.wantDir, c.size)
			case e.Name != path.Base("/"+c.name) && c.name != "":
				t.Errorf("Stat(%q).Name = %q, want %q", c.name, e.Name, path.Base(c.name))
			case !c.wantDir && e.ModTime.IsZero():
				t.Errorf("Stat(%q) has no ModTime", c.name)
			}
		}
	})

	t.Run("OpenStreams", func(t *testing.T) {
		local := filepath.Join(fixture, filepath.FromSlash(fxBig))
		size := fileSize(t, local)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rc, err := fsys.Open(ctx, fxBig)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		h := sha256.New()
		if _, err := io.CopyN(h, rc, 64<<10); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		// Had Open read the object whole, the heap would hold it now.
		if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > size/2 {
			t.Errorf("the heap grew by %d bytes after reading 64 KiB of a %d-byte object: Open does not stream", grew, size)
		}
		n, err := io.Copy(h, rc)
		if err != nil {
			t.Fatal(err)
		}
		if n+64<<10 != size {
			t.Errorf("read %d bytes, want %d", n+64<<10, size)
		}
		if got, want := hex.EncodeToString(h.Sum(nil)), fileSHA(t, local); got != want {
			t.Errorf("sha256 of %s = %s, want %s (the fixture's)", fxBig, got, want)
		}
	})

	t.Run("OpenMissing", func(t *testing.T) {
		rc, err := fsys.Open(ctx, "spark-events/missing.zstd")
		if err == nil {
			rc.Close()
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open of a missing object = %v, want an error wrapping fs.ErrNotExist", err)
		}
		if want := fsys.Label("spark-events/missing.zstd"); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	})

	t.Run("CreateReadBack", func(t *testing.T) {
		src := repoFile(t, "public/nds_q86_test.zstd")
		name := "out/created/nds_q86_copy.zstd"
		w, err := fsys.Create(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		in, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		// Several writes of a small buffer, as an encoder writes.
		if _, err := io.CopyBuffer(struct{ io.Writer }{w}, in, make([]byte, 4096)); err != nil {
			t.Fatal(err)
		}
		if _, err := fsys.Stat(ctx, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("before Close, Stat(%q) = %v; want not found (the object appears whole on Close)", name, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		e, err := fsys.Stat(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if want := fileSize(t, src); e.Size != want || e.ETag == "" {
			t.Errorf("Stat after Create = size %d ETag %q, want size %d and an ETag", e.Size, e.ETag, want)
		}
		rc, err := fsys.Open(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		h := sha256.New()
		if _, err := io.Copy(h, rc); err != nil {
			t.Fatal(err)
		}
		if got, want := hex.EncodeToString(h.Sum(nil)), fileSHA(t, src); got != want {
			t.Errorf("read back sha256 %s, want %s", got, want)
		}
		es, err := fsys.List(ctx, "out/created")
		if err != nil || len(es) != 1 || es[0].Name != "nds_q86_copy.zstd" || es[0].ETag == "" {
			t.Errorf("List(out/created) = %+v, %v; want the one created object with its ETag", es, err)
		}
		// Replacing it works too, and an empty object is an object.
		w, err = fsys.Create(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if e, err := fsys.Stat(ctx, name); err != nil || e.Size != 0 {
			t.Errorf("Stat after an empty Create = %+v, %v; want size 0", e, err)
		}
	})

	t.Run("Label", func(t *testing.T) {
		if l := fsys.Label("a/b.zstd"); !strings.HasSuffix(l, "/a/b.zstd") || !IsURL(l) {
			t.Errorf("Label(a/b.zstd) = %q, want a URL ending in /a/b.zstd", l)
		}
	})
}

// fileSize is the size of a local file.
func fileSize(t testing.TB, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// setEnv sets KEY=VALUE pairs for the test.
func setEnv(t *testing.T, env []string) {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// openURL opens a store URL, failing t on error.
func openURL(t *testing.T, rawURL string) (FS, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fsys, p, err := Open(ctx, rawURL)
	if err != nil {
		t.Fatalf("Open(%s): %v", rawURL, err)
	}
	t.Cleanup(func() { fsys.Close() })
	return fsys, p
}

// countingTransport counts the requests it sends.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// checkDenied checks that every operation of fsys under spark-events fails
// with access denied, naming the URL (which starts with label) and saying
// which credentials to check (hint), and that Create leaves no temporary
// file behind.
func checkDenied(t *testing.T, fsys FS, label, hint string) {
	t.Helper()
	ctx := context.Background()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"List", func() error { _, err := fsys.List(ctx, "spark-events"); return err }},
		{"Stat", func() error { _, err := fsys.Stat(ctx, "spark-events/rp_sql_eventlog.zstd"); return err }},
		{"Open", func() error { _, err := fsys.Open(ctx, "spark-events/rp_sql_eventlog.zstd"); return err }},
		{"Create", func() error {
			w, err := fsys.Create(ctx, "spark-events/new.zstd")
			if err != nil {
				return err
			}
			if _, err := io.WriteString(w, `{"Event":"SparkListenerLogStart"}`); err != nil {
				return err
			}
			return w.Close()
		}},
	} {
		err := op.run()
		if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), label) || !strings.Contains(err.Error(), hint) {
			t.Errorf("%s with wrong credentials: %v; want an error wrapping fs.ErrPermission that names %s and says %q", op.name, err, label, hint)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left after a failed upload: %v", left)
	}
}

// checkMissingBucket checks that fsys, a bucket or container that does not
// exist, says so for the top and below it.
func checkMissingBucket(t *testing.T, fsys FS) {
	t.Helper()
	ctx := context.Background()
	_, err := fsys.Stat(ctx, "")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of the top of a missing bucket: %v; want an error wrapping fs.ErrNotExist", err)
	}
	for _, dir := range []string{"", "spark-events"} {
		if _, err := fsys.List(ctx, dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("List(%q) of a missing bucket: %v; want an error wrapping fs.ErrNotExist", dir, err)
		}
	}
	if _, err := fsys.Stat(ctx, "spark-events/app.zstd"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of an object of a missing bucket: %v; want an error wrapping fs.ErrNotExist", err)
	}
}
