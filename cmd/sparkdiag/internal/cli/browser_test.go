package cli

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/klauspost/compress/zstd"
)

// The HTML report is opened in headless Chromium, driven through the
// DevTools protocol over --remote-debugging-pipe: JSON messages separated
// by NUL bytes on file descriptors 3 (commands) and 4 (replies and
// events). No websocket, port or extra dependency is needed.

// findChromium returns the browser to test with, or "".
func findChromium() string {
	if p := os.Getenv("SPARKDIAG_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// browser is a headless Chromium with one page attached.
type browser struct {
	cmd      *exec.Cmd
	toChrome io.WriteCloser
	session  string

	mu      sync.Mutex
	nextID  int
	pending map[int]chan cdpMessage
	events  []cdpMessage
	loaded  chan struct{}
	done    chan struct{}
}

func startBrowser(t *testing.T, path string) *browser {
	t.Helper()
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--disable-default-apps", "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, outW} // fds 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	cmdR.Close()
	outW.Close()
	b := &browser{cmd: cmd, toChrome: cmdW, pending: map[int]chan cdpMessage{}, loaded: make(chan struct{}, 8), done: make(chan struct{})}
	go b.read(outR)
	t.Cleanup(func() {
		b.call("", "Browser.close", nil, nil)
		select {
		case <-b.done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
		cmd.Wait()
		if t.Failed() {
			var lines []string
			for _, l := range strings.Split(stderr.String(), "\n") {
				if !strings.Contains(l, "dbus") && strings.TrimSpace(l) != "" {
					lines = append(lines, l)
				}
			}
			t.Logf("chromium stderr:\n%s", strings.Join(lines, "\n"))
		}
	})
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.mustCall(t, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.mustCall(t, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		b.mustCall(t, b.session, m, nil, nil)
	}
	b.mustCall(t, b.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil)
	return b
}

func (b *browser) read(r io.Reader) {
	defer close(b.done)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.pending[m.ID]; ch != nil {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else {
			b.events = append(b.events, m)
			if m.Method == "Page.loadEventFired" {
				select {
				case b.loaded <- struct{}{}:
				default:
				}
			}
		}
		b.mu.Unlock()
	}
}

// call sends a command and waits for its reply.
func (b *browser) call(session, method string, params any, result any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := b.toChrome.Write(append(data, 0)); err != nil {
		return err
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-b.done:
		return errors.New(method + ": the browser exited")
	case <-time.After(20 * time.Second):
		return errors.New(method + ": no reply in 20 s")
	}
}

func (b *browser) mustCall(t *testing.T, session, method string, params, result any) {
	t.Helper()
	if err := b.call(session, method, params, result); err != nil {
		t.Fatal(err)
	}
}

// pageReport is what a page did while it loaded.
type pageReport struct {
	ConsoleErrors []string
	Requests      []string
	Checks        struct {
		Pwned       bool   `json:"pwned"`
		Active      int    `json:"active"`
		Handlers    int    `json:"handlers"`
		Charts      int    `json:"charts"`
		Findings    int    `json:"findings"`
		Height      int    `json:"height"`
		ChartsEnd   int    `json:"chartsEnd"`
		Text        string `json:"text"`
		Title       string `json:"title"`
		BrokenLinks int    `json:"brokenLinks"`
	}
	PNG []byte
}

// open loads a file, waits for it to load, inspects it and takes a
// screenshot of its top, down to the last chart and at most clipHeight
// pixels.
func (b *browser) open(t *testing.T, file string, clipHeight int) *pageReport {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	b.events = nil
	b.mu.Unlock()
	url := "file://" + abs
	b.mustCall(t, b.session, "Page.navigate", map[string]any{"url": url}, nil)
	select {
	case <-b.loaded:
	case <-time.After(20 * time.Second):
		t.Fatal("the page did not load in 20 s")
	}
	time.Sleep(300 * time.Millisecond) // let late console messages arrive

	pr := &pageReport{}
	const probe = `JSON.stringify({
		pwned: typeof window.__pwned !== "undefined",
		active: document.querySelectorAll("script, img, iframe, object, embed, image, foreignObject, link, base, form").length,
		handlers: [...document.querySelectorAll("*")].filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith("on"))).length,
		charts: document.querySelectorAll("svg.chart").length,
		findings: document.querySelectorAll("article.finding").length,
		height: document.documentElement.scrollHeight,
		chartsEnd: Math.ceil(Math.max(0, ...[...document.querySelectorAll("figure.chart-box")].map(f => f.getBoundingClientRect().bottom + window.scrollY))),
		text: document.body.innerText,
		title: document.title,
		brokenLinks: [...document.querySelectorAll("a[href^='#']")].filter(a => !document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)))).length,
	})`
	var ev struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	b.mustCall(t, b.session, "Runtime.evaluate", map[string]any{"expression": probe, "returnByValue": true}, &ev)
	if ev.ExceptionDetails != nil {
		t.Fatalf("probe failed: %v", ev.ExceptionDetails)
	}
	if err := json.Unmarshal([]byte(ev.Result.Value), &pr.Checks); err != nil {
		t.Fatalf("probe result: %v", err)
	}

	h := min(pr.Checks.Height, clipHeight)
	if c := pr.Checks.ChartsEnd; c > 0 && c+24 < h {
		h = c + 24
	}
	var shot struct {
		Data string `json:"data"`
	}
	b.mustCall(t, b.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": 1280, "height": h, "scale": 1}}, &shot)
	pr.PNG, err = base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.events {
		switch e.Method {
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string `json:"type"`
				Args []struct {
					Value any `json:"value"`
				} `json:"args"`
			}
			json.Unmarshal(e.Params, &p)
			if p.Type == "error" || p.Type == "assert" {
				pr.ConsoleErrors = append(pr.ConsoleErrors, fmt.Sprintf("console.%s %v", p.Type, p.Args))
			}
		case "Runtime.exceptionThrown":
			pr.ConsoleErrors = append(pr.ConsoleErrors, "exception: "+string(e.Params))
		case "Log.entryAdded":
			var p struct {
				Entry struct {
					Level, Source, Text, URL string
				} `json:"entry"`
			}
			json.Unmarshal(e.Params, &p)
			if p.Entry.Level == "error" {
				pr.ConsoleErrors = append(pr.ConsoleErrors, p.Entry.Source+": "+p.Entry.Text+" "+p.Entry.URL)
			}
		case "Network.requestWillBeSent":
			var p struct {
				Request struct {
					URL string `json:"url"`
				} `json:"request"`
			}
			json.Unmarshal(e.Params, &p)
			if p.Request.URL != url {
				pr.Requests = append(pr.Requests, p.Request.URL)
			}
		}
	}
	return pr
}

// Strings an attacker could put in an application's name, its SQL text
// and its stage names.
const (
	hostileAppName = `Spark <script>window.__pwned=1;console.error("pwned")</script> "><img src=x onerror="window.__pwned=2">`
	hostileSQL     = `SELECT * FROM t WHERE x = '"><img src=x onerror=window.__pwned=3>' -- <script>window.__pwned=4</script>`
	hostileStage   = `count at "><svg onload=window.__pwned=5><img src=//example.com/x>:29`
)

// writeHostileLog writes a copy of the public rp_sql log whose application
// name, SQL description and stage names are hostile.
func writeHostileLog(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.Open(publicLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	quote := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}
	text := string(plain)
	for old, repl := range map[string]string{
		`"App Name":"Spark shell"`:               `"App Name":` + quote(hostileAppName),
		`"spark.app.name":"Spark shell"`:         `"spark.app.name":` + quote(hostileAppName),
		`"description":"count at <console>:29"`:  `"description":` + quote(hostileSQL),
		`"Stage Name":"count at <console>:29"`:   `"Stage Name":` + quote(hostileStage),
		`"Stage Name":"collect at <console>:28"`: `"Stage Name":` + quote(hostileStage),
	} {
		if !strings.Contains(text, old) {
			t.Fatalf("the public log no longer holds %s", old)
		}
		text = strings.ReplaceAll(text, old, repl)
	}
	path := filepath.Join(dir, "hostile_eventlog")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// screenshotLog is the log shown in the README's screenshot: a real skewed
// join from our corpus when it is there, else the bundled NDS run.
func screenshotLog() string {
	p := "../../../../testdata/spark/logs/3.5.9/skew_join_off.lzf"
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "../../../../testdata/public/nds_q86_test.zstd"
}

func TestHTMLReportInChromium(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		if os.Getenv("SPARKDIAG_REQUIRE_CHROMIUM") != "" {
			t.Fatal("chromium is required (SPARKDIAG_REQUIRE_CHROMIUM is set) but was not found")
		}
		t.Skip("chromium not installed (apt-get install chromium); .ci/run installs it")
	}
	start := time.Now()
	dir := t.TempDir()
	hostileLog := writeHostileLog(t, dir)
	hostileHTML := filepath.Join(dir, "hostile.html")
	// A lower skew threshold makes SKEW001 report a stage with a hostile
	// name, so that findings carry log strings too.
	if _, errs, code := run(t, nil, "analyze", "-q", "--set", "SKEW001.minExcessMs=500", "-o", hostileHTML, hostileLog); code != ExitOK {
		t.Fatalf("analyze: exit %d: %s", code, errs)
	}
	shotHTML := filepath.Join(dir, "report.html")
	if _, errs, code := run(t, nil, "analyze", "-q", "-o", shotHTML, screenshotLog()); code != ExitOK {
		t.Fatalf("analyze: exit %d: %s", code, errs)
	}

	// The review page of both logs, the hostile one included.
	reviewHTML := filepath.Join(dir, "review.html")
	if _, errs, code := run(t, nil, "review", "-q", "--set", "SKEW001.minExcessMs=500", "-o", reviewHTML, hostileLog, screenshotLog()); code != ExitOK {
		t.Fatalf("review: exit %d: %s", code, errs)
	}

	b := startBrowser(t, chromium)
	for _, page := range []struct {
		file   string
		clip   int
		shot   string
		hostil bool
	}{
		{hostileHTML, 4000, "hostile.png", true},
		{shotHTML, 1800, "report-screenshot.png", false},
		{reviewHTML, 1200, "review.png", true},
	} {
		t.Run(filepath.Base(page.file), func(t *testing.T) {
			pr := b.open(t, page.file, page.clip)
			if len(pr.ConsoleErrors) > 0 {
				t.Errorf("console errors: %q", pr.ConsoleErrors)
			}
			if len(pr.Requests) > 0 {
				t.Errorf("the page made requests: %q", pr.Requests)
			}
			c := pr.Checks
			if c.Pwned || c.Active > 0 || c.Handlers > 0 {
				t.Errorf("hostile markup came alive: pwned=%v active elements=%d event handlers=%d", c.Pwned, c.Active, c.Handlers)
			}
			if c.Charts < 2 && page.file != reviewHTML {
				t.Errorf("%d charts drawn, want at least the timeline and the executors", c.Charts)
			}
			if c.BrokenLinks > 0 {
				t.Errorf("%d links to findings have no target", c.BrokenLinks)
			}
			if len(pr.PNG) < 10000 || !bytes.HasPrefix(pr.PNG, []byte("\x89PNG")) {
				t.Errorf("screenshot of %d bytes: did the page render?", len(pr.PNG))
			}
			if err := os.WriteFile(filepath.Join(dir, page.shot), pr.PNG, 0o644); err != nil {
				t.Fatal(err)
			}
			if page.hostil {
				// The hostile strings show as text, exactly as in the log.
				for _, s := range []string{`<script>window.__pwned=1;console.error("pwned")</script>`, `"><img src=x onerror="window.__pwned=2">`} {
					if !strings.Contains(c.Text, s) && !strings.Contains(c.Title, s) {
						t.Errorf("the page does not show %q as text", s)
					}
				}
				if page.file == hostileHTML && !strings.Contains(c.Title, "<script>") {
					t.Errorf("page title %q lacks the application's name", c.Title)
				}
				return
			}
			if c.Findings == 0 && strings.Contains(page.file, "skew") {
				t.Error("the screenshot report shows no finding")
			}
			if *update {
				if err := os.WriteFile("../../../../docs/report-screenshot.png", pr.PNG, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	t.Logf("chromium test took %v", time.Since(start).Round(time.Millisecond))
}
