package render

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/advice"
)

// TestStageDisplayNames: the HTML slowest-stages chart names PySpark
// stages by what they did, not by the py4j frame they went through.
func TestStageDisplayNames(t *testing.T) {
	app, st := loadLog(t, "../../testdata/naming/pyspark_4.1.0.zstd")
	r := advice.Build(app, st, nil, nil, testTool)
	if r.Charts == nil || len(r.Charts.TopStages) == 0 {
		t.Fatal("no slowest-stages chart")
	}
	for _, s := range r.Charts.TopStages {
		if strings.Contains(s.Name, "NativeMethodAccessorImpl") || strings.Contains(s.Name, "$anonfun$") {
			t.Errorf("stage %d.%d is named %q", s.ID, s.Attempt, s.Name)
		}
	}
	page := render(t, "html", Options{}, r)
	chart := page[strings.Index(page, "<h2>Slowest stages</h2>"):]
	chart = chart[:strings.Index(chart, "</figure>")]
	for _, want := range []string{"DataFrameWriter.parquet (from PySpark)", "collect at /app/generate_events.py:"} {
		if !strings.Contains(chart, want) {
			t.Errorf("slowest-stages chart lacks %q", want)
		}
	}
	if strings.Contains(chart, "NativeMethodAccessorImpl") {
		t.Error("slowest-stages chart still names a py4j frame")
	}
}

// TestChartAxisTitles: the executors-over-time chart and the task-duration
// histograms name both axes and their units, inside the drawing.
func TestChartAxisTitles(t *testing.T) {
	r := fixtures(t)["nds_q86"]
	if r.Charts == nil || len(r.Charts.TaskDistributions) == 0 {
		t.Fatal("fixture without charts")
	}
	titleRe := regexp.MustCompile(`<text class="axis-title" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>`)
	viewRe := regexp.MustCompile(`viewBox="0 0 ([\d.]+) ([\d.]+)"`)
	for name, tc := range map[string]struct {
		svg  string
		want []string
	}{
		"executors": {executorsSVG(r), []string{"time since the application started (ms, s, min, h)", "executors (count)"}},
		"histogram": {histogramSVG(r, &r.Charts.TaskDistributions[0]), []string{"task duration (ms, s, min, h)", "tasks (count)"}},
	} {
		vb := viewRe.FindStringSubmatch(tc.svg)
		var got []string
		for _, m := range titleRe.FindAllStringSubmatch(tc.svg, -1) {
			got = append(got, m[3])
			if x, y := atof(m[1]), atof(m[2]); x <= 0 || y <= 0 || x >= atof(vb[1]) || y >= atof(vb[2]) {
				t.Errorf("%s: axis title %q at (%s, %s) outside the %sx%s drawing", name, m[3], m[1], m[2], vb[1], vb[2])
			}
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: axis titles %q, want %q", name, got, tc.want)
		}
	}
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
