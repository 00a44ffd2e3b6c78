package flinklog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// LevelTrace is log4j's TRACE; slog has no name for it.
const LevelTrace = slog.Level(-8)

// levelOff is above every level: nothing is logged.
const levelOff = slog.Level(100)

// LoggerKey is the attribute that names a logger's category.
const LoggerKey = "logger"

// New returns a logger writing Flink's console layout to w at the level of lv.
func New(w io.Writer, lv slog.Leveler) *slog.Logger {
	return slog.New(&handler{out: &output{w: w}, level: lv})
}

type output struct {
	mu sync.Mutex
	w  io.Writer
}

type handler struct {
	out    *output
	level  slog.Leveler
	logger string
	attrs  string // preformatted " k=v" pairs
	group  string
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b.WriteString(t.UTC().Format("2006-01-02 15:04:05,000"))
	fmt.Fprintf(&b, " %-5s ", levelName(r.Level))
	logger := h.logger
	attrs := h.attrs
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == LoggerKey && h.group == "" {
			logger = a.Value.String()
			return true
		}
		attrs += formatAttr(h.group, a)
		return true
	})
	if logger == "" {
		logger = "root"
	}
	fmt.Fprintf(&b, "%-60s [] - %s%s\n", logger, r.Message, attrs)
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	_, err := io.WriteString(h.out.w, b.String())
	return err
}

func formatAttr(group string, a slog.Attr) string {
	if a.Equal(slog.Attr{}) {
		return ""
	}
	key := a.Key
	if group != "" {
		key = group + "." + key
	}
	if a.Value.Kind() == slog.KindGroup {
		var s string
		for _, g := range a.Value.Group() {
			s += formatAttr(key, g)
		}
		return s
	}
	v := a.Value.Resolve().String()
	if strings.ContainsAny(v, " \t\"=") || v == "" {
		v = fmt.Sprintf("%q", v)
	}
	return " " + key + "=" + v
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	for _, a := range as {
		if a.Key == LoggerKey && h.group == "" {
			c.logger = a.Value.String()
			continue
		}
		c.attrs += formatAttr(h.group, a)
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	if c.group != "" {
		c.group += "."
	}
	c.group += name
	return &c
}

// levelName is the level as log4j prints it.
func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "TRACE"
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARN"
	}
	return "ERROR"
}
