package store

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

func TestParseS3URL(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		url     string
		want    s3Location
		wantErr string
	}{
		{url: "s3://logs/spark-events", want: s3Location{Scheme: "s3", Bucket: "logs", Path: "spark-events"}},
		{url: "s3a://logs/a/b/", want: s3Location{Scheme: "s3a", Bucket: "logs", Path: "a/b"}},
		{url: "S3N://logs", want: s3Location{Scheme: "s3n", Bucket: "logs"}},
		{url: "s3://logs/emr/j-1/?endpoint=http://127.0.0.1:9000&region=eu-west-1",
			want: s3Location{Scheme: "s3", Bucket: "logs", Path: "emr/j-1", Endpoint: "http://127.0.0.1:9000", Region: "eu-west-1"}},
		{url: "s3://logs/x?endpoint=https://minio.local&path_style=false",
			want: s3Location{Scheme: "s3", Bucket: "logs", Path: "x", Endpoint: "https://minio.local", PathStyle: &no}},
		{url: "s3://logs/x?path_style=true&anonymous=1",
			want: s3Location{Scheme: "s3", Bucket: "logs", Path: "x", PathStyle: &yes, Anonymous: true}},
		{url: "s3:///no-bucket", wantErr: "no bucket"},
		{url: "s3://logs/x?endpoint=127.0.0.1:9000", wantErr: "expected http://host:port"},
		{url: "s3://logs/x?anonymous=maybe", wantErr: "expected true or false"},
		{url: "s3://logs/x?profile=dev", wantErr: `unknown option "profile"`},
	} {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseS3URL(u)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("parseS3URL(%s) error = %v, want one saying %q", c.url, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseS3URL(%s): %v", c.url, err)
			continue
		}
		if got.Scheme != c.want.Scheme || got.Bucket != c.want.Bucket || got.Path != c.want.Path ||
			got.Endpoint != c.want.Endpoint || got.Region != c.want.Region || got.Anonymous != c.want.Anonymous ||
			(got.PathStyle == nil) != (c.want.PathStyle == nil) || (got.PathStyle != nil && *got.PathStyle != *c.want.PathStyle) {
			t.Errorf("parseS3URL(%s) = %+v, want %+v", c.url, got, c.want)
		}
	}
}

// startS3 serves a fixture with versitygw and points the SDK at it.
func startS3(t *testing.T, paging int) (storetest.S3Server, string) {
	fixture := makeFixture(t, paging)
	srv := storetest.StartS3(t, fixture)
	setEnv(t, srv.Env())
	// No shared config or profile of the developer's machine.
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_PROFILE", "")
	return srv, fixture
}

