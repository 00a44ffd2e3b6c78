package flinkimage

import (
	"testing"

	"go.uber.org/goleak"

	"flinksim/jobjar"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestImage(t *testing.T) {
	for _, img := range Images() {
		for _, p := range []string{"kubernetes-jobmanager.sh", "kubernetes-taskmanager.sh", "/docker-entrypoint.sh", "bash"} {
			if img.Programs[p] == nil {
				t.Errorf("%s: no program %s", img.Name, p)
			}
		}
		for _, ex := range jobjar.Examples() {
			jar, ok := img.Files["/opt/flink/"+ex.Path]
			if !ok {
				t.Errorf("%s: no /opt/flink/%s", img.Name, ex.Path)
				continue
			}
			if d, err := jobjar.Read(ex.Path, jar); err != nil || d.Name != ex.Descriptor.Name {
				t.Errorf("%s: %v", ex.Path, err)
			}
		}
		if _, ok := img.Files["/opt/flink/opt/flink-s3-fs-hadoop-2.0-SNAPSHOT.jar"]; !ok {
			t.Errorf("%s: no S3 plugin in /opt/flink/opt", img.Name)
		}
	}
}
