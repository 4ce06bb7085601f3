package compat_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// memFile is a File built in memory around make_key(n).
func memFile(t *testing.T, n int, edit func(s *codec.Session)) *compat.Stored {
	t.Helper()
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: authKey(t, n)}
	if edit != nil {
		edit(s)
	}
	return &compat.Stored{Library: "telethon", Schema: 7, Session: s}
}

func TestConvertFileRefusals(t *testing.T) {
	f := memFile(t, 11, nil)
	defer f.Wipe()

	for _, bad := range []compat.Target{{}, {Kind: compat.TelethonSQLite, Format: codec.Telethon}, {Kind: compat.Kind(99)}, {Format: codec.Format(99)}} {
		_, _, err := convertStored(f, "mem", bad, testOptions{})
		require.ErrorIs(t, err, codec.ErrUnknownFormat, "target %v", bad)
	}
	for _, nf := range []*compat.Stored{nil, {Library: "telethon"}} {
		_, _, err := convertStored(nf, "mem", target(t, "telethon"), testOptions{})
		require.ErrorIs(t, err, compat.ErrNoSession)
	}

	// A file target without an output path.
	_, _, err := convertStored(f, "mem", target(t, "telethon-sqlite"), testOptions{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "needs an output file")

	// An existing output is not replaced without Force, and is then intact.
	out := filepath.Join(t.TempDir(), "exists.session")
	require.NoError(t, os.WriteFile(out, []byte("keep me"), 0o600))
	_, _, err = convertStored(f, "mem", target(t, "telethon-sqlite"), testOptions{Output: out})
	require.ErrorIs(t, err, fs.ErrExist)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, "keep me", string(b))
	res, _, err := convertStored(f, "mem", target(t, "telethon-sqlite"), testOptions{Output: out, Force: true})
	require.NoError(t, err)
	defer res.Session.Wipe()
	back, err := readPath(out)
	require.NoError(t, err)
	defer back.Wipe()
	require.True(t, keyIs(back.Session.Key, 11), "forced output holds another key")

	// The caller's File is not modified by a conversion.
	require.Equal(t, "149.154.167.51", f.Session.ServerAddress)
	require.False(t, f.Session.UserID.Known())
}

func TestConvertOptionConflicts(t *testing.T) {
	f := memFile(t, 12, func(s *codec.Session) {
		s.APIID = codec.Some[uint32](6)
		s.UserID = codec.Some[int64](42)
		s.IsBot = codec.Some(false)
		s.TestMode = codec.Some(false)
	})
	defer f.Wipe()
	to := target(t, "pyrogram")
	for name, opts := range map[string]testOptions{
		"api id":    {APIID: codec.Some[uint32](7)},
		"user id":   {UserID: codec.Some[int64](43)},
		"bot":       {IsBot: codec.Some(true)},
		"test mode": {TestMode: codec.Some(true)},
	} {
		_, _, err := convertStored(f, "mem", to, opts)
		var ce *compat.ConflictError
		require.ErrorAs(t, err, &ce, name)
		requireNoSecret(t, err.Error(), 12)
	}
	// Agreeing options are accepted and not reported as supplied.
	res, rep, err := convertStored(f, "mem", to, testOptions{APIID: codec.Some[uint32](6), IsBot: codec.Some(false), TestMode: codec.Some(false)})
	require.NoError(t, err)
	defer res.Session.Wipe()
	for _, c := range rep.Changes {
		require.NotEqual(t, compat.Supplied, c.Kind, "agreeing option reported as supplied: %s", c.Field)
	}
	require.Equal(t, "mem", rep.Source)
}

