package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cucumber/godog"
)

// inClusterClientIP is where REST calls of the steps come from: a pod in the
// cluster, since a ClusterIP REST Service is only reachable from inside it (Flink
// docs, "Accessing Flink's Web UI").
const inClusterClientIP = "10.244.250.250"

func (w *World) registerRESTSteps(sc *godog.ScenarioContext) {
	sc.Step(`^within (.+) the REST endpoint of "([^"]*)" answers from inside the cluster$`, w.withinTheRESTEndpointAnswers)
}

// rest performs a GET on a deployed cluster's REST endpoint over the simulated network.
func (w *World) rest(id, path string, out interface{}) error {
	client, ok := w.clients[w.clientKey(id)]
	if !ok {
		return fmt.Errorf("no cluster %q was deployed in this scenario", id)
	}
	tr := &http.Transport{DialContext: w.cluster.Network().Host(inClusterClientIP).DialContext}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, client.WebURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s%s: %s: %s", client.WebURL, path, resp.Status, body)
	}
	return json.Unmarshal(body, out)
}

func (w *World) withinTheRESTEndpointAnswers(within, id string) error {
	return waitUntil(within, fmt.Sprintf("the REST endpoint of %q answers", id), func() (bool, string, error) {
		var cfg struct {
			Version string `json:"flink-version"`
		}
		if err := w.rest(id, "/config", &cfg); err != nil {
			return false, err.Error(), nil
		}
		w.tracef("REST endpoint of %q answers: Flink %s", id, cfg.Version)
		return cfg.Version != "", "no flink-version in /config", nil
	})
}
