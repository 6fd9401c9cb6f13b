package cli

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/advice/fleet"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/eventlog/store"
	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

// BenchmarkReviewStore reviews a fleet of small real-log applications
// (makeFleet: SPARKDIAG_FLEET_APPS, 300 by default) in one process, from
// the local disk, through file:// and from an S3 server (versitygw on
// loopback): applications per second and MB/s of raw (compressed) log,
// listing included. docs/review.md has the figures.
func BenchmarkReviewStore(b *testing.B) {
	n := 300
	if v, err := strconv.Atoi(os.Getenv("SPARKDIAG_FLEET_APPS")); err == nil && v > 0 {
		n = v
	}
	dir := makeFleet(b, n)
	var raw int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			raw += info.Size()
		}
	}
	bench := func(b *testing.B, top string) {
		b.SetBytes(raw)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			res, err := fleet.Review(context.Background(), fleet.Resolve([]string{top}), fleet.Options{Detectors: all.Detectors})
			if err != nil {
				b.Fatal(err)
			}
			if res.Apps != n {
				b.Fatalf("%d applications reviewed, want %d", res.Apps, n)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "apps/s")
	}
	b.Run("local", func(b *testing.B) { bench(b, dir) })
	b.Run("file", func(b *testing.B) { bench(b, "file://"+dir+"/") })
	b.Run("s3", func(b *testing.B) {
		srv := storetest.StartS3(b, dir)
		for _, kv := range srv.Env() {
			k, v, _ := strings.Cut(kv, "=")
			b.Setenv(k, v)
		}
		defer store.CloseAll()
		bench(b, srv.URL(""))
	})
}
