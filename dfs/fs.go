package dfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
)

// ErrNoSuchBucket means a bucket-style URI names a bucket that was never made.
var ErrNoSuchBucket = errors.New("no such bucket")

// Op names an operation, for fault injection.
type Op string

// The operations of an FS.
const (
	OpCreate Op = "create"
	OpPut    Op = "put"
	OpRead   Op = "read"
	OpDelete Op = "delete"
	OpExists Op = "exists"
	OpList   Op = "list"
)

// FaultFunc decides whether an operation on uri (canonical form) fails; a non-nil
// error is returned to the caller, wrapped with the operation and the URI.
type FaultFunc func(op Op, uri string) error

// FS is the simulated distributed file system. The zero value is not usable; make one
// with New.
type FS struct {
	mu      sync.RWMutex
	buckets map[string]bool   // "s3://bucket"
	files   map[string][]byte // canonical URI → content
	fault   FaultFunc
}

// New returns an empty file system: no buckets, no files.
func New() *FS {
	return &FS{buckets: map[string]bool{}, files: map[string][]byte{}}
}

// SetFault installs fn (nil removes it); it is asked before every operation.
func (f *FS) SetFault(fn FaultFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fn
}

// MakeBucket makes the bucket of a bucket-style URI (s3://name or s3://name/); a
// bucket that exists already is fine. file:// needs no bucket.
func (f *FS) MakeBucket(uri string) error {
	l, err := parse(uri)
	if err != nil {
		return err
	}
	if l.scheme == fileScheme {
		return fmt.Errorf("%q: file:// has no buckets, its directories come with their files", uri)
	}
	if !l.isRoot() {
		return fmt.Errorf("%q names a path inside a bucket: give just the bucket, %s", uri, l.root())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buckets[l.root()] = true
	return nil
}

// Buckets lists the buckets, sorted.
func (f *FS) Buckets() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]string, 0, len(f.buckets))
	for b := range f.buckets {
		out = append(out, b)
	}
	slices.Sort(out)
	return out
}

// Create writes a new file; when one exists the error matches fs.ErrExist (so two
// writers never both succeed).
func (f *FS) Create(ctx context.Context, uri string, data []byte) error {
	return f.write(ctx, OpCreate, uri, data, false)
}

// Put stores data under uri, replacing a file that is there.
func (f *FS) Put(ctx context.Context, uri string, data []byte) error {
	return f.write(ctx, OpPut, uri, data, true)
}

func (f *FS) write(ctx context.Context, op Op, uri string, data []byte, replace bool) error {
	l, err := f.begin(ctx, op, uri)
	if err != nil {
		return err
	}
	key := l.String()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.checkBucketLocked(op, l); err != nil {
		return err
	}
	if l.isRoot() || f.isDirLocked(l) {
		return &fs.PathError{Op: string(op), Path: key, Err: fmt.Errorf("%w: it is a directory", fs.ErrExist)}
	}
	for p := l.parent(); !p.isRoot(); p = p.parent() {
		if _, ok := f.files[p.String()]; ok {
			return &fs.PathError{Op: string(op), Path: key, Err: fmt.Errorf("%w: %s is a file, not a directory", fs.ErrExist, p)}
		}
	}
	if _, ok := f.files[key]; ok && !replace {
		return &fs.PathError{Op: string(op), Path: key, Err: fs.ErrExist}
	}
	f.files[key] = bytes.Clone(data)
	if f.files[key] == nil {
		f.files[key] = []byte{}
	}
	return nil
}

