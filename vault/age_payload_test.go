package vault

// Internal tests of the payload decryptor (stream.go): they need the file
// key of an age file, and the plaintext-buffer hook.

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	agetest "c2sp.org/CCTV/age"
	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/envelope"
	agestream "github.com/tgsession/tgsession/vault/internal/stream"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// bigCap is the plaintext cap used where the test is not about the cap:
// above every payload here (the hook the brief asks for is decryptAge's
// maxPlain argument).
const bigCap = 1 << 20

// isZero reports whether b is all zero bytes.
func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// The STREAM layout of the age payload (C2SP age.md), for crafting
// payloads in these tests.
const (
	streamNonceSize = 16
	chunkSize       = 64 << 10
	encChunkSize    = chunkSize + chacha20poly1305.Overhead
	lastChunkFlag   = 0x01
)

// ageFile is an age file made by age.Encrypt, split for crafting: its
// header, its file key (unwrapped with age.DecryptHeader) and its payload
// nonce.
type ageFile struct {
	id      *age.X25519Identity
	file    []byte
	hdr     []byte
	fileKey []byte
	nonce   []byte
}

func newAgeFile(t *testing.T, plain []byte) *ageFile {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	var b bytes.Buffer
	w, err := age.Encrypt(&b, id.Recipient())
	require.NoError(t, err)
	_, err = w.Write(plain)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	f := &ageFile{id: id, file: b.Bytes()}
	f.hdr, err = age.ExtractHeader(bytes.NewReader(f.file))
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(f.file, f.hdr), "age.Encrypt output starts with its extracted header")
	f.fileKey, err = age.DecryptHeader(f.hdr, id)
	require.NoError(t, err)
	f.nonce = f.file[len(f.hdr) : len(f.hdr)+streamNonceSize]
	return f
}

// payload returns the STREAM part of the file: the chunks after the nonce.
func (f *ageFile) payload() []byte { return f.file[len(f.hdr)+streamNonceSize:] }

// with returns an age file with f's header and nonce and the given STREAM
// bytes.
func (f *ageFile) with(stream []byte) []byte {
	out := append([]byte(nil), f.file[:len(f.hdr)+streamNonceSize]...)
	return append(out, stream...)
}

// testChunk is one chunk for sealStream: its plaintext, the counter it is
// sealed under and whether it is marked final.
type testChunk struct {
	plain   []byte
	counter uint64
	final   bool
}

// sealStream is an independent STREAM encryptor (written from the spec,
// not from stream.go) that seals arbitrary chunks, including invalid
// sequences, under f's payload key.
func (f *ageFile) sealStream(t *testing.T, chunks []testChunk) []byte {
	t.Helper()
	key := make([]byte, chacha20poly1305.KeySize)
	_, err := io.ReadFull(hkdf.New(sha256.New, f.fileKey, f.nonce, []byte("payload")), key)
	require.NoError(t, err)
	aead, err := chacha20poly1305.New(key)
	require.NoError(t, err)
	var out []byte
	for _, c := range chunks {
		nonce := make([]byte, chacha20poly1305.NonceSize)
		binary.BigEndian.PutUint64(nonce[3:11], c.counter)
		if c.final {
			nonce[11] = 1
		}
		out = aead.Seal(out, nonce, c.plain, nil)
	}
	return out
}

// validChunks splits plain into chunks as age does.
func validChunks(plain []byte) []testChunk {
	var cs []testChunk
	for i := uint64(0); ; i++ {
		n := min(len(plain), chunkSize)
		cs = append(cs, testChunk{plain: plain[:n], counter: i})
		plain = plain[n:]
		if len(plain) == 0 {
			break
		}
	}
	cs[len(cs)-1].final = true
	return cs
}

func randBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// ageDecrypt decrypts file with age's own reader.
func ageDecrypt(file []byte, id age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(file), id)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

var streamSizes = []int{0, 1, 100, chunkSize - 1, chunkSize, chunkSize + 1, 2 * chunkSize, 200 << 10}

