package kubelet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/process"
)

// podWorker runs one pod on its node, as the kubelet's pod workers do: one goroutine
// owns the pod's containers and publishes its status.
type podWorker struct {
	k       *Kubelet
	key     string
	updates chan *corev1.Pod // the newest pod from the informer (nil: deleted)
	faults  chan fault
	exits   chan exit
	done    chan struct{}

	pod      *corev1.Pod
	startAt  time.Time // when the sandbox is ready (start-up latency)
	ip       string
	hostIP   string
	prepared bool
	volumes  map[string]*podVolume
	inits    []*ctr
	mains    []*ctr
	byName   map[string]*ctr
	logs     *podLogs
	// containerNames are the pod's main containers; unlike pod, safe to read from
	// other goroutines.
	containerNames []string
	// node, namespace, name and uid never change; other goroutines may read them.
	node, namespace, name string
	uid                   string
	evicted               *killSpec
	nextRefresh           time.Time
	rand                  *rand.Rand // the pod's own stream (Kubelet.podRand)
	lastMountEvent        time.Time
	mountError            string
	initializedAt         time.Time
	published             *corev1.PodStatus
	// netHung: the pod's network is hung because a container hangs.
	netHung bool
	// terminated: a deletion stopped the pod's containers; its phase is terminal.
	terminated bool

	kubeMu sync.Mutex
	kube   kubernetes.Interface // the processes' client, made on first use
}

type fault struct {
	container string // "" = all
	kill      killSpec
	evict     bool
	hang      hangChange
}

// hangChange is what a fault does to a process's hang.
type hangChange int

const (
	hangNone hangChange = iota
	hangOn
	hangOff
)

func newPodWorker(k *Kubelet, key string, pod *corev1.Pod, r *rand.Rand, startAt time.Time) *podWorker {
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	return &podWorker{
		k: k, key: key, pod: pod, rand: r, startAt: startAt, containerNames: names,
		node: pod.Spec.NodeName, namespace: pod.Namespace, name: pod.Name, uid: string(pod.UID),
		updates: make(chan *corev1.Pod, 1), faults: make(chan fault, 8), exits: make(chan exit, 8), done: make(chan struct{}),
		volumes: map[string]*podVolume{}, byName: map[string]*ctr{}, logs: newPodLogs(),
	}
}

// update hands the worker the newest pod, replacing one not yet taken.
func (w *podWorker) update(pod *corev1.Pod) {
	for {
		select {
		case w.updates <- pod:
			return
		case <-w.done:
			return
		default:
		}
		select {
		case <-w.updates:
		default:
		}
	}
}

func (w *podWorker) run(ctx context.Context) {
	defer close(w.done)
	timer := time.NewTimer(time.Until(w.startAt))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			// The kubelet stops (the simulation ends): its containers die with it.
			w.stopAll(fmt.Errorf("%w: the kubelet stopped: %w", process.ErrKilled, context.Cause(ctx)))
			w.waitAll(0)
			return
		case pod := <-w.updates:
			if pod == nil {
				// Gone from the API (force-deleted): stop without ceremony.
				w.stopAll(errors.New("pod deleted"))
				w.waitAll(0)
				w.k.releasePod(w, false)
				return
			}
			w.pod = pod
			if pod.DeletionTimestamp != nil {
				w.takeReportedExits()
				w.terminate(ctx)
				return
			}
		case e := <-w.exits:
			w.onExit(e)
		case f := <-w.faults:
			w.onFault(f)
		case <-timer.C:
		}
		w.step(ctx)
		w.publish(ctx)
		if next := w.nextWake(); !next.IsZero() {
			timer.Reset(max(time.Until(next), 0))
		}
	}
}

// nextWake is the earliest time something is due: sandbox start, a retry, a restart
// after back-off, a volume refresh.
func (w *podWorker) nextWake() time.Time {
	var next time.Time
	if w.evicted != nil || podFinished(w.pod.Spec.RestartPolicy, w.mains) {
		// step does nothing for such a pod; waking it for a volume refresh that step
		// never performs would spin (a finished pod on a stopped node is never deleted).
		return next
	}
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if !w.prepared {
		consider(w.startAt)
	}
	for _, c := range append(append([]*ctr{}, w.inits...), w.mains...) {
		if !c.running {
			consider(c.restartAt)
		}
	}
	consider(w.nextRefresh)
	return next
}

