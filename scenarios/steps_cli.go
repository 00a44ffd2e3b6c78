package scenarios

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/cucumber/godog"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"flinksim/cli"
	"flinksim/deployer"
	"flinksim/dfs"
	"flinksim/internal/syncbuf"
	"flinksim/kubeclient"
	"flinksim/process"
	"flinksim/sim/apiserver"
)

// The client machine the CLIs run on in a scenario: a Flink distribution's conf dir,
// a home directory with a kubeconfig for the simulated cluster, and an address on the
// cluster network (inside it, as a pod or `kubectl port-forward` would be, so that
// ClusterIP REST endpoints answer).
const (
	clientConfDir = "/opt/flink/conf"
	clientHome    = "/home/flink"
	// simAPIServer is the server URL under which kubeconfigs name the simulated
	// cluster; it authenticates a bearer token as the user the token names.
	simAPIServer = "https://kubernetes.sim:6443"
	// simAdminToken is the token of the cluster admin.
	simAdminToken = "admin"
)

// clientSide is the per-scenario state of the client machine. It embeds the World,
// whose helpers its steps use; it is made by registerClientSteps, so each scenario
// has its own (World itself stays untouched).
type clientSide struct {
	*World
	dfs   *dfs.FS
	env   map[string]string // environment variables of the client's shell
	stdin *string           // the terminal input of the next command, when scripted
	last  *command          // the last command run (or started)
}

// command is one CLI invocation.
type command struct {
	line   string
	stdout syncbuf.Buffer
	stderr syncbuf.Buffer
	all    syncbuf.Buffer // stdout and stderr as they were written
	code   int
	done   chan struct{}
	input  *io.PipeWriter // stdin of a background command
	cancel context.CancelFunc
	// recorded is set once the output went into the trace.
	recorded bool
}

// output is what the terminal showed: stdout and stderr, interleaved.
func (c *command) output() string { return c.all.String() }

func (c *command) finished() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// registerClientSteps registers the steps of the Flink client machine: the CLIs
// (this file), application mode and the simulated distributed file system
// (steps_application.go), and pod templates and secrets (steps_templates.go).
func (w *World) registerClientSteps(sc *godog.ScenarioContext) {
	c := &clientSide{World: w, dfs: dfs.New(), env: map[string]string{
		"HOME":           clientHome,
		"FLINK_CONF_DIR": clientConfDir,
	}}
	sc.Step(`^the environment variable "([^"]*)" is "([^"]*)"$`, c.theEnvironmentVariableIs)
	sc.Step(`^the environment variable "([^"]*)" is not set$`, c.theEnvironmentVariableIsNotSet)
	sc.Step(`^a kubeconfig "([^"]*)" with the contexts:$`, c.aKubeconfigWithTheContexts)
	sc.Step(`^the Kubernetes cluster enforces RBAC$`, c.theKubernetesClusterEnforcesRBAC)
	sc.Step(`^the user "([^"]*)" may edit the namespace "([^"]*)"$`, c.theUserMayEditTheNamespace)
	sc.Step(`^the namespace "([^"]*)" exists$`, c.theNamespaceExists)
	sc.Step(`^the terminal input is:$`, c.theTerminalInputIs)
	sc.Step("^I run `([^`]*)`$", c.iRun)
	sc.Step("^I start `([^`]*)`$", c.iStart)
	sc.Step(`^I type "([^"]*)"$`, c.iType)
	sc.Step(`^within (.+) the command exits successfully$`, c.withinTheCommandExitsSuccessfully)
	sc.Step(`^for (.+) the command keeps running$`, c.forTheCommandKeepsRunning)
	sc.Step(`^the command succeeds$`, c.theCommandSucceeds)
	sc.Step(`^the command fails with an error mentioning "([^"]*)"$`, c.theCommandFailsWithAnErrorMentioning)
	sc.Step(`^the command output contains "([^"]*)"$`, c.theCommandOutputContains)
	sc.Step(`^the command output contains:$`, c.theCommandOutputContainsText)
	sc.Step(`^the command output does not contain "([^"]*)"$`, c.theCommandOutputDoesNotContain)
	sc.Step(`^the command output matches "([^"]*)"$`, c.theCommandOutputMatches)
	sc.Step(`^the deployment "([^"]*)" was created (once|twice|\d+ times)$`, c.theDeploymentWasCreated)
	sc.Step(`^the deployment "([^"]*)" exists in the namespace "([^"]*)"$`, c.theDeploymentExistsInTheNamespace)
	c.registerApplicationSteps(sc)
	c.registerTemplateSteps(sc)
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		return ctx, c.stopBackground()
	})
}

