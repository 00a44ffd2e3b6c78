package runner

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
	messages "github.com/cucumber/messages/go/v34"
)

// Each scenario is its own godog run, so godog's formatters see one scenario at a
// time. Three formatters, registered with godog under the names below, tie those runs
// back together: they find their scenario's session by the suite name the runner gives
// godog, and write into it instead of to godog's output.
const (
	prettyFormat   = "flinksim-pretty"
	progressFormat = "flinksim-progress"
	junitFormat    = "flinksim-junit"
	cucumberFormat = "flinksim-cucumber"
)

func init() {
	const note = " (one scenario of a run of flinksim's scenario runner)"
	godog.Format(prettyFormat, "pretty"+note, func(suite string, out io.Writer) godog.Formatter {
		pretty := godog.NewPrettyFmt(suite, out)
		if s := findSession(suite); s != nil {
			return &scenarioPretty{PrettyFmt: pretty, session: s, out: out}
		}
		return pretty
	})
	godog.Format(progressFormat, "progress"+note, func(suite string, out io.Writer) godog.Formatter {
		progress := godog.NewProgressFmt(suite, out)
		if findSession(suite) != nil {
			return &scenarioProgress{progress}
		}
		return progress
	})
	godog.Format(junitFormat, "junit"+note, func(suite string, out io.Writer) godog.Formatter {
		if s := findSession(suite); s != nil {
			out = &s.junit
		}
		return godog.NewJUnitFmt(suite, out)
	})
	godog.Format(cucumberFormat, "cucumber"+note, func(suite string, out io.Writer) godog.Formatter {
		if s := findSession(suite); s != nil {
			out = &s.cucumber
		}
		return godog.NewCukeFmt(suite, out)
	})
}

var (
	sessions    sync.Map // suite name → *session
	sessionSeq  atomic.Int64
	stdoutNames = map[string]string{"pretty": prettyFormat, "progress": progressFormat}
)

func findSession(suite string) *session {
	if s, ok := sessions.Load(suite); ok {
		return s.(*session)
	}
	return nil
}

// printer writes the scenarios' output to the run's Output: as it comes when scenarios
// run one at a time, a whole scenario at once when they run concurrently. It prints a
// feature's header once for consecutive scenarios of the same feature.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	stream  bool
	style   string // "pretty" or "progress": the first of those formats, which adds a result line
	lastURI string
	any     bool
}

// session is the output of one scenario's godog run.
type session struct {
	p      *printer
	plan   *planned
	suite  string // godog suite name, the key in sessions
	format string // godog's Format for the run

	mu       sync.Mutex
	inHeader bool
	header   bytes.Buffer // the feature header, printed only when the feature changes
	headed   bool
	body     bytes.Buffer // when not streaming

	junit, cucumber bytes.Buffer
	hints           []string // about undefined steps
}

// addHint keeps what the runner says about an undefined step, for the pretty output.
func (s *session) addHint(h string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hints = append(s.hints, h)
}

func (p *printer) newSession(pl *planned, o settled) *session {
	s := &session{p: p, plan: pl, suite: "flinksim-scenario-" + strconv.FormatInt(sessionSeq.Add(1), 10)}
	var formats []string
	for _, f := range o.stdoutFormats {
		if n, ok := stdoutNames[f]; ok {
			f = n
		}
		formats = append(formats, f)
	}
	for _, r := range o.reports {
		switch r.kind {
		case "junit":
			formats = append(formats, junitFormat)
		case "cucumber":
			formats = append(formats, cucumberFormat)
		}
	}
	s.format = joinUnique(formats)
	sessions.Store(s.suite, s)
	return s
}

// close forgets the session; its reports stay readable.
func (s *session) close() { sessions.Delete(s.suite) }

// Write takes what godog's stdout formatters print.
func (s *session) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inHeader {
		return s.header.Write(b)
	}
	if !s.p.stream {
		return s.body.Write(b)
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.featureHeader(s)
	return s.p.w.Write(b)
}

// captureHeader runs fn, keeping what it prints as the feature header.
func (s *session) captureHeader(fn func()) {
	s.mu.Lock()
	s.inHeader = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inHeader = false
		s.mu.Unlock()
	}()
	fn()
}

// finish prints what the scenario has not printed yet, and its result line.
func (s *session) finish(res *Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.featureHeader(s)
	s.p.w.Write(s.body.Bytes())
	switch s.p.style {
	case "pretty":
		fmt.Fprint(s.p.w, res.line())
	case "progress":
		fmt.Fprint(s.p.w, res.shortLine())
	}
}

// featureHeader prints the session's feature header unless the previous scenario
// printed was of the same feature. Called with both locks held.
func (p *printer) featureHeader(s *session) {
	if s.headed {
		return
	}
	s.headed = true
	if p.lastURI == s.plan.uri {
		return
	}
	if p.any && s.header.Len() > 0 {
		fmt.Fprintln(p.w)
	}
	p.w.Write(s.header.Bytes())
	p.lastURI, p.any = s.plan.uri, true
}

// write prints a line of the run's own (header, summary) between scenarios.
func (p *printer) write(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
	p.lastURI = ""
}

// scenarioPretty is godog's pretty formatter for one scenario of many: the feature
// header goes through the session (printed once per feature), and godog's summary of
// the one-scenario run gives way to the runner's result line and, for an undefined
// step, the closest steps of the library (instead of godog's Go snippets, which a
// feature writer cannot use).
type scenarioPretty struct {
	*godog.PrettyFmt
	session *session
	out     io.Writer
}

func (f *scenarioPretty) Feature(gd *messages.GherkinDocument, uri string, content []byte) {
	f.session.captureHeader(func() { f.PrettyFmt.Feature(gd, uri, content) })
}

func (f *scenarioPretty) Summary() {
	f.session.mu.Lock()
	hints := slices.Clone(f.session.hints)
	f.session.mu.Unlock()
	for _, h := range hints {
		fmt.Fprintln(f.out, colors.Yellow(indent(h, "    ")))
	}
}

// scenarioProgress is godog's progress formatter for one scenario of many: a
// character per step, and the runner's short result line instead of godog's summary.
type scenarioProgress struct{ *godog.ProgressFmt }

func (f *scenarioProgress) Summary() {}

func joinUnique(names []string) string {
	var b bytes.Buffer
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
	}
	return b.String()
}
