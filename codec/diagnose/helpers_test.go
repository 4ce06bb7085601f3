package diagnose_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// Test helpers, copied from codec's tests: the vectors and probes live in
// ../testdata beside the decoders they were made for.

// sharedVectors is where CI keeps the project's shared/ directory: beside
// the repository, so ../../../shared from this package.
const sharedVectors = "../../../shared/vectors"

// fakeTelethon is a Telethon string for DC 2, 149.154.167.51:443.
var fakeTelethon = "1ApWapzMBu2" + strings.Repeat("FhYW", 85) + "E="

// fakeGramJS is the same session as GramJS writes it.
var fakeGramJS = "1AgAOMTQ5LjE1NC4xNjcuNTEBu2" + strings.Repeat("FhYW", 85) + "E="

// fakePyrogram is a Pyrogram 2.x string for DC 2, api_id 2040, user
// 123456789.
var fakePyrogram = "AgAAB_gA" + strings.Repeat("YWFh", 85) + "YQAAAAAHW80VAA"

// vecKey is make_key(n) of docs/formats.md#vectors: an obviously fake, reproducible
// 256-byte key, the one every vector file uses.
func vecKey(n int) []byte {
	out := make([]byte, 0, 256)
	for i := 0; i < 8; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "tg-session-vector:%d:%d", n, i))
		out = append(out, sum[:]...)
	}
	return out
}

// newKey wraps b in an AuthKey.
func newKey(t testing.TB, b []byte) codec.AuthKey {
	t.Helper()
	k, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	return k
}

// vectorFiles returns the vector file copied into testdata and, when the
// shared directory is present, its original, so that both are checked.
func vectorFiles(t testing.TB, copyName, sharedName string) []string {
	t.Helper()
	files := []string{filepath.Join("..", "testdata", copyName)}
	orig := filepath.Join(sharedVectors, sharedName)
	if _, err := os.Stat(orig); err == nil {
		files = append(files, orig)
	}
	return files
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// secretWindow is the length of the windows of secret text that messages
// must not contain.
const secretWindow = 12

// requireNoLeak asserts that msg holds no part of any secret text (neither
// the whole text nor any 12-byte window of it) and none of the key's hex or
// base64 forms (nor any 12-character window of them).
func requireNoLeak(t testing.TB, msg string, texts []string, keys ...[]byte) {
	t.Helper()
	for _, k := range keys {
		if len(k) == 0 {
			continue
		}
		texts = append(texts, hex.EncodeToString(k), strings.ToUpper(hex.EncodeToString(k)),
			base64.StdEncoding.EncodeToString(k), base64.URLEncoding.EncodeToString(k))
	}
	for _, s := range texts {
		s = strings.TrimSpace(s)
		if len(s) < secretWindow {
			// Texts this short hold no key; only longer ones are checked,
			// as a digit or a word may appear in any message.
			if len(s) >= 6 && strings.Contains(msg, s) {
				require.Fail(t, "message contains a secret text")
			}
			continue
		}
		for i := 0; i+secretWindow <= len(s); i++ {
			if strings.Contains(msg, s[i:i+secretWindow]) {
				require.Fail(t, "message contains part of a secret", "window at offset %d", i)
			}
		}
	}
}

// peerProbeFile is testdata/peer_probes.json (see peers_generate.sh).
type peerProbeFile struct {
	Telethon string `json:"telethon"`
	GramJS   string `json:"gramjs"`
	Gotd     string `json:"gotd"`
	Probes   []struct {
		Label      string      `json:"label"`
		Input      string      `json:"input"`
		Telethon   peerOutcome `json:"telethon"`
		Pyrogram2  peerOutcome `json:"pyrogram2"`
		Pyrogram12 peerOutcome `json:"pyrogram1_2"`
		Pyrogram13 peerOutcome `json:"pyrogram1_3"`
		GramJS     peerOutcome `json:"gramjs"`
		Mtcute     peerOutcome `json:"mtcute"`
		Gotd       peerOutcome `json:"gotd"`
	} `json:"probes"`
}

type peerOutcome struct {
	OK       bool    `json:"ok"`
	Error    string  `json:"error"`
	DC       int     `json:"dc_id"`
	Address  *string `json:"server_address"`
	Port     *int    `json:"port"`
	HasKey   *bool   `json:"has_key"`
	KeyLen   int     `json:"key_len"`
	Addr     string  `json:"addr"`
	Old      bool    `json:"old"`
	APIID    uint32  `json:"api_id"`
	TestMode bool    `json:"test_mode"`
	UserID   uint64  `json:"user_id"`
	IsBot    bool    `json:"is_bot"`
}

func loadPeerProbes(t testing.TB) peerProbeFile {
	t.Helper()
	var f peerProbeFile
	readJSON(t, "../testdata/peer_probes.json", &f)
	require.Greater(t, len(f.Probes), 400)
	require.Contains(t, f.Telethon, "Telethon 1.25.1")
	require.Contains(t, f.GramJS, "telegram 2.26.22")
	require.Contains(t, f.Gotd, "v0.93.0")
	return f
}

func gramjsPayload(addr string, port uint16, key []byte) []byte {
	b := []byte{2}
	b = binary.BigEndian.AppendUint16(b, uint16(len(addr)))
	b = append(b, addr...)
	b = binary.BigEndian.AppendUint16(b, port)
	return append(b, key...)
}

type telethonVectorFile struct {
	Library        string `json:"library"`
	LibraryVersion string `json:"library_version"`
	StringSessions []struct {
		Name   string `json:"name"`
		Inputs struct {
			DC      int    `json:"dc_id"`
			Address string `json:"server_address"`
			Port    uint16 `json:"port"`
			KeyHex  string `json:"auth_key_hex"`
		} `json:"inputs"`
		Output  string `json:"output"`
		Decoded struct {
			DC      int    `json:"dc_id"`
			Address string `json:"server_address"`
			Port    uint16 `json:"port"`
		} `json:"telethon_decoded"`
	} `json:"string_sessions"`
	DecodeProbes []struct {
		Label   string `json:"label"`
		Input   string `json:"input"`
		Result  string `json:"result"`
		ExcType string `json:"exception_type"`
		ExcStr  string `json:"exception_str"`
		DC      int    `json:"dc_id"`
		Address string `json:"server_address"`
		Port    uint16 `json:"port"`
		KeyHex  string `json:"auth_key_hex"`
	} `json:"decode_probes"`
}

type pyrogramVectorFile struct {
	Library        string `json:"library"`
	LibraryVersion string `json:"library_version"`
	StringSessions []struct {
		Name   string `json:"name"`
		Format string `json:"format"`
		Inputs struct {
			DC       int     `json:"dc_id"`
			APIID    *uint32 `json:"api_id"`
			TestMode bool    `json:"test_mode"`
			UserID   int64   `json:"user_id"`
			IsBot    bool    `json:"is_bot"`
			KeyHex   string  `json:"auth_key_hex"`
		} `json:"inputs"`
		Output string `json:"output"`
	} `json:"string_sessions"`
	DecodeProbes []struct {
		Label    string  `json:"label"`
		Input    string  `json:"input"`
		Result   string  `json:"result"`
		ExcType  string  `json:"exception_type"`
		ExcStr   string  `json:"exception_str"`
		Format   string  `json:"format"`
		DC       int     `json:"dc_id"`
		APIID    *uint32 `json:"api_id"`
		TestMode bool    `json:"test_mode"`
		UserID   int64   `json:"user_id"`
		IsBot    bool    `json:"is_bot"`
	} `json:"decode_probes"`
}
