package resourcemanager

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"flinksim/config"
	"flinksim/kubeobjects"
	"flinksim/mainloop"
)

// kubernetesDriverConfig is what the Kubernetes driver needs; New fills it from the
// resource manager's Config.
type kubernetesDriverConfig struct {
	clusterID string
	namespace string
	client    kubernetes.Interface
	// conf is the resource manager's effective configuration (read-only).
	conf *config.Configuration
	// dynamicProperties are the entries of conf the TaskManagers' config.yaml lacks.
	dynamicProperties map[string]string
	local             kubeobjects.Local
	log               *slog.Logger
	// webInterfaceURL is the JobManager's REST endpoint (Config.WebInterfaceURL).
	webInterfaceURL string
	// Retries of the pod-watch creation (kubernetes.transactional-operation.*).
	watchMaxRetries   int
	watchInitialDelay time.Duration
	watchMaxDelay     time.Duration
	// blockedNodes returns the blocked node ids; called on the loop.
	blockedNodes func() []string
	// requestTimeout bounds each request of the driver: pod create, delete and list,
	// the Deployment and Service reads and writes, and the set-up of a pod watch (not
	// its stream, which lives as long as its context). Default defaultRequestTimeout.
	requestTimeout time.Duration
}

// defaultRequestTimeout is how long one Kubernetes request of the driver may take:
// Flink's fabric8 client gives every request 10 s (its requestTimeout default) and
// then fails it, so that a JobManager cut off from the API server sees its pod
// creations fail — start failures, retried — instead of waiting for ever.
const defaultRequestTimeout = 10 * time.Second

// kubernetesDriver is the resource manager's Kubernetes driver (reference §4.1–§4.5,
// §4.7, §4.9): TaskManager pods named <cid>-taskmanager-<attempt>-<index>, owned by the
// JobManager Deployment, a watch on the TaskManager pods, and recovery of the pods a
// previous attempt left.
//
// Its state is owned by the loop. Kubernetes calls run on goroutines of the loop and
// post their results back; the only state shared with them is the cached owner
// reference (guarded by ownerLock).
type kubernetesDriver struct {
	cfg kubernetesDriverConfig

	// Owned by the loop.
	l        *mainloop.Loop
	h        eventHandler
	running  bool
	template *kubeobjects.FlinkPod
	attempt  int64
	index    int64
	requests map[string]*podRequest
	// watchGen numbers the pod watches; close and error notices of older watches are
	// ignored. stopWatch ends the current one.
	watchGen  int
	stopWatch func()

	// ownerLock (a one-slot semaphore) lets one create at a time fetch the
	// Deployment; a channel, not a mutex, so that a create waiting for it can give
	// up when its context ends, and so that waiting is durable blocking in a synctest
	// bubble (a goroutine waiting on a mutex stops virtual time).
	ownerLock chan struct{}
	owner     *metav1.OwnerReference
}

// podRequest is one requested pod not yet scheduled.
type podRequest struct {
	name           string
	done           func(workerNode, error)
	createReturned bool
	cancelled      bool
}

func newKubernetesDriver(cfg kubernetesDriverConfig) *kubernetesDriver {
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	if cfg.blockedNodes == nil {
		cfg.blockedNodes = func() []string { return nil }
	}
	if cfg.requestTimeout <= 0 {
		cfg.requestTimeout = defaultRequestTimeout
	}
	return &kubernetesDriver{cfg: cfg, requests: map[string]*podRequest{}, ownerLock: make(chan struct{}, 1)}
}

var _ driver = (*kubernetesDriver)(nil)

// initialize watches the TaskManager pods, loads the TaskManager pod template and
// recovers the pods of previous attempts (reference §4.1).
func (d *kubernetesDriver) initialize(ctx context.Context, l *mainloop.Loop, h eventHandler) error {
	d.l, d.h, d.running = l, h, true
	w, err := d.createWatch(ctx)
	if err != nil {
		return err
	}
	d.startWatch(w)
	if d.template, err = d.loadTemplate(); err != nil {
		return err
	}
	if err := d.pointServicesAtEndpoints(ctx); err != nil {
		return err
	}
	return d.recoverPreviousAttemptWorkers(ctx)
}

