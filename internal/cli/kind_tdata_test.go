package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
)

// tdataVectors is the committed tdata testdata (written by @mtcute/convert
// and Telegram Desktop 4.6.5), with its manifest.
var tdataVectors = filepath.Join("..", "..", "tdata", "testdata", "vectors")

type tdataManifest struct {
	Vectors []struct {
		Name     string `json:"name"`
		Dir      string `json:"dir"`
		Passcode string `json:"passcode"`
		Accounts []struct {
			Index    int    `json:"index"`
			UserID   string `json:"userId"`
			MainDC   int    `json:"mainDcId"`
			AuthKeys []struct {
				DC int    `json:"dcId"`
				ID string `json:"authKeyIdHex"`
			} `json:"authKeys"`
		} `json:"accounts"`
	} `json:"vectors"`
}

func readTdataManifest(t *testing.T) tdataManifest {
	b, err := os.ReadFile(filepath.Join(tdataVectors, "manifest.json"))
	require.NoError(t, err)
	var m tdataManifest
	require.NoError(t, json.Unmarshal(b, &m))
	require.NotEmpty(t, m.Vectors)
	return m
}

func TestInspectTdataListsEveryAccountWithEachKeyID(t *testing.T) {
	m := readTdataManifest(t)
	passFile := filepath.Join(t.TempDir(), "pass")
	for _, v := range m.Vectors {
		dir := filepath.Join(tdataVectors, v.Dir)
		require.NoError(t, os.WriteFile(passFile, []byte(v.Passcode+"\n"), 0o600))
		// The passcode from each of its three sources.
		for _, how := range []struct {
			env   map[string]string
			stdin string
			args  []string
		}{
			{map[string]string{"PASS": v.Passcode}, "", []string{"--passcode-env", "PASS"}},
			{nil, "", []string{"--passcode-file", passFile}},
			{nil, v.Passcode + "\n", nil},
		} {
			if v.Passcode == "" && how.env != nil {
				continue // an empty variable is refused as unset
			}
			args := append([]string{"inspect", "--json", "--from", "tdata", dir}, how.args...)
			out, errOut, code := runCLI(t, how.env, how.stdin, args...)
			require.Equal(t, 0, code, "%s %v: %s", v.Name, how.args, errOut)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, len(v.Accounts), v.Name)
			for i, a := range v.Accounts {
				var j struct {
					Format    string `json:"format"`
					DC        int    `json:"dc_id"`
					UserID    int64  `json:"user_id"`
					AuthKeyID string `json:"auth_key_id"`
					Account   int    `json:"account"`
					Keys      []struct {
						DC int    `json:"dc_id"`
						ID string `json:"auth_key_id"`
					} `json:"keys"`
				}
				require.NoError(t, json.Unmarshal([]byte(lines[i]), &j))
				require.Equal(t, "tdata", j.Format)
				require.Equal(t, a.Index, j.Account)
				require.Equal(t, a.MainDC, j.DC)
				require.Equal(t, a.UserID, strconv.FormatInt(j.UserID, 10))
				require.Len(t, j.Keys, len(a.AuthKeys))
				for k, key := range a.AuthKeys {
					require.Equal(t, key.DC, j.Keys[k].DC)
					require.Equal(t, key.ID, j.Keys[k].ID)
					if key.DC == a.MainDC {
						require.Equal(t, key.ID, j.AuthKeyID)
					}
				}
			}
		}
	}
}

func TestTdataWrongPasscodeIsRefusedWithHint(t *testing.T) {
	dir := filepath.Join(tdataVectors, "multi2-passcode", "tdata")
	out, errOut, code := runCLI(t, map[string]string{"PASS": "not-it"}, "", "inspect", "--from", "tdata", dir, "--passcode-env", "PASS")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "wrong passcode")
	require.Contains(t, errOut, "--passcode-file")
	require.NotContains(t, errOut, "not-it")
}

func TestConvertFromTdataDropsOtherDCKeysAndSaysSo(t *testing.T) {
	dir := filepath.Join(tdataVectors, "multi2", "tdata")
	out, errOut, code := runCLI(t, nil, "", "convert", "--from", "tdata", dir, "--account", "1", "--to", "telethon")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "DC 1 (auth_key_id 7e5919a504c33df6)")
	require.Contains(t, errOut, "dropped")
	j, errOut, code := runCLI(t, nil, out, "inspect", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, j, `"auth_key_id":"96d1b10e8f724a13"`)
	require.Contains(t, j, `"dc_id":4`)
}

