package codec_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// gotdMirror is gotd v0.93.0's jsonData{Version int; Data session.Data},
// field for field (session/session.go, tg/tl_dc_option_gen.go), so that
// json.Marshal of it is what session.Loader.Save writes. The nested module
// interop/gotd checks against gotd itself.
type gotdMirror struct {
	Version int
	Data    struct {
		Config struct {
			BlockedMode     bool
			ForceTryIpv6    bool
			Date            int
			Expires         int
			TestMode        bool
			ThisDC          int
			DCOptions       []gotdMirrorDCOption
			DCTxtDomainName string
			TmpSessions     int
			WebfileDCID     int
		}
		DC        int
		Addr      string
		AuthKey   []byte
		AuthKeyID []byte
		Salt      int64
	}
}

type gotdMirrorDCOption struct {
	Flags             uint32
	Ipv6              bool
	MediaOnly         bool
	TCPObfuscatedOnly bool
	CDN               bool
	Static            bool
	ThisPortOnly      bool
	ID                int
	IPAddress         string
	Port              int
	Secret            []byte
}

func gotdKeyID(key []byte) []byte {
	sum := sha1.Sum(key)
	return sum[12:20]
}

func gotdMarshal(t testing.TB, m *gotdMirror) string {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func TestGotdSharedVector(t *testing.T) {
	var v struct {
		Example json.RawMessage `json:"loader_json_example"`
	}
	mgReadJSON(t, "testdata/gotd_vectors.json", &v)
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, v.Example))
	text := compact.String()

	key := mgMakeKey(1)
	want := &codec.Session{Info: codec.Info{DC: 1, ServerAddress: "149.154.175.53", Port: 443, IPv6: codec.Some(false)}, Key: mgKey(t, key)}
	for _, in := range []string{text, string(v.Example)} { // compact as gotd writes it, and pretty-printed
		got, err := codec.DecodeAs(codec.Gotd, in)
		require.NoError(t, err)
		require.Equal(t, codec.Gotd, got.Source)
		mgSessionsEqual(t, want, got)
		require.Equal(t, "891a851346875461", got.AuthKeyID().String())
	}
	out, err := want.EncodeGotd()
	require.NoError(t, err)
	require.True(t, out == text, "EncodeGotd differs from gotd's Loader output")
}

// gotdRandomSession returns a random session and what gotd's JSON keeps of
// it.
func gotdRandomSession(t testing.TB, r *rand.Rand) (in, want *codec.Session) {
	in = mgRandomMtcute(t, r)
	in.DC = 1 + r.IntN(65535)
	if r.IntN(5) == 0 {
		in.APIID = codec.Some(r.Uint32())
	}
	switch r.IntN(6) {
	case 0:
		in.ServerAddress, in.Port = "", 0
	case 1:
		in.Port = 0
	case 2:
		in.ServerAddress = "" // a port without an address is dropped
	}
	switch r.IntN(3) {
	case 0:
		in.TestMode = codec.None[bool]()
	case 1:
		in.IPv6 = codec.None[bool]()
	}
	want = &codec.Session{Info: codec.Info{DC: in.DC, ServerAddress: in.ServerAddress}, Key: in.Key}
	if want.ServerAddress != "" {
		want.Port = in.Port
		want.IPv6 = codec.Some(strings.Contains(want.ServerAddress, ":"))
	}
	want.TestMode = in.TestMode
	return in, want
}

func TestGotdRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		in, want := gotdRandomSession(t, r)
		text, err := in.EncodeGotd()
		require.NoError(t, err, "session %d", i)

		// Byte-identical to json.Marshal of gotd's structure.
		var m gotdMirror
		m.Version = 1
		m.Data.DC = in.DC
		if in.ServerAddress != "" {
			m.Data.Addr = in.ServerAddress
			if in.Port != 0 {
				m.Data.Addr = net.JoinHostPort(in.ServerAddress, strconv.Itoa(int(in.Port)))
			}
		}
		m.Data.Config.TestMode = in.TestMode.Or(false)
		if in.TestMode.Known() {
			m.Data.Config.ThisDC = in.DC
		}
		m.Data.AuthKey = in.Key.Reveal()
		m.Data.AuthKeyID = gotdKeyID(m.Data.AuthKey)
		require.True(t, text == gotdMarshal(t, &m), "EncodeGotd differs from json.Marshal (session %d)", i)

		got, err := codec.DecodeAs(codec.Gotd, text)
		require.NoError(t, err, "session %d", i)
		mgSessionsEqual(t, want, got)
		again, err := got.EncodeGotd()
		require.NoError(t, err)
		require.True(t, again == text, "re-encoding is not stable (session %d)", i)
	}
}

