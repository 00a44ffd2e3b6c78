package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCasesAreWellFormed(t *testing.T) {
	cases := Cases()
	require.NoError(t, validateCases(cases))
	assert.GreaterOrEqual(t, len(cases), 60, "the issue asks for at least 60 cases")
	var controllers, simOnly int
	for _, c := range cases {
		if c.NeedsControllers {
			controllers++
		}
		if c.SimOnly {
			simOnly++
		}
	}
	t.Logf("%d cases: %d need controllers, %d are sim-only", len(cases), controllers, simOnly)
}

func TestValidateCasesReportsProblems(t *testing.T) {
	run := func(*testing.T, *Env) {}
	err := validateCases([]Case{
		{Name: "ok/fine", Run: run},
		{Name: "ok/fine", Run: run},
		{Name: "No Area", Run: run},
		{Name: "area/no-run"},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `case "ok/fine": duplicate name`)
	assert.Contains(t, err.Error(), `case "No Area": name must match`)
	assert.Contains(t, err.Error(), `case "area/no-run": Run is nil`)
}
