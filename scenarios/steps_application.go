package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flinksim/config"
	"flinksim/kubeobjects"
)

func (c *clientSide) registerApplicationSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the distributed file system has the bucket "([^"]*)"$`, c.theDistributedFileSystemHasTheBucket)
	sc.Step(`^the distributed file system has the file "([^"]*)" containing "([^"]*)"$`, c.theDistributedFileSystemHasTheFile)
	sc.Step(`^the file "([^"]*)" in the distributed file system contains "([^"]*)"$`, c.theFileInTheDistributedFileSystemContains)
	sc.Step(`^the distributed file system holds exactly the files:$`, c.theDistributedFileSystemHoldsExactlyTheFiles)
	sc.Step(`^the distributed file system holds no files$`, c.theDistributedFileSystemHoldsNoFiles)
	sc.Step(`^the shipped configuration of "([^"]*)" has "([^"]*)" set to "([^"]*)"$`, c.theShippedConfigurationHas)
	sc.Step(`^the shipped configuration of "([^"]*)" does not have "([^"]*)"$`, c.theShippedConfigurationDoesNotHave)
}

func (c *clientSide) theDistributedFileSystemHasTheBucket(bucket string) error {
	return c.dfs.MakeBucket(bucket)
}

// theDistributedFileSystemHasTheFile stores a file, making its bucket if needed.
func (c *clientSide) theDistributedFileSystemHasTheFile(uri, content string) error {
	if scheme, rest, ok := strings.Cut(uri, "://"); ok && scheme != "file" {
		bucket, _, _ := strings.Cut(rest, "/")
		if err := c.dfs.MakeBucket(scheme + "://" + bucket); err != nil {
			return err
		}
	}
	return c.dfs.Put(context.Background(), uri, []byte(content))
}

func (c *clientSide) theFileInTheDistributedFileSystemContains(uri, content string) error {
	got, err := c.dfs.Read(context.Background(), uri)
	if err != nil {
		return fmt.Errorf("%w (files: %s)", err, strings.Join(c.dfs.Files(), ", "))
	}
	if string(got) != content {
		return fmt.Errorf("%s contains %q, want %q", uri, got, content)
	}
	return nil
}

func (c *clientSide) theDistributedFileSystemHoldsExactlyTheFiles(table *godog.Table) error {
	var want []string
	for _, row := range table.Rows {
		want = append(want, strings.TrimSpace(row.Cells[0].Value))
	}
	slices.Sort(want)
	if got := c.dfs.Files(); !slices.Equal(got, want) {
		return fmt.Errorf("the distributed file system holds %q, want %q", got, want)
	}
	return nil
}

func (c *clientSide) theDistributedFileSystemHoldsNoFiles() error {
	if got := c.dfs.Files(); len(got) > 0 {
		return fmt.Errorf("the distributed file system holds %q", got)
	}
	return nil
}

// shipped is the configuration the deployer put into flink-config-<id>.
func (w *World) shipped(id string) (*config.Configuration, error) {
	cs, err := w.kube()
	if err != nil {
		return nil, err
	}
	name := kubeobjects.FlinkConfigMapName(id)
	cm, err := cs.CoreV1().ConfigMaps(w.namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	data, ok := cm.Data[config.ConfigFileName]
	if !ok {
		return nil, fmt.Errorf("configmap %q has no %s", name, config.ConfigFileName)
	}
	return config.ParseYAML([]byte(data))
}

func (c *clientSide) theShippedConfigurationHas(id, key, value string) error {
	conf, err := c.shipped(id)
	if err != nil {
		return err
	}
	got, ok := conf.GetString(key)
	if !ok {
		return fmt.Errorf("the configuration of %q has no %s", id, key)
	}
	if got != value {
		return fmt.Errorf("the configuration of %q has %s=%q, want %q", id, key, got, value)
	}
	return nil
}

func (c *clientSide) theShippedConfigurationDoesNotHave(id, key string) error {
	conf, err := c.shipped(id)
	if err != nil {
		return err
	}
	if got, ok := conf.GetString(key); ok {
		return fmt.Errorf("the configuration of %q has %s=%q", id, key, got)
	}
	return nil
}