// gotdDoc returns a valid document as gotd writes it, for mutation.
func gotdDoc(key []byte) *gotdMirror {
	var m gotdMirror
	m.Version = 1
	m.Data.DC = 2
	m.Data.Addr = "149.154.167.51:443"
	m.Data.AuthKey = key
	m.Data.AuthKeyID = gotdKeyID(key)
	return &m
}

func TestGotdClientWritten(t *testing.T) {
	// What the gotd client itself saves: a filled Config, no Addr, a salt.
	key := mgMakeKey(2)
	m := gotdDoc(key)
	m.Data.Addr = ""
	m.Data.Salt = -1234567890123
	c := &m.Data.Config
	c.Date, c.Expires, c.ThisDC, c.DCTxtDomainName, c.TmpSessions = 1700000000, 1700003600, 2, "apv3.stel.com", 5
	c.DCOptions = []gotdMirrorDCOption{
		{ID: 1, IPAddress: "149.154.175.53", Port: 443},
		{Flags: 1, Ipv6: true, ID: 1, IPAddress: "2001:0b28:f23d:f001:0000:0000:0000:000a", Port: 443},
		{Flags: 1<<10 | 2, MediaOnly: true, ID: 2, IPAddress: "149.154.167.151", Port: 443, Secret: []byte{1, 2, 3}},
	}
	text := gotdMarshal(t, m)
	got, err := codec.DecodeAs(codec.Gotd, text)
	require.NoError(t, err)
	require.Equal(t, 2, got.DC)
	require.Equal(t, "", got.ServerAddress)
	require.Equal(t, uint16(0), got.Port)
	require.False(t, got.IPv6.Known())
	require.Equal(t, codec.Some(false), got.TestMode, "a client-filled Config knows the test mode")
	require.True(t, bytes.Equal(got.Key.Reveal(), key), "key differs")

	for _, tc := range []struct {
		name string
		edit func(c *gotdMirror)
		want codec.Optional[bool]
	}{
		{"empty config", func(m *gotdMirror) { m.Data.Config = gotdDoc(key).Data.Config }, codec.None[bool]()},
		{"test mode only", func(m *gotdMirror) { m.Data.Config = gotdDoc(key).Data.Config; m.Data.Config.TestMode = true }, codec.Some(true)},
		{"date only", func(m *gotdMirror) { m.Data.Config = gotdDoc(key).Data.Config; m.Data.Config.Date = 1 }, codec.Some(false)},
		{"ThisDC only", func(m *gotdMirror) { m.Data.Config = gotdDoc(key).Data.Config; m.Data.Config.ThisDC = 2 }, codec.Some(false)},
		{"DC options only", func(m *gotdMirror) {
			m.Data.Config = gotdDoc(key).Data.Config
			m.Data.Config.DCOptions = []gotdMirrorDCOption{{ID: 1}}
		}, codec.Some(false)},
		{"filled, test", func(m *gotdMirror) { m.Data.Config.TestMode = true }, codec.Some(true)},
	} {
		mm := *m
		tc.edit(&mm)
		got, err := codec.DecodeAs(codec.Gotd, gotdMarshal(t, &mm))
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, got.TestMode, tc.name)

		// The canonical re-encoding keeps what was read, test mode included.
		enc, err := got.EncodeGotd()
		require.NoError(t, err)
		again, err := codec.DecodeAs(codec.Gotd, enc)
		require.NoError(t, err)
		mgSessionsEqual(t, got, again)
		enc2, err := again.EncodeGotd()
		require.NoError(t, err)
		require.True(t, enc == enc2, "%s: canonical form is not stable", tc.name)
	}
}