// pointServicesAtEndpoints, in host-network mode, sets the targetPort of the REST
// Service's port "rest" to the port the REST endpoint listens on and, without HA (where
// TaskManagers find the JobManager through the internal Service), the internal
// Service's "blobserver" and "jobmanager-rpc" ports to the blob server's and the RPC
// endpoint's (reference §4.1 step 3): the JobManager's entrypoint left the ports to the
// listeners. A Service that does not exist is left alone; a failed update fails the
// resource manager.
func (d *kubernetesDriver) pointServicesAtEndpoints(ctx context.Context) error {
	if on, err := config.Get(d.cfg.conf, config.KubernetesHostNetworkEnabled); err != nil || !on {
		return err
	}
	restPort, err := portOfURL(d.cfg.webInterfaceURL)
	if err != nil {
		return err
	}
	if err := d.updateServiceTargetPort(ctx, kubeobjects.RestServiceName(d.cfg.clusterID), kubeobjects.PortNameRest, restPort); err != nil {
		return err
	}
	if ha, _ := config.HighAvailabilityEnabled(d.cfg.conf); ha {
		return nil
	}
	blobPort, err := config.Get(d.cfg.conf, config.BlobServerPort)
	if err != nil {
		return err
	}
	rpcPort, err := config.Get(d.cfg.conf, config.JobManagerRPCPort)
	if err != nil {
		return err
	}
	internal := kubeobjects.InternalServiceName(d.cfg.clusterID)
	blob, err := strconv.Atoi(strings.TrimSpace(blobPort))
	if err != nil || blob <= 0 {
		return fmt.Errorf("%s is %q, not the port the blob server listens on", config.BlobServerPort.Key(), blobPort)
	}
	if err := d.updateServiceTargetPort(ctx, internal, kubeobjects.PortNameBlobServer, blob); err != nil {
		return err
	}
	return d.updateServiceTargetPort(ctx, internal, kubeobjects.PortNameJobManagerRPC, rpcPort)
}

// updateServiceTargetPort reads the Service and replaces it with the port named portName
// aimed at targetPort, as Flink's client edits it.
func (d *kubernetesDriver) updateServiceTargetPort(ctx context.Context, service, portName string, targetPort int) error {
	if targetPort <= 0 {
		return fmt.Errorf("cannot point port %q of Service %q at port %d: the endpoint's port must be positive", portName, service, targetPort)
	}
	d.cfg.log.Debug("Update " + service + " target port to " + strconv.Itoa(targetPort))
	ctx, cancel := context.WithTimeout(ctx, d.cfg.requestTimeout)
	defer cancel()
	svc, err := d.cfg.client.CoreV1().Services(d.cfg.namespace).Get(ctx, service, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("could not read Service %q to point it at the JobManager's ports: %w", service, err)
	}
	i := slices.IndexFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == portName })
	if i < 0 {
		return fmt.Errorf("Service %q has no port named %q to point at port %d", service, portName, targetPort)
	}
	svc.Spec.Ports[i].TargetPort = intstr.FromInt32(int32(targetPort))
	if _, err := d.cfg.client.CoreV1().Services(d.cfg.namespace).Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("could not point port %q of Service %q at port %d (in host-network mode the JobManager's service account must be allowed to update Services): %w",
			portName, service, targetPort, err)
	}
	return nil
}

// portOfURL is the port of a REST endpoint's URL (http://host:port).
func portOfURL(raw string) (int, error) {
	u, err := url.Parse(raw)
	if err == nil && u.Port() != "" {
		if p, err := strconv.Atoi(u.Port()); err == nil && p > 0 {
			return p, nil
		}
	}
	return 0, fmt.Errorf("the JobManager's REST endpoint %q has no port to point the REST Service at", raw)
}

func (d *kubernetesDriver) terminate() {
	d.running = false
	if d.stopWatch != nil {
		d.stopWatch()
		d.stopWatch = nil
	}
}

func (d *kubernetesDriver) selector() string {
	return labels.SelectorFromSet(kubeobjects.TaskManagerSelector(d.cfg.clusterID)).String()
}

