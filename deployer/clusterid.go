package deployer

import (
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"

	"flinksim/kubeobjects"
)

// randomClusterID is what Flink generates when kubernetes.cluster-id is not set:
// `flink-cluster-` and a random 128-bit id as 32 lowercase hex digits, cut to 45
// characters (so 31 of the digits remain).
func randomClusterID(r *rand.Rand) string {
	id := fmt.Sprintf("%s%016x%016x", kubeobjects.ClusterIDRandomPrefix, r.Uint64(), r.Uint64())
	return id[:kubeobjects.MaxClusterIDLength]
}

// cryptoSeededRand is the generator used when Options.Rand is nil.
func cryptoSeededRand() *rand.Rand {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails (crypto/rand panics instead)
	return rand.New(rand.NewChaCha8(seed))
}
