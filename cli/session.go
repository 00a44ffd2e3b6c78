package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"flinksim/config"
)

var sessionOptions = []option{optDynamic, optConfDir, optKubecfg, optHelp}

// sessionHelp is Flink's help of the attached session CLI.
const sessionHelp = "Available commands:\n" +
	"help - show these commands\n" +
	"stop - stop the kubernetes cluster\n" +
	"quit - quit attach mode"

// KubernetesSession is Flink's kubernetes-session.sh: it deploys a session cluster,
// or attaches to the one named by kubernetes.cluster-id when its Service <cid>-rest
// exists, prints the JobManager's web interface and, with execution.attached=true,
// reads commands from stdin. It returns the exit code.
func KubernetesSession(ctx context.Context, env Env) int {
	c := newCommand(env)
	err := c.session(ctx)
	if err == nil {
		return 0
	}
	if _, ok := err.(*usageError); ok {
		fmt.Fprintf(c.env.Stderr, "%v\n\nUse the help option (-h or --help) to get help on the command.\n", err)
		return 1
	}
	fmt.Fprintf(c.env.Stderr, "Error while running the Flink session: %v\n", err)
	return 1
}

func (c *command) session(ctx context.Context) error {
	a, err := parseArgs(c.env.Args, sessionOptions, false)
	if err != nil {
		return err
	}
	if a.has(optHelp) {
		fmt.Fprintln(c.env.Stdout, "Usage: kubernetes-session [OPTIONS]\n\n"+
			"Deploys a Flink session cluster on Kubernetes, or attaches to the one named by\n"+
			"kubernetes.cluster-id when it runs. Detached unless -Dexecution.attached=true;\n"+
			"attached, it reads commands from stdin (help, stop, quit).\n\nOptions:")
		printOptions(c.env.Stdout, sessionOptions)
		return nil
	}
	if len(a.positional) > 0 {
		return usagef("unexpected argument %q: kubernetes-session takes only options, e.g. -Dkubernetes.cluster-id=<id>", a.positional[0])
	}
	conf, err := c.configuration(a)
	if err != nil {
		return err
	}
	// As Flink's session CLI: the target is always kubernetes-session.
	config.Set(conf, config.ExecutionTarget, string(config.DeploymentTargetSession))
	attached, err := config.Get(conf, config.ExecutionAttached)
	if err != nil {
		return err
	}
	_, idGiven, err := config.GetOptional(conf, config.KubernetesClusterID)
	if err != nil {
		return err
	}
	k, err := c.cluster(conf, a)
	if err != nil {
		return err
	}
	id := k.ClusterID()
	exists := false
	if idGiven {
		if exists, err = k.ClusterExists(ctx, id); err != nil {
			return k.explain(err)
		}
	}
	if exists {
		client, err := k.Retrieve(ctx, id)
		if err != nil {
			return k.explain(err)
		}
		fmt.Fprintf(c.env.Stdout, "Retrieve flink cluster %s successfully, JobManager Web Interface: %s\n", id, client.WebURL)
	} else {
		client, err := k.DeploySessionCluster(ctx)
		if err != nil {
			return k.explain(err)
		}
		fmt.Fprintf(c.env.Stdout, "Create flink session cluster %s successfully, JobManager Web Interface: %s\n", id, client.WebURL)
	}
	if !attached {
		return nil
	}
	return c.attach(ctx, k, id)
}

// attach is the attached session CLI: it reads commands from stdin until stop, quit,
// the end of stdin or ctx.
func (c *command) attach(ctx context.Context, k *cluster, id string) error {
	fmt.Fprintf(c.env.Stdout, "Attached to Flink session cluster %s: type help, stop or quit.\n", id)
	lines := make(chan string)
	done := make(chan struct{})
	defer close(done)
	// The reader ends when stdin does; a read cannot be interrupted.
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(c.env.Stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(c.env.Stdout, "Interrupted: leaving Flink session cluster %s running.\n", id)
			return nil
		case line, ok := <-lines:
			if !ok {
				fmt.Fprintf(c.env.Stdout, "End of input: leaving Flink session cluster %s running "+
					"(stop it with `echo stop | kubernetes-session -Dkubernetes.cluster-id=%s -Dexecution.attached=true`).\n", id, id)
				return nil
			}
			switch cmd := strings.TrimSpace(line); cmd {
			case "":
			case "quit":
				fmt.Fprintf(c.env.Stdout, "Leaving Flink session cluster %s running.\n", id)
				return nil
			case "stop":
				if err := k.KillCluster(ctx, id); err != nil {
					return k.explain(err)
				}
				fmt.Fprintf(c.env.Stdout, "Stopped Flink session cluster %s: its Deployment is deleted, "+
					"Kubernetes removes the rest (HA data, if any, stays).\n", id)
				return nil
			case "help":
				fmt.Fprintln(c.env.Stderr, sessionHelp)
			default:
				fmt.Fprintf(c.env.Stderr, "Unknown command '%s'. Showing help:\n%s\n", cmd, sessionHelp)
			}
		}
	}
}
