package vault_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
	"golang.org/x/sys/unix"
)

func init() {
	// scrub: the sealed value is in TG_SESSION and the identity in
	// TGSESSION_AGE_KEY, both in the initial environment block.
	children["scrub"] = func() error {
		sealed, key := os.Getenv("TG_SESSION"), os.Getenv(vault.EnvKey)
		if sealed == "" || key == "" {
			return errors.New("setup: variables missing")
		}
		opts := []opt{optWithoutDefaultKeys()}
		if os.Getenv("VAULT_TEST_SCRUB_KEY") == "1" {
			opts = append(opts, optScrubKeyEnv())
		}
		if os.Getenv("VAULT_TEST_UNDUMPABLE") == "1" {
			opts = append(opts, optUndumpable())
		}
		s, err := openEnvWith("TG_SESSION", opts...)
		if err != nil {
			return err
		}
		defer s.Destroy()
		if err := s.WithKey(func(k *[256]byte) error {
			if k[0] != 'a' {
				return errors.New("wrong key")
			}
			return nil
		}); err != nil {
			return err
		}
		if _, ok := os.LookupEnv("TG_SESSION"); ok {
			return errors.New("TG_SESSION still set")
		}
		environ, err := os.ReadFile("/proc/self/environ")
		if err != nil {
			return err
		}
		if bytes.Contains(environ, []byte(sealed)) || bytes.Contains(environ, []byte(sealed[20:60])) {
			return errors.New("/proc/self/environ still holds the sealed value")
		}
		if bytes.Contains(environ, []byte("TG_SESSION=")) {
			return errors.New("/proc/self/environ still names TG_SESSION")
		}
		if !bytes.Contains(environ, []byte("KEEP_ME=1")) {
			return errors.New("scrub damaged other variables")
		}
		_, keySet := os.LookupEnv(vault.EnvKey)
		keyInBlock := bytes.Contains(environ, []byte(key))
		if os.Getenv("VAULT_TEST_SCRUB_KEY") == "1" {
			if keySet || keyInBlock {
				return errors.New("identity still in the environment")
			}
		} else if !keySet || !keyInBlock {
			return errors.New("identity removed without ScrubKeyEnv")
		}
		if os.Getenv("VAULT_TEST_UNDUMPABLE") == "1" {
			d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
			if err != nil || d != 0 {
				return fmt.Errorf("dumpable = %d, %v", d, err)
			}
		}
		var rl unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_CORE, &rl); err != nil || rl.Cur != 0 {
			return errors.New("RLIMIT_CORE is not 0 (memguard import side effect)")
		}
		return nil
	}
}

func TestOpenEnvScrubsEnvironment(t *testing.T) {
	x := newX25519(t)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	for _, mode := range []struct{ scrubKey, undumpable string }{{"0", "0"}, {"1", "0"}, {"1", "1"}} {
		t.Run("scrubkey="+mode.scrubKey+",undumpable="+mode.undumpable, func(t *testing.T) {
			out, err := child(t, "", "scrub", []string{
				"KEEP_ME=1", "TG_SESSION=" + string(sealed), vault.EnvKey + "=" + x.String(),
				"VAULT_TEST_SCRUB_KEY=" + mode.scrubKey, "VAULT_TEST_UNDUMPABLE=" + mode.undumpable,
			}, nil, 30*time.Second)
			require.NoError(t, err, "child output: %s", out)
			require.Contains(t, out, "CHILD OK")
			// A -cover build of the child prints its own GOCOVERDIR
			// warning; only vault's warnings matter here.
			require.NotContains(t, strings.ReplaceAll(out, "warning: GOCOVERDIR not set, no coverage data emitted", ""), "warning")
			requireNoSecret(t, out, append(idSecrets(x), testKey('a'))...)
		})
	}
}

func TestOpenEnvInProcess(t *testing.T) {
	clearKeyEnv(t)
	x := newX25519(t)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)

	_, err = openEnvWith("VAULT_TEST_UNSET")
	require.ErrorIs(t, err, vault.ErrNotFound)
	_, err = openEnvWith("BAD=NAME")
	require.ErrorIs(t, err, vault.ErrMalformed)

	t.Setenv("VAULT_TEST_SEALED", string(sealed))
	_, err = openEnvWith("VAULT_TEST_SEALED")
	require.ErrorIs(t, err, vault.ErrNoIdentity)
	_, ok := os.LookupEnv("VAULT_TEST_SEALED")
	require.False(t, ok, "unset even when opening fails")

	t.Setenv("VAULT_TEST_SEALED", string(sealed))
	t.Setenv(vault.EnvKey, x.String())
	s, err := openEnvWith("VAULT_TEST_SEALED")
	require.NoError(t, err)
	requireKey(t, s, testKey('a'))
	s.Destroy()

	// Whitespace-only and empty values.
	for _, v := range []string{"", "  \n"} {
		t.Setenv("VAULT_TEST_SEALED", v)
		_, err = openEnvWith("VAULT_TEST_SEALED")
		require.ErrorIs(t, err, vault.ErrNotSealed)
	}

	// Swapped variables: the identity in the session variable and the
	// sealed value in the identity variable. Neither is echoed.
	t.Setenv("VAULT_TEST_SEALED", x.String())
	_, err = openEnvWith("VAULT_TEST_SEALED")
	require.ErrorIs(t, err, vault.ErrMalformed)
	require.Contains(t, err.Error(), "$VAULT_TEST_SEALED")
	requireNoSecret(t, err.Error(), idSecrets(x)...)
	t.Setenv("VAULT_TEST_SEALED", string(sealed))
	t.Setenv(vault.EnvKey, string(sealed))
	_, err = openEnvWith("VAULT_TEST_SEALED")
	require.ErrorIs(t, err, vault.ErrMalformed)
	require.Contains(t, err.Error(), "swapped")
	requireNoSecret(t, err.Error(), sealed[20:80], idSecrets(x)[0])

	// A huge value is refused before decoding.
	t.Setenv(vault.EnvKey, x.String())
	t.Setenv("VAULT_TEST_SEALED", vault.TextPrefix+strings.Repeat("A", 1<<20))
	_, err = openEnvWith("VAULT_TEST_SEALED")
	require.ErrorIs(t, err, codec.ErrTooLarge)

	// Non-UTF-8 and NUL-free garbage.
	t.Setenv("VAULT_TEST_SEALED", "\xff\xfe")
	_, err = openEnvWith("VAULT_TEST_SEALED")
	require.ErrorIs(t, err, vault.ErrNotSealed)
}