// step does whatever is due now.
func (w *podWorker) step(ctx context.Context) {
	if w.evicted != nil || podFinished(w.pod.Spec.RestartPolicy, w.mains) {
		return
	}
	now := time.Now()
	if now.Before(w.startAt) {
		return
	}
	if !w.prepared {
		if !w.prepare(ctx) {
			return
		}
	}
	if !w.nextRefresh.IsZero() && !now.Before(w.nextRefresh) {
		w.refreshVolumes()
	}
	// Init containers run one after another; sidecars keep running.
	for _, c := range w.inits {
		if c.running {
			if c.sidecar {
				continue
			}
			return
		}
		if c.sidecar && c.everRan && c.restartAt.IsZero() {
			continue
		}
		if !c.sidecar && c.state.Terminated != nil && c.state.Terminated.ExitCode == 0 {
			continue
		}
		if !c.restartAt.IsZero() && now.Before(c.restartAt) {
			return
		}
		if c.state.Terminated != nil && !c.sidecar && w.pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
			return // failed init container, pod failed
		}
		w.start(ctx, c)
		if !c.sidecar {
			return
		}
	}
	if w.initializedAt.IsZero() {
		w.initializedAt = now
	}
	for _, c := range w.mains {
		if c.running || (!c.restartAt.IsZero() && now.Before(c.restartAt)) {
			continue
		}
		if c.state.Terminated != nil && !shouldRestart(w.pod.Spec.RestartPolicy, c.state.Terminated.ExitCode) {
			continue
		}
		w.start(ctx, c)
	}
}

func shouldRestart(policy corev1.RestartPolicy, code int32) bool {
	return policy == corev1.RestartPolicyAlways || policy == corev1.RestartPolicyOnFailure && code != 0
}

// prepare pulls images and sets up volumes and the network; false while something is
// missing (retried later).
func (w *podWorker) prepare(ctx context.Context) bool {
	pod := w.pod
	pulled := true
	all := append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
	if len(w.byName) == 0 {
		for i, spec := range all {
			c := &ctr{spec: spec, init: i < len(pod.Spec.InitContainers)}
			c.sidecar = c.init && spec.RestartPolicy != nil && *spec.RestartPolicy == corev1.ContainerRestartPolicyAlways
			c.state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
			if c.init {
				c.state.Waiting.Reason = "PodInitializing"
				w.inits = append(w.inits, c)
			} else {
				w.mains = append(w.mains, c)
			}
			w.byName[spec.Name] = c
		}
	}
	for _, c := range w.byName {
		if c.img != nil {
			continue
		}
		img, err := w.k.cfg.Images.Pull(c.spec.Image)
		if err != nil {
			pulled = false
			reason := "ErrImagePull"
			if c.waitReason == "ErrImagePull" || c.waitReason == "ImagePullBackOff" {
				reason = "ImagePullBackOff"
			}
			if c.waitReason != reason {
				w.k.event(ctx, pod, corev1.EventTypeWarning, "Failed", fmt.Sprintf("Failed to pull image %q: %v", c.spec.Image, err))
			}
			c.waitReason, c.waitMessage = reason, err.Error()
			if reason == "ImagePullBackOff" {
				c.waitMessage = fmt.Sprintf("Back-off pulling image %q", c.spec.Image)
			}
			c.state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: c.waitReason, Message: c.waitMessage}}
			c.restartAt = time.Now().Add(nextBackOffFor(c))
			continue
		}
		c.img, c.waitReason, c.waitMessage, c.restartAt = img, "", "", time.Time{}
		c.backoff = 0
		w.pullEvents(ctx, c)
	}
	if !pulled {
		// Try again when the earliest back-off ends.
		retry := time.Time{}
		for _, c := range w.byName {
			if c.img == nil && (retry.IsZero() || c.restartAt.Before(retry)) {
				retry = c.restartAt
			}
		}
		w.startAt = retry
		return false
	}
	for _, v := range pod.Spec.Volumes {
		if _, ok := w.volumes[v.Name]; ok {
			continue
		}
		files, err := w.k.sources.content(pod, v)
		if err != nil {
			w.mountFailed(ctx, &mountError{volume: v.Name, err: err})
			return false
		}
		w.volumes[v.Name] = &podVolume{name: v.Name, source: v.VolumeSource, files: files, writable: v.EmptyDir != nil || v.HostPath != nil || v.PersistentVolumeClaim != nil}
	}
	w.mountError = ""
	for _, c := range w.byName {
		var mounts []mount
		for _, vm := range c.spec.VolumeMounts {
			vol := w.volumes[vm.Name]
			if vol == nil {
				continue
			}
			mt := mount{path: strings.TrimPrefix(path.Clean(vm.MountPath), "/"), volume: vol, subPath: vm.SubPath}
			if vm.SubPath != "" && !vol.writable {
				mt.frozen = vol.snapshot()
			}
			mounts = append(mounts, mt)
		}
		c.fs = newContainerFS(c.img, mounts)
	}
	node, err := w.k.nodes.Get(pod.Spec.NodeName)
	if err != nil {
		w.startAt = time.Now().Add(2 * time.Second) // the node is not (yet) known: look again later
		return false
	}
	w.hostIP = nodeIP(node)
	if w.ip == "" {
		if w.ip, err = w.k.podIP(node, pod); err != nil {
			w.mountFailed(ctx, err)
			return false
		}
	}
	w.prepared = true
	w.scheduleRefresh()
	return true
}

