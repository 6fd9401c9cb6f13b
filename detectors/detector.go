// Package detectors defines what a detector is and runs detectors over an
// application model.
//
// A detector is a documented value (*Detector) with a stable ID, a default
// severity, thresholds with defaults, and a Run function that reads the
// immutable model and reports findings through a Pass. Detectors never print
// and never decide output; the advice package ranks their findings and the
// renderers format them. Each detector lives in its own package under
// detectors/ with its tests; detectors/all lists them.
package detectors

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Severity orders findings.
type Severity int

// Severities, from least to most serious.
const (
	Info Severity = iota + 1
	Warning
	Error
)

var severityNames = map[Severity]string{Info: "info", Warning: "warning", Error: "error"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText writes the severity as a word.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity word.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity reads "info", "warning" or "error" (any case).
func ParseSeverity(w string) (Severity, error) {
	for s, n := range severityNames {
		if strings.EqualFold(w, n) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or error)", w)
}

// Param is a threshold of a detector.
type Param struct {
	Name    string  `json:"name"` // lowerCamelCase, unique within the detector
	Default float64 `json:"default"`
	Unit    string  `json:"unit"` // "ms", "bytes", "ratio", "count", "share"
	Doc     string  `json:"doc"`
}

// Doc is a detector's documentation.
type Doc struct {
	// Title: lower case, no final period, at most ~60 characters.
	Title string `json:"title"`
	// Text explains what the detector looks at and what it reports
	// (Markdown).
	Text string `json:"text"`
	// Thresholds explains why the defaults are what they are, citing the
	// tools they were taken from.
	Thresholds string `json:"thresholds"`
	// Questions are the question-bank entries the remedies come from.
	Questions []string `json:"questions"`
}

// Detector is one check.
type Detector struct {
	ID       string   `json:"id"`   // stable: "SKEW001"
	Name     string   `json:"name"` // a short identifier: "task-skew"
	Category string   `json:"category"`
	Severity Severity `json:"severity"` // the default; a finding may raise or lower it
	Doc      Doc      `json:"doc"`
	Params   []Param  `json:"params"`
	// Problems are the corpus label ids this detector answers for (see
	// testdata/spark/labels.json); used to score precision and recall.
	Problems []string `json:"problems"`
	// Run inspects pass.App and reports findings.
	Run func(pass *Pass) `json:"-"`
}

// Param returns the default of the named parameter; it panics on an
// unknown name (a programming error caught by Validate's tests).
func (d *Detector) param(name string) (Param, bool) {
	for _, p := range d.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Validate checks a set of detectors: unique IDs and names, documentation,
// parameters.
func Validate(ds []*Detector) error {
	ids := map[string]bool{}
	names := map[string]bool{}
	var errs []string
	for _, d := range ds {
		switch {
		case d.ID == "" || strings.ToUpper(d.ID) != d.ID:
			errs = append(errs, fmt.Sprintf("%q: ID must be upper case and non-empty", d.ID))
		case ids[d.ID]:
			errs = append(errs, d.ID+": duplicate ID")
		case names[d.Name] || d.Name == "":
			errs = append(errs, d.ID+": missing or duplicate name "+d.Name)
		case d.Doc.Title == "" || d.Doc.Text == "" || d.Doc.Thresholds == "":
			errs = append(errs, d.ID+": title, text and thresholds documentation are required")
		case len(d.Doc.Title) > 70 || strings.HasSuffix(d.Doc.Title, "."):
			errs = append(errs, d.ID+": title must be short and end without a period")
		case len(d.Doc.Questions) == 0:
			errs = append(errs, d.ID+": no question-bank reference")
		case d.Run == nil:
			errs = append(errs, d.ID+": no Run")
		case d.Severity < Info || d.Severity > Error:
			errs = append(errs, d.ID+": no default severity")
		}
		ids[d.ID] = true
		names[d.Name] = true
		pn := map[string]bool{}
		for _, p := range d.Params {
			if p.Name == "" || pn[p.Name] || p.Doc == "" || p.Unit == "" {
				errs = append(errs, d.ID+": bad or duplicate parameter "+p.Name)
			}
			pn[p.Name] = true
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("invalid detectors:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// Pass is one detector's run over one application.
type Pass struct {
	Detector *Detector
	App      *appmodel.Application
	params   map[string]float64
	findings []Finding
}

// Param returns the value of a threshold: the override if one was given,
// else the default.
func (p *Pass) Param(name string) float64 {
	if v, ok := p.params[name]; ok {
		return v
	}
	def, ok := p.Detector.param(name)
	if !ok {
		panic("detector " + p.Detector.ID + " has no parameter " + name)
	}
	return def.Default
}

// Report records a finding. Detector, severity (when zero) and category
// are filled in.
func (p *Pass) Report(f Finding) {
	f.DetectorID = p.Detector.ID
	f.Detector = p.Detector.Name
	f.Category = p.Detector.Category
	if f.Severity == 0 {
		f.Severity = p.Detector.Severity
	}
	if f.Evidence == nil {
		f.Evidence = []Evidence{}
	}
	if f.Advice.Questions == nil {
		f.Advice.Questions = p.Detector.Doc.Questions
	}
	if f.Advice.Changes == nil {
		f.Advice.Changes = []Change{}
	}
	p.findings = append(p.findings, f)
}

// Config selects detectors and overrides thresholds.
type Config struct {
	// Enable, when not empty, runs only these IDs, names or categories.
	Enable []string `json:"enable,omitempty"`
	// Disable skips these IDs, names or categories.
	Disable []string `json:"disable,omitempty"`
	// Params overrides thresholds: detector ID → parameter → value.
	Params map[string]map[string]float64 `json:"params,omitempty"`
}

func matches(d *Detector, sel []string) bool {
	for _, s := range sel {
		if strings.EqualFold(s, d.ID) || strings.EqualFold(s, d.Name) || strings.EqualFold(s, d.Category) {
			return true
		}
	}
	return false
}

// Select returns the detectors the config keeps, in registry order.
func (c *Config) Select(all []*Detector) []*Detector {
	var out []*Detector
	for _, d := range all {
		if len(c.Enable) > 0 && !matches(d, c.Enable) {
			continue
		}
		if matches(d, c.Disable) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// CheckParams reports overrides that name no detector or parameter.
func (c *Config) CheckParams(all []*Detector) error {
	byID := map[string]*Detector{}
	for _, d := range all {
		byID[d.ID] = d
	}
	for id, ps := range c.Params {
		d := byID[strings.ToUpper(id)]
		if d == nil {
			return fmt.Errorf("unknown detector %q in threshold overrides", id)
		}
		for name := range ps {
			if _, ok := d.param(name); !ok {
				return fmt.Errorf("detector %s has no threshold %q (it has: %s)", d.ID, name, paramNames(d))
			}
		}
	}
	return nil
}

func paramNames(d *Detector) string {
	var ns []string
	for _, p := range d.Params {
		ns = append(ns, p.Name)
	}
	if len(ns) == 0 {
		return "none"
	}
	return strings.Join(ns, ", ")
}

// Run runs the selected detectors over app and returns their findings,
// unsorted. A detector that panics is reported as an error finding of its
// own instead of stopping the others.
func Run(app *appmodel.Application, ds []*Detector, c *Config) []Finding {
	var out []Finding
	for _, d := range ds {
		pass := &Pass{Detector: d, App: app, params: map[string]float64{}}
		for id, ps := range c.Params {
			if strings.EqualFold(id, d.ID) {
				for k, v := range ps {
					pass.params[k] = v
				}
			}
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					out = append(out, Finding{DetectorID: d.ID, Detector: d.Name, Category: d.Category,
						Severity: Info, Message: fmt.Sprintf("detector %s failed on this log (a bug: please report it): %v", d.ID, r),
						Subject: Subject{Kind: SubjectApp}, Evidence: []Evidence{}, Advice: Advice{Questions: []string{}, Changes: []Change{}}})
				}
			}()
			d.Run(pass)
		}()
		out = append(out, pass.findings...)
	}
	return out
}
