module github.com/tgsession/tgsession/interop/gotd

go 1.26.0

require (
	filippo.io/age v1.3.2
	github.com/gotd/td v0.93.0
	github.com/stretchr/testify v1.12.1
	github.com/tgsession/tgsession v0.0.0
)

require (
	filippo.io/hpke v0.4.0 // indirect
	github.com/cenkalti/backoff/v4 v4.2.1 // indirect
	github.com/go-faster/errors v0.7.1 // indirect
	github.com/go-faster/jx v1.1.0 // indirect
	github.com/go-faster/xor v1.0.0 // indirect
	github.com/gotd/ige v0.2.2 // indirect
	github.com/gotd/neo v0.1.5 // indirect
	github.com/segmentio/asm v1.2.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.26.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	nhooyr.io/websocket v1.8.10 // indirect
)

replace github.com/tgsession/tgsession => ../..
