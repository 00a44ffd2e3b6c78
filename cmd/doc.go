// Package cmd holds the thin mains: flink, kubernetes-session and flinksim.
package cmd
