package syncbuf

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestWritersAndReadersShareTheBuffer(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() { defer wg.Done(); fmt.Fprintf(&b, "line %d\n", i) }()
		go func() { defer wg.Done(); _ = b.String() }()
	}
	wg.Wait()
	got := b.String()
	for i := range 8 {
		if !strings.Contains(got, fmt.Sprintf("line %d\n", i)) {
			t.Errorf("line %d missing from %q", i, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 8 {
		t.Errorf("%d lines written, want 8: %q", n, got)
	}
}

func TestResetForgetsWhatWasWritten(t *testing.T) {
	var b Buffer
	b.Write([]byte("before"))
	b.Reset()
	b.Write([]byte("after"))
	if got := b.String(); got != "after" {
		t.Errorf("after Reset the buffer holds %q, want %q", got, "after")
	}
}
