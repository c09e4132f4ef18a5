package main

import (
	"bytes"
	"os"
	"testing"
)

// wrap.go must be what the generator writes: run go generate ./... after
// changing the pieces.
func TestWrapGoIsCurrent(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../wrap.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("wrap.go is stale: run go generate ./...")
	}
}
