package vault_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/vault"
)

// hiddenField holds a value in an unexported field of a caller's struct:
// fmt cannot call its methods there and prints its fields by reflection.
type hiddenField[T any] struct{ v T }

// allVerbs are every fmt verb, some with flags.
var allVerbs = []string{
	"%v", "%+v", "%#v", "%T", "%t", "%b", "%c", "%d", "%o", "%O", "%q", "%x", "%X", "%U",
	"%e", "%E", "%f", "%F", "%g", "%G", "%s", "%p", "% x", "%#x", "%+q", "%8.3s", "%-20v",
}

// renderAll formats v every way a program might log it: every verb, by
// value and by pointer, in an unexported field (by value and by pointer)
// and in containers.
func renderAll[T any](t *testing.T, v T) string {
	t.Helper()
	var b strings.Builder
	p := &v
	forms := []any{v, p, hiddenField[T]{v}, &hiddenField[T]{v}, hiddenField[*T]{p}, []T{v}, map[string]T{"k": v},
		[]hiddenField[T]{{v}}, hiddenField[[]T]{[]T{v}}, hiddenField[any]{v}}
	for _, form := range forms {
		for _, verb := range allVerbs {
			fmt.Fprintf(&b, verb+"\n", form)
		}
	}
	fmt.Fprintf(&b, "%v\n", struct{ V any }{v})
	fmt.Fprintf(&b, "%+v\n", []any{v})
	fmt.Fprintf(&b, "%v\n", map[string]any{"k": v})
	if j, err := json.Marshal(v); err == nil {
		b.Write(j)
	}
	if j, err := json.Marshal(map[string]any{"k": v}); err == nil {
		b.Write(j)
	}
	var gb bytes.Buffer
	_ = gob.NewEncoder(&gb).Encode(v)
	b.Write(gb.Bytes())
	for _, h := range []slog.Handler{slog.NewTextHandler(&b, nil), slog.NewJSONHandler(&b, nil)} {
		slog.New(h).Info("msg", "v", v, slog.Any("any", v))
	}
	log.New(&b, "", 0).Printf("%v %+v", v, v)
	wrapped := fmt.Errorf("wrap: %v", v)
	b.WriteString(errors.Join(wrapped, errors.New("x")).Error())
	func() {
		defer func() { fmt.Fprint(&b, recover()) }()
		panic(fmt.Sprint(v))
	}()
	return b.String()
}

func TestRedaction(t *testing.T) {
	x := newX25519(t)
	h := newHybrid(t)
	secrets := append(append(idSecrets(x), idSecrets(h)...), testKey('m'))
	sealed, err := sealWith(fullSession(t), vault.FormText, []age.Recipient{x.Recipient()}, optWithLabels(map[string]string{"env": "prod"}))
	require.NoError(t, err)
	s, err := vault.Open(sealed, x)
	require.NoError(t, err)
	defer s.Destroy()

	out := renderAll(t, s)
	out += renderAll(t, *s)
	requireNoSecret(t, out, secrets...)
	require.Contains(t, out, "AuthKey(id="+fullSession(t).AuthKeyID().String()+")")
	j, err := json.Marshal(s)
	require.NoError(t, err)
	require.Contains(t, string(j), `"auth_key_id":"`+fullSession(t).AuthKeyID().String()+`"`)
	require.Contains(t, string(j), `"user_id":5000000001`)

	t.Setenv(vault.EnvKey, x.String()+"\n"+h.String())
	ids, err := (&vault.KeySearch{Env: true}).Find()
	require.NoError(t, err)
	out = renderAll(t, ids) + renderAll(t, *ids)
	requireNoSecret(t, out, secrets...)
	require.Contains(t, out, "2 identities")
}