func (d *kubernetesDriver) pods() corev1client.PodInterface {
	return d.cfg.client.CoreV1().Pods(d.cfg.namespace)
}

// loadTemplate reads the TaskManager pod template the deployer mounted, if any.
func (d *kubernetesDriver) loadTemplate() (*kubeobjects.FlinkPod, error) {
	t, err := kubeobjects.LoadPodTemplate(kubeobjects.TaskManagerPodTemplatePath, d.cfg.local.ReadFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the TaskManager pod template cannot be used; fix the file given by %s: %w",
			config.KubernetesPodTemplateFileTaskManager.Key(), err)
	}
	return t, nil
}

// ---- the pod watch ----------------------------------------------------------------

// createWatch opens the TaskManager pod watch from resourceVersion 0 (so the server
// first lists every current pod as ADDED). A failure is retried with exponential
// back-off, kubernetes.transactional-operation.max-retries times (reference §4.1).
// It blocks; it is called off the loop, except once from initialize.
func (d *kubernetesDriver) createWatch(ctx context.Context) (watch.Interface, error) {
	opts := metav1.ListOptions{LabelSelector: d.selector(), ResourceVersion: "0"}
	var err error
	for attempt := 0; ; attempt++ {
		var w watch.Interface
		if w, err = d.openWatch(ctx, opts); err == nil {
			return w, nil
		}
		if ctx.Err() != nil || attempt >= d.cfg.watchMaxRetries {
			break
		}
		delay := backoffDelay(attempt, d.cfg.watchInitialDelay, d.cfg.watchMaxDelay)
		d.cfg.log.Warn("could not watch the TaskManager pods; retrying", "attempt", attempt+1, "retryIn", delay, "error", err)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return nil, fmt.Errorf("could not watch the TaskManager pods (%s) in namespace %q after %d retries "+
		"(%s); check that the JobManager's service account may watch pods there: %w",
		d.selector(), d.cfg.namespace, d.cfg.watchMaxRetries, config.KubernetesTransactionalOperationMaxRetries.Key(), err)
}

// openWatch opens one pod watch. Its set-up may take requestTimeout — fabric8 gives up
// on a connection to the API server that long unanswered — after which the attempt
// counts as failed; once open, the stream lives as long as ctx (or until stopped).
func (d *kubernetesDriver) openWatch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	wctx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(d.cfg.requestTimeout, cancel)
	w, err := d.pods().Watch(wctx, opts)
	if !timer.Stop() {
		if err == nil {
			w.Stop()
		}
		cancel()
		return nil, fmt.Errorf("the API server did not answer the watch request within %v: %w", d.cfg.requestTimeout, context.DeadlineExceeded)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return stopCancels{Interface: w, cancel: cancel}, nil
}

// stopCancels is a watch whose Stop also ends the context it was opened with.
type stopCancels struct {
	watch.Interface
	cancel context.CancelFunc
}

func (w stopCancels) Stop() {
	w.Interface.Stop()
	w.cancel()
}

// backoffDelay is the wait before retry number attempt+1: initial doubled per attempt,
// at most max.
func backoffDelay(attempt int, initial, max time.Duration) time.Duration {
	d := initial
	for range attempt {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}

// startWatch makes w the current watch and forwards its events to the loop.
func (d *kubernetesDriver) startWatch(w watch.Interface) {
	d.watchGen++
	gen := d.watchGen
	stop := make(chan struct{})
	var once sync.Once
	d.stopWatch = func() { once.Do(func() { close(stop) }) }
	d.l.Go(func(ctx context.Context) {
		defer w.Stop()
		for {
			select {
			case ev, ok := <-w.ResultChan():
				if !ok {
					d.l.Post(func() { d.onWatchClosed(gen) })
					return
				}
				d.l.Post(func() { d.onWatchEvent(gen, ev) })
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	})
}

// rewatch replaces the current watch by a new one, created off the loop with retries;
// if that fails, the resource manager fails.
func (d *kubernetesDriver) rewatch() {
	if d.stopWatch != nil {
		d.stopWatch()
		d.stopWatch = nil
	}
	d.watchGen++
	gen := d.watchGen
	d.l.Go(func(ctx context.Context) {
		w, err := d.createWatch(ctx)
		// The watch is handed to the loop, or stopped here: also when the loop ends
		// before it runs the task (a queued task then never runs), as a watch nobody
		// reads or stops holds its stream open.
		handed := false
		_ = d.l.Call(context.Background(), func() {
			if !d.running || gen != d.watchGen {
				return
			}
			if err != nil {
				d.h.onError(err)
				return
			}
			d.startWatch(w)
			handed = true
		})
		if !handed && w != nil {
			w.Stop()
		}
	})
}

// onWatchClosed: the server ended the watch without an error (a real API server ends
// every watch after a timeout, and closes watchers that fall behind). Flink's client
// reconnects transparently in that case; here the driver opens a new watch, which
// lists the current pods again.
func (d *kubernetesDriver) onWatchClosed(gen int) {
	if !d.running || gen != d.watchGen {
		return
	}
	d.cfg.log.Info("the TaskManager pod watch was closed by the server; watching again")
	d.rewatch()
}

func (d *kubernetesDriver) onWatchEvent(gen int, ev watch.Event) {
	if !d.running {
		return
	}
	switch obj := ev.Object.(type) {
	case *corev1.Pod:
		// Pod events are handled whichever watch delivered them: they are
		// observations of the cluster, and handling one twice is harmless.
		d.onPodEvent(ev.Type, obj)
	case *metav1.Status:
		if gen != d.watchGen {
			return
		}
		err := apierrors.FromObject(obj)
		if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
			d.cfg.log.Info("the TaskManager pod watch expired (410 Gone); watching again", "error", err)
			d.rewatch()
			return
		}
		d.stopCurrentWatch()
		d.h.onError(fmt.Errorf("the watch on the TaskManager pods failed: %w", err))
	default:
		if ev.Type == watch.Bookmark {
			return
		}
		d.stopCurrentWatch()
		d.h.onError(fmt.Errorf("the watch on the TaskManager pods delivered an unexpected %s event with a %T", ev.Type, ev.Object))
	}
}

func (d *kubernetesDriver) stopCurrentWatch() {
	if d.stopWatch != nil {
		d.stopWatch()
		d.stopWatch = nil
	}
	d.watchGen++
}

// onPodEvent applies reference §4.5 to one pod.
func (d *kubernetesDriver) onPodEvent(typ watch.EventType, pod *corev1.Pod) {
	switch classifyPodEvent(typ, pod) {
	case podOnScheduled:
		d.onPodScheduled(pod)
	case podOnTerminated:
		d.onPodTerminated(pod)
	}
}

// onPodScheduled completes the request of a pod that is now scheduled. Pods without a
// request (already completed, recovered, unknown) are ignored.
func (d *kubernetesDriver) onPodScheduled(pod *corev1.Pod) {
	req := d.requests[pod.Name]
	if req == nil {
		return
	}
	delete(d.requests, pod.Name)
	d.cfg.log.Info("TaskManager pod scheduled", "pod", pod.Name, "node", pod.Spec.NodeName)
	req.done(workerNode{ID: ResourceID(pod.Name)}, nil)
}

// onPodTerminated fails the pod's request if it has one (the pod ended before it was
// scheduled), reports the worker terminated, and deletes the pod.
func (d *kubernetesDriver) onPodTerminated(pod *corev1.Pod) {
	diagnostics := podDiagnostics(pod)
	if req := d.requests[pod.Name]; req != nil {
		delete(d.requests, pod.Name)
		d.cfg.log.Warn("TaskManager pod terminated before it was scheduled", "pod", pod.Name)
		req.done(workerNode{}, fmt.Errorf("TaskManager pod %s terminated before it was scheduled (a new one is requested if still needed): %s", pod.Name, diagnostics))
	}
	d.cfg.log.Info("TaskManager pod terminated", "pod", pod.Name, "diagnostics", diagnostics)
	d.h.onWorkerTerminated(ResourceID(pod.Name), diagnostics)
	d.stopPod(pod.Name)
}

// ---- requesting and releasing pods ---------------------------------------------------

// requestResource creates the next TaskManager pod (reference §4.4). The request
// completes when the watch shows the pod scheduled.
func (d *kubernetesDriver) requestResource(spec config.TaskManagerMemory, done func(workerNode, error)) func() {
	d.index++
	name := kubeobjects.TaskManagerPodName(d.cfg.clusterID, d.attempt, d.index)
	req := &podRequest{name: name, done: done}
	d.requests[name] = req
	pod, err := kubeobjects.BuildTaskManagerPod(d.cfg.conf, kubeobjects.TaskManagerPodOptions{
		Local:             d.cfg.local,
		PodName:           name,
		Template:          d.template,
		DynamicProperties: d.cfg.dynamicProperties,
		BlockedNodes:      slices.Sorted(slices.Values(d.cfg.blockedNodes())),
		Process:           &spec,
	})
	if err != nil {
		err = fmt.Errorf("cannot build TaskManager pod %s: %w", name, err)
		d.l.Post(func() { d.onPodCreated(req, err) })
		return func() { d.cancel(req) }
	}
	d.cfg.log.Info("creating TaskManager pod", "pod", name, "cpu", spec.CPUCores, "memory", spec.TotalProcess.String())
	d.l.Go(func(ctx context.Context) {
		err := d.createPod(ctx, pod)
		d.l.Post(func() { d.onPodCreated(req, err) })
	})
	return func() { d.cancel(req) }
}

// onPodCreated: the create call returned. A failure fails the request; a pod whose
// request was cancelled meanwhile is deleted right away.
func (d *kubernetesDriver) onPodCreated(req *podRequest, err error) {
	req.createReturned = true
	if err != nil {
		d.cfg.log.Warn("could not create TaskManager pod", "pod", req.name, "error", err)
		if d.requests[req.name] == req {
			delete(d.requests, req.name)
			req.done(workerNode{}, err)
		}
		return
	}
	if req.cancelled {
		d.cfg.log.Info("TaskManager pod was cancelled before its creation finished; deleting it", "pod", req.name)
		d.stopPod(req.name)
		return
	}
	d.cfg.log.Info("TaskManager pod created", "pod", req.name)
}

// cancel forgets a request; its pod is deleted now if it was created, or as soon as
// the create call returns.
func (d *kubernetesDriver) cancel(req *podRequest) {
	if req.cancelled {
		return
	}
	req.cancelled = true
	if d.requests[req.name] == req {
		delete(d.requests, req.name)
	}
	if req.createReturned {
		d.cfg.log.Info("TaskManager pod request cancelled; deleting the pod", "pod", req.name)
		d.stopPod(req.name)
	}
}

func (d *kubernetesDriver) releaseResource(id ResourceID) { d.stopPod(string(id)) }

// createPod sets the JobManager Deployment as the pod's owner and creates it, within
// the request timeout.
func (d *kubernetesDriver) createPod(ctx context.Context, pod *corev1.Pod) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.requestTimeout)
	defer cancel()
	owner, err := d.ownerReference(ctx)
	if err != nil {
		return err
	}
	kubeobjects.SetOwner(owner, pod)
	if _, err := d.pods().Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("could not create TaskManager pod %s in namespace %q: %w", pod.Name, d.cfg.namespace, err)
	}
	return nil
}

