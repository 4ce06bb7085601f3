package codec_test

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

type gramjsVectorFile struct {
	Library        string `json:"library"`
	LibraryVersion string `json:"library_version"`
	StringSessions []struct {
		Name   string `json:"name"`
		Inputs struct {
			DC      int    `json:"dc_id"`
			Address string `json:"server_address"`
			Port    uint16 `json:"port"`
			KeyHex  string `json:"auth_key_hex"`
		} `json:"inputs"`
		Output  string `json:"output"`
		Decoded *struct {
			OK      bool   `json:"ok"`
			DC      int    `json:"dc_id"`
			Address string `json:"server_address"`
			Port    int    `json:"port"`
			KeyLen  int    `json:"key_len"`
		} `json:"gramjs_decoded"`
		DecodedBack *struct {
			DC      int    `json:"dcId"`
			Address string `json:"serverAddress"`
			Port    int    `json:"port"`
		} `json:"gramjs_decoded_back"`
	} `json:"string_sessions"`
	EdgeProbes []struct {
		Label  string `json:"label"`
		Result string `json:"result"`
		Error  string `json:"error"`
	} `json:"edge_probes"`
	SaveErrors []struct {
		Label string `json:"label"`
		Error string `json:"error"`
	} `json:"save_errors"`
}

func TestGramJSVectors(t *testing.T) {
	files := append(vectorFiles(t, "gramjs_vectors.json", "gramjs.json"), "testdata/gramjs_generated.json")
	n := 0
	for _, file := range files {
		var vf gramjsVectorFile
		readJSON(t, file, &vf)
		require.NotEmpty(t, vf.LibraryVersion)
		for _, v := range vf.StringSessions {
			t.Run(file+"/"+v.Name, func(t *testing.T) {
				key := hexKey(t, v.Inputs.KeyHex)
				// What real GramJS read back, where the file records it.
				if v.Decoded != nil {
					require.True(t, v.Decoded.OK)
					require.Equal(t, v.Inputs.Address, v.Decoded.Address)
					require.Equal(t, int(v.Inputs.Port), v.Decoded.Port)
					require.Equal(t, 256, v.Decoded.KeyLen)
				}
				if v.DecodedBack != nil {
					require.Equal(t, v.Inputs.Address, v.DecodedBack.Address)
				}
				s, err := codec.DecodeAs(codec.GramJS, v.Output)
				require.NoError(t, err)
				require.Equal(t, codec.GramJS, s.Source)
				require.Equal(t, v.Inputs.DC, s.DC)
				require.Equal(t, v.Inputs.Address, s.ServerAddress, "address text as stored")
				require.Equal(t, v.Inputs.Port, s.Port)
				require.Equal(t, codec.Some(strings.Contains(v.Inputs.Address, ":")), s.IPv6)
				require.False(t, s.TestMode.Known() || s.UserID.Known() || s.APIID.Known() || s.IsBot.Known())
				requireKey(t, s, key)

				out, err := s.EncodeGramJS()
				require.NoError(t, err)
				require.True(t, out == v.Output, "re-encoded string differs from GramJS's")
				in := &codec.Session{Info: codec.Info{DC: v.Inputs.DC, ServerAddress: v.Inputs.Address, Port: v.Inputs.Port}, Key: newKey(t, key)}
				out, err = in.EncodeGramJS()
				require.NoError(t, err)
				require.True(t, out == v.Output, "encoded string differs from GramJS's")

				// Detection, including for the 14-character addresses
				// whose strings are as long as Telethon IPv6 strings.
				f, err := codec.Detect(v.Output)
				require.NoError(t, err)
				require.Equal(t, codec.GramJS, f)
				d, err := codec.Decode(v.Output)
				require.NoError(t, err)
				requireSameSession(t, s, d)
				if len(v.Inputs.Address) == 14 {
					require.Len(t, v.Output, 369)
					_, err := codec.DecodeAs(codec.Telethon, v.Output)
					require.ErrorIs(t, err, codec.ErrBadField, "a GramJS-14 string must not decode as Telethon IPv6")
				}
			})
			n++
		}
		for _, e := range vf.SaveErrors {
			require.Contains(t, e.Error, "RangeError", e.Label)
		}
	}
	require.GreaterOrEqual(t, n, 20)
}

// TestGramJSPortLimit: GramJS throws a RangeError saving a port above 32767
// (gramjs.json edge probe "save() with port 40000"); we refuse with a clear
// error. Reading one (made by mtcute, or edited) works, unsigned.
func TestGramJSPortLimit(t *testing.T) {
	key := newKey(t, vecKey(20))
	for _, port := range []uint16{32768, 40000, 65535} {
		s := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: port}, Key: key}
		_, err := s.EncodeGramJS()
		require.ErrorIs(t, err, codec.ErrCannotEncode)
		require.Contains(t, err.Error(), "32767")
	}
	s := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 32767}, Key: key}
	_, err := s.EncodeGramJS()
	require.NoError(t, err)

	// A payload with port 40000 decodes as 40000.
	p := gramjsPayload("149.154.167.51", 40000, vecKey(20))
	got, err := codec.DecodeAs(codec.GramJS, "1"+base64.StdEncoding.EncodeToString(p))
	require.NoError(t, err)
	require.Equal(t, uint16(40000), got.Port)
	_, err = got.EncodeGramJS()
	require.ErrorIs(t, err, codec.ErrCannotEncode)
}

