// Package rpc is the transport between the Flink processes of a cluster — the
// JobManager (resource manager, JobMasters) and the TaskManagers — over whatever
// network the process was given (process.Network: the simulated cluster network in
// tests and scenarios, the host's TCP stack in a real container).
//
// It plays the part of Flink's Pekko RPC with the properties that matter for failure
// behaviour, and nothing more:
//
//   - one connection per call: a JSON request, a JSON answer, then the connection
//     closes. A peer whose process ended refuses the connection at once (Unreachable),
//     as a dead JVM's port does, so heartbeat failure thresholds work;
//   - a deadline on every call (pekko.ask.timeout unless the caller's context is
//     shorter); the server learns the caller's deadline and gives its handler that
//     much time. Behind a network partition a call hangs until its deadline and
//     fails with Timeout, as on a real cluster;
//   - fencing tokens: a call carries the caller's idea of the leader session it talks
//     to, and methods registered as fenced refuse calls whose token is not the
//     server's current one (FencingTokenMismatch) — what keeps a deposed leader's or a
//     stale client's messages out once Kubernetes HA is wired in;
//   - errors keep a code across the wire, so a caller can tell "unknown TaskManager,
//     register again" from a timeout.
//
// A Server dispatches to handlers registered by method name (Handle); a Client calls
// an address ("host:port"). Both stop with their context: Serve returns once every
// connection it accepted is closed and every handler returned.
//
// Not modelled: message size limits, per-connection authentication, Pekko's
// at-most-once delivery on a reused connection (every call is a fresh connection).
package rpc
