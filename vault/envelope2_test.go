package vault_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// v2Cases are sessions covering every field and every form a field can be
// stored in.
func v2Cases() map[string]*vault.Session {
	media := func(addr string, port uint16) *codec.DCOption {
		return &codec.DCOption{ID: 4, ServerAddress: addr, Port: port, IPv6: true, MediaOnly: true, TestMode: true}
	}
	return map[string]*vault.Session{
		"telethon ipv4":           {Info: codec.Info{Source: codec.Telethon, Layout: "ipv4", DC: 2, ServerAddress: "149.154.167.51", Port: 443, IPv6: codec.Some(false)}},
		"telethon ipv6":           {Info: codec.Info{Source: codec.Telethon, Layout: "ipv6", DC: 2, ServerAddress: "2001:67c:4e8:f002::a", Port: 443, IPv6: codec.Some(true)}},
		"telethon v4-mapped":      {Info: codec.Info{Source: codec.Telethon, Layout: "ipv6", DC: 5, ServerAddress: "::ffff:91.108.56.130", Port: 443, IPv6: codec.Some(true)}},
		"telethon no layout":      {Info: codec.Info{Source: codec.Telethon, DC: 2, ServerAddress: "149.154.167.51", Port: 443}},
		"telethon odd layout":     {Info: codec.Info{Source: codec.Telethon, Layout: "ipv6", DC: 2, ServerAddress: "149.154.167.51", Port: 443}},
		"pyrogram":                {Info: codec.Info{Source: codec.Pyrogram, Layout: "v2", DC: 2, TestMode: codec.Some(false), APIID: codec.Some(uint32(12345)), UserID: codec.Some(int64(777000)), IsBot: codec.Some(true)}},
		"pyrogram legacy":         {Info: codec.Info{Source: codec.PyrogramLegacy, Layout: "old-64", DC: 1, TestMode: codec.Some(true), UserID: codec.Some(int64(-5)), IsBot: codec.Some(false)}},
		"gramjs host name":        {Info: codec.Info{Source: codec.GramJS, DC: 4, ServerAddress: "venus.web.telegram.org", Port: 443, IPv6: codec.Some(false)}},
		"gramjs uppercase ipv6":   {Info: codec.Info{Source: codec.GramJS, DC: 4, ServerAddress: "2001:DB8::1", Port: 443}},
		"gramjs zero-padded ipv4": {Info: codec.Info{Source: codec.GramJS, DC: 4, ServerAddress: "149.154.167.051", Port: 80}},
		"mtcute full":             {Info: codec.Info{Source: codec.Mtcute, Layout: "v3", DC: 2, ServerAddress: "2001:67c:4e8:f002::a", Port: 443, IPv6: codec.Some(true), TestMode: codec.Some(false), Media: media("2001:67c:4e8:f002::b", 443), APIID: codec.Some(uint32(611335)), UserID: codec.Some(int64(5000000001)), IsBot: codec.Some(true)}},
		"mtcute media v4":         {Info: codec.Info{Source: codec.Mtcute, Layout: "v3", DC: 2, Media: media("149.154.167.222", 0)}},
		"mtcute media host":       {Info: codec.Info{Source: codec.Mtcute, Layout: "", DC: 2, Media: media("media.example.org", 8443)}},
		"mtcute media none":       {Info: codec.Info{Source: codec.Mtcute, Layout: "v3", DC: 2, Media: &codec.DCOption{ID: 65535}}},
		"gotd":                    {Info: codec.Info{Source: codec.Gotd, DC: 3, ServerAddress: "149.154.175.100", Port: 443}},
		"unknown, extremes":       {Info: codec.Info{DC: 65535, Port: 65535, APIID: codec.Some(uint32(0xffffffff)), UserID: codec.Some(int64(-1 << 63))}, CreatedAt: time.Unix(-1, 0).UTC()},
		"minimal":                 {Info: codec.Info{DC: 1}},
		"labels and created":      {Info: codec.Info{Source: codec.Telethon, DC: 1}, Labels: map[string]string{"env": "prod", "owner": "ops team", "z": ""}, CreatedAt: fixedTime},
		"custom layout":           {Info: codec.Info{Source: codec.Gotd, Layout: "sqlite-v7", DC: 1}},
		"all bools true":          {Info: codec.Info{DC: 1, IPv6: codec.Some(true), TestMode: codec.Some(true), IsBot: codec.Some(true)}},
		"user id max":             {Info: codec.Info{DC: 1, UserID: codec.Some(int64(1<<63 - 1))}},
		"created far":             {Info: codec.Info{DC: 1}, CreatedAt: time.Unix(1<<40, 0).UTC()},
		"ipv4 all zeros text":     {Info: codec.Info{DC: 1, ServerAddress: "0.0.0.0"}},
	}
}

