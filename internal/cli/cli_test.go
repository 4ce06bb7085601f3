package cli

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/internal/testsecret"
	_ "modernc.org/sqlite"
)

// fakeSession is a real Telethon vector with a fake key (make_key(2) in
// the shared telethon.json vectors, docs/formats.md#vectors).
const fakeSession = "1ApWapzMBu1pP8UP96vgXwmxNOsXe4tRPux4DnvXTxvZ3o4JisQIIXY-MsIiX4GWPFXgYJxA7eN_cjZLgLDGgWjV_GkjQTDNJzMI9ffgGxI9TKdJ4GJdUq0jtvB2KYzDuWuXpMleOncAmFWIZ7yzKL9On4ixQbhF79wDEHB1lvAU1bjg60zTY5K4wRBeHUT8iKcRfagP4rsRwpu39X9Sh0rHB9_9zP6d0D-S6-BZyYLa80TUY6KUtA_9eVDVAqAB-mZ0OFpMjKJHMc3T0WmkoVIb5gS1J6ID0Gw3xeVKA6agpIuFXtnLsDJ83dWpBUJFhSFYr-dNV6D5mH2bBbAHnseKuAJ9rOos="

// testCLI returns a cli with in-memory streams and the given environment.
func testCLI(stdin string, env map[string]string) (*cli, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	c := newCLI(strings.NewReader(stdin), &stdout, &stderr, func(k string) string { return env[k] })
	c.environ = func() []string {
		var out []string
		for k, v := range env {
			out = append(out, k+"="+v)
		}
		return out
	}
	c.isTerminal = func(any) bool { return false }
	c.execve = func(string, []string, []string) error { return errors.New("execve not allowed in tests") }
	return c, &stdout, &stderr
}

func TestScrub(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"open x: no such file", "open x: no such file"},
		{"/tmp/TestBatchProgress2962157837/001/in/s000.txt: ok", "/tmp/TestBatchProgress2962157837/001/in/s000.txt: ok"},
		// A GramJS (standard base64) session has '/' but long parts.
		{"x 1AgAOMTQ5LjE1NC4xNjcuNTEBu1pP8UP96vgXwmxNOsXe4tRPux4DnvXTxvZ3o4JisQIIXY+MsIiX4GWPFXgYJxA7eN/cjZLgLDGgWjV/GkjQ y", "x [redacted] y"},
		{"bad " + fakeSession + " here", "bad [redacted] here"},
		{"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", "[redacted]"},
		// Public recipients are let through.
		{"to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", "to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"},
		// An age1 prefix does not let other text through.
		{"age1ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ", "[redacted]"},
		{"/home/user/sessions/account.session", "/home/user/sessions/account.session"},
	} {
		require.Equal(t, tc.want, scrub(tc.in))
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	c, _, _ := testCLI("", nil)
	fs := newFlagSet(convertCmd)
	to := fs.String("to", "", "")
	out := fs.String("out", "", "")
	force := fs.Bool("force", false, "")
	pos, err := c.parseFlags(convertCmd, fs, []string{"--to", "telethon", "a.session", "b.session", "--out", "dir", "--", "--force", "c"}, true)
	require.NoError(t, err)
	require.Equal(t, "telethon", *to)
	require.Equal(t, "dir", *out)
	require.False(t, *force, "--force after -- is positional")
	require.Equal(t, []string{"a.session", "b.session", "--force", "c"}, pos)
}

func TestReadCapped(t *testing.T) {
	b, err := readCapped(strings.NewReader(strings.Repeat("a", maxTextInput)), maxTextInput)
	require.NoError(t, err)
	require.Len(t, b, maxTextInput)

	_, err = readCapped(strings.NewReader(strings.Repeat("a", maxTextInput+1)), maxTextInput)
	require.ErrorIs(t, err, errTooLarge)

	// An endless reader stops at the cap.
	f, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip("no /dev/zero")
	}
	defer f.Close()
	_, err = readCapped(f, maxTextInput)
	require.ErrorIs(t, err, errTooLarge)
}