func TestConvertAddressDefaults(t *testing.T) {
	t.Run("host name into a Telethon string", func(t *testing.T) {
		f := memFile(t, 13, func(s *codec.Session) { s.ServerAddress, s.Port = "dc2.example.org", 8443 })
		defer f.Wipe()
		res, rep, err := convertStored(f, "mem", target(t, "telethon"), testOptions{})
		require.NoError(t, err)
		defer res.Session.Wipe()
		c := findChange(t, rep, "server_address", compat.Defaulted)
		require.Equal(t, "149.154.167.51", c.Value)
		require.Contains(t, c.Reason, "host name")
		require.Equal(t, "443", findChange(t, rep, "port", compat.Defaulted).Value)
		back, err := codec.DecodeAs(codec.Telethon, res.Text())
		require.NoError(t, err)
		defer back.Wipe()
		require.Equal(t, "149.154.167.51", back.ServerAddress)
		require.Equal(t, uint16(443), back.Port)
	})
	t.Run("missing port only", func(t *testing.T) {
		f := memFile(t, 14, func(s *codec.Session) { s.Port = 0 })
		defer f.Wipe()
		res, rep, err := convertStored(f, "mem", target(t, "telethon"), testOptions{})
		require.NoError(t, err)
		defer res.Session.Wipe()
		require.Equal(t, "443", findChange(t, rep, "port", compat.Defaulted).Value)
		noChange(t, rep, "server_address")
	})
	t.Run("DC not in the table", func(t *testing.T) {
		for _, edit := range []func(s *codec.Session){
			func(s *codec.Session) { s.DC, s.ServerAddress, s.Port = 9, "", 0 },
			func(s *codec.Session) { s.DC, s.Port = 9, 0 },
		} {
			f := memFile(t, 15, edit)
			_, _, err := convertStored(f, "mem", target(t, "telethon"), testOptions{})
			f.Wipe()
			require.ErrorIs(t, err, codec.ErrMissingField)
			require.Contains(t, err.Error(), "DC 9")
		}
	})
	t.Run("IPv6 into Telethon v2", func(t *testing.T) {
		f := memFile(t, 16, func(s *codec.Session) {
			s.DC, s.ServerAddress, s.Port, s.IPv6 = 4, "2001:67c:4e8:f004::a", 443, codec.Some(true)
			s.UserID, s.IsBot = codec.Some[int64](5), codec.Some(false)
		})
		defer f.Wipe()
		out := filepath.Join(t.TempDir(), "v2.session")
		res, rep, err := convertStored(f, "mem", target(t, "telethon-v2-sqlite"), testOptions{Output: out})
		require.NoError(t, err)
		defer res.Session.Wipe()
		require.Equal(t, "149.154.167.91:443", findChange(t, rep, "ipv4_addr", compat.Defaulted).Value)
	})
	t.Run("IPv6 DC not in the table into Telethon v2", func(t *testing.T) {
		f := memFile(t, 17, func(s *codec.Session) {
			s.DC, s.ServerAddress, s.Port, s.IPv6 = 9, "2001:db8::9", 443, codec.Some(true)
			s.UserID, s.IsBot = codec.Some[int64](5), codec.Some(true)
		})
		defer f.Wipe()
		out := filepath.Join(t.TempDir(), "v2.session")
		res, rep, err := convertStored(f, "mem", target(t, "telethon-v2-sqlite"), testOptions{Output: out})
		require.NoError(t, err)
		defer res.Session.Wipe()
		noChange(t, rep, "ipv4_addr")
		require.True(t, containsNote(rep.Notes, "ipv4_addr is NULL"), "notes: %q", rep.Notes)
	})
}

