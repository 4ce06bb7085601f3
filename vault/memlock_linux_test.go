package vault_test

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/vault"
	"golang.org/x/sys/unix"
)

func init() {
	// memlock: lower RLIMIT_MEMLOCK to 16 KiB before memguard's first use,
	// then open a sealed value. Without the preflight memguard hangs here.
	children["memlock"] = func() error {
		lim := &unix.Rlimit{Cur: 16 << 10, Max: 16 << 10}
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, lim); err != nil {
			return err
		}
		ids, err := parseIdentitiesWith(strings.NewReader(os.Getenv("VAULT_TEST_ID")))
		if err != nil {
			return err
		}
		s, err := openWith([]byte(os.Getenv("VAULT_TEST_SEALED")), optWithIdentities(ids...))
		want := os.Getenv("VAULT_TEST_WANT")
		switch {
		case want == "memlock" && errors.Is(err, vault.ErrMemlockTooLow):
			os.Stdout.WriteString("ERROR: " + err.Error() + "\n")
			// A second attempt fails the same way, quickly.
			if _, err2 := openWith([]byte(os.Getenv("VAULT_TEST_SEALED")), optWithIdentities(ids...)); !errors.Is(err2, vault.ErrMemlockTooLow) {
				return errors.New("second open did not fail with errMemlockTooLow")
			}
			return nil
		case want == "heap" && err == nil:
			defer s.Destroy()
			return s.WithKey(func(k *[256]byte) error {
				if k[0] != 'a' {
					return errors.New("wrong key")
				}
				return nil
			})
		}
		if err != nil {
			return errors.New("unexpected error: " + err.Error())
		}
		// Without the preflight, using the key is where memguard hangs
		// (issue #147) at this limit.
		_ = s.WithKey(func(*[256]byte) error { return nil })
		return errors.New("opened although the limit is too low")
	}
}

func TestMemlockPreflight(t *testing.T) {
	x := newX25519(t)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	var attr *syscall.SysProcAttr
	bin := ""
	if os.Geteuid() == 0 {
		// Root has CAP_IPC_LOCK, which lifts the limit: run as nobody.
		attr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		bin = worldExecutableCopy(t)
	}
	env := []string{"VAULT_TEST_ID=" + x.String(), "VAULT_TEST_SEALED=" + string(sealed)}

	out, err := child(t, bin, "memlock", append(env, "VAULT_TEST_WANT=memlock"), attr, 10*time.Second)
	require.NoError(t, err, "child output: %s", out)
	require.Contains(t, out, "CHILD OK")
	require.Contains(t, out, "RLIMIT_MEMLOCK is 16 KiB")
	require.Contains(t, out, "ulimit -l")
	require.Contains(t, out, "TGSESSION_ALLOW_NO_MLOCK=1")
	requireNoSecret(t, out, append(idSecrets(x), testKey('a'))...)

	out, err = child(t, bin, "memlock", append(env, "VAULT_TEST_WANT=heap", vault.EnvAllowNoMlock+"=1"), attr, 10*time.Second)
	require.NoError(t, err, "child output: %s", out)
	require.Contains(t, out, "CHILD OK")
	require.Contains(t, out, "tgsession: warning: WARNING: auth keys are held in ORDINARY MEMORY")
	requireNoSecret(t, out, append(idSecrets(x), testKey('a'))...)
}

func vmLckKiB(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmLck:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			require.NoError(t, err)
			return n
		}
	}
	t.Fatal("no VmLck in /proc/self/status")
	return 0
}

// TestVmLckReturnsToBaseline opens, uses and destroys sessions many times:
// locked memory must not grow (memguard has no finalizers, so a missing
// Destroy of a locked buffer would show here).
func TestVmLckReturnsToBaseline(t *testing.T) {
	x := newX25519(t)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	cycle := func() {
		s, err := vault.Open(sealed, x)
		require.NoError(t, err)
		require.NoError(t, s.WithKey(func(*[256]byte) error { return nil }))
		cs, err := s.ToCodec()
		require.NoError(t, err)
		cs.Wipe()
		_, err = sealSessionWith(s, vault.FormText, []age.Recipient{x.Recipient()})
		require.NoError(t, err)
		s.Destroy()
		// A failing open must not leak either.
		_, err = vault.Open(sealed[:len(sealed)-3], x)
		require.Error(t, err)
	}
	cycle() // memguard's key Coffer is created on first use
	base := vmLckKiB(t)
	for i := 0; i < 200; i++ {
		cycle()
	}
	require.Equal(t, base, vmLckKiB(t), "locked memory grew after 200 cycles")
	t.Logf("VmLck baseline %d kB, unchanged after 200 cycles", base)
}
