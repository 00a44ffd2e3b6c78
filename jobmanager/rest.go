package jobmanager

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"flinksim/config"
)

// JobManager is the state the REST endpoint reports.
type JobManager struct {
	conf    *config.Configuration
	log     *slog.Logger
	started time.Time
}

// restHandler serves the part of Flink's REST API this JobManager implements, with
// Flink's paths and JSON shapes.
func (jm *JobManager) restHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /config", jm.dashboardConfig)
	mux.HandleFunc("GET /v1/config", jm.dashboardConfig)
	mux.HandleFunc("GET /overview", jm.overview)
	mux.HandleFunc("GET /v1/overview", jm.overview)
	mux.HandleFunc("GET /jobs/overview", jm.jobsOverview)
	mux.HandleFunc("GET /v1/jobs/overview", jm.jobsOverview)
	mux.HandleFunc("GET /jobmanager/config", jm.jobManagerConfig)
	mux.HandleFunc("GET /v1/jobmanager/config", jm.jobManagerConfig)
	mux.HandleFunc("GET /taskmanagers", jm.taskManagers)
	mux.HandleFunc("GET /v1/taskmanagers", jm.taskManagers)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string][]string{"errors": {"Not found: " + r.URL.Path}})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (jm *JobManager) dashboardConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"refresh-interval": 3000,
		"timezone-name":    "Coordinated Universal Time",
		"timezone-offset":  0,
		"flink-version":    config.FlinkVersion,
		"flink-revision":   "flinksim",
		"features": map[string]bool{
			"web-submit": false, "web-cancel": true, "web-rescale": false, "web-history": false,
		},
	})
}

func (jm *JobManager) overview(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"taskmanagers": 0, "slots-total": 0, "slots-available": 0,
		"jobs-running": 0, "jobs-finished": 0, "jobs-cancelled": 0, "jobs-failed": 0,
		"flink-version": config.FlinkVersion, "flink-commit": "flinksim",
	})
}

func (jm *JobManager) jobsOverview(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"jobs": []any{}})
}

func (jm *JobManager) taskManagers(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"taskmanagers": []any{}})
}

func (jm *JobManager) jobManagerConfig(w http.ResponseWriter, _ *http.Request) {
	keys := jm.conf.Keys()
	sort.Strings(keys)
	out := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		v, _ := jm.conf.GetString(k)
		out = append(out, map[string]string{"key": k, "value": v})
	}
	writeJSON(w, http.StatusOK, out)
}
