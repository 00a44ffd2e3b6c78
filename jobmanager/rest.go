package jobmanager

import (
	"context"
	"encoding/json"
	"errors"
	"flinksim/ha"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"flinksim/config"
	"flinksim/gateway"
	"flinksim/resourcemanager"
)

// restHandler serves the part of Flink's REST API this JobManager implements, with
// Flink's paths and JSON shapes; every path also answers under /v1.
func (jm *JobManager) restHandler() http.Handler {
	mux := http.NewServeMux()
	route := func(method, path string, h http.HandlerFunc) {
		mux.HandleFunc(method+" "+path, h)
		mux.HandleFunc(method+" /v1"+path, h)
	}
	route("GET", "/config", jm.dashboardConfig)
	route("GET", "/overview", jm.overview)
	route("GET", "/jobs", jm.jobs)
	route("GET", "/jobs/overview", jm.jobsOverview)
	route("GET", "/jobs/{jobid}", jm.job)
	route("PATCH", "/jobs/{jobid}", jm.cancelJob)
	route("GET", "/jobs/{jobid}/execution-result", jm.executionResult)
	route("GET", "/jobs/{jobid}/checkpoints", jm.checkpoints)
	route("GET", "/jobs/{jobid}/exceptions", jm.exceptions)
	route("GET", "/jobs/{jobid}/metrics", jm.jobMetrics)
	route("GET", "/jobs/{jobid}/vertices/{vertexid}/taskmanagers", jm.vertexTaskManagers)
	route("GET", "/taskmanagers", jm.taskManagers)
	route("GET", "/jobmanager/config", jm.jobManagerConfig)
	route("GET", "/jars", jm.listJars)
	route("POST", "/jars/upload", jm.upload)
	route("POST", "/jars/{jarid}/run", jm.runJar)
	route("DELETE", "/jars/{jarid}", jm.deleteJar)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, "Not found: "+r.URL.Path)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, code int, errs ...string) {
	writeJSON(w, code, map[string][]string{"errors": errs})
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return -1
	}
	return t.UnixMilli()
}

// listJobs returns every job of the leadership term, or answers 503.
func (jm *JobManager) listJobs(w http.ResponseWriter, r *http.Request) ([]jobDetails, bool) {
	s := jm.leaderOrFail(w)
	if s == nil {
		return nil, false
	}
	jobs, err := s.dispatcher.list(r.Context())
	if err != nil {
		writeErrors(w, http.StatusServiceUnavailable, err.Error())
		return nil, false
	}
	return jobs, true
}

// leaderOrFail returns the leadership term or answers 503.
func (jm *JobManager) leaderOrFail(w http.ResponseWriter) *session {
	s := jm.current()
	if s == nil {
		writeErrors(w, http.StatusServiceUnavailable, "This JobManager is not the leader (no leader session); retry at the leader.")
	}
	return s
}

func (jm *JobManager) dashboardConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"refresh-interval": 3000,
		"timezone-name":    "Coordinated Universal Time",
		"timezone-offset":  0,
		"flink-version":    config.FlinkVersion,
		"flink-revision":   "flinksim",
		"features": map[string]bool{
			"web-submit": jm.target != config.DeploymentTargetApplication, "web-cancel": true, "web-rescale": false, "web-history": false,
		},
	})
}

