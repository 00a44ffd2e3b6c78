package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// Main runs the suite as a program does: flags and feature paths from the command
// line, exit code for os.Exit. Arguments that are not flags are feature paths, as with
// godog; so is -godog.paths. Scenarios run exactly as under go test (a synctest bubble
// needs a *testing.T), as the subtests of one test, TestFeatures, so the testing flags
// work too, spelled in full: -test.run selects scenarios, -test.v lists them.
//
// Main drives the testing package through testing.MainStart, which go test's
// generated main calls. Its first argument is an interface the testing package does
// not export and go test fills from the internal testing/internal/testdeps; testDeps
// below implements that interface for a program that has no profiling, coverage or
// fuzzing to offer. The testing package may change that interface in any release
// (MainStart says so); this file is then what stops compiling.
func Main(suite Suite, o Options) int {
	testing.Init()
	BindFlags(flag.CommandLine, &o)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [flags] [feature files or folders]\n\n", filepath.Base(os.Args[0]))
		fmt.Fprintln(flag.CommandLine.Output(), "Runs Gherkin features, each scenario in virtual time. Flags (testing's -test.* flags work too):")
		flag.VisitAll(func(f *flag.Flag) {
			if !strings.HasPrefix(f.Name, "test.") {
				name, usage := flag.UnquoteUsage(f)
				if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
					usage += fmt.Sprintf(" (default %s)", f.DefValue)
				}
				fmt.Fprintf(flag.CommandLine.Output(), "  %s\n    \t%s\n", strings.TrimSpace("-"+f.Name+" "+name), usage)
			}
		})
	}
	flag.Parse()
	if args := flag.Args(); len(args) > 0 {
		o.Paths, o.pathsFromFlag = args, true
	}
	if o.RerunCommand == "" {
		o.RerunCommand = shellQuote(os.Args[0]) + " -test.run"
	}
	tests := []testing.InternalTest{{
		Name: "TestFeatures",
		F:    func(t *testing.T) { Run(t, suite, o) },
	}}
	return testing.MainStart(testDeps{}, tests, nil, nil, nil).Run()
}

// corpusEntry is the testing package's unexported alias of the same name.
type corpusEntry = struct {
	Parent     string
	Path       string
	Data       []byte
	Values     []any
	Generation int
	IsSeed     bool
}

var errNoFuzzing = errors.New("the scenario runner does not fuzz")

// testDeps is what testing.MainStart needs from its caller, for a program.
type testDeps struct{}

var matchCache struct {
	sync.Mutex
	pattern string
	re      *regexp.Regexp
}

func (testDeps) MatchString(pattern, s string) (bool, error) {
	matchCache.Lock()
	defer matchCache.Unlock()
	if matchCache.re == nil || matchCache.pattern != pattern {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return false, err
		}
		matchCache.pattern, matchCache.re = pattern, re
	}
	return matchCache.re.MatchString(s), nil
}

func (testDeps) ImportPath() string                      { return "" }
func (testDeps) ModulePath() string                      { return "" }
func (testDeps) SetPanicOnExit0(bool)                    {}
func (testDeps) StartCPUProfile(w io.Writer) error       { return pprof.StartCPUProfile(w) }
func (testDeps) StopCPUProfile()                         { pprof.StopCPUProfile() }
func (testDeps) StartTestLog(io.Writer)                  {}
func (testDeps) StopTestLog() error                      { return nil }
func (testDeps) ResetCoverage()                          {}
func (testDeps) SnapshotCoverage()                       {}
func (testDeps) CheckCorpus([]any, []reflect.Type) error { return nil }

func (testDeps) WriteProfileTo(name string, w io.Writer, debug int) error {
	p := pprof.Lookup(name)
	if p == nil {
		return fmt.Errorf("no profile %q", name)
	}
	return p.WriteTo(w, debug)
}

func (testDeps) CoordinateFuzzing(time.Duration, int64, time.Duration, int64, int, []corpusEntry, []reflect.Type, string, string) error {
	return errNoFuzzing
}

func (testDeps) RunFuzzWorker(func(corpusEntry) error) error { return errNoFuzzing }

func (testDeps) ReadCorpus(string, []reflect.Type) ([]corpusEntry, error) { return nil, nil }

func (testDeps) InitRuntimeCoverage() (string, func(string, string) (string, error), func() float64) {
	return "", nil, nil
}