func gramjsPayload(addr string, port uint16, key []byte) []byte {
	b := []byte{2}
	b = binary.BigEndian.AppendUint16(b, uint16(len(addr)))
	b = append(b, addr...)
	b = binary.BigEndian.AppendUint16(b, port)
	return append(b, key...)
}

func TestGramJSAddresses(t *testing.T) {
	key := vecKey(21)
	ok := []string{
		"149.154.167.51", "1.2.3.4", "::ffff:1.2.3.4", "2001:067c:04e8:f002:0000:0000:0000:000a", "2001:67c:4e8:f002::a",
		"vesta.web.telegram.org", "localhost", "a-b.c", "xn--80ak6aa92e.com", "host123.example",
	}
	bad := []string{
		"0.0.0.0", "::", "0.1.2.3", "1.2.3.04", "1.2.3", "1.2.3.4.5", "256.1.1.1", "fe80::1%eth0", "-a.com",
		"a-.com", "a..com", "a.com.", ".a.com", "a_b.com", "a b.com", "ä.com", "abc.123", "a\x00.com",
		strings.Repeat("a", 64) + ".com", "e:3134:392e:3135:342e:3136:372e:3531",
	}
	for _, a := range ok {
		text := "1" + base64.StdEncoding.EncodeToString(gramjsPayload(a, 443, key))
		s, err := codec.DecodeAs(codec.GramJS, text)
		require.NoError(t, err, a)
		require.Equal(t, a, s.ServerAddress)
		if len(a) >= 4 {
			out, err := s.EncodeGramJS()
			require.NoError(t, err, a)
			require.True(t, out == text, "%s: re-encoding differs", a)
		}
		f, err := codec.Detect(text)
		require.NoError(t, err, a)
		require.Equal(t, codec.GramJS, f, a)
	}
	for _, a := range bad {
		text := "1" + base64.StdEncoding.EncodeToString(gramjsPayload(a, 443, key))
		_, err := codec.DecodeAs(codec.GramJS, text)
		require.ErrorIs(t, err, codec.ErrBadField, "%q", a)
		requireNoLeak(t, err.Error(), []string{text}, key)
		s := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: a, Port: 443}, Key: newKey(t, key)}
		_, err = s.EncodeGramJS()
		require.ErrorIs(t, err, codec.ErrCannotEncode, "%q", a)
	}
}

func TestGramJSEncodeErrors(t *testing.T) {
	key := newKey(t, vecKey(22))
	var mf *codec.MissingFieldError
	_, err := (&codec.Session{Info: codec.Info{DC: 2, Port: 443}, Key: key}).EncodeGramJS()
	require.ErrorAs(t, err, &mf)
	require.Equal(t, "server_address", mf.Field)
	_, err = (&codec.Session{Info: codec.Info{DC: 2, ServerAddress: "1.2.3.4"}, Key: key}).EncodeGramJS()
	require.ErrorAs(t, err, &mf)
	require.Equal(t, "port", mf.Field)
	for _, s := range []codec.Session{
		{Info: codec.Info{DC: 256, ServerAddress: "1.2.3.4", Port: 443}, Key: key},
		{Info: codec.Info{DC: 2, ServerAddress: "a.b", Port: 443}, Key: key},                                                   // 3 bytes: GramJS reads it as Telethon IPv4
		{Info: codec.Info{DC: 2, ServerAddress: strings.Repeat("a", 50) + "." + strings.Repeat("b", 50), Port: 443}, Key: key}, // 101 bytes
	} {
		_, err := s.EncodeGramJS()
		require.ErrorIs(t, err, codec.ErrCannotEncode, s.ServerAddress)
	}
}

func TestGramJSFieldErrors(t *testing.T) {
	key := vecKey(23)
	base := gramjsPayload("149.154.167.91", 443, key)
	mut := func(f func(b []byte) []byte) string {
		return "1" + base64.StdEncoding.EncodeToString(f(append([]byte(nil), base...)))
	}
	cases := []struct {
		name string
		text string
		want error
	}{
		{"dc 0", mut(func(b []byte) []byte { b[0] = 0; return b }), codec.ErrBadField},
		{"port 0", mut(func(b []byte) []byte { b[17], b[18] = 0, 0; return b }), codec.ErrBadField},
		{"zero key", mut(func(b []byte) []byte { clear(b[19:]); return b }), codec.ErrZeroKey},
		{"short key", mut(func(b []byte) []byte { return b[:len(b)-1] }), codec.ErrBadLength},
		{"long key", mut(func(b []byte) []byte { return append(b, 1) }), codec.ErrBadLength},
		{"length too big", mut(func(b []byte) []byte { b[2] = 15; return b }), codec.ErrBadLength},
		{"too short", mut(func(b []byte) []byte { return b[:200] }), codec.ErrBadLength},
		{"non-ASCII address", mut(func(b []byte) []byte { b[3] = 0xc3; return b }), codec.ErrBadField},
	}
	for _, c := range cases {
		_, err := codec.DecodeAs(codec.GramJS, c.text)
		require.ErrorIs(t, err, c.want, c.name)
		requireNoLeak(t, err.Error(), []string{c.text}, key)
	}
	// A Telethon string is refused, with a hint.
	tel, err := (&codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: newKey(t, key)}).EncodeTelethon()
	require.NoError(t, err)
	_, err = codec.DecodeAs(codec.GramJS, tel)
	require.ErrorIs(t, err, codec.ErrBadLength)
	require.Contains(t, err.Error(), "Telethon")
}
