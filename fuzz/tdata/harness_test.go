package tdatafuzz_test

import (
	"crypto/aes"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"
	"github.com/tgsession/tgsession/tdata"
)

// The harness writes tdata folders on its own, from the layouts in
// docs/tdata.md, so that the targets do not trust the code they fuzz.

// fixedLocalKey is the local key of every folder the harness builds.
var fixedLocalKey = func() []byte {
	k := make([]byte, 256)
	for i := range k {
		k[i] = byte(i*31 + 7)
	}
	return k
}()

var fixedSalt = []byte("tgsession-fuzz-salt-32-bytes-xyz")

const tdfVersion = 2001014

func be32(vs ...int32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	return b
}

func qbytes(b []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...) }

func tdf(version uint32, payload []byte) []byte {
	out := append([]byte("TDF$"), binary.LittleEndian.AppendUint32(nil, version)...)
	out = append(out, payload...)
	h := md5.New()
	h.Write(payload)
	h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(payload))))
	h.Write(binary.LittleEndian.AppendUint32(nil, version))
	h.Write([]byte("TDF$"))
	return h.Sum(out)
}

// kdf is MTProto 1.0's aes key/iv derivation with x = 8.
func kdf(key, msgKey []byte) (aesKey, iv []byte) {
	sum := func(parts ...[]byte) []byte {
		h := sha1.New()
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	a := sum(msgKey, key[8:40])
	b := sum(key[40:56], msgKey, key[56:72])
	c := sum(key[72:104], msgKey)
	d := sum(msgKey, key[104:136])
	aesKey = append(append(append([]byte{}, a[:8]...), b[8:20]...), c[4:16]...)
	iv = append(append(append(append([]byte{}, a[8:20]...), b[:8]...), c[16:20]...), d[:8]...)
	return aesKey, iv
}

func igeEncrypt(key, iv, plain []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(plain))
	prevC, prevP := append([]byte{}, iv[:16]...), append([]byte{}, iv[16:]...)
	for i := 0; i < len(plain); i += 16 {
		x := make([]byte, 16)
		for j := range x {
			x[j] = plain[i+j] ^ prevC[j]
		}
		block.Encrypt(x, x)
		for j := range x {
			x[j] ^= prevP[j]
		}
		copy(out[i:], x)
		prevP, prevC = plain[i:i+16], x
	}
	return out
}

// encrypt is an encrypted part with zero padding (deterministic seeds).
func encrypt(data, key []byte) []byte {
	l := 4 + len(data)
	plain := make([]byte, (l+15)&^15)
	binary.LittleEndian.PutUint32(plain, uint32(l))
	copy(plain[4:], data)
	s := sha1.Sum(plain)
	k, iv := kdf(key, s[:16])
	return append(append([]byte{}, s[:16]...), igeEncrypt(k, iv, plain)...)
}

var passcodeKey = sync.OnceValue(func() []byte {
	h := sha512.New()
	h.Write(fixedSalt)
	h.Write(fixedSalt)
	k, err := pbkdf2.Key(sha512.New, string(h.Sum(nil)), fixedSalt, 1, 256)
	if err != nil {
		panic(err)
	}
	return k
})

// keyDatas is a key_datas file holding the fixed local key (no passcode)
// and info as the account list data.
func keyDatas(info []byte) []byte {
	p := qbytes(fixedSalt)
	p = append(p, qbytes(encrypt(fixedLocalKey, passcodeKey()))...)
	p = append(p, qbytes(encrypt(info, fixedLocalKey))...)
	return tdf(tdfVersion, p)
}

// encryptedFile is a TDF$ file holding one encrypted part of data.
func encryptedFile(data []byte) []byte { return tdf(tdfVersion, qbytes(encrypt(data, fixedLocalKey))) }

func mapFile(entries []byte) []byte {
	return tdf(tdfVersion, append(be32(-1, -1), qbytes(encrypt(entries, fixedLocalKey))...))
}

