package vault_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
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
// later version (backward compatibility of the outer forms and of
// envelopes v1 and v2). The identity in testdata/golden-identity.txt
// protects only these test files. The golden-v2-file.age entry carries an
// attachment.
var goldenFiles = []struct {
	file    string
	form    vault.Form
	pq      bool
	version int
	attach  bool
}{
	{"golden-x25519.txt", vault.FormText, false, 1, false},
	{"golden-x25519.age", vault.FormBinary, false, 1, false},
	{"golden-x25519.age.asc", vault.FormArmor, false, 1, false},
	{"golden-hybrid.txt", vault.FormText, true, 1, false},
	{"golden-v2-x25519.txt", vault.FormText, false, 2, false},
	{"golden-v2-x25519.age.asc", vault.FormArmor, false, 2, false},
	{"golden-v2-hybrid.txt", vault.FormText, true, 2, false},
	{"golden-v2-file.age", vault.FormBinary, false, 2, true},
}

// goldenAttachment is the attachment of golden-v2-file.age: compressible,
// so that it is stored DEFLATE-compressed.
var goldenAttachment = []byte(strings.Repeat("golden attachment: opaque to vault; ", 20))

// TestGolden checks the golden files in a child process that runs only
// this test: cryptotest.SetGlobalRandom replaces crypto/rand's reader, and
// memguard's background goroutine (started by the first session opened in
// this process) reads crypto/rand every 500 ms, which the race detector
// reports. In the child, everything is sealed before memguard starts.
func TestGolden(t *testing.T) {
	if os.Getenv("TGSESSION_GOLDEN_CHILD") != "1" {
		args := []string{"-test.run=^TestGolden$", "-test.count=1", "-test.v"}
		if *update {
			args = append(args, "-update")
		}
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "TGSESSION_GOLDEN_CHILD=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "golden child:\n%s", out)
		require.Contains(t, string(out), "--- PASS: TestGolden")
		return
	}

	// Phase 1: seal, with the deterministic random source, before any
	// memguard use.
	var x *age.X25519Identity
	var h *age.HybridIdentity
	t.Run("identities", func(t *testing.T) {
		cryptotest.SetGlobalRandom(t, 1)
		var err error
		x, err = age.GenerateX25519Identity()
		require.NoError(t, err)
		h, err = age.GenerateHybridIdentity()
		require.NoError(t, err)
	})
	idFile := filepath.Join("testdata", "golden-identity.txt")
	ids := "# test identities for testdata/golden-* only\n" + x.String() + "\n" + h.String() + "\n"
	if *update {
		require.NoError(t, os.WriteFile(idFile, []byte(ids), 0o644))
	}
	stored, err := os.ReadFile(idFile)
	require.NoError(t, err)
	sameIDs := string(stored) == ids
	sealed := make([][]byte, len(goldenFiles))
	for i, g := range goldenFiles {
		t.Run("seal/"+g.file, func(t *testing.T) {
			cryptotest.SetGlobalRandom(t, 2)
			rec := age.Recipient(x.Recipient())
			if g.pq {
				rec = h.Recipient()
			}
			var att []byte
			if g.attach {
				att = goldenAttachment
			}
			var err error
			sealed[i], err = vault.SealCodec(fullSession(t), g.form, []age.Recipient{rec},
				map[string]string{"env": "golden"}, fixedTime, g.version, att)
			require.NoError(t, err)
		})
	}

	// Phase 2: the stored files open, with everything intact, and this
	// build's output is the stored bytes.
	for i, g := range goldenFiles {
		t.Run(g.file, func(t *testing.T) {
			p := filepath.Join("testdata", g.file)
			if *update {
				require.NoError(t, os.WriteFile(p, sealed[i], 0o644))
			}
			want, err := os.ReadFile(p)
			require.NoError(t, err)

			clearKeyEnv(t)
			s, err := openFileWith(p, optWithIdentityFile(idFile), optWithoutDefaultKeys(),
				optAllowInsecureKeyFile(), // git does not keep mode 0600
				optWithWarnings(func(string) {}))
			require.NoError(t, err)
			back, err := s.ToCodec()
			require.NoError(t, err)
			require.True(t, back.Equal(fullSession(t)), "golden file no longer opens to the same session")
			require.Equal(t, codec.Mtcute, s.Source)
			require.Equal(t, "golden", s.Labels["env"])
			require.True(t, fixedTime.Equal(s.CreatedAt))
			kind, att := attachmentOf(s)
			if g.attach {
				require.Equal(t, vault.AttachmentFile, kind)
				require.Equal(t, goldenAttachment, att)
			} else {
				require.Zero(t, kind)
				require.Nil(t, att)
			}
			back.Wipe()
			s.Destroy()

			// This build's output is pinned. A Go or age update may change
			// how randomness is consumed: if the file above still opens,
			// regenerate with go test -run TestGolden -update.
			require.True(t, sameIDs && bytes.Equal(sealed[i], want),
				"output differs from %s; if only the toolchain or age changed, rerun with -update", p)
			if g.form == vault.FormText {
				require.False(t, strings.ContainsAny(string(want), " \n\r\t"))
			}
		})
	}
}
