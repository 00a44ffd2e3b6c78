package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

func parse(t *testing.T, src string) (*messages.GherkinDocument, []*messages.Pickle) {
	t.Helper()
	newID := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(src), newID)
	if err != nil {
		t.Fatal(err)
	}
	return doc, gherkin.Pickles(*doc, "x.feature", newID)
}

func TestIsolateKeepsOnlyTheRowAsked(t *testing.T) {
	src := `Feature: f
  Background:
    Given b

  @a
  Scenario: one
    Given x

  Scenario Outline: o <v>
    Given <v>

    Examples: first
      | v |
      | 1 |
      # kept
      | 2 |

    @t
    Examples: second
      | v |
      | 3 |
`
	// Everything but the background, the outline and its row "2" becomes empty lines.
	want := "Feature: f\n  Background:\n    Given b\n" + strings.Repeat("\n", 5) +
		"  Scenario Outline: o <v>\n    Given <v>\n\n    Examples: first\n      | v |\n\n" +
		"      # kept\n      | 2 |\n" + strings.Repeat("\n", 5)
	doc, pickles := parse(t, src)
	got, err := isolate([]byte(src), doc, pickles[2])
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("isolated row 2:\n%q\nwant\n%q", got, want)
	}
}

// Every pickle of every shape isolates to itself, at its own lines.
func TestIsolateEveryPickle(t *testing.T) {
	sources := map[string]string{
		"docstring that looks like gherkin": "Feature: f\n  Scenario: a\n    Given text\n      \"\"\"\n      Scenario: not one\n      | not | a row |\n      \"\"\"\n  Scenario: b\n    Given y\n",
		"crlf":                              "Feature: f\r\n  Scenario: a\r\n    Given x\r\n  Scenario Outline: b\r\n    Given <v>\r\n    Examples:\r\n      | v |\r\n      | 1 |\r\n      | 2 |\r\n",
		"rules":                             "Feature: f\n  Rule: r1\n    Background:\n      Given rb\n    Scenario: a\n      Given x\n  @r\n  Rule: r2\n    Scenario: b\n      Given y\n    Scenario: c\n      Given z\n",
		"no trailing newline":               "Feature: f\n  Scenario: a\n    Given x\n  Scenario: b\n    Given y",
		"tags and descriptions":             "@f\nFeature: f\n  about f\n\n  @s1 @s2\n  Scenario: a\n    about a\n    Given x\n\n  @s3\n  # comment\n  @s4\n  Scenario: b\n    Given y\n      | t |\n      | u |\n",
	}
	for _, dir := range []string{"testdata/basic", "testdata/failing", "testdata/leak"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.feature"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sources[f] = string(b)
		}
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			doc, pickles := parse(t, src)
			if len(pickles) < 2 {
				t.Fatalf("%d pickles; a useful case has several", len(pickles))
			}
			for _, p := range pickles {
				got, err := isolate([]byte(src), doc, p)
				if err != nil {
					t.Errorf("%q: %v", p.Name, err)
					continue
				}
				if n, m := strings.Count(string(got), "\n"), strings.Count(src, "\n"); n != m {
					t.Errorf("%q: %d lines, want the original %d", p.Name, n, m)
				}
				_, reduced := parse(t, string(got))
				if len(reduced) != 1 || reduced[0].Name != p.Name {
					t.Errorf("%q: reduced to %d pickles", p.Name, len(reduced))
					continue
				}
				// Same steps at the same lines.
				gotDoc, _ := parse(t, string(got))
				for i, s := range reduced[0].Steps {
					if s.Text != p.Steps[i].Text || stepLine(gotDoc, s) != stepLine(doc, p.Steps[i]) {
						t.Errorf("%q: step %d %q moved", p.Name, i, s.Text)
					}
				}
			}
		})
	}
}

func stepLine(doc *messages.GherkinDocument, s *messages.PickleStep) int64 {
	var line int64
	var visit func(steps []*messages.Step)
	visit = func(steps []*messages.Step) {
		for _, st := range steps {
			if st.Id == s.AstNodeIds[0] {
				line = st.Location.Line
			}
		}
	}
	for _, c := range doc.Feature.Children {
		switch {
		case c.Background != nil:
			visit(c.Background.Steps)
		case c.Scenario != nil:
			visit(c.Scenario.Steps)
		case c.Rule != nil:
			for _, rc := range c.Rule.Children {
				if rc.Background != nil {
					visit(rc.Background.Steps)
				}
				if rc.Scenario != nil {
					visit(rc.Scenario.Steps)
				}
			}
		}
	}
	return line
}
