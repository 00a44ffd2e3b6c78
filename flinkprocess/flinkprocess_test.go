package flinkprocess

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"flinksim/config"
	"flinksim/process"
)

func TestIDs(t *testing.T) {
	ids := NewIDs(rand.New(rand.NewPCG(1, 2)))
	if u := ids.UUID(); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u) {
		t.Errorf("UUID %q", u)
	}
	if h := ids.Hex32(); len(h) != 32 {
		t.Errorf("hex id %q", h)
	}
	again := NewIDs(rand.New(rand.NewPCG(1, 2)))
	if again.UUID() == ids.UUID() {
		t.Errorf("two draws gave the same id")
	}
}

func TestLoadConfiguration(t *testing.T) {
	env := &process.Env{Environ: map[string]string{"FLINK_CONF_DIR": "/etc/flink"},
		Files: fstest.MapFS{"etc/flink/config.yaml": {Data: []byte("taskmanager:\n  numberOfTaskSlots: 2\n")}}}
	conf, file, rest, err := LoadConfiguration(env, []string{"-Dtaskmanager.resource-id=tm-1", "-D", "taskmanager.numberOfTaskSlots=4", "--configDir", "/etc/flink"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := conf.GetString("taskmanager.numberOfTaskSlots"); v != "4" {
		t.Errorf("-D wins over the file: %q", v)
	}
	if v, _ := file.GetString("taskmanager.numberOfTaskSlots"); v != "2" {
		t.Errorf("the file: %q", v)
	}
	if strings.Join(rest, " ") != "--configDir /etc/flink" {
		t.Errorf("rest %q", rest)
	}
	if p, err := Port(config.FromMap(map[string]string{"taskmanager.rpc.port": "6122"}), config.TaskManagerRPCPort); err != nil || p != 6122 {
		t.Errorf("port 6122: %d %v", p, err)
	}
	if p, err := Port(config.FromMap(map[string]string{"taskmanager.rpc.port": "0"}), config.TaskManagerRPCPort); err != nil || p != 0 {
		t.Errorf("port 0 is any free port: %d %v", p, err)
	}
	if p, err := Port(config.FromMap(map[string]string{"rest.port": "9091"}), config.RestBindPort); err != nil || p != 9091 {
		t.Errorf("rest.bind-port falls back to rest.port: %d %v", p, err)
	}
	if _, err := Port(config.FromMap(map[string]string{"taskmanager.rpc.port": "50100-50200"}), config.TaskManagerRPCPort); err == nil {
		t.Error("a port range is not a port")
	}
}
