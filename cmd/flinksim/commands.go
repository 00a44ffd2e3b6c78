package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"flinksim/localcluster"
)

const usage = `flinksim: a simulated Kubernetes cluster for Flink's native Kubernetes integration.

Commands:
  up            start the cluster and serve it to kubectl and the Flink CLIs (until Ctrl-C)
  status        show nodes, Flink clusters with their pods, leaders and jobs, recent events
  port-forward  forward a Service port to a loopback port: port-forward service/<name> [LOCAL:]PORT
  fault         inject a fault into the running cluster (flinksim fault help lists them)

Run 'flinksim <command> -h' for the flags of a command.
`

// run is the whole command line; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "up":
		err = up(ctx, args[1:], stdout, stderr)
	case "status":
		err = status(ctx, args[1:], stdout, stderr)
	case "port-forward":
		err = portForward(ctx, args[1:], stdout, stderr)
	case "fault":
		err = fault(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "flinksim: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(*usageError)):
		fmt.Fprintf(stderr, "flinksim %s: %v\n", args[0], err)
		return 2
	}
	fmt.Fprintf(stderr, "flinksim %s: %v\n", args[0], err)
	return 1
}

// usageError is a command line that cannot be right (exit code 2).
type usageError = localcluster.UsageError

func usagef(format string, a ...any) error { return localcluster.Usagef(format, a...) }

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("flinksim "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags that may come before, between or after the positional
// arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	return localcluster.ParseFlags(fs, args)
}

func up(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("up", stderr)
	kubeconfig := fs.String("kubeconfig", localcluster.DefaultKubeconfig(), "where to write the kubeconfig (a file of flinksim's own)")
	address := fs.String("address", "127.0.0.1:0", "loopback address of the Kubernetes API (port 0: any free port)")
	plainHTTP := fs.Bool("http", false, "serve plain HTTP instead of HTTPS with a CA made at start")
	nodes := fs.Int("nodes", 3, "number of nodes")
	cpu := fs.String("node-cpu", "4", "allocatable CPU of each node")
	memory := fs.String("node-memory", "16Gi", "allocatable memory of each node")
	file := fs.String("config", "", "YAML file with rbac, seed and nodes (name, cpu, memory, pods, labels, taints); overrides --nodes/--node-*")
	rbac := fs.Bool("rbac", false, "enforce RBAC for every identity but the kubeconfig's cluster-admin")
	seed := fs.Int64("seed", 0, "seed of the cluster's randomness (0: from the clock; printed)")
	forward := fs.Bool("forward", true, "forward the REST Service of every Flink cluster to a loopback port")
	anyPort := fs.Bool("forward-any-port", false, "forward to free ports instead of trying each Service's own port (8081) first")
	lbs := fs.String("load-balancers", "127.0.10.0/24", "loopback pool for the ingress IPs of LoadBalancer Services (empty: leave them pending)")
	flinkHome := fs.String("flink-home", "", "fill this directory with a Flink distribution's client files (conf/, examples/) for FLINK_HOME (default: flink/ beside the kubeconfig; \"none\" to skip)")
	var buckets bucketList
	fs.Var(&buckets, "bucket", "make this bucket in the cluster's object store (s3://name, or name; repeatable), for an s3:// high-availability.storageDir or kubernetes.artifacts.local-upload-target")
	verbose := fs.Bool("v", false, "log what the cluster's controllers do")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q: up takes flags only", rest)
	}
	switch *flinkHome {
	case "":
		*flinkHome = filepath.Join(filepath.Dir(*kubeconfig), "flink")
	case "none":
		*flinkHome = ""
	}
	nodeSet := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { nodeSet[f.Name] = true })
	cfg := localcluster.Config{Kubeconfig: *kubeconfig, Address: *address, HTTP: *plainHTTP, RBAC: *rbac, Seed: *seed,
		ForwardRESTServices: *forward, PreferServicePorts: !*anyPort, LoadBalancers: *lbs, FlinkHome: *flinkHome, Buckets: buckets, Out: stdout}
	if *file != "" {
		f, err := localcluster.LoadFile(*file)
		if err != nil {
			return err
		}
		cfg.Nodes = f.NodeConfigs()
		if f.RBAC != nil && !nodeSet["rbac"] {
			cfg.RBAC = *f.RBAC
		}
		if f.Seed != nil && !nodeSet["seed"] {
			cfg.Seed = *f.Seed
		}
		cfg.Buckets = append(cfg.Buckets, f.Buckets...)
	}
	if cfg.Nodes == nil {
		if cfg.Nodes, err = localcluster.Nodes(*nodes, *cpu, *memory); err != nil {
			return usagef("%v", err)
		}
	}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano() % 1_000_000
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	c, err := localcluster.New(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seed %d (flinksim up --seed %d repeats this cluster's randomness)\n", cfg.Seed, cfg.Seed)
	fmt.Fprintln(stdout, "Ctrl-C stops the cluster; all its state is in memory and goes with it.")
	err = c.Start(ctx)
	fmt.Fprintln(stdout, "flinksim stopped")
	return err
}

// bucketList is a repeatable flag; a value may also list several, comma-separated.
type bucketList []string

func (b *bucketList) String() string { return strings.Join(*b, ",") }

func (b *bucketList) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name != "" {
			*b = append(*b, name)
		}
	}
	return nil
}