func TestStdinTooLarge(t *testing.T) {
	c, stdout, stderr := testCLI(strings.Repeat(fakeSession, 200), nil)
	code := c.run([]string{"inspect"})
	require.Equal(t, exitFail, code)
	require.Empty(t, stdout.String())
	require.Contains(t, stderr.String(), "larger than 64 KiB")
	require.NotContains(t, stderr.String(), fakeSession[:40])
	require.Equal(t, 1, strings.Count(stderr.String(), "error:"))
}

// TestNoSecretInHelp checks that help, usage and version text never
// contain anything that looks like key material.
func TestNoSecretInHelp(t *testing.T) {
	args := [][]string{{"help"}, {"version"}}
	for _, cmd := range commands {
		args = append(args, []string{"help", cmd.name})
	}
	for _, a := range args {
		c, stdout, stderr := testCLI("", nil)
		require.Equal(t, exitOK, c.run(a), "%v", a)
		out := stdout.String() + stderr.String()
		require.NotEmpty(t, out)
		require.Equal(t, out, scrub(out), "help for %v contains a long base64-like run", a)
	}
}

func TestPastedCRLF(t *testing.T) {
	for _, in := range []string{
		fakeSession + "\r\n",
		"\ufeff" + fakeSession + "\n",
		"'" + fakeSession + "'\n",
		"\t " + fakeSession + " \r\n",
	} {
		c, stdout, stderr := testCLI(in, nil)
		require.Equal(t, exitOK, c.run([]string{"inspect", "--json"}), stderr.String())
		require.Contains(t, stdout.String(), `"auth_key_id":"d4f08ec480f06bdb"`)
	}
}

func TestSecretToTerminalHint(t *testing.T) {
	c, stdout, stderr := testCLI(fakeSession, nil)
	c.isTerminal = func(v any) bool { return v == c.stdout }
	require.Equal(t, exitOK, c.run([]string{"convert", "--to", "telethon"}))
	testsecret.RequireSameText(t, fakeSession+"\n", stdout.String(), "the contract: convert writes the string to stdout")
	require.Contains(t, stderr.String(), "tgsession: hint: the output is a secret")

	// Not on a pipe.
	c, _, stderr = testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"convert", "--to", "telethon"}))
	require.Empty(t, stderr.String())
}

const testRecipient = "age1xl0pyhv39dcwzxa9jxx9lwu7wua7dqxcx25kz36fpvwauuxquf8sz66yr3"

func TestSealBinaryToTerminal(t *testing.T) {
	c, stdout, stderr := testCLI(fakeSession, nil)
	c.isTerminal = func(v any) bool { return v == c.stdout }
	require.Equal(t, exitFail, c.run([]string{"seal", "-r", testRecipient, "--age"}))
	require.Empty(t, stdout.String())
	require.Contains(t, stderr.String(), "refusing to write binary output to the terminal")

	// Armored and single-line text are fine on a terminal.
	for _, form := range [][]string{{"--armor"}, nil} {
		c, stdout, stderr = testCLI(fakeSession, nil)
		c.isTerminal = func(v any) bool { return v == c.stdout }
		require.Equal(t, exitOK, c.run(append([]string{"seal", "-r", testRecipient}, form...)), stderr.String())
		require.NotEmpty(t, stdout.String())
	}

	// --force overrides the refusal.
	c, stdout, _ = testCLI(fakeSession, nil)
	c.isTerminal = func(v any) bool { return v == c.stdout }
	require.Equal(t, exitOK, c.run([]string{"seal", "-r", testRecipient, "--age", "--force"}))
	require.True(t, strings.HasPrefix(stdout.String(), "age-encryption.org/v1\n"))
}

