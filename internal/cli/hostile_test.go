package cli

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// noRawControls fails if s holds a control character other than the line
// breaks between messages, or any other non-printable rune.
func noRawControls(t *testing.T, what, s string) {
	t.Helper()
	for i, r := range s {
		if r == '\n' {
			continue
		}
		if r == utf8.RuneError || !(r == ' ' || unicode.IsPrint(r)) {
			t.Fatalf("%s holds a raw %U at byte %d: %q", what, r, i, s)
		}
	}
}

// hostileNames are file or table names made to drive a terminal: OSC
// (window title), CSI (clear screen, cursor moves), a bell, a bidi
// override, C1 CSI, DEL and invalid UTF-8.
var hostileNames = []string{
	"\x1b]0;pwned\x07",
	"a\x1b[2J\x1b[1;1Hb",
	"\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",
	"x\u202eexe.txt",
	"c1\u009b31m",
	"del\x7f",
	"bad\xff\xfeutf8",
	"line\nbreak",
	"tab\there\r",
}

// TestNoRawControlsFromInput: file names, table names and environment
// values from the user or from an untrusted .session file reach the
// terminal escaped, on stderr and on stdout (issue 8, item 6).
func TestNoRawControlsFromInput(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("TGSESSION_AGE_KEY", "")
	t.Setenv("TGSESSION_AGE_KEY_CMD", "")
	seal, sealOut, _ := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, seal.run([]string{"seal", "-r", testRecipient}))
	require.NoError(t, os.WriteFile("sealed.txt", sealOut.Bytes(), 0o600))
	base := mustRead(t, filepath.Join(compatTestdata, "telethon_v7.session"))
	for i, name := range hostileNames {
		// A file of that name (missing, then present but bad) and a
		// .session file with a table of that name.
		fname := strings.ReplaceAll(name, "/", "_") // a file name has no slash
		missing := "nofile-" + fname
		bad := fmt.Sprintf("bad%d-%s", i, fname)
		require.NoError(t, os.WriteFile(bad, []byte(fakeSession[:100]), 0o600))
		good := fmt.Sprintf("good%d-%s", i, fname)
		require.NoError(t, os.WriteFile(good, []byte(fakeSession), 0o600))
		db := fmt.Sprintf("table%d.session", i)
		require.NoError(t, os.WriteFile(db, base, 0o600))
		conn, err := sql.Open("sqlite", db)
		require.NoError(t, err)
		_, err = conn.Exec(`create table "` + strings.ReplaceAll(name, `"`, `""`) + `" (x)`)
		require.NoError(t, err)
		_, err = conn.Exec(`drop table sessions`)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		for _, args := range [][]string{
			{"inspect", missing},
			{"inspect", bad},
			{"inspect", "--json", bad, db},
			{"inspect", db},
			{"inspect", bad, db},
			{"inspect", good, good},           // a header line per file on stdout
			{"inspect", "--json", good, good}, // "file" keys in JSON on stdout
			{"convert", "--to", "gramjs", "--out", "out" + fname, bad, db},
			{"convert", "--to", "gramjs", "--json", "--out", "o2" + fname, bad, db},
			{"convert", "--to", "gramjs", "--in", fakeSessionFile(t), "-o", "sub" + fname + "/x.txt"},
			{"doctor", db},
			{"seal", "-R", missing},
			{"exec", "--env", "A=file:" + missing, "--", "true"},
			{"vault", "list", "--vault", missing},
		} {
			c, stdout, stderr := testCLI("", nil)
			c.run(args)
			noRawControls(t, fmt.Sprintf("stderr of %q", args), stderr.String())
			noRawControls(t, fmt.Sprintf("stdout of %q", args), stdout.String())
			require.NotEmpty(t, stderr.String()+stdout.String(), "%q", args)
		}
		// An identity file named by an environment variable.
		c, _, stderr := testCLI("", nil)
		t.Setenv("TGSESSION_AGE_KEY_FILE", missing)
		c.run([]string{"open", "--in", "sealed.txt"})
		noRawControls(t, "stderr of open", stderr.String())
		require.Contains(t, stderr.String(), "nofile-")
		t.Setenv("TGSESSION_AGE_KEY_FILE", "")
	}
	// A table name from the file is shown, escaped.
	c, _, stderr := testCLI("", nil)
	c.run([]string{"inspect", "table0.session"})
	require.Contains(t, stderr.String(), `tables \x1b]0;pwned\x07`)
	// The escapes are readable: the OSC sequence of the first name.
	c, _, stderr = testCLI("", nil)
	c.run([]string{"inspect", "nofile-" + hostileNames[0]})
	require.Equal(t, `tgsession: error: nofile-\x1b]0;pwned\x07: no such file or directory`+"\n", stderr.String())
}

