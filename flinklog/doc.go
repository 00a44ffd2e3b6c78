// Package flinklog is the logging of the Flink processes: lines in the layout of
// Flink's log4j-console.properties (`%d %-5p %-60c %x - %m%n`) on stdout, which
// becomes the pod log, at the level the mounted logging configuration sets —
// rootLogger.level of log4j-console.properties, else <root level> of
// logback-console.xml — and, as the Flink documentation describes ("change the log
// level dynamically"), a new level when the mounted ConfigMap changes: log4j re-reads
// its file every monitorInterval seconds (Flink's default file sets 30), logback every
// scanPeriod when scan is on. A file that does not ask to be watched is read once.
//
// Loggers are slog loggers; the attribute "logger" names the category (for example
// org.apache.flink.runtime.taskexecutor.TaskExecutor); other attributes follow the
// message as key=value.
package flinklog