func nextBackOffFor(c *ctr) time.Duration {
	d := nextBackOff(c, 0)
	if d == 0 {
		d = initialBackOff
	}
	return d
}

// mountFailed records a volume that cannot be set up: a FailedMount event (once a
// minute, as the kubelet repeats it) and a retry.
func (w *podWorker) mountFailed(ctx context.Context, err error) {
	now := time.Now()
	if w.mountError != err.Error() || now.Sub(w.lastMountEvent) >= time.Minute {
		w.k.event(ctx, w.pod, corev1.EventTypeWarning, "FailedMount", err.Error())
		w.lastMountEvent = now
	}
	w.mountError = err.Error()
	w.startAt = now.Add(2 * time.Second)
}

// refreshVolumes brings ConfigMap and Secret volumes up to date, as the kubelet's
// periodic sync does (subPath mounts excepted).
func (w *podWorker) refreshVolumes() {
	for _, v := range w.pod.Spec.Volumes {
		vol := w.volumes[v.Name]
		if vol == nil || vol.writable {
			continue
		}
		if files, err := w.k.sources.content(w.pod, v); err == nil {
			vol.set(files)
		}
	}
	w.scheduleRefresh()
}

// scheduleRefresh sets the next volume resync. The kubelet requeues a pod after each
// sync with wait.Jitter(sync-frequency, 0.5): one to one and a half periods later.
// The jitter also keeps a resync from falling on the very instant a process in the
// pod rereads the file (log4j's monitorInterval is a whole number of seconds), where
// which of the two comes first would be goroutine order.
func (w *podWorker) scheduleRefresh() {
	p := w.k.cfg.VolumeSyncPeriod
	w.nextRefresh = time.Now().Add(p + time.Duration(w.rand.Int64N(int64(p)/2+1)))
}

