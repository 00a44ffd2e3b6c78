package jobmanager

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"flinksim/config"
	"flinksim/jobjar"
	"flinksim/resourcemanager"
)

// uploadDir is where Flink's web frontend keeps uploaded jars (web.upload.dir under
// the temp dir); ids and file names are reported under it.
const uploadDir = "/tmp/flink-web-flinksim/flink-web-upload"

// maxJarSize bounds an upload.
const maxJarSize = 64 << 20

// jarStore holds the jars uploaded through the REST API (in the process's memory, as
// Flink's upload dir lives in the JobManager's temp dir).
type jarStore struct {
	mu   sync.Mutex
	jars map[string]*uploadedJar
}

type uploadedJar struct {
	id       string
	name     string
	uploaded time.Time
	data     []byte
	program  jobjar.Descriptor
	err      error
}

func newJarStore() *jarStore { return &jarStore{jars: map[string]*uploadedJar{}} }

// upload is POST /jars/upload: a multipart form with the jar in field "jarfile".
func (jm *JobManager) upload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(maxJarSize); err != nil {
		writeErrors(w, http.StatusBadRequest, "Failed to parse the upload: "+err.Error())
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, h, err := r.FormFile("jarfile")
	if err != nil {
		writeErrors(w, http.StatusBadRequest, "Exactly 1 file must be sent, received 0.")
		return
	}
	defer f.Close()
	if !strings.HasSuffix(h.Filename, ".jar") {
		writeErrors(w, http.StatusBadRequest, "Only Jar files are allowed.")
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, maxJarSize))
	if err != nil {
		writeErrors(w, http.StatusBadRequest, "Failed to read the upload: "+err.Error())
		return
	}
	id := jm.ids.UUID() + "_" + h.Filename
	j := &uploadedJar{id: id, name: h.Filename, uploaded: time.Now(), data: data}
	j.program, j.err = jobjar.Read(h.Filename, data)
	jm.jars.mu.Lock()
	jm.jars.jars[id] = j
	jm.jars.mu.Unlock()
	jm.entryLog.Info("Uploaded jar " + h.Filename + " as " + id + ".")
	writeJSON(w, http.StatusOK, map[string]string{"filename": uploadDir + "/" + id, "status": "success"})
}

// listJars is GET /jars.
func (jm *JobManager) listJars(w http.ResponseWriter, r *http.Request) {
	jm.jars.mu.Lock()
	jars := slices.Collect(maps.Values(jm.jars.jars))
	jm.jars.mu.Unlock()
	slices.SortFunc(jars, func(a, b *uploadedJar) int { return cmp.Compare(b.uploaded.UnixNano(), a.uploaded.UnixNano()) })
	files := []map[string]any{}
	for _, j := range jars {
		entry := []map[string]any{}
		if j.err == nil {
			entry = append(entry, map[string]any{"name": j.program.EntryClass, "description": nil})
		}
		files = append(files, map[string]any{"id": j.id, "name": j.name, "uploaded": j.uploaded.UnixMilli(), "entry": entry})
	}
	writeJSON(w, http.StatusOK, map[string]any{"address": "http://" + r.Host, "files": files})
}

// deleteJar is DELETE /jars/<id>.
func (jm *JobManager) deleteJar(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("jarid")
	jm.jars.mu.Lock()
	_, ok := jm.jars.jars[id]
	delete(jm.jars.jars, id)
	jm.jars.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("File %s does not exist in %s.", id, uploadDir))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// runRequest is Flink's JarRunRequestBody.
type runRequest struct {
	EntryClass         string            `json:"entryClass"`
	ProgramArgs        string            `json:"programArgs"`
	ProgramArgsList    []string          `json:"programArgsList"`
	Parallelism        *int              `json:"parallelism"`
	JobID              string            `json:"jobId"`
	SavepointPath      string            `json:"savepointPath"`
	FlinkConfiguration map[string]string `json:"flinkConfiguration"`
}

// runJar is POST /jars/<id>/run: the program runs in the JobManager and submits its
// job to the dispatcher.
func (jm *JobManager) runJar(w http.ResponseWriter, r *http.Request) {
	if jm.target == config.DeploymentTargetApplication {
		writeErrors(w, http.StatusBadRequest, "Jar submission is not supported by an application cluster: it runs the job of pipeline.jars only.")
		return
	}
	id := r.PathValue("jarid")
	jm.jars.mu.Lock()
	j := jm.jars.jars[id]
	jm.jars.mu.Unlock()
	if j == nil {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("Jar file %s/%s does not exist", uploadDir, id))
		return
	}
	var req runRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		writeErrors(w, http.StatusBadRequest, "Request body is not valid JSON: "+err.Error())
		return
	}
	if j.err != nil {
		writeErrors(w, http.StatusBadRequest, "org.apache.flink.client.program.ProgramInvocationException: "+j.err.Error())
		return
	}
	if req.SavepointPath != "" {
		writeErrors(w, http.StatusBadRequest, "Restoring from savepoint "+req.SavepointPath+" is not supported by flinksim: savepoints are not simulated.")
		return
	}
	s := jm.current()
	if s == nil {
		writeErrors(w, http.StatusServiceUnavailable, "This JobManager is not the leader.")
		return
	}
	jobID := req.JobID
	if jobID == "" {
		jobID = jm.ids.Hex32()
	}
	args := req.ProgramArgsList
	if len(args) == 0 && strings.TrimSpace(req.ProgramArgs) != "" {
		args = strings.Fields(req.ProgramArgs)
	}
	sub := submission{jobID: resourcemanager.JobID(jobID), programArgs: args, entryClass: req.EntryClass, conf: req.FlinkConfiguration}
	if req.Parallelism != nil {
		sub.parallelism = *req.Parallelism
	}
	g, err := newJobGraph(j.program, jm.conf, sub)
	if err == nil {
		err = s.dispatcher.submit(g)
	}
	if err != nil {
		writeErrors(w, http.StatusBadRequest, "org.apache.flink.runtime.client.JobSubmissionException: Failed to submit job. "+err.Error())
		return
	}
	jm.entryLog.Info(fmt.Sprintf("Received JobGraph submission '%s' (%s).", g.name, g.id))
	writeJSON(w, http.StatusOK, map[string]string{"jobid": jobID})
}
