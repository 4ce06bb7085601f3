module github.com/tgsession/tgsession/interop/gotd

go 1.26.0

require (
	github.com/gotd/td v0.93.0
	github.com/tgsession/tgsession v0.0.0
)

replace github.com/tgsession/tgsession => ../..