func requireSameMeta(t *testing.T, want, got *vault.Session, name string) {
	t.Helper()
	require.Equal(t, want.Source, got.Source, name)
	require.Equal(t, want.Layout, got.Layout, name)
	require.Equal(t, want.DC, got.DC, name)
	require.Equal(t, want.ServerAddress, got.ServerAddress, name)
	require.Equal(t, want.Port, got.Port, name)
	require.Equal(t, want.IPv6, got.IPv6, name)
	require.Equal(t, want.TestMode, got.TestMode, name)
	require.Equal(t, want.Media, got.Media, name)
	require.Equal(t, want.APIID, got.APIID, name)
	require.Equal(t, want.UserID, got.UserID, name)
	require.Equal(t, want.IsBot, got.IsBot, name)
	if len(want.Labels) == 0 {
		require.Empty(t, got.Labels, name)
	} else {
		require.Equal(t, want.Labels, got.Labels, name)
	}
	require.True(t, want.CreatedAt.Equal(got.CreatedAt), "%s: created at", name)
}

func TestEnvelopeV2RoundTrip(t *testing.T) {
	for name, m := range v2Cases() {
		for _, att := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("entities "), 100)} {
			b, err := vault.MarshalEnvelopeV2(m, testKey('k'), vault.AttachmentFile, att)
			require.NoError(t, err, name)
			require.Equal(t, "TGSE\x02", string(b[:5]), name)
			require.True(t, bytes.Equal(b[vault.KeyOffsetV2:vault.KeyOffsetV2+256], testKey('k')), "%s: key not at its fixed offset", name)
			got, err := vault.UnmarshalEnvelope(b)
			require.NoError(t, err, name)
			requireSameMeta(t, m, got, name)
			kind, data := attachmentOf(got)
			if att == nil {
				require.Zero(t, kind)
				require.Nil(t, data)
			} else {
				require.Equal(t, vault.AttachmentFile, kind)
				require.Equal(t, att, data)
			}
			again, err := vault.RemarshalEnvelope(got, 2, testKey('k'))
			require.NoError(t, err, name)
			require.True(t, bytes.Equal(b, again), "%s: envelope v2 is not canonical", name)
		}
	}
}

