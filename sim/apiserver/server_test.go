package apiserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	clienttesting "k8s.io/client-go/testing"
)

// newServer is a server with the default namespace, whose watch history starts after it.
func newServer(t *testing.T) (*Server, kubernetes.Interface) {
	t.Helper()
	s, err := New(Config{Seed: 1})
	require.NoError(t, err)
	cs := s.Clientset(AdminUser)
	_, err = cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	s.StartWatchHistory()
	return s, cs
}

func TestNamespacesAreActiveAndLabelledWithTheirName(t *testing.T) {
	_, cs := newServer(t)
	ns, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, ns.Name, ns.Labels[corev1.LabelMetadataName], "labelled with the generated name")
	assert.Equal(t, corev1.NamespaceActive, ns.Status.Phase)
	assert.Equal(t, []corev1.FinalizerName{corev1.FinalizerKubernetes}, ns.Spec.Finalizers)

	ns.Labels[corev1.LabelMetadataName] = "forged"
	ns, err = cs.CoreV1().Namespaces().Update(t.Context(), ns, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, ns.Name, ns.Labels[corev1.LabelMetadataName], "the label follows the name")
}

func TestWatchFromBeforeTheHistoryIsExpired(t *testing.T) {
	s, cs := newServer(t) // the default namespace is resourceVersion 1
	_, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	s.StartWatchHistory()
	w, err := cs.CoreV1().ConfigMaps("default").Watch(t.Context(), metav1.ListOptions{ResourceVersion: "1"})
	require.NoError(t, err)
	ev, ok := <-w.ResultChan()
	require.True(t, ok)
	require.Equal(t, watch.Error, ev.Type)
	st := ev.Object.(*metav1.Status)
	assert.Equal(t, int32(410), st.Code)
	assert.Equal(t, "too old resource version: 1 (2)", st.Message)
	_, open := <-w.ResultChan()
	assert.False(t, open)

	w, err = cs.CoreV1().ConfigMaps("default").Watch(t.Context(), metav1.ListOptions{ResourceVersion: "2"})
	require.NoError(t, err)
	w.Stop()
}

func TestLeaseUpdateRules(t *testing.T) {
	_, cs := newServer(t)
	leases := cs.CoordinationV1().Leases("default")
	holder := "a"
	in := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "l"}, Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder}}
	created, err := leases.Update(t.Context(), in, metav1.UpdateOptions{})
	require.NoError(t, err, "a missing lease is created by an update")
	assert.NotEmpty(t, created.UID)

	_, err = leases.Update(t.Context(), in, metav1.UpdateOptions{})
	require.Error(t, err)
	assert.True(t, apierrors.IsInvalid(err))
	assert.Equal(t, `leases.coordination.k8s.io "l" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update`, err.Error())

	_, err = cs.CoreV1().ConfigMaps("default").Update(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ghost"}}, metav1.UpdateOptions{})
	assert.True(t, apierrors.IsNotFound(err), "configmaps do not create on update")
}

