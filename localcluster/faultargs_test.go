package localcluster

import (
	"errors"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/ha"
)

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Fault
		err  string // a UsageError containing this
	}{
		{args: []string{"kill-pod", "tm-1"}, want: Fault{Kind: "kill-pod", Pod: "tm-1", ExitCode: 1, Code: 500}},
		{args: []string{"crash", "-n", "flink", "tm-1", "--exit-code", "3", "--container", "main"},
			want: Fault{Kind: "crash", Namespace: "flink", Pod: "tm-1", Container: "main", ExitCode: 3, Code: 500}},
		{args: []string{"hang", "tm-1"}, want: Fault{Kind: "hang", Pod: "tm-1", ExitCode: 1, Code: 500}},
		{args: []string{"resume", "--container", "c", "tm-1"}, want: Fault{Kind: "resume", Pod: "tm-1", Container: "c", ExitCode: 1, Code: 500}},
		{args: []string{"partition-api", "jm-1"}, want: Fault{Kind: "partition-api", Pod: "jm-1", ExitCode: 1, Code: 500}},
		{args: []string{"heal-api", "jm-1", "--namespace", "flink"}, want: Fault{Kind: "heal-api", Namespace: "flink", Pod: "jm-1", ExitCode: 1, Code: 500}},
		{args: []string{"kill-leader", "my-session"}, want: Fault{Kind: "kill-leader", Cluster: "my-session", ExitCode: 1, Code: 500}},
		{args: []string{"kill-leader", "--crash", "my-session", "--exit-code", "137"},
			want: Fault{Kind: "kill-leader", Cluster: "my-session", Crash: true, ExitCode: 137, Code: 500}},
		{args: []string{"partition", "jm", "tm"}, want: Fault{Kind: "partition", Pod: "jm", PeerPod: "tm", ExitCode: 1, Code: 500}},
		{args: []string{"heal"}, want: Fault{Kind: "heal", ExitCode: 1, Code: 500}},
		{args: []string{"heal", "jm"}, want: Fault{Kind: "heal", Pod: "jm", ExitCode: 1, Code: 500}},
		{args: []string{"drain", "node-2"}, want: Fault{Kind: "drain", Node: "node-2", ExitCode: 1, Code: 500}},
		{args: []string{"api-errors", "--resource", "configmaps", "--verb", "update", "--code", "409", "--count", "2"},
			want: Fault{Kind: "api-errors", Resource: "configmaps", Verb: "update", Code: 409, Count: 2, ExitCode: 1}},
		{args: []string{"api-errors", "--latency", "2s", "--for", "1m"}, want: Fault{Kind: "api-errors", Latency: 2 * time.Second, For: time.Minute, ExitCode: 1, Code: 500}},
		{args: []string{"clear-api-errors"}, want: Fault{Kind: "clear-api-errors", ExitCode: 1, Code: 500}},

		// Flags before the kind, as flinksim status takes them.
		{args: []string{"--kubeconfig", "k2", "-n", "flink", "crash", "tm-1", "--exit-code", "3"},
			want: Fault{Kind: "crash", Namespace: "flink", Pod: "tm-1", ExitCode: 3, Code: 500}},
		{args: []string{"--crash", "--namespace=flink", "kill-leader", "s"},
			want: Fault{Kind: "kill-leader", Namespace: "flink", Cluster: "s", Crash: true, ExitCode: 1, Code: 500}},

		{args: nil, err: "name a fault"},
		{args: []string{"-n", "flink"}, err: "name a fault"},
		{args: []string{"--bogus", "crash", "tm"}, err: "flag provided but not defined: --bogus"},
		{args: []string{"explode", "x"}, err: `unknown fault "explode": choose one of kill-pod, crash`},
		{args: []string{"crash"}, err: "usage: flinksim fault crash <pod> [--container c] [--exit-code N]"},
		{args: []string{"hang", "a", "b"}, err: "usage: flinksim fault hang <pod>"},
		{args: []string{"partition", "a"}, err: "usage: flinksim fault partition <podA> <podB>"},
		{args: []string{"heal", "a", "b"}, err: "usage: flinksim fault heal [<pod>]"},
		{args: []string{"kill-leader"}, err: "usage: flinksim fault kill-leader <cluster-id>"},
		{args: []string{"kill-leader", "s", "--exit-code", "3"}, err: "--exit-code goes with --crash"},
		{args: []string{"kill-pod", "tm", "--crash"}, err: "--crash does not apply to kill-pod"},
		{args: []string{"partition-api", "jm", "--container", "c"}, err: "--container does not apply to partition-api"},
		{args: []string{"hang", "jm", "--code", "503", "--count", "1"}, err: "--code, --count does not apply to hang"},
		{args: []string{"crash", "tm", "--exit-code", "x"}, err: `invalid value "x" for flag -exit-code`},
		{args: []string{"crash", "tm", "--bogus"}, err: "flag provided but not defined: -bogus"},
	} {
		fs := flag.NewFlagSet("flinksim fault", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.String("kubeconfig", "", "the caller's own flag")
		got, err := ParseFault(append(tc.args, "--kubeconfig", "k"), fs)
		if tc.err != "" {
			var usage *UsageError
			if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseFault(%q) = %+v, %v; want a usage error with %q", tc.args, got, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}

// Every kind's usage names only arguments a Fault holds, and its flags exist.
func TestFaultKindsUsage(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := ParseFault([]string{"heal"}, fs); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range FaultKinds {
		if seen[k.Kind] || !strings.HasPrefix(k.Usage, k.Kind) {
			t.Errorf("kind %q: duplicate, or its usage %q does not start with it", k.Kind, k.Usage)
		}
		seen[k.Kind] = true
		var f Fault
		for _, a := range k.args() {
			f.field(a.name) // panics for an argument no field holds
		}
		for _, name := range k.flags() {
			if fs.Lookup(name) == nil {
				t.Errorf("kind %s: usage names --%s, which flinksim fault does not define", k.Kind, name)
			}
		}
	}
}

func TestFindLeader(t *testing.T) {
	jm := func(name, ip string, terminating bool) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name,
			Labels: map[string]string{"app": "s", "component": "jobmanager", "type": "flink-native-kubernetes"}},
			Status: corev1.PodStatus{PodIP: ip}}
		if terminating {
			now := metav1.Now()
			p.DeletionTimestamp = &now
		}
		return p
	}
	const s1, s2 = "9d9c2f8e-3f51-4b8a-9b7e-1d2f6f6b2a10", "0b5d7a1c-2222-4b8a-9b7e-1d2f6f6b2a10"
	cm := func(holder string, data map[string]string) []corev1.ConfigMap {
		annotations := map[string]string{}
		if holder != "-" {
			annotations[ha.LeaderAnnotationKey] = `{"holderIdentity":"` + holder + `","leaseDuration":15.0}`
		}
		return []corev1.ConfigMap{{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "s-cluster-config-map", Annotations: annotations}, Data: data}}
	}
	info := func(component, session, address string) map[string]string {
		return map[string]string{ha.LeaderKeyPrefix + component: session + "," + address}
	}
	both := func(a, b map[string]string) map[string]string {
		for k, v := range b {
			a[k] = v
		}
		return a
	}
	pods := []corev1.Pod{jm("s-a", "10.244.1.5", false), jm("s-b", "10.244.2.7", false)}
	for _, tc := range []struct {
		name string
		cms  []corev1.ConfigMap
		pods []corev1.Pod
		want string
	}{
		{"without HA", nil, pods, ""},
		{"lock never taken", cm("-", nil), pods, "none (the lock in s-cluster-config-map is not held"},
		{"lock released", cm("", info("restserver", s1, "http://10.244.1.5:8081")), pods, "none (the lock"},
		{"not published", cm("id-1", nil), pods, "lock held by id-1, leader information not published yet"},
		{"REST address", cm("id-1", info("restserver", s1, "http://10.244.2.7:8081")), pods, "s-b (lock identity id-1)"},
		{"RPC address only", cm("id-1", info("resourcemanager", s1, "pekko.tcp://flink@10.244.1.5:6123/user/rpc/resourcemanager_0")), pods, "s-a (lock identity id-1)"},
		{"publishing a new session", cm("id-2", both(info("restserver", s1, "http://10.244.1.5:8081"), info("dispatcher", s2, "pekko.tcp://flink@10.244.2.7:6123/user/rpc/dispatcher_1"))),
			pods, "lock held by id-2, leader information not published yet"},
		{"pod gone", cm("id-1", info("restserver", s1, "http://10.244.3.3:8081")), pods, "lock held by id-1 at http://10.244.3.3:8081, but no JobManager pod has that address"},
		{"terminating", cm("id-1", info("restserver", s1, "http://10.244.1.5:8081")), []corev1.Pod{jm("s-a", "10.244.1.5", true)}, "s-a (terminating; lock identity id-1)"},
		{"a live pod with the IP wins", cm("id-1", info("restserver", s1, "http://10.244.1.5:8081")),
			[]corev1.Pod{jm("s-old", "10.244.1.5", true), jm("s-new", "10.244.1.5", false)}, "s-new (lock identity id-1)"},
	} {
		got := describeLeader(tc.cms, tc.pods, "default", "s")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: leader %q, want %q", tc.name, got, tc.want)
		}
	}
}