// compatTestdata is package compat's testdata directory (absolute: tests
// change directory).
var compatTestdata = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..", "compat", "testdata")
}()

func fakeSessionFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.txt")
	require.NoError(t, os.WriteFile(p, []byte(fakeSession), 0o600))
	return p
}

func TestEscapeControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain text: ok":             "plain text: ok",
		"é, 日本, emoji 🙂":             "é, 日本, emoji 🙂",
		"\x1b]0;t\x07":               `\x1b]0;t\x07`,
		"a\nb\tc\rd":                 `a\nb\tc\rd`,
		"\u202e\u200b\u2028":         `\u202e\u200b\u2028`,
		"\u009b":                     `\u009b`,
		"\x7f\x00":                   `\x7f\x00`,
		"\xff\xfe":                   `\xff\xfe`,
		"\U000e0001 tag":             `\U000e0001 tag`,
		"ok\ufffd (a real U+FFFD)":   `ok\ufffd (a real U+FFFD)`,
		"non-breaking\u00a0space":    `non-breaking\u00a0space`,
		"ideographic\u3000space":     `ideographic\u3000space`,
		"bidi isolate \u2066x\u2069": `bidi isolate \u2066x\u2069`,
	} {
		require.Equal(t, want, escapeControls(in), "%q", in)
	}
}

// TestScrubNames: names the user gave survive scrub; secrets do not
// (issue 8, item 16). Every row of TestScrub still holds.
func TestScrubNames(t *testing.T) {
	for _, name := range []string{
		"$TGSESSION_AGE_KEY_FILE=garbage1m.txt: no such file",
		"TGSESSION_AGE_KEY_FILE=/home/user/.config/tgsession/keys.txt",
		"$TGSESSION_AGE_KEY_CMD (exit status 1)",
		"/tmp/TestBatchSummaryAndSkipExisting3955898328/001/in/s001.txt",
		"long/path/names/with/many/parts/like/this/one/account.session",
		"3f2a9c1e-8b4d-4e6f-9a0b-1c2d3e4f5a6b.session",
		"sessions/3F2A9C1E-8B4D-4E6F-9A0B-1C2D3E4F5A6B/account.session",
		"my-telegram-sessions-backup-2024-final.session",
		"TGSESSION_AGE_KEY_FILE_FOR_PRODUCTION_USE=keys.txt",
		"MyTelegramSessionsBackupFolder2024/x.session",
		"tgsession: api_id from --api-id was supplied to 49 of 50 inputs",
		"--env TG_SESSION=env:TG_SESSION_SEALED_PRODUCTION_ACCOUNT",
		"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
	} {
		require.Equal(t, name, scrub(name))
	}
	for _, secret := range []string{
		fakeSession,
		fakeSession[:200],
		fakeSession[1:45],
		strings.ReplaceAll(fakeSession, "-", "+"),
		"AGE-SECRET-KEY-1HSJNE97XKTMZ04UJP38E5KL0LLAY35KFCR9E2CK22KA2SFSZD4ASRHHVZJ",
		"age-secret-key-1hsjne97xktmz04ujp38e5kl0llay35kfcr9e2ck22ka2sfszd4asrhhvzj",
		strings.Repeat("deadbeef0123456789", 4)[:64],
		strings.ToUpper(strings.Repeat("deadbeef0123456789", 4)[:64]),
		"0123abcd4567ef89-0123abcd4567ef89-0123abcd",
		"Xe4tRPux4DnvXTxvZ3o4/JisQIIXYaMsIiX4GWPF/XgYJxA7eN",
		"FILE=" + fakeSession[1:60],
		"TG=" + fakeSession,
		"1AgAOMTQ5LjE1NC4xNjcuNTEBu1pP8UP96vgXwmxNOsXe4tRPux4DnvXTxvZ3o4JisQIIXY+MsIiX4GWPFXgYJxA7eN/cjZLgLDGgWjV/GkjQ",
	} {
		got := scrub("x " + secret + " y")
		require.Contains(t, got, "[redacted]", "not redacted (%d characters)", len(secret))
		require.NotContains(t, got, secret[len(secret)/2:len(secret)/2+8], "part of it survives (%d characters)", len(secret))
	}
}

