package kubelet

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// podVolume is the content of one volume of a pod: files by path relative to the
// volume root. emptyDir volumes are writable and shared by the pod's containers;
// ConfigMap and Secret volumes are refreshed from the API on the kubelet's sync.
type podVolume struct {
	mu       sync.RWMutex
	name     string
	source   corev1.VolumeSource
	files    map[string][]byte
	writable bool
}

func (v *podVolume) snapshot() map[string][]byte {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.files
}

func (v *podVolume) write(rel string, data []byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	files := make(map[string][]byte, len(v.files)+1)
	for k, b := range v.files {
		files[k] = b
	}
	files[rel] = append([]byte(nil), data...)
	v.files = files
}

func (v *podVolume) set(files map[string][]byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.files = files
}

// volumeSources reads ConfigMaps and Secrets from the kubelet's caches.
type volumeSources struct {
	configMaps corelisters.ConfigMapLister
	secrets    corelisters.SecretLister
}

// mountError is why a volume cannot be set up yet; the pod stays ContainerCreating.
type mountError struct {
	volume string
	err    error
}

func (e *mountError) Error() string {
	return fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", e.volume, e.err)
}

// content computes the files of a ConfigMap, Secret, downward API or projected volume.
func (s volumeSources) content(pod *corev1.Pod, v corev1.Volume) (map[string][]byte, error) {
	src := v.VolumeSource
	switch {
	case src.ConfigMap != nil:
		return s.configMapFiles(pod.Namespace, src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional)
	case src.Secret != nil:
		return s.secretFiles(pod.Namespace, src.Secret.SecretName, src.Secret.Items, src.Secret.Optional)
	case src.DownwardAPI != nil:
		return downwardFiles(pod, src.DownwardAPI.Items)
	case src.Projected != nil:
		out := map[string][]byte{}
		for _, p := range src.Projected.Sources {
			var files map[string][]byte
			var err error
			switch {
			case p.ConfigMap != nil:
				files, err = s.configMapFiles(pod.Namespace, p.ConfigMap.Name, p.ConfigMap.Items, p.ConfigMap.Optional)
			case p.Secret != nil:
				files, err = s.secretFiles(pod.Namespace, p.Secret.Name, p.Secret.Items, p.Secret.Optional)
			case p.DownwardAPI != nil:
				files, err = downwardFiles(pod, p.DownwardAPI.Items)
			case p.ServiceAccountToken != nil:
				files = map[string][]byte{p.ServiceAccountToken.Path: []byte("sim-token-" + string(pod.UID))}
			}
			if err != nil {
				return nil, err
			}
			for k, b := range files {
				out[k] = b
			}
		}
		return out, nil
	}
	// emptyDir, hostPath, PVCs and the rest start empty.
	return map[string][]byte{}, nil
}

func (s volumeSources) configMapFiles(ns, name string, items []corev1.KeyToPath, optional *bool) (map[string][]byte, error) {
	cm, err := s.configMaps.ConfigMaps(ns).Get(name)
	if apierrors.IsNotFound(err) {
		if optional != nil && *optional {
			return map[string][]byte{}, nil
		}
		return nil, fmt.Errorf("configmap %q not found", name)
	}
	if err != nil {
		return nil, err
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return project(data, items, optional, fmt.Sprintf("configmap %q", name))
}

func (s volumeSources) secretFiles(ns, name string, items []corev1.KeyToPath, optional *bool) (map[string][]byte, error) {
	sec, err := s.secrets.Secrets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		if optional != nil && *optional {
			return map[string][]byte{}, nil
		}
		return nil, fmt.Errorf("secret %q not found", name)
	}
	if err != nil {
		return nil, err
	}
	return project(sec.Data, items, optional, fmt.Sprintf("secret %q", name))
}

// project applies a volume's items: only the listed keys, at their paths.
func project(data map[string][]byte, items []corev1.KeyToPath, optional *bool, what string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = v
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return nil, fmt.Errorf("%s: references non-existent config key: %s", what, it.Key)
		}
		out[it.Path] = v
	}
	return out, nil
}

func downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, it := range items {
		if it.FieldRef == nil {
			continue
		}
		v, err := fieldValue(pod, it.FieldRef.FieldPath)
		if err != nil {
			return nil, err
		}
		out[it.Path] = []byte(v)
	}
	return out, nil
}

// mount is one volume mount of a container.
type mount struct {
	path    string // absolute, cleaned, without the leading slash
	volume  *podVolume
	subPath string
	// frozen is the content of a subPath mount of a ConfigMap or Secret: the kubelet
	// does not update subPath mounts.
	frozen map[string][]byte
}

// containerFS is a container's file system: image files under its mounts.
type containerFS struct {
	image   map[string][]byte // absolute paths without the leading slash
	mounts  []mount           // longest path first
	private *podVolume        // the container's own writable layer
}

func newContainerFS(img *Image, mounts []mount) *containerFS {
	files := map[string][]byte{}
	for p, b := range img.Files {
		files[strings.TrimPrefix(path.Clean(p), "/")] = b
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i].path) > len(mounts[j].path) })
	return &containerFS{image: files, mounts: mounts, private: &podVolume{name: "rootfs", files: map[string][]byte{}, writable: true}}
}

// view builds the merged tree; volumes are small, so a fresh map per open keeps the
// code simple and the content always current.
func (c *containerFS) view() fstest.MapFS {
	m := fstest.MapFS{}
	now := time.Now()
	put := func(p string, b []byte) { m[p] = &fstest.MapFile{Data: b, Mode: 0o644, ModTime: now} }
	for p, b := range c.image {
		if !c.shadowed(p) {
			put(p, b)
		}
	}
	for p, b := range c.private.snapshot() {
		if !c.shadowed(p) {
			put(p, b)
		}
	}
	for i := len(c.mounts) - 1; i >= 0; i-- {
		mt := c.mounts[i]
		files := mt.frozen
		if files == nil {
			files = mt.volume.snapshot()
		}
		if mt.subPath != "" {
			if b, ok := files[mt.subPath]; ok {
				put(mt.path, b)
				continue
			}
			prefix := mt.subPath + "/"
			for p, b := range files {
				if strings.HasPrefix(p, prefix) {
					put(path.Join(mt.path, strings.TrimPrefix(p, prefix)), b)
				}
			}
			continue
		}
		m[mt.path] = &fstest.MapFile{Mode: fs.ModeDir | 0o755, ModTime: now}
		for p, b := range files {
			put(path.Join(mt.path, p), b)
		}
	}
	return m
}

// shadowed: a path under a mount point is hidden by the mount.
func (c *containerFS) shadowed(p string) bool {
	for _, mt := range c.mounts {
		if p == mt.path || strings.HasPrefix(p, mt.path+"/") {
			return true
		}
	}
	return false
}

func (c *containerFS) Open(name string) (fs.File, error) { return c.view().Open(name) }

// write stores a file: into the volume mounted there if writable, else into the
// container's own layer. Read-only volumes refuse.
func (c *containerFS) write(abs string, data []byte) error {
	p := strings.TrimPrefix(path.Clean(abs), "/")
	for _, mt := range c.mounts {
		if p == mt.path || strings.HasPrefix(p, mt.path+"/") {
			if !mt.volume.writable {
				return &fs.PathError{Op: "open", Path: abs, Err: fmt.Errorf("read-only file system")}
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(p, mt.path), "/")
			if mt.subPath != "" {
				rel = path.Join(mt.subPath, rel)
			}
			mt.volume.write(rel, data)
			return nil
		}
	}
	c.private.write(p, data)
	return nil
}
