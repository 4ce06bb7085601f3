package codec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/codec/diagnose"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// Redaction: an AuthKey and a Session never print key bytes, whichever way
// they are printed, and neither does a session text's decoded Session.

// redactKey has every byte value, so that any hex, decimal or raw dump of
// it would show.
func redactKey() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(255 - i)
	}
	return b
}

func redactSession(t testing.TB) (*codec.Session, []byte) {
	key := redactKey()
	s := &codec.Session{
		Info: codec.Info{
			Source:        codec.Telethon,
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			UserID:        codec.Some[int64](123456789),
		},
		Key: newKey(t, key),
	}
	return s, key
}

// requireRedacted asserts out shows no key bytes in any common encoding,
// including decimal byte lists and Go's %q of the raw bytes.
func requireRedacted(t testing.TB, out string, key []byte) {
	t.Helper()
	requireNoLeak(t, out, nil, key)
	testsecret.RequireNotContains(t, out, strings.Trim(fmt.Sprint(key[:16]), "[]"), "decimal bytes")
	testsecret.RequireNotContains(t, out, fmt.Sprintf("%q", key[:16])[1:20], "quoted bytes")
	testsecret.RequireNotContains(t, out, fmt.Sprintf("%x", key[:8]))
	testsecret.RequireNotContains(t, out, fmt.Sprintf("% x", key[:8]))
	testsecret.RequireNotContains(t, out, fmt.Sprintf("%X", key[:8]))
}

func TestRedactFmt(t *testing.T) {
	s, key := redactSession(t)
	id := s.Key.ID().String()
	type wrapper struct {
		Name string
		Sess codec.Session
		Ptr  *codec.Session
		Key  codec.AuthKey
		priv codec.AuthKey
		ps   codec.Session
	}
	w := wrapper{Name: "x", Sess: *s, Ptr: s, Key: s.Key, priv: s.Key, ps: *s}
	values := []any{
		s, *s, s.Key, &s.Key, w, &w,
		[]codec.Session{*s}, []*codec.Session{s}, []codec.AuthKey{s.Key},
		map[string]codec.Session{"a": *s}, map[string]*codec.Session{"a": s}, map[codec.Format]codec.AuthKey{codec.Telethon: s.Key},
		[1]codec.AuthKey{s.Key}, struct{ K any }{s.Key}, []any{s, s.Key},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d", "%T %v", "%8.3v", "%-20s|", "% x", "%#x", "%o", "%b", "%c", "%U"}
	for i, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			requireRedacted(t, out, key)
			if i < 4 && verb != "%T %v" {
				require.Contains(t, out, id, "value %d %s: the public key id is shown", i, verb)
			}
		}
		requireRedacted(t, fmt.Sprint(v), key)
		requireRedacted(t, fmt.Sprintln(v, v), key)
	}
	require.Equal(t, "AuthKey(id="+id+")", s.Key.String())
	require.Equal(t, "AuthKey(unset)", codec.AuthKey{}.String())
	require.Equal(t, "Session{format=telethon dc=2 addr=149.154.167.51 port=443 user=123456789 key=AuthKey(id="+id+")}", s.String())
	require.Equal(t, s.String(), fmt.Sprintf("%#v", s))
}

func TestRedactJSON(t *testing.T) {
	s, key := redactSession(t)
	for _, v := range []any{s, *s, s.Key, []any{s}, map[string]any{"s": s, "k": s.Key}} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		requireRedacted(t, string(b), key)
		require.Contains(t, string(b), s.Key.ID().String())
		b, err = json.MarshalIndent(v, "", " ")
		require.NoError(t, err)
		requireRedacted(t, string(b), key)
	}
	b, err := s.Key.MarshalText()
	require.NoError(t, err)
	requireRedacted(t, string(b), key)
}

func TestRedactSlog(t *testing.T) {
	s, key := redactSession(t)
	var buf bytes.Buffer
	for _, h := range []slog.Handler{
		slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
	} {
		l := slog.New(h)
		l.Info("session", "s", s, "v", *s, "k", s.Key, "kp", &s.Key, slog.Any("any", []any{s, s.Key}),
			slog.Group("g", "s", s), "m", map[string]codec.AuthKey{"k": s.Key})
		l.Debug("key", slog.Any("k", s.Key))
		l.With("s", s).Warn("with")
	}
	out := buf.String()
	requireRedacted(t, out, key)
	require.Contains(t, out, s.Key.ID().String())
	require.Greater(t, strings.Count(out, "\n"), 5)
}

func TestRedactLogAndErrors(t *testing.T) {
	s, key := redactSession(t)
	var buf bytes.Buffer
	l := log.New(&buf, "", 0)
	l.Printf("session %v key %x %s", s, s.Key, s.Key)
	l.Println(s, s.Key)
	l.Print(*s)
	requireRedacted(t, buf.String(), key)

	base := fmt.Errorf("loading %v: %w", s, codec.ErrBadField)
	wrapped := fmt.Errorf("outer %+v: %w", s.Key, base)
	joined := errors.Join(wrapped, fmt.Errorf("key %x", s.Key), errors.New("other"))
	for _, err := range []error{base, wrapped, joined} {
		requireRedacted(t, err.Error(), key)
		requireRedacted(t, fmt.Sprintf("%+v", err), key)
	}
	require.ErrorIs(t, joined, codec.ErrBadField)
}

func TestRedactRecoveredPanic(t *testing.T) {
	s, key := redactSession(t)
	for _, v := range []any{s, *s, s.Key, &s.Key, []any{s}} {
		msg := func() (msg string) {
			defer func() { msg = fmt.Sprint(recover()) }()
			panic(v)
		}()
		requireRedacted(t, msg, key)
		require.Contains(t, msg, s.Key.ID().String())
	}
}

// TestRedactPanicOutput runs a child process that dies of panic(session)
// and checks what the Go runtime printed.
func TestRedactPanicOutput(t *testing.T) {
	if os.Getenv("TGSESSION_PANIC_CHILD") != "" {
		s, _ := redactSession(t)
		switch os.Getenv("TGSESSION_PANIC_CHILD") {
		case "session":
			panic(s)
		case "value":
			panic(*s)
		case "key":
			panic(s.Key)
		}
		return
	}
	_, key := redactSession(t)
	for _, what := range []string{"session", "value", "key"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRedactPanicOutput$")
		cmd.Env = append(os.Environ(), "TGSESSION_PANIC_CHILD="+what)
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "the child must die")
		require.Contains(t, string(out), "panic: ")
		require.Contains(t, string(out), "AuthKey(id=", what)
		requireRedacted(t, string(out), key)
	}
}

func TestRedactDecodedSession(t *testing.T) {
	key := redactKey()
	in := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: newKey(t, key)}
	text, err := in.EncodeTelethon()
	require.NoError(t, err)
	s, err := codec.Decode(text)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, s)
		requireRedacted(t, out, key)
		requireNoLeak(t, out, []string{text})
	}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	requireNoLeak(t, string(b), []string{text}, key)
	d := diagnose.Text(text)
	b, err = json.Marshal(struct {
		F []string
		P []diagnose.PeerResult
	}{d.Findings, d.Peers})
	require.NoError(t, err)
	requireNoLeak(t, string(b), []string{text}, key)
}