// TestEnvelopeV2Sizes pins the size of typical envelopes: a Telethon
// session is 270 bytes (v1: 313), which seals to 644 single-line bytes.
func TestEnvelopeV2Sizes(t *testing.T) {
	c := v2Cases()
	for name, want := range map[string]int{"telethon ipv4": 270, "telethon ipv6": 282, "pyrogram": 269, "minimal": 264} {
		b, err := vault.MarshalEnvelopeV2(c[name], testKey('k'), 0, nil)
		require.NoError(t, err)
		require.Equal(t, want, len(b), name) // never require.Len: it prints the bytes
	}
	x := newX25519(t)
	cs := testSession(t, 'a', 2)
	sealed, err := sealWith(cs, vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	require.Equal(t, 644, len(sealed), "docs/envelope.md §1.1")
	v1, err := sealWith(cs, vault.FormText, []age.Recipient{x.Recipient()}, optWithEnvelopeVersion(1))
	require.NoError(t, err)
	require.Equal(t, 701, len(v1), "docs/envelope.md §1.1 (version 1)")
}

// TestEnvelopeV2Golden pins the version 2 byte layout of docs/envelope.md
// §3.4 (the same Pyrogram session as the version 1 example).
func TestEnvelopeV2Golden(t *testing.T) {
	m := &vault.Session{Info: codec.Info{Source: codec.Pyrogram, Layout: "v2", DC: 2, TestMode: codec.Some(false), APIID: codec.Some(uint32(12345)), UserID: codec.Some(int64(777000)), IsBot: codec.Some(true)}, Labels: map[string]string{"env": "prod"}, CreatedAt: fixedTime}
	b, err := vault.MarshalEnvelopeV2(m, testKey(0x61), 0, nil)
	require.NoError(t, err)
	want := "54475345" + "02" + "<key>" +
		"fd02" + // flags: extensions, created, user_id, api_id, is_bot known+true, test known, pyrogram
		"02" + // DC 2
		"b960" + // api_id 12345
		"d0ec5e" + // user_id 777000, zigzag
		"80e596b00d" + // created at 1795348800, zigzag
		"04" + // extensions: labels
		"01" + "03" + hex.EncodeToString([]byte("env")) + "04" + hex.EncodeToString([]byte("prod"))
	require.Equal(t, want, hex.EncodeToString(b[:5])+"<key>"+hex.EncodeToString(b[261:]))
	require.Equal(t, 285, len(b), "docs/envelope.md §3.5 (v1: 306)")
}

func TestEnvelopeV2Rejects(t *testing.T) {
	full := v2Cases()["mtcute full"]
	full.Labels = map[string]string{"a": "1", "b": "2"}
	full.CreatedAt = fixedTime
	good, err := vault.MarshalEnvelopeV2(full, testKey('m'), vault.AttachmentFile, bytes.Repeat([]byte("abc"), 50))
	require.NoError(t, err)
	tele, err := vault.MarshalEnvelopeV2(v2Cases()["telethon ipv4"], testKey('m'), 0, nil)
	require.NoError(t, err)
	minimal, err := vault.MarshalEnvelopeV2(&vault.Session{Info: codec.Info{DC: 1}}, testKey('m'), 0, nil)
	require.NoError(t, err)
	const f = 261 // flags
	// Extension bits.
	const extL, extM, extLab, extA = 1, 2, 4, 8
	set := func(base []byte, edit func(b []byte) []byte) []byte {
		return edit(append([]byte(nil), base...))
	}
	flags := func(b []byte) uint16 { return binary.BigEndian.Uint16(b[f:]) }
	setFlags := func(b []byte, v uint16) { binary.BigEndian.PutUint16(b[f:], v) }
	withTail := func(base []byte, tail ...byte) []byte {
		b := set(base, func(b []byte) []byte { setFlags(b, flags(b)|1<<15); return b })
		return append(b, tail...)
	}
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"zero key", set(tele, func(b []byte) []byte { clear(b[5:261]); return b }), vault.ErrMalformed},
		{"format code 7", set(tele, func(b []byte) []byte { setFlags(b, flags(b)|7); return b }), vault.ErrUnsupported},
		{"ipv6 value without known", set(minimal, func(b []byte) []byte { setFlags(b, flags(b)|1<<7); return b }), vault.ErrMalformed},
		{"test value without known", set(minimal, func(b []byte) []byte { setFlags(b, flags(b)|1<<9); return b }), vault.ErrMalformed},
		{"bot value without known", set(minimal, func(b []byte) []byte { setFlags(b, flags(b)|1<<11); return b }), vault.ErrMalformed},
		{"dc 0", set(minimal, func(b []byte) []byte { b[263] = 0; return b }), vault.ErrMalformed},
		{"dc non-minimal", set(minimal, func(b []byte) []byte { b[263] = 0x81; return append(b, 0) }), vault.ErrMalformed},
		{"dc above 65535", set(minimal, func(b []byte) []byte { return append(b[:263], 0x80, 0x80, 0x04) }), vault.ErrMalformed},
		{"dc truncated", set(minimal, func(b []byte) []byte { b[263] = 0x81; return b }), vault.ErrMalformed},
		{"dc overflow", set(minimal, func(b []byte) []byte {
			return append(b[:263], bytes.Repeat([]byte{0xff}, 10)...)
		}), vault.ErrMalformed},
		{"port 0", set(tele, func(b []byte) []byte { b[268], b[269] = 0, 0; return b }), vault.ErrMalformed},
		{"ipv4 truncated", tele[:266], vault.ErrMalformed},
		{"port truncated", tele[:269], vault.ErrMalformed},
		{"trailing byte", append(append([]byte(nil), tele...), 0), vault.ErrMalformed},
		{"ip stored as text", set(minimal, func(b []byte) []byte {
			setFlags(b, flags(b)|3<<3)
			return append(b, 7, '1', '.', '2', '.', '3', '.', '4')
		}), vault.ErrMalformed},
		{"empty text address", set(minimal, func(b []byte) []byte { setFlags(b, flags(b)|3<<3); return append(b, 0) }), vault.ErrMalformed},
		{"address control char", set(minimal, func(b []byte) []byte {
			setFlags(b, flags(b)|3<<3)
			return append(b, 2, 'a', '\n')
		}), vault.ErrMalformed},
		{"created 0", set(minimal, func(b []byte) []byte { setFlags(b, flags(b)|1<<14); return append(b, 0) }), vault.ErrMalformed},
		{"api_id above u32", set(minimal, func(b []byte) []byte {
			setFlags(b, flags(b)|1<<12)
			return append(b, 0x80, 0x80, 0x80, 0x80, 0x10)
		}), vault.ErrMalformed},
		{"user_id truncated", set(minimal, func(b []byte) []byte { setFlags(b, flags(b)|1<<13); return append(b, 0x80) }), vault.ErrMalformed},
		{"extensions flag, none", withTail(minimal), vault.ErrMalformed},
		{"extension bits 0", withTail(minimal, 0), vault.ErrMalformed},
		{"unknown extension bit", withTail(minimal, 0x10, 0), vault.ErrUnsupported},
		{"extension marked, missing", withTail(minimal, extL|extLab, 1, 'x'), vault.ErrMalformed},
		{"implied layout stored", set(tele, func(b []byte) []byte {
			setFlags(b, flags(b)|1<<15)
			return append(b, extL, 4, 'i', 'p', 'v', '4')
		}), vault.ErrMalformed},
		{"layout truncated", withTail(minimal, extL, 5, 'a'), vault.ErrMalformed},
		{"media dc 0", withTail(minimal, extM, 0, 0), vault.ErrMalformed},
		{"media unknown flag", withTail(minimal, extM, 1, 0x40), vault.ErrMalformed},
		{"media port 0", withTail(minimal, extM, 1, 0x20, 0, 0), vault.ErrMalformed},
		{"media truncated", withTail(minimal, extM, 1), vault.ErrMalformed},
		{"media address truncated", withTail(minimal, extM, 1, 1<<3, 1, 2), vault.ErrMalformed},
		{"labels count 0", withTail(minimal, extLab, 0), vault.ErrMalformed},
		{"labels count 17", withTail(minimal, extLab, 17), vault.ErrMalformed},
		{"label bad name", withTail(minimal, extLab, 1, 1, '=', 0), vault.ErrMalformed},
		{"label empty name", withTail(minimal, extLab, 1, 0, 0), vault.ErrMalformed},
		{"labels unsorted", withTail(minimal, extLab, 2, 1, 'b', 0, 1, 'a', 0), vault.ErrMalformed},
		{"labels duplicate", withTail(minimal, extLab, 2, 1, 'a', 0, 1, 'a', 0), vault.ErrMalformed},
		{"label value truncated", withTail(minimal, extLab, 1, 1, 'a', 3, 'x'), vault.ErrMalformed},
		{"label value control char", withTail(minimal, extLab, 1, 1, 'a', 1, 0), vault.ErrMalformed},
		{"attachment kind 0", withTail(minimal, extA, 0, 0, 1, 'x'), vault.ErrMalformed},
		{"attachment encoding 2", withTail(minimal, extA, 1, 2, 1, 'x'), vault.ErrUnsupported},
		{"attachment empty", withTail(minimal, extA, 1, 0, 0), vault.ErrMalformed},
		{"attachment truncated", withTail(minimal, extA, 1, 0, 5, 'x'), vault.ErrMalformed},
		{"attachment trailing", withTail(minimal, extA, 1, 0, 1, 'x', 'y'), vault.ErrMalformed},
		{"attachment length too large", withTail(minimal, append([]byte{extA, 1, 0}, binary.AppendUvarint(nil, vault.MaxEnvelopeSize+1)...)...), vault.ErrMalformed},
		{"deflate size 0", withTail(minimal, extA, 1, 1, 1, 0, 3), vault.ErrMalformed},
		{"deflate size above cap", withTail(minimal, append(append([]byte{extA, 1, 1, 1}, binary.AppendUvarint(nil, vault.MaxAttachmentSize+1)...), 3)...), codec.ErrTooLarge},
		{"deflate garbage", withTail(minimal, extA, 1, 1, 2, 5, 0xff, 0xff), vault.ErrMalformed},
		{"deflate shorter than declared", withTail(minimal, append([]byte{extA, 1, 1}, deflated(t, []byte("abc"), 4)...)...), vault.ErrMalformed},
		{"deflate longer than declared", withTail(minimal, append([]byte{extA, 1, 1}, deflated(t, []byte("abcd"), 3)...)...), vault.ErrMalformed},
		{"deflate then junk", withTail(minimal, append([]byte{extA, 1, 1}, deflatedJunk(t, []byte("abcd"))...)...), vault.ErrMalformed},
		{"too large", append(append([]byte(nil), minimal...), make([]byte, vault.MaxEnvelopeSize)...), codec.ErrTooLarge},
		{"short", minimal[:263], vault.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := vault.UnmarshalEnvelope(c.b)
			require.ErrorIs(t, err, c.want)
			requireNoSecret(t, err.Error(), testKey('m'))
		})
	}
	// Every truncation of a full envelope is refused, without key bytes.
	for n := 0; n < len(good); n++ {
		_, err := vault.UnmarshalEnvelope(good[:n])
		require.Error(t, err, "truncated to %d bytes", n)
		require.True(t, errors.Is(err, vault.ErrMalformed), "truncated to %d: %v", n, err)
		requireNoSecret(t, err.Error(), testKey('m'))
	}
}