// TestScrubRandomSecrets: random base64, base64url and hex of 40 to 400
// characters are always redacted (fixed seed: the test is deterministic).
func TestScrubRandomSecrets(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 16))
	alphabets := []string{
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
	}
	for range 30000 {
		n := 40 + r.IntN(360)
		var s string
		if r.IntN(4) == 0 {
			b := make([]byte, n/2)
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			s = hex.EncodeToString(b)
		} else {
			a := alphabets[r.IntN(2)]
			b := make([]byte, n)
			for i := range b {
				b[i] = a[r.IntN(64)]
			}
			s = string(b)
		}
		if got := scrub(s); !strings.Contains(got, "[redacted]") {
			t.Fatalf("a random %d-character secret was not redacted", len(s))
		}
	}
}

// TestNoPackagePrefixes: messages name the user's input, not tgsession's
// Go packages (issue 8, item 16).
func TestNoPackagePrefixes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("TGSESSION_AGE_KEY", "")
	t.Setenv("TGSESSION_AGE_KEY_CMD", "")
	t.Setenv("TGSESSION_AGE_KEY_FILE", "garbage1m.txt")
	c, stdout, _ := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"seal", "-r", testRecipient}))
	sealed := stdout.String()
	require.NoError(t, os.WriteFile("nokey.session", mustRead(t, filepath.Join(compatTestdata, "telethon_v7_nokey.session")), 0o600))
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{fakeSession[:100], []string{"inspect"}, "tgsession: error: standard input: starts with the '1' prefix"},
		{sealed, []string{"open"}, "tgsession: error: standard input: $TGSESSION_AGE_KEY_FILE=garbage1m.txt: no such file"},
		{"", []string{"inspect", "nokey.session"}, "tgsession: error: nokey.session: "},
		{"", []string{"convert", "--to", "telethon", "nokey.session"}, "tgsession: error: nokey.session: "},
		{fakeSession, []string{"convert", "--to", "telethon-sqlite", "-o", "nokey.session"}, "tgsession: error: nokey.session: output file exists"},
	} {
		c, _, stderr := testCLI(tc.stdin, nil)
		c.run(tc.args)
		e := stderr.String()
		require.Contains(t, e, tc.want, "%v", tc.args)
		for _, p := range []string{"codec: ", "compat: ", "vault: ", "safefile: "} {
			require.NotContains(t, e, p, "%v", tc.args)
		}
	}
	// The vault command keeps its own name as a prefix.
	c, _, stderr := testCLI("", nil)
	c.run([]string{"vault", "list", "--vault", "nope"})
	require.Contains(t, stderr.String(), "vault: directory nope")
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

