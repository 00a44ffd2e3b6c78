package kubeobjects

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// memFS is an in-memory ReadFile: files by path; reading a directory (a prefix of a
// stored path) fails like os.ReadFile does, with something other than ErrNotExist.
type memFS map[string]string

var errIsDir = errors.New("is a directory")

func (m memFS) ReadFile(path string) ([]byte, error) {
	if data, ok := m[path]; ok {
		return []byte(data), nil
	}
	dir := strings.TrimSuffix(path, "/") + "/"
	for p := range m {
		if strings.HasPrefix(p, dir) {
			return nil, &fs.PathError{Op: "read", Path: path, Err: errIsDir}
		}
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
}

// with returns a copy of m plus the given path/content pairs.
func (m memFS) with(kv ...string) memFS {
	out := memFS{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// templateFile reads a file of testdata/templates for memFS use.
func templateFile(name string) string {
	data, err := os.ReadFile(filepath.Join("testdata", "templates", name))
	if err != nil {
		panic(err)
	}
	return string(data)
}

// env is a LookupEnv over a map.
type env map[string]string

func (e env) LookupEnv(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}
