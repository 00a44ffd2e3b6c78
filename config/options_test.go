package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

func TestEveryDeclaredOptionIsSound(t *testing.T) {
	seen := map[string]bool{}
	c := New()
	for _, d := range Options() {
		if seen[d.Key] {
			t.Errorf("%s declared twice", d.Key)
		}
		seen[d.Key] = true
		if d.Description == "" {
			t.Errorf("%s has no description", d.Key)
		}
		if d.HasDefault {
			// The written default must parse back: it is what MarshalYAML would ship.
			c.SetString(d.Key, d.Default)
		}
	}
	if len(seen) < 150 {
		t.Errorf("only %d options declared", len(seen))
	}
	checkDefaultsReparse(t, c)
}

// checkDefaultsReparse reads every written default back through its option.
func checkDefaultsReparse(t *testing.T, c *Configuration) {
	t.Helper()
	for _, err := range []error{
		errOf(KubernetesJobManagerCPUAmount)(c), errOf(KubernetesRestServiceExposedType)(c),
		errOf(KubernetesContainerImagePullPolicy)(c), errOf(KubernetesTransactionalOperationInitialRetryDelay)(c),
		errOf(TaskManagerMemoryNetworkMax)(c), errOf(TaskManagerMemoryManagedFraction)(c),
		errOf(SlotManagerNumberOfSlotsMax)(c), errOf(RestartStrategyExponentialDelayBackoffMultiplier)(c),
		errOf(ResourceManagerPreviousWorkerRecoveryTimeout)(c), errOf(TaskManagerLoadBalanceMode)(c),
		errOf(TaskManagerMemoryTaskOffHeapSize)(c), errOf(HeartbeatInterval)(c),
	} {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestOptionVariableNames checks that each option variable is named after its key's
// words, CamelCased, with the project's spellings of compound words and initialisms.
func TestOptionVariableNames(t *testing.T) {
	files, err := filepath.Glob("options_*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok || len(spec.Values) != 1 || len(spec.Names) != 1 {
				return true
			}
			key, ok := registeredKey(spec.Values[0])
			if !ok {
				return true
			}
			checked++
			if want := camelName(key); spec.Names[0].Name != want {
				t.Errorf("%s: option %q is named %s, want %s", fset.Position(spec.Pos()), key, spec.Names[0].Name, want)
			}
			return true
		})
	}
	if checked != len(Options()) {
		t.Errorf("checked %d variables, but %d options are registered", checked, len(Options()))
	}
}

// registeredKey finds the key literal of register(XOption("key")...).
func registeredKey(e ast.Expr) (string, bool) {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return "", false
	}
	if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "register" {
		return "", false
	}
	var key string
	ast.Inspect(call.Args[0], func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && key == "" {
			key, _ = strconv.Unquote(lit.Value)
		}
		return key == ""
	})
	return key, key != ""
}

var specialWords = map[string]string{
	"jobmanager": "JobManager", "taskmanager": "TaskManager", "resourcemanager": "ResourceManager",
	"slotmanager": "SlotManager", "hostnetwork": "HostNetwork", "id": "ID", "cpu": "CPU", "url": "URL",
	"rpc": "RPC", "io": "IO", "jvm": "JVM", "http": "HTTP", "ssl": "SSL",
}

