//go:build goexperiment.runtimesecret

package vault

import "runtime/secret"

// secretDo runs f under runtime/secret.Do (GOEXPERIMENT=runtimesecret
// builds): the registers and stack f used are erased when it returns, and
// its heap allocations, such as the file and payload keys held by age and
// x/crypto during decryption, are erased
// once the garbage collector frees them.
func secretDo(f func()) { secret.Do(f) }
