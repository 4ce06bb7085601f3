package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/fleetopen"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// fleetBackends returns the fleet store locations to test: a directory
// always, Redis and PostgreSQL when their test URLs are set, each under a
// unique namespace (set in fleetNamespace for the test) that is removed at
// the end.
func fleetBackends(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"dir": filepath.Join(t.TempDir(), "fleet")}
	for name, env := range map[string]string{"redis": "TGSESSION_TEST_REDIS_URL", "postgres": "TGSESSION_TEST_POSTGRES_URL"} {
		if u := os.Getenv(env); u != "" {
			out[name] = u
		}
	}
	return out
}

// useFleet sets a unique namespace for loc and removes every session
// left in it at the end.
func useFleet(t *testing.T, loc string) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	old := fleetNamespace
	fleetNamespace = "tgs_clitest_" + hex.EncodeToString(b)
	ns := fleetNamespace
	t.Cleanup(func() {
		fleetNamespace = old
		st, err := fleetopen.Open(context.Background(), loc, fleetopen.Options{Namespace: ns})
		if err != nil {
			return
		}
		defer st.Close()
		p, err := st.List(context.Background(), fleet.ListOptions{Limit: fleet.MaxPageSize})
		if err != nil {
			return
		}
		for _, e := range p.Entries {
			if l, err := st.Acquire(context.Background(), e.Name, "cleanup", fleet.MinTTL*100); err == nil {
				_ = st.Release(context.Background(), l)
			}
			_ = st.Delete(context.Background(), e.Name)
		}
		if strings.HasPrefix(loc, "postgres") {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if c, err := pgx.Connect(ctx, loc); err == nil {
				_, _ = c.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{ns}.Sanitize()+` CASCADE`)
				c.Close(ctx)
			}
		}
	})
}

// fleetRun runs the CLI with stdin and env (the store in
// TGSESSION_FLEET_URL), returning the status and both streams.
func fleetRun(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	c, stdout, stderr := testCLI(stdin, env)
	code := c.run(args)
	testsecret.RequireNotContains(t, stderr.String(), fakeSession, "stderr")
	testsecret.RequireNotContains(t, stderr.String(), testIdentity, "stderr")
	return code, stdout.String(), stderr.String()
}

// TestFleetAddGetListRmRoundTrip: on every backend a session added to the
// fleet is listed with its metadata (never its bytes), opens with the
// key search to the same session, and is gone after rm.
func TestFleetAddGetListRmRoundTrip(t *testing.T) {
	for backend, loc := range fleetBackends(t) {
		t.Run(backend, func(t *testing.T) {
			useFleet(t, loc)
			t.Setenv("TGSESSION_AGE_KEY", testIdentity)
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			env := map[string]string{envFleetURL: loc}

			code, _, stderr := fleetRun(t, fakeSession, env, "fleet", "add", "bot-1", "-r", testRecipient, "--meta", "team=ops")
			require.Equal(t, exitOK, code, stderr)
			code, _, stderr = fleetRun(t, fakeSession, env, "fleet", "add", "bot-1", "-r", testRecipient)
			require.Equal(t, exitFail, code, "adding an existing name without --force")
			require.Contains(t, stderr, "--force")

			code, stdout, stderr := fleetRun(t, "", env, "fleet", "list", "--json")
			require.Equal(t, exitOK, code, stderr)
			testsecret.RequireNotContains(t, stdout, fakeSession, "fleet list --json")
			var e struct {
				Name       string            `json:"name"`
				AuthKeyID  string            `json:"auth_key_id"`
				Recipients []string          `json:"recipients"`
				Labels     map[string]string `json:"labels"`
				Lease      *fleetLeaseJSON   `json:"lease"`
			}
			require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(stdout)), &e))
			require.Equal(t, "bot-1", e.Name)
			require.Len(t, e.AuthKeyID, 16)
			require.Equal(t, []string{testRecipient}, e.Recipients)
			require.Equal(t, map[string]string{"team": "ops"}, e.Labels)
			require.Nil(t, e.Lease)

			code, stdout, stderr = fleetRun(t, "", env, "fleet", "get", "bot-1", "--to", "telethon")
			require.Equal(t, exitOK, code, stderr)
			testsecret.RequireSameText(t, fakeSession, strings.TrimSpace(stdout), "fleet get")

			code, stdout, stderr = fleetRun(t, "", env, "fleet", "leases", "--json")
			require.Equal(t, exitOK, code, stderr)
			require.Empty(t, stdout, "no live lease")

			code, _, stderr = fleetRun(t, "", env, "fleet", "rm", "bot-1")
			require.Equal(t, exitOK, code, stderr)
			code, _, stderr = fleetRun(t, "", env, "fleet", "get", "bot-1")
			require.Equal(t, exitFail, code)
			require.Contains(t, stderr, "not found")
		})
	}
}

// TestFleetStoreURLComesFromEnvOrPasswordlessFlag: --store-env names the
// variable, --store refuses a URL with a password (without echoing it),
// and no location at all is a usage error.
func TestFleetStoreURLComesFromEnvOrPasswordlessFlag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fleet")
	code, _, stderr := fleetRun(t, fakeSession, map[string]string{"MY_FLEET": dir}, "fleet", "add", "a", "-r", testRecipient, "--store-env", "MY_FLEET")
	require.Equal(t, exitOK, code, stderr)
	code, stdout, stderr := fleetRun(t, "", nil, "fleet", "list", "--store", dir)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "a ")

	code, _, stderr = fleetRun(t, "", nil, "fleet", "list", "--store", "redis://user:hunter2secret@127.0.0.1:1/0")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "password")
	require.NotContains(t, stderr, "hunter2secret")

	code, _, stderr = fleetRun(t, "", nil, "fleet", "list")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, envFleetURL)

	code, _, _ = fleetRun(t, "", map[string]string{envFleetURL: dir}, "fleet", "frobnicate")
	require.Equal(t, exitUsage, code)
}

// TestFleetAddRefusesASessionOnTheCommandLine: NAME that is a session is
// refused without echoing it.
func TestFleetAddRefusesASessionOnTheCommandLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fleet")
	code, _, stderr := fleetRun(t, "", map[string]string{envFleetURL: dir}, "fleet", "add", fakeSession, "-r", testRecipient)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "looks like a session")
}