func (c *clientSide) theEnvironmentVariableIs(name, value string) error {
	c.env[name] = value
	return nil
}

func (c *clientSide) theEnvironmentVariableIsNotSet(name string) error {
	delete(c.env, name)
	return nil
}

// aKubeconfigWithTheContexts writes a kubeconfig. Columns: context, user and
// optionally server (default: the simulated cluster); the first context is the
// current one. Each user authenticates with a token equal to its name.
func (c *clientSide) aKubeconfigWithTheContexts(path string, table *godog.Table) error {
	if len(table.Rows) < 2 {
		return fmt.Errorf("give a header row (context | user [| server]) and at least one context")
	}
	header := map[string]int{}
	for i, cell := range table.Rows[0].Cells {
		header[strings.TrimSpace(cell.Value)] = i
	}
	ci, okC := header["context"]
	ui, okU := header["user"]
	if !okC || !okU {
		return fmt.Errorf("the kubeconfig table needs the columns context and user (and optionally server)")
	}
	si, hasServer := header["server"]
	var clusters, users, contexts strings.Builder
	current := ""
	seenUser := map[string]bool{}
	for i, row := range table.Rows[1:] {
		ctxName, user := strings.TrimSpace(row.Cells[ci].Value), strings.TrimSpace(row.Cells[ui].Value)
		server := simAPIServer
		if hasServer {
			if s := strings.TrimSpace(row.Cells[si].Value); s != "" {
				server = s
			}
		}
		if i == 0 {
			current = ctxName
		}
		fmt.Fprintf(&clusters, "- name: %s\n  cluster:\n    server: %q\n    insecure-skip-tls-verify: true\n", ctxName, server)
		if !seenUser[user] {
			seenUser[user] = true
			fmt.Fprintf(&users, "- name: %s\n  user:\n    token: %q\n", user, user)
		}
		fmt.Fprintf(&contexts, "- name: %s\n  context:\n    cluster: %s\n    user: %s\n    namespace: kube-system\n", ctxName, ctxName, user)
	}
	c.files[path] = []byte(fmt.Sprintf("apiVersion: v1\nkind: Config\ncurrent-context: %s\nclusters:\n%susers:\n%scontexts:\n%s",
		current, clusters.String(), users.String(), contexts.String()))
	return nil
}

func (c *clientSide) theKubernetesClusterEnforcesRBAC() error {
	if c.cluster != nil {
		return fmt.Errorf("the cluster is already running: say that it enforces RBAC before the first step that uses it")
	}
	c.clusterCfg.RBAC = true
	return nil
}

