package historyserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// realApplications returns the application records that real History
// Servers answered: ours (testdata/spark/hs, Spark 3.5.9 and 4.3.0) and
// upstream's expectations in the shared corpus, when it is there.
func realApplications(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testlogs.Root(), "testdata", "spark", "hs", "*", "*", "application.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/spark/hs/*/*/application.json (%v)", err)
	}
	if shared := testlogs.SharedDir(); shared != "" {
		more, _ := filepath.Glob(filepath.Join(shared, "spark-expectations", "derived__application_list_element__*.json"))
		files = append(files, more...)
		files = append(files, filepath.Join(shared, "spark-expectations", "one_app_multi_attempt_json_expectation.json"))
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// TestListRealAnswers serves real application records as one list and
// checks every field against the JSON itself.
func TestListRealAnswers(t *testing.T) {
	records := realApplications(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range records {
			if !yield(k) {
				return
			}
		}
	})
	var list bytes.Buffer
	list.WriteString("[ ")
	for i, n := range names {
		if i > 0 {
			list.WriteString(", ")
		}
		list.Write(records[n])
	}
	list.WriteString(" ]")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(list.Bytes())
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, Options{})
	apps, err := c.List(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != len(names) {
		t.Fatalf("%d apps, want %d", len(apps), len(names))
	}
	multi, incomplete := 0, 0
	for i, n := range names {
		var raw struct {
			ID       string           `json:"id"`
			Name     string           `json:"name"`
			Attempts []map[string]any `json:"attempts"`
		}
		if err := json.Unmarshal(records[n], &raw); err != nil {
			t.Fatal(err)
		}
		app := apps[i]
		if app.ID != raw.ID || app.Name != raw.Name || len(app.Attempts) != len(raw.Attempts) {
			t.Errorf("%s: got %s %q with %d attempts", n, app.ID, app.Name, len(app.Attempts))
			continue
		}
		if len(raw.Attempts) > 1 {
			multi++
		}
		for j, ra := range raw.Attempts {
			checkAttempt(t, fmt.Sprintf("%s attempt %d", n, j), app.Attempts[j], ra)
		}
		if !app.Completed() {
			incomplete++
		}
	}
	t.Logf("%d real application records, %d with several attempts, %d incomplete", len(names), multi, incomplete)
	if incomplete == 0 {
		t.Error("no incomplete application among the real answers")
	}
	// The shared corpus's answers hold applications with several attempts;
	// testdata's (one attempt per run) do not.
	if testlogs.SharedDir() != "" && multi == 0 {
		t.Error("no application with several attempts among the shared answers")
	}
}

func checkAttempt(t *testing.T, what string, a Attempt, raw map[string]any) {
	t.Helper()
	str := func(k string) string { s, _ := raw[k].(string); return s }
	num := func(k string) int64 { f, _ := raw[k].(float64); return int64(f) }
	if a.ID != str("attemptId") || a.SparkUser != str("sparkUser") || a.AppSparkVersion != str("appSparkVersion") ||
		a.Completed != (raw["completed"] == true) || a.Duration != time.Duration(num("duration"))*time.Millisecond {
		t.Errorf("%s: %+v differs from %v", what, a, raw)
	}
	for _, f := range []struct {
		name  string
		t     time.Time
		epoch int64
	}{
		{"startTime", a.StartTime, a.StartTimeEpoch},
		{"endTime", a.EndTime, a.EndTimeEpoch},
		{"lastUpdated", a.LastUpdated, a.LastUpdatedEpoch},
	} {
		want := num(f.name + "Epoch")
		if f.epoch != want {
			t.Errorf("%s: %sEpoch %d, want %d", what, f.name, f.epoch, want)
		}
		// The date the server wrote is the same instant, unless it is
		// unknown (lastUpdated "", endTime before the epoch).
		switch {
		case want <= 0:
			if !f.t.IsZero() {
				t.Errorf("%s: %s = %v, want zero for epoch %d", what, f.name, f.t, want)
			}
		case f.t.UnixMilli() != want || f.t.Location() != time.UTC:
			t.Errorf("%s: %s = %v, want epoch %d UTC", what, f.name, f.t, want)
		case formatDate(f.t) != str(f.name):
			t.Errorf("%s: %s formats as %q, server wrote %q", what, f.name, formatDate(f.t), str(f.name))
		}
	}
	if !a.Completed && !a.EndTime.IsZero() {
		t.Errorf("%s: running attempt with end %v", what, a.EndTime)
	}
}

