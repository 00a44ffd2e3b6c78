package flinkfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
)

// ObjectStore is the remote storage the cluster attaches: object stores by bucket and
// the shared file:// file system. *dfs.FS is one.
type ObjectStore interface {
	Read(ctx context.Context, uri string) ([]byte, error)
}

// Config is what a process knows about its file systems.
type Config struct {
	// Files are the container's files, paths without the leading slash.
	Files fs.FS
	// Environ is the process environment (FLINK_HOME, ENABLE_BUILT_IN_PLUGINS).
	Environ map[string]string
	// Store is the attached remote storage; nil when there is none.
	Store ObjectStore
	// Dial opens connections for http(s):// URIs; nil refuses them.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// RawHTTPEnabled allows plain http:// (user.artifacts.raw-http-enabled).
	RawHTTPEnabled bool
}

// FileSystems reads URIs by scheme.
type FileSystems struct {
	cfg      Config
	plugins  []string
	warnings []string
}

// pluginsByScheme names the bundled plugins that serve each scheme (Flink's
// FileSystem.DIRECTLY_SUPPORTED_FILESYSTEM).
var pluginsByScheme = map[string][]string{
	"s3":    {"flink-s3-fs-hadoop", "flink-s3-fs-presto"},
	"s3a":   {"flink-s3-fs-hadoop"},
	"s3p":   {"flink-s3-fs-presto"},
	"gs":    {"flink-gs-fs-hadoop"},
	"oss":   {"flink-oss-fs-hadoop"},
	"abfs":  {"flink-azure-fs-hadoop"},
	"abfss": {"flink-azure-fs-hadoop"},
	"wasb":  {"flink-azure-fs-hadoop"},
	"wasbs": {"flink-azure-fs-hadoop"},
}

// New works out which plugins are enabled.
func New(cfg Config) *FileSystems {
	f := &FileSystems{cfg: cfg}
	home := cfg.Environ["FLINK_HOME"]
	if home == "" {
		home = "/opt/flink"
	}
	home = strings.Trim(home, "/")
	for _, jar := range strings.Split(cfg.Environ["ENABLE_BUILT_IN_PLUGINS"], ";") {
		jar = strings.TrimSpace(jar)
		if jar == "" {
			continue
		}
		if cfg.Files != nil {
			if _, err := fs.Stat(cfg.Files, path.Join(home, "opt", jar)); err != nil {
				f.warnings = append(f.warnings, fmt.Sprintf("ENABLE_BUILT_IN_PLUGINS names %s, which is not in %s: the plugin stays disabled", jar, "/"+path.Join(home, "opt")))
				continue
			}
		}
		if name := pluginName(jar); name != "" {
			f.plugins = append(f.plugins, name)
		}
	}
	if cfg.Files != nil {
		jars, _ := fs.Glob(cfg.Files, path.Join(home, "plugins", "*", "*.jar"))
		for _, jar := range jars {
			if name := pluginName(path.Base(jar)); name != "" {
				f.plugins = append(f.plugins, name)
			}
		}
	}
	slices.Sort(f.plugins)
	f.plugins = slices.Compact(f.plugins)
	return f
}

// pluginName is the bundled plugin a jar is ("flink-s3-fs-hadoop-2.0.0.jar" →
// "flink-s3-fs-hadoop"), or "" for another jar.
func pluginName(jar string) string {
	for _, names := range pluginsByScheme {
		for _, n := range names {
			if strings.HasPrefix(jar, n+"-") || jar == n+".jar" {
				return n
			}
		}
	}
	return ""
}

// Plugins are the enabled file system plugins.
func (f *FileSystems) Plugins() []string { return slices.Clone(f.plugins) }

// Warnings are what the entrypoint would print about ENABLE_BUILT_IN_PLUGINS.
func (f *FileSystems) Warnings() []string { return slices.Clone(f.warnings) }

// UnsupportedSchemeError is Flink's UnsupportedFileSystemSchemeException.
type UnsupportedSchemeError struct {
	Scheme  string
	Plugins []string
}

