package storesession_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
	"github.com/tgsession/tgsession/storesession"
)

// makeKey is make_key(n) of the shared vectors.
func makeKey(n int) []byte {
	out := make([]byte, 0, 256)
	for i := 0; i < 8; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "tg-session-vector:%d:%d", n, i))
		out = append(out, sum[:]...)
	}
	return out
}

func authKey(t testing.TB, n int) codec.AuthKey {
	t.Helper()
	k, err := codec.NewAuthKey(makeKey(n))
	require.NoError(t, err)
	return k
}

// copyDir copies the regular files of src into a new directory named
// base inside a temporary directory, and returns its path.
func copyDir(t *testing.T, src, base string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), base)
	require.NoError(t, os.Mkdir(dst, 0o700))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600))
	}
	return dst
}

// requireSameFiles asserts dirs a and b hold the same file names and
// bytes; file content differences are reported by length only.
func requireSameFiles(t *testing.T, want, got string) {
	t.Helper()
	list := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	require.Equal(t, list(want), list(got))
	for _, n := range list(want) {
		a, err := os.ReadFile(filepath.Join(want, n))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(got, n))
		require.NoError(t, err)
		testsecret.RequireSameBytes(t, a, b, n)
	}
}

// requireNoKey asserts msg holds no rendering of key n.
func requireNoKey(t *testing.T, msg string, n int) {
	t.Helper()
	k := makeKey(n)
	for _, s := range []string{hex.EncodeToString(k)[:32], fmt.Sprint(k[:8])[1:20]} {
		require.NotContains(t, msg, s)
	}
}

// TestReadGramJSVector reads the folder real GramJS wrote in the shared
// vectors (gramjs.json store_session) to its DC, address, port and key.
func TestReadGramJSVector(t *testing.T) {
	s, err := storesession.Read("testdata/my_store", storesession.ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, "my_store", s.Name)
	require.Equal(t, codec.Info{Source: codec.GramJS, Layout: storesession.Layout, DC: 4, ServerAddress: "149.154.167.91", Port: 443, IPv6: codec.Some(false)}, s.Session.Info)
	testsecret.RequireSameKey(t, authKey(t, 75), s.Session.Key)
	require.Empty(t, s.Entities)
	require.Empty(t, s.Ignored)
}

// TestReadGramJSEntities reads GramJS's entity rows (a user with escapes
// and non-ASCII in its name, a channel, a basic group).
func TestReadGramJSEntities(t *testing.T) {
	s, err := storesession.Read("testdata/ent_store", storesession.ReadOptions{Name: "ent_store"})
	require.NoError(t, err)
	require.Equal(t, 2, s.Session.DC)
	require.Equal(t, "149.154.167.51", s.Session.ServerAddress)
	testsecret.RequireSameKey(t, authKey(t, 76), s.Session.Key)
	require.Len(t, s.Entities, 3)
	require.Equal(t, storesession.Entity{ID: -1001234567890, Hash: 987654321, Name: "Chan", Date: s.Entities[0].Date}, s.Entities[0])
	require.Equal(t, storesession.Entity{ID: -4242, Hash: 0, Name: "Group", Date: s.Entities[1].Date}, s.Entities[1])
	require.Equal(t, storesession.Entity{ID: 777000, Hash: -1234567890123456789, Username: "telegram", Phone: "42777", Name: "Tele gram \"q\"\n\x01 ✓", Date: s.Entities[2].Date}, s.Entities[2])
	for _, e := range s.Entities {
		require.Greater(t, e.Date, int64(1_700_000_000_000))
	}
}

// TestWriteByteExact: Write reproduces, byte for byte, the folders GramJS
// wrote, with files 0600 in a 0700 directory.
func TestWriteByteExact(t *testing.T) {
	for _, c := range []struct{ dir, name string }{{"testdata/my_store", ""}, {"testdata/ent_store", "ent_store"}} {
		t.Run(c.dir, func(t *testing.T) {
			s, err := storesession.Read(c.dir, storesession.ReadOptions{})
			require.NoError(t, err)
			s.Name = c.name
			out := filepath.Join(t.TempDir(), "sub", filepath.Base(c.dir))
			require.NoError(t, storesession.Write(out, s, storesession.WriteOptions{}))
			requireSameFiles(t, c.dir, out)
			info, err := os.Stat(out)
			require.NoError(t, err)
			require.Equal(t, fs.FileMode(0o700), info.Mode().Perm())
			entries, err := os.ReadDir(out)
			require.NoError(t, err)
			for _, e := range entries {
				info, err := e.Info()
				require.NoError(t, err)
				require.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), e.Name())
			}
			again, err := storesession.Read(out, storesession.ReadOptions{})
			require.NoError(t, err)
			require.True(t, s.Session.Equal(again.Session))
			require.Equal(t, s.Entities, again.Entities)
		})
	}
}

