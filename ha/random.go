package ha

import (
	"errors"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// randomSource is a private, goroutine-safe random stream. Constructors derive one
// from the *rand.Rand they are given (drawing from it once, in the caller's
// goroutine), so components never share a *rand.Rand across goroutines and a seed
// still determines everything.
type randomSource struct {
	mu sync.Mutex
	r  *rand.Rand
}

var errNoRand = errors.New("Rand is nil: pass a seeded *rand.Rand (math/rand/v2) so that identities and jitter are reproducible")

func newRandomSource(r *rand.Rand) (*randomSource, error) {
	if r == nil {
		return nil, errNoRand
	}
	return &randomSource{r: rand.New(rand.NewPCG(r.Uint64(), r.Uint64()))}, nil
}

// float64 is uniform in [0, 1).
func (s *randomSource) float64() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Float64()
}

// uuid is a random (version 4) UUID.
func (s *randomSource) uuid() uuid.UUID {
	s.mu.Lock()
	hi, lo := s.r.Uint64(), s.r.Uint64()
	s.mu.Unlock()
	var u uuid.UUID
	for i := range 8 {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// fileSuffix is 12 random lowercase hex characters, as Flink's random file names.
func (s *randomSource) fileSuffix() string {
	const alphabet = "0123456789abcdef"
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 12)
	for i := range b {
		b[i] = alphabet[s.r.IntN(len(alphabet))]
	}
	return string(b)
}

// child is a new *rand.Rand seeded from this stream, for a component built later
// (its constructor derives its own private stream from it).
func (s *randomSource) child() *rand.Rand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return rand.New(rand.NewPCG(s.r.Uint64(), s.r.Uint64()))
}
