package codec_test

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
)

type pyrogramVectorFile struct {
	Library        string `json:"library"`
	LibraryVersion string `json:"library_version"`
	StringSessions []struct {
		Name   string `json:"name"`
		Format string `json:"format"`
		Inputs struct {
			DC       int     `json:"dc_id"`
			APIID    *uint32 `json:"api_id"`
			TestMode bool    `json:"test_mode"`
			UserID   int64   `json:"user_id"`
			IsBot    bool    `json:"is_bot"`
			KeyHex   string  `json:"auth_key_hex"`
		} `json:"inputs"`
		Output string `json:"output"`
	} `json:"string_sessions"`
	DecodeProbes []struct {
		Label    string  `json:"label"`
		Input    string  `json:"input"`
		Result   string  `json:"result"`
		ExcType  string  `json:"exception_type"`
		ExcStr   string  `json:"exception_str"`
		Format   string  `json:"format"`
		DC       int     `json:"dc_id"`
		APIID    *uint32 `json:"api_id"`
		TestMode bool    `json:"test_mode"`
		UserID   int64   `json:"user_id"`
		IsBot    bool    `json:"is_bot"`
	} `json:"decode_probes"`
}

func TestPyrogramVectors(t *testing.T) {
	for _, file := range vectorFiles(t, "pyrogram_vectors.json", "pyrogram.json") {
		var vf pyrogramVectorFile
		readJSON(t, file, &vf)
		require.NotEmpty(t, vf.LibraryVersion)
		require.Len(t, vf.StringSessions, 4)
		for _, v := range vf.StringSessions {
			t.Run(file+"/"+v.Name, func(t *testing.T) {
				key := hexKey(t, v.Inputs.KeyHex)
				want := &codec.Session{
					Info: codec.Info{
						DC:       v.Inputs.DC,
						TestMode: codec.Some(v.Inputs.TestMode),
						UserID:   codec.Some(v.Inputs.UserID),
						IsBot:    codec.Some(v.Inputs.IsBot),
					},
					Key: newKey(t, key),
				}
				var (
					f      codec.Format
					layout string
					parse  func(string) (*codec.Session, error)
					enc    func(*codec.Session) (string, error)
				)
				switch v.Format {
				case ">BI?256sQ?":
					f, layout, parse, enc = codec.Pyrogram, "v2", decodeAs(codec.Pyrogram), (*codec.Session).EncodePyrogram
					want.APIID = codec.Some(*v.Inputs.APIID)
				case ">B?256sI?":
					f, layout, parse, enc = codec.PyrogramLegacy, "old-32", decodeAs(codec.PyrogramLegacy), (*codec.Session).EncodePyrogramLegacy
				case ">B?256sQ?":
					f, layout, parse, enc = codec.PyrogramLegacy, "old-64", decodeAs(codec.PyrogramLegacy), (*codec.Session).EncodePyrogramLegacy
				default:
					t.Fatalf("unknown format %s", v.Format)
				}
				s, err := parse(v.Output)
				require.NoError(t, err)
				require.Equal(t, f, s.Source)
				require.Equal(t, layout, s.Layout)
				requireSameSession(t, want, s)
				require.False(t, s.Port != 0 || s.ServerAddress != "" || s.IPv6.Known())

				out, err := enc(s)
				require.NoError(t, err)
				require.True(t, out == v.Output, "re-encoded string differs from the vector")
				out, err = enc(want)
				require.NoError(t, err)
				require.True(t, out == v.Output, "encoded string differs from the vector")

				got, err := codec.Detect(v.Output)
				require.NoError(t, err)
				require.Equal(t, f, got)

				// Each parser refuses the other's layouts.
				other := decodeAs(codec.PyrogramLegacy)
				if f == codec.PyrogramLegacy {
					other = decodeAs(codec.Pyrogram)
				}
				_, err = other(v.Output)
				require.ErrorIs(t, err, codec.ErrBadLength)
				requireNoLeak(t, err.Error(), []string{v.Output}, key)
			})
		}
	}
}

