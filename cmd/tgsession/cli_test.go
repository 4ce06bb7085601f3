package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeSession is a real Telethon vector with a fake key (make_key(2) in
// /work/shared/vectors/telethon.json).
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

var _ = io.Discard