// TestNoEchoOfFlagValues passes a session as the value of every flag of
// every command (taken from the help texts) and checks that no output
// contains it.
func TestNoEchoOfFlagValues(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	// Keep vault subcommands away from any real vault and key file.
	t.Setenv("TGSESSION_VAULT_DIR", filepath.Join(dir, "vault"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("TGSESSION_AGE_KEY", "")
	t.Setenv("TGSESSION_AGE_KEY_FILE", "")
	t.Setenv("TGSESSION_AGE_KEY_CMD", "")
	flagRe := regexp.MustCompile(`(?m)^\s+(?:-[a-zA-Z], )?(--?[a-z][a-z-]*)`)
	// A secret unlike the session on stdin, which convert may print.
	secret := "Zm9vYmFyYmF6cXV4c2VjcmV0a2V5bWF0ZXJpYWxoZXJlMTIzNDU2Nzg5MGFiY2RlZg"
	for _, cmd := range commands {
		var sub [][]string
		if cmd.name == "vault" {
			for _, s := range []string{"add", "get", "list", "rm", "rekey"} {
				sub = append(sub, []string{"vault", s, "x"})
			}
		} else {
			sub = [][]string{{cmd.name}}
		}
		for _, m := range flagRe.FindAllStringSubmatch(cmd.help, -1) {
			fl := m[1]
			for _, base := range sub {
				for _, args := range [][]string{
					append(append([]string{}, base...), fl+"="+secret),
					append(append([]string{}, base...), fl, secret, "--to", "telethon"),
					append(append([]string{}, base...), "--to", "telethon", fl, "NAME="+secret),
				} {
					c, stdout, stderr := testCLI(fakeSession, nil)
					c.run(args)
					require.NotContains(t, stderr.String(), secret[:30], "%v", args[:len(base)+1])
					require.NotContains(t, stdout.String(), secret[:30], "%v", args[:len(base)+1])
				}
			}
		}
	}
}

// TestNoEchoOfBadInput feeds damaged sessions to the commands that read
// them and checks that errors are one line and hold no part of the input.
func TestNoEchoOfBadInput(t *testing.T) {
	bad := []string{
		fakeSession[:200],
		fakeSession + "A",
		fakeSession[:100] + " " + fakeSession[100:],
		fakeSession[:100] + "\n" + fakeSession[100:],
		strings.Replace(fakeSession, "_", "/", 1),
		"2" + fakeSession[1:],
		fakeSession[:300] + "!" + fakeSession[301:],
		strings.Repeat(fakeSession[1:], 3),
	}
	cmds := [][]string{
		{"inspect"}, {"inspect", "--json"}, {"convert", "--to", "pyrogram"},
		{"convert", "--to", "telethon"}, {"seal", "-r", testRecipient},
		{"doctor"}, {"inspect", "--from", "pyrogram"},
	}
	for _, in := range bad {
		for _, args := range cmds {
			c, stdout, stderr := testCLI(in, nil)
			code := c.run(args)
			require.Equal(t, exitFail, code, "%v", args)
			e := stderr.String()
			require.Equal(t, 1, strings.Count(e, "tgsession: error: "), "%v: %s", args, e)
			for i := 0; i+16 <= len(in); i += 8 {
				frag := in[i : i+16]
				if strings.ContainsAny(frag, " \n") {
					continue
				}
				require.NotContains(t, e, frag, "%v", args)
				require.NotContains(t, stdout.String(), frag, "%v", args)
			}
		}
	}
}

const testIdentity = "AGE-SECRET-KEY-1HSJNE97XKTMZ04UJP38E5KL0LLAY35KFCR9E2CK22KA2SFSZD4ASRHHVZJ" // test key, scripts only

// TestExecEnvironment checks exactly what exec hands to execve.
func TestExecEnvironment(t *testing.T) {
	c, stdout, stderr := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"seal", "-r", testRecipient}), stderr.String())
	sealed := strings.TrimSpace(stdout.String())

	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TGSESSION_AGE_KEY", testIdentity)
	t.Setenv("SEALED", sealed)
	env := map[string]string{
		"PATH":                   os.Getenv("PATH"),
		"KEEP":                   "1",
		"SEALED":                 sealed,
		"TGSESSION_AGE_KEY":      testIdentity,
		"TGSESSION_AGE_KEY_FILE": "/nonexistent",
		"TGSESSION_AGE_KEY_CMD":  "false",
	}
	c, _, stderr = testCLI("", env)
	var gotPath string
	var gotArgv, gotEnv []string
	c.execve = func(path string, argv, env []string) error {
		gotPath, gotArgv, gotEnv = path, argv, env
		return nil
	}
	require.Equal(t, exitOK, c.run([]string{"exec", "--env", "TG=env:SEALED", "--as", "gramjs", "--", "sh", "-c", "true"}), stderr.String())
	require.Equal(t, []string{"sh", "-c", "true"}, gotArgv)
	require.True(t, filepath.IsAbs(gotPath))
	var names []string
	for _, kv := range gotEnv {
		k, _, _ := strings.Cut(kv, "=")
		names = append(names, k)
	}
	require.ElementsMatch(t, []string{"PATH", "KEEP", "TG"}, names)
	var tg string
	for _, kv := range gotEnv {
		if v, ok := strings.CutPrefix(kv, "TG="); ok {
			tg = v
		}
	}
	testsecret.RequireSameText(t, "1AgAOMTQ5LjE1NC4xNjcuNTEBu1pP8UP96vgXwmxNOsXe4tRPux4DnvXTxvZ3o4JisQIIXY+MsIiX4GWPFXgYJxA7eN/cjZLgLDGgWjV/GkjQTDNJzMI9ffgGxI9TKdJ4GJdUq0jtvB2KYzDuWuXpMleOncAmFWIZ7yzKL9On4ixQbhF79wDEHB1lvAU1bjg60zTY5K4wRBeHUT8iKcRfagP4rsRwpu39X9Sh0rHB9/9zP6d0D+S6+BZyYLa80TUY6KUtA/9eVDVAqAB+mZ0OFpMjKJHMc3T0WmkoVIb5gS1J6ID0Gw3xeVKA6agpIuFXtnLsDJ83dWpBUJFhSFYr+dNV6D5mH2bBbAHnseKuAJ9rOos=", tg, "the child's TG")
	// The sealed variable was also removed from this process.
	_, ok := os.LookupEnv("SEALED")
	require.False(t, ok)
}