func TestS3Store(t *testing.T) {
	// 1001 objects in one folder: the listing takes two pages of 1000.
	srv, fixture := startS3(t, 1001)
	fsys, p := openURL(t, "s3://"+srv.Bucket)
	if p != "" {
		t.Fatalf("path = %q, want the top", p)
	}
	testObjectStore(t, fsys, fixture)

	t.Run("SmallPages", func(t *testing.T) {
		small, _ := openURL(t, "s3a://"+srv.Bucket+"/?region=us-east-1")
		unwrap(small).(*s3FS).pageSize = 2
		es, err := small.List(context.Background(), "spark-events")
		want := localEntries(t, fixture+"/spark-events")
		if err != nil || strings.Join(storeEntries(es), "\n") != strings.Join(want, "\n") {
			t.Fatalf("List(spark-events) in pages of 2 = %v, %v; want %v", storeEntries(es), err, want)
		}
	})
	t.Run("Paging", func(t *testing.T) {
		// 1001 objects take two requests of at most 1000 keys.
		f := unwrap(fsys).(*s3FS)
		counted := &countingTransport{base: http.DefaultTransport}
		paged := *f
		paged.client = s3.New(f.client.Options(), func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: counted} })
		es, err := paged.List(context.Background(), fxPaging)
		if err != nil || len(es) != 1001 || counted.n.Load() != 2 {
			t.Errorf("List(paging) = %d entries, %v, in %d requests; want 1001 in 2", len(es), err, counted.n.Load())
		}
	})
	t.Run("DirMarker", func(t *testing.T) {
		// A "dir/" object (S3A, consoles) is a folder, empty or not.
		f := unwrap(fsys).(*s3FS)
		ctx := context.Background()
		if _, err := f.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &srv.Bucket, Key: aws.String("markers/empty/")}); err != nil {
			t.Fatal(err)
		}
		if es, err := fsys.List(ctx, "markers"); err != nil || len(es) != 1 || !es[0].Dir || es[0].Name != "empty" {
			t.Errorf("List(markers) = %+v, %v; want the folder empty", es, err)
		}
		if es, err := fsys.List(ctx, "markers/empty"); err != nil || len(es) != 0 {
			t.Errorf("List(markers/empty) = %+v, %v; want no entries and no error", es, err)
		}
		if e, err := fsys.Stat(ctx, "markers/empty"); err != nil || !e.Dir {
			t.Errorf("Stat(markers/empty) = %+v, %v; want a folder", e, err)
		}
	})
	t.Run("MissingBucket", func(t *testing.T) {
		missing, _ := openURL(t, "s3://no-such-bucket/")
		checkMissingBucket(t, missing)
	})
	t.Run("QueryEndpoint", func(t *testing.T) {
		t.Setenv("AWS_ENDPOINT_URL", "")
		q, p := openURL(t, "s3://"+srv.Bucket+"/spark-events?endpoint="+url.QueryEscape(srv.Endpoint))
		if p != "spark-events" {
			t.Errorf("path = %q, want spark-events", p)
		}
		if _, err := q.Stat(context.Background(), "spark-events/rp_sql_eventlog.zstd"); err != nil {
			t.Error(err)
		}
	})
}

func TestS3BadCredentials(t *testing.T) {
	srv, _ := startS3(t, 0)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
	fsys, _ := openURL(t, "s3://"+srv.Bucket)
	checkDenied(t, fsys, "s3://"+srv.Bucket+"/spark-events", "access denied (check credentials: AWS_ACCESS_KEY_ID")
}

// TestS3BucketRegion: a bucket in another region than the configured one
// is read in its own region, found by HeadBucket's redirect.
func TestS3BucketRegion(t *testing.T) {
	var listedIn atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.Header().Set("X-Amz-Bucket-Region", "eu-west-1")
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		// The credential scope of the signature names the region.
		listedIn.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult><Name>logs</Name><Prefix>spark-events/</Prefix><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>
<Contents><Key>spark-events/app-1.zstd</Key><Size>42</Size><LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>"abc"</ETag></Contents>
</ListBucketResult>`)
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "k")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	fsys, _ := openURL(t, "s3://logs/?endpoint="+url.QueryEscape(srv.URL))
	es, err := fsys.List(context.Background(), "spark-events")
	if err != nil || len(es) != 1 || es[0].ETag != "abc" || es[0].Size != 42 {
		t.Fatalf("List = %+v, %v; want app-1.zstd, 42 bytes, ETag abc (unquoted)", es, err)
	}
	if auth, _ := listedIn.Load().(string); !strings.Contains(auth, "/eu-west-1/s3/aws4_request") {
		t.Errorf("the listing was signed for %q, want the bucket's region eu-west-1", auth)
	}
}

// TestS3NoCredentials: with no credentials anywhere (and the instance
// metadata service off), requests fail with a message that says where
// credentials come from; nothing reaches the network.
func TestS3NoCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "SPARKDIAG_S3_ANONYMOUS"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	// Port 9 (discard) on loopback: never reached, the signing fails first.
	fsys, _ := openURL(t, "s3://logs/?endpoint=http://127.0.0.1:9&region=us-east-1")
	_, err := fsys.List(context.Background(), "spark-events")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "s3://logs/spark-events: no credentials found (set AWS_ACCESS_KEY_ID") {
		t.Errorf("List with no credentials: %v; want 'no credentials found' naming the URL and where credentials come from", err)
	}
}
