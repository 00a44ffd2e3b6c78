//go:build tools

// This file pins the modules the project builds on, so `go mod tidy` keeps them.
package flinksim

import (
	_ "github.com/cucumber/godog"
	_ "github.com/stretchr/testify/require"
	_ "go.uber.org/goleak"
	_ "k8s.io/client-go/kubernetes/fake"
	_ "sigs.k8s.io/controller-runtime/pkg/envtest"
	_ "sigs.k8s.io/yaml"
)
