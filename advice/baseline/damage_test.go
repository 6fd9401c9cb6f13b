package baseline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"
)

// sampleStore writes a store of 3 jobs of 40 runs each (a few dozen pages,
// with branch pages) and returns its bytes.
func sampleStore(t testing.TB) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 3; j++ {
		for i := 0; i < 40; i++ {
			r := run(fmt.Sprintf("application_1700000000000_%04d", j*100+i), int64(i+1)*86_400_000, 600_000, 1<<30)
			r.Name = fmt.Sprintf("job-%d", j)
			r.Source = strings.Repeat("/data/logs/", 20)
			if err := s.Record(r, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll opens the store at p read-only and reads every job and run, the
// way 'baseline jobs' and 'baseline show' do. It returns what it read.
func readAll(p string) (string, error) {
	s, err := Open(p, Options{ReadOnly: true})
	if err != nil {
		return "", err
	}
	defer s.Close()
	jobs, err := s.Jobs()
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, j := range jobs {
		runs, err := s.Runs(j.Name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&out, "%s %d %d %d\n", j.Name, j.Runs, j.First, j.Last)
		for _, r := range runs {
			fmt.Fprintf(&out, "  %+v\n", r)
		}
		if len(runs) > 0 {
			if _, err := s.History(&runs[len(runs)-1], 0); err != nil {
				return "", err
			}
		}
	}
	return out.String(), nil
}

func overwrite(b []byte, off int) []byte {
	b = bytes.Clone(b)
	for i := 0; i < 12 && off+i < len(b); i++ {
		b[off+i] ^= 0x5A
	}
	return b
}

// leafOffset is the offset of the first element header of the leaf page
// that holds the byte at off (a record's, so a page in use: a freed page
// keeps its old leaf header but is never read).
func leafOffset(t *testing.T, b []byte, off int) int {
	ps := pageSize(b)
	id := off / ps
	if ne.Uint16(b[id*ps+8:])&leafPage == 0 || ne.Uint16(b[id*ps+10:]) < 2 {
		t.Fatalf("the record at %d is not in a leaf page with several elements", off)
	}
	return id*ps + pageHeaderSize
}

// pageSize is the page size meta page 0 gives (the OS page size when the
// store was created).
func pageSize(b []byte) int { return int(ne.Uint32(b[pageHeaderSize+8:])) }

func TestDamagedStore(t *testing.T) {
	good := sampleStore(t)
	if len(good) < 32<<10 {
		t.Fatalf("sample store is only %d bytes", len(good))
	}
	dir := t.TempDir()
	want, err := readAll(writeFile(t, dir, "good.db", good))
	if err != nil {
		t.Fatal(err)
	}
	rec := bytes.Index(good, []byte(`"appId":"application_1700000000000_0107"`))
	if rec < 0 {
		t.Fatal("record not found")
	}
	for _, c := range []struct {
		name string
		file []byte
		msg  string // in the error; "" for ErrDamaged with the recovery advice
	}{
		{"cut at 16 KiB", good[:16<<10], ""},
		{"cut at 20000 bytes", good[:20000], ""},
		{"cut at 8 KiB", good[:8<<10], ""},
		{"cut at 100 bytes", good[:100], ""},
		{"cut at 0 bytes", nil, "the file is empty (0 bytes)"},
		{"meta 0 magic", overwrite(good, 16), ""},
		{"meta 0 root", overwrite(good, 16+20), ""},
		{"meta 1 checksum", overwrite(good, pageSize(good)+16+50), ""},
		{"leaf page header", overwrite(good, leafOffset(t, good, rec)-pageHeaderSize), ""},
		{"leaf page elements", overwrite(good, leafOffset(t, good, rec)), ""},
		{"leaf page element 2", overwrite(good, leafOffset(t, good, rec)+20), ""},
		{"record", overwrite(good, rec+20), ""},
		{"record key", overwrite(good, rec-60), ""},
		{"not a store", bytes.Repeat([]byte("sparkdiag "), 3000), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, dir, strings.ReplaceAll(c.name, " ", "_"), c.file)
			got, err := readAll(p)
			if err == nil {
				// Damage that changes nothing read (free space) is allowed,
				// but then what is read must be the undamaged content.
				if got != want {
					t.Fatalf("damage not detected, and the store reads differently")
				}
				t.Skip("damage in unused bytes: read the same as undamaged")
			}
			if c.msg != "" {
				if !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("error %q, want %q", err, c.msg)
				}
				return
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("error %v does not wrap ErrDamaged", err)
			}
			if !strings.Contains(err.Error(), "mv "+p+" "+p+".damaged") || !strings.Contains(err.Error(), "review -q --baseline "+p) {
				t.Errorf("error does not say how to recover:\n%v", err)
			}
			// Opening for writing refuses it too, and leaves it as it was.
			if s, err := Open(p, Options{}); err == nil {
				s.Close()
				t.Errorf("opened for writing")
			}
		})
	}
}

