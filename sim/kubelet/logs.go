package kubelet

import (
	"bytes"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// maxLogBytes bounds the kept log of one container instance, as log rotation does.
const maxLogBytes = 1 << 20

// logBuffer is one container instance's log (stdout and stderr interleaved), with
// the time each line was written.
type logBuffer struct {
	mu    sync.Mutex
	lines []logLine
	size  int
	part  []byte
}

type logLine struct {
	at   time.Time
	text string
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		line := string(l.part[:i+1])
		l.part = l.part[i+1:]
		l.lines = append(l.lines, logLine{at: time.Now(), text: line})
		l.size += len(line)
		for l.size > maxLogBytes && len(l.lines) > 1 {
			l.size -= len(l.lines[0].text)
			l.lines = l.lines[1:]
		}
	}
	return len(p), nil
}

// read renders the log as `kubectl logs` would with the given options.
func (l *logBuffer) read(opts *corev1.PodLogOptions) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := l.lines
	if opts != nil && opts.SinceSeconds != nil {
		since := time.Now().Add(-time.Duration(*opts.SinceSeconds) * time.Second)
		for len(lines) > 0 && lines[0].at.Before(since) {
			lines = lines[1:]
		}
	}
	if opts != nil && opts.TailLines != nil && int64(len(lines)) > *opts.TailLines {
		lines = lines[int64(len(lines))-*opts.TailLines:]
	}
	var b strings.Builder
	for _, ln := range lines {
		if opts != nil && opts.Timestamps {
			b.WriteString(ln.at.UTC().Format(time.RFC3339Nano) + " ")
		}
		b.WriteString(ln.text)
	}
	if len(l.part) > 0 && (opts == nil || opts.TailLines == nil) {
		b.Write(l.part)
	}
	return []byte(b.String())
}

// podLogs keeps the current and the previous instance of each container's log.
type podLogs struct {
	mu       sync.Mutex
	current  map[string]*logBuffer
	previous map[string]*logBuffer
}

func newPodLogs() *podLogs {
	return &podLogs{current: map[string]*logBuffer{}, previous: map[string]*logBuffer{}}
}

// start begins a new container instance's log and keeps the last one as previous.
func (p *podLogs) start(container string) *logBuffer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur, ok := p.current[container]; ok {
		p.previous[container] = cur
	}
	b := &logBuffer{}
	p.current[container] = b
	return b
}

func (p *podLogs) get(container string, previous bool) (*logBuffer, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if previous {
		b, ok := p.previous[container]
		return b, ok
	}
	b, ok := p.current[container]
	return b, ok
}
