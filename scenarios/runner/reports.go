package runner

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The reports for CI merge godog's junit and cucumber reports of each one-scenario
// run into one report of the whole run, grouped by feature in file order. What the
// runner knows and godog does not is added: each case's seed, simulated time and
// rerun command, and failures of the runner's own checks (goroutines left behind, a
// Close that failed). JUnit times are wall-clock; cucumber step durations stay as godog
// measured them, on the scenario's virtual clock.

// byFile orders results as they stand in their files.
func byFile(sum *Summary) []*Result {
	rs := slices.Clone(sum.Results)
	slices.SortStableFunc(rs, func(a, b *Result) int {
		return cmp.Or(strings.Compare(a.URI, b.URI), cmp.Compare(a.Line, b.Line))
	})
	return rs
}

type junitSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Name     string        `xml:"name,attr"`
	Tests    int           `xml:"tests,attr"`
	Skipped  int           `xml:"skipped,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Time     string        `xml:"time,attr"`
	Suites   []*junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Cases    []*junitCase `xml:"testcase"`
	wall     time.Duration
}

type junitCase struct {
	Name      string          `xml:"name,attr"`
	Classname string          `xml:"classname,attr"`
	Status    string          `xml:"status,attr"`
	Time      string          `xml:"time,attr"`
	Skipped   *junitProblem   `xml:"skipped"`
	Failure   *junitProblem   `xml:"failure"`
	Errors    []*junitProblem `xml:"error"`
	SystemOut string          `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// mergeJUnit makes one JUnit XML report: a testsuite per feature, a testcase per
