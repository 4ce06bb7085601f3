package vault_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
	"github.com/tgsession/tgsession/vault"
)

func fullMeta(t testing.TB) *vault.Session {
	cs := fullSession(t)
	return &vault.Session{Info: codec.Info{Source: cs.Source, Layout: cs.Layout, DC: cs.DC, ServerAddress: cs.ServerAddress, Port: cs.Port, IPv6: cs.IPv6, TestMode: cs.TestMode, Media: cs.Media, APIID: cs.APIID, UserID: cs.UserID, IsBot: cs.IsBot}, Labels: map[string]string{"env": "prod", "owner": "ops team"}, CreatedAt: fixedTime}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	m := fullMeta(t)
	key := testKey('m')
	b, err := vault.MarshalEnvelope(m, key)
	require.NoError(t, err)
	require.Equal(t, "TGSE\x01\x00\x00\x00", string(b[:8]))
	require.True(t, bytes.Equal(b[vault.KeyOffset:vault.KeyOffset+256], key), "key not at its fixed offset")

	got, err := vault.UnmarshalEnvelope(b)
	require.NoError(t, err)
	require.Equal(t, m.String(), got.String())
	require.Equal(t, m.Source, got.Source)
	require.Equal(t, m.Layout, got.Layout)
	require.Equal(t, m.DC, got.DC)
	require.Equal(t, m.ServerAddress, got.ServerAddress)
	require.Equal(t, m.Port, got.Port)
	require.Equal(t, m.IPv6, got.IPv6)
	require.Equal(t, m.TestMode, got.TestMode)
	require.Equal(t, *m.Media, *got.Media)
	require.Equal(t, m.APIID, got.APIID)
	require.Equal(t, m.UserID, got.UserID)
	require.Equal(t, m.IsBot, got.IsBot)
	require.Equal(t, m.Labels, got.Labels)
	require.True(t, m.CreatedAt.Equal(got.CreatedAt))

	// Canonical: re-marshalling what was parsed gives the same bytes.
	again, err := vault.MarshalEnvelope(got, key)
	require.NoError(t, err)
	require.True(t, bytes.Equal(b, again), "envelope is not canonical")
}

func TestEnvelopeEveryFormat(t *testing.T) {
	for _, f := range append([]codec.Format{codec.FormatUnknown}, codec.Formats()...) {
		m := &vault.Session{Info: codec.Info{Source: f, DC: 65535}}
		b, err := vault.MarshalEnvelope(m, testKey(1))
		require.NoError(t, err, f.String())
		got, err := vault.UnmarshalEnvelope(b)
		require.NoError(t, err, f.String())
		require.Equal(t, f, got.Source)
		require.False(t, got.IPv6.Known())
		require.False(t, got.UserID.Known())
		require.Nil(t, got.Media)
		require.Nil(t, got.Labels)
		require.True(t, got.CreatedAt.IsZero())
	}
}

// TestEnvelopeGolden pins the byte layout documented in docs/envelope.md.
func TestEnvelopeGolden(t *testing.T) {
	m := &vault.Session{Info: codec.Info{Source: codec.Pyrogram, Layout: "v2", DC: 2, Port: 0, TestMode: codec.Some(false), APIID: codec.Some(uint32(12345)), UserID: codec.Some(int64(777000)), IsBot: codec.Some(true)}, Labels: map[string]string{"env": "prod"}, CreatedAt: fixedTime}
	b, err := vault.MarshalEnvelope(m, testKey(0x61))
	require.NoError(t, err)
	require.True(t, bytes.Equal(b[8:264], testKey(0x61)), "key bytes")
	want := "54475345" + "01" + "000000" + "<key>" +
		"000000006b02d940" + // created_at 2026-11-22T12:00:00Z
		"02" + // pyrogram
		"1e" + // known: test_mode, is_bot, api_id, user_id
		"04" + // values: is_bot
		"00" + "0002" + "0000" + "00003039" + "00000000000bdb28" +
		"00" + // no server address
		"02" + hex.EncodeToString([]byte("v2")) +
		"01" + "03" + hex.EncodeToString([]byte("env")) + "04" + hex.EncodeToString([]byte("prod"))
	require.Equal(t, want, hex.EncodeToString(b[:8])+"<key>"+hex.EncodeToString(b[264:]))
}

