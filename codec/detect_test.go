package codec_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// peerProbeFile is testdata/peer_probes.json (see peers_generate.sh).
type peerProbeFile struct {
	Telethon string `json:"telethon"`
	GramJS   string `json:"gramjs"`
	Gotd     string `json:"gotd"`
	Probes   []struct {
		Label      string      `json:"label"`
		Input      string      `json:"input"`
		Telethon   peerOutcome `json:"telethon"`
		Pyrogram2  peerOutcome `json:"pyrogram2"`
		Pyrogram12 peerOutcome `json:"pyrogram1_2"`
		Pyrogram13 peerOutcome `json:"pyrogram1_3"`
		GramJS     peerOutcome `json:"gramjs"`
		Mtcute     peerOutcome `json:"mtcute"`
		Gotd       peerOutcome `json:"gotd"`
	} `json:"probes"`
}

type peerOutcome struct {
	OK       bool    `json:"ok"`
	Error    string  `json:"error"`
	DC       int     `json:"dc_id"`
	Address  *string `json:"server_address"`
	Port     *int    `json:"port"`
	HasKey   *bool   `json:"has_key"`
	KeyLen   int     `json:"key_len"`
	Addr     string  `json:"addr"`
	Old      bool    `json:"old"`
	APIID    uint32  `json:"api_id"`
	TestMode bool    `json:"test_mode"`
	UserID   uint64  `json:"user_id"`
	IsBot    bool    `json:"is_bot"`
}

func loadPeerProbes(t testing.TB) peerProbeFile {
	t.Helper()
	var f peerProbeFile
	readJSON(t, "testdata/peer_probes.json", &f)
	require.Greater(t, len(f.Probes), 400)
	require.Contains(t, f.Telethon, "Telethon 1.25.1")
	require.Contains(t, f.GramJS, "telegram 2.26.22")
	require.Contains(t, f.Gotd, "v0.93.0")
	return f
}

func TestDetectVectors(t *testing.T) {
	check := func(text string, want codec.Format) {
		t.Helper()
		f, err := codec.Detect(text)
		require.NoError(t, err)
		require.Equal(t, want, f)
		for _, wrapped := range []string{" " + text + "\n", "\"" + text + "\"", "'" + text + "'\r\n", "\uFEFF" + text} {
			f, err = codec.Detect(wrapped)
			require.NoError(t, err)
			require.Equal(t, want, f)
		}
	}
	var mt struct {
		Native []struct {
			Output string `json:"output"`
		} `json:"native_string_sessions"`
	}
	readJSON(t, "testdata/mtcute_vectors.json", &mt)
	require.NotEmpty(t, mt.Native)
	check(mt.Native[0].Output, codec.Mtcute)
	check(`{"Version":1,"Data":{}}`, codec.Gotd)

	var tv telethonVectorFile
	readJSON(t, "testdata/telethon_vectors.json", &tv)
	for _, v := range tv.StringSessions {
		check(v.Output, codec.Telethon)
	}
	var gv gramjsVectorFile
	readJSON(t, "testdata/gramjs_vectors.json", &gv)
	for _, v := range gv.StringSessions {
		check(v.Output, codec.GramJS)
	}
	var pv pyrogramVectorFile
	readJSON(t, "testdata/pyrogram_vectors.json", &pv)
	for _, v := range pv.StringSessions {
		want := codec.PyrogramLegacy
		if v.Format == ">BI?256sQ?" {
			want = codec.Pyrogram
		}
		check(v.Output, want)
		check(v.Output+strings.Repeat("=", (4-len(v.Output)%4)%4), want)
	}
}

// TestDetectPyrogramDC213: a Pyrogram string for DC 212–215 starts with
// '1', like Telethon and GramJS strings; it is still detected by structure.
func TestDetectPyrogramDC213(t *testing.T) {
	for _, s := range []*codec.Session{
		{Info: codec.Info{DC: 213, APIID: codec.Some[uint32](1), UserID: codec.Some[int64](5), TestMode: codec.Some(false), IsBot: codec.Some(true)}, Key: newKey(t, vecKey(30))},
		{Info: codec.Info{DC: 212, UserID: codec.Some[int64](5), TestMode: codec.Some(true), IsBot: codec.Some(false)}, Key: newKey(t, vecKey(30))},
		{Info: codec.Info{DC: 215, UserID: codec.Some[int64](5000000001), TestMode: codec.Some(false), IsBot: codec.Some(false)}, Key: newKey(t, vecKey(30))},
	} {
		f := codec.Pyrogram
		if !s.APIID.Known() {
			f = codec.PyrogramLegacy
		}
		text, err := s.Encode(f)
		require.NoError(t, err)
		require.Equal(t, byte('1'), text[0])
		got, err := codec.Detect(text)
		require.NoError(t, err)
		require.Equal(t, f, got)
		d, err := codec.Decode(text)
		require.NoError(t, err)
		requireSameSession(t, s, d)
	}
}

