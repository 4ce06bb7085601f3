package diagnose

// Internal tests of the decoder simulations and layout helpers Text uses,
// against the real decoders.

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDecoderSimulations compares the simulated Python and Node base64
// decoders with what CPython 3.11 and Node 20 did (base64_probes.json, made
// by peers_generate.sh).
func TestDecoderSimulations(t *testing.T) {
	raw, err := os.ReadFile("../testdata/base64_probes.json")
	require.NoError(t, err)
	var f struct {
		Python string
		Node   string
		Probes []struct {
			Input       string
			Python      *string
			PythonError string `json:"python_error"`
			Node        string
			NodeURL     string `json:"node_url"`
		}
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	require.Contains(t, f.Python, "CPython 3.11")
	require.Contains(t, f.Node, "Node v20")
	require.Greater(t, len(f.Probes), 300)
	for _, p := range f.Probes {
		got, perr := pyURLSafeB64Decode(p.Input)
		if p.Python != nil {
			require.Empty(t, perr, "%q", p.Input)
			require.Equal(t, *p.Python, hex.EncodeToString(got), "python %q", p.Input)
		} else {
			require.Equal(t, p.PythonError, perr, "%q", p.Input)
		}
		if strings.ContainsFunc(p.Input, func(r rune) bool { return r >= 0x80 }) {
			continue // approximated
		}
		require.Equal(t, p.Node, hex.EncodeToString(nodeBase64Decode(p.Input)), "node %q", p.Input)
		require.Equal(t, p.NodeURL, p.Node)
	}
}

// TestPythonIPString checks the Python 3.11 rendering against Go's for
// addresses where the two agree (all but IPv4-mapped ones).
func TestPythonIPString(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		var b [16]byte
		for j := range b {
			if r.IntN(3) > 0 {
				b[j] = byte(r.Uint32())
			}
		}
		a := netip.AddrFrom16(b)
		if a.Is4In6() {
			continue
		}
		require.Equal(t, a.String(), string(appendPythonIP(nil, a)))
		v4 := netip.AddrFrom4([4]byte(b[:4]))
		require.Equal(t, v4.String(), string(appendPythonIP(nil, v4)))
	}
	require.Equal(t, "::ffff:102:304", string(appendPythonIP(nil, netip.MustParseAddr("::ffff:1.2.3.4"))))
}

// TestStrictBase64MatchesStdlib checks strictBase64 against the rules of
// docs/formats.md#conventions on random text: it accepts exactly the texts
// one of the two strict stdlib alphabets decodes, with or without exact
// padding, and never a mix of alphabets.
func TestStrictBase64MatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const chars = "ABCxyz019+/-_=\n "
	for i := 0; i < 20000; i++ {
		var b []byte
		if r.IntN(2) == 0 {
			raw := make([]byte, r.IntN(12))
			for j := range raw {
				raw[j] = byte(r.Uint32())
			}
			enc := []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding}[r.IntN(4)]
			b = []byte(enc.EncodeToString(raw))
			if len(b) > 0 && r.IntN(3) == 0 {
				b[r.IntN(len(b))] = chars[r.IntN(len(chars))]
			}
		} else {
			b = make([]byte, r.IntN(10))
			for j := range b {
				b[j] = chars[r.IntN(len(chars))]
			}
		}
		s := string(b)
		got, ok := strictBase64(s)
		var want []byte
		wantOK := false
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if strings.ContainsAny(s, "\r\n") {
				break // the stdlib skips newlines; codec refuses them
			}
			if v, err := enc.Strict().DecodeString(s); err == nil {
				want, wantOK = v, true
				break
			}
		}
		require.Equal(t, wantOK, ok, "%q", s)
		if ok {
			require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got), "%q", s)
		}
	}
}