// TestWriteNeverOverwritesWithoutForce: an existing session of the same
// name is kept unless Force, which replaces it and removes its old entity
// rows; other files of the directory are left alone.
func TestWriteNeverOverwritesWithoutForce(t *testing.T) {
	dir := copyDir(t, "testdata/ent_store", "ent_store")
	other := filepath.Join(dir, "unrelated.txt")
	require.NoError(t, os.WriteFile(other, []byte("keep"), 0o600))
	s := &storesession.Session{Session: &codec.Session{Info: codec.Info{DC: 5, ServerAddress: "91.108.56.130", Port: 443}, Key: authKey(t, 77)}}
	err := storesession.Write(dir, s, storesession.WriteOptions{})
	require.ErrorIs(t, err, storesession.ErrExists)
	before, err := storesession.Read(dir, storesession.ReadOptions{})
	require.NoError(t, err)
	testsecret.RequireSameKey(t, authKey(t, 76), before.Session.Key)

	require.NoError(t, storesession.Write(dir, s, storesession.WriteOptions{Force: true}))
	after, err := storesession.Read(dir, storesession.ReadOptions{})
	require.NoError(t, err)
	testsecret.RequireSameKey(t, authKey(t, 77), after.Session.Key)
	require.Equal(t, 5, after.Session.DC)
	require.Empty(t, after.Entities, "the old session's entity rows must go")
	b, err := os.ReadFile(other)
	require.NoError(t, err)
	require.Equal(t, "keep", string(b))

	// A file of the session that is not a regular file is never replaced.
	dir2 := filepath.Join(t.TempDir(), "x")
	require.NoError(t, os.MkdirAll(filepath.Join(dir2, "x%3AdcId"), 0o700))
	err = storesession.Write(dir2, s, storesession.WriteOptions{Force: true})
	require.ErrorIs(t, err, storesession.ErrExists)
	// Nor is a path that is not a directory.
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o600))
	require.ErrorIs(t, storesession.Write(f, s, storesession.WriteOptions{Force: true}), storesession.ErrExists)
}

// TestWriteRefuses: what GramJS cannot store or load.
func TestWriteRefuses(t *testing.T) {
	k := authKey(t, 78)
	ok := codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}
	for _, c := range []struct {
		name string
		s    *storesession.Session
		want error
	}{
		{"name session", &storesession.Session{Name: "session", Session: &codec.Session{Info: ok, Key: k}}, storesession.ErrInvalid},
		{"no key", &storesession.Session{Session: &codec.Session{Info: ok}}, storesession.ErrInvalid},
		{"dc 0", &storesession.Session{Session: &codec.Session{Info: codec.Info{ServerAddress: "1.2.3.4", Port: 1}, Key: k}}, storesession.ErrInvalid},
		{"bad address", &storesession.Session{Session: &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "a b", Port: 1}, Key: k}}, storesession.ErrInvalid},
		{"no address", &storesession.Session{Session: &codec.Session{Info: codec.Info{DC: 2, Port: 1}, Key: k}}, codec.ErrMissingField},
		{"no port", &storesession.Session{Session: &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "1.2.3.4"}, Key: k}}, codec.ErrMissingField},
		{"duplicate entity", &storesession.Session{Session: &codec.Session{Info: ok, Key: k}, Entities: []storesession.Entity{{ID: 5}, {ID: 5}}}, storesession.ErrInvalid},
		{"nil", nil, storesession.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "s1")
			err := storesession.Write(dir, c.s, storesession.WriteOptions{})
			require.ErrorIs(t, err, c.want)
			requireNoKey(t, err.Error(), 78)
			_, err = os.Stat(dir)
			require.True(t, errors.Is(err, fs.ErrNotExist), "nothing is created for a refused write")
		})
	}
}

