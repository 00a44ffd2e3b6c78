package rpc

import (
	"fmt"
	"net"
	"strings"
)

// urlPrefix starts a Pekko RPC URL of an endpoint of the "flink" actor system.
const urlPrefix = "pekko.tcp://flink@"

// URL is how Flink names an RPC endpoint in leader information and logs:
// pekko.tcp://flink@<host:port>/user/rpc/<endpoint>.
func URL(hostPort, endpoint string) string {
	return urlPrefix + hostPort + "/user/rpc/" + endpoint
}

// HostPort is the "host:port" of an RPC URL (pekko.tcp://… or akka.tcp://… as older
// Flink versions write it), or of a plain "host:port".
func HostPort(url string) (string, error) {
	rest := url
	for _, p := range []string{urlPrefix, "akka.tcp://flink@"} {
		if r, ok := strings.CutPrefix(url, p); ok {
			rest = r
			break
		}
	}
	rest, _, _ = strings.Cut(rest, "/")
	if _, _, err := net.SplitHostPort(rest); err != nil {
		return "", fmt.Errorf("%q is not an RPC address (pekko.tcp://flink@host:port/user/rpc/name): %w", url, err)
	}
	return rest, nil
}