func TestGotdAccepted(t *testing.T) {
	key := mgMakeKey(3)
	b64 := base64.StdEncoding.EncodeToString(key)
	id := base64.StdEncoding.EncodeToString(gotdKeyID(key))
	cases := []struct {
		name, text, addr string
		port             uint16
	}{
		{"lower-case keys, as encoding/json matches them", `{"version":1,"data":{"dc":2,"addr":"1.2.3.4:80","authkey":"` + b64 + `"}}`, "1.2.3.4", 80},
		{"no AuthKeyID", `{"Version":1,"Data":{"DC":2,"AuthKey":"` + b64 + `"}}`, "", 0},
		{"null AuthKeyID", `{"Version":1,"Data":{"DC":2,"AuthKey":"` + b64 + `","AuthKeyID":null}}`, "", 0},
		{"unknown keys ignored", `{"Version":1,"Extra":[1,{"a":null}],"Data":{"DC":2,"Foo":"bar","AuthKey":"` + b64 + `","AuthKeyID":"` + id + `"}}`, "", 0},
		{"escaped base64", `{"Version":1,"Data":{"DC":2,"AuthKey":"` + strings.ReplaceAll(strings.ReplaceAll(b64, "/", `\/`), "+", `\u002b`) + `"}}`, "", 0},
		{"newline inside base64, skipped like gotd", `{"Version":1,"Data":{"DC":2,"AuthKey":"` + b64[:100] + `\n` + b64[100:] + `"}}`, "", 0},
		{"IPv6 in brackets", `{"Version":1,"Data":{"DC":2,"Addr":"[2001:67c:4e8:f002::a]:443","AuthKey":"` + b64 + `"}}`, "2001:67c:4e8:f002::a", 443},
		{"bare IP, as TDesktopSession writes it", `{"Version":1,"Data":{"DC":2,"Addr":"149.154.167.51","AuthKey":"` + b64 + `"}}`, "149.154.167.51", 0},
		{"bare IPv6", `{"Version":1,"Data":{"DC":2,"Addr":"2001:0b28:f23d:f001:0000:0000:0000:000a","AuthKey":"` + b64 + `"}}`, "2001:0b28:f23d:f001:0000:0000:0000:000a", 0},
		{"host name", `{"Version":1,"Data":{"DC":4,"Addr":"vesta.web.telegram.org:443","AuthKey":"` + b64 + `"}}`, "vesta.web.telegram.org", 443},
		{"pretty, BOM, CRLF", "\uFEFF{\r\n  \"Version\": 1,\r\n  \"Data\": {\"DC\": 2, \"AuthKey\": \"" + b64 + "\"}\r\n}\r\n", "", 0},
		{"duplicate key, last wins as in encoding/json", `{"Version":7,"Version":1,"Data":{"DC":2,"AuthKey":"` + b64 + `"}}`, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := codec.DecodeAs(codec.Gotd, c.text)
			require.NoError(t, err)
			require.Equal(t, c.addr, got.ServerAddress)
			require.Equal(t, c.port, got.Port)
			require.True(t, bytes.Equal(got.Key.Reveal(), key), "key differs")
		})
	}
}

