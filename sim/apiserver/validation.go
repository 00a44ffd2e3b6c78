package apiserver

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxConfigSize is the limit on the data of a ConfigMap or Secret (1 MiB).
const maxConfigSize = 1024 * 1024

func nameRule(obj runtime.Object) validation.ValidateNameFunc {
	switch obj.(type) {
	case *corev1.Service:
		// RelaxedServiceNameValidation (on since v1.34): DNS-1123 labels, not DNS-1035.
		return validation.NameIsDNSLabel
	case *corev1.Namespace:
		return validation.NameIsDNSLabel
	case *rbacv1.Role, *rbacv1.ClusterRole, *rbacv1.RoleBinding, *rbacv1.ClusterRoleBinding:
		return path.ValidatePathSegmentName
	}
	return validation.NameIsDNSSubdomain
}

func (s *Server) validateCreate(t *table, obj runtime.Object) field.ErrorList {
	m, _ := meta.Accessor(obj)
	errs := validation.ValidateObjectMetaAccessor(m, t.info.namespaced, nameRule(obj), field.NewPath("metadata"))
	return append(errs, validateKind(obj, nil)...)
}

func (s *Server) validateUpdate(t *table, obj, old runtime.Object) field.ErrorList {
	m, _ := meta.Accessor(obj)
	om, _ := meta.Accessor(old)
	errs := validation.ValidateObjectMetaAccessor(m, t.info.namespaced, nameRule(obj), field.NewPath("metadata"))
	errs = append(errs, validation.ValidateObjectMetaAccessorUpdate(m, om, field.NewPath("metadata"))...)
	return append(errs, validateKind(obj, old)...)
}

// validateKind is the per-kind validation; old is nil on create.
func validateKind(obj, old runtime.Object) field.ErrorList {
	switch o := obj.(type) {
	case *corev1.Pod:
		errs := validatePodSpec(&o.Spec, field.NewPath("spec"))
		if old != nil {
			errs = append(errs, validatePodUpdate(o, old.(*corev1.Pod))...)
		}
		return errs
	case *corev1.Service:
		errs := validateService(o)
		if old != nil {
			errs = append(errs, validateServiceUpdate(o, old.(*corev1.Service))...)
		}
		return errs
	case *corev1.ConfigMap:
		var errs field.ErrorList
		if old != nil {
			prev := old.(*corev1.ConfigMap)
			if prev.Immutable != nil && *prev.Immutable {
				errs = append(errs, immutableData(o.Immutable, map[string]bool{
					"data":       !reflect.DeepEqual(o.Data, prev.Data),
					"binaryData": !reflect.DeepEqual(o.BinaryData, prev.BinaryData),
				})...)
			}
		}
		return append(errs, validateConfigMapData(o.Data, o.BinaryData)...)
	case *corev1.Secret:
		var errs field.ErrorList
		if old != nil {
			prev := old.(*corev1.Secret)
			errs = append(errs, validation.ValidateImmutableField(o.Type, prev.Type, field.NewPath("type"))...)
			if prev.Immutable != nil && *prev.Immutable {
				errs = append(errs, immutableData(o.Immutable, map[string]bool{"data": !reflect.DeepEqual(o.Data, prev.Data)})...)
			}
		}
		return append(errs, validateSecret(o)...)
	case *appsv1.Deployment:
		p := field.NewPath("spec")
		errs := validateWorkload(o.Spec.Replicas, o.Spec.Selector, &o.Spec.Template, p)
		if old != nil {
			errs = append(errs, validation.ValidateImmutableField(o.Spec.Selector, old.(*appsv1.Deployment).Spec.Selector, p.Child("selector"))...)
		}
		return errs
	case *appsv1.ReplicaSet:
		p := field.NewPath("spec")
		errs := validateWorkload(o.Spec.Replicas, o.Spec.Selector, &o.Spec.Template, p)
		if old != nil {
			errs = append(errs, validation.ValidateImmutableField(o.Spec.Selector, old.(*appsv1.ReplicaSet).Spec.Selector, p.Child("selector"))...)
		}
		return errs
	case *coordinationv1.Lease:
		return validateLeaseSpec(&o.Spec, field.NewPath("spec"))
	case *rbacv1.Role:
		return validateRules(o.Rules, true)
	case *rbacv1.ClusterRole:
		return validateRules(o.Rules, false)
	case *rbacv1.RoleBinding:
		errs := validateBinding(o.RoleRef, o.Subjects, true)
		if old != nil {
			errs = append(errs, validation.ValidateImmutableField(o.RoleRef, old.(*rbacv1.RoleBinding).RoleRef, field.NewPath("roleRef"))...)
		}
		return errs
	case *rbacv1.ClusterRoleBinding:
		errs := validateBinding(o.RoleRef, o.Subjects, false)
		if old != nil {
			errs = append(errs, validation.ValidateImmutableField(o.RoleRef, old.(*rbacv1.ClusterRoleBinding).RoleRef, field.NewPath("roleRef"))...)
		}
		return errs
	}
	return nil
}