// Read returns a file's content; a missing file is an error matching fs.ErrNotExist.
func (f *FS) Read(ctx context.Context, uri string) ([]byte, error) {
	l, err := f.begin(ctx, OpRead, uri)
	if err != nil {
		return nil, err
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if err := f.checkBucketLocked(OpRead, l); err != nil {
		return nil, err
	}
	b, ok := f.files[l.String()]
	if !ok {
		if f.isDirLocked(l) {
			return nil, &fs.PathError{Op: string(OpRead), Path: l.String(), Err: errors.New("is a directory")}
		}
		return nil, &fs.PathError{Op: string(OpRead), Path: l.String(), Err: fs.ErrNotExist}
	}
	return bytes.Clone(b), nil
}

// Open returns a reader of a file's content as it is now (what an artifact fetcher
// copies from).
func (f *FS) Open(ctx context.Context, uri string) (io.ReadCloser, error) {
	b, err := f.Read(ctx, uri)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Delete removes a file, or with recursive a directory and everything under it.
// Deleting what does not exist is not an error; a directory without recursive is.
func (f *FS) Delete(ctx context.Context, uri string, recursive bool) error {
	l, err := f.begin(ctx, OpDelete, uri)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.checkBucketLocked(OpDelete, l); err != nil {
		return err
	}
	key := l.String()
	if _, ok := f.files[key]; ok {
		delete(f.files, key)
		return nil
	}
	if !f.isDirLocked(l) {
		return nil
	}
	if !recursive {
		return &fs.PathError{Op: string(OpDelete), Path: key, Err: errors.New("is a directory that is not empty: delete it recursively")}
	}
	prefix := l.dirPrefix()
	for p := range f.files {
		if strings.HasPrefix(p, prefix) {
			delete(f.files, p)
		}
	}
	return nil
}

// Exists reports whether a file or a directory (a path with files under it) exists.
// In a missing bucket nothing exists.
func (f *FS) Exists(ctx context.Context, uri string) (bool, error) {
	l, err := f.begin(ctx, OpExists, uri)
	if err != nil {
		return false, err
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if l.bucket != "" && !f.buckets[l.root()] {
		return false, nil
	}
	if l.isRoot() {
		return true, nil
	}
	_, ok := f.files[l.String()]
	return ok || f.isDirLocked(l), nil
}

// List returns the URIs of the files and directories directly under dir, sorted. A
// directory that does not exist lists empty; a missing bucket is an error.
func (f *FS) List(ctx context.Context, dir string) ([]string, error) {
	l, err := f.begin(ctx, OpList, dir)
	if err != nil {
		return nil, err
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if err := f.checkBucketLocked(OpList, l); err != nil {
		return nil, err
	}
	prefix := l.dirPrefix()
	seen := map[string]bool{}
	for p := range f.files {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		child, _, _ := strings.Cut(rest, "/")
		seen[prefix+child] = true
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

// Files lists every file's canonical URI, sorted (for tests, traces and reports).
func (f *FS) Files() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]string, 0, len(f.files))
	for p := range f.files {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// begin checks the context, parses the URI and asks the fault hook.
func (f *FS) begin(ctx context.Context, op Op, uri string) (location, error) {
	if err := ctx.Err(); err != nil {
		return location{}, &fs.PathError{Op: string(op), Path: uri, Err: err}
	}
	l, err := parse(uri)
	if err != nil {
		return location{}, &fs.PathError{Op: string(op), Path: uri, Err: err}
	}
	f.mu.RLock()
	fault := f.fault
	f.mu.RUnlock()
	if fault != nil {
		if err := fault(op, l.String()); err != nil {
			return location{}, &fs.PathError{Op: string(op), Path: l.String(), Err: err}
		}
	}
	return l, nil
}

func (f *FS) checkBucketLocked(op Op, l location) error {
	if l.bucket == "" || f.buckets[l.root()] {
		return nil
	}
	return &fs.PathError{Op: string(op), Path: l.String(),
		Err: fmt.Errorf("%w: the bucket %s does not exist; create it or choose an existing bucket", ErrNoSuchBucket, l.root())}
}

// isDirLocked reports whether a file lies under l.
func (f *FS) isDirLocked(l location) bool {
	prefix := l.dirPrefix()
	for p := range f.files {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