// TestPyrogramDecodeProbes checks the parsers against pyrogram.json's
// decode probes, which record what Pyrogram 2's decoding lines did.
func TestPyrogramDecodeProbes(t *testing.T) {
	want := map[string]struct {
		f   codec.Format
		err error
	}{
		"v2_as_exported":                  {codec.Pyrogram, nil},
		"v2_with_padding_added":           {codec.Pyrogram, nil},
		"v2_standard_alphabet":            {codec.Pyrogram, nil},
		"v2_trailing_newline":             {codec.Pyrogram, nil}, // trimmed; Pyrogram: Incorrect padding
		"old32_as_exported":               {codec.PyrogramLegacy, nil},
		"old32_with_padding_added":        {codec.PyrogramLegacy, nil}, // Pyrogram 2: buffer of 271 bytes
		"old64_as_exported":               {codec.PyrogramLegacy, nil},
		"telethon_string_fed_to_pyrogram": {codec.Pyrogram, codec.ErrBadPadding},
		"garbage":                         {codec.Pyrogram, codec.ErrBadLength},
	}
	for _, file := range vectorFiles(t, "pyrogram_vectors.json", "pyrogram.json") {
		var vf pyrogramVectorFile
		readJSON(t, file, &vf)
		seen := 0
		for _, p := range vf.DecodeProbes {
			if p.Input == "" {
				continue // an encoder probe
			}
			w, ok := want[p.Label]
			require.True(t, ok, "no expectation for probe %s", p.Label)
			seen++
			s, err := codec.DecodeAs(w.f, p.Input)
			if w.err != nil {
				require.ErrorIs(t, err, w.err, p.Label)
				requireNoLeak(t, err.Error(), []string{p.Input})
				continue
			}
			require.NoError(t, err, p.Label)
			if p.Result != "ok" {
				continue // Pyrogram failed; we trim or accept the padding
			}
			require.Equal(t, p.DC, s.DC)
			require.Equal(t, codec.Some(p.UserID), s.UserID)
			require.Equal(t, codec.Some(p.TestMode), s.TestMode)
			require.Equal(t, codec.Some(p.IsBot), s.IsBot)
			if p.APIID != nil {
				require.Equal(t, codec.Some(*p.APIID), s.APIID)
			} else {
				require.False(t, s.APIID.Known())
			}
		}
		require.Equal(t, len(want), seen)
	}
}

// TestPyrogramEncodeProbes: Pyrogram cannot export without user_id or
// api_id ("struct.error: required argument is not an integer"); neither can
// we.
func TestPyrogramEncodeProbes(t *testing.T) {
	key := newKey(t, vecKey(9))
	var mf *codec.MissingFieldError
	_, err := (&codec.Session{Info: codec.Info{DC: 2, APIID: codec.Some[uint32](1)}, Key: key}).EncodePyrogram()
	require.ErrorAs(t, err, &mf)
	require.Equal(t, "user_id", mf.Field)
	_, err = (&codec.Session{Info: codec.Info{DC: 2, UserID: codec.Some[int64](1)}, Key: key}).EncodePyrogram()
	require.ErrorAs(t, err, &mf)
	require.Equal(t, "api_id", mf.Field)
	_, err = (&codec.Session{Info: codec.Info{DC: 2}, Key: key}).EncodePyrogramLegacy()
	require.ErrorAs(t, err, &mf)
	require.Equal(t, "user_id", mf.Field)
	require.Equal(t, codec.PyrogramLegacy, mf.Format)

	for _, f := range []codec.Format{codec.Pyrogram, codec.PyrogramLegacy} {
		_, err = (&codec.Session{Info: codec.Info{DC: 2, APIID: codec.Some[uint32](1), UserID: codec.Some[int64](-5)}, Key: key}).Encode(f)
		require.ErrorIs(t, err, codec.ErrCannotEncode)
		_, err = (&codec.Session{Info: codec.Info{DC: 300, APIID: codec.Some[uint32](1), UserID: codec.Some[int64](5)}, Key: key}).Encode(f)
		require.ErrorIs(t, err, codec.ErrCannotEncode)
	}
}

