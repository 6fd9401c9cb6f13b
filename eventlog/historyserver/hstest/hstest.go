//go:build unix

// Package hstest starts the real Spark History Server for tests, from a
// pyspark installation (.ci/install-pyspark installs one).
package hstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

// FindSpark returns the Spark installation and its version, or skips the
// test. Spark is SPARKDIAG_SPARK_HOME (the pyspark package directory,
// holding bin/spark-class and jars/), else the pyspark of the Python in
// SPARKDIAG_PYSPARK_PYTHON. The test fails instead of skipping when
// SPARKDIAG_REQUIRE_HISTORY_SERVER=1 (as in CI); it skips with -short.
func FindSpark(t testing.TB) (home, version string) {
	t.Helper()
	required := os.Getenv("SPARKDIAG_REQUIRE_HISTORY_SERVER") == "1"
	skip := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...) + "; .ci/install-pyspark installs Spark, then set SPARKDIAG_SPARK_HOME"
		if required {
			t.Fatal(msg + " (SPARKDIAG_REQUIRE_HISTORY_SERVER=1)")
		}
		t.Skip(msg)
	}
	if testing.Short() && !required {
		t.Skip("starts the Spark History Server; skipped with -short")
	}
	home = os.Getenv("SPARKDIAG_SPARK_HOME")
	if home == "" {
		py := os.Getenv("SPARKDIAG_PYSPARK_PYTHON")
		if py == "" {
			skip("no Spark: neither SPARKDIAG_SPARK_HOME nor SPARKDIAG_PYSPARK_PYTHON is set")
		}
		out, err := exec.Command(py, "-c", "import pyspark,os;print(os.path.dirname(pyspark.__file__))").Output()
		if err != nil {
			skip("no pyspark in %s: %v", py, err)
		}
		home = strings.TrimSpace(string(out))
	}
	if _, err := os.Stat(filepath.Join(home, "bin", "spark-class")); err != nil {
		skip("no Spark at %s: %v", home, err)
	}
	java := "java"
	if jh := os.Getenv("JAVA_HOME"); jh != "" {
		java = filepath.Join(jh, "bin", "java")
	}
	if _, err := exec.LookPath(java); err != nil {
		skip("no java: %v", err)
	}
	jars, _ := filepath.Glob(filepath.Join(home, "jars", "spark-core_*.jar"))
	if len(jars) != 1 {
		skip("no single jars/spark-core_*.jar in %s", home)
	}
	m := regexp.MustCompile(`spark-core_[0-9.]+-(.+)\.jar$`).FindStringSubmatch(jars[0])
	if m == nil {
		skip("cannot tell the Spark version from %s", jars[0])
	}
	return home, m[1]
}

// Start runs the History Server over logDir on a free
// localhost port, as testdata/spark/tools/hs_oracle.py does, and returns
// its URL and a channel closed when it exits. It is stopped (its whole process group) when the test ends,
// and its output is shown if the test failed.
func Start(t testing.TB, sparkHome, logDir string) (string, <-chan struct{}) {
	t.Helper()
	tmp := t.TempDir()
	port := storetest.FreePort(t)
	props := filepath.Join(tmp, "hs.properties")
	conf := strings.Join([]string{
		"spark.history.fs.logDirectory=file://" + logDir,
		fmt.Sprintf("spark.history.ui.port=%d", port),
		"spark.history.ui.host=127.0.0.1",
		"spark.history.fs.update.interval=1s",
		"spark.history.fs.cleaner.enabled=false",
		"spark.history.fs.eventLog.rolling.maxFilesToRetain=2147483647",
		"spark.history.fs.inProgressOptimization.enabled=false",
		"",
	}, "\n")
	if err := os.WriteFile(props, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(tmp, "hs.out")
	out, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(sparkHome, "bin", "spark-class"),
		"org.apache.spark.deploy.history.HistoryServer", "--properties-file", props)
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SPARK_CONF_DIR=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "SPARK_HOME="+sparkHome, "SPARK_DAEMON_MEMORY=1g",
		"SPARK_LOG_DIR="+filepath.Join(tmp, "hslogs"))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the History Server: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		out.Close()
		if t.Failed() {
			b, _ := os.ReadFile(outPath)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("History Server output (%s, end):\n%s", outPath, b)
		}
	})
	return fmt.Sprintf("http://127.0.0.1:%d", port), exited
}
