package runner

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// planned is one scenario to run: one pickle, i.e. a scenario or one Examples row of
// an outline.
type planned struct {
	name     string // "<feature>/<scenario>", unique in the run; its subtest's name
	feature  string
	scenario string // the pickle's name, with " #N" when a name repeats
	uri      string // the feature file as found under Paths
	line     int64  // the scenario's line, or its Examples row's line
	rowIndex int    // index of the row in its Examples table, -1 for a plain scenario
	tags     []string
	seed     int64
	content  []byte // the feature file reduced to this scenario (see isolate)
	pickle   *messages.Pickle
}

// plan finds the scenarios to run, in file order or shuffled, each with its seed.
// godog parses the files and applies the tag filter, exactly as when it runs them.
func plan(o settled) ([]*planned, error) {
	features, err := godog.TestSuite{Options: &godog.Options{Paths: o.Paths, Tags: o.Tags}}.RetrieveFeatures()
	if err != nil {
		return nil, fmt.Errorf("reading features from %s: %w", strings.Join(o.Paths, ","), err)
	}
	var all []*planned
	taken := map[string]bool{}
	for _, f := range features {
		uri := trimLine(f.Uri)
		feature := f.Feature.Name
		if strings.TrimSpace(feature) == "" {
			feature = strings.TrimSuffix(filepath.Base(uri), filepath.Ext(uri))
		}
		names := scenarioNames(f.GherkinDocument)
		for _, p := range f.Pickles {
			sc := findScenario(f.GherkinDocument, p.AstNodeIds[0])
			if sc == nil {
				return nil, fmt.Errorf("%s: scenario %q not found in its own feature", uri, p.Name)
			}
			pl := &planned{feature: feature, uri: uri, line: sc.Location.Line, rowIndex: -1, pickle: p}
			pl.scenario = p.Name
			if strings.TrimSpace(pl.scenario) == "" {
				pl.scenario = fmt.Sprintf("line %d", sc.Location.Line)
			}
			if len(p.AstNodeIds) > 1 {
				ordinal, index, line := exampleRow(sc, p.AstNodeIds[1])
				pl.rowIndex, pl.line = index, line
				pl.scenario += " #" + strconv.Itoa(ordinal)
			} else if names[sc.Id] != "" {
				pl.scenario += names[sc.Id]
			}
			for _, t := range p.Tags {
				pl.tags = append(pl.tags, t.Name)
			}
			pl.name = feature + "/" + pl.scenario
			for n := 2; taken[pl.name]; n++ {
				pl.name = fmt.Sprintf("%s/%s (%d)", feature, pl.scenario, n)
			}
			taken[pl.name] = true
			if pl.content, err = isolate(f.Content, f.GherkinDocument, p); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", uri, pl.line, err)
			}
			pl.seed = o.Seed
			if !o.SeedSet {
				pl.seed = deriveSeed(o.BaseSeed, pl.name)
			}
			all = append(all, pl)
		}
	}
	if o.randomSeed != 0 {
		r := rand.New(rand.NewPCG(uint64(o.randomSeed), 0x5ce7a210))
		r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	}
	return all, nil
}

// deriveSeed is a scenario's seed when -seed is not given: a hash of the base seed and
// the scenario's name, so it does not change when scenarios are added, removed,
// filtered or reordered. It is never negative, to read well on a command line.
func deriveSeed(base int64, name string) int64 {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s", base, name))
	return int64(binary.BigEndian.Uint64(sum[:8]) &^ (1 << 63))
}

// scenarioNames gives a suffix " #N" to plain scenarios whose name repeats in the
// feature, counted over the whole file so that a tag filter does not renumber them.
func scenarioNames(doc *messages.GherkinDocument) map[string]string {
	var all []*messages.Scenario
	eachScenario(doc, func(sc *messages.Scenario) { all = append(all, sc) })
	count := map[string]int{}
	for _, sc := range all {
		count[sc.Name]++
	}
	suffix := map[string]string{}
	seen := map[string]int{}
	for _, sc := range all {
		if count[sc.Name] > 1 {
			seen[sc.Name]++
			suffix[sc.Id] = " #" + strconv.Itoa(seen[sc.Name])
		}
	}
	return suffix
}

func eachScenario(doc *messages.GherkinDocument, fn func(*messages.Scenario)) {
	for _, c := range doc.Feature.Children {
		if c.Scenario != nil {
			fn(c.Scenario)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					fn(rc.Scenario)
				}
			}
		}
	}
}

func findScenario(doc *messages.GherkinDocument, id string) *messages.Scenario {
	var found *messages.Scenario
	eachScenario(doc, func(sc *messages.Scenario) {
		if sc.Id == id {
			found = sc
		}
	})
	return found
}

// exampleRow locates an outline row: its 1-based ordinal over all the outline's
// Examples tables, its index in its own table, and its line.
func exampleRow(sc *messages.Scenario, rowID string) (ordinal, index int, line int64) {
	for _, ex := range sc.Examples {
		for i, r := range ex.TableBody {
			ordinal++
			if r.Id == rowID {
				return ordinal, i, r.Location.Line
			}
		}
	}
	return 0, -1, sc.Location.Line
}

var lineSuffix = regexp.MustCompile(`:\d+$`)

// trimLine drops the ":LINE" godog appends to a feature's URI when a path named a line.
func trimLine(uri string) string { return lineSuffix.ReplaceAllString(uri, "") }

// runPattern is the -run pattern that selects exactly the test with this full name.
func runPattern(testName string) string {
	parts := strings.Split(testName, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
