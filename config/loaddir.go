package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadDir loads the configuration of a Flink configuration directory: config.yaml if
// it exists, else the legacy flink-conf.yaml, else an empty configuration. readFile
// reads a file (os.ReadFile when nil) and must report a missing file with an error
// matching fs.ErrNotExist; any other read error is returned.
func LoadDir(dir string, readFile func(path string) ([]byte, error)) (*Configuration, error) {
	if readFile == nil {
		readFile = os.ReadFile
	}
	path := filepath.Join(dir, ConfigFileName)
	data, err := readFile(path)
	if err == nil {
		c, err := ParseYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return c, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	legacy := filepath.Join(dir, LegacyConfigFileName)
	data, err = readFile(legacy)
	if err == nil {
		return ParseLegacyFlinkConf(data)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", legacy, err)
	}
	return New(), nil
}
