package controller

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Recorder records events as client-go's event recorder makes them: named
// <object>.<hex nanoseconds>, the source and the reporting controller the component's,
// a cluster-scoped object's events in the default namespace. The simulator's clock
// stands still within an instant, so events recorded at one instant would share a
// name: the nanoseconds then move on by a count kept per object, which stays
// deterministic as long as one goroutine at a time records about an object (a work
// queue's key, a pod's worker). Slot keeps the names of components that record about
// the same objects apart (the scheduler and the kubelet about pods), and orders them:
// at one instant, the events of a lower slot list first.
type Recorder struct {
	Client    kubernetes.Interface
	Component string // Source.Component and ReportingController
	Slot      int64  // 0 to Slots-1
	Disabled  bool   // records nothing (sim.Config.NoEvents)
	Log       *slog.Logger

	mu  sync.Mutex
	at  time.Time
	seq map[string]int64 // object → events recorded about it at the instant at
}

// Slots is how many components can record about the same objects without their
// events' names meeting.
const Slots = 8

// Eventf records an event about ref.
func (r *Recorder) Eventf(ctx context.Context, ref *corev1.ObjectReference, typ, reason, format string, args ...any) {
	if r.Disabled {
		return
	}
	r.Record(ctx, ref, "", typ, reason, fmt.Sprintf(format, args...))
}

// Record records an event about ref from host (the kubelet's node; empty for a
// controller).
func (r *Recorder) Record(ctx context.Context, ref *corev1.ObjectReference, host, typ, reason, msg string) {
	if r.Disabled {
		return
	}
	ns := ref.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	ts := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", ref.Name, ts.UnixNano()+r.next(ref, ts.Time)), Namespace: ns},
		InvolvedObject: *ref, Reason: reason, Message: msg, Type: typ,
		Source:         corev1.EventSource{Component: r.Component, Host: host},
		FirstTimestamp: ts, LastTimestamp: ts, Count: 1,
		ReportingController: r.Component, ReportingInstance: host,
	}
	if _, err := r.Client.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil && ctx.Err() == nil && r.Log != nil {
		r.Log.Debug(r.Component+": recording event", "reason", reason, "object", ref.Name, "err", err)
	}
}

// next is the offset of the next event about ref at the instant now.
func (r *Recorder) next(ref *corev1.ObjectReference, now time.Time) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !now.Equal(r.at) {
		if now.Before(r.at) {
			// A wall clock that went back: names stay apart by the instant alone.
			return r.Slot
		}
		r.at, r.seq = now, map[string]int64{}
	}
	key := ref.Kind + "/" + ref.Namespace + "/" + ref.Name
	n := r.seq[key]
	r.seq[key] = n + 1
	return n*Slots + r.Slot
}
