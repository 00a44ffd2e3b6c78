package deployer

import (
	"testing"

	"github.com/stretchr/testify/require"

	"flinksim/config"
)

// Mirrors DefaultKubernetesArtifactUploaderTest, through DeployApplicationCluster.
func TestArtifactUpload(t *testing.T) {
	appConf := func(kv ...string) *config.Configuration {
		return testConfig(append([]string{
			"execution.target", "kubernetes-application",
			"kubernetes.artifacts.local-upload-enabled", "true",
			"kubernetes.artifacts.local-upload-target", "s3://bucket/artifacts/",
			"pipeline.jars", "local:///jobs/my-job.jar",
		}, kv...)...)
	}
	deploy := func(t *testing.T, store ArtifactStore, conf *config.Configuration) (string, error) {
		c := newClient()
		d, _ := newDescriptor(t, c, conf, func(o *Options) { o.Artifacts = store })
		_, err := d.DeployApplicationCluster(ctx, ApplicationConfiguration{})
		if err != nil {
			return "", err
		}
		return shippedConfig(t, c), nil
	}

	t.Run("testUploadAllWithOneJobJar", func(t *testing.T) {
		store := &memStore{}
		shipped, err := deploy(t, store, appConf())
		require.NoError(t, err)
		require.Equal(t, "PK\x03\x04job", string(store.files["s3://bucket/artifacts/my-job.jar"]))
		require.Contains(t, shipped, "s3://bucket/artifacts/my-job.jar")
		require.NotContains(t, shipped, "local:///jobs/my-job.jar")
	})
	t.Run("testUploadAllWithAdditionalArtifacts", func(t *testing.T) {
		store := &memStore{}
		shipped, err := deploy(t, store, appConf("user.artifacts.artifact-list", "local:///jobs/udf.jar;https://example.com/lib.jar"))
		require.NoError(t, err)
		require.Equal(t, []string{"s3://bucket/artifacts/my-job.jar", "s3://bucket/artifacts/udf.jar"}, store.puts)
		containsAll(t, shipped, "s3://bucket/artifacts/udf.jar", "https://example.com/lib.jar")
	})
	t.Run("testMissingTargetConf", func(t *testing.T) {
		_, err := deploy(t, &memStore{}, appConf("kubernetes.artifacts.local-upload-target", "<unset>"))
		require.ErrorContains(t, err, "requires kubernetes.artifacts.local-upload-target")
	})
	t.Run("testRemoteUri", func(t *testing.T) {
		store := &memStore{}
		shipped, err := deploy(t, store, appConf("pipeline.jars", "s3://elsewhere/job.jar", "kubernetes.artifacts.local-upload-target", "<unset>"))
		require.NoError(t, err)
		require.Empty(t, store.puts)
		require.Contains(t, shipped, "s3://elsewhere/job.jar")
	})
	t.Run("testUploadNoOverwrite", func(t *testing.T) {
		store := &memStore{files: map[string][]byte{"s3://bucket/artifacts/my-job.jar": []byte("old")}}
		shipped, err := deploy(t, store, appConf())
		require.NoError(t, err)
		require.Empty(t, store.puts)
		require.Equal(t, "old", string(store.files["s3://bucket/artifacts/my-job.jar"]))
		require.Contains(t, shipped, "s3://bucket/artifacts/my-job.jar")
	})
	t.Run("testUploadOverwrite", func(t *testing.T) {
		store := &memStore{files: map[string][]byte{"s3://bucket/artifacts/my-job.jar": []byte("old")}}
		_, err := deploy(t, store, appConf("kubernetes.artifacts.local-upload-overwrite", "true"))
		require.NoError(t, err)
		require.Equal(t, "PK\x03\x04job", string(store.files["s3://bucket/artifacts/my-job.jar"]))
	})
	t.Run("testNoUpdateConfig", func(t *testing.T) {
		store := &memStore{}
		shipped, err := deploy(t, store, appConf("pipeline.jars", "s3://elsewhere/job.jar", "user.artifacts.artifact-list", "https://example.com/lib.jar"))
		require.NoError(t, err)
		containsAll(t, shipped, "s3://elsewhere/job.jar", "https://example.com/lib.jar")
	})
	t.Run("upload disabled leaves local URIs", func(t *testing.T) {
		shipped, err := deploy(t, nil, appConf("kubernetes.artifacts.local-upload-enabled", "false"))
		require.NoError(t, err)
		require.Contains(t, shipped, "local:///jobs/my-job.jar")
	})
	t.Run("no store to upload to", func(t *testing.T) {
		_, err := deploy(t, nil, appConf())
		require.ErrorContains(t, err, "no remote file system to upload to")
	})
	t.Run("missing local file", func(t *testing.T) {
		_, err := deploy(t, &memStore{}, appConf("pipeline.jars", "local:///jobs/missing.jar"))
		require.ErrorContains(t, err, `reading local artifact "local:///jobs/missing.jar"`)
	})
}
