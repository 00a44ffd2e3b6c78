package deployment

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"testing"

	"github.com/davecgh/go-spew/spew"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

func template(image string) *corev1.PodTemplateSpec {
	return &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "my-session", "component": "jobmanager"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Image: image}}},
	}
}

// The label must be the one the real Deployment controller computes (kubectl users see
// it in ReplicaSet and pod names): FNV-32a over spew's deep print of the template, then
// the collision count as 8 bytes (its 32 bits little-endian, then zeros), safe-encoded.
func TestPodTemplateHashIsTheDeploymentControllers(t *testing.T) {
	tmpl := template("apache/flink:2.1")
	printer := &spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true}
	print := func() []byte { return []byte(printer.Sprintf("%#v", *tmpl)) }
	h := fnv.New32a()
	h.Write(print())
	if got, want := PodTemplateHash(tmpl, nil), rand.SafeEncodeString(fmt.Sprint(h.Sum32())); got != want {
		t.Errorf("without a collision count: %q, want %q", got, want)
	}
	count := int32(3)
	h = fnv.New32a()
	h.Write(print())
	h.Write(binary.LittleEndian.AppendUint32(nil, 3))
	h.Write([]byte{0, 0, 0, 0})
	if got, want := PodTemplateHash(tmpl, &count), rand.SafeEncodeString(fmt.Sprint(h.Sum32())); got != want {
		t.Errorf("with collision count 3: %q, want %q", got, want)
	}
}

func TestPodTemplateHashFollowsTheTemplate(t *testing.T) {
	a, b := PodTemplateHash(template("apache/flink:2.1"), nil), PodTemplateHash(template("apache/flink:2.1"), nil)
	if a != b {
		t.Errorf("equal templates hash to %q and %q", a, b)
	}
	if c := PodTemplateHash(template("apache/flink:2.0"), nil); c == a {
		t.Errorf("another image hashes to the same %q", c)
	}
	one := int32(1)
	if d := PodTemplateHash(template("apache/flink:2.1"), &one); d == a {
		t.Errorf("a collision count leaves the hash at %q", d)
	}
}