func validateLeaseSpec(spec *coordinationv1.LeaseSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.LeaseDurationSeconds != nil && *spec.LeaseDurationSeconds <= 0 {
		errs = append(errs, field.Invalid(p.Child("leaseDurationSeconds"), spec.LeaseDurationSeconds, "must be greater than 0"))
	}
	if spec.LeaseTransitions != nil && *spec.LeaseTransitions < 0 {
		errs = append(errs, field.Invalid(p.Child("leaseTransitions"), spec.LeaseTransitions, "must be greater than or equal to 0"))
	}
	if spec.PreferredHolder != nil && *spec.PreferredHolder != "" && (spec.Strategy == nil || *spec.Strategy == "") {
		errs = append(errs, field.Forbidden(p.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return errs
}

func validateRules(rules []rbacv1.PolicyRule, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	for i, rule := range rules {
		p := field.NewPath("rules").Index(i)
		if len(rule.Verbs) == 0 {
			errs = append(errs, field.Required(p.Child("verbs"), "verbs must contain at least one value"))
		}
		if len(rule.NonResourceURLs) > 0 {
			if namespaced {
				errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), rule.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
			}
			if len(rule.APIGroups) > 0 || len(rule.Resources) > 0 || len(rule.ResourceNames) > 0 {
				errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), rule.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
			}
			continue
		}
		if len(rule.APIGroups) == 0 {
			errs = append(errs, field.Required(p.Child("apiGroups"), "resource rules must supply at least one api group"))
		}
		if len(rule.Resources) == 0 {
			errs = append(errs, field.Required(p.Child("resources"), "resource rules must supply at least one resource"))
		}
	}
	return errs
}

func validateBinding(ref rbacv1.RoleRef, subjects []rbacv1.Subject, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	if ref.APIGroup != rbacv1.GroupName {
		errs = append(errs, field.NotSupported(field.NewPath("roleRef", "apiGroup"), ref.APIGroup, []string{rbacv1.GroupName}))
	}
	kinds := []string{"Role", "ClusterRole"}
	if !namespaced {
		kinds = []string{"ClusterRole"}
	}
	if !slices.Contains(kinds, ref.Kind) {
		errs = append(errs, field.NotSupported(field.NewPath("roleRef", "kind"), ref.Kind, kinds))
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(field.NewPath("roleRef", "name"), ""))
	} else {
		for _, msg := range path.ValidatePathSegmentName(ref.Name, false) {
			errs = append(errs, field.Invalid(field.NewPath("roleRef", "name"), ref.Name, msg))
		}
	}
	for i, subject := range subjects {
		p := field.NewPath("subjects").Index(i)
		if subject.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		switch subject.Kind {
		case rbacv1.ServiceAccountKind:
			if subject.Name != "" {
				for _, msg := range validation.ValidateServiceAccountName(subject.Name, false) {
					errs = append(errs, field.Invalid(p.Child("name"), subject.Name, msg))
				}
			}
			if subject.APIGroup != "" {
				errs = append(errs, field.NotSupported(p.Child("apiGroup"), subject.APIGroup, []string{""}))
			}
			if !namespaced && subject.Namespace == "" {
				errs = append(errs, field.Required(p.Child("namespace"), ""))
			}
		case rbacv1.UserKind, rbacv1.GroupKind:
			if subject.APIGroup != rbacv1.GroupName {
				errs = append(errs, field.NotSupported(p.Child("apiGroup"), subject.APIGroup, []string{rbacv1.GroupName}))
			}
		default:
			errs = append(errs, field.NotSupported(p.Child("kind"), subject.Kind, []string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}))
		}
	}
	return errs
}