func camelName(key string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(key, func(r rune) bool { return r == '.' || r == '-' || r == '$' }) {
		if s, ok := specialWords[w]; ok {
			b.WriteString(s)
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

func TestCamelName(t *testing.T) {
	for key, want := range map[string]string{
		"kubernetes.cluster-id":                "KubernetesClusterID",
		"kubernetes.rest-service.exposed.type": "KubernetesRestServiceExposedType",
		"rest.bind-port":                       "RestBindPort",
		"high-availability.type":               "HighAvailabilityType",
		"taskmanager.numberOfTaskSlots":        "TaskManagerNumberOfTaskSlots",
		"resourcemanager.taskmanager-timeout":  "ResourceManagerTaskManagerTimeout",
		"$internal.pipeline.job-id":            "InternalPipelineJobID",
	} {
		if got := camelName(key); got != want {
			t.Errorf("camelName(%q) = %s, want %s", key, got, want)
		}
	}
}

// TestReferenceOptionsAreDeclared lists the keys reference §1, §2 and §4 rely on.
func TestReferenceOptionsAreDeclared(t *testing.T) {
	declared := map[string]Descriptor{}
	for _, d := range Options() {
		declared[d.Key] = d
	}
	for _, key := range strings.Fields(`
		kubernetes.cluster-id kubernetes.namespace kubernetes.context kubernetes.config.file
		kubernetes.container.image.ref kubernetes.container.image.pull-policy kubernetes.container.image.pull-secrets
		kubernetes.entry.path kubernetes.flink.conf.dir kubernetes.flink.log.dir kubernetes.hadoop.conf.config-map.name
		kubernetes.service-account kubernetes.jobmanager.service-account kubernetes.taskmanager.service-account
		kubernetes.jobmanager.owner.reference kubernetes.jobmanager.cpu.amount kubernetes.jobmanager.cpu.limit-factor
		kubernetes.jobmanager.memory.limit-factor kubernetes.taskmanager.cpu.amount kubernetes.taskmanager.cpu.limit-factor
		kubernetes.taskmanager.memory.limit-factor kubernetes.jobmanager.labels kubernetes.taskmanager.labels
		kubernetes.jobmanager.annotations kubernetes.taskmanager.annotations kubernetes.jobmanager.node-selector
		kubernetes.taskmanager.node-selector kubernetes.jobmanager.tolerations kubernetes.taskmanager.tolerations
		kubernetes.rest-service.exposed.type kubernetes.rest-service.exposed.node-port-address-type
		kubernetes.rest-service.annotations kubernetes.internal-service.annotations kubernetes.secrets
		kubernetes.env.secretKeyRef kubernetes.jobmanager.entrypoint.args kubernetes.taskmanager.entrypoint.args
		kubernetes.pod-template-file.default kubernetes.pod-template-file.jobmanager kubernetes.pod-template-file.taskmanager
		kubernetes.jobmanager.replicas kubernetes.hostnetwork.enabled kubernetes.client.io-pool.size kubernetes.client.user-agent
		kubernetes.transactional-operation.max-retries kubernetes.transactional-operation.initial-retry-delay
		kubernetes.transactional-operation.max-retry-delay kubernetes.decorator.hadoop-conf-mount.enabled
		kubernetes.decorator.kerberos-mount.enabled kubernetes.artifacts.local-upload-enabled
		kubernetes.artifacts.local-upload-overwrite kubernetes.artifacts.local-upload-target kubernetes.node-name-label
		kubernetes.internal.jobmanager.entrypoint.class
		high-availability.kubernetes.leader-election.lease-duration high-availability.kubernetes.leader-election.renew-deadline
		high-availability.kubernetes.leader-election.retry-period
		high-availability.type high-availability.storageDir high-availability.cluster-id high-availability.jobmanager.port
		job-result-store.storage-path job-result-store.delete-on-commit execution.checkpointing.num-retained
		resourcemanager.taskmanager-timeout resourcemanager.start-worker.max-failure-rate resourcemanager.start-worker.retry-interval
		resourcemanager.taskmanager-registration.timeout resourcemanager.previous-worker.recovery.timeout
		slotmanager.number-of-slots.min slotmanager.number-of-slots.max slotmanager.min-total-resource.cpu
		slotmanager.min-total-resource.memory slotmanager.max-total-resource.cpu slotmanager.max-total-resource.memory
		slotmanager.redundant-taskmanager-num slotmanager.requirement-check.delay slotmanager.declare-needed-resource.delay
		taskmanager.load-balance.mode slot.request.timeout resourcemanager.job.timeout
		taskmanager.numberOfTaskSlots taskmanager.cpu.cores taskmanager.memory.process.size taskmanager.memory.flink.size
		jobmanager.memory.process.size jobmanager.memory.flink.size jobmanager.memory.heap.size
		jobmanager.rpc.port jobmanager.rpc.address rest.port rest.bind-port rest.address blob.server.port
		taskmanager.rpc.port taskmanager.resource-id taskmanager.registration.timeout external-resources
		execution.target execution.attached execution.shutdown-on-application-finish
		execution.submit-failed-job-on-application-error pipeline.jars pipeline.classpaths user.artifacts.base-dir
		user.artifacts.artifact-list user.artifacts.raw-http-enabled user.artifacts.http-headers $internal.pipeline.job-id
		env.java.opts.all env.java.opts.jobmanager env.java.opts.taskmanager
		security.kerberos.login.keytab security.kerberos.login.principal security.kerberos.krb5-conf.path
		internal.cluster.execution-mode $internal.application.program-args $internal.application.main
		$internal.deployment.config-dir heartbeat.interval heartbeat.timeout restart-strategy.type
		restart-strategy.fixed-delay.attempts restart-strategy.fixed-delay.delay
		restart-strategy.exponential-delay.initial-backoff restart-strategy.exponential-delay.max-backoff
		restart-strategy.failure-rate.max-failures-per-interval restart-strategy.failure-rate.failure-rate-interval
		restart-strategy.failure-rate.delay execution.checkpointing.interval
		rest.bind-address jobmanager.bind-host taskmanager.bind-host taskmanager.host`) {
		if _, ok := declared[key]; !ok {
			t.Errorf("%s is not declared", key)
		}
	}
	for key, def := range map[string]string{
		"kubernetes.namespace": "default", "kubernetes.rest-service.exposed.type": "ClusterIP",
		"kubernetes.transactional-operation.max-retries": "15", "kubernetes.transactional-operation.initial-retry-delay": "50 ms",
		"kubernetes.transactional-operation.max-retry-delay": "1 min", "kubernetes.taskmanager.cpu.amount": "-1.0",
		"kubernetes.jobmanager.cpu.amount": "1.0", "kubernetes.entry.path": "/docker-entrypoint.sh",
		"kubernetes.container.image.ref": "apache/flink:latest", "high-availability.cluster-id": "/default",
		"resourcemanager.taskmanager-timeout": "30 s", "resourcemanager.start-worker.max-failure-rate": "10.0",
		"resourcemanager.start-worker.retry-interval": "3 s", "resourcemanager.taskmanager-registration.timeout": "5 min",
		"resourcemanager.previous-worker.recovery.timeout": "0 ms", "slotmanager.number-of-slots.max": "2147483647",
		"rest.bind-port": "8081", "rest.port": "8081", "blob.server.port": "0", "taskmanager.rpc.port": "0",
		"jobmanager.rpc.port": "6123", "heartbeat.interval": "10 s", "heartbeat.timeout": "50 s",
		"high-availability.kubernetes.leader-election.lease-duration": "15 s",
		"high-availability.kubernetes.leader-election.retry-period":   "5 s",
		"user.artifacts.base-dir":                                     "/opt/flink/artifacts", "kubernetes.node-name-label": "kubernetes.io/hostname",
		"taskmanager.memory.network.fraction": "0.1", "taskmanager.memory.managed.fraction": "0.4",
		"taskmanager.memory.jvm-overhead.min": "192 mb", "taskmanager.memory.jvm-overhead.max": "1 gb",
		"jobmanager.memory.off-heap.size": "128 mb", "taskmanager.memory.jvm-metaspace.size": "256 mb",
	} {
		if d := declared[key]; !d.HasDefault || d.Default != def {
			t.Errorf("%s default = %q (set %v), want %q", key, d.Default, d.HasDefault, def)
		}
	}
	if got := declared["kubernetes.pod-template-file.taskmanager"].LookupOrder; strings.Join(got, " ") != "kubernetes.pod-template-file kubernetes.pod-template-file.default" {
		t.Errorf("pod template lookup order = %v", got)
	}
}
