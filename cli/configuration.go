package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"flinksim/config"
)

// confDir is the Flink configuration directory: --conf-dir, else FLINK_CONF_DIR,
// else $FLINK_HOME/conf.
func (c *command) confDir(a *args) (string, error) {
	if dir := strings.TrimSpace(a.value(optConfDir)); dir != "" {
		return dir, nil
	}
	if dir := strings.TrimSpace(c.env.getenv("FLINK_CONF_DIR")); dir != "" {
		return dir, nil
	}
	if home := strings.TrimSpace(c.env.getenv("FLINK_HOME")); home != "" {
		return filepath.Join(home, "conf"), nil
	}
	return "", errors.New("the configuration directory was not specified: give the directory holding config.yaml " +
		"with --conf-dir or the FLINK_CONF_DIR environment variable (or set FLINK_HOME to the Flink distribution)")
}

// configuration is the effective configuration of a command: the configuration
// file, then -t (and the deprecated -e), then the -D options; and the configuration
// directory recorded in $internal.deployment.config-dir, where the deployer finds the
// logging files it ships.
func (c *command) configuration(a *args) (*config.Configuration, error) {
	dir, err := c.confDir(a)
	if err != nil {
		return nil, err
	}
	conf, err := c.loadConfDir(dir)
	if err != nil {
		return nil, err
	}
	if e := a.value(optExecutor); e != "" {
		config.Set(conf, config.ExecutionTarget, e)
	}
	if t := a.value(optTarget); t != "" {
		config.Set(conf, config.ExecutionTarget, t)
	}
	conf.AddAll(a.dynamic)
	config.Set(conf, config.InternalDeploymentConfigDir, dir)
	return conf, nil
}

// loadConfDir reads config.yaml, else flink-conf.yaml; a directory with neither is
// an error, as in Flink.
func (c *command) loadConfDir(dir string) (*config.Configuration, error) {
	found := false
	read := func(p string) ([]byte, error) {
		b, err := c.env.ReadFile(p)
		if err == nil {
			found = true
		}
		return b, err
	}
	conf, err := config.LoadDir(dir, read)
	if err != nil {
		return nil, fmt.Errorf("the Flink configuration in %s cannot be loaded: %w", dir, err)
	}
	if !found {
		return nil, fmt.Errorf("the Flink configuration directory %s has neither %s nor %s: "+
			"point --conf-dir or FLINK_CONF_DIR at the conf directory of a Flink distribution",
			dir, config.ConfigFileName, config.LegacyConfigFileName)
	}
	return conf, nil
}

// errIsNotExist reports whether a file error means the file is missing.
func errIsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