func validateWorkload(replicas *int32, sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if replicas != nil && *replicas < 0 {
		errs = append(errs, validation.ValidateNonnegativeField(int64(*replicas), p.Child("replicas"))...)
	}
	if sel == nil {
		errs = append(errs, field.Required(p.Child("selector"), ""))
	} else {
		errs = append(errs, metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
		if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(p.Child("selector"), sel, "empty selector is invalid for deployment"))
		}
	}
	tp := p.Child("template")
	errs = append(errs, metavalidation.ValidateLabels(tmpl.Labels, tp.Child("metadata", "labels"))...)
	if sel != nil {
		if s, err := metav1.LabelSelectorAsSelector(sel); err == nil && !s.Empty() && !s.Matches(labels.Set(tmpl.Labels)) {
			errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), tmpl.Labels, "`selector` does not match template `labels`"))
		}
	}
	sp := tp.Child("spec")
	errs = append(errs, validatePodSpec(&tmpl.Spec, sp)...)
	if tmpl.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(sp.Child("restartPolicy"), tmpl.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
	}
	return errs
}

func validatePodSpec(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	volumes := sets.New[string]()
	for i, v := range s.Volumes {
		vp := p.Child("volumes").Index(i)
		switch {
		case v.Name == "":
			errs = append(errs, field.Required(vp.Child("name"), ""))
		case volumes.Has(v.Name):
			errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
		default:
			for _, msg := range utilvalidation.IsDNS1123Label(v.Name) {
				errs = append(errs, field.Invalid(vp.Child("name"), v.Name, msg))
			}
		}
		volumes.Insert(v.Name)
		if v.ConfigMap != nil && v.ConfigMap.Name == "" {
			errs = append(errs, field.Required(vp.Child("configMap", "name"), ""))
		}
		if v.Secret != nil && v.Secret.SecretName == "" {
			errs = append(errs, field.Required(vp.Child("secret", "secretName"), ""))
		}
	}
	if len(s.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), ""))
	}
	names := sets.New[string]()
	for i := range s.InitContainers {
		errs = append(errs, validateContainer(&s.InitContainers[i], volumes, names, p.Child("initContainers").Index(i))...)
	}
	for i := range s.Containers {
		errs = append(errs, validateContainer(&s.Containers[i], volumes, names, p.Child("containers").Index(i))...)
	}
	switch s.RestartPolicy {
	case corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	case "":
		errs = append(errs, field.Required(p.Child("restartPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(p.Child("restartPolicy"), s.RestartPolicy, []string{"Always", "OnFailure", "Never"}))
	}
	switch s.DNSPolicy {
	case corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet, corev1.DNSDefault, corev1.DNSNone:
	default:
		errs = append(errs, field.NotSupported(p.Child("dnsPolicy"), s.DNSPolicy, []string{"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"}))
	}
	if s.TerminationGracePeriodSeconds != nil && *s.TerminationGracePeriodSeconds < 0 {
		errs = append(errs, validation.ValidateNonnegativeField(*s.TerminationGracePeriodSeconds, p.Child("terminationGracePeriodSeconds"))...)
	}
	if s.ServiceAccountName != "" {
		for _, msg := range validation.ValidateServiceAccountName(s.ServiceAccountName, false) {
			errs = append(errs, field.Invalid(p.Child("serviceAccountName"), s.ServiceAccountName, msg))
		}
	}
	for k, v := range s.NodeSelector {
		errs = append(errs, metavalidation.ValidateLabels(map[string]string{k: v}, p.Child("nodeSelector"))...)
	}
	return errs
}

func validateContainer(c *corev1.Container, volumes, names sets.Set[string], p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case c.Name == "":
		errs = append(errs, field.Required(p.Child("name"), ""))
	case names.Has(c.Name):
		errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
	default:
		for _, msg := range utilvalidation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), c.Name, msg))
		}
	}
	names.Insert(c.Name)
	if strings.TrimSpace(c.Image) == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	switch c.ImagePullPolicy {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		errs = append(errs, field.NotSupported(p.Child("imagePullPolicy"), c.ImagePullPolicy, []string{"Always", "IfNotPresent", "Never"}))
	}
	portNames := sets.New[string]()
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		if port.Name != "" {
			for _, msg := range utilvalidation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
			if portNames.Has(port.Name) {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			portNames.Insert(port.Name)
		}
		if port.ContainerPort == 0 {
			errs = append(errs, field.Required(pp.Child("containerPort"), ""))
		} else {
			for _, msg := range utilvalidation.IsValidPortNum(int(port.ContainerPort)) {
				errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, msg))
			}
		}
		if port.HostPort != 0 {
			for _, msg := range utilvalidation.IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, field.Invalid(pp.Child("hostPort"), port.HostPort, msg))
			}
		}
		switch port.Protocol {
		case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		default:
			errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, []string{"SCTP", "TCP", "UDP"}))
		}
	}
	mountPaths := sets.New[string]()
	for i, vm := range c.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		switch {
		case vm.Name == "":
			errs = append(errs, field.Required(mp.Child("name"), ""))
		case !volumes.Has(vm.Name):
			errs = append(errs, field.NotFound(mp.Child("name"), vm.Name))
		}
		if vm.MountPath == "" {
			errs = append(errs, field.Required(mp.Child("mountPath"), ""))
		} else if mountPaths.Has(vm.MountPath) {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), vm.MountPath, "must be unique"))
		}
		mountPaths.Insert(vm.MountPath)
	}
	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		if e.Name == "" {
			errs = append(errs, field.Required(ep.Child("name"), ""))
		}
		if e.Value != "" && e.ValueFrom != nil {
			errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not be specified when `value` is not empty"))
		}
		if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil {
			if r.SecretKeyRef.Name == "" {
				errs = append(errs, field.Required(ep.Child("valueFrom", "secretKeyRef", "name"), ""))
			}
			if r.SecretKeyRef.Key == "" {
				errs = append(errs, field.Required(ep.Child("valueFrom", "secretKeyRef", "key"), ""))
			}
		}
	}
	for name, req := range c.Resources.Requests {
		if lim, ok := c.Resources.Limits[name]; ok && req.Cmp(lim) > 0 {
			errs = append(errs, field.Invalid(p.Child("resources", "requests").Key(string(name)), req.String(),
				fmt.Sprintf("must be less than or equal to %s limit of %s", name, lim.String())))
		}
	}
	return errs
}

