// Package syncbuf is a bytes.Buffer that one goroutine may write while another reads it:
// a running process's standard output that a test or a scenario step looks at.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer collects writes; String returns everything written so far. The zero value is ready.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Reset forgets everything written so far.
func (b *Buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}