// deflated returns an attachment body: stored length, declared size, and
// data compressed.
func deflated(t *testing.T, data []byte, declared int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	out := binary.AppendUvarint(nil, uint64(buf.Len()))
	out = binary.AppendUvarint(out, uint64(declared))
	return append(out, buf.Bytes()...)
}

// deflatedJunk is deflated with a byte after the end of the stream.
func deflatedJunk(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	buf.WriteByte(0)
	out := binary.AppendUvarint(nil, uint64(buf.Len()))
	out = binary.AppendUvarint(out, uint64(len(data)))
	return append(out, buf.Bytes()...)
}

// TestEnvelopeV2DecompressionBomb: an attachment that expands far beyond
// its declared size fails after decompressing at most the declared size
// (capped at MaxAttachmentSize), in bounded memory.
func TestEnvelopeV2DecompressionBomb(t *testing.T) {
	// 256 MiB of zeros compress to about 256 KiB.
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for range 256 {
		_, err = w.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	require.Less(t, buf.Len(), vault.MaxEnvelopeSize-1000)
	m, err := vault.MarshalEnvelopeV2(&vault.Session{Info: codec.Info{DC: 1}}, testKey('b'), 0, nil)
	require.NoError(t, err)
	binary.BigEndian.PutUint16(m[261:], binary.BigEndian.Uint16(m[261:])|1<<15)
	m = append(m, 8, 1, 1) // extension bits: attachment; kind 1, DEFLATE
	m = binary.AppendUvarint(m, uint64(buf.Len()))
	m = binary.AppendUvarint(m, vault.MaxAttachmentSize)
	m = append(m, buf.Bytes()...)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = vault.UnmarshalEnvelope(m)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, vault.ErrMalformed)
	require.Contains(t, err.Error(), "more than its declared size")
	alloc := after.TotalAlloc - before.TotalAlloc
	require.Less(t, alloc, uint64(3*vault.MaxAttachmentSize), "decompression allocated %d bytes", alloc)
}

