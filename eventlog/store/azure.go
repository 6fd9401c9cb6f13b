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

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

func init() { Register(openAzure, "abfs", "abfss", "wasb", "wasbs", "azblob") }

// azureHint names where the Azure backend takes its credentials from.
const azureHint = "AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_KEY, " +
	"else AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, workload or managed identity, or `az login`"

// azureLocation is what an Azure URL says.
type azureLocation struct {
	Scheme, Container, Path string
	// Account is the storage account, "" when the URL does not say and
	// AZURE_STORAGE_ACCOUNT is unset (a connection string or endpoint
	// may still name it).
	Account string
	// ServiceURL is the account's blob endpoint, https://account.blob.../;
	// "" for azblob:// without an account.
	ServiceURL string
	// top is the URL of the container's top, to which Label appends.
	top string
}

// parseAzureURL reads abfss://container@account.dfs.core.windows.net/path,
// wasbs://container@account.blob.core.windows.net/path (and abfs, wasb),
// and azblob://container/path with the account from account
// (AZURE_STORAGE_ACCOUNT). ADLS Gen2 (dfs) is read through its blob
// endpoint.
func parseAzureURL(u *url.URL, account string) (azureLocation, error) {
	loc := azureLocation{Scheme: strings.ToLower(u.Scheme), Path: strings.Trim(u.Path, "/")}
	if u.RawQuery != "" {
		return loc, fmt.Errorf("%s: Azure URLs take no options (use AZURE_STORAGE_* variables)", u.Redacted())
	}
	if loc.Scheme == "azblob" {
		loc.Container, loc.Account = u.Host, account
		if u.User != nil || loc.Container == "" {
			return loc, fmt.Errorf("%s: expected azblob://container/path (the account is AZURE_STORAGE_ACCOUNT)", u.Redacted())
		}
		if account != "" {
			loc.ServiceURL = "https://" + account + ".blob.core.windows.net/"
		}
		loc.top = "azblob://" + loc.Container + "/"
		return loc, nil
	}
	host := strings.ToLower(u.Hostname())
	if u.User != nil {
		loc.Container = u.User.Username()
	}
	dot := strings.IndexByte(host, '.')
	if loc.Container == "" || dot <= 0 {
		return loc, fmt.Errorf("%s: expected %s://container@account.%s.core.windows.net/path",
			u.Redacted(), loc.Scheme, map[bool]string{true: "dfs", false: "blob"}[strings.HasPrefix(loc.Scheme, "abfs")])
	}
	loc.Account = host[:dot]
	blobHost := host
	if rest := host[dot:]; strings.HasPrefix(rest, ".dfs.") {
		blobHost = loc.Account + ".blob." + strings.TrimPrefix(rest, ".dfs.")
	}
	if p := u.Port(); p != "" {
		blobHost += ":" + p
	}
	loc.ServiceURL = "https://" + blobHost + "/"
	loc.top = loc.Scheme + "://" + loc.Container + "@" + u.Host + "/"
	return loc, nil
}

// azureFS is one Azure Blob container (or ADLS Gen2 file system).
type azureFS struct {
	cc  *container.Client
	loc azureLocation
	// pageSize is MaxResults of a listing page; 0 lets the server choose.
	pageSize int32
}

// openAzure makes the FS of an Azure URL with the first credentials of:
// AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN,
// AZURE_STORAGE_KEY, none when SPARKDIAG_AZURE_ANONYMOUS=1 (public
// containers), DefaultAzureCredential. AZURE_STORAGE_BLOB_ENDPOINT
// overrides the endpoint (path-style, such as Azurite's
// http://127.0.0.1:10000/devstoreaccount1).
func openAzure(ctx context.Context, u *url.URL) (FS, string, error) {
	loc, err := parseAzureURL(u, os.Getenv("AZURE_STORAGE_ACCOUNT"))
	if err != nil {
		return nil, "", err
	}
	client, err := azureClient(loc)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", u.Redacted(), err)
	}
	return &azureFS{cc: client.ServiceClient().NewContainerClient(loc.Container), loc: loc}, loc.Path, nil
}

// azureClient makes the service client of loc from the environment.
func azureClient(loc azureLocation) (*azblob.Client, error) {
	if cs := os.Getenv("AZURE_STORAGE_CONNECTION_STRING"); cs != "" {
		c, err := azblob.NewClientFromConnectionString(cs, nil)
		if err != nil {
			return nil, fmt.Errorf("AZURE_STORAGE_CONNECTION_STRING: %w", err)
		}
		return c, nil
	}
	service := loc.ServiceURL
	if e := os.Getenv("AZURE_STORAGE_BLOB_ENDPOINT"); e != "" {
		service = strings.TrimRight(e, "/") + "/"
	}
	if service == "" {
		return nil, errors.New("no storage account: set AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_BLOB_ENDPOINT or AZURE_STORAGE_CONNECTION_STRING")
	}
	if sas := strings.TrimPrefix(os.Getenv("AZURE_STORAGE_SAS_TOKEN"), "?"); sas != "" {
		return azblob.NewClientWithNoCredential(service+"?"+sas, nil)
	}
	if key := os.Getenv("AZURE_STORAGE_KEY"); key != "" {
		if loc.Account == "" {
			return nil, errors.New("AZURE_STORAGE_KEY needs the account: set AZURE_STORAGE_ACCOUNT")
		}
		cred, err := azblob.NewSharedKeyCredential(loc.Account, key)
		if err != nil {
			return nil, fmt.Errorf("AZURE_STORAGE_KEY: %w", err)
		}
		return azblob.NewClientWithSharedKeyCredential(service, cred, nil)
	}
	if os.Getenv("SPARKDIAG_AZURE_ANONYMOUS") == "1" {
		return azblob.NewClientWithNoCredential(service, nil)
	}
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, fmt.Errorf("no Azure credentials (%s): %w", azureHint, err)
	}
	return azblob.NewClient(service, cred, nil)
}

