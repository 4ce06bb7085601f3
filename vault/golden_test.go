package vault_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/cryptotest"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenFiles are sealed with a deterministic random source, so that this
// build's output is pinned byte for byte, and must keep opening in every
// later version (backward compatibility of the outer forms and envelope
// v1). The identity in testdata/golden-identity.txt protects only these
// test files.
var goldenFiles = []struct {
	file string
	form vault.Form
	pq   bool
}{
	{"golden-x25519.txt", vault.FormText, false},
	{"golden-x25519.age", vault.FormBinary, false},
	{"golden-x25519.age.asc", vault.FormArmor, false},
	{"golden-hybrid.txt", vault.FormText, true},
}

func TestGolden(t *testing.T) {
	cryptotest.SetGlobalRandom(t, 1)
	x, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	h, err := age.GenerateHybridIdentity()
	require.NoError(t, err)
	idFile := filepath.Join("testdata", "golden-identity.txt")
	ids := "# test identities for testdata/golden-* only\n" + x.String() + "\n" + h.String() + "\n"
	if *update {
		require.NoError(t, os.WriteFile(idFile, []byte(ids), 0o644))
	}
	stored, err := os.ReadFile(idFile)
	require.NoError(t, err)
	sameIDs := string(stored) == ids

	for _, g := range goldenFiles {
		t.Run(g.file, func(t *testing.T) {
			cryptotest.SetGlobalRandom(t, 2)
			rec := age.Recipient(x.Recipient())
			if g.pq {
				rec = h.Recipient()
			}
			sealed, err := vault.Seal(fullSession(t), g.form, []age.Recipient{rec},
				vault.WithLabels(map[string]string{"env": "golden"}), vault.WithCreatedAt(fixedTime))
			require.NoError(t, err)
			p := filepath.Join("testdata", g.file)
			if *update {
				require.NoError(t, os.WriteFile(p, sealed, 0o644))
			}
			want, err := os.ReadFile(p)
			require.NoError(t, err)

			// The stored file opens, with everything intact.
			clearKeyEnv(t)
			s, err := vault.OpenFile(p, vault.WithIdentityFile(idFile), vault.WithoutDefaultKeys(),
				vault.AllowInsecureKeyFile(), // git does not keep mode 0600
				vault.WithWarnings(func(string) {}))
			require.NoError(t, err)
			back, err := s.ToCodec()
			require.NoError(t, err)
			require.True(t, back.Equal(fullSession(t)), "golden file no longer opens to the same session")
			require.Equal(t, codec.Mtcute, s.Source)
			require.Equal(t, "golden", s.Labels["env"])
			back.Wipe()
			s.Destroy()

			// This build's output is pinned. A Go or age update may change
			// how randomness is consumed: if the file above still opens,
			// regenerate with go test -run TestGolden -update.
			require.True(t, sameIDs && bytes.Equal(sealed, want),
				"output differs from %s; if only the toolchain or age changed, rerun with -update", p)
			if g.form == vault.FormText {
				require.False(t, strings.ContainsAny(string(want), " \n\r\t"))
			}
		})
	}
}
