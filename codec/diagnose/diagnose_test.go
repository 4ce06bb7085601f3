package diagnose_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/codec/diagnose"
)

// peer returns the simulated result for the library whose name starts with
// prefix.
func peer(t testing.TB, d *diagnose.Diagnosis, prefix string) diagnose.PeerResult {
	t.Helper()
	for _, p := range d.Peers {
		if strings.HasPrefix(p.Library, prefix) {
			return p
		}
	}
	t.Fatalf("no peer %q", prefix)
	return diagnose.PeerResult{}
}

// TestDiagnoseTelethonProbes: for every probe real Telethon 1.25.1 decoded
// (telethon.json), the simulated Telethon raises exactly the same exception
// or reads the same values.
func TestDiagnoseTelethonProbes(t *testing.T) {
	for _, file := range vectorFiles(t, "telethon_vectors.json", "telethon.json") {
		var vf telethonVectorFile
		readJSON(t, file, &vf)
		n := 0
		for _, p := range vf.DecodeProbes {
			if p.Input == "" && p.Label != "empty_string" {
				continue
			}
			n++
			got := peer(t, diagnose.Text(p.Input), "Telethon")
			if p.Result == "ok" {
				require.True(t, got.OK, p.Label)
				if p.DC != 0 && !strings.Contains(got.Result, "not shown") {
					require.True(t, strings.HasPrefix(got.Result, fmt.Sprintf("ok: DC %d, address %s, port %d", p.DC, p.Address, p.Port)), "%s: %s", p.Label, got.Result)
				}
				if p.Label == "all_zero_auth_key_v4" {
					require.Contains(t, got.Result, "all zeros")
				}
				continue
			}
			want := strings.TrimPrefix(p.ExcType, "builtins.") + ": " + p.ExcStr
			require.False(t, got.OK, p.Label)
			require.Equal(t, want, got.Result, p.Label)
		}
		require.Equal(t, 18, n)
	}
}

// TestDiagnosePyrogramProbes: the same for pyrogram.json's probes and the
// simulated Pyrogram 2.
func TestDiagnosePyrogramProbes(t *testing.T) {
	for _, file := range vectorFiles(t, "pyrogram_vectors.json", "pyrogram.json") {
		var vf pyrogramVectorFile
		readJSON(t, file, &vf)
		n := 0
		for _, p := range vf.DecodeProbes {
			if p.Input == "" {
				continue
			}
			n++
			got := peer(t, diagnose.Text(p.Input), "Pyrogram 2")
			if p.Result == "ok" {
				require.True(t, got.OK, p.Label)
				var want string
				if p.Format == "old" {
					want = fmt.Sprintf("ok: DC %d, test_mode %t, user_id %d, is_bot %t, no api_id", p.DC, p.TestMode, p.UserID, p.IsBot)
					require.Contains(t, got.Result, "old session string format")
				} else {
					want = fmt.Sprintf("ok: DC %d, api_id %d, test_mode %t, user_id %d, is_bot %t", p.DC, *p.APIID, p.TestMode, p.UserID, p.IsBot)
				}
				require.True(t, strings.HasPrefix(got.Result, want), "%s: %s", p.Label, got.Result)
				continue
			}
			require.False(t, got.OK, p.Label)
			require.Equal(t, p.ExcType+": "+p.ExcStr, got.Result, p.Label)
		}
		require.Equal(t, 9, n)
	}
}

// TestDiagnoseGramJSEdgeProbes checks gramjs.json's edge probes.
func TestDiagnoseGramJSEdgeProbes(t *testing.T) {
	require.Equal(t, "Error: Not a valid string", peer(t, diagnose.Text("2abc"), "GramJS").Result)
	require.True(t, strings.HasPrefix(peer(t, diagnose.Text("1!!!!"), "GramJS").Result, "Error: No more data left to read (need 1, got 0"))
}

var gramjsNoData = regexp.MustCompile(`^Error: No more data left to read \(need -?\d+, got \d+`)

