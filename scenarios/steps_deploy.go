package scenarios

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/cucumber/godog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/config"
	"flinksim/deployer"
)

func (w *World) registerDeploySteps(sc *godog.ScenarioContext) {
	sc.Step(`^I deploy a session cluster "([^"]*)"$`, w.iDeployASessionCluster)
	sc.Step(`^I deploy a session cluster "([^"]*)" with the configuration:$`, w.iDeployASessionClusterWithTheConfiguration)
	sc.Step(`^a session cluster "([^"]*)" is running$`, w.aSessionClusterIsRunning)
	sc.Step(`^I delete the deployment "([^"]*)"$`, w.iDeleteTheDeployment)
	sc.Step(`^I kill the cluster "([^"]*)"$`, w.iKillTheCluster)
	sc.Step(`^the local file "([^"]*)" contains:$`, w.theLocalFileContains)
}

// options reads a step's configuration: a two-column table (key | value) or a
// config.yaml doc string.
func options(arg interface{}) (*config.Configuration, error) {
	switch a := arg.(type) {
	case *godog.Table:
		conf := config.New()
		for i, row := range a.Rows {
			if len(row.Cells) != 2 {
				return nil, fmt.Errorf("option table row %d has %d cells: write two, | key | value |", i+1, len(row.Cells))
			}
			key, value := strings.TrimSpace(row.Cells[0].Value), strings.TrimSpace(row.Cells[1].Value)
			if i == 0 && key == "key" && value == "value" {
				continue // header
			}
			conf.SetString(key, value)
		}
		return conf, nil
	case *godog.DocString:
		return config.ParseYAML([]byte(a.Content))
	}
	return nil, fmt.Errorf("options must be a table or a config.yaml doc string")
}

func (w *World) readFile(path string) ([]byte, error) {
	if b, ok := w.files[path]; ok {
		return b, nil
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
}

func (w *World) theLocalFileContains(path string, content *godog.DocString) error {
	w.files[path] = []byte(content.Content)
	return nil
}

func (w *World) descriptor(conf *config.Configuration) (*deployer.Descriptor, error) {
	cs, err := w.kube()
	if err != nil {
		return nil, err
	}
	if _, ok := conf.GetString(config.KubernetesNamespace.Key()); !ok {
		conf.SetString(config.KubernetesNamespace.Key(), w.namespace)
	}
	return deployer.New(deployer.Options{
		Client:    cs,
		Config:    conf,
		ReadFile:  w.readFile,
		LookupEnv: func(string) (string, bool) { return "", false },
		Rand:      w.Rand,
	})
}

// distributionConfig is what the conf/config.yaml of a Flink distribution sets: the
// client configuration a user starts from before adding -D options.
func distributionConfig() *config.Configuration {
	return config.FromMap(map[string]string{
		"jobmanager.rpc.address":                 "localhost",
		"jobmanager.rpc.port":                    "6123",
		"jobmanager.bind-host":                   "localhost",
		"jobmanager.memory.process.size":         "1600m",
		"taskmanager.bind-host":                  "localhost",
		"taskmanager.host":                       "localhost",
		"taskmanager.memory.process.size":        "1728m",
		"taskmanager.numberOfTaskSlots":          "1",
		"parallelism.default":                    "1",
		"jobmanager.execution.failover-strategy": "region",
		"rest.address":                           "localhost",
		"rest.bind-address":                      "localhost",
	})
}

func (w *World) deploySession(id string, opts *config.Configuration) error {
	conf := distributionConfig()
	conf.AddAll(opts)
	conf.SetString(config.KubernetesClusterID.Key(), id)
	conf.SetString(config.ExecutionTarget.Key(), "kubernetes-session")
	d, err := w.descriptor(conf)
	if err != nil {
		w.tracef("deploy session cluster %q refused: %v", id, err)
		return err
	}
	client, err := d.DeploySessionCluster(w.ctx)
	if err != nil {
		w.tracef("deploy session cluster %q failed: %v", id, err)
		return err
	}
	w.clients[w.clientKey(id)] = client
	w.tracef("deployed session cluster %q, web UI %s", id, client.WebURL)
	return nil
}

func (w *World) iDeployASessionCluster(id string) error {
	return w.deploySession(id, config.New())
}

// iDeployASessionClusterWithTheConfiguration deploys a session cluster with options
// written as a config.yaml (nested or flat keys).
//
//	I deploy a session cluster "my-session" with the configuration:
//	  """
//	  taskmanager:
//	    numberOfTaskSlots: 2
//	  """
func (w *World) iDeployASessionClusterWithTheConfiguration(id string, doc *godog.DocString) error {
	conf, err := options(doc)
	if err != nil {
		return err
	}
	return w.deploySession(id, conf)
}

func (w *World) aSessionClusterIsRunning(id string) error {
	if err := w.iDeployASessionCluster(id); err != nil {
		return err
	}
	return w.withinTheJobManagerPodIsRunning("a minute", id)
}

func (w *World) iDeleteTheDeployment(name string) error {
	cs, err := w.kube()
	if err != nil {
		return err
	}
	w.tracef("kubectl delete deployment/%s", name)
	return cs.AppsV1().Deployments(w.namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
}

func (w *World) iKillTheCluster(id string) error {
	d, err := w.descriptor(config.FromMap(map[string]string{config.KubernetesClusterID.Key(): id}))
	if err != nil {
		return err
	}
	w.tracef("kill cluster %q", id)
	return d.KillCluster(w.ctx, id)
}