// TestDecryptPayloadMatchesAge checks decryptAge against age.Decrypt on
// random plaintexts around the chunk boundaries, binary and armored, and
// the test's own STREAM encryptor against age.Encrypt.
func TestDecryptPayloadMatchesAge(t *testing.T) {
	for _, size := range streamSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			plain := randBytes(t, size)
			f := newAgeFile(t, plain)

			want, err := ageDecrypt(f.file, f.id)
			require.NoError(t, err)
			require.True(t, bytes.Equal(want, plain), "age.Decrypt round trip")

			got, err := decryptAge(FormBinary, f.file, []age.Identity{f.id}, nil, bigCap)
			require.NoError(t, err)
			require.True(t, bytes.Equal(got, plain), "decryptAge disagrees with age.Decrypt")
			require.Equal(t, len(got), cap(got), "plaintext buffer sized exactly")

			var arm bytes.Buffer
			aw := armor.NewWriter(&arm)
			_, err = aw.Write(f.file)
			require.NoError(t, err)
			require.NoError(t, aw.Close())
			got, err = decryptAge(FormArmor, arm.Bytes(), []age.Identity{f.id}, nil, bigCap)
			require.NoError(t, err)
			require.True(t, bytes.Equal(got, plain), "armored: decryptAge disagrees with age.Decrypt")

			// The crafting encryptor reproduces age's payload exactly,
			// so the rejection tests below craft what age would write.
			require.True(t, bytes.Equal(f.sealStream(t, validChunks(plain)), f.payload()),
				"test STREAM encryptor disagrees with age.Encrypt")
		})
	}
}

// TestDecryptPayloadRejects checks that every framing violation and every
// bit flip of the payload is refused with ErrTampered and no plaintext, and
// that age.Decrypt refuses the same files.
func TestDecryptPayloadRejects(t *testing.T) {
	plain := randBytes(t, 200<<10) // four chunks, the last short
	f := newAgeFile(t, plain)
	ok := validChunks(plain)
	require.Len(t, ok, 4)
	stream := f.payload()
	full := make([]byte, chunkSize)
	copy(full, plain)

	cases := map[string][]byte{
		"no nonce":          f.file[:len(f.hdr)],
		"short nonce":       f.file[:len(f.hdr)+streamNonceSize-1],
		"nonce only":        f.with(nil),
		"trailing byte":     f.with(append(append([]byte(nil), stream...), 0)),
		"trailing tag":      f.with(append(append([]byte(nil), stream...), make([]byte, 16)...)),
		"chunk after final": f.with(f.sealStream(t, append(ok[:4:4], testChunk{plain: []byte("x"), counter: 4}))),
		"final marked early": f.with(f.sealStream(t, []testChunk{
			{plain: ok[0].plain, counter: 0}, {plain: ok[1].plain, counter: 1, final: true},
			{plain: ok[2].plain, counter: 2}, {plain: ok[3].plain, counter: 3, final: true}})),
		"first chunk final then more": f.with(f.sealStream(t, []testChunk{
			{plain: ok[0].plain, counter: 0, final: true}, {plain: []byte("more"), counter: 1, final: true}})),
		"no chunk marked final": f.with(f.sealStream(t, []testChunk{
			{plain: ok[0].plain, counter: 0}, {plain: ok[1].plain, counter: 1}})),
		"short chunk not final": f.with(f.sealStream(t, []testChunk{{plain: []byte("short"), counter: 0}})),
		"empty final after full": f.with(f.sealStream(t, []testChunk{
			{plain: full, counter: 0}, {plain: nil, counter: 1, final: true}})),
		"empty chunk not final": f.with(f.sealStream(t, []testChunk{{plain: nil, counter: 0}})),
		"reordered chunks": f.with(f.sealStream(t, []testChunk{
			{plain: ok[1].plain, counter: 1}, {plain: ok[0].plain, counter: 0},
			{plain: ok[2].plain, counter: 2}, {plain: ok[3].plain, counter: 3, final: true}})),
		"skipped counter": f.with(f.sealStream(t, []testChunk{
			{plain: ok[0].plain, counter: 0}, {plain: ok[3].plain, counter: 2, final: true}})),
		"tail shorter than a tag": f.with(append(append([]byte(nil), stream[:3*encChunkSize]...), make([]byte, 15)...)),
	}
	// Truncation at every chunk boundary, and inside each chunk and tag.
	for i := 0; i <= 3; i++ {
		cases[fmt.Sprintf("cut after chunk %d", i)] = f.with(stream[:i*encChunkSize])
		cases[fmt.Sprintf("cut inside chunk %d", i)] = f.with(stream[:i*encChunkSize+1000])
	}
	cases["cut inside last tag"] = f.with(stream[:len(stream)-1])
	// Swapping whole chunks as they are on disk.
	swapped := append([]byte(nil), stream...)
	copy(swapped, stream[encChunkSize:2*encChunkSize])
	copy(swapped[encChunkSize:], stream[:encChunkSize])
	cases["swapped chunks on disk"] = f.with(swapped)
	// Bit flips through the nonce and every chunk, tags included.
	payload := f.file[len(f.hdr):]
	for off := 0; off < len(payload); off += 4099 {
		cases[fmt.Sprintf("bit flip at %d", off)] = flipBit(f.file, len(f.hdr)+off)
	}
	cases["bit flip in last byte"] = flipBit(f.file, len(f.file)-1)
	cases["bit flip in nonce"] = flipBit(f.file, len(f.hdr)+7)

	for name, file := range cases {
		t.Run(name, func(t *testing.T) {
			_, ageErr := ageDecrypt(file, f.id)
			require.Error(t, ageErr, "age.Decrypt accepts it: the case is wrong")

			var bufs [][]byte
			agestream.PlainBufHook = func(b []byte) { bufs = append(bufs, b) }
			defer func() { agestream.PlainBufHook = nil }()
			got, err := decryptAge(FormBinary, file, []age.Identity{f.id}, nil, bigCap)
			require.ErrorIs(t, err, ErrTampered)
			require.Nil(t, got)
			for _, b := range bufs {
				require.True(t, isZero(b), "plaintext buffer not wiped after a failure")
			}
			requireNoSecretInError(t, err, plain)
		})
	}
}