// TestDiagnosePeerProbes compares every simulated library with what the
// real one did with each input of peer_probes.json: Telethon 1.25.1,
// GramJS 2.26.22, mtcute 0.29.7 and gotd v0.93.0 run for real, Pyrogram's
// decoding lines transcribed and run on CPython.
func TestDiagnosePeerProbes(t *testing.T) {
	pf := loadPeerProbes(t)
	shown := map[string]int{}
	for _, p := range pf.Probes {
		d := diagnose.Text(p.Input)
		label := p.Label

		// Telethon.
		got := peer(t, d, "Telethon")
		if p.Telethon.OK {
			require.True(t, got.OK, "%s: %s", label, got.Result)
			if !strings.Contains(got.Result, "not shown") && p.Telethon.Address != nil {
				require.True(t, strings.HasPrefix(got.Result, fmt.Sprintf("ok: DC %d, address %s, port %d", p.Telethon.DC, *p.Telethon.Address, *p.Telethon.Port)), "%s: %s", label, got.Result)
				shown["telethon"]++
			}
			if p.Telethon.HasKey != nil {
				require.Equal(t, !*p.Telethon.HasKey, strings.Contains(got.Result, "all zeros") || strings.Contains(got.Result, "without a key"), label)
			}
		} else {
			require.Equal(t, p.Telethon.Error, got.Result, label)
		}

		// Pyrogram 2.x, 1.0–1.2, 1.3–1.4.
		for _, c := range []struct {
			prefix string
			out    peerOutcome
		}{{"Pyrogram 2", p.Pyrogram2}, {"Pyrogram 1.0", p.Pyrogram12}, {"Pyrogram 1.3", p.Pyrogram13}} {
			got := peer(t, d, c.prefix)
			switch {
			case c.out.OK:
				require.True(t, got.OK, "%s %s: %s", label, c.prefix, got.Result)
				if !strings.Contains(got.Result, "not shown") {
					var want string
					if c.out.Old {
						want = fmt.Sprintf("ok: DC %d, test_mode %t, user_id %d, is_bot %t, no api_id", c.out.DC, c.out.TestMode, c.out.UserID, c.out.IsBot)
					} else {
						want = fmt.Sprintf("ok: DC %d, api_id %d, test_mode %t, user_id %d, is_bot %t", c.out.DC, c.out.APIID, c.out.TestMode, c.out.UserID, c.out.IsBot)
					}
					require.True(t, strings.HasPrefix(got.Result, want), "%s %s: %s", label, c.prefix, got.Result)
					shown["pyrogram"]++
				}
			case c.out.Error == "empty":
				require.False(t, got.OK)
				require.Contains(t, got.Result, "empty", label)
			case c.out.Error == "memory":
				require.False(t, got.OK)
				require.Contains(t, got.Result, "in-memory", label)
			case c.out.Error == "file":
				require.False(t, got.OK)
				require.Contains(t, got.Result, "session file name", label)
			default:
				require.False(t, got.OK, "%s %s", label, c.prefix)
				require.Equal(t, c.out.Error, got.Result, "%s %s", label, c.prefix)
			}
		}

		// GramJS.
		got = peer(t, d, "GramJS")
		if p.GramJS.OK {
			require.True(t, got.OK, "%s: %s", label, got.Result)
			if !strings.Contains(got.Result, "not shown") && !strings.Contains(got.Result, "not text") && p.GramJS.Address != nil {
				require.True(t, strings.HasPrefix(got.Result, fmt.Sprintf("ok: DC %d, address %s, port %d", p.GramJS.DC, *p.GramJS.Address, *p.GramJS.Port)), "%s: %s", label, got.Result)
				shown["gramjs"]++
			}
			if p.Input != "" {
				require.Equal(t, p.GramJS.KeyLen != 256, strings.Contains(got.Result, "the key is"), "%s: %s", label, got.Result)
			}
		} else if m := gramjsNoData.FindString(p.GramJS.Error); m != "" {
			require.True(t, strings.HasPrefix(got.Result, m+": "), "%s: %s vs %s", label, got.Result, m)
		} else {
			require.Equal(t, p.GramJS.Error, got.Result, label)
		}

		// mtcute.
		got = peer(t, d, "mtcute")
		switch {
		case p.Mtcute.OK:
			require.True(t, got.OK, "%s: %s", label, got.Result)
			if !strings.Contains(got.Result, "not shown") {
				require.Equal(t, fmt.Sprintf("ok: DC %d, address %s, port %d", p.Mtcute.DC, *p.Mtcute.Address, *p.Mtcute.Port), got.Result)
				shown["mtcute"]++
			}
		default:
			require.False(t, got.OK, "%s: %s", label, got.Result)
			require.Equal(t, p.Mtcute.Error, got.Result, label)
		}

		// gotd.
		got = peer(t, d, "gotd")
		if p.Gotd.OK {
			require.True(t, got.OK, label)
			if !strings.Contains(got.Result, "not shown") {
				require.Equal(t, fmt.Sprintf("ok: DC %d, Addr %s", p.Gotd.DC, p.Gotd.Addr), got.Result, label)
				shown["gotd"]++
			}
		} else {
			require.Equal(t, p.Gotd.Error, got.Result, label)
		}
	}
	// The comparisons of values actually ran.
	for _, lib := range []string{"telethon", "pyrogram", "gramjs", "gotd", "mtcute"} {
		require.Greater(t, shown[lib], 10, lib)
	}
}

