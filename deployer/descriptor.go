package deployer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"flinksim/config"
	"flinksim/kubeobjects"
)

// Options configure a Descriptor.
type Options struct {
	// Client talks to the Kubernetes API server; all objects go to kubernetes.namespace.
	Client kubernetes.Interface
	// Config is the effective client configuration (after -D overrides). New copies it.
	Config *config.Configuration
	// ReadFile reads local files: pod templates, logging configurations, keytab,
	// krb5.conf, Hadoop configuration, artifacts to upload. nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// LookupEnv reads the local environment (HADOOP_CONF_DIR, HADOOP_HOME). nil means
	// os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Rand draws the random cluster id when kubernetes.cluster-id is not set. nil
	// means a generator seeded from crypto/rand.
	Rand *rand.Rand
	// Log receives warnings, worded like Flink's. nil means io.Discard.
	Log io.Writer
	// Artifacts is the remote file system local artifacts are uploaded to in
	// application mode (kubernetes.artifacts.local-upload-enabled). nil refuses such
	// an upload with an error.
	Artifacts ArtifactStore
}

// Descriptor is Flink's Kubernetes cluster descriptor: it deploys session and
// application clusters, retrieves their REST endpoint and kills them.
type Descriptor struct {
	client    kubernetes.Interface
	conf      *config.Configuration
	clusterID string
	namespace string
	local     kubeobjects.Local
	log       io.Writer
	artifacts ArtifactStore
}

// ClusterClient is what a deploy or retrieve tells the user: which cluster and where
// its REST endpoint (web UI) is.
type ClusterClient struct {
	ClusterID string
	Namespace string
	// WebURL is http://<address>:<port> (https with REST SSL).
	WebURL string
	// Configuration is the client configuration pointing at the cluster: the
	// deployer's mutations applied (on deploy) and rest.address / rest.port set to the
	// endpoint.
	Configuration *config.Configuration
}

// New checks the options and makes a Descriptor. Without kubernetes.cluster-id a
// random id is generated and written into the Descriptor's configuration, as Flink
// does. A cluster id that Flink or the API server would refuse is refused here.
func New(opts Options) (*Descriptor, error) {
	if opts.Client == nil {
		return nil, errors.New("deployer: Options.Client is required")
	}
	if opts.Config == nil {
		return nil, errors.New("deployer: Options.Config is required")
	}
	conf := opts.Config.Clone()
	clusterID, ok, err := config.GetOptional(conf, config.KubernetesClusterID)
	if err != nil {
		return nil, err
	}
	if !ok {
		r := opts.Rand
		if r == nil {
			r = cryptoSeededRand()
		}
		clusterID = randomClusterID(r)
		config.Set(conf, config.KubernetesClusterID, clusterID)
	}
	if err := kubeobjects.ValidateClusterID(clusterID); err != nil {
		return nil, err
	}
	namespace, err := kubeobjects.Namespace(conf)
	if err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	readFile := opts.ReadFile
	if readFile == nil {
		readFile = os.ReadFile
	}
	return &Descriptor{
		client:    opts.Client,
		conf:      conf,
		clusterID: clusterID,
		namespace: namespace,
		local:     kubeobjects.Local{ReadFile: readFile, LookupEnv: opts.LookupEnv, Log: log},
		log:       log,
		artifacts: opts.Artifacts,
	}, nil
}

// ClusterID is the cluster id this Descriptor deploys (configured or generated).
func (d *Descriptor) ClusterID() string { return d.clusterID }

// Namespace is kubernetes.namespace.
func (d *Descriptor) Namespace() string { return d.namespace }

// Config returns a copy of the Descriptor's configuration (with the cluster id).
func (d *Descriptor) Config() *config.Configuration { return d.conf.Clone() }

// DeploySessionCluster deploys a session cluster. execution.target must be
// kubernetes-session or unset (then it is set); Flink leaves a mismatch to fail later.
// Like Flink's descriptor it does not check whether the cluster exists; the session
// CLI asks ClusterExists first and attaches instead.
func (d *Descriptor) DeploySessionCluster(ctx context.Context) (*ClusterClient, error) {
	conf := d.conf.Clone()
	target, ok, _ := config.GetOptional(conf, config.ExecutionTarget)
	switch {
	case !ok:
		config.Set(conf, config.ExecutionTarget, string(config.DeploymentTargetSession))
	case !strings.EqualFold(strings.TrimSpace(target), string(config.DeploymentTargetSession)):
		return nil, fmt.Errorf("could not deploy session cluster %q: %s is %q, expected %q",
			d.clusterID, config.ExecutionTarget.Key(), target, config.DeploymentTargetSession)
	}
	return d.deploy(ctx, conf)
}

