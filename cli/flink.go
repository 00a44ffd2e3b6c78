package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"

	"flinksim/config"
	"flinksim/deployer"
	"flinksim/flinkrest"
)

// targetRemote is Flink's target for a JobManager reached at rest.address:rest.port.
const targetRemote = "remote"

// Flink is Flink's bin/flink: the actions run, run-application, list and cancel. It
// returns the exit code.
func Flink(ctx context.Context, env Env) int {
	c := newCommand(env)
	if len(c.env.Args) == 0 {
		fmt.Fprintln(c.env.Stdout, "Please specify an action.")
		c.flinkUsage(c.env.Stdout)
		return 1
	}
	action, rest := c.env.Args[0], c.env.Args[1:]
	var err error
	switch action {
	case "run":
		err = c.run(ctx, rest, false)
	case "run-application":
		err = c.run(ctx, rest, true)
	case "list":
		err = c.list(ctx, rest)
	case "cancel":
		err = c.cancel(ctx, rest)
	case "-h", "--help":
		c.flinkUsage(c.env.Stdout)
		return 0
	case "-v", "--version":
		fmt.Fprintf(c.env.Stdout, "Version: %s, Commit ID: flinksim\n", config.FlinkVersion)
		return 0
	default:
		fmt.Fprintf(c.env.Stderr, "%q is not a valid action.\n\nValid actions are \"run\", \"run-application\", \"list\", or \"cancel\".\n\n"+
			"Specify the version option (-v or --version) to print Flink version.\n\n"+
			"Specify the help option (-h or --help) to get help on the command.\n", action)
		return 1
	}
	if err == nil {
		return 0
	}
	if _, ok := err.(*usageError); ok {
		fmt.Fprintf(c.env.Stderr, "%v\n\nUse the help option (-h or --help) to get help on the command.\n", err)
		return 1
	}
	fmt.Fprintf(c.env.Stderr, "\n------------------------------------------------------------\n"+
		" The program finished with the following exception:\n\n%v\n", err)
	return 1
}

var commonOptions = []option{optTarget, optDynamic, optJM, optConfDir, optKubecfg, optExecutor, optHelp}

func (c *command) flinkUsage(w io.Writer) {
	fmt.Fprintln(w, "./flink <ACTION> [OPTIONS] [ARGUMENTS]\n\nThe following actions are available:")
	fmt.Fprintln(w, "\nAction \"run\" compiles and runs a program.\n\n  Syntax: run [OPTIONS] <jar-file> <arguments>\n  \"run\" action options:")
	printOptions(w, runOptions)
	fmt.Fprintln(w, "\nAction \"run-application\" runs an application in Application Mode (same as run -t kubernetes-application).")
	fmt.Fprintln(w, "\nAction \"list\" lists running and scheduled programs.\n\n  Syntax: list [OPTIONS]\n  \"list\" action options:")
	printOptions(w, listOptions)
	fmt.Fprintln(w, "\nAction \"cancel\" cancels a running program.\n\n  Syntax: cancel [OPTIONS] <Job ID>\n  \"cancel\" action options:")
	printOptions(w, commonOptions)
}

// target is the effective execution.target, lower case; "" when none is set.
func target(conf *config.Configuration) string {
	t, _, _ := config.GetOptional(conf, config.ExecutionTarget)
	return strings.ToLower(strings.TrimSpace(t))
}

// checkTarget refuses targets this client cannot serve.
func checkTarget(t string) error {
	switch t {
	case "", targetRemote, string(config.DeploymentTargetSession), string(config.DeploymentTargetApplication):
		return nil
	}
	return usagef("the deployment target %q is not supported: use -t kubernetes-session, -t kubernetes-application or -t remote", t)
}

// endpoint is the REST endpoint a command talks to: -m host:port; for the Kubernetes
// targets the REST Service of kubernetes.cluster-id; for remote rest.address and
// rest.port.
func (c *command) endpoint(ctx context.Context, conf *config.Configuration, a *args) (*flinkrest.Client, error) {
	scheme := "http"
	if tls, _ := config.Get(conf, config.SecuritySSLRestEnabled); tls {
		scheme = "https"
	}
	var base string
	if m := strings.TrimSpace(a.value(optJM)); m != "" {
		if _, _, err := net.SplitHostPort(m); err != nil {
			return nil, usagef("-m %q is not host:port, e.g. localhost:8081", m)
		}
		base = scheme + "://" + m
	} else {
		t := target(conf)
		if err := checkTarget(t); err != nil {
			return nil, err
		}
		switch t {
		case string(config.DeploymentTargetSession), string(config.DeploymentTargetApplication):
			id, ok, err := config.GetOptional(conf, config.KubernetesClusterID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, usagef("%s is not set: name the cluster with -D%s=<cluster id>",
					config.KubernetesClusterID.Key(), config.KubernetesClusterID.Key())
			}
			k, err := c.cluster(conf, a)
			if err != nil {
				return nil, err
			}
			client, err := k.Retrieve(ctx, id)
			if errors.Is(err, deployer.ErrNoRESTEndpoint) {
				return nil, fmt.Errorf("cannot find Flink cluster %q in namespace %q; check kubernetes.cluster-id and "+
					"kubernetes.namespace (kubectl get deployments -l type=flink-native-kubernetes): %w", id, k.Namespace(), err)
			}
			if err != nil {
				return nil, k.explain(err)
			}
			base = client.WebURL
		default:
			host, ok, _ := config.GetOptional(conf, config.RestAddress)
			if !ok || strings.TrimSpace(host) == "" {
				return nil, usagef("no JobManager to talk to: give -t kubernetes-session -D%s=<id>, or -m <host:port>",
					config.KubernetesClusterID.Key())
			}
			port, err := config.Get(conf, config.RestPort)
			if err != nil {
				return nil, err
			}
			base = scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
		}
	}
	client, err := flinkrest.New(base, c.env.HTTP)
	if err != nil {
		return nil, err
	}
	attempts, err := config.Get(conf, config.RestRetryMaxAttempts)
	if err != nil {
		return nil, err
	}
	delay, err := config.Get(conf, config.RestRetryDelay)
	if err != nil {
		return nil, err
	}
	return client.WithRetries(attempts, delay), nil
}

// restFailure explains a failed call to the JobManager.
func restFailure(what string, client *flinkrest.Client, err error) error {
	var rerr *flinkrest.Error
	if errors.As(err, &rerr) {
		return fmt.Errorf("could not %s: %w", what, err)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return fmt.Errorf("could not %s: the JobManager at %s cannot be reached: %w. With the REST Service of type "+
			"ClusterIP the endpoint is only reachable inside the Kubernetes cluster: run `kubectl port-forward "+
			"service/<cluster-id>-rest 8081` and give -m localhost:8081, or expose it with "+
			"kubernetes.rest-service.exposed.type NodePort or LoadBalancer", what, client.URL(), err)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("could not %s: the JobManager at %s cannot be reached: %w. Check that the JobManager pod "+
			"is Running (kubectl get pods -l component=jobmanager) and, with -m, that the port is forwarded; the client "+
			"retried as %s and %s say",
			what, client.URL(), err, config.RestRetryMaxAttempts.Key(), config.RestRetryDelay.Key())
	}
	return fmt.Errorf("could not %s: %w", what, err)
}