// TestReadRefusesBadFolders: every defect is a typed error naming the
// file, never quoting its content.
func TestReadRefusesBadFolders(t *testing.T) {
	const keyFile = "my_store%3AauthKey"
	good, err := os.ReadFile(filepath.Join("testdata/my_store", keyFile))
	require.NoError(t, err)
	edit := func(t *testing.T, file, content string) string {
		dir := copyDir(t, "testdata/my_store", "my_store")
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(content), 0o600))
		return dir
	}
	keyWith := func(items string) string { return `{"type":"Buffer","data":[` + items + `]}` }
	nums := strings.TrimSuffix(strings.TrimPrefix(string(good), `{"type":"Buffer","data":[`), "]}")
	for _, c := range []struct {
		name, file, content string
		want                error
	}{
		{"key not JSON", keyFile, "nope", storesession.ErrCorrupt},
		{"key base64", keyFile, `"` + strings.Repeat("A", 344) + `"`, storesession.ErrCorrupt},
		{"key 255 bytes", keyFile, keyWith(nums[strings.IndexByte(nums, ',')+1:]), storesession.ErrCorrupt},
		{"key 257 bytes", keyFile, keyWith(nums + ",1"), storesession.ErrCorrupt},
		{"key item 256", keyFile, keyWith("256," + nums[strings.IndexByte(nums, ',')+1:]), storesession.ErrCorrupt},
		{"key item -1", keyFile, keyWith("-1," + nums[strings.IndexByte(nums, ',')+1:]), storesession.ErrCorrupt},
		{"key item 01", keyFile, keyWith("01," + nums[strings.IndexByte(nums, ',')+1:]), storesession.ErrCorrupt},
		{"key trailing comma", keyFile, keyWith(nums + ","), storesession.ErrCorrupt},
		{"zero key", keyFile, keyWith(strings.TrimSuffix(strings.Repeat("0,", 256), ",")), codec.ErrZeroKey},
		{"dc 0", "my_store%3AdcId", "0", storesession.ErrCorrupt},
		{"dc string", "my_store%3AdcId", `"4"`, storesession.ErrCorrupt},
		{"dc float", "my_store%3AdcId", `4.5`, storesession.ErrCorrupt},
		{"port 65536", "my_store%3Aport", "65536", storesession.ErrCorrupt},
		{"port negative", "my_store%3Aport", "-1", storesession.ErrCorrupt},
		{"address number", "my_store%3AserverAddress", "5", storesession.ErrCorrupt},
		{"address with space", "my_store%3AserverAddress", `"1.2.3.4 x"`, storesession.ErrCorrupt},
		{"entity not array", "my_store%3A5", `{}`, storesession.ErrCorrupt},
		{"entity short", "my_store%3A5", `["5","1",null,null,"x"]`, storesession.ErrCorrupt},
		{"entity id mismatch", "my_store%3A5", `["6","1",null,null,"x","1"]`, storesession.ErrCorrupt},
		{"entity bad hash", "my_store%3A5", `["5","1.5",null,null,"x","1"]`, storesession.ErrCorrupt},
		{"entity bad username", "my_store%3A5", `["5","1",7,null,"x","1"]`, storesession.ErrCorrupt},
		{"too large", "my_store%3A5", strings.Repeat(" ", storesession.MaxFileSize+1), storesession.ErrTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := edit(t, c.file, c.content)
			_, err := storesession.Read(dir, storesession.ReadOptions{})
			require.ErrorIs(t, err, c.want)
			var se *storesession.Error
			require.ErrorAs(t, err, &se)
			require.Equal(t, c.file, se.File)
			requireNoKey(t, err.Error(), 75)
			require.NotContains(t, err.Error(), nums[:40])
		})
	}

	t.Run("missing dcId", func(t *testing.T) {
		dir := copyDir(t, "testdata/my_store", "my_store")
		require.NoError(t, os.Remove(filepath.Join(dir, "my_store%3AdcId")))
		_, err := storesession.Read(dir, storesession.ReadOptions{})
		require.ErrorIs(t, err, storesession.ErrNoSession)
	})
	t.Run("missing address and port", func(t *testing.T) {
		dir := copyDir(t, "testdata/my_store", "my_store")
		require.NoError(t, os.Remove(filepath.Join(dir, "my_store%3AserverAddress")))
		require.NoError(t, os.Remove(filepath.Join(dir, "my_store%3Aport")))
		s, err := storesession.Read(dir, storesession.ReadOptions{})
		require.NoError(t, err)
		require.Empty(t, s.Session.ServerAddress)
		require.Zero(t, s.Session.Port)
		err = storesession.Write(filepath.Join(t.TempDir(), "again"), s, storesession.WriteOptions{})
		require.ErrorIs(t, err, codec.ErrMissingField)
	})
	t.Run("no session", func(t *testing.T) {
		_, err := storesession.Read(t.TempDir(), storesession.ReadOptions{})
		require.ErrorIs(t, err, storesession.ErrNoSession)
		_, err = storesession.Read("testdata/my_store", storesession.ReadOptions{Name: "other"})
		require.ErrorIs(t, err, storesession.ErrNoSession)
		_, err = storesession.Read(filepath.Join(t.TempDir(), "missing"), storesession.ReadOptions{})
		require.ErrorIs(t, err, fs.ErrNotExist)
		_, err = storesession.Read(filepath.Join("testdata/my_store", keyFile), storesession.ReadOptions{})
		require.ErrorIs(t, err, storesession.ErrNoSession)
	})
	t.Run("several sessions", func(t *testing.T) {
		dir := copyDir(t, "testdata/my_store", "my_store")
		require.NoError(t, os.WriteFile(filepath.Join(dir, "two%3AauthKey"), good, 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "two%3AdcId"), []byte("1"), 0o600))
		_, err := storesession.Read(dir, storesession.ReadOptions{})
		require.ErrorIs(t, err, storesession.ErrSeveralSessions)
		s, err := storesession.Read(dir, storesession.ReadOptions{Name: "two"})
		require.NoError(t, err)
		require.Equal(t, 1, s.Session.DC)
	})
	t.Run("symlinked key", func(t *testing.T) {
		dir := copyDir(t, "testdata/my_store", "my_store")
		target := filepath.Join(t.TempDir(), "elsewhere")
		require.NoError(t, os.WriteFile(target, good, 0o600))
		require.NoError(t, os.Remove(filepath.Join(dir, keyFile)))
		require.NoError(t, os.Symlink(target, filepath.Join(dir, keyFile)))
		_, err := storesession.Read(dir, storesession.ReadOptions{})
		require.ErrorIs(t, err, storesession.ErrCorrupt)
	})
	t.Run("unknown keys are ignored", func(t *testing.T) {
		dir := copyDir(t, "testdata/my_store", "my_store")
		require.NoError(t, os.WriteFile(filepath.Join(dir, "my_store%3AtakeoutId"), []byte("5"), 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "my_store%3A%2B5"), []byte("5"), 0o600))
		s, err := storesession.Read(dir, storesession.ReadOptions{})
		require.NoError(t, err)
		require.Equal(t, []string{"my_store%3A%2B5", "my_store%3AtakeoutId"}, s.Ignored)
	})
}

