package apiserver

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// DefaultTolerationSeconds is how long the DefaultTolerationSeconds admission plugin lets
// a pod stay on a node that turned NotReady or unreachable (the kube-apiserver flags
// --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds).
const DefaultTolerationSeconds int64 = 300

// admit runs the mutating admission plugins the simulated server models, on a create or
// an update of the main resource (not a subresource), after defaulting and before
// validation, as the real server's admission chain does.
func admit(req Request, obj runtime.Object) {
	if req.Subresource != "" {
		return
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		AddDefaultTolerations(&pod.Spec)
	}
}

// AddDefaultTolerations is the DefaultTolerationSeconds admission plugin: a pod that
// does not tolerate node.kubernetes.io/not-ready:NoExecute (or unreachable) gets a
// toleration of it, operator Exists, for DefaultTolerationSeconds. A toleration counts
// when its key is the taint's or empty and its effect NoExecute or empty — whatever its
// operator, value and tolerationSeconds, exactly as the plugin checks.
func AddDefaultTolerations(spec *corev1.PodSpec) {
	notReady, unreachable := false, false
	for _, t := range spec.Tolerations {
		if t.Effect != corev1.TaintEffectNoExecute && t.Effect != "" {
			continue
		}
		notReady = notReady || t.Key == corev1.TaintNodeNotReady || t.Key == ""
		unreachable = unreachable || t.Key == corev1.TaintNodeUnreachable || t.Key == ""
	}
	if !notReady {
		spec.Tolerations = append(spec.Tolerations, defaultToleration(corev1.TaintNodeNotReady))
	}
	if !unreachable {
		spec.Tolerations = append(spec.Tolerations, defaultToleration(corev1.TaintNodeUnreachable))
	}
}

func defaultToleration(key string) corev1.Toleration {
	return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute,
		TolerationSeconds: ptr(DefaultTolerationSeconds)}
}
