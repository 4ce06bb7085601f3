package vault_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// clearKeyEnv isolates identity discovery from the machine.
func clearKeyEnv(t *testing.T) string {
	t.Helper()
	for _, k := range []string{vault.EnvKey, vault.EnvKeyFile, vault.EnvKeyCmd, vault.EnvAllowNoMlock} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	return cfg
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(content), mode))
}

func TestFindIdentitiesNone(t *testing.T) {
	cfg := clearKeyEnv(t)
	_, err := findWith(optWithIdentityFile(filepath.Join(cfg, "missing.txt")))
	require.Error(t, err, "an explicit -i file that does not exist is an error")
	require.ErrorIs(t, err, os.ErrNotExist)

	_, err = findWith()
	require.ErrorIs(t, err, vault.ErrNoIdentity)
	var ne *vault.NoIdentityError
	require.ErrorAs(t, err, &ne)
	require.Len(t, ne.Tried, 4)
	msg := err.Error()
	for _, want := range []string{"$TGSESSION_AGE_KEY (not set)", "$TGSESSION_AGE_KEY_FILE (not set)",
		"$TGSESSION_AGE_KEY_CMD (not set)", filepath.Join(cfg, "tgsession", "keys.txt") + " (no such file)"} {
		require.Contains(t, msg, want)
	}
}

func TestFindIdentitiesSources(t *testing.T) {
	cfg := clearKeyEnv(t)
	dir := t.TempDir()
	ids := make([]*age.X25519Identity, 6)
	for i := range ids {
		ids[i] = newX25519(t)
	}
	// Inline: two keys, comments, CRLF, BOM and stray spaces.
	t.Setenv(vault.EnvKey, "\ufeff# created by age-keygen\r\n  "+ids[0].String()+"  \r\n\r\n"+ids[1].String()+"\n")
	keyFile := filepath.Join(dir, "key.txt")
	writeFile(t, keyFile, ids[2].String()+"\n", 0o600)
	t.Setenv(vault.EnvKeyFile, keyFile)
	t.Setenv(vault.EnvKeyCmd, "printf '%s\\n' '"+ids[3].String()+"'")
	iFile := filepath.Join(dir, "i.txt")
	writeFile(t, iFile, ids[4].String(), 0o600)
	writeFile(t, filepath.Join(cfg, "tgsession", "keys.txt"), ids[5].String()+"\n", 0o600)

	found, err := findWith(optWithIdentityFile(iFile),
		optWithIdentityFile("-"), optWithStdin(strings.NewReader(ids[0].String())))
	require.NoError(t, err)
	require.Equal(t, 7, found.Len())
	src := strings.Join(found.Sources(), "\n")
	require.Equal(t, strings.Join([]string{
		"$TGSESSION_AGE_KEY (2 identities)",
		"$TGSESSION_AGE_KEY_FILE=" + keyFile + " (1 identity)",
		"$TGSESSION_AGE_KEY_CMD (1 identity)",
		"-i " + iFile + " (1 identity)",
		"-i - (standard input) (1 identity)",
		filepath.Join(cfg, "tgsession", "keys.txt") + " (1 identity)",
	}, "\n"), src)
	var all [][]byte
	for _, id := range ids {
		all = append(all, idSecrets(id)...)
	}
	requireNoSecret(t, src, all...)

	// Each source alone opens a value sealed to its key.
	for i, id := range ids {
		sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{id.Recipient()})
		require.NoError(t, err)
		s, err := vault.Open(sealed, found)
		require.NoError(t, err, "identity %d", i)
		s.Destroy()
	}

	// A value sealed to another key fails and lists the sources, no keys.
	other := newX25519(t)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{other.Recipient()})
	require.NoError(t, err)
	_, err = openWith(sealed, optWithStdin(strings.NewReader(ids[0].String())), optWithIdentityFile("-"))
	require.ErrorIs(t, err, vault.ErrWrongKey)
	require.Contains(t, err.Error(), "$TGSESSION_AGE_KEY_CMD (1 identity)")
	requireNoSecret(t, err.Error(), all...)
}