// Every single 12-byte overwrite, at every 512th offset of the file, is
// either detected or harmless: never a panic or fault, never a silently
// different content.
func TestDamagedStoreEveryOffset(t *testing.T) {
	good := sampleStore(t)
	dir := t.TempDir()
	want, err := readAll(writeFile(t, dir, "good.db", good))
	if err != nil {
		t.Fatal(err)
	}
	detected, harmless := 0, 0
	for off := 0; off < len(good); off += 512 {
		p := writeFile(t, dir, "d.db", overwrite(good, off))
		got, err := readAll(p)
		switch {
		case err != nil && errors.Is(err, ErrDamaged):
			detected++
		case err != nil:
			t.Errorf("offset %d: error without ErrDamaged: %v", off, err)
		case got != want:
			t.Errorf("offset %d: damage not detected and the content changed", off)
		default:
			harmless++
		}
	}
	t.Logf("%d overwrites detected, %d in unused bytes", detected, harmless)
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzStoreReader opens a mutated small store and reads every job: it
// must never panic or fault, and an error must be a clear one. Each input
// is a file to write and open, so the fuzzer runs a few hundred a second;
// -fuzzminimizetime 1x keeps it from spending a minute minimizing each
// new input.
func FuzzStoreReader(f *testing.F) {
	p := filepath.Join(f.TempDir(), "s.db")
	s, err := Open(p, Options{})
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := s.Record(run(fmt.Sprintf("app-%d", i), int64(i+1)*1000, 60_000, 1<<20), 0); err != nil {
			f.Fatal(err)
		}
	}
	s.Close()
	good, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:16<<10])
	f.Add(overwrite(good, 16))
	f.Add(overwrite(good, 2*pageSize(good)+20))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "f.db")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readAll(p)
		if err != nil && !errors.Is(err, ErrDamaged) && !strings.Contains(err.Error(), "baseline store") {
			t.Fatalf("unclear error: %v", err)
		}
	})
}

// A format-1 store (records without checksums) is read as it is, and
// upgraded to checksummed records (and job keys) when opened for writing.
func TestStoreFormat1Upgrade(t *testing.T) {
	p := filepath.Join(t.TempDir(), "v1.db")
	db, err := bolt.Open(p, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := run("app-1", 86_400_000, 600_000, 1<<30)
	val, _ := json.Marshal(&r)
	err = db.Update(func(tx *bolt.Tx) error {
		m, _ := tx.CreateBucket(metaBucket)
		m.Put(formatKey, []byte(storeFormatV1))
		jobs, _ := tx.CreateBucket(jobsBucket)
		job, _ := jobs.CreateBucket([]byte(r.Name))
		return job.Put(runKey(&r), val)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(p); err != nil || !strings.Contains(got, "app-1") {
		t.Fatalf("format 1 read-only: %v\n%s", err, got)
	}
	s, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, _ := os.ReadFile(p)
	if !bytes.Contains(b, []byte(storeFormat)) {
		t.Fatal("not upgraded to the current format")
	}
	if got, err := readAll(p); err != nil || !strings.Contains(got, "app-1") {
		t.Fatalf("after the upgrade: %v\n%s", err, got)
	}
	i := bytes.Index(b, []byte(`"appId":"app-1"`))
	if _, err := readAll(writeFile(t, t.TempDir(), "x.db", overwrite(b, i+3))); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a damaged upgraded record: %v", err)
	}
}

// A store cut short while it is open (after the check) makes bbolt read a
// mapped page past the end of the file: a memory fault, which guard turns
// into a DamagedError instead of a crash.
func TestStoreCutWhileOpen(t *testing.T) {
	p := writeFile(t, t.TempDir(), "s.db", sampleStore(t))
	s, err := Open(p, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Truncate(p, 8192); err != nil {
		t.Fatal(err)
	}
	_, err = s.Runs("job-1")
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("err = %v, want ErrDamaged", err)
	}
	t.Log(err)
}
