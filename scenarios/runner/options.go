package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// DefaultBaseSeed is the base seed of a run without -seed.base: every run of the suite
// draws the same seeds, so two runs give the same traces.
const DefaultBaseSeed = 1

// Options say what to run and how. DefaultOptions gives the documented defaults;
// BindFlags lets the command line change them.
type Options struct {
	// Paths are feature files or folders (a file may end in :LINE to pick the scenario
	// or outline at that line, as in godog).
	Paths []string
	// Tags filters scenarios with godog's tag expression syntax ("@ha && ~@slow", "@a,@b").
	Tags string
	// Format lists godog formatters, comma separated, written to Output as scenarios
	// finish; "pretty" is the default. junit and cucumber are merged over the whole run,
	// to Output or, as "junit:FILE", to a file.
	Format string
	// Concurrency is how many scenarios run at once, each as a parallel subtest. go
	// test's -parallel caps it too.
	Concurrency int
	// Random shuffles the scenario order with this seed; 0 keeps file order and -1
	// picks a seed (printed).
	Random int64
	// StopOnFailure skips the scenarios that have not started once one failed.
	StopOnFailure bool
	// Strict fails scenarios with undefined or pending steps. DefaultOptions sets it.
	Strict bool
	// NoColors turns ANSI colours off. Colours are only ever used when Output is a
	// terminal.
	NoColors bool
	// ShowStepDefinitions prints the step definitions instead of running scenarios.
	ShowStepDefinitions bool

	// Seed, when SeedSet, is the seed of every scenario run. Otherwise each scenario's
	// seed derives from BaseSeed and the scenario's name.
	Seed     int64
	SeedSet  bool
	BaseSeed int64

	// JUnitReport and CucumberReport name files that receive one JUnit XML and one
	// cucumber JSON report for the whole run.
	JUnitReport    string
	CucumberReport string

	// Output receives the formatted scenarios and the run summary (os.Stdout if nil).
	Output io.Writer
	// RerunCommand is how a person reruns one scenario, up to and including the flag
	// that selects tests by name: "go test ./features -run". The runner appends the
	// scenario's pattern and -seed. Defaults to "go test -run".
	RerunCommand string

	// RealTime runs each scenario on its subtest's goroutine instead of in a synctest
	// bubble: time is the wall clock's, as it must be when the scenario talks to a real
	// API server. A goroutine a scenario leaves behind is then not caught per scenario
	// (goleak in TestMain still sees it), and the simulated time the results report is
	// real time.
	RealTime bool

	// pathsFromFlag records that -godog.paths changed Paths, so a rerun command repeats it.
	pathsFromFlag bool
}

// DefaultOptions returns the options of a plain run: the features folder, pretty
// output, one scenario at a time in file order, strict, base seed DefaultBaseSeed.
func DefaultOptions() Options {
	return Options{
		Paths:       []string{"features"},
		Format:      "pretty",
		Concurrency: 1,
		Strict:      true,
		BaseSeed:    DefaultBaseSeed,
	}
}

// BindFlags registers the runner's flags on fs, with o's current values as defaults.
// The flags write into o when fs is parsed.
//
//	-godog.paths, -godog.tags, -godog.format, -godog.concurrency, -godog.random[=SEED],
//	-godog.stop-on-failure, -godog.strict, -godog.no-colors, -godog.definitions,
//	-seed, -seed.base, -report.junit, -report.cucumber
func BindFlags(fs *flag.FlagSet, o *Options) {
	fs.Var(&pathsFlag{o}, "godog.paths",
		"comma-separated feature files or folders; FILE:LINE picks the scenario at that line")
	fs.StringVar(&o.Tags, "godog.tags", o.Tags,
		`run scenarios matching a godog tag expression: "@wip", "~@wip", "@wip && ~@new", "@wip,@undone"`)
	fs.StringVar(&o.Format, "godog.format", o.Format,
		"comma-separated formatters: pretty, progress, events (to stdout as scenarios finish); "+
			"junit, cucumber (one merged report; NAME:FILE writes it to FILE)")
	fs.IntVar(&o.Concurrency, "godog.concurrency", o.Concurrency,
		"scenarios run at once, as parallel subtests (go test's -parallel caps it too)")
	fs.Var(&randomFlag{&o.Random}, "godog.random",
		"shuffle the scenario order; -godog.random=SEED repeats a shuffle")
	fs.BoolVar(&o.StopOnFailure, "godog.stop-on-failure", o.StopOnFailure,
		"skip the remaining scenarios once one failed")
	fs.BoolVar(&o.Strict, "godog.strict", o.Strict,
		"fail scenarios with undefined or pending steps")
	fs.BoolVar(&o.NoColors, "godog.no-colors", o.NoColors, "disable ANSI colours")
	fs.BoolVar(&o.ShowStepDefinitions, "godog.definitions", o.ShowStepDefinitions,
		"print the step definitions and run nothing")
	fs.Var(&seedFlag{o}, "seed",
		"seed of every scenario run (as printed by a failed scenario); default: derived from -seed.base and the scenario's name")
	fs.Int64Var(&o.BaseSeed, "seed.base", o.BaseSeed,
		"base seed from which each scenario's seed derives")
	fs.StringVar(&o.JUnitReport, "report.junit", o.JUnitReport,
		"write one JUnit XML report of the whole run to this file")
	fs.StringVar(&o.CucumberReport, "report.cucumber", o.CucumberReport,
		"write one cucumber JSON report of the whole run to this file")
}