// validatePodUpdate allows only the pod fields a real server lets change.
func validatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	if pod.Generation == old.Generation {
		return nil // the update strategy found the spec unchanged
	}
	a, b := old.Spec.DeepCopy(), pod.Spec.DeepCopy()
	for i := range b.Containers {
		if i < len(a.Containers) {
			a.Containers[i].Image = b.Containers[i].Image
		}
	}
	for i := range b.InitContainers {
		if i < len(a.InitContainers) {
			a.InitContainers[i].Image = b.InitContainers[i].Image
		}
	}
	a.ActiveDeadlineSeconds = b.ActiveDeadlineSeconds
	if len(b.Tolerations) >= len(a.Tolerations) && reflect.DeepEqual(a.Tolerations, b.Tolerations[:len(a.Tolerations)]) {
		a.Tolerations = b.Tolerations
	}
	a.TerminationGracePeriodSeconds = b.TerminationGracePeriodSeconds
	if old.Spec.NodeName == "" {
		a.NodeName = b.NodeName
	}
	if !equal(a, b) {
		return field.ErrorList{field.Forbidden(field.NewPath("spec"), "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")}
	}
	return nil
}

// validateConfigMapData counts the values (not the keys) against the 1 MiB limit and
// reports an excess against the whole object, as the real validation does.
func validateConfigMapData(data map[string]string, binary map[string][]byte) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range data {
		size += len(v)
		for _, msg := range utilvalidation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, msg))
		}
		if _, dup := binary[k]; dup {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, "duplicate of key present in binaryData"))
		}
	}
	for k, v := range binary {
		size += len(v)
		for _, msg := range utilvalidation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(field.NewPath("binaryData").Key(k), k, msg))
		}
	}
	if size > maxConfigSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxConfigSize))
	}
	return sortedErrors(errs)
}