// scenario (classname the feature, name the scenario as in the subtest's name).
func mergeJUnit(name string, sum *Summary) ([]byte, error) {
	out := junitSuites{Name: name, Time: seconds(sum.WallTime)}
	suites := map[string]*junitSuite{}
	for _, res := range byFile(sum) {
		tc, err := junitCaseOf(res)
		if err != nil {
			return nil, err
		}
		s := suites[res.URI]
		if s == nil {
			s = &junitSuite{Name: res.Feature}
			suites[res.URI] = s
			out.Suites = append(out.Suites, s)
		}
		s.Cases = append(s.Cases, tc)
		s.wall += res.WallTime
		s.Time = seconds(s.wall)
		s.Tests++
		out.Tests++
		switch res.Status {
		case Failed:
			s.Failures++
			out.Failures++
		case Undefined, Pending:
			s.Errors++
			out.Errors++
		case Skipped:
			s.Skipped++
			out.Skipped++
		}
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	b.WriteString("\n")
	return b.Bytes(), nil
}

// junitCaseOf is godog's testcase for one scenario, completed by the runner.
func junitCaseOf(res *Result) (*junitCase, error) {
	tc := &junitCase{}
	if len(res.junit) > 0 {
		var one junitSuites
		if err := xml.Unmarshal(res.junit, &one); err != nil {
			return nil, fmt.Errorf("godog's junit report of %q: %w", res.Name, err)
		}
		if len(one.Suites) != 1 || len(one.Suites[0].Cases) != 1 {
			return nil, fmt.Errorf("godog's junit report of %q holds more than one scenario", res.Name)
		}
		tc = one.Suites[0].Cases[0]
	}
	tc.Name, tc.Classname = res.Scenario, res.Feature
	tc.Status, tc.Time = string(res.Status), seconds(res.WallTime)
	tc.SystemOut = fmt.Sprintf("location: %s\nseed: %d\nsimulated time: %s\n", res.Location(), res.Seed, res.SimulatedTime)
	switch res.Status {
	case Skipped:
		tc.Skipped = &junitProblem{Message: "an earlier scenario failed (-godog.stop-on-failure)"}
	case Failed:
		if tc.Failure == nil {
			tc.Failure = &junitProblem{Message: headline(res.Err), Type: "runner"}
		}
		tc.Failure.Text = res.Failure()
	case Undefined, Pending:
		if len(tc.Errors) == 0 {
			tc.Errors = append(tc.Errors, &junitProblem{Message: headline(res.Err), Type: string(res.Status)})
		}
		for _, e := range tc.Errors {
			if e.Type == string(res.Status) {
				e.Text = res.Failure()
				break
			}
		}
	}
	return tc, nil
}

type cukeFeature struct {
	URI         string          `json:"uri"`
	ID          string          `json:"id"`
	Keyword     string          `json:"keyword"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Line        int64           `json:"line"`
	Comments    json.RawMessage `json:"comments,omitempty"`
	Tags        json.RawMessage `json:"tags,omitempty"`
	Elements    []*cukeElement  `json:"elements,omitempty"`
}

type cukeElement struct {
	ID          string          `json:"id"`
	Keyword     string          `json:"keyword"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Line        int64           `json:"line"`
	Type        string          `json:"type"`
	Tags        json.RawMessage `json:"tags,omitempty"`
	Steps       json.RawMessage `json:"steps,omitempty"`
	After       []cukeHook      `json:"after,omitempty"`
}

// cukeHook is an "after" hook result: where a runner failure that no step owns goes.
type cukeHook struct {
	Match struct {
		Location string `json:"location"`
	} `json:"match"`
	Result struct {
		Status string `json:"status"`
		Error  string `json:"error_message,omitempty"`
	} `json:"result"`
}

// mergeCucumber makes one cucumber JSON report: a feature per file, its scenarios
// as elements in file order.
func mergeCucumber(sum *Summary) ([]byte, error) {
	var features []*cukeFeature
	byURI := map[string]*cukeFeature{}
	for _, res := range byFile(sum) {
		f, el, err := cukeElementOf(res)
		if err != nil {
			return nil, err
		}
		if have := byURI[res.URI]; have != nil {
			f = have
		} else {
			byURI[res.URI] = f
			features = append(features, f)
		}
		f.Elements = append(f.Elements, el)
	}
	if features == nil {
		features = []*cukeFeature{}
	}
	data, err := json.MarshalIndent(features, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// cukeElementOf is godog's cucumber feature and element for one scenario, completed
// by the runner.
func cukeElementOf(res *Result) (*cukeFeature, *cukeElement, error) {
	f := &cukeFeature{URI: res.URI, ID: cukeID(res.Feature), Keyword: "Feature", Name: res.Feature}
	el := &cukeElement{
		ID: f.ID + ";" + cukeID(res.Scenario), Keyword: "Scenario", Name: res.Scenario,
		Line: res.Line, Type: "scenario",
	}
	if len(res.cucumber) > 0 {
		var one []*cukeFeature
		if err := json.Unmarshal(res.cucumber, &one); err != nil {
			return nil, nil, fmt.Errorf("godog's cucumber report of %q: %w", res.Name, err)
		}
		if len(one) != 1 || len(one[0].Elements) != 1 {
			return nil, nil, fmt.Errorf("godog's cucumber report of %q holds more than one scenario", res.Name)
		}
		f, el = one[0], one[0].Elements[0]
		f.Elements = nil
		f.URI = res.URI
		// godog numbers an outline row by its place in the table it saw, which
		// isolate reduced to that one row.
		if res.rowIndex >= 0 && strings.HasSuffix(el.ID, ";2") {
			el.ID = strings.TrimSuffix(el.ID, ";2") + ";" + strconv.Itoa(res.rowIndex+2)
		}
	}
	var h cukeHook
	h.Match.Location = "flinksim scenario runner"
	switch {
	case res.Status == Skipped:
		h.Result.Status = "skipped"
		h.Result.Error = "an earlier scenario failed (-godog.stop-on-failure)"
		el.After = append(el.After, h)
	case res.runnerErr != "":
		h.Result.Status = "failed"
		h.Result.Error = res.runnerErr
		el.After = append(el.After, h)
	}
	return f, el, nil
}

// cukeID is how godog's cucumber formatter makes ids.
func cukeID(name string) string { return strings.ReplaceAll(strings.ToLower(name), " ", "-") }

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func headline(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
