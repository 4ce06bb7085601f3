//go:build interop

package vault_test

// Interoperability with the age command-line tool (Debian's age 1.1.1 at
// /usr/bin/age, which has no post-quantum support). Run with
//
//	go test -tags interop -run Interop ./vault/

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
	"golang.org/x/crypto/ssh"
)

func ageBin(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	require.NoError(t, err, "%s must be installed (apt-get install age)", name)
	return p
}

func run(t *testing.T, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %v: %s", name, args, stderr.String())
	return out
}

// keygen makes an identity file with age-keygen and returns its path and
// the recipient it prints.
func keygen(t *testing.T, dir string) (string, string) {
	t.Helper()
	p := filepath.Join(dir, "key.txt")
	run(t, nil, ageBin(t, "age-keygen"), "-o", p)
	rec := strings.TrimSpace(string(run(t, nil, ageBin(t, "age-keygen"), "-y", p)))
	return p, rec
}

func TestInteropAgeDecryptsSealed(t *testing.T) {
	dir := t.TempDir()
	keyFile, rec := keygen(t, dir)
	recs, err := (&vault.KeySearch{}).ParseRecipients(strings.NewReader(rec))
	require.NoError(t, err)
	cs := fullSession(t)
	for _, v := range []int{2, 1} {
		for _, form := range []vault.Form{vault.FormBinary, vault.FormArmor, vault.FormText} {
			t.Run(fmt.Sprintf("v%d/%s", v, form), func(t *testing.T) {
				sealed, err := sealWith(cs, form, recs, optWithLabels(map[string]string{"env": "prod"}),
					optWithCreatedAt(fixedTime), optWithEnvelopeVersion(v))
				require.NoError(t, err)
				var plain []byte
				if form == vault.FormText {
					// The documented shell recipe (docs/envelope.md).
					f := filepath.Join(dir, "sealed.txt")
					require.NoError(t, os.WriteFile(f, sealed, 0o600))
					plain = run(t, nil, "/bin/sh", "-c", `v=$(cat "$1"); v=${v#tgsession-age-v1:}
while [ $(( ${#v} % 4 )) -ne 0 ]; do v="$v="; done
printf '%s' "$v" | basenc --base64url -d | age -d -i "$2"`, "sh", f, keyFile)
				} else {
					plain = run(t, sealed, ageBin(t, "age"), "-d", "-i", keyFile)
				}
				// age -d gives the documented binary envelope, the raw key
				// at its fixed offset: not a session string.
				m, err := vault.UnmarshalEnvelope(plain)
				require.NoError(t, err)
				require.Equal(t, byte(v), plain[4], "envelope version")
				if v == 1 {
					require.True(t, bytes.Equal(plain[vault.KeyOffset:vault.KeyOffset+256], testKey('m')), "key at offset 8")
				} else {
					require.True(t, bytes.Equal(plain[vault.KeyOffsetV2:vault.KeyOffsetV2+256], testKey('m')), "key at offset 5")
				}
				require.Equal(t, codec.Mtcute, m.Source)
				require.Equal(t, map[string]string{"env": "prod"}, m.Labels)
				want, err := vault.RemarshalEnvelope(m, v, testKey('m'))
				require.NoError(t, err)
				require.True(t, bytes.Equal(want, plain))
			})
		}
	}

	// A vault entry is a plain age file.
	d, err := initDirWith(filepath.Join(dir, "vault"))
	require.NoError(t, err)
	_, err = addWith(d, "bot", cs, recs)
	require.NoError(t, err)
	plain := run(t, nil, ageBin(t, "age"), "-d", "-i", keyFile, filepath.Join(d.Path(), "bot.age"))
	_, err = vault.UnmarshalEnvelope(plain)
	require.NoError(t, err)
}

type vectorFile struct {
	StringSessions []struct {
		Name      string `json:"name"`
		Format    string `json:"format"`
		Canonical bool   `json:"canonical"`
		Text      string `json:"text"`
		Inputs    struct {
			AuthKey string `json:"auth_key"`
		} `json:"inputs"`
		Expect struct {
			DC     int    `json:"dc_id"`
			UserID *int64 `json:"user_id"`
		} `json:"expect"`
	} `json:"string_sessions"`
}

func loadVectors(t *testing.T, name string) vectorFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "vectors", name))
	require.NoError(t, err)
	var v vectorFile
	require.NoError(t, json.Unmarshal(b, &v))
	require.NotEmpty(t, v.StringSessions)
	return v
}

