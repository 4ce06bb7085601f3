//go:build unix

package vault_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/vault"
)

// TestInsecureIdentityFileRefused: an identity file that group or others
// may read or write is refused (ErrInsecure), wherever it comes from,
// unless AllowInsecureKeyFile is given; a 0600 file is used silently.
func TestInsecureIdentityFileRefused(t *testing.T) {
	x := newX25519(t)
	key := x.String()
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o606, 0o644} {
		for _, where := range []string{"-i", "$" + vault.EnvKeyFile, "default keys.txt"} {
			t.Run(strconv.FormatUint(uint64(mode), 8)+"/"+where, func(t *testing.T) {
				cfg := clearKeyEnv(t)
				var p string
				var opts []opt
				switch where {
				case "-i":
					p = filepath.Join(t.TempDir(), "key.txt")
					opts = append(opts, optWithIdentityFile(p))
				case "$" + vault.EnvKeyFile:
					p = filepath.Join(t.TempDir(), "key.txt")
					t.Setenv(vault.EnvKeyFile, p)
				default:
					p = filepath.Join(cfg, "tgsession", "keys.txt")
				}
				writeFile(t, p, key+"\n", 0o600)
				require.NoError(t, os.Chmod(p, mode))
				var warns []string
				opts = append(opts, optWithWarnings(func(m string) { warns = append(warns, m) }))

				_, err := findWith(opts...)
				require.ErrorIs(t, err, vault.ErrInsecure)
				var ie *vault.InsecureKeyFileError
				require.ErrorAs(t, err, &ie)
				require.Equal(t, p, ie.Path)
				require.Equal(t, mode, ie.Mode)
				require.Contains(t, err.Error(), "chmod 600")
				require.Contains(t, err.Error(), p)
				requireNoSecret(t, err.Error(), idSecrets(x)...)
				require.Empty(t, warns)

				found, err := findWith(append(opts, optAllowInsecureKeyFile())...)
				require.NoError(t, err)
				require.Equal(t, 1, found.Len())
				require.Len(t, warns, 1)
				require.Contains(t, warns[0], "accessible by group or others")

				require.NoError(t, os.Chmod(p, 0o600))
				warns = nil
				found, err = findWith(opts...)
				require.NoError(t, err)
				require.Equal(t, 1, found.Len())
				require.Empty(t, warns)
			})
		}
	}
}

// TestKeyCmdTimeout: a key command that does not finish is killed, with
// every process it started, after the timeout; the error is typed, names
// the variable and never holds the command's output.
func TestKeyCmdTimeout(t *testing.T) {
	clearKeyEnv(t)
	x := newX25519(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	// The shell prints a key, starts a child that would outlive it, and
	// waits: both must be killed. The 2 s timeout leaves a loaded machine
	// time to start the child and write its pid.
	const timeout = 2 * time.Second
	t.Setenv(vault.EnvKeyCmd, "echo "+x.String()+"; sleep 120 & echo $! > "+pidFile+"; wait")
	// Without the timeout the command would finish after 120 s with the
	// key printed, and the search would succeed.
	start := time.Now()
	_, err := findWith(optWithoutDefaultKeys(), optWithKeyCmdTimeout(timeout))
	took := time.Since(start)
	require.Error(t, err, "the key command was not stopped at its timeout")
	require.Less(t, took, 60*time.Second, "the search did not return at the timeout")
	var ke *vault.KeyCmdError
	require.ErrorAs(t, err, &ke)
	require.Equal(t, timeout, ke.Timeout)
	require.Equal(t, "$"+vault.EnvKeyCmd, ke.Source)
	require.ErrorIs(t, err, vault.ErrNoIdentity)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "$"+vault.EnvKeyCmd)
	require.Contains(t, err.Error(), "did not finish within 2s")
	requireNoSecret(t, err.Error(), idSecrets(x)...)

	// The grandchild was killed with the shell's process group (its sleep
	// would end by itself only 120 s after it started).
	b, rerr := os.ReadFile(pidFile)
	require.NoError(t, rerr)
	pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, perr)
	require.Eventually(t, func() bool { return !processRunning(pid) }, 30*time.Second, 20*time.Millisecond,
		"the key command's child survived the timeout")

	// The default timeout is 10 s; a command that finishes in time works.
	require.Equal(t, 10*time.Second, vault.KeyCmdTimeout)
	t.Setenv(vault.EnvKeyCmd, "echo "+x.String())
	found, err := (&vault.KeySearch{Env: true}).Find()
	require.NoError(t, err)
	require.Equal(t, 1, found.Len())

	// A non-zero exit is a KeyCmdError with the status, without output.
	t.Setenv(vault.EnvKeyCmd, "echo "+x.String()+"; exit 7")
	_, err = (&vault.KeySearch{Env: true}).Find()
	require.ErrorAs(t, err, &ke)
	require.Equal(t, 7, ke.ExitCode)
	require.Zero(t, ke.Timeout)
	require.False(t, errors.Is(err, context.DeadlineExceeded))
	requireNoSecret(t, err.Error(), idSecrets(x)...)

	// A command that exits but leaves a background process holding its
	// output (an agent it started) is used once the wait delay expires.
	t.Setenv(vault.EnvKeyCmd, "echo "+x.String()+"; sleep 3 &")
	found, err = (&vault.KeySearch{Env: true}).Find()
	require.NoError(t, err)
	require.Equal(t, 1, found.Len())
}

// processRunning reports whether pid exists and is not a zombie.
func processRunning(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// No /proc/PID: gone on Linux; elsewhere only kill(2) can tell.
		return runtime.GOOS != "linux"
	}
	// "pid (comm) S …": the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