func TestIdentitySourceErrors(t *testing.T) {
	x := newX25519(t)
	key := x.String()
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	cases := []struct {
		name, env, value string
		want             error
	}{
		{"bad checksum", vault.EnvKey, changeLast(t, key), vault.ErrMalformed},
		{"lowercase", vault.EnvKey, strings.ToLower(key), vault.ErrMalformed},
		{"truncated", vault.EnvKey, key[:40], vault.ErrMalformed},
		{"plugin", vault.EnvKey, "AGE-PLUGIN-YUBIKEY-1QQQQQQ", vault.ErrUnsupported},
		{"recipient", vault.EnvKey, x.Recipient().String(), vault.ErrMalformed},
		{"swapped: sealed in key var", vault.EnvKey, string(sealed), vault.ErrMalformed},
		{"comments only", vault.EnvKey, "# nothing\n", vault.ErrMalformed},
		{"cmd fails", vault.EnvKeyCmd, "echo " + key + " >&2; exit 3", vault.ErrNoIdentity},
		{"cmd prints garbage", vault.EnvKeyCmd, "echo not-a-key-" + key[20:], vault.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clearKeyEnv(t)
			t.Setenv(c.env, c.value)
			_, err := findWith()
			require.ErrorIs(t, err, c.want)
			require.Contains(t, err.Error(), "$"+c.env)
			requireNoSecret(t, err.Error(), idSecrets(x)...)
			requireNoSecret(t, err.Error(), []byte(c.value), []byte(c.value[len(c.value)/2:]))
		})
	}
	t.Run("file is a directory", func(t *testing.T) {
		clearKeyEnv(t)
		t.Setenv(vault.EnvKeyFile, t.TempDir())
		_, err := findWith()
		require.ErrorIs(t, err, vault.ErrMalformed)
	})
	t.Run("file too large", func(t *testing.T) {
		clearKeyEnv(t)
		t.Setenv(vault.EnvKeyFile, "/dev/zero")
		_, err := findWith()
		require.ErrorIs(t, err, codec.ErrTooLarge)
	})
	t.Run("stdin twice", func(t *testing.T) {
		clearKeyEnv(t)
		_, err := findWith(optWithIdentityFile("-"), optWithIdentityFile("-"),
			optWithStdin(strings.NewReader(key)))
		require.ErrorIs(t, err, vault.ErrMalformed)
	})
	t.Run("group-readable file warns when allowed", func(t *testing.T) {
		clearKeyEnv(t)
		p := filepath.Join(t.TempDir(), "k")
		writeFile(t, p, key, 0o644)
		require.NoError(t, os.Chmod(p, 0o644))
		var warns []string
		found, err := findWith(optWithIdentityFile(p), optAllowInsecureKeyFile(),
			optWithWarnings(func(m string) { warns = append(warns, m) }))
		require.NoError(t, err)
		require.Equal(t, 1, found.Len())
		require.Len(t, warns, 1)
		require.Contains(t, warns[0], "chmod 600")
	})
	t.Run("default keys skipped", func(t *testing.T) {
		cfg := clearKeyEnv(t)
		writeFile(t, filepath.Join(cfg, "tgsession", "keys.txt"), key, 0o600)
		_, err := (&vault.KeySearch{Env: true}).Find()
		require.ErrorIs(t, err, vault.ErrNoIdentity)
	})
}

// changeLast returns s with its last character replaced by another bech32
// character, so that its checksum no longer matches. It fails the test if
// the result equals s: a mutation that may be a no-op (always writing 'q',
// which a random key ends with 1 time in 32) makes a flaky test.
func changeLast(t testing.TB, s string) string {
	t.Helper()
	last := s[len(s)-1]
	repl := byte('q')
	if last == 'q' || last == 'Q' {
		repl = 'p'
	}
	if last >= 'A' && last <= 'Z' {
		repl -= 'a' - 'A'
	}
	out := s[:len(s)-1] + string(repl)
	if out == s {
		t.Fatalf("changeLast did not change the value")
	}
	return out
}

func TestParseRecipients(t *testing.T) {
	x := newX25519(t)
	h := newHybrid(t)
	recs, err := parseRecipientsWith(strings.NewReader("# team\n" + x.Recipient().String() + "\r\n\n  " + h.Recipient().String() + "\n"))
	require.NoError(t, err)
	require.Len(t, recs, 2)
	_, err = parseRecipientsWith(strings.NewReader(h.Recipient().String()), optRequirePQ())
	require.NoError(t, err)
	for name, c := range map[string]struct {
		in   string
		opts []opt
		want error
	}{
		"identity":     {x.String(), nil, vault.ErrMalformed},
		"empty":        {"# only comments\n", nil, vault.ErrMalformed},
		"bad checksum": {changeLast(t, x.Recipient().String()), nil, vault.ErrMalformed},
		"plugin":       {"age1yubikey1qwertyqwertyqwerty", nil, vault.ErrUnsupported},
		"unknown":      {"hello", nil, vault.ErrMalformed},
		"pq policy":    {x.Recipient().String(), []opt{optRequirePQ()}, vault.ErrUnsupported},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseRecipientsWith(strings.NewReader(c.in), c.opts...)
			require.ErrorIs(t, err, c.want)
			requireNoSecret(t, err.Error(), idSecrets(x)...)
		})
	}
	r, err := recipientOf(x)
	require.NoError(t, err)
	require.Equal(t, x.Recipient().String(), r.(*age.X25519Recipient).String())
	_, err = recipientOf(nil)
	require.True(t, errors.Is(err, vault.ErrUnsupported))
}
