// Package features holds the Gherkin feature files and the test that runs them, each
// scenario in its own testing/synctest bubble (virtual time).
package features
