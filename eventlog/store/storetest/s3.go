package storetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// S3Server is a versitygw gateway (posix backend) serving one bucket.
type S3Server struct {
	// Endpoint is http://127.0.0.1:PORT.
	Endpoint string
	// Bucket holds the fixture's files under their relative paths.
	Bucket string
	// AccessKey and SecretKey are the gateway's root credentials.
	AccessKey, SecretKey string
	// Dir is the gateway's top folder: Dir/Bucket is the bucket.
	Dir string
}

// S3 test credentials and bucket (local only).
const (
	s3Access = "sparkdiagtest"
	s3Secret = "sparkdiagtestsecret"
	s3Bucket = "sparkdiag-logs"
)

// VersitygwInstall is how to install versitygw by hand.
const VersitygwInstall = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0, or set SPARKDIAG_VERSITYGW"

// StartS3 serves a copy of fixtureDir as a bucket through versitygw on a
// loopback port ("" for an empty bucket). The gateway keeps object
// metadata in a sidecar folder, so the file system needs no xattrs. It
// skips t when versitygw is not installed.
func StartS3(t testing.TB, fixtureDir string) S3Server {
	t.Helper()
	bin := Tool("SPARKDIAG_VERSITYGW", "versitygw", filepath.Join(CacheDir(), "bin"))
	if bin == "" {
		Missing(t, "versitygw (S3 server)", VersitygwInstall)
	}
	top := t.TempDir()
	s := S3Server{Bucket: s3Bucket, AccessKey: s3Access, SecretKey: s3Secret, Dir: filepath.Join(top, "gw")}
	bucket := filepath.Join(s.Dir, s.Bucket)
	if fixtureDir != "" {
		CopyTree(t, fixtureDir, bucket)
	} else {
		CopyTree(t, t.TempDir(), bucket)
	}
	meta := filepath.Join(top, "meta")
	if err := os.MkdirAll(meta, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(FreePort(t))
	s.Endpoint = "http://" + addr
	p := Start(t, nil, bin, "--access", s.AccessKey, "--secret", s.SecretKey,
		"--port", addr, "--quiet", "posix", "--sidecar", meta, s.Dir)
	p.WaitPort(t, addr, 30*time.Second)
	return s
}

// Env is the environment that points the AWS SDK (and so sparkdiag's
// s3:// URLs) at the gateway.
func (s S3Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// URL is the s3:// URL of path in the bucket.
func (s S3Server) URL(path string) string { return fmt.Sprintf("s3://%s/%s", s.Bucket, path) }