func (jm *JobManager) overview(w http.ResponseWriter, r *http.Request) {
	s := jm.leaderOrFail(w)
	if s == nil {
		return
	}
	snap, err := s.rm.Snapshot(r.Context())
	if err != nil {
		writeErrors(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	jobs, err := s.dispatcher.list(r.Context())
	if err != nil {
		writeErrors(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	slots, free := 0, 0
	for _, tm := range snap.TaskManagers {
		slots += tm.Spec.NumSlots
		free += tm.FreeSlots
	}
	count := map[ha.JobStatus]int{}
	running := 0
	for _, j := range jobs {
		count[j.Status]++
		if !jobTerminal(j.Status) {
			running++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"taskmanagers": len(snap.TaskManagers), "slots-total": slots, "slots-available": free,
		"jobs-running": running, "jobs-finished": count[ha.JobFinished], "jobs-cancelled": count[ha.JobCanceled], "jobs-failed": count[ha.JobFailed],
		"flink-version": config.FlinkVersion, "flink-commit": "flinksim",
	})
}

func taskCounts(m map[gateway.ExecutionState]int, total int) map[string]int {
	out := map[string]int{"total": total}
	for _, s := range gateway.ExecutionStates {
		out[strings.ToLower(string(s))] = m[s]
	}
	return out
}

func statusCounts(m map[gateway.ExecutionState]int) map[string]int {
	out := map[string]int{}
	for _, s := range gateway.ExecutionStates {
		out[string(s)] = m[s]
	}
	return out
}

func jobOverview(j jobDetails, now time.Time) map[string]any {
	total := 0
	for _, v := range j.Vertices {
		total += v.Parallelism
	}
	end := j.End
	if end.IsZero() {
		end = now
	}
	return map[string]any{
		"jid": j.ID, "name": j.Name, "state": j.Status, "start-time": millis(j.Start), "end-time": millis(j.End),
		"duration": end.Sub(j.Start).Milliseconds(), "last-modification": millis(lastModification(j)),
		"tasks": taskCounts(j.Tasks, total),
	}
}

func lastModification(j jobDetails) time.Time {
	var t time.Time
	for _, ts := range j.Timestamps {
		if ts.After(t) {
			t = ts
		}
	}
	return t
}

func (jm *JobManager) jobsOverview(w http.ResponseWriter, r *http.Request) {
	jobs, ok := jm.listJobs(w, r)
	if !ok {
		return
	}
	out := []map[string]any{}
	now := time.Now()
	for _, j := range jobs {
		out = append(out, jobOverview(j, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (jm *JobManager) jobs(w http.ResponseWriter, r *http.Request) {
	jobs, ok := jm.listJobs(w, r)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, j := range jobs {
		out = append(out, map[string]any{"id": j.ID, "status": j.Status})
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

// jobDetailsOf answers with the details of the path's job, or writes the error.
func (jm *JobManager) jobDetailsOf(w http.ResponseWriter, r *http.Request) (jobDetails, bool) {
	s := jm.leaderOrFail(w)
	if s == nil {
		return jobDetails{}, false
	}
	d, err := s.dispatcher.details(r.Context(), resourcemanager.JobID(r.PathValue("jobid")))
	switch {
	case errors.Is(err, errUnknownJob):
		writeErrors(w, http.StatusNotFound, "Job could not be found.")
		return d, false
	case err != nil:
		writeErrors(w, http.StatusServiceUnavailable, err.Error())
		return d, false
	}
	return d, true
}

func (jm *JobManager) job(w http.ResponseWriter, r *http.Request) {
	j, ok := jm.jobDetailsOf(w, r)
	if !ok {
		return
	}
	now := time.Now()
	ts := map[string]int64{}
	for _, st := range ha.JobStatuses {
		ts[string(st)] = 0
		if t, ok := j.Timestamps[st]; ok {
			ts[string(st)] = t.UnixMilli()
		}
	}
	vertices := []map[string]any{}
	nodes := []map[string]any{}
	// The job's status-counts count its vertices by their aggregate state (Flink's
	// JobDetailsHandler), not its tasks.
	verticesPerState := map[gateway.ExecutionState]int{}
	for i, v := range j.Vertices {
		verticesPerState[v.Status]++
		end := v.End
		if end.IsZero() {
			end = now
		}
		dur := int64(-1)
		if !v.Start.IsZero() {
			dur = end.Sub(v.Start).Milliseconds()
		}
		vertices = append(vertices, map[string]any{
			"id": v.ID, "slotSharingGroupId": "ffffffffffffffffffffffffffffffff", "name": v.Name, "maxParallelism": 128,
			"parallelism": v.Parallelism, "status": v.Status, "start-time": millis(v.Start), "end-time": millis(v.End), "duration": dur,
			"tasks": statusCounts(v.Tasks),
			"metrics": map[string]any{"read-bytes": 0, "read-bytes-complete": true, "write-bytes": 0, "write-bytes-complete": true,
				"read-records": 0, "read-records-complete": true, "write-records": 0, "write-records-complete": true},
		})
		node := map[string]any{"id": v.ID, "parallelism": v.Parallelism, "operator": "", "operator_strategy": "", "description": v.Name,
			"optimizer_properties": map[string]any{}}
		if i > 0 {
			node["inputs"] = []map[string]any{{"num": 0, "id": j.Vertices[i-1].ID, "ship_strategy": "HASH", "exchange": "pipelined_bounded"}}
		}
		nodes = append(nodes, node)
	}
	end := j.End
	if end.IsZero() {
		end = now
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"jid": j.ID, "name": j.Name, "isStoppable": false, "state": j.Status, "job-type": j.Type,
		"start-time": millis(j.Start), "end-time": millis(j.End), "duration": end.Sub(j.Start).Milliseconds(),
		"maxParallelism": -1, "now": now.UnixMilli(), "timestamps": ts, "vertices": vertices, "status-counts": statusCounts(verticesPerState),
		"plan": map[string]any{"jid": j.ID, "name": j.Name, "type": j.Type, "nodes": nodes},
	})
}

// vertexTaskManagers answers which TaskManagers run a vertex's tasks, as Flink's
// JobVertexTaskManagersHandler does (without the metrics and the aggregated figures).
func (jm *JobManager) vertexTaskManagers(w http.ResponseWriter, r *http.Request) {
	j, ok := jm.jobDetailsOf(w, r)
	if !ok {
		return
	}
	i := slices.IndexFunc(j.Vertices, func(v vertexDetails) bool { return v.ID == r.PathValue("vertexid") })
	if i < 0 {
		writeErrors(w, http.StatusNotFound, "JobVertexID "+r.PathValue("vertexid")+" not found.")
		return
	}
	v := j.Vertices[i]
	tms := []map[string]any{}
	for _, id := range slices.Sorted(maps.Keys(v.TaskManagers)) {
		counts := v.TaskManagers[id]
		var states []gateway.ExecutionState
		for st, n := range counts {
			for range n {
				states = append(states, st)
			}
		}
		tms = append(tms, map[string]any{"taskmanager-id": id, "status": aggregateState(states), "status-counts": statusCounts(counts)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": v.ID, "name": v.Name, "now": time.Now().UnixMilli(), "taskmanagers": tms})
}

func (jm *JobManager) cancelJob(w http.ResponseWriter, r *http.Request) {
	mode := r.URL.Query().Get("mode")
	if mode != "" && mode != "cancel" {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("Invalid value %q for query parameter mode: only cancel is supported (stop-with-savepoint is POST /jobs/<id>/stop).", mode))
		return
	}
	s := jm.leaderOrFail(w)
	if s == nil {
		return
	}
	// The answers of Flink's JobCancellationHandler.
	err := s.dispatcher.cancel(r.Context(), resourcemanager.JobID(r.PathValue("jobid")))
	var terminated *jobTerminatedError
	switch {
	case errors.Is(err, errUnknownJob):
		writeErrors(w, http.StatusNotFound, "Job could not be found.")
	case errors.As(err, &terminated):
		writeErrors(w, http.StatusConflict,
			fmt.Sprintf("Job cancellation failed because the job has already reached another terminal state (%s).", terminated.status))
	case errors.Is(err, context.DeadlineExceeded):
		writeErrors(w, http.StatusRequestTimeout, "Job cancellation timed out.")
	case err != nil:
		writeErrors(w, http.StatusInternalServerError, "Job cancellation failed: "+err.Error())
	default:
		writeJSON(w, http.StatusAccepted, map[string]any{})
	}
}

func (jm *JobManager) executionResult(w http.ResponseWriter, r *http.Request) {
	j, ok := jm.jobDetailsOf(w, r)
	if !ok {
		return
	}
	if !j.Status.IsGloballyTerminal() {
		writeJSON(w, http.StatusOK, map[string]any{"status": map[string]string{"id": "IN_PROGRESS"}})
		return
	}
	result := map[string]any{
		"id": j.ID, "application-status": applicationStatus(j.Status), "accumulator-results": map[string]any{},
		"net-runtime": j.End.Sub(j.Start).Milliseconds(),
	}
	if j.Status == ha.JobFailed {
		result["failure-cause"] = map[string]any{"class": "org.apache.flink.runtime.JobException", "stack-trace": j.Failure, "serialized-throwable": ""}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": map[string]string{"id": "COMPLETED"}, "job-execution-result": result})
}

func checkpointJSON(c *checkpointInfo) any {
	if c == nil {
		return nil
	}
	out := map[string]any{
		"@class": "completed", "id": c.ID, "status": c.Status, "is_savepoint": false, "savepointFormat": nil,
		"trigger_timestamp": c.Triggered.UnixMilli(), "latest_ack_timestamp": c.Finished.UnixMilli(),
		"checkpointed_size": 0, "state_size": 0, "end_to_end_duration": c.Finished.Sub(c.Triggered).Milliseconds(),
		"alignment_buffered": 0, "processed_data": 0, "persisted_data": 0,
		"num_subtasks": c.Total, "num_acknowledged_subtasks": c.Acknowledged, "checkpoint_type": "CHECKPOINT",
		"tasks": map[string]any{}, "external_path": "<in-memory>", "discarded": false,
	}
	if c.Status == "FAILED" {
		out["@class"] = "failed"
		out["failure_timestamp"] = c.Finished.UnixMilli()
		out["failure_message"] = c.Failure
	}
	return out
}

func (jm *JobManager) checkpoints(w http.ResponseWriter, r *http.Request) {
	j, ok := jm.jobDetailsOf(w, r)
	if !ok {
		return
	}
	c := j.Checkpoints
	var restored any
	if c.LastRestored != nil {
		restored = map[string]any{"id": c.LastRestored.ID, "restore_timestamp": c.LastRestored.Restored.UnixMilli(),
			"is_savepoint": false, "external_path": "<in-memory>"}
	}
	history := []any{}
	for i := len(c.History) - 1; i >= 0; i-- {
		history = append(history, checkpointJSON(&c.History[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"counts": map[string]int{"restored": c.Restored, "total": c.Completed + c.Failed + c.InProgress, "in_progress": c.InProgress,
			"completed": c.Completed, "failed": c.Failed},
		"summary": map[string]any{},
		"latest":  map[string]any{"completed": checkpointJSON(c.Latest), "savepoint": nil, "failed": checkpointJSON(c.LastFailed), "restored": restored},
		"history": history,
	})
}

func (jm *JobManager) exceptions(w http.ResponseWriter, r *http.Request) {
	j, ok := jm.jobDetailsOf(w, r)
	if !ok {
		return
	}
	entries := []map[string]any{}
	for i := len(j.Exceptions) - 1; i >= 0; i-- {
		e := j.Exceptions[i]
		entry := map[string]any{"exceptionName": exceptionName(e.Cause), "stacktrace": e.Cause, "timestamp": e.Time.UnixMilli(),
			"taskName": nil, "endpoint": nil, "taskManagerId": nil, "failureLabels": map[string]string{}, "concurrentExceptions": []any{}}
		if e.TaskName != "" {
			entry["taskName"] = e.TaskName
		}
		if e.Location != "" {
			entry["taskManagerId"] = e.Location
		}
		entries = append(entries, entry)
	}
	writeJSON(w, http.StatusOK, map[string]any{"exceptionHistory": map[string]any{"entries": entries, "truncated": false}})
}

// exceptionName is the class of a failure cause ("java.util.concurrent.TimeoutException:
// …" → its class).
func exceptionName(cause string) string {
	first, _, _ := strings.Cut(cause, ":")
	if strings.Contains(first, ".") && !strings.Contains(first, " ") {
		return first
	}
	return "java.lang.Exception"
}

// jobMetrics is GET /jobs/<id>/metrics?get=<names>: numRestarts and checkpoint counts.
func (jm *JobManager) jobMetrics(w http.ResponseWriter, r *http.Request) {
	j, ok := jm.jobDetailsOf(w, r)
	if !ok {
		return
	}
	values := map[string]string{
		"numRestarts":                  fmt.Sprint(j.Restarts),
		"numberOfCompletedCheckpoints": fmt.Sprint(j.Checkpoints.Completed),
		"numberOfFailedCheckpoints":    fmt.Sprint(j.Checkpoints.Failed),
		"uptime":                       fmt.Sprint(time.Since(j.Start).Milliseconds()),
	}
	get := r.URL.Query().Get("get")
	out := []map[string]string{}
	if get == "" {
		for _, k := range slices.Sorted(maps.Keys(values)) {
			out = append(out, map[string]string{"id": k})
		}
	} else {
		for _, k := range strings.Split(get, ",") {
			if v, ok := values[k]; ok {
				out = append(out, map[string]string{"id": k, "value": v})
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (jm *JobManager) taskManagers(w http.ResponseWriter, r *http.Request) {
	s := jm.leaderOrFail(w)
	if s == nil {
		return
	}
	snap, err := s.rm.Snapshot(r.Context())
	if err != nil {
		writeErrors(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	s.mu.Lock()
	memories := s.memories
	out := []map[string]any{}
	for _, tm := range snap.TaskManagers {
		mem := memories[tm.ResourceID]
		spec := tm.Spec
		free := tm.FreeSlots
		resource := func(slots int) map[string]any {
			f := float64(slots) / float64(max(spec.NumSlots, 1))
			return map[string]any{"cpuCores": spec.CPU * f, "taskHeapMemory": int64(float64(spec.TaskHeap.MiB()) * f),
				"taskOffHeapMemory": int64(float64(spec.TaskOffHeap.MiB()) * f), "managedMemory": int64(float64(spec.Managed.MiB()) * f),
				"networkMemory": int64(float64(spec.Network.MiB()) * f), "extendedResources": map[string]any{}}
		}
		out = append(out, map[string]any{
			"id": tm.ResourceID, "path": "pekko.tcp://flink@" + tm.Address + "/user/rpc/taskmanager_0", "dataPort": -1, "jmxPort": -1,
			"timeSinceLastHeartbeat": time.Now().UnixMilli(), "slotsNumber": len(tm.Slots), "freeSlots": free,
			"totalResource": resource(spec.NumSlots), "freeResource": resource(free),
			"hardware": map[string]any{"cpuCores": spec.CPU, "physicalMemory": mem.TotalProcessMemory, "freeMemory": mem.TaskHeap,
				"managedMemory": mem.ManagedMemory},
			"memoryConfiguration": map[string]any{"frameworkHeap": mem.FrameworkHeap, "taskHeap": mem.TaskHeap,
				"frameworkOffHeap": mem.FrameworkOffHeap, "taskOffHeap": mem.TaskOffHeap, "networkMemory": mem.NetworkMemory,
				"managedMemory": mem.ManagedMemory, "jvmMetaspace": mem.JVMMetaspace, "jvmOverhead": mem.JVMOverhead,
				"totalFlinkMemory": mem.TotalFlinkMemory, "totalProcessMemory": mem.TotalProcessMemory},
			"blocked": false,
		})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"taskmanagers": out})
}

func (jm *JobManager) jobManagerConfig(w http.ResponseWriter, _ *http.Request) {
	keys := jm.conf.Keys()
	slices.Sort(keys)
	out := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		v, _ := jm.conf.GetString(k)
		out = append(out, map[string]string{"key": k, "value": v})
	}
	writeJSON(w, http.StatusOK, out)
}
