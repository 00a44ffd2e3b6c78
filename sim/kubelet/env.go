package kubelet

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// fieldValue reads a downward-API field of the pod.
func fieldValue(pod *corev1.Pod, fieldPath string) (string, error) {
	switch fieldPath {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		return pod.Status.PodIP, nil
	case "status.hostIP":
		return pod.Status.HostIP, nil
	}
	for _, prefix := range []string{"metadata.labels", "metadata.annotations"} {
		if strings.HasPrefix(fieldPath, prefix+"['") && strings.HasSuffix(fieldPath, "']") {
			key := fieldPath[len(prefix)+2 : len(fieldPath)-2]
			if prefix == "metadata.labels" {
				return pod.Labels[key], nil
			}
			return pod.Annotations[key], nil
		}
	}
	return "", fmt.Errorf("unsupported fieldPath: %s", fieldPath)
}

// configError is why a container cannot be configured yet
// (CreateContainerConfigError): a missing ConfigMap, Secret or key.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

// containerEnv resolves a container's environment as the kubelet does: envFrom first,
// then env in order (later entries win), $(VAR) references to earlier ones expanded.
func (s volumeSources) containerEnv(pod *corev1.Pod, c *corev1.Container, img *Image) (map[string]string, error) {
	env := map[string]string{
		"HOSTNAME":                pod.Name,
		"KUBERNETES_SERVICE_HOST": "10.96.0.1",
		"KUBERNETES_SERVICE_PORT": "443",
		"PATH":                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	}
	for k, v := range img.Env {
		env[k] = v
	}
	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			cm, err := s.configMaps.ConfigMaps(pod.Namespace).Get(from.ConfigMapRef.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional {
					continue
				}
				return nil, &configError{fmt.Sprintf("configmap %q not found", from.ConfigMapRef.Name)}
			}
			data = cm.Data
		case from.SecretRef != nil:
			sec, err := s.secrets.Secrets(pod.Namespace).Get(from.SecretRef.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && from.SecretRef.Optional != nil && *from.SecretRef.Optional {
					continue
				}
				return nil, &configError{fmt.Sprintf("secret %q not found", from.SecretRef.Name)}
			}
			data = map[string]string{}
			for k, v := range sec.Data {
				data[k] = string(v)
			}
		}
		for k, v := range data {
			env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = expandRefs(e.Value, env)
			continue
		}
		r := e.ValueFrom
		switch {
		case r.FieldRef != nil:
			v, err := fieldValue(pod, r.FieldRef.FieldPath)
			if err != nil {
				return nil, &configError{err.Error()}
			}
			env[e.Name] = v
		case r.SecretKeyRef != nil:
			ref := r.SecretKeyRef
			sec, err := s.secrets.Secrets(pod.Namespace).Get(ref.Name)
			if err != nil {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, &configError{fmt.Sprintf("secret %q not found", ref.Name)}
			}
			v, ok := sec.Data[ref.Key]
			if !ok {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, &configError{fmt.Sprintf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)}
			}
			env[e.Name] = string(v)
		case r.ConfigMapKeyRef != nil:
			ref := r.ConfigMapKeyRef
			cm, err := s.configMaps.ConfigMaps(pod.Namespace).Get(ref.Name)
			if err != nil {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, &configError{fmt.Sprintf("configmap %q not found", ref.Name)}
			}
			v, ok := cm.Data[ref.Key]
			if !ok {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, &configError{fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)}
			}
			env[e.Name] = v
		case r.ResourceFieldRef != nil:
			env[e.Name] = resourceValue(c, r.ResourceFieldRef)
		}
	}
	return env, nil
}

// expandRefs expands $(VAR) references to variables defined before, as Kubernetes does.
func expandRefs(s string, env map[string]string) string {
	if !strings.Contains(s, "$(") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if s[i] == '$' && i+1 < len(s) && s[i+1] == '(' {
			if j := strings.IndexByte(s[i:], ')'); j > 0 {
				name := s[i+2 : i+j]
				if v, ok := env[name]; ok {
					b.WriteString(v)
					i += j
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func resourceValue(c *corev1.Container, ref *corev1.ResourceFieldSelector) string {
	var q = c.Resources.Limits
	name := ref.Resource
	if strings.HasPrefix(name, "requests.") {
		q = c.Resources.Requests
		name = strings.TrimPrefix(name, "requests.")
	} else {
		name = strings.TrimPrefix(name, "limits.")
	}
	v, ok := q[corev1.ResourceName(name)]
	if !ok {
		return ""
	}
	if ref.Divisor.IsZero() {
		return v.String()
	}
	return fmt.Sprint(v.MilliValue() / ref.Divisor.MilliValue())
}