func (c *clientSide) theUserMayEditTheNamespace(user, namespace string) error {
	cs, err := c.kube()
	if err != nil {
		return err
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user + "-edit", Namespace: namespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	_, err = cs.RbacV1().RoleBindings(namespace).Create(context.Background(), rb, metav1.CreateOptions{})
	c.tracef("kubectl create rolebinding %s --clusterrole=edit --user=%s -n %s: %v", rb.Name, user, namespace, err)
	return err
}

func (c *clientSide) theNamespaceExists(name string) error {
	cs, err := c.kube()
	if err != nil {
		return err
	}
	_, err = cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	return err
}

func (c *clientSide) theTerminalInputIs(doc *godog.DocString) error {
	s := doc.Content
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	c.stdin = &s
	return nil
}

// prepareMachine writes what a client machine has unless the scenario wrote its own:
// the distribution's config.yaml in the conf dir and a kubeconfig for the cluster.
func (c *clientSide) prepareMachine() error {
	if _, ok := c.files[clientConfDir+"/config.yaml"]; !ok {
		if _, ok := c.files[clientConfDir+"/flink-conf.yaml"]; !ok {
			yaml, err := distributionConfig().MarshalYAML()
			if err != nil {
				return err
			}
			c.files[clientConfDir+"/config.yaml"] = yaml
		}
	}
	if _, ok := c.files[clientHome+"/.kube/config"]; !ok {
		c.files[clientHome+"/.kube/config"] = []byte(fmt.Sprintf(
			"apiVersion: v1\nkind: Config\ncurrent-context: sim\nclusters:\n- name: sim\n  cluster:\n    server: %q\n"+
				"    insecure-skip-tls-verify: true\nusers:\n- name: admin\n  user:\n    token: %q\n"+
				"contexts:\n- name: sim\n  context:\n    cluster: sim\n    user: admin\n", simAPIServer, simAdminToken))
	}
	_, err := c.kube()
	return err
}

// connect is the CLIs' way to the API server a kubeconfig names: the simulated
// cluster as the token's user, anything else through the cluster network, where no
// API server listens (so it is unreachable, as a wrong kubeconfig would be).
func (c *clientSide) connect(t *kubeclient.Target) (kubernetes.Interface, error) {
	if t.Config.Host == simAPIServer {
		switch token := t.Config.BearerToken; token {
		case "":
			return nil, fmt.Errorf("the kubeconfig user has no token: the simulated API server knows users by their token")
		case simAdminToken:
			return c.cluster.Client(), nil
		default:
			return c.cluster.ClientFor(token), nil
		}
	}
	cfg := rest.CopyConfig(t.Config)
	cfg.Dial = c.cluster.Network().Host(inClusterClientIP).DialContext
	return kubernetes.NewForConfig(cfg)
}

// newCommand prepares a CLI invocation of line.
func (c *clientSide) newCommand(line string) (*command, func(context.Context, cli.Env) int, cli.Env, *http.Transport, error) {
	words, err := process.SplitShell(line)
	if err != nil {
		return nil, nil, cli.Env{}, nil, fmt.Errorf("cannot split the command line: %w", err)
	}
	if len(words) == 0 {
		return nil, nil, cli.Env{}, nil, fmt.Errorf("the command line is empty")
	}
	var main func(context.Context, cli.Env) int
	switch words[0] {
	case "flink":
		main = cli.Flink
	case "kubernetes-session", "kubernetes-session.sh":
		main = cli.KubernetesSession
	default:
		return nil, nil, cli.Env{}, nil, fmt.Errorf("unknown command %q: the client machine has flink and kubernetes-session", words[0])
	}
	if err := c.prepareMachine(); err != nil {
		return nil, nil, cli.Env{}, nil, err
	}
	cmd := &command{line: line, done: make(chan struct{})}
	env := map[string]string{}
	for k, v := range c.env {
		env[k] = v
	}
	tr := &http.Transport{DialContext: c.cluster.Network().Host(inClusterClientIP).DialContext}
	e := cli.Env{
		Args:       words[1:],
		Stdout:     io.MultiWriter(&cmd.stdout, &cmd.all),
		Stderr:     io.MultiWriter(&cmd.stderr, &cmd.all),
		LookupEnv:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile:   c.readFile,
		Getwd:      func() (string, error) { return clientHome, nil },
		Kubernetes: c.connect,
		InCluster:  func() (*rest.Config, error) { return nil, fmt.Errorf("the client machine is not a pod") },
		HTTP:       &http.Client{Transport: tr, Timeout: time.Minute},
		Artifacts:  c.dfs,
		Rand:       rand.New(rand.NewPCG(c.Rand.Uint64(), c.Rand.Uint64())),
		Location:   time.UTC,
	}
	return cmd, main, e, tr, nil
}

func (c *clientSide) iRun(line string) error {
	if err := c.stopBackground(); err != nil {
		return err
	}
	cmd, main, env, tr, err := c.newCommand(line)
	if err != nil {
		return err
	}
	input := ""
	if c.stdin != nil {
		input, c.stdin = *c.stdin, nil
	}
	env.Stdin = strings.NewReader(input)
	c.tracef("$ %s", line)
	cmd.code = main(c.ctx, env)
	tr.CloseIdleConnections()
	close(cmd.done)
	c.finish(cmd)
	return nil
}

// iStart runs a command in the background, with a terminal the scenario types into.
func (c *clientSide) iStart(line string) error {
	if err := c.stopBackground(); err != nil {
		return err
	}
	cmd, main, env, tr, err := c.newCommand(line)
	if err != nil {
		return err
	}
	r, wr := io.Pipe()
	env.Stdin = r
	cmd.input = wr
	ctx, cancel := context.WithCancel(c.ctx)
	cmd.cancel = cancel
	c.tracef("$ %s &", line)
	go func() {
		cmd.code = main(ctx, env)
		tr.CloseIdleConnections()
		close(cmd.done)
	}()
	c.last = cmd
	return nil
}

// finish records a finished command: its trace, its error for the steps that check
// errors, and the clusters whose web interface it reported.
func (c *clientSide) finish(cmd *command) {
	c.last = cmd
	if cmd.recorded {
		return
	}
	cmd.recorded = true
	for _, l := range strings.Split(strings.TrimRight(cmd.output(), "\n"), "\n") {
		c.tracef("  | %s", l)
	}
	c.tracef("  exit code %d", cmd.code)
	c.lastErr = nil
	if cmd.code != 0 {
		c.lastErr = fmt.Errorf("%s", strings.TrimSpace(cmd.stderr.String()))
	}
	for _, m := range reportedCluster.FindAllStringSubmatch(cmd.stdout.String(), -1) {
		c.clients[m[1]] = &deployer.ClusterClient{ClusterID: m[1], Namespace: c.namespace, WebURL: m[2]}
	}
}

var reportedCluster = regexp.MustCompile(`(?m)^(?:Create flink (?:session|application) cluster|Retrieve flink cluster) (\S+) successfully, JobManager Web Interface: (\S+)$`)

func (c *clientSide) iType(line string) error {
	cmd := c.last
	if cmd == nil || cmd.input == nil {
		return fmt.Errorf("no command runs in the background: start one with I start `...`")
	}
	if cmd.finished() {
		return fmt.Errorf("the command has exited (code %d) and reads no more input:\n%s", cmd.code, cmd.output())
	}
	c.tracef("typed %q", line)
	done := make(chan error, 1)
	go func() {
		_, err := io.WriteString(cmd.input, line+"\n")
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-cmd.done:
		settle() // the command may have exited because of this very line
		select {
		case err := <-done:
			return err
		default:
			return fmt.Errorf("the command exited before reading %q:\n%s", line, cmd.output())
		}
	}
}

func (c *clientSide) background() (*command, error) {
	if c.last == nil || c.last.input == nil {
		return nil, fmt.Errorf("no command was started in the background")
	}
	return c.last, nil
}

// awaitBackground waits up to within for the background command to exit; exited says
// whether it did (its exit code and output are then collected).
func (c *clientSide) awaitBackground(within string) (cmd *command, d time.Duration, exited bool, err error) {
	if d, err = parseDuration(within); err != nil {
		return nil, 0, false, err
	}
	if cmd, err = c.background(); err != nil {
		return nil, 0, false, err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-cmd.done:
		c.finish(cmd)
		return cmd, d, true, nil
	case <-t.C:
		return cmd, d, false, nil
	}
}

func (c *clientSide) withinTheCommandExitsSuccessfully(within string) error {
	cmd, d, exited, err := c.awaitBackground(within)
	switch {
	case err != nil:
		return err
	case !exited:
		return fmt.Errorf("the command still runs after %v; its output:\n%s", d, cmd.output())
	case cmd.code != 0:
		return fmt.Errorf("the command exited with code %d:\n%s", cmd.code, cmd.output())
	}
	return nil
}

func (c *clientSide) forTheCommandKeepsRunning(within string) error {
	cmd, _, exited, err := c.awaitBackground(within)
	if err == nil && exited {
		err = fmt.Errorf("the command exited with code %d:\n%s", cmd.code, cmd.output())
	}
	return err
}

// stopBackground ends a background command: its terminal is closed and, if it still
// runs, it is interrupted.
func (c *clientSide) stopBackground() error {
	cmd := c.last
	if cmd == nil || cmd.input == nil {
		return nil
	}
	cmd.input.Close()
	if !cmd.finished() {
		cmd.cancel()
	}
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	select {
	case <-cmd.done:
	case <-t.C:
		return fmt.Errorf("the background command %q did not stop within a minute of being interrupted", cmd.line)
	}
	cmd.cancel()
	c.finish(cmd)
	return nil
}

func (c *clientSide) finishedCommand() (*command, error) {
	if c.last == nil {
		return nil, fmt.Errorf("no command was run")
	}
	if !c.last.finished() {
		return nil, fmt.Errorf("the command %q still runs", c.last.line)
	}
	return c.last, nil
}

func (c *clientSide) theCommandSucceeds() error {
	cmd, err := c.finishedCommand()
	if err != nil {
		return err
	}
	if cmd.code != 0 {
		return fmt.Errorf("`%s` exited with code %d:\n%s", cmd.line, cmd.code, cmd.output())
	}
	return nil
}

func (c *clientSide) theCommandFailsWithAnErrorMentioning(fragment string) error {
	cmd, err := c.finishedCommand()
	if err != nil {
		return err
	}
	if cmd.code == 0 {
		return fmt.Errorf("`%s` succeeded; expected it to fail mentioning %q:\n%s", cmd.line, fragment, cmd.output())
	}
	if !strings.Contains(cmd.stderr.String(), fragment) {
		return fmt.Errorf("the error of `%s` does not mention %q:\n%s", cmd.line, fragment, cmd.stderr.String())
	}
	return nil
}

func (c *clientSide) output() (string, error) {
	if c.last == nil {
		return "", fmt.Errorf("no command was run")
	}
	return c.last.output(), nil
}

func (c *clientSide) theCommandOutputContains(fragment string) error {
	out, err := c.output()
	if err != nil {
		return err
	}
	if !strings.Contains(out, fragment) {
		return fmt.Errorf("the output does not contain %q:\n%s", fragment, out)
	}
	return nil
}

func (c *clientSide) theCommandOutputContainsText(doc *godog.DocString) error {
	return c.theCommandOutputContains(doc.Content)
}

func (c *clientSide) theCommandOutputDoesNotContain(fragment string) error {
	out, err := c.output()
	if err != nil {
		return err
	}
	if strings.Contains(out, fragment) {
		return fmt.Errorf("the output contains %q:\n%s", fragment, out)
	}
	return nil
}

func (c *clientSide) theCommandOutputMatches(pattern string) error {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return fmt.Errorf("%q is not a regular expression: %w", pattern, err)
	}
	out, err := c.output()
	if err != nil {
		return err
	}
	if !re.MatchString(out) {
		return fmt.Errorf("the output does not match %q:\n%s", pattern, out)
	}
	return nil
}

func (c *clientSide) theDeploymentWasCreated(name, times string) error {
	want := map[string]int{"once": 1, "twice": 2}[times]
	if want == 0 {
		if _, err := fmt.Sscanf(times, "%d times", &want); err != nil {
			return err
		}
	}
	if _, err := c.kube(); err != nil {
		return err
	}
	entries := c.cluster.Server().RequestLog().Entries(func(e apiserver.Entry) bool {
		return e.Verb == "create" && e.Resource.Resource == "deployments" && e.Name == name && e.Error == ""
	})
	if len(entries) != want {
		return fmt.Errorf("deployment %q was created %d times, want %d", name, len(entries), want)
	}
	return nil
}

func (c *clientSide) theDeploymentExistsInTheNamespace(name, namespace string) error {
	cs, err := c.kube()
	if err != nil {
		return err
	}
	_, err = cs.AppsV1().Deployments(namespace).Get(context.Background(), name, metav1.GetOptions{})
	return err
}
