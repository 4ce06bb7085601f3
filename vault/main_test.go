package vault_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// childEnv selects a child-process role when the test binary re-executes
// itself (memlock preflight, environment scrub, crash and concurrency
// tests).
const childEnv = "VAULT_TEST_CHILD"

var children = map[string]func() error{}

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		f, ok := children[role]
		if !ok {
			fmt.Fprintln(os.Stderr, "unknown child role", role)
			os.Exit(2)
		}
		if err := f(); err != nil {
			fmt.Println("CHILD FAIL:", err)
			os.Exit(1)
		}
		fmt.Println("CHILD OK")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child runs the test binary in role with env added to a minimal
// environment, and returns its combined output. It fails the test on a
// timeout (e.g. a memguard hang).
func child(t *testing.T, bin, role string, env []string, attr *syscall.SysProcAttr, timeout time.Duration) (string, error) {
	t.Helper()
	if bin == "" {
		var err error
		bin, err = os.Executable()
		require.NoError(t, err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append([]string{childEnv + "=" + role, "PATH=" + os.Getenv("PATH")}, env...)
	cmd.SysProcAttr = attr
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("child %s did not finish within %v (hang); output:\n%s", role, timeout, out.String())
		return "", nil
	}
}

// worldExecutableCopy copies the test binary into a directory that an
// unprivileged user can enter, for children that drop to uid 65534.
func worldExecutableCopy(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	dir, err := os.MkdirTemp("", "vault-test-bin-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	in, err := os.Open(self)
	require.NoError(t, err)
	defer in.Close()
	p := filepath.Join(dir, "vault.test")
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
	return p
}