// kubeconfigFlag is --kubeconfig of the commands that use a running flinksim up;
// they dial with dialKubeconfig.
func kubeconfigFlag(fs *flag.FlagSet) *string {
	return fs.String("kubeconfig", "", "the kubeconfig flinksim up wrote (default: $KUBECONFIG, else "+localcluster.DefaultKubeconfig()+")")
}

// dialKubeconfig reaches the running flinksim up through the kubeconfig chosen as
// kubectl chooses it: --kubeconfig, then KUBECONFIG (of a list of files, the first
// that exists), then the default flinksim up writes to.
func dialKubeconfig(flagValue string) (*localcluster.Client, error) {
	if flagValue != "" {
		return localcluster.Dial(flagValue)
	}
	env := os.Getenv("KUBECONFIG")
	var paths []string
	for _, p := range filepath.SplitList(env) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return localcluster.Dial(localcluster.DefaultKubeconfig())
	}
	path := paths[0]
	if len(paths) > 1 {
		path = ""
		for _, p := range paths {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			return nil, fmt.Errorf("none of the kubeconfigs in KUBECONFIG=%s exists: start the cluster with `flinksim up` first, "+
				"or give --kubeconfig the path it printed", env)
		}
	}
	c, err := localcluster.Dial(path)
	if err != nil {
		return nil, fmt.Errorf("%w (the kubeconfig from KUBECONFIG=%s)", err, env)
	}
	return c, nil
}

func status(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("status", stderr)
	kubeconfig := kubeconfigFlag(fs)
	watch := fs.Bool("watch", false, "refresh the view until Ctrl-C")
	interval := fs.Duration("interval", 2*time.Second, "refresh interval of --watch")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	if *interval < 100*time.Millisecond {
		return usagef("--interval %v is too short: give at least 100ms", *interval)
	}
	c, err := dialKubeconfig(*kubeconfig)
	if err != nil {
		return err
	}
	defer c.Close()
	restClient := &http.Client{Timeout: 5 * time.Second}
	defer restClient.CloseIdleConnections()
	show := func() error {
		snap, err := localcluster.Gather(ctx, c, restClient)
		if err != nil {
			return err
		}
		out := localcluster.Render(snap, time.Now())
		if *watch {
			out = "\033[H\033[2J" + time.Now().Format("15:04:05") + "  flinksim status (Ctrl-C to stop)\n\n" + out
		}
		_, err = io.WriteString(stdout, out)
		return err
	}
	if err := show(); err != nil || !*watch {
		return err
	}
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := show(); err != nil && ctx.Err() == nil {
				fmt.Fprintf(stderr, "flinksim status: %v\n", err)
			}
		}
	}
}

func portForward(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("port-forward", stderr)
	kubeconfig := kubeconfigFlag(fs)
	namespace := fs.String("n", "default", "namespace of the Service")
	fs.StringVar(namespace, "namespace", "default", "namespace of the Service")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return usagef("give a Service and a port: flinksim port-forward service/<name> [LOCAL:]PORT (e.g. service/my-session-rest 8081)")
	}
	name := rest[0]
	for _, prefix := range []string{"service/", "services/", "svc/"} {
		name = strings.TrimPrefix(name, prefix)
	}
	if strings.Contains(name, "/") {
		return usagef("%q is not a Service: flinksim forwards Services only (service/<name>)", rest[0])
	}
	localPart, remotePart, found := strings.Cut(rest[1], ":")
	if !found {
		localPart, remotePart = rest[1], rest[1] // 8081 is 8081:8081, as with kubectl
	}
	remote, err := strconv.Atoi(remotePart)
	if err != nil || remote < 1 || remote > 65535 {
		return usagef("port %q is not a port number (1-65535)", remotePart)
	}
	local := 0
	if localPart != "" {
		if local, err = strconv.Atoi(localPart); err != nil || local < 0 || local > 65535 {
			return usagef("local port %q is not a port number (0-65535)", localPart)
		}
	}
	c, err := dialKubeconfig(*kubeconfig)
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := c.Forward(ctx, localcluster.ForwardRequest{Namespace: *namespace, Service: name, Port: int32(remote), LocalPort: local})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Forwarding from %s -> service/%s:%d (in namespace %s, for as long as flinksim up runs and the Service exists)\n%s\n",
		f.Local, f.Service, f.Port, f.Namespace, f.URL())
	return nil
}

func fault(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		var b strings.Builder
		b.WriteString("flinksim fault <kind> … [-n namespace] [--kubeconfig path]\n\n" +
			"Pods, nodes and Flink clusters are named as kubectl names them; -n is the namespace (default: default).\n\nKinds:\n")
		for _, k := range localcluster.FaultKinds {
			fmt.Fprintf(&b, "  %s\n      %s\n", k.Usage, k.Help)
		}
		if len(args) == 0 {
			fmt.Fprint(stderr, b.String())
			return usagef("name a fault")
		}
		fmt.Fprint(stdout, b.String())
		return nil
	}
	fs := newFlags("fault "+args[0], stderr)
	kubeconfig := kubeconfigFlag(fs)
	f, err := localcluster.ParseFault(args, fs)
	if err != nil {
		return err
	}
	c, err := dialKubeconfig(*kubeconfig)
	if err != nil {
		return err
	}
	defer c.Close()
	msg, err := c.Inject(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, msg)
	return nil
}