// TestDetectPrefixWins builds a text that is both a GramJS string (for the
// 5-character host name "abcde", without padding) and, read without the
// prefix, a 356-character old 64-bit Pyrogram string for DC 212–215, a DC
// that does not exist: the GramJS reading wins.
func TestDetectPrefixWins(t *testing.T) {
	p := gramjsPayload("abcde", 443, vecKey(31))
	require.Len(t, p, 266)
	text := "1" + base64.RawStdEncoding.EncodeToString(p)
	testsecret.RequireLen(t, text, 356)
	f, err := codec.Detect(text)
	require.NoError(t, err)
	require.Equal(t, codec.GramJS, f)
	s, err := codec.Decode(text)
	require.NoError(t, err)
	require.Equal(t, "abcde", s.ServerAddress)
}

func TestAmbiguousError(t *testing.T) {
	var err error = &codec.AmbiguousError{Candidates: []codec.Format{codec.Telethon, codec.GramJS}}
	var amb *codec.AmbiguousError
	require.ErrorAs(t, err, &amb)
	require.Equal(t, "codec: ambiguous format: the text fits telethon and gramjs; name the format explicitly", err.Error())
}

func TestDetectErrors(t *testing.T) {
	tel, err := (&codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: newKey(t, vecKey(32))}).EncodeTelethon()
	require.NoError(t, err)
	cases := []struct {
		name string
		text string
		want error
	}{
		{"empty", "", codec.ErrEmpty},
		{"blank", " \n\t", codec.ErrEmpty},
		{"quotes only", `""`, codec.ErrEmpty},
		{"hello", "hello", codec.ErrBadLength},
		{"short base64", "AAAA", codec.ErrUnknownFormat},
		{"1abc", "1abc", codec.ErrUnknownFormat},
		{"1 alone", "1", codec.ErrUnknownFormat},
		{"version 2", "2" + tel[1:], codec.ErrUnsupportedVersion},
		{"version 0", "0" + tel[1:], codec.ErrUnsupportedVersion},
		{"telethon truncated", tel[:301], codec.ErrUnknownFormat},
		{"telethon truncated mid-group", tel[:300], codec.ErrBadPadding},
		{"telethon bang", "1" + strings.Repeat("!", 352), codec.ErrBadCharacter},
		{"telethon newline inside", tel[:100] + "\n" + tel[100:], codec.ErrBadCharacter},
		{"NUL", tel[:100] + "\x00" + tel[100:], codec.ErrBadCharacter},
		{"too large", strings.Repeat("A", codec.MaxInputLen+1), codec.ErrTooLarge},
		{"mixed alphabets", "1" + strings.Repeat("-", 10) + strings.Repeat("+", 10) + strings.Repeat("A", 332), codec.ErrBadCharacter},
		{"extra padding", tel + "=", codec.ErrBadPadding},
		{"long base64", strings.Repeat("QUFB", 1000), codec.ErrBadLength},
		{"long 1-prefixed", "1" + strings.Repeat("QUFB", 1000), codec.ErrBadLength},
	}
	for _, c := range cases {
		f, err := codec.Detect(c.text)
		require.ErrorIs(t, err, c.want, c.name)
		require.Equal(t, codec.FormatUnknown, f)
		requireNoLeak(t, err.Error(), []string{c.text}, vecKey(32))
		_, err2 := codec.Decode(c.text)
		require.ErrorIs(t, err2, c.want, c.name)
	}
	_, err = codec.Detect("short base64 AAAA")
	require.ErrorIs(t, err, codec.ErrBadCharacter)
	_, err = codec.Detect(strings.Repeat("QUFB", 90))
	require.ErrorContains(t, err, "decode to 270 bytes")
}

