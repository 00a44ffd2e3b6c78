package flinkresttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Job is a job the fake knows.
type Job struct {
	ID, Name, State string
	Start           time.Time
	// PollsUntilDone is how many execution-result polls answer IN_PROGRESS before
	// the job completes with FinalStatus.
	PollsUntilDone int
	FinalStatus    string
}

// Jar is an uploaded jar.
type Jar struct {
	ID, FileName string
	Content      []byte
	ContentType  string
}

// Run is a recorded POST /jars/<id>/run.
type Run struct {
	JarID string
	Body  map[string]any
}

// JobManager is the fake. Use it as an http.Handler.
type JobManager struct {
	mu       sync.Mutex
	jobs     []*Job
	jars     map[string]*Jar
	runs     []Run
	requests []string
	nextID   int
	// NoJarAPI makes /jars/* answer 404, as a JobManager without web submission does.
	NoJarAPI bool
}

// New returns a fake with the given jobs.
func New(jobs ...Job) *JobManager {
	jm := &JobManager{jars: map[string]*Jar{}}
	for i := range jobs {
		j := jobs[i]
		jm.jobs = append(jm.jobs, &j)
	}
	return jm
}

// HTTPClient is a client whose requests are served by jm directly, without sockets.
func (jm *JobManager) HTTPClient() *http.Client {
	return &http.Client{Transport: roundTripper{jm}}
}

type roundTripper struct{ h http.Handler }

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	rt.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// Requests lists "METHOD /path?query" of every request, in order.
func (jm *JobManager) Requests() []string {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	return slices.Clone(jm.requests)
}

// Jars returns the uploaded jars.
func (jm *JobManager) Jars() []Jar {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	var out []Jar
	for _, j := range jm.jars {
		out = append(out, *j)
	}
	return out
}

// Runs returns the recorded jar runs.
func (jm *JobManager) Runs() []Run {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	return slices.Clone(jm.runs)
}

// Job returns a job by id.
func (jm *JobManager) Job(id string) (Job, bool) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	for _, j := range jm.jobs {
		if j.ID == id {
			return *j, true
		}
	}
	return Job{}, false
}

func (jm *JobManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	jm.requests = append(jm.requests, r.Method+" "+r.URL.RequestURI())
	p := strings.TrimPrefix(r.URL.Path, "/v1")
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case r.Method == http.MethodGet && p == "/jobs/overview":
		jm.overview(w)
	case r.Method == http.MethodPatch && len(parts) == 2 && parts[0] == "jobs":
		jm.cancel(w, r, parts[1])
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "jobs" && parts[2] == "execution-result":
		jm.result(w, parts[1])
	case jm.NoJarAPI && parts[0] == "jars":
		writeErrors(w, http.StatusNotFound, "Not found: "+r.URL.Path)
	case r.Method == http.MethodPost && p == "/jars/upload":
		jm.upload(w, r)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "jars" && parts[2] == "run":
		jm.run(w, r, parts[1])
	default:
		writeErrors(w, http.StatusNotFound, "Not found: "+r.URL.Path)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, code int, errs ...string) {
	writeJSON(w, code, map[string][]string{"errors": errs})
}

func (jm *JobManager) overview(w http.ResponseWriter) {
	jobs := []map[string]any{}
	for _, j := range jm.jobs {
		jobs = append(jobs, map[string]any{
			"jid": j.ID, "name": j.Name, "state": j.State,
			"start-time": j.Start.UnixMilli(), "end-time": -1, "duration": 1000, "last-modification": j.Start.UnixMilli(),
			"tasks": map[string]int{"running": 1, "total": 1},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
}

func (jm *JobManager) find(id string) *Job {
	for _, j := range jm.jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

func (jm *JobManager) cancel(w http.ResponseWriter, r *http.Request, id string) {
	if mode := r.URL.Query().Get("mode"); mode != "" && mode != "cancel" {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("Invalid value %q for query parameter mode.", mode))
		return
	}
	j := jm.find(id)
	if j == nil {
		writeErrors(w, http.StatusNotFound, "Job could not be found.")
		return
	}
	j.State = "CANCELED"
	writeJSON(w, http.StatusAccepted, map[string]any{})
}

func (jm *JobManager) result(w http.ResponseWriter, id string) {
	j := jm.find(id)
	if j == nil {
		writeErrors(w, http.StatusNotFound, "Job could not be found.")
		return
	}
	if j.PollsUntilDone > 0 {
		j.PollsUntilDone--
		writeJSON(w, http.StatusOK, map[string]any{"status": map[string]string{"id": "IN_PROGRESS"}})
		return
	}
	status := j.FinalStatus
	if status == "" {
		status = "SUCCEEDED"
	}
	j.State = map[string]string{"SUCCEEDED": "FINISHED", "FAILED": "FAILED", "CANCELED": "CANCELED"}[status]
	writeJSON(w, http.StatusOK, map[string]any{
		"status": map[string]string{"id": "COMPLETED"},
		"job-execution-result": map[string]any{
			"id": id, "application-status": status, "accumulator-results": map[string]any{}, "net-runtime": 1234,
		},
	})
}

func (jm *JobManager) upload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeErrors(w, http.StatusBadRequest, "Failed to parse the upload: "+err.Error())
		return
	}
	f, h, err := r.FormFile("jarfile")
	if err != nil {
		writeErrors(w, http.StatusBadRequest, "Exactly 1 file must be sent, received 0.")
		return
	}
	defer f.Close()
	content, _ := io.ReadAll(f)
	if !strings.HasSuffix(h.Filename, ".jar") {
		writeErrors(w, http.StatusBadRequest, "Only Jar files are allowed.")
		return
	}
	jm.nextID++
	id := fmt.Sprintf("%08x-0000-0000-0000-000000000000_%s", jm.nextID, h.Filename)
	jm.jars[id] = &Jar{ID: id, FileName: h.Filename, Content: content, ContentType: h.Header.Get("Content-Type")}
	writeJSON(w, http.StatusOK, map[string]string{
		"filename": "/tmp/flink-web-0000/flink-web-upload/" + id, "status": "success",
	})
}

func (jm *JobManager) run(w http.ResponseWriter, r *http.Request, jarID string) {
	if _, ok := jm.jars[jarID]; !ok {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("Jar file /tmp/flink-web-0000/flink-web-upload/%s does not exist", jarID))
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil && err != io.EOF {
		writeErrors(w, http.StatusBadRequest, "Request body is not valid JSON: "+err.Error())
		return
	}
	jm.runs = append(jm.runs, Run{JarID: jarID, Body: body})
	jm.nextID++
	id := fmt.Sprintf("%032x", jm.nextID)
	if s, ok := body["jobId"].(string); ok && s != "" {
		id = s
	}
	jm.jobs = append(jm.jobs, &Job{ID: id, Name: "job from " + jarID, State: "RUNNING", Start: time.Now()})
	writeJSON(w, http.StatusOK, map[string]string{"jobid": id})
}