func TestEnvelopeRejects(t *testing.T) {
	m := fullMeta(t)
	good, err := vault.MarshalEnvelope(m, testKey('m'))
	require.NoError(t, err)
	// Offsets of the variable part in good: address at 292.
	addrLen := int(good[292])
	layoutOff := 293 + addrLen
	mediaOff := layoutOff + 1 + int(good[layoutOff])
	labelsOff := mediaOff + 5 + 1 + int(good[mediaOff+5])

	mut := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, vault.ErrMalformed},
		{"bad magic", mut(func(b []byte) []byte { b[0] = 'X'; return b }), vault.ErrMalformed},
		{"version 3", mut(func(b []byte) []byte { b[4] = 3; return b }), vault.ErrUnsupported},
		{"version 255", mut(func(b []byte) []byte { b[4] = 255; return b }), vault.ErrUnsupported},
		{"version 0", mut(func(b []byte) []byte { b[4] = 0; return b }), vault.ErrUnsupported},
		{"reserved 5", mut(func(b []byte) []byte { b[5] = 1; return b }), vault.ErrMalformed},
		{"reserved 7", mut(func(b []byte) []byte { b[7] = 0x80; return b }), vault.ErrMalformed},
		{"zero key", mut(func(b []byte) []byte { clear(b[8:264]); return b }), vault.ErrMalformed},
		{"format code 7", mut(func(b []byte) []byte { b[272] = 7; return b }), vault.ErrUnsupported},
		{"unknown known bit", mut(func(b []byte) []byte { b[273] |= 0x40; return b }), vault.ErrMalformed},
		{"value without known", mut(func(b []byte) []byte { b[273] &^= 1; b[274] |= 1; return b }), vault.ErrMalformed},
		{"unknown value bit", mut(func(b []byte) []byte { b[274] |= 0x08; return b }), vault.ErrMalformed},
		{"reserved 275", mut(func(b []byte) []byte { b[275] = 1; return b }), vault.ErrMalformed},
		{"dc 0", mut(func(b []byte) []byte { b[276], b[277] = 0, 0; return b }), vault.ErrMalformed},
		{"api_id without known", mut(func(b []byte) []byte { b[273] &^= 1 << 3; return b }), vault.ErrMalformed},
		{"user_id without known", mut(func(b []byte) []byte { b[273] &^= 1 << 4; return b }), vault.ErrMalformed},
		{"address overruns", mut(func(b []byte) []byte { b[292] = 255; return b }), vault.ErrMalformed},
		{"address control char", mut(func(b []byte) []byte { b[293] = '\n'; return b }), vault.ErrMalformed},
		{"address bad utf8", mut(func(b []byte) []byte { b[293] = 0xff; return b }), vault.ErrMalformed},
		{"media dc 0", mut(func(b []byte) []byte { b[mediaOff], b[mediaOff+1] = 0, 0; return b }), vault.ErrMalformed},
		{"media flag", mut(func(b []byte) []byte { b[mediaOff+4] |= 0x10; return b }), vault.ErrMalformed},
		{"17 labels", mut(func(b []byte) []byte { b[labelsOff] = 17; return b }), vault.ErrMalformed},
		{"labels unsorted", mut(func(b []byte) []byte {
			// "env" → "zzz" sorts after "owner".
			copy(b[labelsOff+2:], "zzz")
			return b
		}), vault.ErrMalformed},
		{"label bad name", mut(func(b []byte) []byte { b[labelsOff+2] = '='; return b }), vault.ErrMalformed},
		{"trailing byte", mut(func(b []byte) []byte { return append(b, 0) }), vault.ErrMalformed},
		{"too large", mut(func(b []byte) []byte { return append(b, make([]byte, vault.MaxEnvelopeSize)...) }), codec.ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := vault.UnmarshalEnvelope(c.b)
			require.ErrorIs(t, err, c.want)
		})
	}
	// Version 2 exists now: a version 1 body under version byte 2 is a
	// malformed version 2 envelope.
	_, err = vault.UnmarshalEnvelope(mut(func(b []byte) []byte { b[4] = 2; return b }))
	require.Error(t, err, "version 2 with a version 1 body")
	// Duplicate label names (strictly ascending rule).
	dup, err := vault.MarshalEnvelope(&vault.Session{Info: codec.Info{DC: 1}, Labels: map[string]string{"a": "1", "b": "2"}}, testKey(1))
	require.NoError(t, err)
	i := bytes.LastIndex(dup, []byte("\x01b\x012"))
	dup[i+1] = 'a'
	_, err = vault.UnmarshalEnvelope(dup)
	require.ErrorIs(t, err, vault.ErrMalformed)
}

func TestEnvelopeTruncatedEverywhere(t *testing.T) {
	good, err := vault.MarshalEnvelope(fullMeta(t), testKey('m'))
	require.NoError(t, err)
	for n := 0; n < len(good); n++ {
		_, err := vault.UnmarshalEnvelope(good[:n])
		if err == nil {
			t.Fatalf("envelope truncated to %d bytes accepted", n)
		}
		require.True(t, errors.Is(err, vault.ErrMalformed), "truncated to %d: %v", n, err)
		requireNoSecret(t, err.Error(), testKey('m'))
	}
}