// fileKeys are the file keys of accounts 0..5 ("data", "data#2", …).
var fileKeys = []string{"D877F783D5D3EF8C", "A7FDF864FBC10B77", "F8806DD0C461824F", "C2B05980D9127787", "0CA814316818D8F6", "45D0FC5B5101406D"}

func authBlock(userID uint64, mainDC int32, dcs ...int32) []byte {
	inner := be32(-1, -1)
	inner = binary.BigEndian.AppendUint64(inner, userID)
	inner = append(inner, be32(mainDC, int32(len(dcs)))...)
	for _, dc := range dcs {
		inner = append(inner, be32(dc)...)
		for i := range 256 {
			inner = append(inner, byte(i)^byte(dc)|1)
		}
	}
	inner = append(inner, be32(0)...)
	return append(be32(0x4B), qbytes(inner)...)
}

// folder returns an in-memory folder: key_datas with info, and for each of
// accounts 0..5 a valid MTP file and empty map unless overridden.
func folder(info []byte, files map[string][]byte) fstest.MapFS {
	fsys := fstest.MapFS{"key_datas": {Data: keyDatas(info)}}
	for name, f := range baseFiles() {
		fsys[name] = f // shared, never modified
	}
	for name, b := range files {
		if b == nil {
			delete(fsys, name)
			continue
		}
		fsys[name] = &fstest.MapFile{Data: b}
	}
	return fsys
}

// baseFiles are the MTP files and maps of accounts 0..5, built once.
var baseFiles = sync.OnceValue(func() fstest.MapFS {
	fsys := fstest.MapFS{}
	for i, fk := range fileKeys {
		fsys[fk+"s"] = &fstest.MapFile{Data: encryptedFile(authBlock(uint64(1000+i), 2, 2, 4))}
		fsys[fk+"/maps"] = &fstest.MapFile{Data: mapFile(nil)}
	}
	return fsys
})

var sentinels = []error{tdata.ErrCorrupt, tdata.ErrTooLarge, tdata.ErrWrongPasscode, tdata.ErrNoAccounts,
	tdata.ErrTooManyAccounts, tdata.ErrUnsupported, tdata.ErrLegacyKeyScheme, tdata.ErrInvalid, tdata.ErrExists, fs.ErrNotExist}

// writeDir is a directory for the Write→Read round trips of one process.
var writeDir = sync.OnceValue(func() string {
	d, err := os.MkdirTemp("", "tgsession-fuzz-tdata-")
	if err != nil {
		panic(err)
	}
	return d
})