// The README's three commands each way: a Telegram Desktop account to a
// Telethon .session file, and back into a new tdata folder.
func TestTdataToTelethonAndBackReadmeFlow(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(tdataVectors, "single-passcode", "tdata")
	env := map[string]string{"TDATA_PASSCODE": "tgsession"}
	sess := filepath.Join(work, "account.session")
	_, errOut, code := runCLI(t, env, "", "inspect", "--from", "tdata", src, "--passcode-env", "TDATA_PASSCODE")
	require.Equal(t, 0, code, errOut)
	_, errOut, code = runCLI(t, env, "", "convert", "--from", "tdata", src, "--passcode-env", "TDATA_PASSCODE", "--to", "telethon-sqlite", "--out", sess)
	require.Equal(t, 0, code, errOut)
	j := inspectJSONOf(t, sess)
	require.Equal(t, "32d1586ea457dfc8", j["auth_key_id"])

	out := filepath.Join(work, "tdata")
	_, errOut, code = runCLI(t, env, "", "convert", "--to", "tdata", "--out", out, "--user-id", "123456789", "--passcode-env", "TDATA_PASSCODE", "--tdesktop-version", "4.6.5", sess)
	require.Equal(t, 0, code, errOut)
	fi, err := os.Stat(filepath.Join(out, "key_datas"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	// Never over an existing tdata without --force.
	_, errOut, code = runCLI(t, env, "", "convert", "--to", "tdata", "--out", out, sess)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--force")
	jl, errOut, code := runCLI(t, env, "", "inspect", "--json", "--from", "tdata", out, "--passcode-env", "TDATA_PASSCODE")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, jl, `"auth_key_id":"32d1586ea457dfc8"`)
	require.Contains(t, jl, `"user_id":123456789`)
	require.Contains(t, jl, `"tdf_version":4006005`)
	require.Contains(t, jl, `"passcode":true`)
	_, errOut, code = runCLI(t, map[string]string{"TDATA_PASSCODE": "other"}, "", "convert", "--to", "tdata", "--out", out, "--force", "--passcode-env", "TDATA_PASSCODE", sess)
	require.Equal(t, 0, code, errOut)
	_, errOut, code = runCLI(t, env, "", "inspect", "--from", "tdata", out, "--passcode-env", "TDATA_PASSCODE")
	require.Equal(t, 1, code, "the replaced folder has the new passcode")
	require.Contains(t, errOut, "wrong passcode")
}

func TestTdataAccountSealsAndOpensAsAString(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	require.NoError(t, os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600))
	dir := filepath.Join(tdataVectors, "multi2", "tdata")
	sealed, errOut, code := runCLI(t, nil, "", "seal", "-q", "-r", id.Recipient().String(), "--from", "tdata", dir, "--account", "1")
	require.Equal(t, 0, code, errOut)
	out, errOut, code := runCLI(t, nil, sealed, "open", "-i", keyFile, "--to", "mtcute")
	require.Equal(t, 0, code, errOut)
	j, errOut, code := runCLI(t, nil, out, "inspect", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, j, `"auth_key_id":"96d1b10e8f724a13"`)
	require.Contains(t, j, `"user_id":5000000001`)
}

// TestTdataIntoAStoreNamesTdataAsWhereTheAddressWasMissing: a tdata
// account written into a store that holds the address reports the address
// as defaulted because tdata does not store it, naming tdata, not
// "unknown".
func TestTdataIntoAStoreNamesTdataAsWhereTheAddressWasMissing(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TDATA_PASSCODE": "tgsession", "STORE_URL": "sqlite:///" + filepath.Join(dir, "alchemy.db")}
	src := filepath.Join(tdataVectors, "single-passcode", "tdata")
	_, errOut, code := runCLI(t, env, "", "convert", "--from", "tdata", src, "--passcode-env", "TDATA_PASSCODE",
		"--to", "telethon-sqlalchemy", "--store-env", "STORE_URL", "--name", "desk")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "server_address: defaulted")
	require.Contains(t, errOut, "not stored by tdata")
	require.NotContains(t, errOut, "unknown")
}
