package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func init() { Register(openS3, "s3", "s3a", "s3n") }

// s3Hint names where the S3 backend takes its credentials from.
const s3Hint = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or SSO, " +
	"the pod's web identity or the instance role; SPARKDIAG_S3_ANONYMOUS=1 for a public bucket"

// s3Location is what an s3:// (s3a://, s3n://) URL says: the bucket, the
// path inside it, and the query options of an S3-compatible server.
type s3Location struct {
	Scheme, Bucket, Path string
	// Endpoint overrides the S3 endpoint (?endpoint=http://host:port).
	Endpoint string
	// Region from ?region=, "" for the configured one.
	Region string
	// PathStyle is ?path_style=true|false; nil leaves the default (path
	// style when the endpoint is overridden).
	PathStyle *bool
	// Anonymous sends unsigned requests (?anonymous=true), for public
	// buckets.
	Anonymous bool
}

// parseS3URL reads s3://bucket/path?endpoint=&region=&path_style=&anonymous=.
func parseS3URL(u *url.URL) (s3Location, error) {
	loc := s3Location{Scheme: strings.ToLower(u.Scheme), Bucket: u.Host, Path: strings.Trim(u.Path, "/")}
	if loc.Bucket == "" {
		return loc, fmt.Errorf("%s: no bucket: expected %s://bucket/path", u.Redacted(), loc.Scheme)
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "path_style", "anonymous":
		default:
			return loc, fmt.Errorf("%s: unknown option %q: expected endpoint, region, path_style or anonymous", u.Redacted(), k)
		}
	}
	loc.Endpoint, loc.Region = q.Get("endpoint"), q.Get("region")
	if loc.Endpoint != "" {
		if e, err := url.Parse(loc.Endpoint); err != nil || e.Host == "" || (e.Scheme != "http" && e.Scheme != "https") {
			return loc, fmt.Errorf("%s: endpoint %q: expected http://host:port or https://host", u.Redacted(), loc.Endpoint)
		}
	}
	for _, b := range []struct {
		key string
		set func(bool)
	}{
		{"path_style", func(v bool) { loc.PathStyle = &v }},
		{"anonymous", func(v bool) { loc.Anonymous = v }},
	} {
		if s := q.Get(b.key); s != "" {
			v, err := strconv.ParseBool(s)
			if err != nil {
				return loc, fmt.Errorf("%s: %s=%q: expected true or false", u.Redacted(), b.key, s)
			}
			b.set(v)
		}
	}
	return loc, nil
}

// s3FS is one S3 bucket, read through the AWS SDK.
type s3FS struct {
	client *s3.Client
	loc    s3Location
	// pageSize is MaxKeys of a listing page; 0 lets the server choose
	// (1000 on AWS). Tests make it small to exercise paging.
	pageSize int32
}