func TestEnvelopeMarshalRejects(t *testing.T) {
	cases := []*vault.Session{
		{Info: codec.Info{DC: 0}},
		{Info: codec.Info{DC: 65536}},
		{Info: codec.Info{DC: 1, ServerAddress: strings.Repeat("a", 256)}},
		{Info: codec.Info{DC: 1, Layout: "a\x00"}},
		{Info: codec.Info{DC: 1, Media: &codec.DCOption{ID: 0}}},
		{Info: codec.Info{DC: 1}, Labels: map[string]string{"": "x"}},
		{Info: codec.Info{DC: 1}, Labels: map[string]string{"a b": "x"}},
		{Info: codec.Info{DC: 1}, Labels: map[string]string{"a": strings.Repeat("x", 256)}},
		{Info: codec.Info{DC: 1}, Labels: map[string]string{"a": "line\nbreak"}},
		{Info: codec.Info{DC: 1, Source: codec.Format(99)}},
	}
	many := map[string]string{}
	for i := 0; i < 17; i++ {
		many[string(rune('a'+i))] = ""
	}
	cases = append(cases, &vault.Session{Info: codec.Info{DC: 1}, Labels: many})
	for i, m := range cases {
		_, err := vault.MarshalEnvelope(m, testKey(1))
		require.Error(t, err, "case %d", i)
	}
	_, err := vault.MarshalEnvelope(&vault.Session{Info: codec.Info{DC: 1}}, make([]byte, 256))
	require.ErrorIs(t, err, vault.ErrMalformed, "zero key")
}

// FuzzEnvelope checks that the parser never panics and that whatever it
// accepts is canonical: marshalling the result gives the input back.
func FuzzEnvelope(f *testing.F) {
	good, _ := vault.MarshalEnvelope(fullMeta(f), testKey('m'))
	f.Add(good)
	min, _ := vault.MarshalEnvelope(&vault.Session{Info: codec.Info{DC: 1}}, testKey(1))
	f.Add(min)
	for _, m := range v2Cases() {
		b, _ := vault.MarshalEnvelopeV2(m, testKey('k'), vault.AttachmentFile, []byte("attachment attachment attachment"))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := vault.UnmarshalEnvelope(b)
		if err != nil {
			return
		}
		off := vault.KeyOffset
		if b[4] == 2 {
			off = vault.KeyOffsetV2
		}
		again, err := vault.RemarshalEnvelope(m, int(b[4]), b[off:off+256])
		if err != nil {
			t.Fatalf("accepted envelope does not re-marshal: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatal("accepted envelope is not canonical")
		}
	})
}

// TestEnvelopeDocExample decodes the example in docs/envelope.md §2.5.
func TestEnvelopeDocExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "envelope.md"))
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(doc), "```envelope-hex\n")
	require.True(t, ok, "no envelope-hex block in docs/envelope.md")
	block, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	var b []byte
	for i, line := range strings.Split(strings.TrimSpace(block), "\n") {
		off, hexPart, ok := strings.Cut(line, "  ")
		require.True(t, ok, "line %d", i)
		require.Equal(t, fmt.Sprintf("%04x", len(b)), off)
		chunk, err := hex.DecodeString(hexPart)
		require.NoError(t, err)
		b = append(b, chunk...)
	}
	m, err := vault.UnmarshalEnvelope(b)
	require.NoError(t, err)
	require.Equal(t, codec.Pyrogram, m.Source)
	require.Equal(t, "v2", m.Layout)
	require.Equal(t, 2, m.DC)
	require.Equal(t, uint16(0), m.Port)
	require.Equal(t, "", m.ServerAddress)
	require.Equal(t, codec.Some(false), m.TestMode)
	require.Equal(t, codec.Some(true), m.IsBot)
	require.False(t, m.IPv6.Known())
	require.Equal(t, codec.Some(uint32(12345)), m.APIID)
	require.Equal(t, codec.Some(int64(777000)), m.UserID)
	require.Equal(t, map[string]string{"env": "prod"}, m.Labels)
	require.True(t, fixedTime.Equal(m.CreatedAt))
	require.True(t, bytes.Equal(b[vault.KeyOffset:vault.KeyOffset+256], testKey(0x61)))
	again, err := vault.MarshalEnvelope(m, testKey(0x61))
	require.NoError(t, err)
	require.True(t, bytes.Equal(again, b), "doc example is not what the encoder writes")
}

func TestEnvelopeLargest(t *testing.T) {
	long := strings.Repeat("x", 255)
	m := &vault.Session{Info: codec.Info{DC: 1, ServerAddress: long, Layout: long, Media: &codec.DCOption{ID: 1, ServerAddress: long}}, Labels: map[string]string{}}
	for i := 0; i < vault.MaxLabels; i++ {
		m.Labels[fmt.Sprintf("%064d", i)] = long
	}
	b, err := vault.MarshalEnvelope(m, testKey(1))
	require.NoError(t, err)
	testsecret.RequireLen(t, b, 6202, "docs/envelope.md §2.4")
	_, err = vault.UnmarshalEnvelope(b)
	require.NoError(t, err)
}