func flipBit(b []byte, off int) []byte {
	out := append([]byte(nil), b...)
	out[off] ^= 0x10
	return out
}

func requireNoSecretInError(t *testing.T, err error, secret []byte) {
	t.Helper()
	for _, piece := range []string{string(secret[:16]), fmt.Sprintf("%x", secret[:16])} {
		require.False(t, strings.Contains(err.Error(), piece), "error text contains plaintext")
	}
}

// TestDecryptPayloadCap checks the plaintext cap: the payload is
// authenticated before the cap is applied, as age's reader did, so a
// tampered oversized payload is ErrTampered and an authentic one
// errTooLarge.
func TestDecryptPayloadCap(t *testing.T) {
	for _, tc := range []struct {
		size, max int
		want      error
	}{
		{envelope.MaxSize, envelope.MaxSize, nil},
		{envelope.MaxSize + 1, envelope.MaxSize, errTooLarge},
		{chunkSize + 1, chunkSize, errTooLarge},
		{chunkSize, chunkSize, nil},
		{envelope.MaxSize + 200<<10, envelope.MaxSize, errTooLarge},
		{200 << 10, 8192, errTooLarge}, // the version 1 envelope cap
		{0, 0, nil},
		{1, 0, errTooLarge},
	} {
		t.Run(fmt.Sprintf("%d/%d", tc.size, tc.max), func(t *testing.T) {
			plain := randBytes(t, tc.size)
			f := newAgeFile(t, plain)
			var bufs [][]byte
			agestream.PlainBufHook = func(b []byte) { bufs = append(bufs, b) }
			defer func() { agestream.PlainBufHook = nil }()
			got, err := decryptAge(FormBinary, f.file, []age.Identity{f.id}, nil, tc.max)
			if tc.want == nil {
				require.NoError(t, err)
				require.True(t, bytes.Equal(got, plain), "payload at the cap")
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, got)
			require.Len(t, bufs, 1)
			require.LessOrEqual(t, len(bufs[0]), tc.max+chunkSize, "buffer bounded by the cap")
			require.True(t, isZero(bufs[0]), "plaintext buffer not wiped")

			_, err = decryptAge(FormBinary, flipBit(f.file, len(f.file)-1), []age.Identity{f.id}, nil, tc.max)
			if earlier := (tc.size - 1) / chunkSize * chunkSize; earlier > tc.max {
				// An earlier, authentic chunk already crosses the cap.
				require.ErrorIs(t, err, errTooLarge)
			} else {
				// The last chunk fails authentication before the cap
				// is crossed.
				require.ErrorIs(t, err, ErrTampered)
			}
		})
	}
}

