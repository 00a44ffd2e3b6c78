package localcluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flinksim/dfs"
)

// The control endpoint: paths under /flinksim/v1 of the API server, for the
// kubeconfig's admin (the same bearer token as the Kubernetes API).
//
//	GET  /flinksim/v1/forwards   the open forwards ([]portforward.Forward)
//	POST /flinksim/v1/forwards   open one (ForwardRequest) → portforward.Forward
//	GET  /flinksim/v1/faults     the standing faults (FaultList)
//	POST /flinksim/v1/faults     inject one (Fault) → FaultResult
//	GET  /flinksim/v1/objects?uri=<uri>   whether the object store holds it (ObjectStatus)
//	PUT  /flinksim/v1/objects?uri=<uri>   store the body there, replacing what was there
const controlPrefix = "/flinksim/v1/"

// ForwardRequest asks for a Service port on a loopback port (0: any free one).
type ForwardRequest struct {
	Namespace string `json:"namespace"`
	Service   string `json:"service"`
	Port      int32  `json:"port"`
	LocalPort int    `json:"localPort,omitempty"`
}

// FaultResult says what a fault did.
type FaultResult struct {
	Message string `json:"message"`
}

// ObjectStatus says whether the object store holds a file.
type ObjectStatus struct {
	URI    string `json:"uri"`
	Exists bool   `json:"exists"`
}

// maxObject is the largest file a client may upload (a fat job jar).
const maxObject = 512 << 20

// FaultList are the standing faults.
type FaultList struct {
	APIErrors []string `json:"apiErrors"`
}

func (c *Cluster) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+controlPrefix+"forwards", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.Forwards())
	})
	mux.HandleFunc("POST "+controlPrefix+"forwards", func(w http.ResponseWriter, r *http.Request) {
		var req ForwardRequest
		if err := readJSON(r, &req); err != nil {
			writeStatus(w, err)
			return
		}
		if req.Namespace == "" {
			req.Namespace = metav1.NamespaceDefault
		}
		if req.Service == "" || req.Port <= 0 || req.LocalPort < 0 || req.LocalPort > 65535 {
			writeStatus(w, apierrors.NewBadRequest("a forward needs a service and its port (and optionally a local port 1-65535)"))
			return
		}
		f, err := c.forwarder.Add(r.Context(), req.Namespace, req.Service, req.Port, req.LocalPort)
		if err != nil {
			writeStatus(w, asStatus(err))
			return
		}
		writeJSON(w, http.StatusOK, f)
	})
	mux.HandleFunc("GET "+controlPrefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, FaultList{APIErrors: c.faults.active()})
	})
	mux.HandleFunc("POST "+controlPrefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := readJSON(r, &f); err != nil {
			writeStatus(w, err)
			return
		}
		msg, err := c.faults.apply(r.Context(), f)
		if err != nil {
			writeStatus(w, asStatus(err))
			return
		}
		writeJSON(w, http.StatusOK, FaultResult{Message: msg})
	})
	mux.HandleFunc("GET "+controlPrefix+"objects", func(w http.ResponseWriter, r *http.Request) {
		uri := r.URL.Query().Get("uri")
		exists, err := c.store.Exists(r.Context(), uri)
		if err != nil {
			writeStatus(w, objectError(err))
			return
		}
		writeJSON(w, http.StatusOK, ObjectStatus{URI: uri, Exists: exists})
	})
	mux.HandleFunc("PUT "+controlPrefix+"objects", func(w http.ResponseWriter, r *http.Request) {
		uri := r.URL.Query().Get("uri")
		data, err := io.ReadAll(io.LimitReader(r.Body, maxObject+1))
		if err != nil {
			writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("reading the upload of %s: %v", uri, err)))
			return
		}
		if len(data) > maxObject {
			writeStatus(w, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("%s: the object store takes files up to %d MiB", uri, maxObject>>20)))
			return
		}
		if err := c.store.Put(r.Context(), uri, data); err != nil {
			writeStatus(w, objectError(err))
			return
		}
		writeJSON(w, http.StatusOK, ObjectStatus{URI: uri, Exists: true})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, apierrors.NewNotFound(controlResource, r.URL.Path))
	})
	return mux
}

// objectError says what to do about a refused object-store request.
func objectError(err error) error {
	if errors.Is(err, dfs.ErrNoSuchBucket) {
		return apierrors.NewBadRequest(err.Error() + " (the buckets of flinksim up come from --bucket s3://<name> or buckets: in --config)")
	}
	return apierrors.NewBadRequest(err.Error())
}

var controlResource = schema.GroupResource{Group: "flinksim", Resource: "control"}

func readJSON(r *http.Request, into any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("reading the request: %v", err))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("the request is not valid JSON for %s: %v", r.URL.Path, err))
	}
	return nil
}

func asStatus(err error) error {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	return apierrors.NewBadRequest(err.Error())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeStatus(w http.ResponseWriter, err error) {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		st = apierrors.NewInternalError(err)
	}
	s := st.Status()
	s.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	if s.Code == 0 {
		s.Code = http.StatusInternalServerError
	}
	writeJSON(w, int(s.Code), s)
}
