package dfs

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
)

// fileScheme is the shared, bucket-less file system.
const fileScheme = "file"

// BucketSchemes are the schemes served as bucket-style object stores: the URI's
// authority names the bucket (for hdfs, the name node plays that part).
var BucketSchemes = []string{"s3", "s3a", "s3p", "gs", "oss", "abfs", "hdfs"}

// location is a parsed, cleaned URI.
type location struct {
	scheme string
	bucket string // empty for file://
	path   string // absolute and cleaned; "/" is the root of the bucket or file system
}

// parse reads a URI as the file systems do. Relative paths, unknown schemes, file
// URIs with a host and ".." above the root are refused with an error that says what
// to write instead.
func parse(uri string) (location, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return location{}, fmt.Errorf("%q is not a URI: %w", uri, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "":
		return location{}, fmt.Errorf("%q has no scheme: write a URI such as s3://bucket/path or file:///path", uri)
	case scheme == fileScheme:
		if u.Host != "" {
			return location{}, fmt.Errorf("%q names the host %q: file URIs have none, write file:///path", uri, u.Host)
		}
	case slices.Contains(BucketSchemes, scheme):
		if u.Host == "" {
			return location{}, fmt.Errorf("%q names no bucket: write %s://<bucket>/<path>", uri, scheme)
		}
	default:
		return location{}, fmt.Errorf("%q: no file system for the scheme %q; the simulated file system serves file and %s",
			uri, u.Scheme, strings.Join(BucketSchemes, ", "))
	}
	p := u.Path
	if u.Opaque != "" { // file:relative
		return location{}, fmt.Errorf("%q is not an absolute path: write file:///path", uri)
	}
	if strings.Contains(p, "..") {
		for _, seg := range strings.Split(p, "/") {
			if seg == ".." {
				return location{}, fmt.Errorf("%q climbs with \"..\": give the path without it", uri)
			}
		}
	}
	p = path.Clean("/" + p)
	return location{scheme: scheme, bucket: u.Host, path: p}, nil
}

// root is the URI of the bucket (or of the file system's root).
func (l location) root() string { return l.scheme + "://" + l.bucket }

// String is the canonical URI: file:///a/b, s3://bucket/a/b, s3://bucket/ for a root.
func (l location) String() string { return l.root() + l.path }

// isRoot reports whether l is the bucket or file-system root.
func (l location) isRoot() bool { return l.path == "/" }

// parent is the directory holding l (the root's parent is the root).
func (l location) parent() location {
	l.path = path.Dir(l.path)
	return l
}

// dirPrefix is what the canonical URIs of everything under l start with.
func (l location) dirPrefix() string {
	if l.isRoot() {
		return l.String()
	}
	return l.String() + "/"
}

// Join joins a base URI and path elements with single slashes, keeping the
// scheme's "//": Join("s3://b/ha/", "cid", "/x") is s3://b/ha/cid/x.
func Join(base string, elem ...string) string {
	prefix, rest := "", base
	if i := strings.Index(base, "://"); i >= 0 {
		prefix, rest = base[:i+len("://")], base[i+len("://"):]
	}
	p := prefix + strings.TrimRight(rest, "/")
	for _, e := range elem {
		if e = strings.Trim(e, "/"); e != "" {
			p += "/" + e
		}
	}
	return p
}
