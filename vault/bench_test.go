package vault_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/awnumar/memguard"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

func benchSealed(b *testing.B, rec age.Recipient, form vault.Form) []byte {
	s, err := vault.NewSession(fullSession(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Destroy()
	sealed, err := s.Seal(form, rec)
	if err != nil {
		b.Fatal(err)
	}
	return sealed
}

// warm makes sure memguard's first use (its key Coffer) is behind us: the
// targets are for steady state.
func warm(b *testing.B, sealed []byte, id age.Identity) {
	s, err := vault.Open(sealed, id)
	if err != nil {
		b.Fatal(err)
	}
	s.Destroy()
}

// BenchmarkOpenEnvX25519 is the serverless path: read and scrub the env
// var, parse the identity from TGSESSION_AGE_KEY, decrypt, move the key into
// memguard, use it once, destroy.
func BenchmarkOpenEnvX25519(b *testing.B) {
	id := newX25519(b)
	sealed := string(benchSealed(b, id.Recipient(), vault.FormText))
	warm(b, []byte(sealed), id)
	b.Setenv(vault.EnvKey, id.String())
	b.Setenv("XDG_CONFIG_HOME", b.TempDir())
	b.ReportAllocs()
	for b.Loop() {
		os.Setenv("BENCH_SESSION", sealed)
		ids, err := (&vault.KeySearch{Env: true}).Find()
		if err != nil {
			b.Fatal(err)
		}
		s, err := vault.OpenEnv("BENCH_SESSION", ids)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.WithKey(func(*[256]byte) error { return nil })
		s.Destroy()
	}
}

func benchOpen(b *testing.B, id age.Identity, rec age.Recipient, form vault.Form) {
	sealed := benchSealed(b, rec, form)
	warm(b, sealed, id)
	b.ReportAllocs()
	for b.Loop() {
		s, err := vault.Open(sealed, id)
		if err != nil {
			b.Fatal(err)
		}
		s.Destroy()
	}
}

func BenchmarkOpenX25519Text(b *testing.B) {
	id := newX25519(b)
	benchOpen(b, id, id.Recipient(), vault.FormText)
}

// BenchmarkOpenX25519TextEphemeral is BenchmarkOpenX25519Text with
// KeySearch.Ephemeral identities (the CLI's): one locked buffer per key
// instead of an Enclave; each iteration also reads the key once, as a
// command does.
func BenchmarkOpenX25519TextEphemeral(b *testing.B) {
	x := newX25519(b)
	ids, err := ephemeralIDs(x.String(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	benchOpenUse(b, ids, x.Recipient())
}

// BenchmarkOpenX25519TextUse is the Enclave counterpart of
// BenchmarkOpenX25519TextEphemeral.
func BenchmarkOpenX25519TextUse(b *testing.B) {
	x := newX25519(b)
	benchOpenUse(b, x, x.Recipient())
}

func benchOpenUse(b *testing.B, id age.Identity, rec age.Recipient) {
	sealed := benchSealed(b, rec, vault.FormText)
	warm(b, sealed, id)
	b.ReportAllocs()
	for b.Loop() {
		s, err := vault.Open(sealed, id)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.WithKey(func(*[256]byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
		s.Destroy()
	}
}

func BenchmarkOpenX25519Binary(b *testing.B) {
	id := newX25519(b)
	benchOpen(b, id, id.Recipient(), vault.FormBinary)
}

func BenchmarkOpenHybridText(b *testing.B) {
	id := newHybrid(b)
	benchOpen(b, id, id.Recipient(), vault.FormText)
}

func BenchmarkWithKey(b *testing.B) {
	id := newX25519(b)
	s, err := vault.Open(benchSealed(b, id.Recipient(), vault.FormText), id)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Destroy()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.WithKey(func(*[256]byte) error { return nil })
	}
}

func BenchmarkSealX25519Text(b *testing.B) {
	id := newX25519(b)
	s, err := vault.NewSession(fullSession(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Destroy()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(vault.FormText, id.Recipient()); err != nil {
			b.Fatal(err)
		}
	}
}

// The stages of an open, measured separately, for docs/benchmarks-vault.md.

func BenchmarkStageParseIdentity(b *testing.B) {
	id := newX25519(b).String()
	for b.Loop() {
		if _, err := (&vault.KeySearch{}).ParseIdentities(strings.NewReader(id)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStageBase64(b *testing.B) {
	id := newX25519(b)
	sealed := benchSealed(b, id.Recipient(), vault.FormText)
	body := string(sealed[len(vault.TextPrefix):])
	for b.Loop() {
		if _, err := base64.RawURLEncoding.Strict().DecodeString(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStageAgeDecrypt(b *testing.B) {
	id := newX25519(b)
	bin := benchSealed(b, id.Recipient(), vault.FormBinary)
	for b.Loop() {
		r, err := age.Decrypt(bytes.NewReader(bin), id)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStageNewEnclave(b *testing.B) {
	key := make([]byte, codec.AuthKeySize)
	memguard.NewEnclave(bytes.Repeat([]byte{1}, 256))
	for b.Loop() {
		key[0] = 1
		memguard.NewEnclave(key)
	}
}

func BenchmarkStageEnclaveOpen(b *testing.B) {
	e := memguard.NewEnclave(bytes.Repeat([]byte{1}, 256))
	for b.Loop() {
		lb, err := e.Open()
		if err != nil {
			b.Fatal(err)
		}
		lb.Destroy()
	}
}

func BenchmarkStageScrubEnviron(b *testing.B) {
	for b.Loop() {
		if err := vault.ScrubEnviron("BENCH_NOT_IN_BLOCK"); err != nil {
			b.Fatal(err)
		}
	}
}