func TestServerSideApply(t *testing.T) {
	s, cs := newServer(t)
	cms := cs.CoreV1().ConfigMaps("default")
	body := func(v string) []byte {
		return []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned"},"data":{"k":"` + v + `"}}`)
	}
	cm, err := cms.Patch(t.Context(), "owned", types.ApplyYAMLPatchType, body("1"), metav1.PatchOptions{FieldManager: "first"})
	require.NoError(t, err)
	assert.Equal(t, "1", cm.Data["k"])
	require.Len(t, cm.ManagedFields, 1)
	assert.Equal(t, "first", cm.ManagedFields[0].Manager)
	assert.Equal(t, metav1.ManagedFieldsOperationApply, cm.ManagedFields[0].Operation)

	// An update takes the field over: the first manager's next apply conflicts with it.
	cm.Data["k"] = "2"
	_, err = cs.CoreV1().ConfigMaps("default").Update(t.Context(), cm, metav1.UpdateOptions{FieldManager: "editor"})
	require.NoError(t, err)
	_, err = cms.Patch(t.Context(), "owned", types.ApplyYAMLPatchType, body("3"), metav1.PatchOptions{FieldManager: "first"})
	require.Error(t, err)
	assert.True(t, apierrors.IsConflict(err))
	assert.Contains(t, err.Error(), `Apply failed with 1 conflict: conflict with "editor" using v1: .data.k`)

	got, err := cms.Patch(t.Context(), "owned", types.ApplyYAMLPatchType, body("3"), metav1.PatchOptions{FieldManager: "first", Force: ptr(true)})
	require.NoError(t, err)
	assert.Equal(t, "3", got.Data["k"])

	// Objects never applied keep no managedFields: the fast path.
	plain, err := cms.Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, metav1.CreateOptions{FieldManager: "x"})
	require.NoError(t, err)
	assert.Empty(t, plain.ManagedFields)

	_, err = cms.Patch(t.Context(), "other", types.ApplyYAMLPatchType, body("1"), metav1.PatchOptions{FieldManager: "first"})
	require.Error(t, err)
	assert.True(t, apierrors.IsBadRequest(err))
	assert.Contains(t, err.Error(), "the name of the object (owned) does not match the name on the URL (other)")
	_ = s
}

func TestDeploymentScale(t *testing.T) {
	_, cs := newServer(t)
	labels := map[string]string{"app": "x"}
	ds := cs.AppsV1().Deployments("default")
	_, err := ds.Create(t.Context(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "x"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36"}}},
		}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	scale, err := ds.GetScale(t.Context(), "x", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(1), scale.Spec.Replicas)
	assert.Equal(t, "app=x", scale.Status.Selector)

	_, err = ds.UpdateScale(t.Context(), "x", &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Spec: autoscalingv1.ScaleSpec{Replicas: -1}}, metav1.UpdateOptions{})
	require.Error(t, err)
	assert.Equal(t, `Scale.autoscaling "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`, err.Error())

	stale := scale.DeepCopy()
	scale.Spec.Replicas = 4
	_, err = ds.UpdateScale(t.Context(), "x", scale, metav1.UpdateOptions{})
	require.NoError(t, err)
	stale.Spec.Replicas = 5
	_, err = ds.UpdateScale(t.Context(), "x", stale, metav1.UpdateOptions{})
	assert.True(t, apierrors.IsConflict(err), "a scale with a stale resourceVersion conflicts: %v", err)

	_, err = ds.GetScale(t.Context(), "ghost", metav1.GetOptions{})
	assert.Equal(t, `deployments.apps "ghost" not found`, err.Error())
	_, err = ds.UpdateScale(t.Context(), "ghost", &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "ghost"}}, metav1.UpdateOptions{})
	assert.Equal(t, `deployments/scale.apps "ghost" not found`, err.Error())
}

