package kubelet

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"

	"flinksim/process"
)

// Image is a container image as the simulated registry knows it: its default command,
// the programs on its PATH (bound to in-process Go entrypoints) and its files.
type Image struct {
	// Name is the repository, e.g. "apache/flink" or "busybox"; Tag "" matches any tag.
	Name string
	Tag  string
	// Entrypoint and Cmd are the image's ENTRYPOINT and CMD.
	Entrypoint []string
	Cmd        []string
	// Programs binds executable names (base names, e.g. "kubernetes-jobmanager.sh" or
	// "/docker-entrypoint.sh") to Go entrypoints.
	Programs map[string]process.Program
	// Files are the image's files by absolute path (e.g. a job jar under
	// /opt/flink/usrlib, as `FROM flink` + `COPY` builds one).
	Files map[string][]byte
	// Env is the image's ENV.
	Env map[string]string
}

// size is the image's size as a pull reports it: the bytes of its files.
func (img *Image) size() int {
	n := 0
	for _, b := range img.Files {
		n += len(b)
	}
	return n
}

// Registry is the simulated image registry.
type Registry struct {
	mu     sync.RWMutex
	images []*Image
}

// NewRegistry makes a registry holding the given images.
func NewRegistry(images ...*Image) *Registry {
	r := &Registry{}
	for _, img := range images {
		r.Push(img)
	}
	return r
}

// Push adds or replaces an image.
func (r *Registry) Push(img *Image) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.images {
		if x.Name == img.Name && x.Tag == img.Tag {
			r.images[i] = img
			return
		}
	}
	r.images = append(r.images, img)
}

// ParseReference splits an image reference into repository and tag, dropping the
// default registry host and the library/ prefix as Docker does: "flink" and
// "docker.io/library/flink:latest" name the same image.
func ParseReference(ref string) (name, tag string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	name, tag = ref, "latest"
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, tag = ref[:i], ref[i+1:]
	}
	name = strings.TrimPrefix(name, "docker.io/")
	name = strings.TrimPrefix(name, "library/")
	return name, tag
}

// Pull finds an image; the error is worded as the kubelet reports ErrImagePull.
func (r *Registry) Pull(ref string) (*Image, error) {
	name, tag := ParseReference(ref)
	r.mu.RLock()
	defer r.mu.RUnlock()
	var any *Image
	for _, img := range r.images {
		if img.Name != name {
			continue
		}
		if img.Tag == tag {
			return img, nil
		}
		if img.Tag == "" {
			any = img
		}
	}
	if any != nil {
		return any, nil
	}
	return nil, fmt.Errorf("failed to pull and unpack image %q: failed to resolve reference %q: %s: not found", ref, ref, ref)
}

// program finds an executable of the image by absolute path or base name.
func (img *Image) program(name string) (process.Program, bool) {
	if p, ok := img.Programs[name]; ok {
		return p, true
	}
	p, ok := img.Programs[path.Base(name)]
	return p, ok
}

// Pause is the image that runs forever doing nothing (registry.k8s.io/pause).
func Pause() *Image {
	return &Image{Name: "registry.k8s.io/pause", Entrypoint: []string{"/pause"},
		Programs: map[string]process.Program{"/pause": sleepForever}}
}

// Busybox is a small image with the toolbox of shell commands (CMD ["sh"]).
func Busybox() *Image {
	return &Image{Name: "busybox", Cmd: []string{"sh"}, Programs: Toolbox()}
}

func sleepForever(ctx context.Context, _ *process.Env) error {
	<-ctx.Done()
	return ctx.Err()
}