// TestDiagnoseNoLeak: nothing in a Diagnosis holds any part of the text or
// key, for every probe.
func TestDiagnoseNoLeak(t *testing.T) {
	for _, p := range loadPeerProbes(t).Probes {
		if p.Input == ":memory:" {
			continue // Pyrogram's own keyword, which the result names
		}
		d := diagnose.Text(p.Input)
		b, err := json.Marshal(struct {
			F  []string
			P  []diagnose.PeerResult
			E  string
			L  string
			Fm string
		}{d.Findings, d.Peers, errString(d.Err), d.Library, d.Format.String()})
		require.NoError(t, err)
		requireNoLeak(t, string(b), []string{p.Input}, vecKey(7))
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func findings(d *diagnose.Diagnosis) string { return strings.Join(d.Findings, "\n") }

func TestDiagnoseFindings(t *testing.T) {
	key := newKey(t, vecKey(40))
	tel, err := (&codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: key}).EncodeTelethon()
	require.NoError(t, err)

	d := diagnose.Text("\"" + tel + "\"\n")
	require.True(t, d.Decodes)
	require.NoError(t, d.Err)
	require.Equal(t, codec.Telethon, d.Format)
	require.Equal(t, "Telethon", d.Library)
	require.Contains(t, findings(d), "trailing newline")
	require.Contains(t, findings(d), "double quotes")
	require.Contains(t, findings(d), "decodes as telethon")
	require.Equal(t, "ValueError: Not a valid string", peer(t, d, "Telethon").Result)

	// A Telethon string given to Pyrogram 2.
	d = diagnose.Text(tel)
	require.Equal(t, "struct.error: unpack requires a buffer of 271 bytes", peer(t, d, "Pyrogram 2").Result)
	require.Contains(t, peer(t, d, "Telethon").Result, "ok: DC 2, address 149.154.167.51, port 443")
	require.Contains(t, peer(t, d, "gotd").Result, "ok: DC 2, Addr 149.154.167.51:443")
	require.Equal(t, "Error: Invalid session string (version = 212)", peer(t, d, "mtcute").Result)

	// Padding stripped: we decode it; Telethon does not.
	d = diagnose.Text(strings.TrimRight(tel, "="))
	require.True(t, d.Decodes)
	require.Contains(t, findings(d), "no '=' padding")
	require.Equal(t, "binascii.Error: Incorrect padding", peer(t, d, "Telethon").Result)
	require.True(t, strings.HasPrefix(peer(t, d, "GramJS").Result, "Error: No more data left to read (need -27238"))

	// A GramJS browser session: host name, and the 14-character case.
	gj, err := (&codec.Session{Info: codec.Info{DC: 4, ServerAddress: "vesta.web.telegram.org", Port: 443}, Key: key}).EncodeGramJS()
	require.NoError(t, err)
	d = diagnose.Text(gj)
	require.Equal(t, codec.GramJS, d.Format)
	require.Contains(t, findings(d), "host name")
	require.Contains(t, findings(d), "standard base64 alphabet")
	require.Equal(t, "struct.error: unpack requires a buffer of 275 bytes", peer(t, d, "Telethon").Result)
	gj14, err := (&codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: key}).EncodeGramJS()
	require.NoError(t, err)
	d = diagnose.Text(gj14)
	require.Equal(t, codec.GramJS, d.Format)
	require.Contains(t, findings(d), "garbled IPv6")
	tp := peer(t, d, "Telethon")
	require.True(t, tp.OK)
	require.Equal(t, "ok: DC 2, address e:3134:392e:3135:342e:3136:372e:3531, port 443 (a garbled address: these bytes are GramJS's address length and text)", tp.Result)

	// GramJS port ≥ 32768 and DC outside 1–5.
	big := "1" + base64.StdEncoding.EncodeToString(gramjsPayload("149.154.167.91", 40000, vecKey(40)))
	d = diagnose.Text(big)
	require.True(t, d.Decodes)
	require.Contains(t, findings(d), "reads it as -25536")
	require.Contains(t, peer(t, d, "GramJS").Result, "port -25536")
	d = diagnose.Text("1" + base64.StdEncoding.EncodeToString(append([]byte{9}, gramjsPayload("1.2.3.4", 443, vecKey(40))[1:]...)))
	require.Contains(t, findings(d), "DC id 9 is not one of the production DCs")

	// Pyrogram old 32-bit with padding.
	old, err := (&codec.Session{Info: codec.Info{DC: 2, UserID: codec.Some[int64](0)}, Key: key}).EncodePyrogramLegacy()
	require.NoError(t, err)
	d = diagnose.Text(old + "=")
	require.True(t, d.Decodes)
	require.Contains(t, findings(d), "has '=' padding")
	require.Contains(t, findings(d), "user id 0")
	require.Equal(t, "struct.error: unpack requires a buffer of 271 bytes", peer(t, d, "Pyrogram 2").Result)
	require.True(t, peer(t, diagnose.Text(old), "Pyrogram 2").OK)

	// Failures: the likely library, also for texts that use neither
	// alphabet's special characters.
	d = diagnose.Text(tel[:200])
	require.False(t, d.Decodes)
	require.Error(t, d.Err)
	require.Equal(t, codec.Telethon, d.Format)
	require.Equal(t, codec.Telethon, diagnose.Text(fakeTelethon[:200]).Format)
	require.Equal(t, codec.GramJS, diagnose.Text(fakeGramJS[:200]).Format)
	require.Equal(t, codec.Pyrogram, diagnose.Text(fakePyrogram[:360]).Format)
	v2, err := (&codec.Session{Info: codec.Info{DC: 2, UserID: codec.Some[int64](1), APIID: codec.Some[uint32](5)}, Key: key}).EncodePyrogram()
	require.NoError(t, err)
	d = diagnose.Text(v2[:361])
	require.False(t, d.Decodes)
	require.Equal(t, codec.Pyrogram, d.Format)
	d = diagnose.Text(v2[:100] + "\n" + v2[100:])
	require.False(t, d.Decodes)
	require.ErrorIs(t, d.Err, codec.ErrBadCharacter)
	require.Contains(t, findings(d), "whitespace inside the text at character 100")

	for text, want := range map[string]string{
		"tgsession-age-v1:YWdlLWVuY3J5cHRpb24":     "tgsession sealed value",
		"age-encryption.org/v1\n-> X25519 abc":     "age-encrypted file",
		"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl": "armored age",
		`{"Version":2}`:       "looks like JSON",
		"SQLite format 3\x00": ".session database",
	} {
		d := diagnose.Text(text)
		require.Contains(t, findings(d), want, text)
		require.False(t, d.Decodes)
	}
	d = diagnose.Text("")
	require.ErrorIs(t, d.Err, codec.ErrEmpty)
	require.True(t, peer(t, d, "Telethon").OK)
	d = diagnose.Text(strings.Repeat("A", 1<<20))
	require.ErrorIs(t, d.Err, codec.ErrTooLarge)
	require.Nil(t, d.Peers)
}