func containsNote(notes []string, sub string) bool {
	for _, n := range notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func TestConvertFromOtherStringFormats(t *testing.T) {
	for _, from := range []codec.Format{codec.GramJS, codec.Mtcute, codec.Gotd} {
		t.Run(from.String(), func(t *testing.T) {
			s := &codec.Session{Info: codec.Info{Source: from, DC: 2, ServerAddress: "149.154.167.51", Port: 443, IPv6: codec.Some(false), TestMode: codec.Some(false)}, Key: authKey(t, 18)}
			defer s.Wipe()
			text, err := s.Encode(from)
			require.NoError(t, err)
			out := filepath.Join(t.TempDir(), "p.session")
			res, rep, err := convert(stringSource(text, from), target(t, "pyrogram-sqlite"), testOptions{Output: out, UserID: codec.Some[int64](9)})
			require.NoError(t, err)
			defer res.Session.Wipe()
			require.Equal(t, from.String(), rep.From)
			require.Equal(t, from.String()+" string session", rep.Source)
			c := findChange(t, rep, "is_bot", compat.Defaulted)
			require.Contains(t, c.Reason, map[codec.Format]string{codec.GramJS: "GramJS", codec.Mtcute: "mtcute", codec.Gotd: "gotd"}[from])
			requireNoSecret(t, rep.String(), 18)
		})
	}
	// A string that does not decode is a typed codec error.
	_, _, err := convert(stringSource("not a session", codec.Telethon), target(t, "pyrogram"), testOptions{})
	require.Error(t, err)
	require.True(t, errors.Is(err, codec.ErrBadCharacter) || errors.Is(err, codec.ErrBadLength) || errors.Is(err, codec.ErrUnsupportedVersion), "untyped error: %v", err)
}

func TestConvertStateAndExtras(t *testing.T) {
	f := memFile(t, 19, func(s *codec.Session) { s.UserID, s.IsBot = codec.Some[int64](77), codec.Some(false) })
	defer f.Wipe()
	f.UpdateState = &compat.UpdateState{PTS: 10, Channels: []compat.ChannelState{{ID: 5, PTS: 1}, {ID: 6, PTS: 2, Date: codec.Some(1.5)}}}
	f.Entities = []compat.Entity{
		{ID: 1000, AccessHash: codec.Some[int64](5), Username: "old", Date: codec.Some[int64](0)},
		{ID: -1000000000005, AccessHash: codec.Some[int64](6), Type: "forum"},
		{ID: -1000000000006, AccessHash: codec.Some[int64](7), Type: "direct"},
	}

	out := filepath.Join(t.TempDir(), "t.session")
	res, rep, err := convertStored(f, "mem", target(t, "telethon-sqlite"), testOptions{Output: out})
	require.NoError(t, err)
	res.Session.Wipe()
	require.Equal(t, "1 channel states", findChange(t, rep, "update_state", compat.Dropped).Value)
	require.Equal(t, "2 types", findChange(t, rep, "peers.type", compat.Dropped).Value)

	out = filepath.Join(t.TempDir(), "v2.session")
	res, rep, err = convertStored(f, "mem", target(t, "telethon-v2-sqlite"), testOptions{Output: out})
	require.NoError(t, err)
	res.Session.Wipe()
	require.Equal(t, "1 channel dates", findChange(t, rep, "update_state", compat.Dropped).Value)
	require.Equal(t, "3 entities", findChange(t, rep, "entities", compat.Dropped).Value)

	out = filepath.Join(t.TempDir(), "p.session")
	res, rep, err = convertStored(f, "mem", target(t, "pyrogram-sqlite"), testOptions{Output: out, Now: func() time.Time { return time.Unix(1e9, 0) }})
	require.NoError(t, err)
	res.Session.Wipe()
	require.Equal(t, "pts 10, 2 channels", findChange(t, rep, "update_state", compat.Dropped).Value)
	require.True(t, containsNote(rep.Notes, "1 cached usernames are older than 8 hours"), "notes: %q", rep.Notes)
	var sawForum, sawDirect bool
	for _, c := range rep.Changes {
		if c.Field == "peers.type" && c.Kind == compat.Defaulted {
			sawForum = sawForum || strings.Contains(c.Reason, `"forum"`)
			sawDirect = sawDirect || strings.Contains(c.Reason, `"direct"`)
		}
	}
	require.True(t, sawForum && sawDirect, "fork peer types not reported: %v", rep.Changes)
	got := sqlRows(t, out, "SELECT id, type FROM peers ORDER BY id")
	require.Equal(t, []string{"-1000000000006 channel", "-1000000000005 supergroup", "1000 user"}, got)
}

func TestStoredAndReportNeverPrintSecrets(t *testing.T) {
	f := memFile(t, 20, nil)
	defer f.Wipe()
	res, rep, err := convertStored(f, "mem", target(t, "telethon"), testOptions{})
	require.NoError(t, err)
	defer res.Session.Wipe()
	text := res.Text()
	require.NotEmpty(t, text)
	j, err := json.Marshal(rep)
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprintf("%v", f), fmt.Sprintf("%+v", *f), fmt.Sprintf("%#v", *f), rep.String(), fmt.Sprintf("%+v", *rep), string(j)} {
		require.False(t, strings.Contains(s, text[1:21]), "a Stored or Report printed the session string")
		requireNoSecret(t, s, 20)
	}
	b, err := target(t, "gotd").MarshalText()
	require.NoError(t, err)
	require.Equal(t, "gotd", string(b))
}