// Label is the URL of name in the container.
func (f *azureFS) Label(name string) string { return f.loc.top + name }

// Close has nothing to release.
func (f *azureFS) Close() error { return nil }

// fail turns an SDK error about name into a plain one.
func (f *azureFS) fail(op, name string, err error) error {
	label := f.Label(name)
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound, bloberror.ResourceNotFound) {
		return notFound(label, err)
	}
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) || strings.Contains(err.Error(), "DefaultAzureCredential: failed to acquire a token") {
		return accessDenied(label, azureHint, err)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		if e := statusError(label, azureHint, re.StatusCode, fmt.Errorf("%d %s", re.StatusCode, re.ErrorCode)); e != nil {
			return e
		}
	}
	return fmt.Errorf("%s: %s: %w", label, op, err)
}

// List pages through the blobs under dir with the delimiter "/".
func (f *azureFS) List(ctx context.Context, dir string) ([]Entry, error) {
	prefix := dirPrefix(dir)
	// Metadata tells the directory blobs of ADLS Gen2 (hdi_isfolder).
	opts := &container.ListBlobsHierarchyOptions{Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true}}
	if f.pageSize > 0 {
		opts.MaxResults = to.Ptr(f.pageSize)
	}
	var out []Entry
	found := false
	dirs := map[string]bool{}
	p := f.cc.NewListBlobsHierarchyPager("/", opts)
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, f.fail("list", dir, err)
		}
		for _, bp := range page.Segment.BlobPrefixes {
			found = true
			if name := strings.TrimSuffix(strings.TrimPrefix(deref(bp.Name), prefix), "/"); name != "" && !dirs[name] {
				dirs[name] = true
				out = append(out, Entry{Name: name, Dir: true})
			}
		}
		for _, b := range page.Segment.BlobItems {
			found = true
			name := strings.TrimPrefix(deref(b.Name), prefix)
			if name == "" || isFolderMarker(name) {
				continue
			}
			if hdiFolder(b.Metadata) {
				// An ADLS Gen2 directory: listed as a prefix too
				// when it has children.
				if !dirs[name] {
					dirs[name] = true
					out = append(out, Entry{Name: name, Dir: true})
				}
				continue
			}
			e := Entry{Name: name, Version: deref(b.VersionID)}
			if pr := b.Properties; pr != nil {
				e.Size = deref(pr.ContentLength)
				e.ModTime = deref(pr.LastModified)
				e.ETag = strings.Trim(string(deref(pr.ETag)), `"`)
			}
			out = append(out, e)
		}
	}
	if !found && prefix != "" {
		// An empty ADLS Gen2 directory is a blob of its own.
		if e, err := f.Stat(ctx, dir); err != nil || !e.Dir {
			return nil, notFound(f.Label(dir), err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Stat gets the blob's properties; a name that is no blob but a prefix of
// some is a directory.
func (f *azureFS) Stat(ctx context.Context, name string) (Entry, error) {
	name = strings.Trim(name, "/")
	base := baseName(name)
	if name == "" {
		// A one-blob listing needs only the list permission (a SAS
		// may give no more).
		p := f.cc.NewListBlobsHierarchyPager("/", &container.ListBlobsHierarchyOptions{MaxResults: to.Ptr[int32](1)})
		if _, err := p.NextPage(ctx); err != nil {
			return Entry{}, f.fail("stat", name, err)
		}
		return Entry{Dir: true}, nil
	}
	head := func() (Entry, error) {
		pr, err := f.cc.NewBlobClient(name).GetProperties(ctx, nil)
		if err != nil {
			return Entry{}, f.fail("stat", name, err)
		}
		if hdiFolder(pr.Metadata) {
			return Entry{Name: base, Dir: true, ModTime: deref(pr.LastModified)}, nil
		}
		return Entry{
			Name:    base,
			Size:    deref(pr.ContentLength),
			ModTime: deref(pr.LastModified),
			ETag:    strings.Trim(string(deref(pr.ETag)), `"`),
			Version: deref(pr.VersionID),
		}, nil
	}
	anyUnder := func() (bool, error) {
		p := f.cc.NewListBlobsHierarchyPager("/", &container.ListBlobsHierarchyOptions{Prefix: to.Ptr(name + "/"), MaxResults: to.Ptr[int32](1)})
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, f.fail("stat", name, err)
		}
		return len(page.Segment.BlobItems) > 0 || len(page.Segment.BlobPrefixes) > 0, nil
	}
	return statObject(name, head, anyUnder)
}

// Open streams the blob.
func (f *azureFS) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	resp, err := f.cc.NewBlobClient(strings.Trim(name, "/")).DownloadStream(ctx, nil)
	if err != nil {
		return nil, f.fail("read", name, err)
	}
	return resp.Body, nil
}

// Create spools to a temporary file and uploads it as a block blob on
// Close.
func (f *azureFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	name = strings.Trim(name, "/")
	if name == "" {
		return nil, fmt.Errorf("%s: cannot create the top of the container", f.Label(name))
	}
	return newSpool(func(_ context.Context, file *os.File, _ int64) error {
		if _, err := f.cc.NewBlockBlobClient(name).UploadFile(ctx, file, nil); err != nil {
			return f.fail("write", name, err)
		}
		return nil
	})
}
