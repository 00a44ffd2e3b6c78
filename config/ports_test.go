package config

import (
	"strings"
	"testing"
)

func TestFixedAndPinnedPorts(t *testing.T) {
	c := FromMap(map[string]string{"blob.server.port": "0", "taskmanager.rpc.port": "6130"})
	if p, err := PinPort(c, BlobServerPort, DefaultBlobServerPort); err != nil || p != 6124 {
		t.Fatalf("blob port = %d, %v", p, err)
	}
	if v, _ := c.GetString("blob.server.port"); v != "6124" {
		t.Fatalf("pinned value = %q", v)
	}
	if p, err := PinPort(c, TaskManagerRPCPort, DefaultTaskManagerRPCPort); err != nil || p != 6130 {
		t.Fatalf("fixed port kept: %d, %v", p, err)
	}
	// rest.bind-port falls back to rest.port, and defaults to 8081
	if p, err := FixedPort(FromMap(map[string]string{"rest.port": "9000"}), RestBindPort); err != nil || p != 9000 {
		t.Fatalf("rest.bind-port via rest.port = %d, %v", p, err)
	}
	if p, err := PinPort(New(), RestBindPort, DefaultRestPort); err != nil || p != 8081 {
		t.Fatalf("rest.bind-port default = %d, %v", p, err)
	}
	c = FromMap(map[string]string{"high-availability.jobmanager.port": "0", "jobmanager.rpc.port": "6123"})
	rpc, _ := Get(c, JobManagerRPCPort)
	if p, err := PinPort(c, HighAvailabilityJobManagerPort, rpc); err != nil || p != 6123 {
		t.Fatalf("HA port = %d, %v", p, err)
	}

	_, err := FixedPort(FromMap(map[string]string{"blob.server.port": "50100-50200"}), BlobServerPort)
	if err == nil || !strings.HasPrefix(err.Error(), `blob.server.port: invalid value "50100-50200": expected a single fixed port`) {
		t.Fatalf("range error = %v", err)
	}
	_, err = FixedPort(New(), StringOption("some.port"))
	if err == nil || !strings.Contains(err.Error(), "some.port") || !strings.Contains(err.Error(), "none is set") {
		t.Fatalf("missing port error = %v", err)
	}
}