// makeKey is the vectors' fake key recipe: make_key(n) =
// sha256("tg-session-vector:<n>:0") ‖ … ‖ sha256("tg-session-vector:<n>:7").
func makeKey(t *testing.T, recipe string) []byte {
	t.Helper()
	n, ok := strings.CutPrefix(recipe, "make_key(")
	require.True(t, ok, recipe)
	n = strings.TrimSuffix(n, ")")
	var key []byte
	for i := 0; i < 8; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("tg-session-vector:%s:%d", n, i)))
		key = append(key, sum[:]...)
	}
	return key
}

// TestInteropAgeEncryptedStrings encrypts the committed library-made
// Telethon and Pyrogram strings with `age -r` (binary and -a armored, with
// the trailing newline echo adds) and opens them with this package.
func TestInteropAgeEncryptedStrings(t *testing.T) {
	dir := t.TempDir()
	keyFile, rec := keygen(t, dir)
	t.Setenv(vault.EnvKeyFile, keyFile)
	t.Setenv(vault.EnvKey, "")
	t.Setenv("XDG_CONFIG_HOME", dir)
	n := 0
	for _, file := range []string{"telethon.json", "pyrogram.json"} {
		for _, v := range loadVectors(t, file).StringSessions {
			format, err := codec.ParseFormat(v.Format)
			require.NoError(t, err)
			key := makeKey(t, v.Inputs.AuthKey)
			for _, armored := range []bool{false, true} {
				args := []string{"-r", rec}
				if armored {
					args = append(args, "-a")
				}
				sealed := run(t, []byte(v.Text+"\n"), ageBin(t, "age"), args...)
				s, err := openWith(sealed)
				require.NoError(t, err, "%s armored=%v", v.Name, armored)
				require.True(t, bytes.Equal(keyOf(t, s), key), "%s: wrong key", v.Name)
				require.Equal(t, format, s.Source, v.Name)
				require.Equal(t, v.Expect.DC, s.DC, v.Name)
				if v.Expect.UserID != nil {
					require.Equal(t, codec.Some(*v.Expect.UserID), s.UserID, v.Name)
				}
				if v.Canonical {
					// Exported in the format it came from: the original string.
					out, err := s.Export(codec.FormatUnknown)
					require.NoError(t, err)
					require.True(t, out == v.Text, "%s: export differs from the library's string", v.Name)
				}
				s.Destroy()
				n++
			}
		}
	}
	t.Logf("%d age-encrypted library strings opened", n)
}

// TestInteropSSH encrypts with age -R to an OpenSSH public key and opens
// with the private key, which needs WithSSH.
func TestInteropSSH(t *testing.T) {
	dir := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	sp, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "id.pub"), ssh.MarshalAuthorizedKey(sp), 0o600))
	block, err := ssh.MarshalPrivateKey(priv, "")
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "id")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600))

	cs := testSession(t, 'a', 2)
	sealed, err := sealWith(cs, vault.FormBinary, mustRecipients(t, string(ssh.MarshalAuthorizedKey(sp)), optWithSSH()))
	require.NoError(t, err)
	plain := run(t, sealed, ageBin(t, "age"), "-d", "-i", keyFile)
	_, err = vault.UnmarshalEnvelope(plain)
	require.NoError(t, err)

	viaCLI := run(t, []byte("hello"), ageBin(t, "age"), "-R", filepath.Join(dir, "id.pub"))
	_, err = openWith(viaCLI, optWithIdentityFile(keyFile), optWithoutDefaultKeys())
	require.ErrorIs(t, err, vault.ErrUnsupported, "SSH keys need the opt-in")
	_, err = openWith(viaCLI, optWithIdentityFile(keyFile), optWithoutDefaultKeys(), optWithSSH())
	require.ErrorIs(t, err, vault.ErrMalformed, "decrypts, but hello is not a session")
}

func mustRecipients(t *testing.T, s string, opts ...opt) []age.Recipient {
	t.Helper()
	r, err := parseRecipientsWith(strings.NewReader(s), opts...)
	require.NoError(t, err)
	return r
}

// TestInteropHybridNotInDebianAge documents that Debian's age 1.1.1 cannot
// use post-quantum keys: a hybrid-sealed value needs age ≥ 1.3.0.
func TestInteropHybridNotInDebianAge(t *testing.T) {
	dir := t.TempDir()
	h := newHybrid(t)
	keyFile := filepath.Join(dir, "pq.txt")
	require.NoError(t, os.WriteFile(keyFile, []byte(h.String()+"\n"), 0o600))
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormBinary, []age.Recipient{h.Recipient()})
	require.NoError(t, err)
	cmd := exec.Command(ageBin(t, "age"), "-d", "-i", keyFile)
	cmd.Stdin = bytes.NewReader(sealed)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Skip("this age supports post-quantum keys")
	}
	requireNoSecret(t, string(out), testKey('a'))
	t.Logf("age 1.1.1 on a hybrid identity: %s", bytes.TrimSpace(out))
}
