package storetest

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The HDFS minicluster (eventlog/store/storetest/minicluster, built by
// .ci/install-hdfs) takes a JVM many seconds to start, so one cluster is
// shared by every test of a test binary: StartHDFS starts it on first use,
// and the package's TestMain calls StopHDFS when its tests are done:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		storetest.StopHDFS()
//		os.Exit(code)
//	}
//
// Without that TestMain the JVM still ends with the test binary: it exits
// when its standard input, a pipe from the test process, closes.

const (
	// HDFSFixtureDir is where StartHDFS copies the local fixture folder.
	HDFSFixtureDir = "/fixture"
	// HDFSManyDir holds HDFSManyCount empty files (f00000, f00001, ...),
	// more than the NameNode returns in one listing page (dfs.ls.limit,
	// 1000), so that listings page.
	HDFSManyDir   = "/many"
	HDFSManyCount = 1500
	// HDFSNameservice is the HA nameservice HAConfDir writes.
	HDFSNameservice = "sparkdiagns"

	hdfsMainClass  = "io.sparkdiag.minihdfs.MiniHdfs"
	hdfsInstall    = `eval "$(.ci/install-hdfs)"`
	hdfsReadyLimit = 3 * time.Minute
)

// HDFSServer is the running minicluster.
type HDFSServer struct {
	// RPCAddr is the NameNode's RPC address, 127.0.0.1:PORT
	// (hdfs://RPCAddr/path).
	RPCAddr string
	// HTTPAddr is the NameNode's HTTP address, which serves WebHDFS
	// (webhdfs://HTTPAddr/path).
	HTTPAddr string
	// User is the HDFS user the tests act as (HADOOP_USER_NAME).
	User string
	// Fixture is the local folder copied to HDFSFixtureDir.
	Fixture string
	// Startup is how long the JVM took from start to serving.
	Startup time.Duration

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    bytes.Buffer
	base   string
	waited chan struct{}
}

var (
	hdfsMu     sync.Mutex
	hdfsShared *HDFSServer
	hdfsErr    error
)

// HDFSClasspath is the launcher's Java classpath file: the file that
// $SPARKDIAG_HDFS_MINICLUSTER names, else the one .ci/install-hdfs writes in
// CacheDir. "" when neither exists.
func HDFSClasspath() string {
	for _, p := range []string{os.Getenv("SPARKDIAG_HDFS_MINICLUSTER"), filepath.Join(CacheDir(), "hdfs-minicluster", "classpath.txt")} {
		if p == "" {
			continue
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// javaPath is $JAVA_HOME/bin/java, else java on PATH; "" when absent.
func javaPath() string {
	if h := os.Getenv("JAVA_HOME"); h != "" {
		p := filepath.Join(h, "bin", "java")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath("java")
	return p
}

// StartHDFS returns the shared minicluster, starting it on first use with
// the files of the local folder fixtureDir copied to HDFSFixtureDir. It
// skips t (fails it under SPARKDIAG_REQUIRE_STORES=1) when the launcher or
// Java is not installed, and fails t when the cluster does not start (every
// later call then fails with the same error).
func StartHDFS(t testing.TB, fixtureDir string) *HDFSServer {
	t.Helper()
	cp, java := HDFSClasspath(), javaPath()
	if cp == "" {
		Missing(t, "the HDFS minicluster launcher", hdfsInstall)
	}
	if java == "" {
		Missing(t, "Java (for the HDFS minicluster)", "apt-get install default-jdk-headless")
	}
	fixture, err := filepath.Abs(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	hdfsMu.Lock()
	defer hdfsMu.Unlock()
	if hdfsShared == nil && hdfsErr == nil {
		hdfsShared, hdfsErr = startHDFS(t, java, cp, fixture)
	}
	if hdfsErr != nil {
		t.Fatalf("HDFS minicluster: %v", hdfsErr)
	}
	if hdfsShared.Fixture != fixture {
		t.Fatalf("HDFS minicluster: started with fixture %s, this test wants %s (one fixture per test binary)", hdfsShared.Fixture, fixture)
	}
	return hdfsShared
}

// StopHDFS stops the shared minicluster, if it was started, and removes
// its files. TestMain calls it after m.Run.
func StopHDFS() {
	hdfsMu.Lock()
	defer hdfsMu.Unlock()
	if hdfsShared != nil {
		hdfsShared.stop()
		hdfsShared = nil
	}
}

// startHDFS runs the launcher and waits for its READY line.
func startHDFS(t testing.TB, java, cpFile, fixture string) (*HDFSServer, error) {
	cpBytes, err := os.ReadFile(cpFile)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(fixture); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("fixture %s: not a folder (%v)", fixture, err)
	}
	base, err := os.MkdirTemp("", "sparkdiag-hdfs-")
	if err != nil {
		return nil, err
	}
	s := &HDFSServer{
		User:    hdfsUser(),
		Fixture: fixture,
		base:    base,
		waited:  make(chan struct{}),
	}
	rpcPort, httpPort := FreePort(t), FreePort(t)
	s.cmd = exec.Command(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.net.preferIPv4Stack=true",
		"-cp", strings.TrimSpace(string(cpBytes)), hdfsMainClass,
		"--rpc-port", strconv.Itoa(rpcPort), "--http-port", strconv.Itoa(httpPort),
		"--base-dir", filepath.Join(base, "data"),
		"--put", fixture+":"+HDFSFixtureDir,
		"--many", HDFSManyDir+":"+strconv.Itoa(HDFSManyCount),
		"--watch-stdin")
	s.cmd.Env = append(os.Environ(), "HADOOP_USER_NAME="+s.User)
	s.cmd.Stderr = &syncWriter{b: &s.out}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	began := time.Now()
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(base)
		return nil, fmt.Errorf("start %s: %w", java, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.waited) }()

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "READY ") {
				ready <- line
			}
			(&syncWriter{b: &s.out}).Write([]byte(line + "\n"))
		}
	}()
	select {
	case line := <-ready:
		s.Startup = time.Since(began)
		s.RPCAddr, s.HTTPAddr = readyField(line, "rpc"), readyField(line, "http")
		if s.RPCAddr == "" || s.HTTPAddr == "" {
			s.stop()
			return nil, fmt.Errorf("launcher printed %q, want READY rpc=ADDR http=ADDR", line)
		}
		return s, nil
	case <-s.waited:
		err = errors.New("the launcher exited before it was ready")
	case <-time.After(hdfsReadyLimit):
		err = fmt.Errorf("not ready within %s", hdfsReadyLimit)
	}
	s.stop()
	return nil, fmt.Errorf("%v:\n%s", err, syncString(&s.out))
}

// readyField is the value of key=VALUE in the READY line.
func readyField(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

// hdfsUser is $HADOOP_USER_NAME, else the OS user.
func hdfsUser() string {
	if u := os.Getenv("HADOOP_USER_NAME"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "sparkdiag"
}

// stop closes the launcher's stdin and sends its process group SIGTERM,
// then SIGKILL after 15 s, and removes its files.
func (s *HDFSServer) stop() {
	if s.cmd.Process != nil {
		_ = s.stdin.Close()
		pid := s.cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-s.waited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-s.waited
		}
	}
	os.RemoveAll(s.base)
}

// Output is what the launcher printed (its last 64 KiB).
func (s *HDFSServer) Output() string { return syncString(&s.out) }

// Env is the environment a client of the cluster needs: the user.
func (s *HDFSServer) Env() []string { return []string{"HADOOP_USER_NAME=" + s.User} }

// RPCURL is hdfs://RPCAddr/p.
func (s *HDFSServer) RPCURL(p string) string {
	return "hdfs://" + s.RPCAddr + "/" + strings.TrimPrefix(p, "/")
}

// WebHDFSURL is webhdfs://HTTPAddr/p.
func (s *HDFSServer) WebHDFSURL(p string) string {
	return "webhdfs://" + s.HTTPAddr + "/" + strings.TrimPrefix(p, "/")
}

// HAConfDir writes a HADOOP_CONF_DIR (core-site.xml, hdfs-site.xml) in a
// temporary folder of t and returns it. It declares the nameservice
// HDFSNameservice, whose first NameNode (nn1) is a dead loopback port and
// whose second (nn2) is the cluster's, so a client must fail over to reach
// it; fs.defaultFS is hdfs://HDFSNameservice.
func (s *HDFSServer) HAConfDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	dead := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	ns := HDFSNameservice
	core := hadoopXML(map[string]string{
		"fs.defaultFS":                   "hdfs://" + ns,
		"hadoop.security.authentication": "simple",
	})
	site := hadoopXML(map[string]string{
		"dfs.nameservices":                         ns,
		"dfs.ha.namenodes." + ns:                   "nn1,nn2",
		"dfs.namenode.rpc-address." + ns + ".nn1":  dead,
		"dfs.namenode.rpc-address." + ns + ".nn2":  s.RPCAddr,
		"dfs.namenode.http-address." + ns + ".nn1": dead,
		"dfs.namenode.http-address." + ns + ".nn2": s.HTTPAddr,
		"dfs.client.failover.proxy.provider." + ns: "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
	})
	for name, body := range map[string]string{"core-site.xml": core, "hdfs-site.xml": site} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// hadoopXML renders properties as a Hadoop configuration file, sorted by
// name.
func hadoopXML(props map[string]string) string {
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<configuration>\n")
	for _, k := range names {
		fmt.Fprintf(&b, "  <property><name>%s</name><value>%s</value></property>\n", xmlEscape(k), xmlEscape(props[k]))
	}
	b.WriteString("</configuration>\n")
	return b.String()
}

// xmlEscape escapes s for XML character data.
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
