package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/fleet"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/eventlog/historyserver"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// hsFlags are review's --history-server flags.
type hsFlags struct {
	url         string
	status      string
	limit       int
	timeout     time.Duration
	idleTimeout time.Duration
	maxTime     time.Duration
	maxApps     int
	maxDownload int64
	retries     int
	headers     []string
	tempDir     string
}

func (f *hsFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.url, "history-server", "", "list applications through this History Server's REST API (http://host:18080) and review their logs")
	fl.StringVar(&f.status, "hs-status", "completed", "with --history-server: completed, running or all")
	fl.IntVar(&f.limit, "hs-limit", 0, "with --history-server: at most this many applications, the most recent (0: no limit)")
	f.registerConn(c)
}

// registerConn registers the flags of the connection to the server.
func (f *hsFlags) registerConn(c *cobra.Command) {
	fl := c.Flags()
	fl.DurationVar(&f.timeout, "hs-timeout", historyserver.DefaultTimeout, "with --history-server: time allowed to connect and get response headers, per request")
	fl.DurationVar(&f.idleTimeout, "hs-idle-timeout", historyserver.DefaultIdleTimeout, "with --history-server: abort a download that makes no progress for this long")
	fl.DurationVar(&f.maxTime, "hs-max-time", historyserver.DefaultMaxTime, "with --history-server: time allowed for a whole request, download included; a slower answer is cut off")
	fl.IntVar(&f.maxApps, "hs-max-apps", historyserver.DefaultMaxApps, "with --history-server: refuse an application list longer than this")
	fl.Int64Var(&f.maxDownload, "hs-max-download", historyserver.DefaultMaxDownload, "with --history-server: refuse a log archive larger than this many bytes")
	fl.IntVar(&f.retries, "hs-retries", historyserver.DefaultRetries, "with --history-server: retries of a failed request (network errors, 429, 5xx), with backoff")
	fl.StringArrayVar(&f.headers, "hs-header", nil, `with --history-server: extra request header "Name: value" (e.g. "Authorization: Bearer ..."); repeatable`)
	fl.StringVar(&f.tempDir, "hs-download-dir", "", "with --history-server: where logs are downloaded while analyzed (default: the system temporary directory)")
}

func (f *hsFlags) client() (*historyserver.Client, error) {
	hdr := map[string]string{}
	for _, h := range f.headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageErrorf("--hs-header %q: want \"Name: value\"", h)
		}
		hdr[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	retries := f.retries
	if retries == 0 {
		retries = -1 // the flag's 0 means none; the client's 0 means its default
	}
	c, err := historyserver.New(f.url, historyserver.Options{
		Timeout: f.timeout, IdleTimeout: f.idleTimeout, Retries: retries, Headers: hdr,
		MaxTime: f.maxTime, MaxApps: f.maxApps, MaxDownload: f.maxDownload,
		UserAgent: "sparkdiag/" + version(),
	})
	if err != nil {
		return nil, usageErrorf("--history-server: %v", err)
	}
	return c, nil
}

// items lists the server's applications in the time window: one item per
// attempt, downloaded when a worker takes it. cleanup removes the
// download directory.
func (f *hsFlags) items(ctx context.Context, since, until time.Time, s *Streams) ([]fleet.Item, func(), error) {
	nothing := func() {}
	c, err := f.client()
	if err != nil {
		return nil, nothing, err
	}
	lo := historyserver.ListOptions{MinDate: since, MaxDate: until, Limit: f.limit,
		OnSkip: func(sk historyserver.SkippedApp) {
			fmt.Fprintf(s.Err, "sparkdiag: %s: application list %s; skipped\n", c.URL(), sanitize.Line(sk.String()))
		}}
	switch strings.ToLower(f.status) {
	case "completed":
		lo.Status = historyserver.Completed
	case "running":
		lo.Status = historyserver.Running
	case "all", "":
	default:
		return nil, nothing, usageErrorf("--hs-status %q: want completed, running or all", f.status)
	}
	apps, err := c.List(ctx, lo)
	if err != nil {
		return nil, nothing, noInputErrorf("%v", err)
	}
	dir, err := os.MkdirTemp(f.tempDir, "sparkdiag-hs-")
	if err != nil {
		return nil, nothing, usageErrorf("--hs-download-dir: %v", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	var items []fleet.Item
	for _, a := range apps {
		for _, at := range a.Attempts {
			if !at.StartTime.IsZero() && !fleet.InWindow(at.StartTime.UnixMilli(), since, until) {
				continue
			}
			appID, attempt := a.ID, at.ID
			name := c.URL() + "/api/v1/applications/" + url.PathEscape(appID)
			if attempt != "" {
				name += "/" + url.PathEscape(attempt)
			}
			items = append(items, fleet.Item{
				Name:        name,
				Start:       at.StartTime,
				Fingerprint: hsFingerprint(name, at),
				Fetch: func(ctx context.Context) ([]*source.Log, func(), error) {
					p, err := c.Download(ctx, appID, attempt, dir)
					if err != nil {
						return nil, nil, err
					}
					rm := func() { os.Remove(p) }
					logs, err := source.Open(p)
					if err != nil && len(logs) == 0 {
						return nil, rm, fmt.Errorf("%s: %w", name, err)
					}
					return logs, rm, nil
				},
			})
		}
	}
	if len(items) == 0 {
		fmt.Fprintf(s.Err, "sparkdiag: %s lists no application in the time window\n", c.URL())
	}
	return items, cleanup, nil
}

// fetch downloads the log of one application attempt, given as
// "APP_ID" or "APP_ID/ATTEMPT", into dir and returns the archive's path.
func (f *hsFlags) fetch(ctx context.Context, c *historyserver.Client, spec, dir string) (string, error) {
	app, attempt, _ := strings.Cut(spec, "/")
	if app == "" {
		return "", usageErrorf("%q: want APP_ID or APP_ID/ATTEMPT", spec)
	}
	p, err := c.Download(ctx, app, attempt, dir)
	if err != nil {
		return "", noInputErrorf("%v", err)
	}
	return p, nil
}

// hsFingerprint identifies what the server holds of an attempt: its URL and
// when its log was last updated (with the end and completion, for servers
// that do not report updates). "" when the server gives no update time:
// then the attempt is downloaded every time.
func hsFingerprint(name string, at historyserver.Attempt) string {
	if at.LastUpdatedEpoch <= 0 {
		return ""
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("sparkdiag-hs/1\x00%s\x00%d\x00%d\x00%t", name, at.LastUpdatedEpoch, at.EndTimeEpoch, at.Completed)))
	return hex.EncodeToString(h[:16])
}
