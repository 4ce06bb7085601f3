// Package stream decrypts the payload of an age file (C2SP age.md,
// "Payload": STREAM with ChaCha20-Poly1305) into one buffer the caller
// owns and wipes. It is package vault's, not promised to anyone else.
package stream

import (
	"crypto/sha256"
	"encoding/binary"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/verr"
)

// The age payload (C2SP age.md, "Payload") is a 16-byte nonce followed by
// STREAM: the plaintext in chunks of 64 KiB, each sealed with
// ChaCha20-Poly1305 under HKDF-SHA-256(ikm=file key, salt=nonce,
// info="payload"), with the nonce an 11-byte big-endian chunk counter and a
// flag byte that is 1 for the final chunk only.
//
// DecryptPayload implements it here rather than through age's stream
// reader, which decrypts every chunk into its own heap buffers (the
// aead.Open output and a 64 KiB copy) that cannot be wiped: the plaintext is
// written once, in place, into a buffer this package owns and wipes.
const (
	streamNonceSize = 16
	chunkSize       = 64 << 10
	encChunkSize    = chunkSize + chacha20poly1305.Overhead
	lastChunkFlag   = 0x01
)

// PlainBufHook, when set (by tests only), is called with every plaintext
// buffer DecryptPayload allocates, before anything is written to it, so
// that tests can check it is wiped after use.
var PlainBufHook func(buf []byte)

// DecryptPayload decrypts and authenticates payload, the bytes of an age
// file after its header, with fileKey. It returns the plaintext (at most
// maxPlain bytes) in a buffer the caller must wipe, or an error and nothing:
// unlike age's reader it never releases a chunk before the whole payload is
// authenticated, and on any failure it wipes what it decrypted.
//
// The rules are the STREAM rules of the age spec, as age's own reader
// applies them: every chunk but the last is full and not marked final; the
// last chunk is marked final and may be full or short, but empty only when
// it is the only chunk; a missing final chunk (a truncated payload) and
// data after the final chunk are errors. Chunk boundaries follow from the
// length, so the chunk marked final must end the payload. A payload whose
// authenticated plaintext exceeds maxPlain is codec.ErrTooLarge, as soon as the
// chunk that crosses the cap is authenticated (age's reader applied the cap
// in the same place).
func DecryptPayload(fileKey, payload []byte, maxPlain int) ([]byte, error) {
	if len(payload) < streamNonceSize {
		return nil, verr.Errorf(verr.ErrTampered, "age payload truncated")
	}
	nonce, ct := payload[:streamNonceSize], payload[streamNonceSize:]
	if len(ct) == 0 {
		return nil, verr.Errorf(verr.ErrTampered, "age payload truncated (no final chunk)")
	}

	key := new([chacha20poly1305.KeySize]byte)
	defer clear(key[:])
	// The HKDF reader keeps its last output block, which is the key, in
	// its own heap buffer; it cannot be wiped from outside.
	if _, err := io.ReadFull(hkdf.New(sha256.New, fileKey, nonce, []byte("payload")), key[:]); err != nil {
		panic("vault: internal error: HKDF: " + err.Error())
	}
	// chacha20poly1305.New copies the key into its own struct, which cannot
	// be wiped from outside either; aead is dropped when this returns.
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		return nil, verr.Errorf(verr.ErrUnsupported, "ChaCha20-Poly1305 unavailable")
	}

	// The plaintext is at most what the chunk layout allows, and at most
	// one chunk more than the cap (the chunk that crosses it).
	full, rem := len(ct)/encChunkSize, len(ct)%encChunkSize
	size := full * chunkSize
	if rem > chacha20poly1305.Overhead {
		size += rem - chacha20poly1305.Overhead
	}
	size = min(size, maxPlain+chunkSize)
	buf := make([]byte, size)
	if PlainBufHook != nil {
		PlainBufHook(buf)
	}
	fail := func(sentinel error, format string, args ...any) ([]byte, error) {
		clear(buf)
		return nil, verr.Errorf(sentinel, format, args...)
	}

	var chunkNonce [chacha20poly1305.NonceSize]byte
	written := 0
	for i := 0; len(ct) > 0; i++ {
		n := min(len(ct), encChunkSize)
		chunk := ct[:n]
		ct = ct[n:]
		last := len(ct) == 0
		switch {
		case n < chacha20poly1305.Overhead:
			return fail(verr.ErrTampered, "age payload chunk %d truncated to %d bytes", i, n)
		case last && n == chacha20poly1305.Overhead && i > 0:
			return fail(verr.ErrTampered, "age payload ends with an empty chunk")
		case n-chacha20poly1305.Overhead > len(buf)-written:
			panic("vault: internal error: payload buffer too small")
		}
		binary.BigEndian.PutUint64(chunkNonce[3:11], uint64(i))
		chunkNonce[11] = 0
		if last {
			chunkNonce[11] = lastChunkFlag
		}
		// dst has length 0 and enough capacity, so Open writes the
		// plaintext into buf in place and allocates nothing. On failure
		// it leaves no plaintext in dst (x/crypto checks the tag first or
		// zeroes its output).
		dst := buf[written:written:len(buf)]
		out, err := aead.Open(dst, chunkNonce[:], chunk, nil)
		if err != nil {
			// A full chunk may be authentic with the other flag: the
			// last one not marked final (the payload was cut at a chunk
			// boundary), or an earlier one marked final (data after the
			// final chunk). Both are errors; telling them apart gives a
			// better message, and the cap is checked first, as age's
			// reader released such a chunk before failing.
			chunkNonce[11] ^= lastChunkFlag
			if n == encChunkSize {
				if out, err := aead.Open(dst, chunkNonce[:], chunk, nil); err == nil {
					switch {
					case written+len(out) > maxPlain:
						return fail(codec.ErrTooLarge, "decrypted payload above %d bytes", maxPlain)
					case last:
						return fail(verr.ErrTampered, "age payload truncated after chunk %d", i)
					}
					return fail(verr.ErrTampered, "data after the final age payload chunk %d", i)
				}
			}
			return fail(verr.ErrTampered, "age payload chunk %d failed authentication", i)
		}
		if len(out) > 0 && &out[0] != &buf[written] {
			panic("vault: internal error: payload decrypted out of place")
		}
		written += len(out)
		if written > maxPlain {
			return fail(codec.ErrTooLarge, "decrypted payload above %d bytes", maxPlain)
		}
	}
	return buf[:written], nil
}