func TestGracefulPodDeletionWritesThenDeletes(t *testing.T) {
	_, cs := newServer(t)
	pods := cs.CoreV1().Pods("default")
	p, err := pods.Create(t.Context(), &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36"}}}}, metav1.CreateOptions{})
	require.NoError(t, err)
	w, err := pods.Watch(t.Context(), metav1.ListOptions{ResourceVersion: p.ResourceVersion})
	require.NoError(t, err)
	defer w.Stop()

	require.NoError(t, pods.Delete(t.Context(), "p", metav1.DeleteOptions{}))
	ev := <-w.ResultChan()
	assert.Equal(t, watch.Modified, ev.Type)
	terminating := ev.Object.(*corev1.Pod)
	assert.NotNil(t, terminating.DeletionTimestamp)
	assert.Equal(t, ptr[int64](30), terminating.DeletionGracePeriodSeconds)
	assert.Equal(t, int64(2), terminating.Generation, "the first graceful deletion moves the generation")

	require.NoError(t, pods.Delete(t.Context(), "p", metav1.DeleteOptions{GracePeriodSeconds: ptr[int64](0)}))
	assert.Equal(t, watch.Modified, (<-w.ResultChan()).Type, "the shortened grace period is written first")
	assert.Equal(t, watch.Deleted, (<-w.ResultChan()).Type)
}

func TestDeleteOptionsAreValidated(t *testing.T) {
	_, cs := newServer(t)
	cms := cs.CoreV1().ConfigMaps("default")
	_, err := cms.Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	orphan, policy := true, metav1.DeletePropagationOrphan
	err = cms.Delete(t.Context(), "c", metav1.DeleteOptions{OrphanDependents: &orphan, PropagationPolicy: &policy})
	require.Error(t, err)
	assert.True(t, apierrors.IsInvalid(err))
	assert.Contains(t, err.Error(), `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set`)
}

func TestNamespaceDeletionWaitsForTheFinalizer(t *testing.T) {
	_, cs := newServer(t)
	nss := cs.CoreV1().Namespaces()
	_, err := nss.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gone"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	require.NoError(t, nss.Delete(t.Context(), "gone", metav1.DeleteOptions{}))
	ns, err := nss.Get(t.Context(), "gone", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, corev1.NamespaceTerminating, ns.Status.Phase)

	// An update cannot drop spec.finalizers; only the finalize subresource can.
	upd := ns.DeepCopy()
	upd.Spec.Finalizers = nil
	kept, err := nss.Update(t.Context(), upd, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []corev1.FinalizerName{corev1.FinalizerKubernetes}, kept.Spec.Finalizers)

	upd = kept.DeepCopy()
	upd.Spec.Finalizers = nil
	_, err = nss.Finalize(t.Context(), upd, metav1.UpdateOptions{})
	require.NoError(t, err)
	_, err = nss.Get(t.Context(), "gone", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "finalized, the terminating namespace goes")
}

type denyAll struct{ seen []Request }

func (d *denyAll) Authorize(req Request) (bool, string) {
	d.seen = append(d.seen, req)
	return false, ""
}

func TestAuthorizerSeesRequestsOutsideSystemMasters(t *testing.T) {
	s, admin := newServer(t)
	authz := &denyAll{}
	s.SetAuthorizer(authz)
	_, err := admin.CoreV1().ConfigMaps("default").List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err, "system:masters passes without asking")
	assert.Empty(t, authz.seen)

	sa := s.Clientset("system:serviceaccount:default:flink")
	_, err = sa.CoreV1().ConfigMaps("default").Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{})
	require.Error(t, err)
	assert.Equal(t, `configmaps is forbidden: User "system:serviceaccount:default:flink" cannot create resource "configmaps" in API group "" in the namespace "default"`, err.Error())
	_, err = sa.CoreV1().ConfigMaps("default").List(t.Context(), metav1.ListOptions{FieldSelector: "metadata.name=leader"})
	require.Error(t, err)
	require.Len(t, authz.seen, 2)
	assert.Equal(t, "leader", authz.seen[1].Name, "a list pinned to one name is about that name")
	assert.Equal(t, []string{GroupServiceAccounts, "system:serviceaccounts:default", GroupAuthenticated}, authz.seen[1].Groups)

	_ = sa.CoreV1().ConfigMaps("default").DeleteCollection(t.Context(), metav1.DeleteOptions{}, metav1.ListOptions{})
	assert.Equal(t, "deletecollection", authz.seen[2].Verb)
	entries := s.RequestLog().Entries(func(e Entry) bool { return e.Code == 403 })
	assert.Len(t, entries, 3, "denials are logged")
}

func TestObjectOfAnotherKindIsRejected(t *testing.T) {
	s, _ := newServer(t)
	action := clienttesting.NewCreateAction(corev1.SchemeGroupVersion.WithResource("pods"), "default",
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "not-a-pod"}})
	_, err := s.Handle(AdminUser, action)
	require.Error(t, err)
	assert.True(t, apierrors.IsBadRequest(err), "%v", err)
}