func TestExplainLibraryError(t *testing.T) {
	for msg, want := range map[string]string{
		"struct.error: unpack requires a buffer of 263 bytes":                                                   "Pyrogram 1.0–1.2",
		"unpack requires a buffer of 267 bytes":                                                                 "old 64-bit",
		"struct.error: unpack requires a buffer of 271 bytes":                                                   "Pyrogram 2",
		"Unpack requires a buffer of 275 bytes":                                                                 "Telethon",
		"unpack requires a buffer of 100 bytes":                                                                 "wrong length",
		"ValueError: Not a valid string":                                                                        "prefix '1'",
		"binascii.Error: Incorrect padding":                                                                     "stripped",
		"Error: No more data left to read (need -27238, got 0)":                                                 "GramJS",
		"Invalid session string (version = 212)":                                                                "Telethon or GramJS string",
		"Invalid session string (version = 3)":                                                                  "Pyrogram string for DC 3",
		"Invalid session string (version = 1)":                                                                  "mtcute v1/v2",
		"Invalid session string (version = undefined)":                                                          "empty",
		"sqlite3.OperationalError: no such column: version":                                                     "Pyrogram .session",
		"no such column: number":                                                                                "Telethon .session",
		"table entities has 6 columns but 5 values were supplied":                                               "date",
		"decode hex: illegal base64 data at input byte 348":                                                     "gotd",
		"decoded hex has invalid length: 271":                                                                   "gotd",
		"RangeError: The value of \"value\" is out of range. It must be >= -32768 and <= 32767. Received 40000": "32767",
		"RangeError: Offset is outside the bounds of the DataView":                                              "old 32-bit",
		"'venus.web.telegram.org' does not appear to be an IPv4 or IPv6 address":                                "host name",
		"AUTH_KEY_UNREGISTERED":                                                                                 "not a format problem",
		"Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4":    "truncated",
	} {
		got, ok := diagnose.LibraryError(msg)
		require.True(t, ok, msg)
		require.Contains(t, got, want, msg)
	}
	_, ok := diagnose.LibraryError("connection reset by peer")
	require.False(t, ok)
}
