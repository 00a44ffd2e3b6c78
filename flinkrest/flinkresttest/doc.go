// Package flinkresttest is a fake of the JobManager's REST API for tests of its
// clients: it keeps jobs and uploaded jars in memory, answers with Flink's paths,
// status codes and JSON shapes, and records every request. Its HTTPClient reaches it
// without sockets.
package flinkresttest