// ownerReference is the reference to the JobManager Deployment, fetched on first use
// and then cached for the life of the driver (a failed fetch is not cached).
func (d *kubernetesDriver) ownerReference(ctx context.Context) (metav1.OwnerReference, error) {
	select {
	case d.ownerLock <- struct{}{}:
	case <-ctx.Done():
		return metav1.OwnerReference{}, fmt.Errorf("cannot create TaskManager pods: gave up waiting for the JobManager Deployment %q to be read: %w",
			kubeobjects.DeploymentName(d.cfg.clusterID), context.Cause(ctx))
	}
	defer func() { <-d.ownerLock }()
	if d.owner != nil {
		return *d.owner, nil
	}
	name := kubeobjects.DeploymentName(d.cfg.clusterID)
	dep, err := d.cfg.client.AppsV1().Deployments(d.cfg.namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return metav1.OwnerReference{}, fmt.Errorf("cannot create TaskManager pods: the JobManager Deployment %q does not exist in namespace %q "+
			"(TaskManager pods are owned by it); was the cluster deleted? %w", name, d.cfg.namespace, err)
	}
	if err != nil {
		return metav1.OwnerReference{}, fmt.Errorf("cannot create TaskManager pods: could not read the JobManager Deployment %q in namespace %q: %w", name, d.cfg.namespace, err)
	}
	ref := kubeobjects.OwnerReference(dep)
	d.owner = &ref
	return ref, nil
}