// TestDetectConsistency checks, over every probe input and random damage
// to real strings, that Detect names a format that decodes the text if any
// does, and that when Detect names a format, DecodeAs either succeeds
// or fails on a field value, never on the layout.
func TestDetectConsistency(t *testing.T) {
	inputs := []string{}
	for _, p := range loadPeerProbes(t).Probes {
		inputs = append(inputs, p.Input)
	}
	r := rand.New(rand.NewPCG(7, 8))
	base := inputs[:len(inputs)/3]
	for i := 0; i < 3000; i++ {
		s := []byte(base[r.IntN(len(base))])
		if len(s) == 0 {
			continue
		}
		switch r.IntN(4) {
		case 0:
			s[r.IntN(len(s))] = "ABCDabcd0123-_+/=1!"[r.IntN(19)]
		case 1:
			s = s[:r.IntN(len(s))]
		case 2:
			j := r.IntN(len(s))
			s = append(s[:j], s[j+1:]...)
		case 3:
			j := r.IntN(len(s) + 1)
			s = append(s[:j], append([]byte{"A=\n1"[r.IntN(4)]}, s[j:]...)...)
		}
		inputs = append(inputs, string(s))
	}
	decoded := 0
	for _, in := range inputs {
		var ok []codec.Format
		for _, f := range codec.Formats() {
			if s, err := codec.DecodeAs(f, in); err == nil {
				ok = append(ok, f)
				s.Wipe()
			} else {
				requireNoLeak(t, err.Error(), []string{in})
			}
		}
		f, err := codec.Detect(in)
		if err != nil {
			requireNoLeak(t, err.Error(), []string{in})
			if errors.As(err, new(*codec.AmbiguousError)) {
				continue
			}
			require.Empty(t, ok, "Detect failed but a decoder accepts the text")
			continue
		}
		if len(ok) > 0 {
			decoded++
			require.Contains(t, ok, f, "Detect names a format that does not decode the text")
			if len(ok) > 1 {
				// Only a '1'-prefixed Pyrogram reading for a DC that
				// does not exist can coincide with another format.
				require.Equal(t, byte('1'), strings.TrimSpace(in)[0])
				require.Len(t, ok, 2)
			}
			continue
		}
		if f == codec.Gotd {
			continue // Detect does not validate JSON
		}
		_, err = codec.DecodeAs(f, in)
		require.True(t, errors.Is(err, codec.ErrBadField) || errors.Is(err, codec.ErrZeroKey),
			"Detect says %s but DecodeAs fails on the layout: %v", f, err)
	}
	require.Greater(t, decoded, 100)
}

// TestDetectGramJSShapes covers GramJS strings of every address length
// against the Telethon lengths: 14 characters gives 275 bytes, 2 gives 263.
func TestDetectGramJSShapes(t *testing.T) {
	for l := 1; l <= 60; l++ {
		addr := strings.Repeat("a", l)
		if l > 2 {
			addr = "a." + strings.Repeat("b", l-2)
		}
		text := "1" + base64.StdEncoding.EncodeToString(gramjsPayload(addr, 443, vecKey(33)))
		f, err := codec.Detect(text)
		require.NoError(t, err, "%d", l)
		require.Equal(t, codec.GramJS, f, "%d", l)
		s, err := codec.Decode(text)
		if l < 4 {
			// GramJS itself reads these as Telethon strings: refused as a
			// field error, never decoded as something else.
			require.ErrorIs(t, err, codec.ErrBadField, "%d", l)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, addr, s.ServerAddress)
	}
	// A Telethon IPv6 string whose address starts 000e: in ::/8 and not a
	// valid GramJS structure, so Telethon, which refuses the address.
	p := make([]byte, 275)
	p[0] = 2
	p[2] = 14
	for i := 3; i < 17; i++ {
		p[i] = 0xff // not text
	}
	binary.BigEndian.PutUint16(p[17:], 443)
	copy(p[19:], vecKey(33))
	text := "1" + base64.URLEncoding.EncodeToString(p)
	f, err := codec.Detect(text)
	require.NoError(t, err)
	require.Equal(t, codec.Telethon, f)
	_, err = codec.Decode(text)
	require.ErrorIs(t, err, codec.ErrBadField)
}

func TestDetectPrettyGotdJSON(t *testing.T) {
	pretty, err := os.ReadFile("testdata/gotd_vectors.json")
	require.NoError(t, err)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(pretty, &doc))
	var buf bytes.Buffer
	require.NoError(t, json.Indent(&buf, doc["loader_json_example"], "", "  "))
	text := "\n" + buf.String() + "\n"
	f, err := codec.Detect(text)
	require.NoError(t, err)
	require.Equal(t, codec.Gotd, f)
	s, err := codec.Decode(text)
	require.NoError(t, err)
	require.Equal(t, 1, s.DC)
}
