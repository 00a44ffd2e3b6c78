package main

import (
	"bytes"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestGeneratedClientsAreCurrent fails when zz_generated_clients.go is not what the
// generator writes today (after a change to the generator or a client-go upgrade).
func TestGeneratedClientsAreCurrent(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../zz_generated_clients.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("sim/apiserver/zz_generated_clients.go is stale: run `go generate ./sim/apiserver`")
	}
}