// TestPyrogramLegacyWidth checks that the old layout is chosen as Pyrogram
// 1.3 did (user_id < 2147483647 → 32-bit, strict) and that no user id is
// ever truncated.
func TestPyrogramLegacyWidth(t *testing.T) {
	key := newKey(t, vecKey(10))
	for _, c := range []struct {
		user   int64
		layout string
		chars  int
	}{
		{0, "old-32", 351},
		{1, "old-32", 351},
		{2147483646, "old-32", 351},
		{2147483647, "old-64", 356},
		{2147483648, "old-64", 356},
		{4294967295, "old-64", 356},
		{4294967296, "old-64", 356},
		{math.MaxInt64, "old-64", 356},
	} {
		s := &codec.Session{Info: codec.Info{DC: 4, UserID: codec.Some(c.user)}, Key: key}
		text, err := s.EncodePyrogramLegacy()
		require.NoError(t, err)
		testsecret.RequireLen(t, text, c.chars, "user %d", c.user)
		require.False(t, strings.Contains(text, "="))
		got, err := codec.DecodeAs(codec.PyrogramLegacy, text)
		require.NoError(t, err)
		require.Equal(t, c.layout, got.Layout, "%d", c.user)
		require.Equal(t, codec.Some(c.user), got.UserID)
		require.Equal(t, codec.Some(false), got.TestMode, "unknown test mode is written as false")
		require.Equal(t, codec.Some(false), got.IsBot, "unknown is_bot is written as false")
	}
}

// TestPyrogramOld64SmallUser: mtcute writes old-64 strings for any user id;
// they decode, and re-encode in the layout Pyrogram 1.3 would choose.
func TestPyrogramOld64SmallUser(t *testing.T) {
	p := make([]byte, 267)
	p[0], p[1] = 2, 0
	copy(p[2:], vecKey(11))
	binary.BigEndian.PutUint64(p[258:], 42)
	p[266] = 1
	text := base64.RawURLEncoding.EncodeToString(p)
	s, err := codec.DecodeAs(codec.PyrogramLegacy, text)
	require.NoError(t, err)
	require.Equal(t, "old-64", s.Layout)
	require.Equal(t, codec.Some[int64](42), s.UserID)
	require.Equal(t, codec.Some(true), s.IsBot)
	out, err := s.EncodePyrogramLegacy()
	require.NoError(t, err)
	testsecret.RequireLen(t, out, 351)
	again, err := codec.DecodeAs(codec.PyrogramLegacy, out)
	require.NoError(t, err)
	requireSameSession(t, s, again)
}