// TestExitCodes checks the exit status classes: 0 success, 1 bad input or
// failure, 2 usage error. (testscript's "! exec" cannot tell 1 from 2.)
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("TGSESSION_VAULT_DIR", filepath.Join(dir, "vault"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("TGSESSION_AGE_KEY", "")
	require.NoError(t, os.WriteFile("exists.txt", []byte("x"), 0o600))
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
	}{
		{fakeSession, []string{"inspect"}, exitOK},
		{fakeSession, []string{"convert", "--to", "gramjs"}, exitOK},
		{fakeSession, []string{"doctor"}, exitOK},
		{"", []string{"version"}, exitOK},
		{"", []string{"help", "convert"}, exitOK},
		{"", []string{"convert", "-h"}, exitOK},

		{"", nil, exitUsage},
		{"", []string{"nope"}, exitUsage},
		{"", []string{"help", "nope"}, exitUsage},
		{fakeSession, []string{"inspect", "--nope"}, exitUsage},
		{fakeSession, []string{"convert"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "nope"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "pyrogram", "--api-id", "x"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "telethon-sqlite"}, exitUsage},
		{fakeSession, []string{"inspect", "--from", "nope"}, exitUsage},
		{fakeSession, []string{"inspect", "--in", "a", "b"}, exitUsage},
		{fakeSession, []string{"seal"}, exitUsage},
		{fakeSession, []string{"seal", "-r", testRecipient, "--age", "--armor"}, exitUsage},
		{fakeSession, []string{"seal", "-r", testIdentity}, exitUsage},
		{"", []string{"open", "-i", "-"}, exitUsage},
		{"", []string{"exec", "--", "true"}, exitUsage},
		{"", []string{"exec", "--env", "A=x"}, exitUsage},
		{"", []string{"vault"}, exitUsage},
		{"", []string{"vault", "nope"}, exitUsage},
		{"", []string{"vault", "add"}, exitUsage},
		{"", []string{"vault", "add", "x"}, exitUsage},
		{"", []string{"vault", "rekey"}, exitUsage},

		{fakeSession[:100], []string{"inspect"}, exitFail},
		{"", []string{"inspect"}, exitFail},
		{fakeSession, []string{"convert", "--to", "pyrogram"}, exitFail},
		{fakeSession, []string{"convert", "--to", "gramjs", "-o", "exists.txt"}, exitFail},
		{fakeSession, []string{"inspect", "missing.txt"}, exitFail},
		{fakeSession[:100], []string{"doctor"}, exitFail},
		{"hello", []string{"doctor", "--explain"}, exitFail},
		{fakeSession, []string{"open", "-i", "missing.txt"}, exitFail},
		{"tgsession-age-v1:AAAA", []string{"open"}, exitFail},
		{"", []string{"vault", "list"}, exitFail},
		{"", []string{"exec", "--env", "A=env:UNSET_VAR_X", "--", "true"}, exitFail},

		// Issue 8: every flag acts or is refused (usage errors), and what
		// an input is is said before decoding (input errors).
		{fakeSession, []string{"convert", "--to", "gramjs", "--dc", "2"}, exitUsage},
		{fakeSession, []string{"inspect", "--dc", "2"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "gramjs", "--json"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "gramjs", "--force"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "gramjs", "--skip-existing"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "gramjs", "-o", "x", "--force", "--skip-existing"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "pyrogram", "--user-id", "1", "--user-ids", "f"}, exitUsage},
		{fakeSession, []string{"convert", "--to", "pyrogram", "--user-ids", "missing.txt", "-o", "x"}, exitUsage},
		{"", []string{"convert", "--to", "pyrogram", "--user-id", "1", "--out", "d", "exists.txt", "exists.txt"}, exitUsage},
		{fakeSession, []string{"inspect", "--from", "telethon-sqlite"}, exitUsage},
		{"", []string{"exec", "--env", "A=env:X", "--label", "l", "--", "true"}, exitUsage},
		{"", []string{"exec", "--env", "A=file:x", "--vault", "v", "--", "true"}, exitUsage},
		{"", []string{"conver"}, exitUsage},
		{"", []string{"formats", "x"}, exitUsage},
		{"", []string{"completion"}, exitUsage},
		{"", []string{"completion", "tcsh"}, exitUsage},
		{"", []string{"-v"}, exitOK},
		{"", []string{"formats"}, exitOK},
		{"", []string{"completion", "bash"}, exitOK},
		{"tgsession-age-v1:AAAA", []string{"inspect"}, exitFail},
		{"\x89PNG\r\n\x1a\n", []string{"convert", "--to", "gramjs"}, exitFail},
		{fakeSession, []string{"convert", "--to", "gramjs", "-o", "/dev/stdout"}, exitFail},
		{"", []string{"inspect", "/dev/zero"}, exitFail},
	} {
		c, _, stderr := testCLI(tc.stdin, nil)
		require.Equal(t, tc.code, c.run(tc.args), "%v: %s", tc.args, stderr.String())
		if tc.code != exitOK && tc.args != nil { // no arguments: the usage text
			require.Contains(t, stderr.String(), "tgsession: error: ", "%v", tc.args)
		}
	}
}

