package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2/hadoopconf"
	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

// hdfsFixture is the local folder of real Spark logs the minicluster holds
// at storetest.HDFSFixtureDir; hdfsBigLog is its multi-MB log (3.4 MB, four
// HDFS blocks of the minicluster's 1 MiB).
const (
	hdfsFixture  = "../../testdata/triage"
	hdfsBigLog   = "executors_removed_eventlog_compressed.zstd"
	hdfsOtherLog = "dsAndDf_eventlog.zstd"
)

// startHDFS starts (or reuses) the minicluster and sets the environment a
// client of it needs: its user, and no Hadoop configuration of the machine.
func startHDFS(t *testing.T) *storetest.HDFSServer {
	t.Helper()
	s := storetest.StartHDFS(t, hdfsFixture)
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("HADOOP_CONF_DIR", "")
	t.Setenv("HADOOP_HOME", "")
	return s
}

// openStore opens rawURL, failing t, and closes it when t ends.
func openStore(t *testing.T, rawURL string) (FS, string) {
	t.Helper()
	fsys, p, err := Open(context.Background(), rawURL)
	if err != nil {
		t.Fatalf("Open(%s): %v", rawURL, err)
	}
	t.Cleanup(func() { fsys.Close() })
	return fsys, p
}

// readSHA256 streams a store file through SHA-256 in small reads and
// returns the hash and the byte count.
func readSHA256(t *testing.T, fsys FS, name string) (string, int64) {
	t.Helper()
	r, err := fsys.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("Open(%s): %v", fsys.Label(name), err)
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, r, make([]byte, 16<<10))
	if err != nil {
		t.Fatalf("reading %s: %v", fsys.Label(name), err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// writeFrom creates name in the store with the bytes of a local file,
// written in odd-sized pieces.
func writeFrom(t *testing.T, fsys FS, name, local string) {
	t.Helper()
	src, err := os.Open(local)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w, err := fsys.Create(context.Background(), name)
	if err != nil {
		t.Fatalf("Create(%s): %v", fsys.Label(name), err)
	}
	if _, err := io.CopyBuffer(w, src, make([]byte, 12345)); err != nil {
		w.Close()
		t.Fatalf("writing %s: %v", fsys.Label(name), err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("closing %s: %v", fsys.Label(name), err)
	}
}

// names lists the entry names, a "/" after directories.
func names(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name
		if e.Dir {
			out[i] += "/"
		}
	}
	return out
}

// testHDFSBackend runs the checks every HDFS backend must pass against the
// minicluster. url is the store URL of an absolute HDFS path; out is a
// folder of HDFS this backend alone writes in.
func testHDFSBackend(t *testing.T, url func(p string) string, out string) {
	fixture := storetest.HDFSFixtureDir
	root, _ := openStore(t, url("/"))

	t.Run("ListFixture", func(t *testing.T) {
		fsys, dir := openStore(t, url(fixture))
		got, err := fsys.List(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		local, err := os.ReadDir(hdfsFixture)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(local) {
			t.Fatalf("List(%s) = %v, want the %d files of %s", fsys.Label(dir), names(got), len(local), hdfsFixture)
		}
		for i, l := range local {
			info, _ := l.Info()
			e := got[i]
			if e.Name != l.Name() || e.Dir || e.Size != info.Size() {
				t.Errorf("entry %d = %+v, want file %s of %d bytes", i, e, l.Name(), info.Size())
			}
			if e.ModTime.IsZero() || e.Version != hdfsVersion(e.ModTime, e.Size) {
				t.Errorf("entry %s: ModTime %v Version %q, want a time and MTIME-SIZE", e.Name, e.ModTime, e.Version)
			}
		}
	})

	t.Run("ListTop", func(t *testing.T) {
		got, err := root.List(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(names(got), " ")
		for _, want := range []string{"fixture/", "many/"} {
			if !strings.Contains(" "+joined+" ", " "+want+" ") {
				t.Errorf("List(%s) = %s, want %s among them", root.Label(""), joined, want)
			}
		}
	})

	t.Run("ListManyPages", func(t *testing.T) {
		got, err := root.List(context.Background(), strings.TrimPrefix(storetest.HDFSManyDir, "/"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != storetest.HDFSManyCount {
			t.Fatalf("List(%s) gave %d entries, want %d (more than one page of 1000)", storetest.HDFSManyDir, len(got), storetest.HDFSManyCount)
		}
		for i, e := range got {
			if want := fmt.Sprintf("f%05d", i); e.Name != want || e.Dir || e.Size != 0 {
				t.Fatalf("entry %d = %+v, want empty file %s", i, e, want)
			}
		}
	})

	t.Run("Stat", func(t *testing.T) {
		big, err := os.Stat(filepath.Join(hdfsFixture, hdfsBigLog))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			want    Entry // ModTime and Version are checked apart
			missing bool
		}{
			{name: "fixture/" + hdfsBigLog, want: Entry{Name: hdfsBigLog, Size: big.Size()}},
			{name: "fixture", want: Entry{Name: "fixture", Dir: true}},
			{name: "many/f01499", want: Entry{Name: "f01499"}},
			{name: "fixture/no-such-log", missing: true},
			{name: "no/such/dir", missing: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e, err := root.Stat(context.Background(), tc.name)
				if tc.missing {
					if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), root.Label(tc.name)) {
						t.Fatalf("Stat = %+v, %v; want an error naming %s wrapping fs.ErrNotExist", e, err, root.Label(tc.name))
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if e.ModTime.IsZero() {
					t.Errorf("Stat(%s): no ModTime", tc.name)
				}
				e.ModTime, e.Version = time.Time{}, ""
				if e != tc.want {
					t.Errorf("Stat(%s) = %+v, want %+v", tc.name, e, tc.want)
				}
			})
		}
	})

	t.Run("OpenStreamsBigLog", func(t *testing.T) {
		local := filepath.Join(hdfsFixture, hdfsBigLog)
		got, n := readSHA256(t, root, "fixture/"+hdfsBigLog)
		if want := fileSHA(t, local); got != want {
			t.Fatalf("sha256 of %s = %s (%d bytes), want %s as %s", root.Label("fixture/"+hdfsBigLog), got, n, want, local)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		missing := "fixture/no-such-log"
		if _, err := root.Open(context.Background(), missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), root.Label(missing)) {
			t.Errorf("Open(missing) error = %v, want fs.ErrNotExist naming %s", err, root.Label(missing))
		}
		if _, err := root.List(context.Background(), "no-such-dir"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("List(missing) error = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("WrongKind", func(t *testing.T) {
		if es, err := root.List(context.Background(), "fixture/"+hdfsBigLog); err == nil {
			t.Errorf("List(a file) = %v, want an error", names(es))
		}
		if r, err := root.Open(context.Background(), "fixture"); err == nil {
			r.Close()
			t.Errorf("Open(a directory) succeeded, want an error")
		}
	})

	t.Run("CreateReadBackOverwrite", func(t *testing.T) {
		dst := strings.TrimPrefix(out, "/") + "/a/b/app.zstd"
		for _, src := range []string{hdfsBigLog, hdfsOtherLog} { // the second replaces the first
			local := filepath.Join(hdfsFixture, src)
			writeFrom(t, root, dst, local)
			got, n := readSHA256(t, root, dst)
			if want := fileSHA(t, local); got != want {
				t.Fatalf("after writing %s: sha256 of %s = %s (%d bytes), want %s", src, root.Label(dst), got, n, want)
			}
			info, _ := os.Stat(local)
			if e, err := root.Stat(context.Background(), dst); err != nil || e.Size != info.Size() {
				t.Fatalf("Stat(%s) = %+v, %v; want %d bytes", dst, e, err, info.Size())
			}
		}
		es, err := root.List(context.Background(), strings.TrimPrefix(out, "/")+"/a/b")
		if err != nil {
			t.Fatal(err)
		}
		if got := names(es); !reflect.DeepEqual(got, []string{"app.zstd"}) {
			t.Fatalf("List(%s/a/b) = %v, want [app.zstd] (no temporary file left)", out, got)
		}
		es, err = root.List(context.Background(), strings.TrimPrefix(out, "/")+"/a")
		if err != nil || !reflect.DeepEqual(names(es), []string{"b/"}) {
			t.Fatalf("List(%s/a) = %v, %v; want [b/]", out, names(es), err)
		}
	})

	t.Run("CreateCancelledLeavesNothing", func(t *testing.T) {
		dst := strings.TrimPrefix(out, "/") + "/cancelled.zstd"
		ctx, cancel := context.WithCancel(context.Background())
		w, err := root.Create(ctx, dst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(make([]byte, 300<<10)); err != nil {
			t.Fatal(err)
		}
		cancel()
		_, _ = w.Write(make([]byte, 10)) // may fail: the context is done
		if err := w.Close(); err == nil {
			t.Fatal("Close after cancel succeeded, want an error")
		}
		for _, name := range []string{dst, dst + hdfsCopyingSuffix} {
			if _, err := root.Stat(context.Background(), name); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat(%s) after a cancelled Create: %v, want fs.ErrNotExist", name, err)
			}
		}
	})
}

// TestHDFS checks the RPC backend (hdfs://127.0.0.1:PORT/...) against the
// minicluster.
func TestHDFS(t *testing.T) {
	s := startHDFS(t)
	t.Logf("minicluster started in %s", s.Startup.Round(time.Millisecond))
	testHDFSBackend(t, s.RPCURL, "/out-rpc")
}

// TestHDFSNameservice reaches the minicluster through an HA nameservice of
// HADOOP_CONF_DIR whose first NameNode is a dead port (the client fails
// over to the second), by name and through fs.defaultFS (hdfs:///).
func TestHDFSNameservice(t *testing.T) {
	s := startHDFS(t)
	t.Setenv("HADOOP_CONF_DIR", s.HAConfDir(t))
	want := fileSHA(t, filepath.Join(hdfsFixture, hdfsBigLog))
	for _, u := range []string{
		"hdfs://" + storetest.HDFSNameservice + storetest.HDFSFixtureDir,
		"hdfs://" + storetest.HDFSFixtureDir, // hdfs:///fixture: fs.defaultFS
	} {
		t.Run(u, func(t *testing.T) {
			fsys, dir := openStore(t, u)
			es, err := fsys.List(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				t.Fatalf("List(%s) is empty", u)
			}
			if got, _ := readSHA256(t, fsys, dir+"/"+hdfsBigLog); got != want {
				t.Fatalf("sha256 through %s = %s, want %s", u, got, want)
			}
			if !strings.HasPrefix(fsys.Label(dir), strings.TrimSuffix(u, storetest.HDFSFixtureDir)) {
				t.Errorf("Label(%s) = %s, want it to start as the URL", dir, fsys.Label(dir))
			}
		})
	}
}

// TestHDFSNameserviceAllDead: a nameservice whose only NameNode does not
// answer fails to open, naming the address it tried.
func TestHDFSNameserviceAllDead(t *testing.T) {
	startHDFS(t)
	dir := t.TempDir()
	dead := fmt.Sprintf("127.0.0.1:%d", storetest.FreePort(t))
	site := `<configuration>
<property><name>dfs.nameservices</name><value>deadns</value></property>
<property><name>dfs.ha.namenodes.deadns</name><value>nn1</value></property>
<property><name>dfs.namenode.rpc-address.deadns.nn1</name><value>` + dead + `</value></property>
</configuration>`
	if err := os.WriteFile(filepath.Join(dir, "hdfs-site.xml"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HADOOP_CONF_DIR", dir)
	fsys, _, err := Open(context.Background(), "hdfs://deadns/fixture")
	if err == nil {
		fsys.Close()
		t.Fatal("Open(hdfs://deadns/fixture) succeeded with no live NameNode")
	}
	if !strings.Contains(err.Error(), dead) || !strings.Contains(err.Error(), "hdfs://deadns") {
		t.Fatalf("error %q, want it to name hdfs://deadns and %s", err, dead)
	}
}

// TestHDFSNamenodes resolves URL authorities to NameNode addresses.
func TestHDFSNamenodes(t *testing.T) {
	conf := hadoopconf.HadoopConf{
		"fs.defaultFS":                       "hdfs://ns1",
		"dfs.ha.namenodes.ns1":               "nn1, nn2",
		"dfs.namenode.rpc-address.ns1.nn1":   "a:8020",
		"dfs.namenode.rpc-address.ns1.nn2":   "b:8020",
		"dfs.ha.namenodes.broken":            "x",
		"dfs.namenode.rpc-address.fed":       "c:9000",
		"dfs.namenode.rpc-address.other.nn9": "z:1",
	}
	for _, tc := range []struct {
		conf    hadoopconf.HadoopConf
		host    string
		want    []string
		wantErr string
	}{
		{conf, "ns1", []string{"a:8020", "b:8020"}, ""},
		{conf, "", []string{"a:8020", "b:8020"}, ""},
		{conf, "fed", []string{"c:9000"}, ""},
		{conf, "nn.example:9000", []string{"nn.example:9000"}, ""},
		{conf, "nn.example", []string{"nn.example:8020"}, ""},
		{conf, "broken", nil, "dfs.namenode.rpc-address.broken.x is not set"},
		{nil, "", nil, "needs fs.defaultFS"},
		{hadoopconf.HadoopConf{"fs.defaultFS": "file:///"}, "", nil, "needs fs.defaultFS"},
		{hadoopconf.HadoopConf{"fs.defaultFS": "hdfs://nn:8020"}, "", []string{"nn:8020"}, ""},
	} {
		got, err := hdfsNamenodes(tc.conf, tc.host)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("hdfsNamenodes(%q) = %v, %v; want an error with %q", tc.host, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("hdfsNamenodes(%q) = %v, %v; want %v", tc.host, got, err, tc.want)
		}
	}
}

// TestKrbCCachePath reads KRB5CCNAME as kinit writes it.
func TestKrbCCachePath(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"FILE:/tmp/cc", "/tmp/cc"},
		{"/var/cc", "/var/cc"},
		{"", "/tmp/krb5cc_1000"},
	} {
		if got := krbCCachePath(tc.env, 1000); got != tc.want {
			t.Errorf("krbCCachePath(%q) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

// TestHDFSKerberosNeedsTicket: a Kerberos cluster without a ticket cache
// fails before connecting, naming the cache and kinit.
func TestHDFSKerberosNeedsTicket(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("core-site.xml", `<configuration>
<property><name>hadoop.security.authentication</name><value>kerberos</value></property>
<property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:1</value></property>
</configuration>`)
	write("hdfs-site.xml", `<configuration>
<property><name>dfs.namenode.kerberos.principal</name><value>nn/_HOST@EXAMPLE.COM</value></property>
</configuration>`)
	write("krb5.conf", "[libdefaults]\n default_realm = EXAMPLE.COM\n")
	t.Setenv("HADOOP_CONF_DIR", dir)
	t.Setenv("KRB5_CONFIG", filepath.Join(dir, "krb5.conf"))
	cc := filepath.Join(dir, "no-such-ccache")
	t.Setenv("KRB5CCNAME", "FILE:"+cc)
	_, _, err := Open(context.Background(), "hdfs:///logs")
	if err == nil || !strings.Contains(err.Error(), cc) || !strings.Contains(err.Error(), "kinit") {
		t.Fatalf("Open with Kerberos and no ticket cache: %v; want an error naming %s and kinit", err, cc)
	}
}

// TestHDFSNamenodeSilent: a NameNode that accepts the connection but never
// answers makes a call fail after the idle timeout instead of hanging.
func TestHDFSNamenodeSilent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c) // read everything, answer nothing
		}
	}()
	old := hdfsNamenodeIdle
	hdfsNamenodeIdle = 300 * time.Millisecond
	defer func() { hdfsNamenodeIdle = old }()
	t.Setenv("HADOOP_CONF_DIR", "")
	t.Setenv("HADOOP_HOME", "")
	t.Setenv("HADOOP_USER_NAME", "dave")
	u := "hdfs://" + l.Addr().String() + "/logs"
	start := time.Now()
	fsys, p, err := Open(context.Background(), u)
	if err == nil {
		defer fsys.Close()
		_, err = fsys.Stat(context.Background(), p)
	}
	if err == nil || !strings.Contains(err.Error(), l.Addr().String()) {
		t.Fatalf("Stat through a silent NameNode: %v; want an error naming %s", err, l.Addr())
	}
	t.Logf("error: %v", err)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s, want the 300ms idle timeout to end it", d)
	}
}