func TestPyrogramFieldErrors(t *testing.T) {
	v2 := make([]byte, 271)
	v2[0] = 2
	binary.BigEndian.PutUint32(v2[1:], 2040)
	copy(v2[6:], vecKey(12))
	binary.BigEndian.PutUint64(v2[262:], 777)
	old := make([]byte, 267)
	old[0] = 4
	copy(old[2:], vecKey(12))
	binary.BigEndian.PutUint64(old[258:], 5000000001)
	mut := func(b []byte, f func(b []byte)) string {
		c := append([]byte(nil), b...)
		f(c)
		return base64.RawURLEncoding.EncodeToString(c)
	}
	cases := []struct {
		name string
		f    codec.Format
		text string
		want error
		off  int
	}{
		{"v2 dc 0", codec.Pyrogram, mut(v2, func(b []byte) { b[0] = 0 }), codec.ErrBadField, 0},
		{"v2 test_mode 2", codec.Pyrogram, mut(v2, func(b []byte) { b[5] = 2 }), codec.ErrBadField, 5},
		{"v2 is_bot 255", codec.Pyrogram, mut(v2, func(b []byte) { b[270] = 255 }), codec.ErrBadField, 270},
		{"v2 user id > int64", codec.Pyrogram, mut(v2, func(b []byte) { b[262] = 0x80 }), codec.ErrBadField, 262},
		{"v2 zero key", codec.Pyrogram, mut(v2, func(b []byte) { clear(b[6:262]) }), codec.ErrZeroKey, 6},
		{"old dc 0", codec.PyrogramLegacy, mut(old, func(b []byte) { b[0] = 0 }), codec.ErrBadField, 0},
		{"old test_mode 7", codec.PyrogramLegacy, mut(old, func(b []byte) { b[1] = 7 }), codec.ErrBadField, 1},
		{"old is_bot 2", codec.PyrogramLegacy, mut(old, func(b []byte) { b[266] = 2 }), codec.ErrBadField, 266},
		{"old user id > int64", codec.PyrogramLegacy, mut(old, func(b []byte) { b[258] = 0xff }), codec.ErrBadField, 258},
		{"old zero key", codec.PyrogramLegacy, mut(old, func(b []byte) { clear(b[2:258]) }), codec.ErrZeroKey, 2},
		{"old32 is_bot 2", codec.PyrogramLegacy, mut(old[:263], func(b []byte) { b[262] = 2 }), codec.ErrBadField, 262},
	}
	for _, c := range cases {
		_, err := codec.DecodeAs(c.f, c.text)
		require.ErrorIs(t, err, c.want, c.name)
		var pe *codec.ParseError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, c.off, pe.Offset, c.name)
		require.Equal(t, c.f, pe.Format, c.name)
		requireNoLeak(t, err.Error(), []string{c.text}, vecKey(12))
		f, err := codec.Detect(c.text)
		require.NoError(t, err, c.name)
		require.Equal(t, c.f, f, c.name)
	}
	_, err := codec.DecodeAs(codec.Pyrogram, base64.RawURLEncoding.EncodeToString(v2))
	require.NoError(t, err)
	_, err = codec.DecodeAs(codec.PyrogramLegacy, base64.RawURLEncoding.EncodeToString(old))
	require.NoError(t, err)
}

// TestPyrogramGenerated checks both encoders against strings made by
// Pyrogram's own export lines (pyrogram_generated.json) over the whole
// field ranges, including the 32/64-bit boundary.
func TestPyrogramGenerated(t *testing.T) {
	var f struct {
		StringSessions []struct {
			Inputs struct {
				DC       int    `json:"dc_id"`
				APIID    uint32 `json:"api_id"`
				TestMode bool   `json:"test_mode"`
				UserID   int64  `json:"user_id"`
				IsBot    bool   `json:"is_bot"`
				KeyHex   string `json:"auth_key_hex"`
			} `json:"inputs"`
			V2        string `json:"v2"`
			Old       string `json:"old"`
			OldFormat string `json:"old_format"`
		} `json:"string_sessions"`
	}
	readJSON(t, "testdata/pyrogram_generated.json", &f)
	require.Len(t, f.StringSessions, 60)
	for _, v := range f.StringSessions {
		in := v.Inputs
		s := &codec.Session{
			Info: codec.Info{
				DC:       in.DC,
				APIID:    codec.Some(in.APIID),
				TestMode: codec.Some(in.TestMode),
				UserID:   codec.Some(in.UserID),
				IsBot:    codec.Some(in.IsBot),
			},
			Key: newKey(t, hexKey(t, in.KeyHex)),
		}
		out, err := s.EncodePyrogram()
		require.NoError(t, err)
		require.True(t, out == v.V2, "v2 encoding differs")
		out, err = s.EncodePyrogramLegacy()
		require.NoError(t, err)
		require.True(t, out == v.Old, "old encoding differs")

		got, err := codec.Decode(v.V2)
		require.NoError(t, err)
		requireSameSession(t, s, got)
		got, err = codec.Decode(v.Old)
		require.NoError(t, err)
		require.Equal(t, map[string]string{">B?256sI?": "old-32", ">B?256sQ?": "old-64"}[v.OldFormat], got.Layout)
		s.APIID = codec.None[uint32]()
		requireSameSession(t, s, got)
	}
}

// decodeAs returns a decoder for format f.
func decodeAs(f codec.Format) func(string) (*codec.Session, error) {
	return func(text string) (*codec.Session, error) { return codec.DecodeAs(f, text) }
}
