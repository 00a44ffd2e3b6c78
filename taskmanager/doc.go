// Package taskmanager is the Flink TaskManager process as it runs inside its pod: it
// registers with the resource manager, heartbeats, offers slots and runs tasks.
package taskmanager
