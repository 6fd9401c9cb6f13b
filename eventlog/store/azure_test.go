package store

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

func TestParseAzureURL(t *testing.T) {
	for _, c := range []struct {
		url, account string
		want         azureLocation
		wantErr      string
	}{
		{url: "abfss://logs@acct.dfs.core.windows.net/spark-events/", want: azureLocation{Scheme: "abfss", Container: "logs", Account: "acct",
			Path: "spark-events", ServiceURL: "https://acct.blob.core.windows.net/", top: "abfss://logs@acct.dfs.core.windows.net/"}},
		{url: "abfs://fs1@acct.dfs.core.windows.net", want: azureLocation{Scheme: "abfs", Container: "fs1", Account: "acct",
			ServiceURL: "https://acct.blob.core.windows.net/", top: "abfs://fs1@acct.dfs.core.windows.net/"}},
		{url: "wasbs://logs@acct.blob.core.windows.net/cluster-logs/0101", want: azureLocation{Scheme: "wasbs", Container: "logs", Account: "acct",
			Path: "cluster-logs/0101", ServiceURL: "https://acct.blob.core.windows.net/", top: "wasbs://logs@acct.blob.core.windows.net/"}},
		{url: "wasb://logs@acct.blob.core.chinacloudapi.cn/x", want: azureLocation{Scheme: "wasb", Container: "logs", Account: "acct",
			Path: "x", ServiceURL: "https://acct.blob.core.chinacloudapi.cn/", top: "wasb://logs@acct.blob.core.chinacloudapi.cn/"}},
		{url: "abfss://logs@acct.dfs.core.usgovcloudapi.net/x", want: azureLocation{Scheme: "abfss", Container: "logs", Account: "acct",
			Path: "x", ServiceURL: "https://acct.blob.core.usgovcloudapi.net/", top: "abfss://logs@acct.dfs.core.usgovcloudapi.net/"}},
		{url: "azblob://logs/a/b", account: "acct", want: azureLocation{Scheme: "azblob", Container: "logs", Account: "acct",
			Path: "a/b", ServiceURL: "https://acct.blob.core.windows.net/", top: "azblob://logs/"}},
		{url: "azblob://logs/a", want: azureLocation{Scheme: "azblob", Container: "logs", Path: "a", top: "azblob://logs/"}},
		{url: "abfss://acct.dfs.core.windows.net/x", wantErr: "expected abfss://container@account.dfs.core.windows.net/path"},
		{url: "wasbs://logs@localhost/x", wantErr: "expected wasbs://container@account.blob.core.windows.net/path"},
		{url: "azblob:///x", wantErr: "expected azblob://container/path"},
		{url: "azblob://c@acct/x", wantErr: "expected azblob://container/path"},
		{url: "abfss://logs@acct.dfs.core.windows.net/x?sv=1", wantErr: "take no options"},
	} {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseAzureURL(u, c.account)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("parseAzureURL(%s) error = %v, want one saying %q", c.url, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseAzureURL(%s) = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
}

// azureEnv clears the Azure variables of the developer's shell.
func azureEnv(t *testing.T) {
	for _, k := range []string{"AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_KEY",
		"AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_BLOB_ENDPOINT", "SPARKDIAG_AZURE_ANONYMOUS"} {
		t.Setenv(k, "")
	}
}

func TestAzureStore(t *testing.T) {
	azureEnv(t)
	fixture := makeFixture(t, 25)
	srv := storetest.StartAzure(t, fixture)
	setEnv(t, srv.Env())
	fsys, _ := openURL(t, srv.URL(""))
	// Pages of 7: the 25 files of `paging` take 4 pages.
	unwrap(fsys).(*azureFS).pageSize = 7
	testObjectStore(t, fsys, fixture)

	t.Run("MissingContainer", func(t *testing.T) {
		missing, _ := openURL(t, "azblob://no-such-container/")
		checkMissingBucket(t, missing)
	})
	t.Run("Paging", func(t *testing.T) {
		// The 25 files of `paging` in pages of 7 take 4 requests.
		counted := &countingTransport{base: http.DefaultTransport}
		cc, err := container.NewClientFromConnectionString(srv.ConnectionString(), srv.Container,
			&container.ClientOptions{ClientOptions: policy.ClientOptions{Transport: &http.Client{Transport: counted}}})
		if err != nil {
			t.Fatal(err)
		}
		paged := &azureFS{cc: cc, loc: unwrap(fsys).(*azureFS).loc, pageSize: 7}
		es, err := paged.List(context.Background(), fxPaging)
		if err != nil || len(es) != 25 || counted.n.Load() != 4 {
			t.Errorf("List(paging) = %d entries, %v, in %d requests; want 25 in 4", len(es), err, counted.n.Load())
		}
	})
	t.Run("ADLSDirectories", func(t *testing.T) {
		// ADLS Gen2 keeps a directory as a blob with hdi_isfolder=true
		// beside the prefix of its children; an empty one is only that.
		ctx := context.Background()
		cc := unwrap(fsys).(*azureFS).cc
		folder := &blockblob.UploadBufferOptions{Metadata: map[string]*string{"hdi_isfolder": to.Ptr("true")}}
		for _, b := range []struct {
			name string
			opts *blockblob.UploadBufferOptions
		}{{"hns/dir1", folder}, {"hns/dir1/app.zstd", nil}, {"hns/empty", folder}} {
			if _, err := cc.NewBlockBlobClient(b.name).UploadBuffer(ctx, []byte{}, b.opts); err != nil {
				t.Fatal(err)
			}
		}
		es, err := fsys.List(ctx, "hns")
		if got := strings.Join(storeEntries(es), ","); err != nil || got != "dir1/,empty/" {
			t.Errorf("List(hns) = %s, %v; want dir1/,empty/", got, err)
		}
		for _, d := range []string{"hns/dir1", "hns/empty"} {
			if e, err := fsys.Stat(ctx, d); err != nil || !e.Dir {
				t.Errorf("Stat(%s) = %+v, %v; want a directory", d, e, err)
			}
		}
		if es, err := fsys.List(ctx, "hns/empty"); err != nil || len(es) != 0 {
			t.Errorf("List(hns/empty) = %+v, %v; want no entries and no error", es, err)
		}
	})
	t.Run("BadCredentials", func(t *testing.T) {
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
		t.Setenv("AZURE_STORAGE_BLOB_ENDPOINT", srv.Endpoint)
		t.Setenv("AZURE_STORAGE_ACCOUNT", srv.Account)
		t.Setenv("AZURE_STORAGE_KEY", "d3Jvbmcta2V5LW9mLXRoZS1yaWdodC1sZW5ndGgtLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLQ==")
		bad, _ := openURL(t, srv.URL("spark-events"))
		checkDenied(t, bad, "azblob://"+srv.Container+"/spark-events", "access denied (check credentials: AZURE_STORAGE_CONNECTION_STRING")
	})
	t.Run("SASToken", func(t *testing.T) {
		sasURL, err := unwrap(fsys).(*azureFS).cc.GetSASURL(sas.ContainerPermissions{Read: true, List: true}, time.Now().Add(time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(sasURL)
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
		t.Setenv("AZURE_STORAGE_BLOB_ENDPOINT", srv.Endpoint)
		t.Setenv("AZURE_STORAGE_SAS_TOKEN", "?"+u.RawQuery)
		k, _ := openURL(t, "wasbs://"+srv.Container+"@"+srv.Account+".blob.core.windows.net/")
		if e, err := k.Stat(context.Background(), "spark-events/rp_sql_eventlog.zstd"); err != nil || e.Size == 0 {
			t.Errorf("Stat with a SAS token = %+v, %v", e, err)
		}
	})
	t.Run("SharedKeyAndEndpoint", func(t *testing.T) {
		// abfss:// of the account, read through the overridden blob
		// endpoint with the account key.
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
		t.Setenv("AZURE_STORAGE_BLOB_ENDPOINT", srv.Endpoint)
		t.Setenv("AZURE_STORAGE_KEY", srv.Key)
		k, p := openURL(t, "abfss://"+srv.Container+"@"+srv.Account+".dfs.core.windows.net/spark-events")
		if p != "spark-events" {
			t.Errorf("path = %q, want spark-events", p)
		}
		es, err := k.List(context.Background(), p)
		if err != nil || len(es) != 3 {
			t.Errorf("List(%s) = %v, %v; want 3 entries", k.Label(p), storeEntries(es), err)
		}
	})
	t.Run("Anonymous", func(t *testing.T) {
		// A public container: SPARKDIAG_AZURE_ANONYMOUS=1 sends no
		// credentials.
		if _, err := unwrap(fsys).(*azureFS).cc.SetAccessPolicy(context.Background(),
			&container.SetAccessPolicyOptions{Access: to.Ptr(container.PublicAccessTypeContainer)}); err != nil {
			t.Fatal(err)
		}
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
		t.Setenv("AZURE_STORAGE_BLOB_ENDPOINT", srv.Endpoint)
		t.Setenv("SPARKDIAG_AZURE_ANONYMOUS", "1")
		k, _ := openURL(t, srv.URL(""))
		if es, err := k.List(context.Background(), "spark-events"); err != nil || len(es) != 3 {
			t.Errorf("List of a public container = %v, %v; want 3 entries", storeEntries(es), err)
		}
	})
}

// TestAzureNoAccount: azblob:// needs an account from somewhere.
func TestAzureNoAccount(t *testing.T) {
	azureEnv(t)
	_, _, err := Open(context.Background(), "azblob://logs/spark-events")
	if err == nil || !strings.Contains(err.Error(), "azblob://logs/spark-events: no storage account: set AZURE_STORAGE_ACCOUNT") {
		t.Errorf("Open(azblob://logs/spark-events) with no account: %v; want one saying which variable to set", err)
	}
}
