package interop_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// vectorDir holds the vectors made by interop/gen/gen_vectors.sh.
const vectorDir = "../testdata/vectors"

var vectorFiles = []string{"telethon.json", "gramjs.json", "mtcute.json", "pyrogram.json"}

type vectorFile struct {
	Library        string   `json:"library"`
	LibraryVersion string   `json:"library_version"`
	Sessions       []vector `json:"string_sessions"`
	Probes         []probe  `json:"decode_probes"`
}

// vector is one string made by a real library (see testdata/vectors/README.md).
type vector struct {
	Name           string `json:"name"`
	Format         string `json:"format"`
	Library        string `json:"library"`
	LibraryVersion string `json:"library_version"`
	Canonical      bool   `json:"canonical"`
	Text           string `json:"text"`
	Expect         expect `json:"expect"`
}

// expect is what our decoder must produce; nil means the format does not
// carry the field.
type expect struct {
	DCID          int          `json:"dc_id"`
	ServerAddress *string      `json:"server_address"`
	Port          *uint16      `json:"port"`
	IPv6          *bool        `json:"ipv6"`
	TestMode      *bool        `json:"test_mode"`
	APIID         *uint32      `json:"api_id"`
	UserID        *int64       `json:"user_id"`
	IsBot         *bool        `json:"is_bot"`
	Layout        *string      `json:"layout"`
	Media         *mediaExpect `json:"media"`
	AuthKeyHex    string       `json:"auth_key_hex"`
	AuthKeyID     string       `json:"auth_key_id"`
	LibraryKeyID  *string      `json:"library_key_id"`
}

type mediaExpect struct {
	DCID          int    `json:"dc_id"`
	ServerAddress string `json:"server_address"`
	Port          uint16 `json:"port"`
	IPv6          bool   `json:"ipv6"`
	MediaOnly     bool   `json:"media_only"`
	TestMode      bool   `json:"test_mode"`
}

type probe struct {
	Name    string  `json:"name"`
	Library string  `json:"library"`
	Input   *string `json:"input"`
	Result  string  `json:"result"`
	Error   string  `json:"error"`
}

func loadVectors(t testing.TB, name string) vectorFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	require.NoError(t, err, "run interop/gen/gen_vectors.sh to regenerate the vectors")
	var f vectorFile
	require.NoError(t, json.Unmarshal(b, &f), name)
	require.NotEmpty(t, f.Sessions, name)
	return f
}

// keyHexes returns every auth key hex in f, to check that no error text
// leaks one.
func keyHexes(f vectorFile) []string {
	var out []string
	for _, v := range f.Sessions {
		out = append(out, v.Expect.AuthKeyHex)
	}
	return out
}

func optional[T comparable](p *T) codec.Optional[T] {
	if p == nil {
		return codec.None[T]()
	}
	return codec.Some(*p)
}

// sessionFrom builds the session the expectation describes, as a caller of
// our encoders would, without going through a decoder.
func sessionFrom(t testing.TB, e expect) *codec.Session {
	t.Helper()
	key, err := hex.DecodeString(e.AuthKeyHex)
	require.NoError(t, err)
	k, err := codec.NewAuthKey(key)
	require.NoError(t, err)
	s := &codec.Session{
		Info: codec.Info{
			DC:       e.DCID,
			IPv6:     optional(e.IPv6),
			TestMode: optional(e.TestMode),
			APIID:    optional(e.APIID),
			UserID:   optional(e.UserID),
			IsBot:    optional(e.IsBot),
		},
		Key: k,
	}
	if e.ServerAddress != nil {
		s.ServerAddress = *e.ServerAddress
	}
	if e.Port != nil {
		s.Port = *e.Port
	}
	if m := e.Media; m != nil {
		s.Media = &codec.DCOption{ID: m.DCID, ServerAddress: m.ServerAddress, Port: m.Port, IPv6: m.IPv6, MediaOnly: m.MediaOnly, TestMode: m.TestMode}
	}
	return s
}

