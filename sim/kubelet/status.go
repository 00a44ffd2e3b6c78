package kubelet

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func labelsEverything() labels.Selector { return labels.Everything() }

// podFinished: under restart policy Never or OnFailure, every main container ended
// for good.
func podFinished(policy corev1.RestartPolicy, mains []*ctr) bool {
	if policy == corev1.RestartPolicyAlways || len(mains) == 0 {
		return false
	}
	for _, c := range mains {
		if c.running || c.state.Terminated == nil || shouldRestart(policy, c.state.Terminated.ExitCode) {
			return false
		}
	}
	return true
}

func containerStatus(pod *corev1.Pod, c *ctr) corev1.ContainerStatus {
	st := corev1.ContainerStatus{
		Name: c.spec.Name, Image: c.spec.Image, ImageID: "sim.local/" + c.spec.Image,
		State: c.state, LastTerminationState: c.last, RestartCount: c.restarts,
	}
	if c.everRan {
		st.ContainerID = containerID(pod, c.spec.Name)
	}
	started := c.running
	st.Started = &started
	st.Ready = c.running
	return st
}

// phase derives the pod phase from its containers as the kubelet does.
func (w *podWorker) phase() corev1.PodPhase {
	if w.evicted != nil {
		return corev1.PodFailed
	}
	policy := w.pod.Spec.RestartPolicy
	for _, c := range w.inits {
		if c.sidecar {
			continue
		}
		if c.state.Terminated != nil && c.state.Terminated.ExitCode != 0 && policy == corev1.RestartPolicyNever {
			return corev1.PodFailed
		}
		if c.state.Terminated == nil || c.state.Terminated.ExitCode != 0 {
			return corev1.PodPending
		}
	}
	running, waiting, stopped, succeeded := 0, 0, 0, 0
	for _, c := range w.mains {
		switch {
		case c.running:
			running++
		case c.state.Terminated != nil:
			stopped++
			if c.state.Terminated.ExitCode == 0 {
				succeeded++
			}
		case c.state.Waiting != nil && c.last.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped > 0:
		switch {
		case w.terminated && stopped == succeeded:
			// The pod's termination stopped every container: no restart policy brings
			// them back, and the phase is terminal (getPhase with podIsTerminal).
			return corev1.PodSucceeded
		case w.terminated:
			return corev1.PodFailed
		case policy == corev1.RestartPolicyAlways:
			return corev1.PodRunning
		case stopped == succeeded:
			return corev1.PodSucceeded
		case policy == corev1.RestartPolicyNever:
			return corev1.PodFailed
		}
		return corev1.PodRunning
	}
	return corev1.PodPending
}

// status builds the pod status the kubelet reports.
func (w *podWorker) status() corev1.PodStatus {
	pod := w.pod
	st := pod.Status.DeepCopy()
	st.Phase = w.phase()
	if w.evicted != nil {
		st.Reason, st.Message = "Evicted", w.evicted.msg
	}
	if w.hostIP != "" {
		st.HostIP = w.hostIP
		st.HostIPs = []corev1.HostIP{{IP: w.hostIP}}
	}
	if w.prepared && w.ip != "" {
		st.PodIP = w.ip
		st.PodIPs = []corev1.PodIP{{IP: w.ip}}
		if st.StartTime == nil {
			t := metav1.NewTime(w.startAt)
			st.StartTime = &t
		}
	}
	st.InitContainerStatuses = nil
	for _, c := range w.inits {
		st.InitContainerStatuses = append(st.InitContainerStatuses, containerStatus(pod, c))
	}
	st.ContainerStatuses = nil
	allReady := len(w.mains) > 0
	for _, c := range w.mains {
		cs := containerStatus(pod, c)
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		allReady = allReady && cs.Ready
	}
	for _, c := range w.inits {
		if c.sidecar && !c.running {
			allReady = false
		}
	}
	initialized := !w.initializedAt.IsZero()
	cond := func(t corev1.PodConditionType, ok bool, reason string) {
		s := corev1.ConditionFalse
		if ok {
			s, reason = corev1.ConditionTrue, ""
		}
		setCondition(st, corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: metav1.NewTime(time.Now())})
	}
	// A pod in a terminal phase has had its sandbox torn down, and its readiness says
	// why it is over (generate*ConditionForTerminalPhase).
	notReady := "ContainersNotReady"
	switch st.Phase {
	case corev1.PodSucceeded:
		notReady = "PodCompleted"
	case corev1.PodFailed:
		notReady = "PodFailed"
	}
	terminal := notReady != "ContainersNotReady"
	cond("PodReadyToStartContainers", w.prepared && !terminal, "")
	cond(corev1.PodInitialized, initialized, "ContainersNotInitialized")
	cond(corev1.ContainersReady, allReady && st.Phase == corev1.PodRunning, notReady)
	cond(corev1.PodReady, allReady && st.Phase == corev1.PodRunning, notReady)
	return *st
}

// setCondition keeps a condition's transition time while its status is unchanged, also
// when its reason changes (the status manager's updateLastTransitionTime).
func setCondition(st *corev1.PodStatus, c corev1.PodCondition) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			if st.Conditions[i].Status == c.Status {
				c.LastTransitionTime = st.Conditions[i].LastTransitionTime
			}
			if st.Conditions[i].Status != c.Status || st.Conditions[i].Reason != c.Reason {
				st.Conditions[i] = c
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, c)
}

// publish writes the pod status when it changed, retrying on a stale object.
func (w *podWorker) publish(ctx context.Context) {
	if w.k.nodeStopped(w.pod.Spec.NodeName) {
		return // a stopped kubelet reports nothing; it catches up when it is back
	}
	st := w.status()
	if w.published != nil && equality.Semantic.DeepEqual(*w.published, st) {
		return
	}
	pods := w.k.cfg.Client.CoreV1().Pods(w.pod.Namespace)
	pod := w.pod
	for attempt := 0; attempt < 3 && ctx.Err() == nil; attempt++ {
		// A shallow copy: a client only reads the object it sends.
		upd := *pod
		upd.Status = st
		out, err := pods.UpdateStatus(ctx, &upd, metav1.UpdateOptions{})
		switch {
		case err == nil:
			w.pod = out
			w.published = &st
			return
		case apierrors.IsConflict(err):
			fresh, gerr := pods.Get(ctx, pod.Name, metav1.GetOptions{})
			if gerr != nil || fresh.UID != pod.UID {
				return
			}
			pod = fresh
			w.pod = fresh
			st = w.status()
		default:
			return
		}
	}
}