// openS3 makes the FS of an s3:// URL with the SDK's credential chain.
func openS3(ctx context.Context, u *url.URL) (FS, string, error) {
	loc, err := parseS3URL(u)
	if err != nil {
		return nil, "", err
	}
	var opts []func(*config.LoadOptions) error
	if loc.Region != "" {
		opts = append(opts, config.WithRegion(loc.Region))
	}
	if loc.Anonymous || os.Getenv("SPARKDIAG_S3_ANONYMOUS") == "1" {
		opts = append(opts, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("%s: AWS configuration: %w", u.Redacted(), err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	custom := loc.Endpoint != "" || cfg.BaseEndpoint != nil ||
		os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if loc.Endpoint != "" {
			o.BaseEndpoint = aws.String(loc.Endpoint)
		}
		o.UsePathStyle = custom
		if loc.PathStyle != nil {
			o.UsePathStyle = *loc.PathStyle
		}
		if custom {
			// S3-compatible servers do not all know the newer
			// default checksums; send and check them only where
			// the API requires them.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	if loc.Region == "" {
		// A bucket in another region than the configured one answers
		// every request with a redirect: ask it where it is first.
		if r := bucketRegion(ctx, client, loc.Bucket); r != "" && r != cfg.Region {
			client = s3.New(client.Options(), func(o *s3.Options) { o.Region = r })
		}
	}
	return &s3FS{client: client, loc: loc}, loc.Path, nil
}

// bucketRegion is the region a HeadBucket answer names (in its
// x-amz-bucket-region header, sent with redirects and refusals too), ""
// when it names none. One try: a failure shows in the request that follows.
func bucketRegion(ctx context.Context, client *s3.Client, bucket string) string {
	out, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	if err == nil {
		return aws.ToString(out.BucketRegion)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

// Label is the URL of name in the bucket.
func (f *s3FS) Label(name string) string {
	return f.loc.Scheme + "://" + f.loc.Bucket + "/" + name
}

// Close has nothing to release: the SDK's HTTP client is shared.
func (f *s3FS) Close() error { return nil }

// fail turns an SDK error about name into a plain one: not found
// (fs.ErrNotExist), access denied (fs.ErrPermission), or the SDK's words
// after the URL.
func (f *s3FS) fail(op, name string, err error) error {
	label := f.Label(name)
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var nsb *types.NoSuchBucket
	if errors.As(err, &nsk) || errors.As(err, &nf) || errors.As(err, &nsb) {
		return notFound(label, err)
	}
	if e := statusError(label, s3Hint, httpStatus(err), err); e != nil {
		return e
	}
	if strings.Contains(err.Error(), "get identity: get credentials") {
		// The credential chain came up empty (the SDK has no type
		// for it).
		return noCredentials(label, s3Hint, err)
	}
	return fmt.Errorf("%s: %s: %w", label, op, err)
}

// List pages through ListObjectsV2 with the delimiter "/".
func (f *s3FS) List(ctx context.Context, dir string) ([]Entry, error) {
	prefix := dirPrefix(dir)
	in := &s3.ListObjectsV2Input{Bucket: &f.loc.Bucket, Prefix: &prefix, Delimiter: aws.String("/")}
	if f.pageSize > 0 {
		in.MaxKeys = aws.Int32(f.pageSize)
	}
	var out []Entry
	found := false
	p := s3.NewListObjectsV2Paginator(f.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, f.fail("list", dir, err)
		}
		for _, cp := range page.CommonPrefixes {
			found = true
			if name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/"); name != "" {
				out = append(out, Entry{Name: name, Dir: true})
			}
		}
		for _, o := range page.Contents {
			found = true
			name := strings.TrimPrefix(aws.ToString(o.Key), prefix)
			if name == "" || isFolderMarker(name) { // "dir/" and "dir_$folder$" markers
				continue
			}
			out = append(out, Entry{
				Name:    name,
				Size:    aws.ToInt64(o.Size),
				ModTime: aws.ToTime(o.LastModified),
				ETag:    strings.Trim(aws.ToString(o.ETag), `"`),
			})
		}
	}
	if !found && prefix != "" {
		return nil, notFound(f.Label(dir), nil)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Stat heads the object; a name that is no object but a prefix of some is
// a directory.
func (f *s3FS) Stat(ctx context.Context, name string) (Entry, error) {
	name = strings.Trim(name, "/")
	base := baseName(name)
	if name == "" {
		if _, err := f.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &f.loc.Bucket}); err != nil {
			return Entry{}, f.fail("stat", name, err)
		}
		return Entry{Dir: true}, nil
	}
	head := func() (Entry, error) {
		h, err := f.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &f.loc.Bucket, Key: &name})
		if err != nil {
			return Entry{}, f.fail("stat", name, err)
		}
		return Entry{
			Name:    base,
			Size:    aws.ToInt64(h.ContentLength),
			ModTime: aws.ToTime(h.LastModified),
			ETag:    strings.Trim(aws.ToString(h.ETag), `"`),
			Version: aws.ToString(h.VersionId),
		}, nil
	}
	anyUnder := func() (bool, error) {
		l, err := f.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: &f.loc.Bucket, Prefix: aws.String(name + "/"), MaxKeys: aws.Int32(1),
		})
		if err != nil {
			return false, f.fail("stat", name, err)
		}
		return len(l.Contents) > 0 || len(l.CommonPrefixes) > 0, nil
	}
	return statObject(name, head, anyUnder)
}

// Open streams the object's body.
func (f *s3FS) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	out, err := f.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &f.loc.Bucket, Key: aws.String(strings.Trim(name, "/"))})
	if err != nil {
		return nil, f.fail("read", name, err)
	}
	return out.Body, nil
}

// Create spools to a temporary file and puts the object on Close.
func (f *s3FS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	key := strings.Trim(name, "/")
	if key == "" {
		return nil, fmt.Errorf("%s: cannot create the top of the bucket", f.Label(name))
	}
	return newSpool(func(_ context.Context, file *os.File, size int64) error {
		_, err := f.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &f.loc.Bucket, Key: &key, Body: file, ContentLength: aws.Int64(size),
		})
		if err != nil {
			return f.fail("write", key, err)
		}
		return nil
	})
}
