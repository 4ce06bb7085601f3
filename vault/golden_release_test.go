package vault_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// goldenDir holds sealed values and a vault directory written by the
// release before the issue 9 reshape (see manifest.json): every outer form,
// envelope versions 1 and 2, X25519, hybrid post-quantum, ssh-ed25519 and
// passphrase recipients, with and without an attachment, and plain session
// strings encrypted with age. The identities in it protect only these test
// files. They must keep opening, unchanged, in every later version.
var goldenDir = filepath.Join("testdata", "golden")

type goldenEntry struct {
	File       string            `json:"file"`
	Identity   string            `json:"identity"`
	Form       string            `json:"form"`
	Envelope   int               `json:"envelope"`
	Session    string            `json:"session"`
	AuthKeyID  string            `json:"auth_key_id"`
	DC         int               `json:"dc"`
	Source     string            `json:"source"`
	Labels     map[string]string `json:"labels"`
	CreatedAt  string            `json:"created_at"`
	Attachment string            `json:"attachment_sha256"`
	AttachLen  int               `json:"attachment_size"`
}

// goldenSession returns the session a golden file was sealed from.
func goldenSession(t *testing.T, name string) *codec.Session {
	t.Helper()
	switch name {
	case "full":
		return fullSession(t)
	case "telethon-t-4":
		return testSession(t, 't', 4)
	case "telethon-b-2":
		return testSession(t, 'b', 2)
	}
	t.Fatalf("unknown golden session %q", name)
	return nil
}

// goldenIdentities returns the identities of the golden files: the X25519
// and hybrid ones, and the ssh-ed25519 one.
func goldenIdentities(t *testing.T) []age.Identity {
	t.Helper()
	f, err := os.Open(filepath.Join(goldenDir, "identities.txt"))
	require.NoError(t, err)
	defer f.Close()
	ids, err := (&vault.KeySearch{}).ParseIdentities(f)
	require.NoError(t, err)
	g, err := os.Open(filepath.Join(goldenDir, "id_ed25519"))
	require.NoError(t, err)
	defer g.Close()
	sshIDs, err := (&vault.KeySearch{SSH: true}).ParseIdentities(g)
	require.NoError(t, err)
	return append(ids, sshIDs...)
}

func goldenPassphrase(t *testing.T) func() ([]byte, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "passphrase.txt"))
	require.NoError(t, err)
	pass := strings.TrimSpace(string(b))
	return func() ([]byte, error) { return []byte(pass), nil }
}

func TestSealedValuesOfThePreviousReleaseOpenUnchanged(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(goldenDir, "manifest.json"))
	require.NoError(t, err)
	var man []goldenEntry
	require.NoError(t, json.Unmarshal(b, &man))
	require.Len(t, man, 34)
	ids := goldenIdentities(t)
	forms := map[string]bool{}
	for _, g := range man {
		forms[g.Form+"/"+g.Identity] = true
		t.Run(g.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(goldenDir, g.File))
			require.NoError(t, err)
			use := ids
			if g.Identity == "passphrase" {
				pass, err := (&vault.KeySearch{Passphrase: goldenPassphrase(t)}).Find()
				require.NoError(t, err)
				use = []age.Identity{pass}
			}
			s, err := vault.Open(data, use...)
			require.NoError(t, err)
			defer s.Destroy()
			want := goldenSession(t, g.Session)
			defer want.Wipe()
			back, err := s.ToCodec()
			require.NoError(t, err)
			defer back.Wipe()
			require.True(t, back.Equal(want), "golden file no longer opens to the same session")
			require.Equal(t, g.AuthKeyID, s.KeyID().String())
			require.Equal(t, g.DC, s.DC)
			require.Equal(t, g.Source, s.Source.String())
			if g.Envelope == 0 {
				require.Empty(t, s.Labels)
				require.True(t, s.CreatedAt.IsZero())
			} else {
				require.Equal(t, g.Labels, s.Labels)
				require.Equal(t, g.CreatedAt, s.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
			}
			att := s.Attachment()
			if g.Attachment == "" {
				require.Nil(t, att)
				return
			}
			require.Len(t, att, g.AttachLen)
			sum := sha256.Sum256(att)
			require.Equal(t, g.Attachment, hex.EncodeToString(sum[:]))
		})
	}
	for _, f := range []string{"text", "binary", "armor"} {
		for _, id := range []string{"x25519", "hybrid", "ssh-ed25519", "passphrase"} {
			require.True(t, forms[f+"/"+id], "no golden file for %s/%s", f, id)
		}
	}
}

// copyGoldenVault copies the golden vault directory to a fresh directory
// with the modes a vault has (git keeps neither 0700 nor 0600).
func copyGoldenVault(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "vault")
	require.NoError(t, os.Mkdir(dst, 0o700))
	des, err := os.ReadDir(filepath.Join(goldenDir, "vault"))
	require.NoError(t, err)
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(goldenDir, "vault", de.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, de.Name()), b, 0o600))
	}
	return dst
}

func TestVaultDirectoryOfThePreviousReleaseOpensUnchanged(t *testing.T) {
	d, err := vault.OpenDir(copyGoldenVault(t))
	require.NoError(t, err)
	entries, err := d.List()
	require.NoError(t, err)
	require.Len(t, entries, 3)
	full, beta := fullSession(t), testSession(t, 'b', 2)
	defer full.Wipe()
	defer beta.Wipe()
	want := map[string]*codec.Session{"alpha": full, "beta": beta, "gamma-copy": full}
	ids := goldenIdentities(t)
	for _, e := range entries {
		ws, ok := want[e.Name]
		require.True(t, ok, e.Name)
		require.Equal(t, ws.AuthKeyID(), e.KeyID, e.Name)
		var labels []string
		for _, x := range e.Exports {
			labels = append(labels, x.Label)
			require.Equal(t, "beta", x.Entry)
			require.False(t, x.First.IsZero())
		}
		if e.Name == "beta" {
			require.Equal(t, []string{"prod", "laptop"}, labels)
		} else {
			require.Empty(t, labels)
		}
		s, err := d.Get(e.Name, ids...)
		require.NoError(t, err)
		back, err := s.ToCodec()
		require.NoError(t, err)
		require.True(t, back.Equal(ws), "entry %s no longer opens to the same session", e.Name)
		back.Wipe()
		s.Destroy()
	}
	s, err := d.Get("alpha", ids...)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"env": "golden"}, s.Labels)
	require.True(t, fixedTime.Equal(s.CreatedAt))
	s.Destroy()

	// A further export of beta's key to a new label warns about the two
	// labels the index of the previous release recorded.
	warns, err := d.RecordExport("beta", beta.AuthKeyID(), "ci")
	require.NoError(t, err)
	require.NotEmpty(t, warns)
	var msgs []string
	for _, w := range warns {
		msgs = append(msgs, w.Message)
	}
	require.Contains(t, strings.Join(msgs, "\n"), "prod")
}
