package cli

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// hiddenField holds a value in an unexported field: fmt prints it by
// reflection, without its methods.
type hiddenField[T any] struct{ v T }

// renderings formats v with every verb, by value and by pointer, bare and
// in an unexported field.
func renderings[T any](v T) []string {
	p := &v
	forms := []any{v, p, hiddenField[T]{v}, &hiddenField[T]{v}, hiddenField[*T]{p}, []T{v}, map[string]T{"k": v}}
	var out []string
	for _, f := range forms {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%c", "%e", "%g", "%t", "%p", "%U"} {
			out = append(out, fmt.Sprintf(verb, f))
		}
	}
	return out
}

// TestCLITypesRedacted: the CLI's own types that hold a session (a decoded
// input, a conversion with its string input) never print the session
// string or the key, whatever the verb and however they are nested.
func TestCLITypesRedacted(t *testing.T) {
	s, err := codec.Decode(fakeSession)
	require.NoError(t, err)
	defer s.Wipe()
	key := s.Key.Reveal()
	defer clear(key)
	text := fakeSession
	f := &compat.Stored{Kind: compat.TelethonSQLite, Library: "telethon", Session: s}
	var texts []string
	texts = append(texts, renderings(loaded{src: source{path: "x"}, sess: s, full: f})...)
	texts = append(texts, renderings(conversion{src: source{}, in: storedOf(s)})...)
	texts = append(texts, renderings(conversion{src: source{}, in: f, file: true})...)
	data, rep, err := convertStored(source{path: "x"}, f, true, &convertOpts{to: target{Format: codec.Telethon}})
	require.NoError(t, err)
	require.True(t, strings.TrimSpace(string(data)) == text, "the conversion gives the session back")
	clear(data)
	texts = append(texts, renderings(rep)...)
	forbidden := []string{fakeSession[10:40], hex.EncodeToString(key[:8]), strings.Trim(fmt.Sprint(key[:8]), "[]"), string(key[:8])}
	for i, out := range texts {
		for j, secret := range forbidden {
			if strings.Contains(out, secret) {
				t.Fatalf("rendering %d shows secret form %d", i, j)
			}
		}
	}
}
