package resourcemanager

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"flinksim/kubeobjects"
	"flinksim/sim/faults"
)

// createServices makes the two Services the deployer creates, aimed at the fixed ports.
func createServices(t *testing.T, h *driverHarness) {
	t.Helper()
	svc := func(name string, ports ...corev1.ServicePort) {
		_, err := h.admin.CoreV1().Services(testNamespace).Create(context.Background(), &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: kubeobjects.CommonLabels(testClusterID)},
			Spec:       corev1.ServiceSpec{Selector: kubeobjects.JobManagerSelector(testClusterID), Ports: ports},
		}, metav1.CreateOptions{})
		mustf(t, err, "create Service %s", name)
	}
	port := func(name string, p int32) corev1.ServicePort {
		return corev1.ServicePort{Name: name, Port: p, TargetPort: intstr.FromInt32(p)}
	}
	svc(kubeobjects.RestServiceName(testClusterID), port(kubeobjects.PortNameRest, 8081))
	svc(kubeobjects.InternalServiceName(testClusterID), port(kubeobjects.PortNameJobManagerRPC, 6123), port(kubeobjects.PortNameBlobServer, 6124))
}

// targetPorts are the Services' target ports by "<service>/<port name>".
func targetPorts(t *testing.T, h *driverHarness) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, name := range []string{kubeobjects.RestServiceName(testClusterID), kubeobjects.InternalServiceName(testClusterID)} {
		svc, err := h.admin.CoreV1().Services(testNamespace).Get(context.Background(), name, metav1.GetOptions{})
		mustf(t, err, "get Service %s", name)
		for _, p := range svc.Spec.Ports {
			out[name+"/"+p.Name] = p.TargetPort.IntValue()
		}
	}
	return out
}

// In host-network mode the JobManager's ports are the listeners' (the entrypoint set them
// to 0); the driver points the Services at them when it initializes (reference §4.1 step 3).
func TestHostNetworkPointsTheServicesAtTheJobManager(t *testing.T) {
	hostNetwork := []string{"kubernetes.hostnetwork.enabled", "true", "jobmanager.rpc.port", "32768", "blob.server.port", "32770"}
	for _, tc := range []struct {
		name string
		conf []string
		want map[string]int
	}{
		{"without HA, the REST and the internal Service", hostNetwork,
			map[string]int{"my-flink-rest/rest": 32769, "my-flink/jobmanager-rpc": 32768, "my-flink/blobserver": 32770}},
		{"with HA, only the REST Service", append(hostNetwork, "high-availability.type", "kubernetes", "high-availability.storageDir", "s3://flink/ha"),
			map[string]int{"my-flink-rest/rest": 32769, "my-flink/jobmanager-rpc": 6123, "my-flink/blobserver": 6124}},
		{"without host network, none", []string{"jobmanager.rpc.port", "32768", "blob.server.port", "32770"},
			map[string]int{"my-flink-rest/rest": 8081, "my-flink/jobmanager-rpc": 6123, "my-flink/blobserver": 6124}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newDriverHarness(t, harnessOptions{conf: testConfiguration(tc.conf...), webInterfaceURL: "http://my-flink.default:32769",
					beforeInit: func(h *driverHarness) { createServices(t, h) }})
				defer h.stop()
				h.mustInit()
				got := targetPorts(t, h)
				for k, want := range tc.want {
					if got[k] != want {
						t.Errorf("%s targets port %d, want %d (all: %v)", k, got[k], want, got)
					}
				}
			})
		})
	}
}

func TestHostNetworkFailsWhenTheServiceCannotBeUpdated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newDriverHarness(t, harnessOptions{conf: testConfiguration("kubernetes.hostnetwork.enabled", "true"), webInterfaceURL: "http://my-flink.default:32769",
			beforeInit: func(h *driverHarness) {
				createServices(t, h)
				h.cluster.Server().AddFault(faults.Forbidden(faults.Match{Verb: "update", Resource: "services"}, "the role does not allow it"))
			}})
		defer h.stop()
		if h.initErr == nil || !strings.Contains(h.initErr.Error(), "must be allowed to update Services") {
			t.Fatalf("initialize: %v, want an error saying the service account must be allowed to update Services", h.initErr)
		}
	})
}

func TestPortOfURL(t *testing.T) {
	if p, err := portOfURL("http://my-flink.default:32769"); err != nil || p != 32769 {
		t.Errorf("portOfURL = %d, %v", p, err)
	}
	for _, bad := range []string{"", "http://my-flink.default", "http://my-flink.default:0", "::"} {
		if _, err := portOfURL(bad); err == nil {
			t.Errorf("portOfURL(%q) gave no error", bad)
		}
	}
}