// TestMultiDCFile checks --dc on a Telethon file that holds keys for two
// DCs (made here from compat's vector by adding a row).
func TestMultiDCFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "multi.session")
	b, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", "telethon_v7.session"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	key := bytes.Repeat([]byte{'a'}, 256) // fake key, as in gotd's tests
	_, err = db.Exec("insert into sessions values (4, '149.154.167.91', 443, ?, NULL)", key)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	c, stdout, stderr := testCLI("", nil)
	require.Equal(t, exitFail, c.run([]string{"inspect", path}))
	require.Contains(t, stderr.String(), "tgsession: hint: choose one with --dc N")
	require.Empty(t, stdout.String())

	c, stdout, stderr = testCLI("", nil)
	require.Equal(t, exitOK, c.run([]string{"inspect", "--json", "--dc", "4", path}), stderr.String())
	require.Contains(t, stdout.String(), `"dc_id":4,"server_address":"149.154.167.91"`)

	c, stdout, stderr = testCLI("", nil)
	require.Equal(t, exitOK, c.run([]string{"convert", "--to", "telethon", "--dc", "2", path}), stderr.String())
	require.Contains(t, stderr.String(), "other_dc_keys: dropped")
	c2, stdout2, _ := testCLI(stdout.String(), nil)
	require.Equal(t, exitOK, c2.run([]string{"inspect", "--json"}))
	require.Contains(t, stdout2.String(), `"auth_key_id":"19680f57549f0ca9"`)
}
