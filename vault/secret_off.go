//go:build !goexperiment.runtimesecret

package vault

// secretDo runs f. Builds with GOEXPERIMENT=runtimesecret run it under
// runtime/secret.Do instead.
func secretDo(f func()) { f() }
