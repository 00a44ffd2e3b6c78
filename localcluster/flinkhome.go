package localcluster

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"flinksim/jobjar"
)

// A Flink home for the host: what a user unpacks from a Flink distribution before
// following the Native Kubernetes page — conf/config.yaml with the distribution's
// defaults, conf/log4j-console.properties, and the example jobs under examples/ (as
// flinksim job jars: the JobManager runs their descriptors, not Java). With
// FLINK_HOME pointing there, the page's commands work as written.

// distributionConfig is the conf/config.yaml of a Flink 2 distribution.
const distributionConfig = `# The defaults of a Flink distribution's conf/config.yaml, written by flinksim up.
jobmanager:
  bind-host: localhost
  rpc:
    address: localhost
    port: 6123
  memory:
    process:
      size: 1600m
  execution:
    failover-strategy: region
taskmanager:
  bind-host: localhost
  host: localhost
  numberOfTaskSlots: 1
  memory:
    process:
      size: 1728m
parallelism:
  default: 1
rest:
  address: localhost
  bind-address: localhost
`

const log4jConsole = `# Written by flinksim up; shipped to the pods as Flink ships conf/log4j-console.properties.
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
`

// writeFlinkHome fills dir with a Flink home. Files that exist are left alone, so a
// user's edits to conf/config.yaml survive the next flinksim up.
func writeFlinkHome(dir string) error {
	files := map[string][]byte{
		"conf/config.yaml":              []byte(distributionConfig),
		"conf/log4j-console.properties": []byte(log4jConsole),
	}
	for _, ex := range jobjar.Examples() {
		jar, err := jobjar.Build(ex.Descriptor)
		if err != nil {
			return fmt.Errorf("building the example %s: %w", ex.Path, err)
		}
		files[ex.Path] = jar
	}
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if _, err := os.Stat(path); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("the Flink home %s: %w", dir, err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("the Flink home %s: %w", dir, err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("the Flink home %s: %w", dir, err)
		}
	}
	return nil
}