// start runs a new instance of a container.
func (w *podWorker) start(ctx context.Context, c *ctr) {
	pod := w.pod
	// The downward API sees the pod IP the sandbox already has, even before the status
	// that reports it is written (the kubelet resolves status.podIP from the sandbox).
	if pod.Status.PodIP == "" && w.ip != "" {
		pod = pod.DeepCopy()
		pod.Status.PodIP, pod.Status.PodIPs = w.ip, []corev1.PodIP{{IP: w.ip}}
		pod.Status.HostIP = w.hostIP
	}
	env, err := w.k.sources.containerEnv(pod, &c.spec, c.img)
	if err != nil {
		c.waitReason, c.waitMessage = "CreateContainerConfigError", err.Error()
		c.state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: c.waitReason, Message: c.waitMessage}}
		c.restartAt = time.Now().Add(10 * time.Second)
		w.k.event(ctx, pod, corev1.EventTypeWarning, "Failed", "Error: "+err.Error())
		return
	}
	if c.everRan {
		if c.state.Terminated != nil {
			c.last = c.state
		}
		c.restarts++
		// A restart goes through the image manager again.
		w.pullEvents(ctx, c)
	}
	c.gen++
	c.running, c.everRan, c.kill = true, true, nil
	c.restartAt, c.waitReason, c.waitMessage = time.Time{}, "", ""
	c.startedAt = time.Now()
	c.state = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(c.startedAt)}}
	logs := w.logs.start(c.spec.Name)
	args := argv(&c.spec, c.img)
	// The program ends only as the worker tells it (SIGTERM, a kill), never by the
	// worker's own context, so that it learns which.
	runCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	c.cancel = cancel
	net := w.k.cfg.Network.Host(w.ip)
	user := "system:serviceaccount:" + pod.Namespace + ":" + serviceAccount(pod)
	podName := pod.Name
	penv := &process.Env{
		Environ: env, Files: c.fs, Write: c.fs.write, Network: net, Hostname: pod.Name, Stdout: logs, Stderr: logs,
		Kube: func() (kubernetes.Interface, error) { return w.kubeClient(user, podName), nil },
	}
	name, gen := c.spec.Name, c.gen
	var prog process.Program
	if len(args) > 0 {
		prog, _ = c.img.program(args[0])
		penv.Args = args[1:]
	}
	if prog == nil {
		// The runtime cannot exec the command: the container is created but never
		// starts, and ends at once with containerd's StartError (exit 128, no log).
		missing := "<none>"
		if len(args) > 0 {
			missing = args[0]
		}
		c.kill = &killSpec{code: 128, reason: "StartError", msg: startError(missing)}
		prog = func(context.Context, *process.Env) error { return process.Exit(128, nil) }
	}
	if !w.k.cfg.NoEvents {
		w.containerEvent(ctx, c, "Created", "Container created")
		if c.kill != nil {
			w.k.event(ctx, w.pod, corev1.EventTypeWarning, "Failed", "Error: "+c.kill.msg)
		} else {
			w.containerEvent(ctx, c, "Started", "Container started")
		}
	}
	go func() {
		err := runProgram(runCtx, prog, penv)
		cancel(nil)
		select {
		case w.exits <- exit{name: name, gen: gen, code: int32(process.ExitCode(err)), err: err, at: time.Now()}:
		case <-w.done:
		}
	}()
}

// startError is containerd's message for a command the container cannot exec.
func startError(command string) string {
	return fmt.Sprintf("failed to create containerd task: failed to create shim task: OCI runtime create failed: "+
		"runc create failed: unable to start container process: error during container init: "+
		"exec: %q: executable file not found in $PATH: unknown", command)
}

// kubeClient is the client the pod's processes share: one per pod, made on first use.
func (w *podWorker) kubeClient(user, pod string) kubernetes.Interface {
	w.kubeMu.Lock()
	defer w.kubeMu.Unlock()
	if w.kube == nil {
		if w.k.cfg.PodClient != nil {
			w.kube = w.k.cfg.PodClient(user, pod, w.ip)
		} else {
			w.kube = w.k.cfg.Clients(user)
		}
	}
	return w.kube
}

func serviceAccount(pod *corev1.Pod) string {
	if pod.Spec.ServiceAccountName != "" {
		return pod.Spec.ServiceAccountName
	}
	return "default"
}

func (w *podWorker) onExit(e exit) {
	c := w.byName[e.name]
	if c == nil || c.gen != e.gen || !c.running {
		return
	}
	c.running = false
	c.cancel = nil
	c.hung = false
	w.syncHang()
	c.state = terminatedState(c, e.code, e.at, containerID(w.pod, c.spec.Name))
	code := c.state.Terminated.ExitCode
	if w.evicted != nil || w.pod.DeletionTimestamp != nil {
		return
	}
	restart := c.sidecar || (!c.init && shouldRestart(w.pod.Spec.RestartPolicy, code)) ||
		(c.init && code != 0 && w.pod.Spec.RestartPolicy != corev1.RestartPolicyNever)
	if !restart {
		return
	}
	delay := nextBackOff(c, e.at.Sub(c.startedAt))
	c.restartAt = time.Now().Add(delay)
	if delay > 0 {
		c.last = c.state
		c.state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, c.spec.Name, w.pod.Name, w.pod.Namespace, w.pod.UID)}}
		w.k.event(context.Background(), w.pod, corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container "+c.spec.Name+" in pod "+w.pod.Name+"_"+w.pod.Namespace+"("+string(w.pod.UID)+")")
	}
}

