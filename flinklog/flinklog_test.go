package flinklog

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"
)

func TestLayout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		var lv slog.LevelVar
		log := New(&buf, &lv).With(LoggerKey, "org.apache.flink.runtime.taskexecutor.TaskExecutor")
		log.Info("Successful registration at resource manager", "id", "my-tm", "msg text", "a b")
		log.Debug("hidden")
		lv.Set(slog.LevelDebug)
		log.Debug("shown")
		got := buf.String()
		want := "2000-01-01 00:00:00,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor           [] - Successful registration at resource manager id=my-tm msg text=\"a b\"\n" +
			"2000-01-01 00:00:00,000 DEBUG org.apache.flink.runtime.taskexecutor.TaskExecutor           [] - shown\n"
		if got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
}

func TestParse(t *testing.T) {
	s, err := ParseLog4j("# Flink\nmonitorInterval=30\nrootLogger.level = DEBUG\nrootLogger.appenderRef.console.ref = ConsoleAppender\n")
	if err != nil || s.Level != slog.LevelDebug || s.Every != 30*time.Second {
		t.Errorf("log4j: %+v %v", s, err)
	}
	if _, err := ParseLog4j("rootLogger.level = LOUD\n"); err == nil || !strings.Contains(err.Error(), `"LOUD" is not a log level`) {
		t.Errorf("bad level: %v", err)
	}
	s, err = ParseLogback(`<configuration scan="true" scanPeriod="10 seconds"><root level="WARN"/></configuration>`)
	if err != nil || s.Level != slog.LevelWarn || s.Every != 10*time.Second {
		t.Errorf("logback: %+v %v", s, err)
	}
	s, _ = ParseLogback(`<configuration><root level="ERROR"/></configuration>`)
	if s.Every != 0 || s.Level != slog.LevelError {
		t.Errorf("logback without scan: %+v", s)
	}
}

func TestWatchPicksUpAChangedLevel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		files := &lockedFS{m: fstest.MapFS{"opt/flink/conf/log4j-console.properties": {Data: []byte("monitorInterval=30\nrootLogger.level=INFO\n")}}}
		var lv slog.LevelVar
		var out bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); Watch(ctx, files, "/opt/flink/conf", &lv, New(&out, &lv)) }()
		synctest.Wait()
		if lv.Level() != slog.LevelInfo {
			t.Fatalf("level %v", lv.Level())
		}
		files.set("opt/flink/conf/log4j-console.properties", "monitorInterval=30\nrootLogger.level=DEBUG\n")
		time.Sleep(29 * time.Second)
		if lv.Level() != slog.LevelInfo {
			t.Fatal("the level changed before monitorInterval")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if lv.Level() != slog.LevelDebug {
			t.Fatalf("level %v after monitorInterval, want DEBUG", lv.Level())
		}
		cancel()
		<-done
		if !strings.Contains(out.String(), "Reconfigured the root logger: level DEBUG") {
			t.Errorf("log %q", out.String())
		}
	})
}

// lockedFS is a MapFS a test may change while Watch reads it, as the kubelet
// refreshes a mounted ConfigMap.
type lockedFS struct {
	mu sync.Mutex
	m  fstest.MapFS
}

func (f *lockedFS) Open(name string) (fs.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.m).Open(name)
}

func (f *lockedFS) set(name, data string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[name] = &fstest.MapFile{Data: []byte(data)}
}