func TestGotdBadInput(t *testing.T) {
	key := mgMakeKey(4)
	b64 := base64.StdEncoding.EncodeToString(key)
	id := base64.StdEncoding.EncodeToString(gotdKeyID(key))
	doc := func(data string) string { return `{"Version":1,"Data":{` + data + `}}` }
	withKey := func(extra string) string { return doc(`"DC":2,"AuthKey":"` + b64 + `"` + extra) }
	otherID := base64.StdEncoding.EncodeToString(gotdKeyID(mgMakeKey(5)))
	cases := []struct {
		name, text string
		want       error
	}{
		{"empty", "", codec.ErrEmpty},
		{"whitespace", " \r\n\t", codec.ErrEmpty},
		{"1 MiB", `{"Version":1,"Data":{"Addr":"` + strings.Repeat("a", 1<<20) + `"}}`, codec.ErrTooLarge},
		{"not JSON", b64, codec.ErrUnknownFormat},
		{"JSON array", `[` + strconv.Quote(b64) + `]`, codec.ErrUnknownFormat},
		{"JSON null", `null`, codec.ErrUnknownFormat},
		{"JSON string", strconv.Quote(b64), codec.ErrUnknownFormat},
		{"truncated", withKey("")[:200], codec.ErrUnknownFormat},
		{"syntax error after the key", withKey(`,"DC":Zq9xW`), codec.ErrUnknownFormat},
		{"trailing data", withKey("") + `{"x":1}`, codec.ErrUnknownFormat},
		{"trailing key text", withKey("") + b64, codec.ErrUnknownFormat},
		{"control character in string", withKey(`,"Addr":"a` + "\x01" + `b"`), codec.ErrUnknownFormat},
		{"no Version", `{"Data":{"DC":2,"AuthKey":"` + b64 + `"}}`, codec.ErrUnsupportedVersion},
		{"Version 0", `{"Version":0,"Data":{"DC":2,"AuthKey":"` + b64 + `"}}`, codec.ErrUnsupportedVersion},
		{"Version 2", `{"Version":2,"Data":{"DC":2,"AuthKey":"` + b64 + `"}}`, codec.ErrUnsupportedVersion},
		{"Version 1.5", `{"Version":1.5,"Data":{"DC":2,"AuthKey":"` + b64 + `"}}`, codec.ErrBadField},
		{"Version string", `{"Version":"1","Data":{"DC":2,"AuthKey":"` + b64 + `"}}`, codec.ErrBadField},
		{"Data array", `{"Version":1,"Data":["` + b64 + `"]}`, codec.ErrBadField},
		{"DC 0", doc(`"DC":0,"AuthKey":"` + b64 + `"`), codec.ErrBadField},
		{"DC missing", doc(`"AuthKey":"` + b64 + `"`), codec.ErrBadField},
		{"DC negative", doc(`"DC":-2,"AuthKey":"` + b64 + `"`), codec.ErrBadField},
		{"DC 65536", doc(`"DC":65536,"AuthKey":"` + b64 + `"`), codec.ErrBadField},
		{"DC 2.5", doc(`"DC":2.5,"AuthKey":"` + b64 + `"`), codec.ErrBadField},
		{"DC huge", doc(`"DC":123456789012345678901234567890,"AuthKey":"` + b64 + `"`), codec.ErrBadField},
		{"AuthKey missing", doc(`"DC":2`), codec.ErrBadKey},
		{"AuthKey null", doc(`"DC":2,"AuthKey":null`), codec.ErrBadKey},
		{"AuthKey empty", doc(`"DC":2,"AuthKey":""`), codec.ErrBadKey},
		{"AuthKey 255 bytes", doc(`"DC":2,"AuthKey":"` + base64.StdEncoding.EncodeToString(key[:255]) + `"`), codec.ErrBadKey},
		{"AuthKey 257 bytes", doc(`"DC":2,"AuthKey":"` + base64.StdEncoding.EncodeToString(append(key, 1)) + `"`), codec.ErrBadKey},
		{"AuthKey 1 KiB", doc(`"DC":2,"AuthKey":"` + base64.StdEncoding.EncodeToString(bytes.Repeat(key, 4)) + `"`), codec.ErrBadKey},
		{"AuthKey unpadded", doc(`"DC":2,"AuthKey":"` + strings.TrimRight(b64, "=") + `"`), codec.ErrBadField},
		{"AuthKey URL alphabet", doc(`"DC":2,"AuthKey":"` + base64.URLEncoding.EncodeToString(key) + `"`), codec.ErrBadField},
		{"AuthKey escaped and invalid", doc(`"DC":2,"AuthKey":"` + b64[:10] + `\u0021` + b64[11:] + `"`), codec.ErrBadField},
		{"AuthKey number", doc(`"DC":2,"AuthKey":12345`), codec.ErrBadField},
		{"AuthKey array", doc(`"DC":2,"AuthKey":[` + strings.Repeat("1,", 255) + `1]`), codec.ErrBadField},
		{"AuthKey zero", doc(`"DC":2,"AuthKey":"` + base64.StdEncoding.EncodeToString(make([]byte, 256)) + `"`), codec.ErrZeroKey},
		{"AuthKeyID mismatch", withKey(`,"AuthKeyID":"` + otherID + `"`), codec.ErrBadField},
		{"AuthKeyID 7 bytes", withKey(`,"AuthKeyID":"` + base64.StdEncoding.EncodeToString(gotdKeyID(key)[:7]) + `"`), codec.ErrBadField},
		{"AuthKeyID not base64", withKey(`,"AuthKeyID":"` + id[:5] + `!` + id[6:] + `"`), codec.ErrBadField},
		{"Addr no port, not an IP", withKey(`,"Addr":"1.2.3.4.5.6:1:2"`), codec.ErrBadField},
		{"Addr port 0", withKey(`,"Addr":"1.2.3.4:0"`), codec.ErrBadField},
		{"Addr port 65536", withKey(`,"Addr":"1.2.3.4:65536"`), codec.ErrBadField},
		{"Addr port leading zero", withKey(`,"Addr":"1.2.3.4:0443"`), codec.ErrBadField},
		{"Addr port sign", withKey(`,"Addr":"1.2.3.4:+443"`), codec.ErrBadField},
		{"Addr empty port", withKey(`,"Addr":"1.2.3.4:"`), codec.ErrBadField},
		{"Addr empty host", withKey(`,"Addr":":443"`), codec.ErrBadField},
		{"Addr unbracketed IPv6 with port", withKey(`,"Addr":"2001:db8:1:2:3:4:5:6:443"`), codec.ErrBadField},
		{"Addr bracketed IPv4", withKey(`,"Addr":"[1.2.3.4]:443"`), codec.ErrBadField},
		{"Addr zone", withKey(`,"Addr":"[fe80::1%eth0]:443"`), codec.ErrBadField},
		{"Addr not a host", withKey(`,"Addr":"a b:443"`), codec.ErrBadField},
		{"Addr number", withKey(`,"Addr":443`), codec.ErrBadField},
		{"Config TestMode string", withKey(`,"Config":{"TestMode":"yes"}`), codec.ErrBadField},
		{"Config DCOptions wrong type", withKey(`,"Config":{"DCOptions":[{"Port":"443"}]}`), codec.ErrBadField},
		{"Config DCOptions Secret not base64", withKey(`,"Config":{"DCOptions":[{"Secret":"!!!!"}]}`), codec.ErrBadField},
		{"Salt string", withKey(`,"Salt":"1"`), codec.ErrBadField},
		{"Salt overflow", withKey(`,"Salt":9223372036854775808`), codec.ErrBadField},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := codec.DecodeAs(codec.Gotd, c.text)
			require.Nil(t, s)
			var pe *codec.ParseError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, codec.Gotd, pe.Format)
			texts := []string{b64, id}
			if len(c.text) < 4096 {
				texts = append(texts, c.text)
			}
			mgRequireErr(t, err, c.want, texts, key)
			// encoding/json quotes input ("invalid character 'Z'",
			// "number 2.5"): none of that may come through.
			for _, bad := range []string{"'Z'", "Zq9", "2.5", "1.5", "12345", "yes", "eth0", "json:"} {
				require.NotContains(t, err.Error(), bad)
			}
		})
	}
}