// stopPod deletes a pod off the loop, within the request timeout; failures are only
// logged (a pod whose deletion failed is deleted again when its termination shows on
// the watch).
func (d *kubernetesDriver) stopPod(name string) {
	d.l.Go(func(loopCtx context.Context) {
		ctx, cancel := context.WithTimeout(loopCtx, d.cfg.requestTimeout)
		defer cancel()
		err := d.pods().Delete(ctx, name, metav1.DeleteOptions{})
		switch {
		case err == nil:
			d.cfg.log.Debug("deleted TaskManager pod", "pod", name)
		case apierrors.IsNotFound(err):
			d.cfg.log.Debug("TaskManager pod already gone", "pod", name)
		case loopCtx.Err() == nil:
			d.cfg.log.Warn("could not delete TaskManager pod", "pod", name, "error", err)
		}
	})
}

// deregisterApplication deletes the JobManager Deployment; the garbage collector
// removes everything it owns, the TaskManager pods and this JobManager included
// (reference §4.1).
func (d *kubernetesDriver) deregisterApplication(ctx context.Context, status ApplicationStatus, diagnostics string) error {
	name := kubeobjects.DeploymentName(d.cfg.clusterID)
	d.cfg.log.Info("deregistering the application: deleting the JobManager Deployment", "deployment", name, "status", status, "diagnostics", diagnostics)
	background := metav1.DeletePropagationBackground
	err := d.cfg.client.AppsV1().Deployments(d.cfg.namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &background})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("could not delete the JobManager Deployment %q in namespace %q to end the cluster; delete it by hand (kubectl delete deployment %s -n %s): %w",
			name, d.cfg.namespace, name, d.cfg.namespace, err)
	}
	return nil
}