func (e *UnsupportedSchemeError) Error() string {
	if len(e.Plugins) == 0 {
		return fmt.Sprintf("org.apache.flink.core.fs.UnsupportedFileSystemSchemeException: Could not find a file system implementation "+
			"for scheme '%s'. The scheme is not directly supported by Flink and no Hadoop file system to support this scheme could be loaded. "+
			"For a full list of supported file systems, please see https://nightlies.apache.org/flink/flink-docs-stable/ops/filesystems/.", e.Scheme)
	}
	return fmt.Sprintf("org.apache.flink.core.fs.UnsupportedFileSystemSchemeException: Could not find a file system implementation "+
		"for scheme '%s'. The scheme is directly supported by Flink through the following plugin(s): %s. Please ensure that each plugin "+
		"resides within its own subfolder within the plugins directory. See https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/filesystems/plugins/ "+
		"for more information. If you want to use a Hadoop file system for that scheme, please add the scheme to the configuration "+
		"fs.allowed-fallback-filesystems. For a full list of supported file systems, please see https://nightlies.apache.org/flink/flink-docs-stable/ops/filesystems/. "+
		"(On Kubernetes, enable a bundled plugin with containerized.master.env.ENABLE_BUILT_IN_PLUGINS and "+
		"containerized.taskmanager.env.ENABLE_BUILT_IN_PLUGINS, e.g. %s-%s.jar.)", e.Scheme, strings.Join(e.Plugins, ", "), e.Plugins[0], "<version>")
}

// Read returns the content at uri.
func (f *FileSystems) Read(ctx context.Context, uri string) ([]byte, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URI: %w", uri, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "", "local":
		return f.readLocal(uri, u.Path)
	case "file":
		b, err := f.readLocal(uri, u.Path)
		if err == nil || f.cfg.Store == nil || !errors.Is(err, fs.ErrNotExist) {
			return b, err
		}
		return f.cfg.Store.Read(ctx, "file://"+u.Path)
	case "http", "https":
		return f.readHTTP(ctx, u)
	case "hdfs", "viewfs":
		return nil, &UnsupportedSchemeError{Scheme: scheme}
	}
	if err := f.pluginFor(scheme); err != nil {
		return nil, err
	}
	if f.cfg.Store == nil {
		return nil, fmt.Errorf("reading %s: no %s endpoint is reachable from this cluster (no object store is attached)", uri, scheme)
	}
	b, err := f.cfg.Store.Read(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", uri, err)
	}
	return b, nil
}

func (f *FileSystems) readLocal(uri, p string) ([]byte, error) {
	if f.cfg.Files == nil {
		return nil, fmt.Errorf("reading %s: %w", uri, fs.ErrNotExist)
	}
	b, err := fs.ReadFile(f.cfg.Files, strings.TrimPrefix(path.Clean("/"+p), "/"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist in the container (%s): %w", uri, p, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("reading %s: %w", uri, err)
	}
	return b, nil
}

func (f *FileSystems) readHTTP(ctx context.Context, u *url.URL) ([]byte, error) {
	if u.Scheme == "http" && !f.cfg.RawHTTPEnabled {
		return nil, fmt.Errorf("artifact fetching from raw HTTP endpoints is disabled: set 'user.artifacts.raw-http-enabled' to fetch %s", u)
	}
	if f.cfg.Dial == nil {
		return nil, fmt.Errorf("fetching %s: this process has no network", u)
	}
	tr := &http.Transport{DialContext: f.cfg.Dial}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: the server answered %s", u, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// CheckShared reports whether uri names a location on the cluster's shared storage
// that this process can reach: file:// (the shared file system) or a scheme whose
// plugin is enabled, with an object store attached. high-availability.storageDir
// must be one, since every JobManager of the cluster reads what the leader wrote.
func (f *FileSystems) CheckShared(uri string) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("%q is not a URI: %w", uri, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "", "local":
		return fmt.Errorf("%s is a path in this container: use a file system every JobManager reaches (file:// of the shared file system, s3://, …)", uri)
	case "file":
	case "http", "https", "hdfs", "viewfs":
		return &UnsupportedSchemeError{Scheme: scheme}
	default:
		if err := f.pluginFor(scheme); err != nil {
			return err
		}
	}
	if f.cfg.Store == nil {
		return fmt.Errorf("%s: no shared storage is attached to this cluster", uri)
	}
	return nil
}

// pluginFor checks that a plugin serving scheme is enabled.
func (f *FileSystems) pluginFor(scheme string) error {
	plugins, known := pluginsByScheme[scheme]
	if !known {
		return &UnsupportedSchemeError{Scheme: scheme}
	}
	for _, p := range plugins {
		if slices.Contains(f.plugins, p) {
			return nil
		}
	}
	return &UnsupportedSchemeError{Scheme: scheme, Plugins: plugins}
}
