// Package controller holds the plumbing the simulator's controllers share: a keyed
// work queue driven by informers, run by Start(ctx) until the context ends.
package controller