// check runs tdata.ReadFS on fsys and checks the invariants; input is the
// fuzzed bytes (for the echo rule of the leak check).
func check(t *testing.T, fsys fstest.MapFS, input []byte) *tdata.Folder {
	defer fc.Watchdog("tdata.ReadFS")()
	leak := fc.NewLeak(string(input)).Secret(fixedLocalKey).Secret(passcodeKey())
	f, err := tdata.ReadFS(fsys, nil)
	if err != nil {
		if f != nil {
			t.Fatal("ReadFS returned a folder and an error")
		}
		fc.Typed(t, err, "ReadFS", sentinels...)
		fc.NoLeak(t, leak, "error", err.Error())
		return nil
	}
	if len(f.Accounts) == 0 || len(f.Accounts) > 6 {
		t.Fatalf("%d accounts", len(f.Accounts))
	}
	keys := fc.NewLeak("").Secret(fixedLocalKey).WindowsOnly()
	seen := map[int]bool{}
	for _, a := range f.Accounts {
		if a.Index < 0 || a.Index > 5 || seen[a.Index] {
			t.Fatalf("bad or repeated account index %d", a.Index)
		}
		seen[a.Index] = true
		if len(a.Keys) > 32 || a.KeysToDestroy < 0 || a.KeysToDestroy > 32 || a.UserID < 0 {
			t.Fatalf("account %d: %d keys, %d to destroy, user id sign %d", a.Index, len(a.Keys), a.KeysToDestroy, a.UserID)
		}
		if len(a.Keys) > 0 && a.MainDC <= 0 {
			t.Fatalf("account %d: main DC %d", a.Index, a.MainDC)
		}
		dcs := map[int]bool{}
		for _, k := range a.Keys {
			if k.DC <= 0 || dcs[k.DC] || !k.Key.IsSet() {
				t.Fatalf("account %d: bad key entry (DC %d)", a.Index, k.DC)
			}
			dcs[k.DC] = true
			raw := k.Key.Reveal()
			leak.Secret(raw)
			keys.Secret(raw)
			clear(raw)
		}
	}
	// The public fields may share bytes with a key: the fuzzer copies a
	// key's bytes into the user id, whose %x is then 16 hex digits of the
	// key. Their renderings do not count; the keys' own must still not leak.
	public := func(v any) {
		for _, verb := range []string{"%v", "%x", "%X", "%q"} {
			keys.Public(fmt.Sprintf(verb, v))
		}
	}
	for _, a := range f.Accounts {
		public(a.UserID)
	}
	for _, w := range f.Warnings {
		fc.NoLeak(t, leak, "warning", w)
		public(w)
	}
	// Every fmt rendering of the folder at once: no window of any key (the
	// accounts' keys included) or of the local key.
	var text strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		text.WriteString(fmt.Sprintf(verb, f))
		text.WriteByte('\n')
	}
	fc.NoLeak(t, keys, "fmt of the folder", text.String())
	return f
}

// roundTrip writes f's accounts that hold a session with tdata.Write and
// reads them back: the same accounts, ids, DCs and keys.
func roundTrip(t *testing.T, f *tdata.Folder) {
	var accs []tdata.Account
	for _, a := range f.Accounts {
		acc, err := f.Account(a.Index)
		var se *tdata.SlotError
		if errors.As(err, &se) {
			continue
		}
		if err != nil {
			t.Fatalf("Account(%d): %v", a.Index, fc.ErrClass(err, sentinels...))
		}
		if acc.Test {
			continue
		}
		accs = append(accs, *acc)
	}
	if len(accs) == 0 {
		return
	}
	// Two accounts with one user id are refused by Write (Telegram Desktop
	// would load one of them).
	users := map[int64]bool{}
	for _, a := range accs {
		if users[a.UserID] {
			return
		}
		users[a.UserID] = true
	}
	dir := writeDir()
	if err := tdata.Write(dir, accs, tdata.WriteOptions{Force: true}); err != nil {
		t.Fatalf("Write of a folder Read accepted: %s", fc.ErrClass(err, sentinels...))
	}
	back, err := tdata.Read(dir, nil)
	if err != nil {
		t.Fatalf("Read of what Write wrote: %s", fc.ErrClass(err, sentinels...))
	}
	defer back.Wipe()
	if len(back.Accounts) != len(accs) {
		t.Fatalf("round trip: %d accounts, want %d", len(back.Accounts), len(accs))
	}
	for i, a := range accs {
		b := back.Accounts[i]
		if a.Index != b.Index || a.UserID != b.UserID || a.MainDC != b.MainDC || len(a.Keys) != len(b.Keys) || b.KeysToDestroy != 0 {
			t.Fatalf("round trip: account %d differs", a.Index)
		}
		for j := range a.Keys {
			if a.Keys[j].DC != b.Keys[j].DC || !a.Keys[j].Key.Equal(b.Keys[j].Key) {
				t.Fatalf("round trip: account %d key %d differs", a.Index, j)
			}
		}
	}
	if strings.Contains(fmt.Sprint(back.Warnings), "logged out") {
		t.Fatalf("round trip: Telegram Desktop would start an account logged out")
	}
}