// TestEnvelopeV2DocExample decodes the version 2 example in
// docs/envelope.md §3.4 and checks that it is what the encoder writes.
func TestEnvelopeV2DocExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "envelope.md"))
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(doc), "```envelope-v2-hex\n")
	require.True(t, ok, "no envelope-v2-hex block in docs/envelope.md")
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
	require.Equal(t, codec.Telethon, m.Source)
	require.Equal(t, "ipv4", m.Layout)
	require.Equal(t, 2, m.DC)
	require.Equal(t, "149.154.167.51", m.ServerAddress)
	require.Equal(t, uint16(443), m.Port)
	require.Equal(t, codec.Some(false), m.IPv6)
	require.False(t, m.TestMode.Known())
	require.False(t, m.IsBot.Known())
	require.False(t, m.APIID.Known())
	require.False(t, m.UserID.Known())
	require.True(t, m.CreatedAt.IsZero())
	require.Empty(t, m.Labels)
	require.True(t, bytes.Equal(b[vault.KeyOffsetV2:vault.KeyOffsetV2+256], testKey(0x61)))
	again, err := vault.MarshalEnvelopeV2(m, testKey(0x61), 0, nil)
	require.NoError(t, err)
	require.True(t, bytes.Equal(again, b), "doc example is not what the encoder writes")
}