// TestCanonicalHeaderPrefix checks the assumption decryptAge relies on:
// for every CCTV vector whose header age parses, the re-marshalled header
// ExtractHeader returns is byte for byte the start of the file (so
// decryptAge never refuses a header age accepts).
func TestCanonicalHeaderPrefix(t *testing.T) {
	files, err := fs.ReadDir(agetest.Vectors, ".")
	require.NoError(t, err)
	parsed := 0
	for _, f := range files {
		b, err := fs.ReadFile(agetest.Vectors, f.Name())
		require.NoError(t, err)
		hdrs, body, ok := bytes.Cut(b, []byte("\n\n"))
		require.True(t, ok, f.Name())
		if bytes.Contains(hdrs, []byte("\ncompressed: zlib")) {
			r, err := zlib.NewReader(bytes.NewReader(body))
			require.NoError(t, err)
			body, err = io.ReadAll(r)
			require.NoError(t, err)
		}
		if bytes.Contains(hdrs, []byte("\narmored: yes")) {
			if body, err = io.ReadAll(armor.NewReader(bytes.NewReader(body))); err != nil {
				continue
			}
		}
		hdr, err := age.ExtractHeader(bytes.NewReader(body))
		if err != nil {
			continue
		}
		parsed++
		require.True(t, bytes.HasPrefix(body, hdr), "%s: re-marshalled header differs from the file", f.Name())
	}
	require.Greater(t, parsed, 80)
	t.Logf("%d of %d vectors have a parseable header, all canonical", parsed, len(files))
}

type openInput struct {
	data []byte
	id   age.Identity
	ok   bool
}

// TestOpenWipesPlaintextBuffer checks that after Open, successful or not,
// every plaintext buffer decryption used (the one the auth key is moved
// from into memguard) is all zeros, and that the key arrived intact.
func TestOpenWipesPlaintextBuffer(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	key := randBytes(t, codec.AuthKeySize)
	ak, err := codec.NewAuthKey(key)
	require.NoError(t, err)
	cs := &codec.Session{
		Info: codec.Info{
			Source:        codec.Telethon,
			Layout:        "ipv4",
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			IPv6:          codec.Some(false),
		},
		Key: ak,
	}
	telethon, err := cs.Encode(codec.Telethon)
	require.NoError(t, err)
	plainFile := newAgeFile(t, []byte(telethon)) // a session string someone sealed with age

	for _, form := range []Form{FormText, FormBinary, FormArmor} {
		vs, err := NewSession(cs)
		require.NoError(t, err)
		sealed, err := vs.Seal(form, id.Recipient())
		vs.Destroy()
		require.NoError(t, err)
		inputs := map[string]openInput{"envelope": {sealed, id, true}}
		if form == FormBinary {
			inputs["session string"] = openInput{plainFile.file, plainFile.id, true}
			inputs["tampered"] = openInput{flipBit(sealed, len(sealed)-20), id, false}
		}
		for name, in := range inputs {
			t.Run(form.String()+"/"+name, func(t *testing.T) {
				var bufs [][]byte
				agestream.PlainBufHook = func(b []byte) { bufs = append(bufs, b) }
				defer func() { agestream.PlainBufHook = nil }()
				s, err := Open(in.data, in.id)
				require.Len(t, bufs, 1, "one plaintext buffer per open")
				require.True(t, isZero(bufs[0]), "plaintext buffer not wiped after Open")
				if !in.ok {
					require.ErrorIs(t, err, ErrTampered)
					return
				}
				require.NoError(t, err)
				defer s.Destroy()
				require.GreaterOrEqual(t, len(bufs[0]), codec.AuthKeySize)
				require.NoError(t, s.WithKey(func(k *[codec.AuthKeySize]byte) error {
					if !bytes.Equal(k[:], key) {
						return errors.New("opened key differs from the sealed key")
					}
					return nil
				}))
			})
		}
	}
}

// TestDecryptPayloadInPlace checks that decrypting allocates the same
// small number of times whatever the number of chunks: chunks are
// decrypted into the one plaintext buffer, never into fresh ones.
func TestDecryptPayloadInPlace(t *testing.T) {
	allocs := map[int]float64{}
	for _, size := range []int{100, 200 << 10} {
		f := newAgeFile(t, randBytes(t, size))
		payload := f.file[len(f.hdr):]
		allocs[size] = testing.AllocsPerRun(10, func() {
			b, err := agestream.DecryptPayload(f.fileKey, payload, bigCap)
			if err != nil {
				panic(err)
			}
			clear(b)
		})
	}
	require.Equal(t, allocs[100], allocs[200<<10], "allocations grow with the chunk count: %v", allocs)
}