// validateSecret checks keys, the 1 MiB limit on the values (reported against data) and
// the keys the well-known secret types require.
func validateSecret(secret *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	dataPath := field.NewPath("data")
	size := 0
	for k, v := range secret.Data {
		size += len(v)
		for _, msg := range utilvalidation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(dataPath.Key(k), k, msg))
		}
	}
	errs = sortedErrors(errs)
	if size > maxConfigSize {
		errs = append(errs, field.TooLong(dataPath, "", maxConfigSize))
	}
	switch secret.Type {
	case corev1.SecretTypeServiceAccountToken:
		if secret.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		errs = append(errs, validateJSONKey(secret.Data, corev1.DockerConfigKey)...)
	case corev1.SecretTypeDockerConfigJson:
		errs = append(errs, validateJSONKey(secret.Data, corev1.DockerConfigJsonKey)...)
	case corev1.SecretTypeBasicAuth:
		_, user := secret.Data[corev1.BasicAuthUsernameKey]
		_, password := secret.Data[corev1.BasicAuthPasswordKey]
		if !user && !password {
			errs = append(errs, field.Required(dataPath.Key(corev1.BasicAuthUsernameKey), ""),
				field.Required(dataPath.Key(corev1.BasicAuthPasswordKey), ""))
		}
	case corev1.SecretTypeSSHAuth:
		if len(secret.Data[corev1.SSHAuthPrivateKey]) == 0 {
			errs = append(errs, field.Required(dataPath.Key(corev1.SSHAuthPrivateKey), ""))
		}
	case corev1.SecretTypeTLS:
		if _, ok := secret.Data[corev1.TLSCertKey]; !ok {
			errs = append(errs, field.Required(dataPath.Key(corev1.TLSCertKey), ""))
		}
		if _, ok := secret.Data[corev1.TLSPrivateKeyKey]; !ok {
			errs = append(errs, field.Required(dataPath.Key(corev1.TLSPrivateKeyKey), ""))
		}
	}
	return errs
}

func validateJSONKey(data map[string][]byte, key string) field.ErrorList {
	p := field.NewPath("data").Key(key)
	b, ok := data[key]
	if !ok {
		return field.ErrorList{field.Required(p, "")}
	}
	if err := json.Unmarshal(b, &map[string]any{}); err != nil {
		return field.ErrorList{field.Invalid(p, "<secret contents redacted>", err.Error())}
	}
	return nil
}

// immutableData rejects unsetting immutable and changing any of the data fields of an
// immutable ConfigMap or Secret.
func immutableData(newImmutable *bool, changed map[string]bool) field.ErrorList {
	var errs field.ErrorList
	if newImmutable == nil || !*newImmutable {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
	}
	for _, f := range []string{"data", "binaryData"} {
		if changed[f] {
			errs = append(errs, field.Forbidden(field.NewPath(f), "field is immutable when `immutable` is set"))
		}
	}
	return errs
}

// sortedErrors orders errors by field path: map iteration must not decide the order of
// a message.
func sortedErrors(errs field.ErrorList) field.ErrorList {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return errs
}

func validateService(svc *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec")
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName:
	default:
		errs = append(errs, field.NotSupported(p.Child("type"), svc.Spec.Type, []string{"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}))
	}
	headless := svc.Spec.ClusterIP == corev1.ClusterIPNone
	if len(svc.Spec.Ports) == 0 && !headless && svc.Spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(p.Child("ports"), ""))
	}
	if headless && svc.Spec.Type != corev1.ServiceTypeClusterIP {
		errs = append(errs, field.Invalid(p.Child("clusterIPs").Index(0), corev1.ClusterIPNone, fmt.Sprintf("may not be set to 'None' for %s services", svc.Spec.Type)))
	}
	portNames := sets.New[string]()
	for i, port := range svc.Spec.Ports {
		pp := p.Child("ports").Index(i)
		if len(svc.Spec.Ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), ""))
		} else if port.Name != "" {
			for _, msg := range utilvalidation.IsDNS1123Label(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
			if portNames.Has(port.Name) {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			portNames.Insert(port.Name)
		}
		for _, msg := range utilvalidation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), port.Port, msg))
		}
		if port.NodePort != 0 {
			if svc.Spec.Type == corev1.ServiceTypeClusterIP {
				errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			} else if port.NodePort < 30000 || port.NodePort > 32767 {
				errs = append(errs, field.Invalid(pp.Child("nodePort"), port.NodePort, "provided port is not in the valid range. The range of valid ports is 30000-32767"))
			}
		}
		if port.TargetPort.IntValue() != 0 || port.TargetPort.StrVal == "" {
			for _, msg := range utilvalidation.IsValidPortNum(port.TargetPort.IntValue()) {
				errs = append(errs, field.Invalid(pp.Child("targetPort"), port.TargetPort, msg))
			}
		}
	}
	return errs
}

func validateServiceUpdate(svc, old *corev1.Service) field.ErrorList {
	if old.Spec.ClusterIP != "" && svc.Spec.ClusterIP != old.Spec.ClusterIP && old.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.Type != corev1.ServiceTypeExternalName {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "clusterIPs").Index(0), svc.Spec.ClusterIPs, "may not change once set")}
	}
	return nil
}