func (w *podWorker) onFault(f fault) {
	if f.hang != hangNone {
		for _, c := range w.byName {
			if c.running && (f.container == "" || c.spec.Name == f.container) {
				c.hung = f.hang == hangOn
			}
		}
		w.syncHang()
		return
	}
	if f.evict {
		ks := f.kill
		w.evicted = &ks
	}
	for _, c := range w.byName {
		if f.container != "" && c.spec.Name != f.container {
			continue
		}
		if c.running {
			ks := f.kill
			c.kill = &ks
			c.cancel(fmt.Errorf("%w (%s)", process.ErrKilled, ks.reason))
		}
	}
}

// syncHang hangs the pod's network while a container hangs, and resumes it after.
func (w *podWorker) syncHang() {
	hung := false
	for _, c := range w.byName {
		hung = hung || c.running && c.hung
	}
	if hung == w.netHung || w.ip == "" {
		return
	}
	w.netHung = hung
	if hung {
		w.k.cfg.Network.Hang(w.ip)
	} else {
		w.k.cfg.Network.Resume(w.ip)
	}
}

// stopAll sends SIGTERM to every running container; a hung one ignores it.
func (w *podWorker) stopAll(cause error) {
	for _, c := range w.byName {
		if c.running && c.cancel != nil && !c.hung {
			c.cancel(cause)
		}
	}
}

// waitAll waits for running containers to exit, at most grace; those still running
// then are killed (exit 137) and abandoned.
func (w *podWorker) waitAll(grace time.Duration) {
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	for w.anyRunning() {
		select {
		case e := <-w.exits:
			w.onExit(e)
		case <-deadline.C:
			// SIGKILL: the process ends (its goroutines see their context end) and its
			// exit is not waited for.
			for _, c := range w.byName {
				if c.running {
					c.running = false
					c.hung = false
					if c.cancel != nil {
						c.cancel(errors.New("SIGKILL"))
					}
					c.kill = &killSpec{code: 137, reason: "Error"}
					c.state = terminatedState(c, 137, time.Now(), containerID(w.pod, c.spec.Name))
				}
			}
			w.syncHang()
			return
		}
	}
}

// takeReportedExits handles the container exits already reported. When an exit and a
// deletion are both waiting, select picks one at random; a container that has exited
// is not running any more, whatever select picked (and whether termination then says
// it is stopping it must not depend on that pick).
func (w *podWorker) takeReportedExits() {
	for {
		select {
		case e := <-w.exits:
			w.onExit(e)
		default:
			return
		}
	}
}

func (w *podWorker) anyRunning() bool {
	for _, c := range w.byName {
		if c.running {
			return true
		}
	}
	return false
}

// killReaction is the least time after a graceful deletion before the kubelet sends
// SIGTERM; each pod adds a jitter of up to the same again from its own stream.
const killReaction = 10 * time.Millisecond

// terminate is graceful deletion: SIGTERM, wait up to the grace period, publish the
// final container states, free the network, and confirm with a delete of grace 0.
func (w *podWorker) terminate(ctx context.Context) {
	pod := w.pod
	grace := time.Duration(0)
	if pod.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	// A kubelet learns of a deletion from its watch and then kills: never in the same
	// instant as the deletion, and pods deleted together (a cluster the garbage
	// collector removes) are not killed in one instant either. What reacts to one
	// pod's end (a resource manager replacing a TaskManager) therefore has it done
	// before, or after, its own process's SIGTERM — the same in every run, where one
	// instant for all would leave the order to goroutine scheduling.
	if grace > 0 && len(w.running()) > 0 {
		time.Sleep(killReaction + time.Duration(w.rand.Int64N(int64(killReaction))))
	}
	if !w.k.cfg.NoEvents {
		for _, c := range w.running() {
			w.containerEvent(ctx, c, "Killing", "Stopping container "+c.spec.Name)
		}
	}
	w.stopAll(errors.New("SIGTERM"))
	w.waitAll(grace)
	w.terminated = true
	w.publish(ctx)
	w.k.releasePod(w, true)
	w.k.confirmDeletion(ctx, pod)
}

// running are the containers still running that no fault has killed already: a
// container a crash or an OOM kill ended is dead from that moment, whether or not its
// exit has reached the worker yet.
func (w *podWorker) running() []*ctr {
	var out []*ctr
	for _, c := range append(append([]*ctr{}, w.inits...), w.mains...) {
		if c.running && c.kill == nil {
			out = append(out, c)
		}
	}
	return out
}
