package cli

import (
	"fmt"

	"flinksim/config"
	"flinksim/deployer"
	"flinksim/kubeclient"
)

// command is one run of a CLI.
type command struct {
	env Env
}

func newCommand(env Env) *command { return &command{env: env.withDefaults()} }

// cluster is the Flink cluster a command deploys or talks to, through the Kubernetes
// cluster the kubeconfig names.
type cluster struct {
	*deployer.Descriptor
	target *kubeclient.Target
}

// explain puts connection failures into words; the deployer already explains what
// the API server refused.
func (k *cluster) explain(err error) error { return kubeclient.Explain(err, k.target) }

// cluster connects to Kubernetes and makes the cluster descriptor for conf.
func (c *command) cluster(conf *config.Configuration, a *args) (*cluster, error) {
	target, err := kubeclient.Resolve(conf, kubeclient.Options{
		Kubeconfig: a.value(optKubecfg),
		LookupEnv:  c.env.LookupEnv,
		ReadFile:   c.env.ReadFile,
		InCluster:  c.env.InCluster,
	})
	if err != nil {
		return nil, err
	}
	client, err := c.env.Kubernetes(target)
	if err != nil {
		return nil, fmt.Errorf("cannot make a Kubernetes client for %s (%s): %w", target.Config.Host, target.Source, err)
	}
	artifacts := c.env.Artifacts
	if artifacts == nil && c.env.ArtifactsFor != nil {
		if artifacts, err = c.env.ArtifactsFor(target); err != nil {
			return nil, err
		}
	}
	d, err := deployer.New(deployer.Options{
		Client:    client,
		Config:    conf,
		ReadFile:  c.env.ReadFile,
		LookupEnv: c.env.LookupEnv,
		Rand:      c.env.Rand,
		Log:       c.env.Stderr,
		Artifacts: artifacts,
	})
	if err != nil {
		return nil, err
	}
	return &cluster{Descriptor: d, target: target}, nil
}
