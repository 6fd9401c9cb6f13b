package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
)

// AzureServer is an Azurite blob service holding one container.
type AzureServer struct {
	// Endpoint is the account's blob endpoint, path-style:
	// http://127.0.0.1:PORT/devstoreaccount1.
	Endpoint string
	// Account and Key are Azurite's well-known development account.
	Account, Key string
	// Container holds the fixture's files under their relative paths.
	Container string
}

// Azurite's well-known development account (public, local only).
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// AzuriteVersion is the Azurite that .ci/install-stores installs.
const AzuriteVersion = "3.37.0"

// AzuriteInstall is how to install Azurite by hand.
const AzuriteInstall = "npm install --prefix $CACHE/azurite-" + AzuriteVersion + " azurite@" + AzuriteVersion +
	", or set SPARKDIAG_AZURITE to its node_modules/.bin/azurite-blob"

// StartAzure runs azurite-blob on a loopback port and uploads the files
// of fixtureDir ("" for none) into a container through the SDK (Azurite
// cannot be seeded from a folder). It skips t when Azurite is not
// installed.
func StartAzure(t testing.TB, fixtureDir string) AzureServer {
	t.Helper()
	bin := Tool("SPARKDIAG_AZURITE", "azurite-blob",
		filepath.Join(CacheDir(), "azurite-"+AzuriteVersion, "node_modules", ".bin"))
	if bin == "" {
		Missing(t, "Azurite (Azure Blob emulator)", AzuriteInstall)
	}
	port := strconv.Itoa(FreePort(t))
	addr := "127.0.0.1:" + port
	s := AzureServer{
		Endpoint:  "http://" + addr + "/" + azuriteAccount,
		Account:   azuriteAccount,
		Key:       azuriteKey,
		Container: "sparkdiag-logs",
	}
	p := Start(t, nil, bin, "--blobHost", "127.0.0.1", "--blobPort", port, "--location", t.TempDir(),
		"--skipApiVersionCheck", "--loose", "--silent")
	p.WaitPort(t, addr, 60*time.Second)
	if err := s.seed(fixtureDir); err != nil {
		t.Fatalf("Azurite on %s: %v\n%s", addr, err, p.Output())
	}
	return s
}

// ConnectionString is Azurite's development connection string for the
// port it listens on.
func (s AzureServer) ConnectionString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
		s.Account, s.Key, s.Endpoint)
}

// Env points Azure clients (and sparkdiag's Azure URLs) at Azurite.
func (s AzureServer) Env() []string {
	return []string{"AZURE_STORAGE_CONNECTION_STRING=" + s.ConnectionString()}
}

// URL is the azblob:// URL of path in the container.
func (s AzureServer) URL(path string) string { return "azblob://" + s.Container + "/" + path }

// seed creates the container and uploads the fixture's files.
func (s AzureServer) seed(fixtureDir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := azblob.NewClientFromConnectionString(s.ConnectionString(), nil)
	if err != nil {
		return err
	}
	if _, err := c.CreateContainer(ctx, s.Container, nil); err != nil {
		return fmt.Errorf("create container %s: %w", s.Container, err)
	}
	if fixtureDir == "" {
		return nil
	}
	return walkFiles(fixtureDir, func(rel, full string) error {
		f, err := os.Open(full)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := c.UploadFile(ctx, s.Container, rel, f, nil); err != nil {
			return fmt.Errorf("upload %s: %w", rel, err)
		}
		return nil
	})
}
