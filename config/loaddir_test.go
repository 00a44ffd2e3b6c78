package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fakeFiles(files map[string]string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		if data, ok := files[path]; ok {
			return []byte(data), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
}

func TestLoadDir(t *testing.T) {
	dir := "/opt/flink/conf"
	yamlPath, legacyPath := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "flink-conf.yaml")
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string // value of the key "source", "" for an empty configuration
	}{
		{"config.yaml wins", map[string]string{yamlPath: "source: {v: yaml}", legacyPath: "source.v: legacy"}, "yaml"},
		{"legacy fallback", map[string]string{legacyPath: "source.v: legacy"}, "legacy"},
		{"nothing", map[string]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadDir(dir, fakeFiles(tc.files))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := c.GetString("source.v"); got != tc.want {
				t.Fatalf("source.v = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLoadDirErrors(t *testing.T) {
	dir := "/conf"
	_, err := LoadDir(dir, fakeFiles(map[string]string{filepath.Join(dir, "config.yaml"): "a:\n"}))
	if err == nil || !strings.Contains(err.Error(), "/conf/config.yaml") || !strings.Contains(err.Error(), `key "a" has no value`) {
		t.Errorf("parse error = %v", err)
	}
	denied := errors.New("permission denied")
	_, err = LoadDir(dir, func(string) ([]byte, error) { return nil, denied })
	if !errors.Is(err, denied) || !strings.Contains(err.Error(), "config.yaml") {
		t.Errorf("read error = %v", err)
	}
	_, err = LoadDir(dir, func(p string) ([]byte, error) {
		if strings.HasSuffix(p, "config.yaml") {
			return nil, fs.ErrNotExist
		}
		return nil, denied
	})
	if !errors.Is(err, denied) || !strings.Contains(err.Error(), "flink-conf.yaml") {
		t.Errorf("legacy read error = %v", err)
	}
}

func TestLoadDirFromDisk(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("kubernetes:\n  cluster-id: disk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := Get(c, KubernetesClusterID); v != "disk" {
		t.Fatalf("cluster-id = %q", v)
	}
}
