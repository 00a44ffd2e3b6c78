package flinklog

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The logging configuration files Flink mounts next to config.yaml.
const (
	Log4jConsoleFile   = "log4j-console.properties"
	LogbackConsoleFile = "logback-console.xml"
)

// Settings are what a logging configuration says about the root level.
type Settings struct {
	// File is the configuration file the settings come from ("" when none exists).
	File  string
	Level slog.Level
	// Every is how often the file is re-read; 0 means never.
	Every time.Duration
}

// ParseLevel reads a log4j/logback level name (TRACE, DEBUG, INFO, WARN, ERROR,
// FATAL, OFF, ALL; case-insensitive).
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "ALL", "TRACE":
		return LevelTrace, nil
	case "DEBUG":
		return slog.LevelDebug, nil
	case "INFO":
		return slog.LevelInfo, nil
	case "WARN", "WARNING":
		return slog.LevelWarn, nil
	case "ERROR", "FATAL":
		return slog.LevelError, nil
	case "OFF":
		return levelOff, nil
	}
	return 0, fmt.Errorf("%q is not a log level: write TRACE, DEBUG, INFO, WARN, ERROR or OFF", s)
}

// ParseLog4j reads rootLogger.level (or the older rootLogger = LEVEL, appender form)
// and monitorInterval from a log4j2 properties file. Without a root level it is INFO.
func ParseLog4j(content string) (Settings, error) {
	s := Settings{File: Log4jConsoleFile, Level: slog.LevelInfo}
	for _, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			key, value, ok = strings.Cut(line, ":")
		}
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch key {
		case "rootLogger.level":
			l, err := ParseLevel(value)
			if err != nil {
				return s, fmt.Errorf("%s: rootLogger.level: %w", Log4jConsoleFile, err)
			}
			s.Level = l
		case "rootLogger":
			first, _, _ := strings.Cut(value, ",")
			if l, err := ParseLevel(first); err == nil {
				s.Level = l
			}
		case "monitorInterval":
			secs, err := strconv.Atoi(value)
			if err != nil || secs < 0 {
				return s, fmt.Errorf("%s: monitorInterval %q: write a number of seconds", Log4jConsoleFile, value)
			}
			s.Every = time.Duration(secs) * time.Second
		}
	}
	return s, nil
}

var (
	logbackRoot = regexp.MustCompile(`<root\b[^>]*\blevel\s*=\s*"([^"]+)"`)
	logbackScan = regexp.MustCompile(`<configuration\b[^>]*\bscan\s*=\s*"true"`)
	scanPeriod  = regexp.MustCompile(`<configuration\b[^>]*\bscanPeriod\s*=\s*"([^"]+)"`)
)

// ParseLogback reads <root level="…"> and scan/scanPeriod (default one minute) from a
// logback configuration.
func ParseLogback(content string) (Settings, error) {
	s := Settings{File: LogbackConsoleFile, Level: slog.LevelDebug}
	if m := logbackRoot.FindStringSubmatch(content); m != nil {
		l, err := ParseLevel(m[1])
		if err != nil {
			return s, fmt.Errorf("%s: <root level>: %w", LogbackConsoleFile, err)
		}
		s.Level = l
	}
	if logbackScan.MatchString(content) {
		s.Every = time.Minute
		if m := scanPeriod.FindStringSubmatch(content); m != nil {
			d, err := parseLogbackDuration(m[1])
			if err != nil {
				return s, fmt.Errorf("%s: scanPeriod: %w", LogbackConsoleFile, err)
			}
			s.Every = d
		}
	}
	return s, nil
}

func parseLogbackDuration(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0, fmt.Errorf("empty duration")
	}
	n, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, fmt.Errorf("%q: write e.g. \"30 seconds\"", s)
	}
	unit := time.Millisecond
	if len(f) > 1 {
		switch strings.TrimSuffix(strings.ToLower(f[1]), "s") {
		case "millisecond":
		case "second":
			unit = time.Second
		case "minute":
			unit = time.Minute
		case "hour":
			unit = time.Hour
		default:
			return 0, fmt.Errorf("%q: unknown unit %q", s, f[1])
		}
	}
	return time.Duration(n * float64(unit)), nil
}

// Load reads the logging configuration of a conf dir: log4j-console.properties, else
// logback-console.xml, else INFO and no watching.
func Load(files fs.FS, confDir string) (Settings, error) {
	dir := strings.Trim(path.Clean("/"+confDir), "/")
	if b, err := fs.ReadFile(files, path.Join(dir, Log4jConsoleFile)); err == nil {
		return ParseLog4j(string(b))
	}
	if b, err := fs.ReadFile(files, path.Join(dir, LogbackConsoleFile)); err == nil {
		return ParseLogback(string(b))
	}
	return Settings{Level: slog.LevelInfo}, nil
}

// Watch sets level from the conf dir's logging configuration now and, while the file
// asks to be watched, again every monitoring period until ctx ends. Changes are
// logged to log. It returns once ctx ends (or at once when nothing is watched).
func Watch(ctx context.Context, files fs.FS, confDir string, level *slog.LevelVar, log *slog.Logger) {
	s, err := Load(files, confDir)
	if err != nil {
		log.Warn("Cannot read the logging configuration; keeping level "+levelName(level.Level()), LoggerKey, "org.apache.logging.log4j", "error", err)
	} else {
		level.Set(s.Level)
	}
	for s.Every > 0 {
		t := time.NewTimer(s.Every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		next, err := Load(files, confDir)
		if err != nil {
			log.Warn("Cannot read the changed logging configuration; keeping level "+levelName(level.Level()), LoggerKey, "org.apache.logging.log4j", "error", err)
			continue
		}
		if next.Level != level.Level() {
			level.Set(next.Level)
			log.Info("Reconfigured the root logger: level "+levelName(next.Level), LoggerKey, "org.apache.logging.log4j", "file", next.File)
		}
		if next.Every > 0 {
			s.Every = next.Every
		}
	}
}