// ---- recovery ---------------------------------------------------------------------------

// recoverPreviousAttemptWorkers lists the TaskManager pods left by earlier attempts
// (reference §4.7): their highest attempt fixes this attempt's number; terminated or
// unscheduled ones are deleted; the others are recovered workers.
func (d *kubernetesDriver) recoverPreviousAttemptWorkers(ctx context.Context) error {
	lctx, cancel := context.WithTimeout(ctx, d.cfg.requestTimeout)
	defer cancel()
	list, err := d.pods().List(lctx, metav1.ListOptions{LabelSelector: d.selector(), ResourceVersion: "0"})
	if err != nil {
		return fmt.Errorf("could not list the TaskManager pods of previous attempts (%s) in namespace %q; check that the JobManager's service account may list pods there: %w",
			d.selector(), d.cfg.namespace, err)
	}
	pods := list.Items
	slices.SortFunc(pods, func(a, b corev1.Pod) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	var maxAttempt int64
	var recovered []workerNode
	for i := range pods {
		pod := &pods[i]
		attempt, err := AttemptOf(pod.Name)
		if err != nil {
			return err
		}
		maxAttempt = max(maxAttempt, attempt)
		if podTerminated(pod) || !podScheduled(pod) {
			d.cfg.log.Info("deleting TaskManager pod of a previous attempt that is terminated or not scheduled", "pod", pod.Name)
			d.stopPod(pod.Name)
			continue
		}
		recovered = append(recovered, workerNode{ID: ResourceID(pod.Name)})
	}
	d.attempt = maxAttempt + 1
	d.cfg.log.Info("recovered TaskManager pods from previous attempts", "recovered", len(recovered), "attempt", d.attempt)
	d.h.onPreviousAttemptWorkersRecovered(recovered)
	return nil
}
