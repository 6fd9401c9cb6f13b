package storetest

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// GCSServer is a fake-gcs-server (in-memory backend) serving one bucket.
type GCSServer struct {
	// Endpoint is http://127.0.0.1:PORT, the STORAGE_EMULATOR_HOST.
	Endpoint string
	// Bucket holds the fixture's files under their relative paths.
	Bucket string
}

// FakeGCSInstall is how to install fake-gcs-server by hand.
const FakeGCSInstall = "go install github.com/fsouza/fake-gcs-server@v1.56.1, or set SPARKDIAG_FAKE_GCS"

// StartGCS serves a copy of fixtureDir as a bucket through fake-gcs-server
// on a loopback port ("" for an empty bucket): the server loads DIR/bucket/...
// at start and keeps objects in memory. It skips t when fake-gcs-server is
// not installed.
func StartGCS(t testing.TB, fixtureDir string) GCSServer {
	t.Helper()
	bin := Tool("SPARKDIAG_FAKE_GCS", "fake-gcs-server", filepath.Join(CacheDir(), "bin"))
	if bin == "" {
		Missing(t, "fake-gcs-server (GCS emulator)", FakeGCSInstall)
	}
	s := GCSServer{Bucket: "sparkdiag-logs"}
	data := t.TempDir()
	bucket := filepath.Join(data, s.Bucket)
	if fixtureDir == "" {
		fixtureDir = t.TempDir()
	}
	CopyTree(t, fixtureDir, bucket)
	port := strconv.Itoa(FreePort(t))
	addr := "127.0.0.1:" + port
	s.Endpoint = "http://" + addr
	p := Start(t, nil, bin, "-scheme", "http", "-host", "127.0.0.1", "-port", port,
		"-backend", "memory", "-data", data, "-external-url", s.Endpoint,
		"-public-host", addr, "-log-level", "error")
	p.WaitPort(t, addr, 30*time.Second)
	return s
}

// Env points GCS clients (and sparkdiag's gs:// URLs) at the emulator.
func (s GCSServer) Env() []string {
	return []string{"STORAGE_EMULATOR_HOST=" + s.Endpoint}
}

// URL is the gs:// URL of path in the bucket.
func (s GCSServer) URL(path string) string { return "gs://" + s.Bucket + "/" + path }