// TestSealAttachment: an attachment survives Seal and Open in every form,
// Session.Seal keeps its stored bytes, and the limits hold.
func TestSealAttachment(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	data := bytes.Repeat([]byte("entity cache "), 400)
	for _, form := range []vault.Form{vault.FormText, vault.FormBinary, vault.FormArmor} {
		sealed, err := sealWith(testSession(t, 'a', 2), form, recs, optWithAttachment(vault.AttachmentFile, data))
		require.NoError(t, err)
		s, err := openWith(sealed, optWithIdentities(x))
		require.NoError(t, err)
		kind, got := attachmentOf(s)
		require.Equal(t, vault.AttachmentFile, kind)
		require.Equal(t, data, got)
		require.Contains(t, s.String(), "attachment=1:5200B")
		j, err := s.MarshalJSON()
		require.NoError(t, err)
		require.Contains(t, string(j), `"attachment":{"kind":1,"size":5200}`)

		// Re-sealing keeps the attachment; WithoutAttachment drops it.
		again, err := sealSessionWith(s, vault.FormBinary, recs)
		require.NoError(t, err)
		s2, err := openWith(again, optWithIdentities(x))
		require.NoError(t, err)
		_, got2 := attachmentOf(s2)
		require.Equal(t, data, got2)
		s2.Destroy()
		bare, err := sealSessionWith(s, vault.FormBinary, recs, optWithoutAttachment())
		require.NoError(t, err)
		s3, err := openWith(bare, optWithIdentities(x))
		require.NoError(t, err)
		kind, got3 := attachmentOf(s3)
		require.Zero(t, kind)
		require.Nil(t, got3)
		s3.Destroy()
		s.Destroy()
	}

	// Incompressible data is stored as it is.
	rnd := randomBytes(t, 3000)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(7, rnd))
	require.NoError(t, err)
	s, err := openWith(sealed, optWithIdentities(x))
	require.NoError(t, err)
	kind, got := attachmentOf(s)
	require.Equal(t, vault.AttachmentKind(7), kind)
	require.Equal(t, rnd, got)
	s.Destroy()

	// Refusals: kind 0, version 1, too large for one line or at all.
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(0, data))
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(1, data), optWithEnvelopeVersion(1))
	require.ErrorIs(t, err, vault.ErrUnsupported)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithEnvelopeVersion(3))
	require.ErrorIs(t, err, vault.ErrUnsupported)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormText, recs, optWithAttachment(1, randomBytes(t, 20000)))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(1, make([]byte, vault.MaxAttachmentSize+1)))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(1, randomBytes(t, vault.MaxEnvelopeSize)))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	// Empty data stores none.
	sealed, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(1, nil))
	require.NoError(t, err)
	s, err = openWith(sealed, optWithIdentities(x))
	require.NoError(t, err)
	kind, _ = attachmentOf(s)
	require.Zero(t, kind)
	s.Destroy()
	var nilSession *vault.Session
	kind, got = attachmentOf(nilSession)
	require.Zero(t, kind)
	require.Nil(t, got)
}

// TestSealCreatedAt: the single-line form leaves the creation time out
// unless asked; files record it; a zero CreatedAt records none.
func TestSealCreatedAt(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	open := func(b []byte) *vault.Session {
		s, err := openWith(b, optWithIdentities(x))
		require.NoError(t, err)
		t.Cleanup(s.Destroy)
		return s
	}
	for _, v := range []int{1, 2} {
		ver := optWithEnvelopeVersion(v)
		text, err := sealWith(testSession(t, 'a', 2), vault.FormText, recs, ver)
		require.NoError(t, err)
		require.True(t, open(text).CreatedAt.IsZero(), "v%d text", v)
		bin, err := sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, ver)
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), open(bin).CreatedAt, time.Minute, "v%d binary", v)
		text, err = sealWith(testSession(t, 'a', 2), vault.FormText, recs, ver, optWithCreatedAt(fixedTime))
		require.NoError(t, err)
		require.True(t, fixedTime.Equal(open(text).CreatedAt), "v%d text with a time", v)
		bin, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, ver, optWithCreatedAt(time.Time{}))
		require.NoError(t, err)
		require.True(t, open(bin).CreatedAt.IsZero(), "v%d binary without a time", v)
	}
}

// randomBytes returns n incompressible bytes from a fixed seed.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