// TestRecognizeInputs: inputs that are not session strings are named, with
// what to do, before any decoder sees them, by every command that reads a
// session (issue 8, item 13).
func TestRecognizeInputs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	c, stdout, _ := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"seal", "-r", testRecipient}))
	sealed := stdout.String()
	c, stdout, _ = testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"seal", "-r", testRecipient, "--armor"}))
	armored := stdout.String()
	c, stdout, _ = testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"seal", "-r", testRecipient, "--age"}))
	binaryAge := stdout.String()
	sqlite := string(mustRead(t, filepath.Join(compatTestdata, "telethon_v7.session")))
	utf16 := "\xff\xfe" + strings.Join(strings.Split(fakeSession, ""), "\x00") + "\x00"
	for _, tc := range []struct {
		name, in, what, hint string
	}{
		{"sealed", sealed, "a tgsession sealed value", `open it with "tgsession open"`},
		{"sealed quoted", `"` + strings.TrimSpace(sealed) + `"`, "a tgsession sealed value", ""},
		{"armored age", armored, "an armored age-encrypted file", `open it with "tgsession open"`},
		{"binary age", binaryAge, "an age-encrypted file", `open it with "tgsession open"`},
		{"identity", testIdentity + "\n", "an age identity (a secret key), not a session", "-i FILE"},
		{"identity file", "# created: 2026-01-02T10:00:00Z\n# public key: " + testRecipient + "\n" + testIdentity + "\n", "an age identity file (a secret key), not a session", ""},
		{"recipient", testRecipient + "\n", "an age recipient (a public key), not a session", "-r"},
		{"ssh public key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host\n", "an SSH public key, not a session", "--ssh"},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image", ""},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image", ""},
		{"gif", "GIF89a\x01\x00", "a GIF image", ""},
		{"pdf", "%PDF-1.7\n", "a PDF document", ""},
		{"zip", "PK\x03\x04\x14\x00", "a ZIP archive", ""},
		{"gzip", "\x1f\x8b\x08\x00", "a gzip-compressed file", "gunzip"},
		{"elf", "\x7fELF\x02\x01\x01", "an executable (ELF)", ""},
		{"utf16", utf16, "UTF-16 text", "iconv -f UTF-16 -t UTF-8"},
		{"tdata", "TDF$\x00\x00", "a Telegram Desktop (tdata) file", ""},
		{"wal", "\x37\x7f\x06\x82\x00", "an SQLite write-ahead log (a -wal file)", ""},
		{"binary", "\x00\x01\x02garbage", "binary data of an unknown kind, not a session string", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile("input", []byte(tc.in), 0o600))
			for _, args := range [][]string{
				{"inspect"}, {"inspect", "--json"}, {"convert", "--to", "telethon"}, {"doctor"},
				{"seal", "-r", testRecipient}, {"inspect", "input"}, {"convert", "--to", "gramjs", "--in", "input"},
			} {
				c, stdout, stderr := testCLI(tc.in, nil)
				require.Equal(t, exitFail, c.run(args), "%v", args)
				require.Empty(t, stdout.String())
				src := "standard input"
				if args[len(args)-1] == "input" {
					src = "input"
				}
				e := stderr.String()
				require.Contains(t, e, "tgsession: error: "+src+" is "+tc.what+"\n", "%v", args)
				if tc.hint != "" {
					require.Contains(t, e, "tgsession: hint: ", "%v", args)
					require.Contains(t, e, tc.hint, "%v", args)
				}
				require.NotContains(t, e, "base64", "%v", args)
				require.NotContains(t, e, "whitespace", "%v", args)
			}
		})
	}
	// SQLite: a file argument is read; standard input is refused with the
	// way to pass it.
	c, _, stderr := testCLI(sqlite, nil)
	require.Equal(t, exitFail, c.run([]string{"inspect"}))
	require.Equal(t, "tgsession: error: standard input is an SQLite database (a .session file), which is read from a file, not from standard input\n"+
		"tgsession: hint: pass it as a file argument: tgsession inspect FILE, tgsession convert --to FORMAT FILE\n", stderr.String())
	// Mistakes named after decoding fails: JSON that is not gotd's, a
	// Telethon or GramJS string that lost its leading "1".
	for in, hint := range map[string]string{
		`{"session": "x", "api_id": 1}`: "this is JSON, but not a gotd/td session",
		fakeSession[1:]:                 `this is a Telethon string without its leading "1"`,
		"1AgAOMTQ5LjE1NC4xNjcuNTEBu1pP8UP96vgXwmxNOsXe4tRPux4DnvXTxvZ3o4JisQIIXY+MsIiX4GWPFXgYJxA7eN/cjZLgLDGgWjV/GkjQTDNJzMI9ffgGxI9TKdJ4GJdUq0jtvB2KYzDuWuXpMleOncAmFWIZ7yzKL9On4ixQbhF79wDEHB1lvAU1bjg60zTY5K4wRBeHUT8iKcRfagP4rsRwpu39X9Sh0rHB9/9zP6d0D+S6+BZyYLa80TUY6KUtA/9eVDVAqAB+mZ0OFpMjKJHMc3T0WmkoVIb5gS1J6ID0Gw3xeVKA6agpIuFXtnLsDJ83dWpBUJFhSFYr+dNV6D5mH2bBbAHnseKuAJ9rOos="[1:]: `this is a GramJS string without its leading "1"`,
	} {
		c, _, stderr := testCLI(in, nil)
		require.Equal(t, exitFail, c.run([]string{"inspect"}))
		require.Contains(t, stderr.String(), "tgsession: hint: "+hint)
		require.NotContains(t, stderr.String(), "ApWapzMBu1pP8UP96")
	}
	// Real sessions are never taken for something else.
	for _, in := range []string{fakeSession, fakeSession + "\n", "'" + fakeSession + "'"} {
		c, _, stderr := testCLI(in, nil)
		require.Equal(t, exitOK, c.run([]string{"inspect"}), stderr.String())
	}
}