// pathsFlag is -godog.paths: comma-separated, replacing the defaults.
type pathsFlag struct{ o *Options }

func (f *pathsFlag) String() string {
	if f.o == nil {
		return ""
	}
	return strings.Join(f.o.Paths, ",")
}

func (f *pathsFlag) Set(s string) error {
	var paths []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return errors.New("no feature path given")
	}
	f.o.Paths = paths
	f.o.pathsFromFlag = true
	return nil
}

// randomFlag is -godog.random: alone it picks a seed, with a value it uses it.
type randomFlag struct{ seed *int64 }

func (f *randomFlag) String() string {
	if f.seed == nil {
		return "0"
	}
	return strconv.FormatInt(*f.seed, 10)
}

func (f *randomFlag) Set(s string) error {
	switch s {
	case "true":
		*f.seed = -1
	case "false":
		*f.seed = 0
	default:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("-godog.random wants no value or a seed, not %q", s)
		}
		*f.seed = n
	}
	return nil
}

func (f *randomFlag) IsBoolFlag() bool { return true }

// seedFlag is -seed: it records that it was given, so 0 is a seed like any other.
type seedFlag struct{ o *Options }

func (f *seedFlag) String() string {
	if f.o == nil || !f.o.SeedSet {
		return ""
	}
	return strconv.FormatInt(f.o.Seed, 10)
}

func (f *seedFlag) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("-seed wants an integer, as printed by a failed scenario, not %q", s)
	}
	f.o.Seed, f.o.SeedSet = n, true
	return nil
}

// report is one merged report and where it goes ("" is Output).
type report struct {
	kind string // "junit" or "cucumber"
	path string
}

// settled is Options after defaults and validation, split into what a run needs.
type settled struct {
	Options
	// stdoutFormats are the godog formatters each scenario writes to Output.
	stdoutFormats []string
	reports       []report
	colors        bool
	randomSeed    int64
}

// settle fills in defaults and checks the options, naming the flag that is wrong.
func (o Options) settle() (settled, error) {
	s := settled{Options: o}
	if len(s.Paths) == 0 {
		s.Paths = []string{"features"}
	}
	if s.Concurrency < 1 {
		s.Concurrency = 1
	}
	if s.Output == nil {
		s.Output = os.Stdout
	}
	if s.RerunCommand == "" {
		s.RerunCommand = "go test -run"
	}
	s.colors = !s.NoColors && s.Output == io.Writer(os.Stdout) && isTerminal(os.Stdout) &&
		os.Getenv("NO_COLOR") == ""
	s.randomSeed = s.Random
	if s.randomSeed == -1 {
		s.randomSeed = time.Now().UnixNano()%99998 + 1
	}
	if s.JUnitReport != "" {
		s.reports = append(s.reports, report{"junit", s.JUnitReport})
	}
	if s.CucumberReport != "" {
		s.reports = append(s.reports, report{"cucumber", s.CucumberReport})
	}
	format := s.Format
	if strings.TrimSpace(format) == "" {
		format = "pretty"
	}
	for entry := range strings.SplitSeq(format, ",") {
		name, path, toFile := strings.Cut(strings.TrimSpace(entry), ":")
		switch {
		case name == "junit" || name == "cucumber":
			s.reports = append(s.reports, report{name, path})
		case toFile:
			return s, fmt.Errorf("-godog.format %q: only junit and cucumber can go to a file (scenarios run one at a time, so %s would be overwritten)", entry, name)
		case godog.FindFmt(name) == nil:
			return s, fmt.Errorf("-godog.format %q: no such formatter; use pretty, progress, events, junit or cucumber", entry)
		default:
			s.stdoutFormats = append(s.stdoutFormats, name)
		}
	}
	seen := map[report]bool{}
	for _, r := range s.reports {
		if seen[r] {
			return s, fmt.Errorf("the %s report to %q is asked for twice", r.kind, r.path)
		}
		seen[r] = true
	}
	return s, nil
}

// rerunArgs are the flags, after the test pattern, that repeat a scenario's run.
func (s settled) rerunArgs(seed int64) string {
	args := fmt.Sprintf(" -seed %d", seed)
	if s.pathsFromFlag {
		args += " -godog.paths " + shellQuote(strings.Join(s.Paths, ","))
	}
	return args
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ',' || r == ':' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
