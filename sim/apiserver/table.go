package apiserver

import (
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// table holds the objects of one resource type, its recent events (for watches that
// start from a resourceVersion) and its open watches.
type table struct {
	info    *resourceInfo
	objects map[string]map[string]runtime.Object // namespace → name → object

	history   []event // ring buffer of the newest events
	head      int     // index of the oldest event in history
	size      int
	compacted uint64 // newest resourceVersion that has left the history

	watchers map[*watcher]struct{}
}

type event struct {
	rv   uint64
	typ  watch.EventType
	obj  runtime.Object // state after the change; for DELETED the last state
	prev runtime.Object // state before the change (nil for ADDED)
}

func newTable(info *resourceInfo) *table {
	return &table{info: info, objects: map[string]map[string]runtime.Object{}, watchers: map[*watcher]struct{}{}}
}

func (t *table) get(ns, name string) runtime.Object {
	return t.objects[ns][name]
}

func (t *table) put(ns, name string, obj runtime.Object) {
	m := t.objects[ns]
	if m == nil {
		m = map[string]runtime.Object{}
		t.objects[ns] = m
	}
	m[name] = obj
}

func (t *table) remove(ns, name string) {
	if m := t.objects[ns]; m != nil {
		delete(m, name)
		if len(m) == 0 {
			delete(t.objects, ns)
		}
	}
}

// sorted returns the stored objects of ns ("" = all) in etcd key order.
func (t *table) sorted(ns string) []runtime.Object {
	var namespaces []string
	if ns != "" || !t.info.namespaced {
		namespaces = []string{ns}
	} else {
		for n := range t.objects {
			namespaces = append(namespaces, n)
		}
		sort.Strings(namespaces)
	}
	var out []runtime.Object
	for _, n := range namespaces {
		m := t.objects[n]
		names := make([]string, 0, len(m))
		for name := range m {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			out = append(out, m[name])
		}
	}
	return out
}

// selected returns the stored objects of ns ("" = all) that keep accepts, in etcd key
// order. It sorts only what it selects: a selective list over many objects costs one
// pass, not a sort of them all.
func (t *table) selected(ns string, keep func(obj runtime.Object) bool) []runtime.Object {
	type keyed struct {
		key string
		obj runtime.Object
	}
	var found []keyed
	add := func(namespace string, m map[string]runtime.Object) {
		for name, obj := range m {
			if keep(obj) {
				found = append(found, keyed{namespace + "/" + name, obj})
			}
		}
	}
	if ns != "" || !t.info.namespaced {
		add(ns, t.objects[ns])
	} else {
		for namespace, m := range t.objects {
			add(namespace, m)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].key < found[j].key })
	out := make([]runtime.Object, len(found))
	for i, k := range found {
		out[i] = k.obj
	}
	return out
}

func (t *table) count() int {
	n := 0
	for _, m := range t.objects {
		n += len(m)
	}
	return n
}

// record appends an event to the history and delivers it to the open watches.
func (t *table) record(capacity int, e event) {
	if t.history == nil {
		t.history = make([]event, capacity)
	}
	if t.size == len(t.history) {
		t.compacted = t.history[t.head].rv
		t.history[t.head] = e
		t.head = (t.head + 1) % len(t.history)
	} else {
		t.history[(t.head+t.size)%len(t.history)] = e
		t.size++
	}
	for w := range t.watchers {
		w.deliver(e)
	}
}

// since returns the kept events newer than rv. It fails, with the newest version it can
// no longer replay from, when events after rv have left the history or rv is older than
// floor (where the server's history begins).
func (t *table) since(rv, floor uint64) ([]event, uint64, bool) {
	limit := max(t.compacted, floor)
	if rv < limit {
		return nil, limit, false
	}
	var out []event
	for i := 0; i < t.size; i++ {
		e := t.history[(t.head+i)%len(t.history)]
		if e.rv > rv {
			out = append(out, e)
		}
	}
	return out, limit, true
}

// filter is what a list or watch selects: a namespace, labels and fields.
type filter struct {
	namespace string
	labels    labels.Selector
	fields    fields.Selector
	info      *resourceInfo
}

func (f *filter) matches(obj runtime.Object) bool {
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	if f.namespace != "" && m.GetNamespace() != f.namespace {
		return false
	}
	if f.labels != nil && !f.labels.Empty() && !f.labels.Matches(labels.Set(m.GetLabels())) {
		return false
	}
	if f.fields != nil && !f.fields.Empty() {
		set := fields.Set{"metadata.name": m.GetName(), "metadata.namespace": m.GetNamespace()}
		if f.info.fieldLabels != nil {
			for k, v := range f.info.fieldLabels(obj) {
				set[k] = v
			}
		}
		if !f.fields.Matches(set) {
			return false
		}
	}
	return true
}
