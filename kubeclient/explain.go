package kubeclient

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// Explain turns a failure to reach the API server into plain words with the fix; the
// original error stays reachable with errors.Is/As. Other errors are returned as
// they are.
func Explain(err error, t *Target) error {
	if err == nil || t == nil {
		return err
	}
	server := t.Config.Host
	via := t.Source
	if t.Context != "" {
		via += fmt.Sprintf(", context %q", t.Context)
	}
	check := "check that the cluster is running and that the kubeconfig is the right one (kubectl cluster-info" +
		contextFlag(t) + "), or choose another cluster with --kubeconfig or -Dkubernetes.context=<context>"
	var dnsErr *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach the Kubernetes API server %s (from %s): the connection was refused; %s: %w",
			server, via, check, err)
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Errorf("cannot reach the Kubernetes API server %s (from %s): the host name %q does not resolve; %s: %w",
			server, via, dnsErr.Name, check, err)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Errorf("cannot reach the Kubernetes API server %s (from %s): no route to it; %s: %w",
			server, via, check, err)
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Errorf("the Kubernetes API server %s (from %s) did not answer in time; %s: %w",
			server, via, check, err)
	case errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr):
		return fmt.Errorf("the certificate of the Kubernetes API server %s (from %s) is not trusted; "+
			"check certificate-authority(-data) and the server name of the cluster in the kubeconfig: %w", server, via, err)
	}
	return err
}

func contextFlag(t *Target) string {
	if t.Context == "" {
		return ""
	}
	return " --context " + t.Context
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
