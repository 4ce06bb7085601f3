package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
)

// readDirFiles returns a directory's files by name, with the session-name
// prefix replaced by "NAME".
func readDirFiles(t *testing.T, dir, name string) map[string]string {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]string{}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		require.NoError(t, err)
		out[regexp.MustCompile("^"+regexp.QuoteMeta(name)).ReplaceAllString(de.Name(), "NAME")] = string(b)
	}
	return out
}

func TestGramJSStoreSessionThroughASessionFileAndBack(t *testing.T) {
	src := filepath.Join("..", "..", "storesession", "testdata", "ent_store")
	work := t.TempDir()
	sess := filepath.Join(work, "bot.session")
	_, errOut, code := runCLI(t, nil, "", "convert", "--from", "gramjs-store", src, "--to", "telethon-sqlite", "--out", sess)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "entities: 3 read, 3 written")

	out1 := filepath.Join(work, "one", "my_bot")
	require.NoError(t, os.Mkdir(filepath.Dir(out1), 0o700))
	_, errOut, code = runCLI(t, nil, "", "convert", "--to", "gramjs-store", "--out", out1, sess)
	require.Equal(t, 0, code, errOut)
	// Never over an existing session without --force.
	_, errOut, code = runCLI(t, nil, "", "convert", "--to", "gramjs-store", "--out", out1, sess)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--force")

	// GramJS's files come back, but for the milliseconds of the entity
	// dates, which a .session file does not keep.
	want := readDirFiles(t, src, "ent_store")
	got := readDirFiles(t, out1, "my_bot")
	ms := regexp.MustCompile(`"(\d{10})\d{3}"\]$`)
	for k, v := range want {
		want[k] = ms.ReplaceAllString(v, `"${1}000"]`)
	}
	require.Equal(t, want, got)

	// gramjs-store -> gramjs-store is a fixed point.
	out2 := filepath.Join(work, "two")
	_, errOut, code = runCLI(t, nil, "", "convert", "--from", "gramjs-store", out1, "--to", "gramjs-store", "--out", out2, "--name", "my_bot")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, got, readDirFiles(t, out2, "my_bot"))

	j, errOut, code := runCLI(t, nil, "", "inspect", "--json", "--from", "gramjs-store", out2)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, j, `"auth_key_id":"2bd19f693edb99b4"`)
	require.Contains(t, j, `"entities":3`)
}

func TestMtkrutoConvertsSealsAndOpensBack(t *testing.T) {
	kruto, errOut, code := runCLI(t, nil, fakeSession, "convert", "--to", "mtkruto", "--api-id", "12345", "--user-id", "777000", "--bot=false", "--test-mode=false")
	require.Equal(t, 0, code, errOut)
	j, errOut, code := runCLI(t, nil, kruto, "inspect", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, j, `"format":"mtkruto"`)
	require.Contains(t, j, `"auth_key_id":"d4f08ec480f06bdb"`)

	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	require.NoError(t, os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600))
	sealed, errOut, code := runCLI(t, nil, kruto, "seal", "-q", "-r", id.Recipient().String())
	require.Equal(t, 0, code, errOut)
	// open gives the format it was sealed from: the same MTKruto string.
	out, errOut, code := runCLI(t, nil, sealed, "open", "-i", keyFile)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, kruto, out)
	back, errOut, code := runCLI(t, nil, kruto, "convert", "--to", "telethon")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, fakeSession+"\n", back)
}
