package vault_test

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"strings"
	"testing"

	agetest "c2sp.org/CCTV/age"
	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

type cctvVector struct {
	expect      string
	payloadHash []byte
	identities  []age.Identity
	passphrases []string
	armored     bool
	file        []byte
}

func parseCCTV(t *testing.T, b []byte) *cctvVector {
	v := &cctvVector{}
	compressed := false
	for {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		require.True(t, ok, "vector without payload")
		b = rest
		if len(line) == 0 {
			break
		}
		key, value, _ := strings.Cut(string(line), ": ")
		switch key {
		case "expect":
			v.expect = value
		case "payload":
			h, err := hex.DecodeString(value)
			require.NoError(t, err)
			v.payloadHash = h
		case "identity":
			ids, err := (&vault.KeySearch{}).ParseIdentities(strings.NewReader(value))
			require.NoError(t, err)
			v.identities = append(v.identities, ids...)
		case "passphrase":
			v.passphrases = append(v.passphrases, value)
		case "armored":
			v.armored = true
		case "compressed":
			require.Equal(t, "zlib", value)
			compressed = true
		case "file key", "comment":
		default:
			t.Fatalf("unknown vector header %q", key)
		}
	}
	if compressed {
		r, err := zlib.NewReader(bytes.NewReader(b))
		require.NoError(t, err)
		b, err = io.ReadAll(r)
		require.NoError(t, err)
	}
	v.file = b
	return v
}

// TestCCTVVectors runs age's official test vectors (c2sp.org/CCTV/age)
// through the age layer of Open: every vector must succeed with the
// expected payload or fail with the error class the vector names, mapped to
// this package's errors. Payload failures must release no plaintext.
func TestCCTVVectors(t *testing.T) {
	files, err := fs.ReadDir(agetest.Vectors, ".")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 140)
	counts := map[string]int{}
	for _, f := range files {
		contents, err := fs.ReadFile(agetest.Vectors, f.Name())
		require.NoError(t, err)
		v := parseCCTV(t, contents)
		counts[v.expect]++
		t.Run(f.Name(), func(t *testing.T) {
			ids := v.identities
			for _, p := range v.passphrases {
				// Passphrases go through the package's own capped scrypt
				// identity, as WithPassphrase does.
				ids = append(ids, passphraseIdentity(t, p))
			}
			out, err := vault.DecryptAge(v.armored, v.file, ids, 32<<20)
			switch v.expect {
			case "success":
				require.NoError(t, err)
				sum := sha256.Sum256(out)
				require.Equal(t, hex.EncodeToString(v.payloadHash), hex.EncodeToString(sum[:]))
				return
			case "no match":
				require.ErrorIs(t, err, vault.ErrWrongKey)
			case "HMAC failure":
				require.ErrorIs(t, err, vault.ErrTampered)
			case "armor failure":
				require.ErrorIs(t, err, vault.ErrMalformed)
			case "header failure":
				// age counts a missing nonce as a header failure; here it is a
				// truncated payload. A work factor above the cap is errTooLarge.
				switch f.Name() {
				case "scrypt_work_factor_23":
					require.ErrorIs(t, err, codec.ErrTooLarge)
				case "stream_no_nonce", "stream_short_nonce":
					require.ErrorIs(t, err, vault.ErrTampered)
				default:
					require.ErrorIs(t, err, vault.ErrMalformed)
				}
			case "payload failure":
				require.ErrorIs(t, err, vault.ErrTampered)
			default:
				t.Fatalf("unknown expect %q", v.expect)
			}
			require.Nil(t, out, "no plaintext released on failure")

			// Through the full Open path nothing may open as a session.
			s, err := vault.Open(v.file, ids...)
			require.Error(t, err)
			require.Nil(t, s)
		})
	}
	t.Logf("vector classes: %v", counts)
}

// passphraseIdentity builds the package's scrypt identity for a vector
// passphrase by going through FindIdentities.
func passphraseIdentity(t *testing.T, p string) age.Identity {
	ids, err := findWith(optWithIdentities(), optWithPassphrase(func() ([]byte, error) {
		return []byte(p), nil
	}))
	require.NoError(t, err)
	got := vault.IdentitiesSlice(ids)
	require.Len(t, got, 1)
	return got[0]
}