// Retrieve attaches to a running cluster: it reports the REST endpoint of <cid>-rest
// (reference §1.8). A missing endpoint is an error wrapping ErrNoRESTEndpoint.
func (d *Descriptor) Retrieve(ctx context.Context, clusterID string) (*ClusterClient, error) {
	if err := kubeobjects.ValidateClusterID(clusterID); err != nil {
		return nil, err
	}
	conf := d.conf.Clone()
	config.Set(conf, config.KubernetesClusterID, clusterID)
	return d.clusterClient(ctx, clusterID, conf)
}

// KillCluster deletes Deployment <cid> with background propagation: the garbage
// collector then removes pods, Services, ConfigMaps and Secrets the cluster owns. The
// HA ConfigMaps have no owner and stay, so a new cluster with the same id recovers
// its jobs. A cluster that does not exist is not an error (as in Flink).
func (d *Descriptor) KillCluster(ctx context.Context, clusterID string) error {
	if err := kubeobjects.ValidateClusterID(clusterID); err != nil {
		return err
	}
	return d.deleteDeployment(ctx, clusterID)
}

// ClusterExists reports whether Service <cid>-rest exists, which is how Flink decides
// that a cluster is running (the session CLI attaches then, application mode refuses).
func (d *Descriptor) ClusterExists(ctx context.Context, clusterID string) (bool, error) {
	if err := kubeobjects.ValidateClusterID(clusterID); err != nil {
		return false, err
	}
	name := kubeobjects.RestServiceName(clusterID)
	_, err := d.client.CoreV1().Services(d.namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	default:
		return false, explain(err, "get", "Service", name, d.namespace)
	}
}

func (d *Descriptor) deleteDeployment(ctx context.Context, clusterID string) error {
	background := metav1.DeletePropagationBackground
	name := kubeobjects.DeploymentName(clusterID)
	err := d.client.AppsV1().Deployments(d.namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &background})
	if err != nil && !apierrors.IsNotFound(err) {
		return explain(err, "delete", "Deployment", name, d.namespace)
	}
	return nil
}

// clusterClient resolves the endpoint and builds the ClusterClient. conf is the
// configuration to hand out, completed with the endpoint.
func (d *Descriptor) clusterClient(ctx context.Context, clusterID string, conf *config.Configuration) (*ClusterClient, error) {
	addressType, err := kubeobjects.NodePortAddressType(conf)
	if err != nil {
		return nil, err
	}
	ep, err := restEndpoint(ctx, d.client, d.namespace, clusterID, corev1.NodeAddressType(addressType))
	if err != nil {
		return nil, fmt.Errorf("could not retrieve the REST endpoint of Flink cluster %q: %w", clusterID, err)
	}
	if ep.exposedType == config.ServiceExposedClusterIP || ep.exposedType == config.ServiceExposedHeadlessClusterIP {
		fmt.Fprintf(d.log, "WARN the REST Service %s of cluster %s is of type %s, so %s is only reachable from inside "+
			"the Kubernetes cluster: client operations (list, cancel, stop, savepoint) will not work from outside; "+
			"use `kubectl port-forward service/%s %d` or set kubernetes.rest-service.exposed.type to NodePort or LoadBalancer\n",
			kubeobjects.RestServiceName(clusterID), clusterID, ep.exposedType, ep.host,
			kubeobjects.RestServiceName(clusterID), ep.port)
	}
	tls, err := kubeobjects.RestSSLEnabled(conf)
	if err != nil {
		return nil, err
	}
	config.Set(conf, config.RestAddress, ep.host)
	config.Set(conf, config.RestPort, int(ep.port))
	return &ClusterClient{ClusterID: clusterID, Namespace: d.namespace, WebURL: ep.url(tls), Configuration: conf}, nil
}
