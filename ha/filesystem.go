package ha

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// FileSystem is the little of a distributed file system the HA services need:
// state files under high-availability.storageDir. Paths are slash-separated and may
// carry a scheme ("s3://bucket/ha/…"); a directory exists while a file lies under it.
type FileSystem interface {
	// Create writes a new file; an existing one is an error wrapping ErrFileExists.
	Create(ctx context.Context, path string, data []byte) error
	// Read returns a file's content; a missing one is an error wrapping
	// ErrFileNotExist.
	Read(ctx context.Context, path string) ([]byte, error)
	// Delete removes a file, or with recursive a directory and everything under
	// it. Deleting what does not exist is not an error.
	Delete(ctx context.Context, path string, recursive bool) error
	// Exists reports whether a file or directory exists.
	Exists(ctx context.Context, path string) (bool, error)
	// List returns the paths of the files and directories directly under dir,
	// sorted.
	List(ctx context.Context, dir string) ([]string, error)
}

// JoinPath joins path elements with single slashes, keeping a scheme's "//".
func JoinPath(base string, elem ...string) string {
	p := strings.TrimRight(base, "/")
	for _, e := range elem {
		p += "/" + strings.Trim(e, "/")
	}
	return p
}

// MemFileSystem is an in-memory FileSystem, safe for concurrent use.
type MemFileSystem struct {
	mu    sync.Mutex
	files map[string][]byte
}

var _ FileSystem = (*MemFileSystem)(nil)

// NewMemFileSystem returns an empty file system.
func NewMemFileSystem() *MemFileSystem { return &MemFileSystem{files: map[string][]byte{}} }

func cleanPath(p string) string { return strings.TrimRight(p, "/") }

// Create implements FileSystem.
func (m *MemFileSystem) Create(_ context.Context, path string, data []byte) error {
	path = cleanPath(path)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.files[path]; ok {
		return fmt.Errorf("%s: %w", path, ErrFileExists)
	}
	if m.isDirLocked(path) {
		return fmt.Errorf("%s is a directory: %w", path, ErrFileExists)
	}
	m.files[path] = slices.Clone(data)
	return nil
}

// Read implements FileSystem.
func (m *MemFileSystem) Read(_ context.Context, path string) ([]byte, error) {
	path = cleanPath(path)
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[path]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, ErrFileNotExist)
	}
	return slices.Clone(b), nil
}

// Delete implements FileSystem.
func (m *MemFileSystem) Delete(_ context.Context, path string, recursive bool) error {
	path = cleanPath(path)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.files[path]; ok {
		delete(m.files, path)
		return nil
	}
	if !m.isDirLocked(path) {
		return nil
	}
	if !recursive {
		return fmt.Errorf("%s is a directory that is not empty; delete it recursively", path)
	}
	for p := range m.files {
		if strings.HasPrefix(p, path+"/") {
			delete(m.files, p)
		}
	}
	return nil
}

// Exists implements FileSystem.
func (m *MemFileSystem) Exists(_ context.Context, path string) (bool, error) {
	path = cleanPath(path)
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.files[path]
	return ok || m.isDirLocked(path), nil
}

// List implements FileSystem.
func (m *MemFileSystem) List(_ context.Context, dir string) ([]string, error) {
	dir = cleanPath(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	for p := range m.files {
		rest, ok := strings.CutPrefix(p, dir+"/")
		if !ok {
			continue
		}
		child, _, _ := strings.Cut(rest, "/")
		seen[dir+"/"+child] = true
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

// Files lists every file, sorted (for tests and traces).
func (m *MemFileSystem) Files() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.files))
	for p := range m.files {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (m *MemFileSystem) isDirLocked(path string) bool {
	for p := range m.files {
		if strings.HasPrefix(p, path+"/") {
			return true
		}
	}
	return false
}
