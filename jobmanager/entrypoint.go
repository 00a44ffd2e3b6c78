package jobmanager

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"flinksim/config"
	"flinksim/process"
)

// Entrypoint classes, as the start script names them in the log.
const (
	sessionEntrypoint     = "KubernetesSessionClusterEntrypoint"
	applicationEntrypoint = "KubernetesApplicationClusterEntrypoint"
)

// Main is kubernetes-jobmanager.sh: the JobManager process of a native Kubernetes
// cluster. Its first argument is the deployment target (kubernetes-session or
// kubernetes-application), the rest are -D dynamic properties. It loads the
// configuration from FLINK_CONF_DIR (default /opt/flink/conf), serves the REST
// endpoint, and runs until SIGTERM.
func Main(ctx context.Context, env *process.Env) error {
	log := newLogger(env)
	if len(env.Args) == 0 {
		log.Error("kubernetes-jobmanager.sh needs the deployment target as first argument: kubernetes-session or kubernetes-application")
		return process.Exit(1, nil)
	}
	target, err := config.ParseDeploymentTarget(env.Args[0])
	if err != nil {
		log.Error(err.Error())
		return process.Exit(1, err)
	}
	entry := sessionEntrypoint
	if target == config.DeploymentTargetApplication {
		entry = applicationEntrypoint
	}
	conf, err := loadConfiguration(env, env.Args[1:])
	if err != nil {
		log.Error("Could not load the configuration.", "err", err)
		return process.Exit(1, err)
	}
	log.Info(fmt.Sprintf("Starting %s.", entry))
	if ha, _ := config.HighAvailabilityEnabled(conf); ha {
		ip := env.Getenv("_POD_IP_ADDRESS")
		if ip == "" {
			err := errors.New("_POD_IP_ADDRESS is not set: the JobManager needs its pod IP in HA mode (the deployer sets it from the downward API)")
			log.Error(err.Error())
			return process.Exit(1, err)
		}
		conf.SetString(config.JobManagerRPCAddress.Key(), ip)
		conf.SetString(config.RestAddress.Key(), ip)
	}
	jm := &JobManager{conf: conf, log: log, started: time.Now()}
	port, err := config.Get(conf, config.RestBindPort)
	if err != nil {
		log.Error(err.Error())
		return process.Exit(1, err)
	}
	bind := strings.TrimSpace(port)
	if bind == "" || bind == "0" {
		bind = "8081"
	}
	l, err := env.Network.Listen(ctx, "tcp", ":"+bind)
	if err != nil {
		log.Error("Could not start the REST endpoint.", "err", err)
		return process.Exit(1, err)
	}
	srv := &http.Server{Handler: jm.restHandler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	log.Info(fmt.Sprintf("Rest endpoint listening at %s:%s", env.Hostname, bind))
	select {
	case <-ctx.Done():
		log.Info("RECEIVED SIGNAL 15: SIGTERM. Shutting down as requested.")
	case err := <-served:
		log.Error("REST endpoint failed.", "err", err)
		return process.Exit(1, err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	<-served
	return ctx.Err()
}

// loadConfiguration reads config.yaml (or flink-conf.yaml) from the conf dir and
// applies the dynamic properties.
func loadConfiguration(env *process.Env, args []string) (*config.Configuration, error) {
	dir := env.Getenv("FLINK_CONF_DIR")
	if dir == "" {
		dir = "/opt/flink/conf"
	}
	read := func(p string) ([]byte, error) {
		return fs.ReadFile(env.Files, strings.TrimPrefix(path.Clean(p), "/"))
	}
	conf, err := config.LoadDir(dir, read)
	if err != nil {
		return nil, err
	}
	dyn, err := config.ParseDynamicProperties(args)
	if err != nil {
		return nil, err
	}
	conf.AddAll(dyn)
	return conf, nil
}

func newLogger(env *process.Env) *slog.Logger {
	return slog.New(slog.NewTextHandler(env.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
