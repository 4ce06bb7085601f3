package tdata

import (
	"bytes"
	"crypto/aes"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// TestPBKDF2MatchesStdlib: the package's PBKDF2-HMAC-SHA512 (kept here so
// that no string copy of the password exists) equals crypto/pbkdf2.
func TestPBKDF2MatchesStdlib(t *testing.T) {
	salt := []byte("0123456789abcdef0123456789abcdef")
	for _, iter := range []int{1, 2, 3, 1000} {
		for _, n := range []int{1, 63, 64, 65, 256} {
			got := make([]byte, n)
			pbkdf2SHA512(got, []byte("pw"), salt, iter)
			want, err := pbkdf2.Key(sha512.New, "pw", salt, iter, n)
			require.NoError(t, err)
			require.True(t, bytes.Equal(want, got), "iter %d len %d", iter, n)
		}
	}
	// The full derivation, 100 000 rounds for a passcode, 1 without.
	for _, pass := range []string{"", "tgsession"} {
		h := sha512.New()
		h.Write(salt)
		h.Write([]byte(pass))
		h.Write(salt)
		iter := 1
		if pass != "" {
			iter = 100_000
		}
		want, err := pbkdf2.Key(sha512.New, string(h.Sum(nil)), salt, iter, 256)
		require.NoError(t, err)
		got := passcodeKey([]byte(pass), salt)
		require.True(t, bytes.Equal(want, got[:]), "passcode %q", pass)
	}
}

// TestIGEKnownAnswer: OpenSSL's first AES-IGE test vector (crypto/aes
// test igetest.c), then decrypt inverts encrypt.
func TestIGEKnownAnswer(t *testing.T) {
	key, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f")
	ivb, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	want, _ := hex.DecodeString("1a8519a6557be652e9da8e43da4ef4453cf456b4ca488aa383c79c98b34797cb")
	var iv [32]byte
	copy(iv[:], ivb)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	out := make([]byte, 32)
	igeCrypt(block, &iv, out, make([]byte, 32), false)
	require.Equal(t, want, out)
	back := make([]byte, 32)
	igeCrypt(block, &iv, back, out, true)
	require.Equal(t, make([]byte, 32), back)
}

type manifestVector struct {
	Name     string `json:"name"`
	Dir      string `json:"dir"`
	Passcode string `json:"passcode"`
	LocalKey string `json:"localKeyHex"`
}

func loadVectors(t testing.TB) []manifestVector {
	var all []manifestVector
	for _, base := range []string{"testdata/vectors", "testdata/vectors/tdesktop-4.6.5"} {
		raw, err := os.ReadFile(filepath.Join(base, "manifest.json"))
		require.NoError(t, err)
		var m struct{ Vectors []manifestVector }
		require.NoError(t, json.Unmarshal(raw, &m))
		for _, v := range m.Vectors {
			v.Dir = filepath.Join(base, v.Dir)
			all = append(all, v)
		}
	}
	return all
}

// TestLocalKeyFromManifest: the local key unwrapped from each vector's
// key_datas is the manifest's (compared without printing it).
func TestLocalKeyFromManifest(t *testing.T) {
	for _, v := range loadVectors(t) {
		f, err := readTDF(os.DirFS(v.Dir), "", "key_data")
		require.NoError(t, err, v.Name)
		o, err := parseKeyDataOuter(f.payload)
		require.NoError(t, err, v.Name)
		k, err := o.unwrapLocalKey([]byte(v.Passcode))
		require.NoError(t, err, v.Name)
		want, _ := hex.DecodeString(v.LocalKey)
		if !bytes.Equal(want, k[:]) {
			t.Fatalf("%s: local key differs from the manifest", v.Name)
		}
	}
}

// TestDeriveOnce: one key derivation per folder, whatever the number of
// accounts, for a right and a wrong passcode.
func TestDeriveOnce(t *testing.T) {
	calls := 0
	orig := deriveKey
	deriveKey = func(p, s []byte) *localKey { calls++; return orig(p, s) }
	defer func() { deriveKey = orig }()
	for _, c := range []struct {
		dir, pass string
		wrong     bool
	}{
		{"multi2-passcode", "tgsession", false},
		{"multi2-passcode", "nope", true},
		{"multi2", "", false},
	} {
		calls = 0
		f, err := Read(filepath.Join("testdata/vectors", c.dir, "tdata"), []byte(c.pass))
		if c.wrong {
			require.ErrorIs(t, err, ErrWrongPasscode)
		} else {
			require.NoError(t, err)
			require.Len(t, f.Accounts, 2)
			f.Wipe()
		}
		require.Equal(t, 1, calls, "%s %q", c.dir, c.pass)
	}
}

// folderWith builds an in-memory folder with a known local key from raw
// key info and per-file MTP data (nil: no file) and maps.
func folderWith(t testing.TB, key *localKey, info []byte, mtp map[int][]byte, maps map[int][]byte) fstest.MapFS {
	t.Helper()
	salt := bytes.Repeat([]byte{7}, saltSize)
	pk := passcodeKey(nil, salt)
	keyEnc, err := encryptLocal(key[:], pk)
	require.NoError(t, err)
	infoEnc, err := encryptLocal(info, key)
	require.NoError(t, err)
	kd := appendQBytes(appendQBytes(appendQBytes(nil, salt), keyEnc), infoEnc)
	fsys := fstest.MapFS{"key_datas": {Data: appendTDF(nil, DefaultVersion, kd)}}
	for idx, data := range mtp {
		enc, err := encryptLocal(data, key)
		require.NoError(t, err)
		fsys[fileKey(accountDataName("data", idx))+"s"] = &fstest.MapFile{Data: appendTDF(nil, DefaultVersion, appendQBytes(nil, enc))}
		if _, ok := maps[idx]; !ok {
			m, err := buildEmptyMap(key)
			require.NoError(t, err)
			fsys[fileKey(accountDataName("data", idx))+"/maps"] = &fstest.MapFile{Data: appendTDF(nil, DefaultVersion, m)}
		}
	}
	for idx, entries := range maps {
		enc, err := encryptLocal(entries, key)
		require.NoError(t, err)
		m := appendQBytes(bytes.Repeat([]byte{0xff}, 8), enc)
		fsys[fileKey(accountDataName("data", idx))+"/maps"] = &fstest.MapFile{Data: appendTDF(nil, DefaultVersion, m)}
	}
	return fsys
}

func testLocalKey() *localKey {
	k := new(localKey)
	for i := range k {
		k[i] = byte(i*13 + 1)
	}
	return k
}

func testKeys(t testing.TB, dcs ...int) []DCKey {
	var out []DCKey
	for _, dc := range dcs {
		b := bytes.Repeat([]byte{byte(dc)}, codec.AuthKeySize)
		k, err := codec.NewAuthKey(b)
		require.NoError(t, err)
		out = append(out, DCKey{DC: dc, Key: k})
	}
	return out
}

func be32(vs ...int32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	return b
}

// TestAccountList: counts above 6 and below 1 are refused; bad and
// duplicate indices are skipped with a warning; active is optional.
func TestAccountList(t *testing.T) {
	key := testLocalKey()
	mtp := map[int][]byte{0: buildMTP(5, 2, testKeys(t, 2)), 1: buildMTP(6, 2, testKeys(t, 2))}
	cases := []struct {
		name   string
		info   []byte
		err    error
		active int
		idx    []int
		warn   string
	}{
		{"seven", be32(7, 0, 1, 2, 3, 4, 5, 0, 0), ErrTooManyAccounts, 0, nil, ""},
		{"huge", be32(1 << 30), ErrTooManyAccounts, 0, nil, ""},
		{"zero", be32(0, 0), ErrNoAccounts, 0, nil, ""},
		{"negative", be32(-1, 0), ErrNoAccounts, 0, nil, ""},
		{"count past end", be32(3, 0, 1), ErrCorrupt, 0, nil, ""},
		{"empty", nil, ErrCorrupt, 0, nil, ""},
		{"no active", be32(2, 1, 0), nil, -1, []int{1, 0}, ""},
		{"active -1", be32(1, 0, -1), nil, -1, []int{0}, ""},
		{"six with active", be32(2, 0, 1, 1), nil, 1, []int{0, 1}, ""},
		{"bad index", be32(2, 0, 6, 0), nil, 0, []int{0}, "index 6 outside 0..5"},
		{"duplicate", be32(3, 0, 0, 1, 0), nil, 0, []int{0, 1}, "index 0 twice"},
		{"only bad", be32(1, 9), ErrNoAccounts, 0, nil, ""},
	}
	for _, c := range cases {
		f, err := ReadFS(folderWith(t, key, c.info, mtp, nil), nil)
		if c.err != nil {
			require.ErrorIs(t, err, c.err, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		require.Equal(t, c.active, f.Active, c.name)
		var idx []int
		for _, a := range f.Accounts {
			idx = append(idx, a.Index)
		}
		require.Equal(t, c.idx, idx, c.name)
		if c.warn != "" {
			require.Contains(t, strings.Join(f.Warnings, "\n"), c.warn, c.name)
		} else {
			require.Empty(t, f.Warnings, c.name)
		}
	}
}

// TestMTPBlock: the authorization block in its wide and legacy layouts,
// and what is refused.
func TestMTPBlock(t *testing.T) {
	key := testLocalKey()
	info := be32(1, 0, 0)
	read := func(data []byte) (*Folder, error) {
		return ReadFS(folderWith(t, key, info, map[int][]byte{0: data}, nil), nil)
	}
	keyBytes := func(dc int32, b byte) []byte {
		return append(be32(dc), bytes.Repeat([]byte{b}, 256)...)
	}
	block := func(inner []byte) []byte {
		return append(be32(0x4B, int32(len(inner))), inner...)
	}
	// Legacy 32-bit ids (before 2.7.2), two keys, one to destroy.
	inner := append(be32(123, 4, 2), keyBytes(4, 4)...)
	inner = append(inner, keyBytes(1, 1)...)
	inner = append(inner, be32(1)...)
	inner = append(inner, keyBytes(5, 5)...)
	f, err := read(block(inner))
	require.NoError(t, err)
	a, err := f.Account(0)
	require.NoError(t, err)
	require.Equal(t, int64(123), a.UserID)
	require.Equal(t, 4, a.MainDC)
	require.Len(t, a.Keys, 2)
	require.Equal(t, 1, a.KeysToDestroy)

	wide := func(uid uint64, dc int32, n int32) []byte {
		b := be32(-1, -1)
		b = binary.BigEndian.AppendUint64(b, uid)
		b = append(b, be32(dc, n)...)
		for i := int32(0); i < n && i < 40; i++ {
			b = append(b, keyBytes(i+1, byte(i+1))...)
		}
		return b
	}
	cases := []struct {
		name string
		data []byte
		err  error
	}{
		{"other block first", append(be32(0x00), block(wide(1, 2, 2))...), ErrUnsupported},
		{"trailing block", append(block(append(wide(1, 2, 2), be32(0)...)), be32(0x4C)...), ErrUnsupported},
		{"33 keys", block(append(wide(1, 2, 33), be32(0)...)), ErrTooLarge},
		{"negative key count", block(append(wide(1, 2, 0)[:20], be32(-1)...)), ErrCorrupt},
		{"keys past end", block(wide(1, 2, 3)[:600]), ErrCorrupt},
		{"main DC 0", block(append(wide(1, 0, 1), be32(0)...)), ErrCorrupt},
		{"user id above int64", block(append(wide(1<<63, 2, 2), be32(0)...)), ErrCorrupt},
		{"key DC -3", block(append(append(append(be32(-1, -1, 0, 1, 2), be32(1)...), keyBytes(-3, 9)...), be32(0)...)), ErrCorrupt},
		{"zero key", block(append(append(append(be32(-1, -1, 0, 1, 2), be32(1)...), keyBytes(2, 0)...), be32(0)...)), ErrCorrupt},
		{"no destroy count", block(wide(1, 2, 2)), ErrCorrupt},
		{"two keys for one DC", block(append(append(append(append(be32(-1, -1, 0, 1, 2), be32(2)...), keyBytes(2, 9)...), keyBytes(2, 8)...), be32(0)...)), ErrCorrupt},
		{"empty", nil, ErrCorrupt},
	}
	for _, c := range cases {
		_, err := read(c.data)
		require.ErrorIs(t, err, c.err, c.name)
		var fe *FileError
		require.ErrorAs(t, err, &fe, c.name)
		require.Equal(t, "D877F783D5D3EF8Cs", fe.Path, c.name)
	}
	// No key for the main DC: a slot without a session.
	f, err = read(block(append(wide(1, 3, 2), be32(0)...)))
	require.NoError(t, err)
	_, err = f.Account(0)
	var se *SlotError
	require.ErrorAs(t, err, &se)
	require.False(t, se.NoFile)
}

// TestMapEntries: every lsk type this package knows parses; an unknown
// one (0x00, 0x1f) and a malformed map give a warning, never an error.
func TestMapEntries(t *testing.T) {
	key := testLocalKey()
	info := be32(1, 0, 0)
	mtp := map[int][]byte{0: buildMTP(5, 2, testKeys(t, 2))}
	u64 := func(n int) []byte { return make([]byte, 8*n) }
	var all []byte
	add := func(typ int32, payload []byte) { all = append(append(all, be32(typ)...), payload...) }
	add(0x01, append(be32(2), u64(4)...))
	add(0x02, append(be32(1), u64(2)...))
	add(0x03, append(be32(1), make([]byte, 28)...))
	add(0x05, be32(0))
	add(0x06, append(be32(2), make([]byte, 56)...))
	for _, typ := range []int32{0x04, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x11, 0x12, 0x13, 0x18, 0x1a, 0x1b, 0x1c, 0x1e} {
		add(typ, u64(1))
	}
	add(0x10, u64(4))
	add(0x14, u64(2))
	add(0x15, append(be32(5), "hello"...))
	add(0x16, u64(3))
	add(0x17, u64(3))
	add(0x19, append(append(be32(3), "abc"...), be32(-1)...))
	add(0x1d, append(be32(1), u64(2)...))
	entries, err := parseMapEntries(all)
	require.NoError(t, err)
	require.Equal(t, int64(-1), entries.unknown)
	require.Len(t, entries.types, 30)

	cases := []struct {
		name string
		m    []byte
		warn string
	}{
		{"all known", all, ""},
		{"empty", nil, ""},
		{"unknown 0x1f", append(append([]byte(nil), all...), be32(0x1f, 0, 0)...), "lsk type 0x1f unknown"},
		{"user map 0x00", be32(0x00), "lsk type 0x0 unknown"},
		{"truncated", all[:len(all)-3], "past the end"},
		{"draft count past end", be32(0x01, 1<<28), "past the end"},
	}
	for _, c := range cases {
		f, err := ReadFS(folderWith(t, key, info, mtp, map[int][]byte{0: c.m}), nil)
		require.NoError(t, err, c.name)
		_, err = f.Account(0)
		require.NoError(t, err, c.name)
		if c.warn == "" {
			require.Empty(t, f.Warnings, c.name)
		} else {
			require.Len(t, f.Warnings, 1, c.name)
			require.Contains(t, f.Warnings[0], c.warn, c.name)
			require.Contains(t, f.Warnings[0], "logged out", c.name)
		}
	}
}

// TestConfig: the environment comes from <key>/configs when it is
// readable; otherwise production is assumed and, for a bad file, warned.
func TestConfig(t *testing.T) {
	key := testLocalKey()
	info := be32(1, 0, 0)
	mtp := map[int][]byte{0: buildMTP(5, 2, testKeys(t, 2))}
	withConfig := func(serialized []byte) fstest.MapFS {
		fsys := folderWith(t, key, info, mtp, nil)
		enc, err := encryptLocal(appendQBytes(nil, serialized), key)
		require.NoError(t, err)
		fsys["D877F783D5D3EF8C/configs"] = &fstest.MapFile{Data: appendTDF(nil, DefaultVersion, appendQBytes(nil, enc))}
		return fsys
	}
	for _, c := range []struct {
		name             string
		ser              []byte
		test, read, warn bool
	}{
		{"test", be32(1, 1, 0), true, true, false},
		{"production", be32(1, 0), false, true, false},
		{"unknown version", be32(2, 1), false, false, true},
		{"unknown environment", be32(1, 7), false, false, true},
		{"short", be32(1), false, false, true},
	} {
		f, err := ReadFS(withConfig(c.ser), nil)
		require.NoError(t, err, c.name)
		a, err := f.Account(0)
		require.NoError(t, err, c.name)
		require.Equal(t, c.test, a.Test, c.name)
		require.Equal(t, c.read, a.ConfigRead, c.name)
		require.Equal(t, c.warn, len(f.Warnings) > 0, c.name)
	}
}

// TestLegacyKeyScheme: a folder from Telegram Desktop 2.1.13 or older (no
// key_datas, salt and wrapped key in the map) is detected.
func TestLegacyKeyScheme(t *testing.T) {
	legacyMap := appendQBytes(nil, bytes.Repeat([]byte{1}, 32))
	legacyMap = appendQBytes(legacyMap, bytes.Repeat([]byte{2}, 288))
	legacyMap = appendQBytes(legacyMap, bytes.Repeat([]byte{3}, 64))
	for _, suffix := range []string{"s", "0", "1"} {
		fsys := fstest.MapFS{
			"D877F783D5D3EF8C/map" + suffix: {Data: appendTDF(nil, 2001013, legacyMap)},
			"D877F783D5D3EF8Cs":             {Data: appendTDF(nil, 2001013, appendQBytes(nil, make([]byte, 32)))},
			"settingss":                     {Data: []byte("x")},
		}
		_, err := ReadFS(fsys, nil)
		require.ErrorIs(t, err, ErrLegacyKeyScheme, suffix)
		require.Contains(t, err.Error(), "2.1.13", suffix)
		var fe *FileError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "D877F783D5D3EF8C/map"+suffix, fe.Path)
	}
	// A modern map (null legacy fields) without key_datas: not a folder.
	m, err := buildEmptyMap(testLocalKey())
	require.NoError(t, err)
	_, err = ReadFS(fstest.MapFS{"D877F783D5D3EF8C/maps": {Data: appendTDF(nil, DefaultVersion, m)}}, nil)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.False(t, errors.Is(err, ErrLegacyKeyScheme))
}

// TestDecryptLocalChecks: DecryptLocal's size and length-prefix checks.
func TestDecryptLocalChecks(t *testing.T) {
	key := testLocalKey()
	for _, n := range []int{0, 1, 15, 16, 17, 31, 33} {
		_, err := decryptLocal(make([]byte, n), key)
		require.ErrorIs(t, err, ErrCorrupt, "size %d", n)
	}
	// A correct SHA-1 over a bad length prefix.
	for _, l := range []uint32{0, 3, 33, 16, 1 << 31} {
		plain := make([]byte, 32)
		binary.LittleEndian.PutUint32(plain, l)
		enc := sealRaw(key, plain)
		_, err := decryptLocal(enc, key)
		require.ErrorIs(t, err, ErrCorrupt, "length %d", l)
		require.NotErrorIs(t, err, errDecrypt)
	}
	for _, l := range []uint32{17, 32} {
		plain := make([]byte, 32)
		binary.LittleEndian.PutUint32(plain, l)
		data, err := decryptLocal(sealRaw(key, plain), key)
		require.NoError(t, err, "length %d", l)
		require.Len(t, data, int(l)-4)
	}
}

// sealRaw encrypts an already laid-out plaintext.
func sealRaw(key *localKey, plain []byte) []byte {
	sum := sha1.Sum(plain)
	out := make([]byte, 16+len(plain))
	copy(out, sum[:16])
	aesLocal(key, out[:16], out[16:], plain, false)
	return out
}