// TestCompletionScripts: each script names every command, every vault
// subcommand and every flag of every command, parses in its shell, and
// completes (bash is run) (issue 8, item 20).
func TestCompletionScripts(t *testing.T) {
	specs, err := completionSpecs()
	require.NoError(t, err)
	// The flags read from the commands are the flags their help texts
	// document.
	for _, cmd := range commands {
		for _, fl := range regexpFlags(cmd.help) {
			found := false
			for _, s := range specs {
				for _, f := range s.flags {
					if s.cmd == cmd.name && dashes(f.name) == fl {
						found = true
					}
				}
			}
			require.True(t, found, "%s %s is in the help but not in the completion tables", cmd.name, fl)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		c, stdout, stderr := testCLI("", nil)
		require.Equal(t, exitOK, c.run([]string{"completion", shell}), stderr.String())
		script := stdout.String()
		for _, cmd := range commands {
			require.Contains(t, script, cmd.name, "%s: command %s", shell, cmd.name)
		}
		for _, sub := range append(vaultSubcommands, fleetSubcommands...) {
			require.Contains(t, script, sub)
		}
		for _, name := range targetNames() {
			require.Contains(t, script, name)
		}
		for _, s := range specs {
			for _, f := range s.flags {
				want := dashes(f.name)
				if shell == "fish" {
					want = "-l " + f.name
					if len(f.name) == 1 {
						want = "-s " + f.name
					}
				}
				require.Contains(t, script, want, "%s: %s %s", shell, s.key(), f.name)
			}
		}
		path := filepath.Join(t.TempDir(), "completion."+shell)
		require.NoError(t, os.WriteFile(path, []byte(script), 0o600))
		check := map[string][]string{"bash": {"bash", "-n", path}, "zsh": {"zsh", "-n", path}, "fish": {"fish", "--no-execute", path}}[shell]
		if _, err := exec.LookPath(check[0]); err != nil {
			t.Logf("%s is not installed: syntax check of the %s script skipped (apt-get install %s to run it)", check[0], shell, check[0])
			continue
		}
		out, err := exec.Command(check[0], check[1:]...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	// bash: run the completion function.
	c, stdout, _ := testCLI("", nil)
	require.Equal(t, exitOK, c.run([]string{"completion", "bash"}))
	path := filepath.Join(t.TempDir(), "c.bash")
	require.NoError(t, os.WriteFile(path, stdout.Bytes(), 0o600))
	for words, want := range map[string]string{
		"tgsession conv":                   "convert",
		"tgsession convert --to pyrogram-": "pyrogram-legacy pyrogram-sqlite pyrogram-mongo",
		"tgsession convert --skip":         "--skip-existing",
		"tgsession vault re":               "rekey",
		"tgsession vault add --recipients": "--recipients-file",
		"tgsession exec --a":               "--api-id --as",
		"tgsession fleet le":               "leases",
		"tgsession fleet get --t":          "--test-mode --to",
		"tgsession fleet list --j":         "--json",
		"tgsession fleet rekey --require":  "--require-pq",
		"tgsession fleet import --vau":     "--vault",
		"tgsession fleet add --for":        "--force",
		"tgsession fleet leases --st":      "--store --store-env",
		"tgsession completion z":           "zsh",
		"tgsession help for":               "formats",
	} {
		script := fmt.Sprintf(`source %q; COMP_WORDS=(%s); COMP_CWORD=%d; _tgsession; echo "${COMPREPLY[*]}"`, path, words, len(strings.Fields(words))-1)
		out, err := exec.Command("bash", "-c", script).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Equal(t, want, strings.TrimSpace(string(out)), words)
	}
	// zsh and fish: the scripts load.
	if _, err := exec.LookPath("fish"); err == nil {
		c, stdout, _ := testCLI("", nil)
		require.Equal(t, exitOK, c.run([]string{"completion", "fish"}))
		p := filepath.Join(t.TempDir(), "c.fish")
		require.NoError(t, os.WriteFile(p, stdout.Bytes(), 0o600))
		out, err := exec.Command("fish", "-c", fmt.Sprintf("source %s; complete -C 'tgsession convert --skip'", p)).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Equal(t, "--skip-existing", strings.TrimSpace(string(out)))
	} else {
		t.Log("fish is not installed: fish completion not run")
	}
	if _, err := exec.LookPath("zsh"); err == nil {
		c, stdout, _ := testCLI("", nil)
		require.Equal(t, exitOK, c.run([]string{"completion", "zsh"}))
		p := filepath.Join(t.TempDir(), "c.zsh")
		require.NoError(t, os.WriteFile(p, stdout.Bytes(), 0o600))
		out, err := exec.Command("zsh", "-f", "-c", fmt.Sprintf("autoload -U compinit && compinit -u -D && source %s && print -r -- ${_comps[tgsession]}", p)).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Equal(t, "_tgsession", strings.TrimSpace(string(bytes.TrimSpace(out))))
	} else {
		t.Log("zsh is not installed: zsh completion not loaded")
	}
}

// regexpFlags returns the flags a help text documents.
func regexpFlags(help string) []string {
	var out []string
	for _, line := range strings.Split(help, "\n") {
		if !strings.HasPrefix(line, "    -") {
			continue
		}
		for _, f := range strings.Fields(strings.NewReplacer(",", " ").Replace(line)) {
			if strings.HasPrefix(f, "-") && len(f) > 1 && f != "-" && !strings.Contains(f, "=") {
				out = append(out, f)
			} else {
				break
			}
		}
	}
	return out
}