// TestSessionNamesAreURLEncoded: a name with characters outside
// [A-Za-z0-9-_.~] is percent-encoded in file names, as node-localstorage
// does (encodeURIComponent, then escape() of !'() and %2A for *), and read
// back.
func TestSessionNamesAreURLEncoded(t *testing.T) {
	s := &storesession.Session{Name: "my bot!(*)~ü", Session: &codec.Session{Info: codec.Info{DC: 1, ServerAddress: "2001:b28:f23d:f001::a", Port: 443}, Key: authKey(t, 79)}}
	dir := filepath.Join(t.TempDir(), "bot")
	require.NoError(t, storesession.Write(dir, s, storesession.WriteOptions{}))
	_, err := os.Stat(filepath.Join(dir, "my%20bot%21%28%2A%29~%C3%BC%3AauthKey"))
	require.NoError(t, err)
	got, err := storesession.Read(dir, storesession.ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, s.Name, got.Name)
	require.Equal(t, codec.Some(true), got.Session.IPv6)
	testsecret.RequireSameKey(t, s.Session.Key, got.Session.Key)
}

// TestEntityRowsAsJSONStringify: entity text is quoted exactly as
// JavaScript's JSON.stringify quotes it (short escapes for \b \f \n \r \t,
// \u00xx in lower-case hex for other control characters, non-ASCII as it
// is), null for an empty username or phone, and reads back unchanged.
func TestEntityRowsAsJSONStringify(t *testing.T) {
	e := storesession.Entity{ID: -1001234567890, Hash: -5, Name: "a\b\f\n\r\t\x01\x1f\"\\/✓<&>\u2028", Date: 1796318376207}
	s := &storesession.Session{Name: "j", Session: &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: authKey(t, 80)},
		Entities: []storesession.Entity{e, {ID: 5, Username: "bob", Phone: "1"}}}
	dir := filepath.Join(t.TempDir(), "j")
	require.NoError(t, storesession.Write(dir, s, storesession.WriteOptions{}))
	b, err := os.ReadFile(filepath.Join(dir, "j%3A-1001234567890"))
	require.NoError(t, err)
	require.Equal(t, `["-1001234567890","-5",null,null,"a\b\f\n\r\t\u0001\u001f\"\\/✓<&>`+"\u2028"+`","1796318376207"]`, string(b))
	b, err = os.ReadFile(filepath.Join(dir, "j%3A5"))
	require.NoError(t, err)
	require.Equal(t, `["5","0","bob","1","","0"]`, string(b))
	got, err := storesession.Read(dir, storesession.ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, []storesession.Entity{e, {ID: 5, Username: "bob", Phone: "1"}}, got.Entities)
}
