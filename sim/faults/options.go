package faults

import (
	"math/rand/v2"
	"time"
)

// Option says when a fault strikes a matching request.
type Option interface{ apply(*gate) }

type optionFunc func(*gate)

func (f optionFunc) apply(g *gate) { f(g) }

// Times makes the fault strike at most n requests; later ones pass.
func Times(n int) Option { return optionFunc(func(g *gate) { g.times = n }) }

// After lets the first n matching requests pass before the fault strikes.
func After(n int) Option { return optionFunc(func(g *gate) { g.skip = n }) }

// Probability makes the fault strike each matching request with probability p, drawn
// from a generator seeded with seed (the same seed strikes the same requests of the same
// sequence).
func Probability(p float64, seed int64) Option {
	return optionFunc(func(g *gate) {
		g.probability = p
		g.rand = rand.New(rand.NewPCG(uint64(seed), 0xfa17))
	})
}

// For limits the fault to d after it is installed (simulated time inside a synctest
// bubble).
func For(d time.Duration) Option { return optionFunc(func(g *gate) { g.window = d }) }

// Name names the fault in the request log and in String.
func Name(name string) Option { return optionFunc(func(g *gate) { g.name = name }) }

// gate decides which matching requests a fault strikes.
type gate struct {
	name        string
	times       int
	skip        int
	probability float64
	rand        *rand.Rand
	window      time.Duration
	// start is when the fault was installed (or first asked).
	start time.Time
	hits  int
}

// strike decides for one matching request at now.
func (g *gate) strike(now time.Time) bool {
	if g.start.IsZero() {
		g.start = now
	}
	if g.window > 0 && now.Sub(g.start) >= g.window {
		return false
	}
	if g.skip > 0 {
		g.skip--
		return false
	}
	if g.times > 0 && g.hits >= g.times {
		return false
	}
	if g.rand != nil && g.rand.Float64() >= g.probability {
		return false
	}
	g.hits++
	return true
}
