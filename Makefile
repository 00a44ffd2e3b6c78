# flinksim — Apache Flink's native Kubernetes integration on a simulated cluster.
# `make help` lists the targets.

SHELL := /usr/bin/env bash
GO ?= go
PKGS := ./...
ENVTEST_VERSION := v1.37.2
ENVTEST_DIR ?= $(HOME)/.cache/flinksim/envtest/$(ENVTEST_VERSION)
# Scenario runner flags, e.g. make scenarios ARGS='-godog.tags=@ha -seed=42'
ARGS ?=
# Report folder for CI: make scenarios REPORT=reports
REPORT ?=
BENCH ?= .
BENCHTIME ?= 1x
# Flags for the benchmark binaries, with PKGS narrowed to the package that defines them,
# e.g. make bench BENCH=TenThousandPods PKGS=./sim BENCHFLAGS='-bench.pods=3000 -bench.nodes=150'
BENCHFLAGS ?=

.PHONY: help build test unit scenarios bench fmt-check vet envtest-assets scenario-runner clean

help: ## List the targets.
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## Compile every package and the commands into bin/.
	$(GO) build $(PKGS)
	$(GO) build -o bin/ ./cmd/...

fmt-check: ## Fail when a file is not gofmt-formatted.
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './hack/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet: ## go vet every package.
	$(GO) vet $(PKGS)

envtest-assets: ## Build the real kube-apiserver and etcd into $(ENVTEST_DIR) (skipped when present).
	FLINKSIM_ENVTEST_DIR=$(ENVTEST_DIR) nice hack/envtest-assets.sh

test: fmt-check vet envtest-assets ## gofmt, go vet, then go test -race over everything, the feature suite and the real-API-server checks included.
	KUBEBUILDER_ASSETS=$(ENVTEST_DIR) FLINKSIM_REQUIRE_ENVTEST=1 $(GO) test -race -count=1 -timeout 25m $(PKGS)
	@# The race detector's history overflows on 200 simulated clusters in one process:
	@# under -race the failover test runs 20 schedules, here all 200 without it.
	$(GO) test -count=1 -run TestRandomizedFailover ./jobmanager

unit: ## go test -race without building the real API server (its checks then skip, saying so).
	$(GO) test -race $(PKGS)

scenarios: ## Run the Gherkin feature suite on the embedded simulated cluster, with a readable report.
	$(if $(REPORT),@mkdir -p $(REPORT))
	$(GO) run ./cmd/scenario-runner \
		$(if $(REPORT),-report.junit=$(abspath $(REPORT))/scenarios.xml -report.cucumber=$(abspath $(REPORT))/scenarios.json) \
		$(ARGS) $(if $(findstring godog.paths,$(ARGS)),,features)

scenario-runner: ## Build bin/scenario-runner, which runs feature files from any folder (-godog.paths).
	$(GO) build -o bin/scenario-runner ./cmd/scenario-runner

bench: ## Run the benchmarks once each (figures in BENCHMARKS.md; 10,000 pods on 500 nodes take about 8 s); BENCH=regexp BENCHTIME=… PKGS=… BENCHFLAGS=… to narrow.
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem $(PKGS) $(BENCHFLAGS)

clean: ## Remove build outputs.
	rm -rf bin reports
