// Package gotd cross-checks tgsession's gotd/td session JSON against the real
// github.com/gotd/td session package (v0.93.0, the version the Go module
// proxy serves). It is a nested module so that gotd never enters the main
// module's go.mod; run its tests with
//
//	cd interop/gotd && GOFLAGS=-mod=mod go test ./...
package gotd