func TestAttemptWithoutEpochs(t *testing.T) {
	// Servers before Spark 2.2 wrote only the dates; unknown fields are
	// ignored and numbers may be floats.
	in := `{"attemptId":"2","startTime":"2015-03-17T23:11:50.242GMT","endTime":"1969-12-31T23:59:59.999GMT",
		"lastUpdated":"","duration":0.0,"sparkUser":"u","completed":false,"futureField":{"x":[1,2]}}`
	var a Attempt
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	want := Attempt{ID: "2", StartTime: time.Date(2015, 3, 17, 23, 11, 50, 242e6, time.UTC), StartTimeEpoch: 1426633910242,
		EndTimeEpoch: -1, SparkUser: "u"}
	if a != want {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}
	for _, bad := range []string{`{"startTime":"yesterday"}`, `{"startTimeEpoch":"x"}`, `{"duration":"x"}`} {
		if err := json.Unmarshal([]byte(bad), &a); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestListQuery(t *testing.T) {
	day := time.Date(2026, 11, 23, 23, 26, 4, 117_999_999, time.FixedZone("CET", 3600))
	tests := []struct {
		desc string
		opts ListOptions
		want string // the raw query, "" for none
		err  string
	}{
		{desc: "all", want: ""},
		{desc: "completed", opts: ListOptions{Status: Completed}, want: "status=completed"},
		{desc: "running", opts: ListOptions{Status: Running}, want: "status=running"},
		{desc: "minDate", opts: ListOptions{MinDate: day}, want: "minDate=2026-11-23T22%3A26%3A04.117GMT"},
		{desc: "maxDate", opts: ListOptions{MaxDate: day}, want: "maxDate=2026-11-23T22%3A26%3A04.117GMT"},
		{desc: "minEndDate", opts: ListOptions{MinEndDate: day}, want: "minEndDate=2026-11-23T22%3A26%3A04.117GMT"},
		{desc: "maxEndDate", opts: ListOptions{MaxEndDate: day}, want: "maxEndDate=2026-11-23T22%3A26%3A04.117GMT"},
		{desc: "limit", opts: ListOptions{Limit: 5}, want: "limit=5"},
		{desc: "everything", opts: ListOptions{Status: Running, MinDate: day, MaxDate: day.Add(time.Hour), MinEndDate: day, MaxEndDate: day, Limit: 1},
			want: "limit=1&maxDate=2026-11-23T23%3A26%3A04.117GMT&maxEndDate=2026-11-23T22%3A26%3A04.117GMT&minDate=2026-11-23T22%3A26%3A04.117GMT&minEndDate=2026-11-23T22%3A26%3A04.117GMT&status=running"},
		{desc: "bad status", opts: ListOptions{Status: "failed"}, err: `status "failed"`},
		{desc: "bad limit", opts: ListOptions{Limit: -1}, err: "limit -1"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/applications" {
					t.Errorf("path %q", r.URL.Path)
				}
				got = r.URL.RawQuery
				fmt.Fprint(w, "[]")
			}))
			defer srv.Close()
			c, _ := testClient(t, srv.URL, Options{})
			_, err := c.List(context.Background(), tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("query %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListBadAnswers(t *testing.T) {
	tests := []struct {
		desc, ctype, body string
		hits              int
		want              string
	}{
		{desc: "login page", ctype: "text/html", body: "<html><title>Sign in</title><form>...", hits: 1,
			want: `the answer is not a JSON list of applications (Content-Type "text/html"): "Sign in ..."`},
		{desc: "empty", body: "", hits: 1, want: "empty answer"},
		{desc: "object", ctype: "application/json", body: `{"error":"x"}`, hits: 1, want: "not a JSON list"},
		{desc: "bad json", ctype: "application/json", body: `[{"id":1}]`, hits: 1, want: "reading the application list"},
		{desc: "bad date", ctype: "application/json", body: `[{"id":"a","attempts":[{"startTime":"now"}]}]`, hits: 1, want: `attempt startTime "now"`},
		{desc: "cut json", ctype: "application/json", body: `[{"id":"a"`, hits: 4, want: "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			hits := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits++
				if tt.ctype != "" {
					w.Header().Set("Content-Type", tt.ctype)
				}
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			c, _ := testClient(t, srv.URL, Options{})
			_, err := c.List(context.Background(), ListOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("err = %v, want one containing %q and the URL", err, tt.want)
			}
			if hits != tt.hits {
				t.Errorf("%d requests, want %d", hits, tt.hits)
			}
		})
	}
}

// FuzzDecodeList feeds arbitrary answers to the list decoder: it must
// return applications or an error, never panic.
func FuzzDecodeList(f *testing.F) {
	f.Add([]byte(`[{"id":"app-1","name":"x","attempts":[{"attemptId":"1","startTime":"2024-01-01T00:00:00.000GMT","endTime":"1969-12-31T23:59:59.999GMT","lastUpdated":"","duration":0,"sparkUser":"u","completed":false,"appSparkVersion":"3.5.0","startTimeEpoch":1704067200000,"endTimeEpoch":-1,"lastUpdatedEpoch":0}]}]`))
	f.Add([]byte(`[{"id":"a","attempts":[{"startTime":"2015-02-03T16:42:59.720GMT","duration":1.5e3}]}]`))
	f.Add([]byte("\xef\xbb\xbf [ ]"))
	f.Add([]byte(`<html>login</html>`))
	f.Add([]byte(`[{"id":1}]`))
	f.Add([]byte(`[{"id":"a","attempts":[{"duration":"NaN"}]},{"id":"b"}]`))
	u, _ := url.Parse("http://hs.example/api/v1/applications")
	f.Fuzz(func(t *testing.T, b []byte) {
		last := -1
		apps, err := decodeList(u, &http.Response{Header: http.Header{}}, bytes.NewReader(b), 1000,
			func(s SkippedApp) {
				if s.Err == nil || s.Index <= last {
					t.Errorf("skipped entry %+v after entry %d", s, last)
				}
				last = s.Index
			})
		if err != nil {
			return
		}
		if len(apps) > 1000 {
			t.Errorf("%d applications, over the cap", len(apps))
		}
		for _, a := range apps {
			_ = a.Completed()
			for _, at := range a.Attempts {
				if at.Completed && at.EndTime.IsZero() && at.EndTimeEpoch > 0 {
					t.Errorf("completed attempt with an end epoch but no end time: %+v", at)
				}
			}
		}
	})
}