func TestGotdEncodeErrors(t *testing.T) {
	key := mgMakeKey(6)
	for _, c := range []struct {
		name string
		s    *codec.Session
		want error
	}{
		{"DC 0", &codec.Session{Key: mgKey(t, key)}, codec.ErrBadField},
		{"no key", &codec.Session{Info: codec.Info{DC: 2}}, codec.ErrBadKey},
		{"bad address", &codec.Session{Info: codec.Info{DC: 2, ServerAddress: `a"b`, Port: 443}, Key: mgKey(t, key)}, codec.ErrCannotEncode},
		{"address with port", &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "1.2.3.4:443"}, Key: mgKey(t, key)}, codec.ErrCannotEncode},
	} {
		out, err := c.s.EncodeGotd()
		require.True(t, out == "", "%s: output despite an error", c.name)
		mgRequireErr(t, err, c.want, nil, key)
	}
}

func ExampleDecodeAs_gotd() {
	// An obviously fake key, as in gotd's tests.
	key, _ := codec.NewAuthKey(bytes.Repeat([]byte{'a'}, codec.AuthKeySize))
	in := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "2001:67c:4e8:f002::a", Port: 443}, Key: key}
	text, _ := in.EncodeGotd()
	fmt.Println(text[:60])
	fmt.Println(text[strings.Index(text, `"DC"`):strings.Index(text, `"AuthKey"`)])

	s, err := codec.DecodeAs(codec.Gotd, text)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s)
	// Output:
	// {"Version":1,"Data":{"Config":{"BlockedMode":false,"ForceTry
	// "DC":2,"Addr":"[2001:67c:4e8:f002::a]:443",
	// Session{format=gotd dc=2 addr=2001:67c:4e8:f002::a port=443 key=AuthKey(id=ad0e5169397d2b62)}
}