// checkSession compares s with e field by field. Messages name fields and
// public values only; the key is compared with bytes.Equal and reported by
// its id.
func checkSession(t testing.TB, what string, s *codec.Session, e expect) {
	t.Helper()
	require.NotNil(t, s, what)
	require.Equal(t, e.DCID, s.DC, "%s: dc_id", what)
	require.Equal(t, deref(e.ServerAddress), s.ServerAddress, "%s: server_address", what)
	require.Equal(t, deref(e.Port), s.Port, "%s: port", what)
	require.Equal(t, optional(e.IPv6), s.IPv6, "%s: ipv6", what)
	require.Equal(t, optional(e.TestMode), s.TestMode, "%s: test_mode", what)
	require.Equal(t, optional(e.APIID), s.APIID, "%s: api_id", what)
	require.Equal(t, optional(e.UserID), s.UserID, "%s: user_id", what)
	require.Equal(t, optional(e.IsBot), s.IsBot, "%s: is_bot", what)
	if e.Layout != nil {
		require.Equal(t, *e.Layout, s.Layout, "%s: layout", what)
	}
	if e.Media == nil {
		require.Nil(t, s.Media, "%s: media DC", what)
	} else {
		require.NotNil(t, s.Media, "%s: media DC", what)
		m := e.Media
		require.Equal(t, codec.DCOption{ID: m.DCID, ServerAddress: m.ServerAddress, Port: m.Port, IPv6: m.IPv6, MediaOnly: m.MediaOnly, TestMode: m.TestMode}, *s.Media, "%s: media DC", what)
	}
	want, err := hex.DecodeString(e.AuthKeyHex)
	require.NoError(t, err)
	got := s.Key.Reveal()
	require.True(t, bytes.Equal(got, want), "%s: auth key differs (got id %s, want id %s)", what, s.AuthKeyID(), e.AuthKeyID)
	clear(got)
	require.Equal(t, e.AuthKeyID, s.AuthKeyID().String(), "%s: auth_key_id", what)
	if e.LibraryKeyID != nil {
		lib, err := strconv.ParseUint(*e.LibraryKeyID, 10, 64)
		require.NoError(t, err)
		require.Equal(t, lib, s.AuthKeyID().Uint64(), "%s: auth_key_id as the library computes it", what)
	}
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// requireSameText fails if got != want without printing either: they are
// session strings.
func requireSameText(t testing.TB, what, want, got string) {
	t.Helper()
	if got == want {
		return
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	t.Fatalf("%s: text differs from the library's: %d vs %d chars, first difference at char %d", what, len(got), len(want), i)
}

func TestVectors(t *testing.T) {
	for _, file := range vectorFiles {
		f := loadVectors(t, file)
		for _, v := range f.Sessions {
			t.Run(strings.TrimSuffix(file, ".json")+"/"+v.Name, func(t *testing.T) {
				format, err := codec.ParseFormat(v.Format)
				require.NoError(t, err)

				s, err := codec.Decode(v.Text)
				require.NoError(t, err, "Decode")
				require.Equal(t, format, s.Source, "Decode detected the wrong format")
				checkSession(t, "Decode", s, v.Expect)

				s2, err := codec.DecodeAs(format, v.Text)
				require.NoError(t, err, "DecodeAs")
				checkSession(t, "DecodeAs", s2, v.Expect)

				fresh := sessionFrom(t, v.Expect)
				for _, c := range []struct {
					what string
					s    *codec.Session
				}{{"re-encode of the decoded session", s}, {"encode of a session built from the fields", fresh}} {
					out, err := c.s.Encode(format)
					require.NoError(t, err, c.what)
					if v.Canonical {
						requireSameText(t, c.what, v.Text, out)
					}
					// Canonical or not, what we write must read back the same.
					back, err := codec.DecodeAs(format, out)
					require.NoError(t, err, c.what)
					require.True(t, back.Equal(c.s), "%s: does not decode back to the same session", c.what)
				}
			})
		}
	}
}

// TestVectorsCount guards against a generator that silently drops cases.
func TestVectorsCount(t *testing.T) {
	minCount := map[string]int{"telethon.json": 30, "gramjs.json": 25, "mtcute.json": 30, "pyrogram.json": 12}
	for _, file := range vectorFiles {
		f := loadVectors(t, file)
		require.GreaterOrEqual(t, len(f.Sessions), minCount[file], file)
		require.NotEmpty(t, f.Probes, file)
		seen := map[string]bool{}
		for _, v := range f.Sessions {
			require.False(t, seen[v.Name], "duplicate vector %s", v.Name)
			seen[v.Name] = true
			require.NotEmpty(t, v.Library, v.Name)
			require.NotEmpty(t, v.LibraryVersion, v.Name)
		}
	}
}

// TestVectorProbes feeds every malformed or foreign input the libraries were
// probed with to our decoder: it must not panic, and an error must not
// contain the input or any key.
func TestVectorProbes(t *testing.T) {
	for _, file := range vectorFiles {
		f := loadVectors(t, file)
		keys := keyHexes(f)
		for _, p := range f.Probes {
			if p.Input == nil {
				continue // an encode probe
			}
			in := *p.Input
			t.Run(strings.TrimSuffix(file, ".json")+"/"+p.Name, func(t *testing.T) {
				if s := decodeNoPanic(t, in); s != nil {
					require.True(t, s.Key.IsSet(), "decoded without a key")
					return
				}
				_, err := codec.Decode(in)
				msg := err.Error()
				if len(strings.TrimSpace(in)) >= 8 {
					require.False(t, strings.Contains(msg, strings.TrimSpace(in)), "error text contains the input")
				}
				for _, k := range keys {
					require.False(t, strings.Contains(msg, k[:16]), "error text contains key hex")
				}
			})
		}
	}
}

func decodeNoPanic(t *testing.T, in string) *codec.Session {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			// Not the panic value: it could quote the input.
			t.Fatalf("codec.Decode panicked on a %d-byte probe input (%T)", len(in), r)
		}
	}()
	s, err := codec.Decode(in)
	if err != nil {
		return nil
	}
	return s
}
