package scenarios

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/cucumber/godog"
)

// TestSessionClusterFeature runs the session feature through the step library in one
// bubble, a World per scenario (the full runner lives in package features).
func TestSessionClusterFeature(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var w *World
		suite := godog.TestSuite{
			ScenarioInitializer: func(sc *godog.ScenarioContext) {
				sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
					w = NewWorld(42)
					w.Register(sc)
					return ctx, nil
				})
				sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
					if err != nil {
						t.Log(w.Report())
					}
					return ctx, w.Close(context.Background())
				})
			},
			Options: &godog.Options{Format: "progress", Paths: []string{"../features/session_cluster.feature"}, Strict: true},
		}
		if suite.Run() != 0 {
			t.Fatal("scenarios failed")
		}
	})
}
