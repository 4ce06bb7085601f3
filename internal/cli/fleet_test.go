package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
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
		if strings.HasPrefix(loc, "redis") {
			if o, err := goredis.ParseURL(loc); err == nil {
				rc := goredis.NewClient(o)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				keys, _ := rc.Keys(ctx, ns+"*").Result()
				if len(keys) > 0 {
					rc.Del(ctx, keys...)
				}
				rc.Close()
			}
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

// addToFleet adds fakeSession as name to the store at loc.
func addToFleet(t *testing.T, loc, name string) {
	t.Helper()
	code, _, stderr := fleetRun(t, fakeSession, map[string]string{envFleetURL: loc}, "fleet", "add", name, "-r", testRecipient)
	require.Equal(t, exitOK, code, stderr)
}

// openFleet opens the store at loc in the test's namespace.
func openFleet(t *testing.T, loc string) fleet.Store {
	t.Helper()
	st, err := fleetopen.Open(context.Background(), loc, fleetopen.Options{Namespace: fleetNamespace})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// liveLeases returns the names of the sessions with a live lease.
func liveLeases(t *testing.T, st fleet.Store) map[string]string {
	t.Helper()
	p, err := st.List(context.Background(), fleet.ListOptions{})
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range p.Entries {
		if e.Lease != nil {
			out[e.Name] = e.Lease.Holder
		}
	}
	return out
}

// TestFleetExecChildGetsTheSessionAndTheLeaseIsReleased: on every
// backend, exec --env TG_SESSION=fleet:NAME runs a real child that sees
// the session in the format asked for, holds the lease while it runs,
// exits with the child's status, and releases the lease; fleet-pool:
// claims a session by prefix.
func TestFleetExecChildGetsTheSessionAndTheLeaseIsReleased(t *testing.T) {
	for backend, loc := range fleetBackends(t) {
		t.Run(backend, func(t *testing.T) {
			useFleet(t, loc)
			t.Setenv("TGSESSION_AGE_KEY", testIdentity)
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			addToFleet(t, loc, "bot-1")
			st := openFleet(t, loc)
			env := map[string]string{envFleetURL: loc, "PATH": os.Getenv("PATH")}

			code, stdout, stderr := fleetRun(t, "", env, "exec", "--env", "TG_SESSION=fleet:bot-1", "--as", "telethon", "-q",
				"--", "sh", "-c", `printf '%s' "$TG_SESSION"; [ -z "$TGSESSION_FLEET_URL" ] || echo " url leaked"`)
			require.Equal(t, exitOK, code, stderr)
			testsecret.RequireSameText(t, fakeSession, stdout, "the child's $TG_SESSION")
			require.Empty(t, liveLeases(t, st), "the lease is released when the child exits")

			code, _, stderr = fleetRun(t, "", env, "exec", "--env", "TG=fleet-pool:bot-", "-q", "--", "sh", "-c", `[ -n "$TG" ] && exit 7`)
			require.Equal(t, 7, code, "the exit status is the child's: %s", stderr)
			require.Empty(t, liveLeases(t, st))
		})
	}
}

// TestFleetExecExitsAtOnceNamingTheHolder: while one exec holds the
// lease, a second exits 1 at once naming the holder (and after --wait,
// still held, too); once the first exits, the session is free again.
// "At once" is measured against the first exec's 1 minute lease: a second
// exec that waited for it to expire would take far longer than the bound.
func TestFleetExecExitsAtOnceNamingTheHolder(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "fleet")
	useFleet(t, loc)
	t.Setenv("TGSESSION_AGE_KEY", testIdentity)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	addToFleet(t, loc, "bot-1")
	st := openFleet(t, loc)
	stopFile := filepath.Join(t.TempDir(), "stop")
	startedFile := filepath.Join(t.TempDir(), "started")
	env := map[string]string{envFleetURL: loc, "PATH": os.Getenv("PATH"), "STOP": stopFile, "STARTED": startedFile}

	first := make(chan int, 1)
	var firstErr *bytes.Buffer
	go func() {
		c, _, stderr := testCLI("", env)
		firstErr = stderr
		// The child runs until $STOP exists (at most 1200 × 50 ms, so
		// that a failed test leaves nothing behind for long).
		first <- c.run([]string{"exec", "--env", "TG=fleet:bot-1", "--lease-ttl", "1m", "-q", "--", "sh", "-c",
			`: > "$STARTED"; i=0; while [ ! -e "$STOP" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done`})
	}()
	// The child runs (in-process commands share memguard, so the others
	// start only once the first has handed its session over).
	require.Eventually(t, func() bool { _, err := os.Stat(startedFile); return err == nil }, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, fleetHolder(), liveLeases(t, st)["bot-1"])

	start := time.Now()
	code, _, stderr := fleetRun(t, "", env, "exec", "--env", "TG=fleet:bot-1", "--", "true")
	require.Equal(t, exitFail, code)
	require.Contains(t, stderr, "in use by "+fleetHolder())
	require.Contains(t, stderr, "--wait")
	require.Less(t, time.Since(start), 20*time.Second, "exits at once, not when the 1 minute lease expires")

	code, _, stderr = fleetRun(t, "", env, "exec", "--env", "TG=fleet:bot-1", "--wait", "300ms", "--", "true")
	require.Equal(t, exitFail, code, "still held after --wait: %s", firstErr)
	require.Contains(t, stderr, "in use by")

	require.NoError(t, os.WriteFile(stopFile, nil, 0o600))
	select {
	case code := <-first:
		require.Equal(t, exitOK, code)
	case <-time.After(30 * time.Second):
		t.Fatal("the first exec did not end")
	}
	require.Empty(t, liveLeases(t, st))
	code, _, stderr = fleetRun(t, "", env, "exec", "--env", "TG=fleet:bot-1", "--", "true")
	require.Equal(t, exitOK, code, stderr)
}

// TestFleetExecWaitTakesTheSessionWhenReleased: with --wait, exec waits
// for a held session and runs once its holder releases it. The other
// holder's lease lasts 1 minute, beyond --wait: only the release frees it.
func TestFleetExecWaitTakesTheSessionWhenReleased(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "fleet")
	useFleet(t, loc)
	t.Setenv("TGSESSION_AGE_KEY", testIdentity)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	addToFleet(t, loc, "bot-1")
	st := openFleet(t, loc)
	l, err := st.Acquire(context.Background(), "bot-1", "other-host/pid-42", time.Minute)
	require.NoError(t, err)
	env := map[string]string{envFleetURL: loc, "PATH": os.Getenv("PATH")}

	code, _, stderr := fleetRun(t, "", env, "exec", "--env", "TG=fleet:bot-1", "--", "true")
	require.Equal(t, exitFail, code)
	require.Contains(t, stderr, "other-host/pid-42")

	released := make(chan error, 1)
	time.AfterFunc(300*time.Millisecond, func() { released <- st.Release(context.Background(), l) })
	code, _, stderr = fleetRun(t, "", env, "exec", "--env", "TG=fleet:bot-1", "--wait", "20s", "--", "true")
	require.Equal(t, exitOK, code, stderr)
	require.NoError(t, <-released, "the other holder's release")
}

// TestFleetExecFlagsNeedAFleetSource: the lease flags with no fleet
// source are refused, as --label is without a vault entry.
func TestFleetExecFlagsNeedAFleetSource(t *testing.T) {
	code, _, stderr := fleetRun(t, "", map[string]string{"S": "x"}, "exec", "--env", "TG=env:S", "--lease-ttl", "10s", "--", "true")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--lease-ttl applies to fleet sources")
}

// TestFleetExecStopsTheChildWhenRenewalFails: when the lease can no
// longer be renewed (here the store's directory is removed under it), the
// child is stopped with SIGTERM long before it would end by itself, and
// exec says why. The lease lasts 6 s (renewed every 2 s, the child stopped
// at the latest 2 s before the deadline, SIGKILL 1 s after SIGTERM): a
// loaded machine neither loses the lease before the directory is removed
// nor needs the SIGKILL; the child is stopped within about 4 s of it.
func TestFleetExecStopsTheChildWhenRenewalFails(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "fleet")
	useFleet(t, loc)
	t.Setenv("TGSESSION_AGE_KEY", testIdentity)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	addToFleet(t, loc, "bot-1")
	st := openFleet(t, loc)
	started := filepath.Join(t.TempDir(), "started")
	env := map[string]string{envFleetURL: loc, "PATH": os.Getenv("PATH"), "STARTED": started}
	var gcPID int

	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		c, _, stderr := testCLI("", env)
		code := c.run([]string{"exec", "--env", "TG=fleet:bot-1", "--lease-ttl", "6s", "-q", "--", "sh", "-c", `sleep 30 & echo $! > "$STARTED.tmp"; mv "$STARTED.tmp" "$STARTED"; wait`})
		done <- result{code, stderr.String()}
	}()
	require.Eventually(t, func() bool { _, err := os.Stat(started); return err == nil }, 10*time.Second, 20*time.Millisecond)
	require.NotEmpty(t, liveLeases(t, st)["bot-1"])
	b, err := os.ReadFile(started)
	require.NoError(t, err)
	gcPID, err = strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	// A renewal may write into it while it is removed: retry.
	require.Eventually(t, func() bool { return os.RemoveAll(loc) == nil }, 10*time.Second, 10*time.Millisecond)
	select {
	case r := <-done:
		require.Equal(t, 128+15, r.code, "the child was stopped by SIGTERM: %s", r.stderr)
		require.Contains(t, r.stderr, "lease could not be renewed")
		if runtime.GOOS == "linux" {
			require.Eventually(t, func() bool { return !processRuns(gcPID) }, 5*time.Second, 20*time.Millisecond,
				"what the child started is stopped too")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the child was not stopped")
	}
}

// otherIdentity and otherRecipient are a second test key pair (age-keygen).
const (
	otherIdentity  = "AGE-SECRET-KEY-1GDXE3H05DPYR8Q33CP5GAN6QTHTW4HU4AS3GAZCZK020293A0FJQZTTQG3" // test key, scripts only
	otherRecipient = "age1u05fh8j4hmuq3t0ur85z3edlsdu565xz2phzzt26exfsfwdtzguqta393q"
)

// TestFleetRekeyAndImport: import takes every entry of a vault directory
// into the fleet, and rekey re-encrypts the fleet to a new recipient set:
// afterwards only the new key opens it, and the metadata names the new
// recipient.
func TestFleetRekeyAndImport(t *testing.T) {
	dir := t.TempDir()
	loc := filepath.Join(dir, "fleet")
	vaultDir := filepath.Join(dir, "vault")
	useFleet(t, loc)
	t.Setenv("TGSESSION_AGE_KEY", testIdentity)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	env := map[string]string{envFleetURL: loc}
	for _, name := range []string{"bot-a", "bot-b"} {
		c, _, stderr := testCLI(fakeSession, nil)
		require.Equal(t, exitOK, c.run([]string{"vault", "add", name, "-r", testRecipient, "--vault", vaultDir}), stderr.String())
	}
	code, _, stderr := fleetRun(t, "", env, "fleet", "import", "--vault", vaultDir, "-r", testRecipient)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stderr, "imported 2 sessions")

	// A session leased by someone else is skipped, untouched: rekey writes
	// only under its own lease, with its token.
	st, err := fleetopen.Open(context.Background(), loc, fleetopen.Options{Namespace: fleetNamespace})
	require.NoError(t, err)
	defer st.Close()
	held, err := st.Acquire(context.Background(), "bot-a", "someone-else", time.Minute)
	require.NoError(t, err)
	code, _, stderr = fleetRun(t, "", env, "fleet", "rekey", "-r", otherRecipient)
	require.Equal(t, exitFail, code, stderr)
	require.Contains(t, stderr, `leased by "someone-else"`)
	require.Contains(t, stderr, "re-encrypted 1 sessions")
	e, err := st.Get(context.Background(), "bot-a")
	require.NoError(t, err)
	require.Equal(t, []string{testRecipient}, e.Recipients, "the leased session was not rewritten")
	// Rekey's own lease is released after the write: the session is free,
	// and the write carried a newer token than the holder's before it.
	e, err = st.Get(context.Background(), "bot-b")
	require.NoError(t, err)
	require.Nil(t, e.Lease, "rekey released its lease")
	require.Greater(t, e.Fence, held.Token, "bot-b was rewritten under a lease of its own")
	require.NoError(t, st.Release(context.Background(), held))

	// bot-b is sealed to the new key now, bot-a still to the old one.
	both := filepath.Join(dir, "both.txt")
	require.NoError(t, os.WriteFile(both, []byte(testIdentity+"\n"+otherIdentity+"\n"), 0o600))
	code, _, stderr = fleetRun(t, "", env, "fleet", "rekey", "-r", otherRecipient, "-i", both)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stderr, "re-encrypted 2 sessions")

	code, stdout, stderr := fleetRun(t, "", env, "fleet", "list", "--json")
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, 2, strings.Count(stdout, `"recipients":["`+otherRecipient+`"]`), "the metadata names the new recipient")

	code, _, _ = fleetRun(t, "", env, "fleet", "get", "bot-a")
	require.Equal(t, exitFail, code, "the old key no longer opens it")
	t.Setenv("TGSESSION_AGE_KEY", otherIdentity)
	code, stdout, stderr = fleetRun(t, "", env, "fleet", "get", "bot-b", "--to", "telethon")
	require.Equal(t, exitOK, code, stderr)
	testsecret.RequireSameText(t, fakeSession, strings.TrimSpace(stdout), "fleet get after rekey")
}

// TestFleetExecPoolWithNoFreeSessionExits1: fleet-pool:PREFIX with no
// free session under PREFIX exits 1 at once, saying so.
func TestFleetExecPoolWithNoFreeSessionExits1(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "fleet")
	useFleet(t, loc)
	t.Setenv("TGSESSION_AGE_KEY", testIdentity)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	addToFleet(t, loc, "bot-1")
	env := map[string]string{envFleetURL: loc, "PATH": os.Getenv("PATH")}
	code, _, stderr := fleetRun(t, "", env, "exec", "--env", "TG=fleet-pool:other-", "--", "true")
	require.Equal(t, exitFail, code)
	require.Contains(t, stderr, `no free fleet session starts with "other-"`)
}

// processRuns reports whether pid is a live process (not a zombie), from
// /proc (Linux).
func processRuns(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, ok := strings.Cut(string(b), ") ")
	return ok && !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

// pyrogramSession returns a Pyrogram string of a session with key byte k,
// DC dc and user id uid.
func pyrogramSession(t *testing.T, k byte, dc int, uid int64) (string, string) {
	t.Helper()
	key, err := codec.NewAuthKey(bytes.Repeat([]byte{k}, 256))
	require.NoError(t, err)
	s := &codec.Session{Info: codec.Info{DC: dc, APIID: codec.Some[uint32](12345), UserID: codec.Some(uid),
		IsBot: codec.Some(true), TestMode: codec.Some(false)}, Key: key}
	text, err := s.Encode(codec.Pyrogram)
	require.NoError(t, err)
	return text, s.AuthKeyID().String()
}

// TestFleetExecWriteBack: with --write-back the child of a fleet source
// gets $TGSESSION_WRITE_BACK, a private 0600 file; a session it writes
// there is resealed and written back with the lease's token (a DC change
// of the same key, or a new key of the same user id), another account's
// session is refused (exit 1 although the child exited 0, the store
// unchanged), nothing written changes nothing, the exit status stays the
// child's, and the file and its directory are gone afterwards.
func TestFleetExecWriteBack(t *testing.T) {
	for backend, loc := range fleetBackends(t) {
		t.Run(backend, func(t *testing.T) {
			useFleet(t, loc)
			t.Setenv("TGSESSION_AGE_KEY", testIdentity)
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			orig, origID := pyrogramSession(t, 'a', 2, 777000)
			code, _, stderr := fleetRun(t, orig, map[string]string{envFleetURL: loc}, "fleet", "add", "bot-1", "-r", testRecipient)
			require.Equal(t, exitOK, code, stderr)
			st := openFleet(t, loc)
			seen := filepath.Join(t.TempDir(), "seen")
			run := func(write string, status int) (int, string) {
				t.Helper()
				in := filepath.Join(t.TempDir(), "in")
				require.NoError(t, os.WriteFile(in, []byte(write), 0o600))
				env := map[string]string{envFleetURL: loc, "PATH": os.Getenv("PATH"), "IN": in, "SEEN": seen}
				code, _, stderr := fleetRun(t, "", env, "exec", "--env", "TG=fleet:bot-1", "-q", "--write-back", "--", "sh", "-c",
					`printf '%s' "$TGSESSION_WRITE_BACK" > "$SEEN"; [ "$(stat -c %a "$TGSESSION_WRITE_BACK")" = 600 ] || exit 99
					[ "$(stat -c %a "$(dirname "$TGSESSION_WRITE_BACK")")" = 700 ] || exit 98
					cat "$IN" > "$TGSESSION_WRITE_BACK"; exit `+strconv.Itoa(status))
				testsecret.RequireNotContains(t, stderr, write, "stderr")
				p, err := os.ReadFile(seen)
				require.NoError(t, err)
				_, err = os.Stat(filepath.Dir(string(p)))
				require.ErrorIs(t, err, os.ErrNotExist, "the write-back directory is removed")
				require.Empty(t, liveLeases(t, st), "the lease is released")
				return code, stderr
			}
			akid := func() (string, uint64) {
				e, err := st.Get(context.Background(), "bot-1")
				require.NoError(t, err)
				return e.AuthKeyID, e.Fence
			}

			// Nothing written: nothing changes.
			code, stderr = run("", 0)
			require.Equal(t, exitOK, code, stderr)
			id, _ := akid()
			require.Equal(t, origID, id)

			// The same key on another DC (a migration), exit status kept.
			moved, _ := pyrogramSession(t, 'a', 4, 777000)
			code, stderr = run(moved+"\n", 3)
			require.Equal(t, 3, code, stderr)
			require.Contains(t, stderr, "wrote the updated session back to fleet:bot-1")
			code, stdout, stderr := fleetRun(t, "", map[string]string{envFleetURL: loc}, "fleet", "get", "bot-1", "--to", "pyrogram")
			require.Equal(t, exitOK, code, stderr)
			testsecret.RequireSameText(t, moved, strings.TrimSpace(stdout), "the written-back session")

			// A new key of the same user: accepted.
			rekeyed, rekeyedID := pyrogramSession(t, 'b', 4, 777000)
			code, stderr = run(rekeyed, 0)
			require.Equal(t, exitOK, code, stderr)
			id, fence := akid()
			require.Equal(t, rekeyedID, id)

			// Another account's session, and a new key without a user id:
			// refused, exit 1 although the child exited 0, store unchanged.
			other, _ := pyrogramSession(t, 'c', 4, 42)
			code, stderr = run(other, 0)
			require.Equal(t, exitFail, code)
			require.Contains(t, stderr, "not the leased session's account")
			code, stderr = run(fakeSession, 0)
			require.Equal(t, exitFail, code)
			require.Contains(t, stderr, "carries no user id")
			code, stderr = run("zzzz-garbage-zzzz", 5)
			require.Equal(t, 5, code, "a failed write-back keeps a failing child's status")
			require.Contains(t, stderr, "not a session string")
			id, fence2 := akid()
			require.Equal(t, rekeyedID, id, "a refused write-back changed the store")
			require.Greater(t, fence2, fence, "each exec took the lease")
		})
	}
}

// TestFleetExecWriteBackFlagChecks: --write-back needs exactly one fleet
// source.
func TestFleetExecWriteBackFlagChecks(t *testing.T) {
	code, _, stderr := fleetRun(t, "", map[string]string{"S": "x"}, "exec", "--env", "TG=env:S", "--write-back", "--", "true")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--write-back applies to fleet sources")
	code, _, stderr = fleetRun(t, "", nil, "exec", "--env", "A=fleet:a", "--env", "B=fleet:b", "--write-back", "--", "true")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "exactly one fleet source")
}

// TestFleetImportFromStore: fleet import --from KIND reads sessions of a
// store of the stores issue (the URL from --from-store-env, never the
// fleet's own --store-env), one by --name or every name the store lists,
// and adds them to the fleet sealed to the recipients: they open to the
// same session. The source flags without --from, or mixed with the vault
// flags, are usage errors; a password in --from-store is refused unechoed.
func TestFleetImportFromStore(t *testing.T) {
	for i, sc := range storeCases(t) {
		if sc.kind != "telethon-sqlalchemy" {
			continue // the shared Redis lists other tests' sessions: --name only, below
		}
		fleets := map[string]string{"dir": filepath.Join(t.TempDir(), "fleet")}
		if i == 0 { // the SQLite source into every fleet backend
			fleets = fleetBackends(t)
		}
		for backend, loc := range fleets {
			t.Run(sc.url[:strings.Index(sc.url, ":")]+"-to-"+backend, func(t *testing.T) {
				useFleet(t, loc)
				t.Setenv("TGSESSION_AGE_KEY", testIdentity)
				t.Setenv("XDG_CONFIG_HOME", t.TempDir())
				src := sc.url
				if strings.HasPrefix(src, "sqlite:") {
					src = "sqlite:///" + filepath.Join(t.TempDir(), "alchemy.db") // one per fleet backend
				}
				env := map[string]string{"SRC_URL": src, envFleetURL: loc}
				for _, name := range []string{"bot-a", "bot-b"} {
					_, errOut, code := runCLI(t, env, fakeSession, append([]string{"convert", "--to", sc.kind, "--store-env", "SRC_URL", "--name", name}, sc.flags...)...)
					require.Equal(t, exitOK, code, errOut)
				}
				code, _, stderr := fleetRun(t, "", env, append([]string{"fleet", "import", "--from", sc.kind, "--from-store-env", "SRC_URL", "--name", "bot-a", "-r", testRecipient}, sc.flags...)...)
				require.Equal(t, exitOK, code, stderr)
				require.Contains(t, stderr, "imported 1 sessions")
				code, _, stderr = fleetRun(t, "", env, append([]string{"fleet", "import", "--from", sc.kind, "--from-store-env", "SRC_URL", "-r", testRecipient}, sc.flags...)...)
				require.Equal(t, exitFail, code, "bot-a exists in the fleet: %s", stderr)
				require.Contains(t, stderr, "imported 1 sessions")
				require.Contains(t, stderr, "--force")
				for _, name := range []string{"bot-a", "bot-b"} {
					code, stdout, stderr := fleetRun(t, "", env, "fleet", "get", name, "--to", "telethon")
					require.Equal(t, exitOK, code, stderr)
					testsecret.RequireSameText(t, fakeSession, strings.TrimSpace(stdout), "fleet get of an imported session")
				}
				code, stdout, stderr := fleetRun(t, "", env, "fleet", "list", "--json")
				require.Equal(t, exitOK, code, stderr)
				require.Equal(t, 2, strings.Count(stdout, `"imported-from":"`+sc.kind+`"`))
			})
		}
	}
	t.Run("flags", func(t *testing.T) {
		env := map[string]string{envFleetURL: filepath.Join(t.TempDir(), "fleet"), "SRC_URL": "sqlite:///" + filepath.Join(t.TempDir(), "x.db")}
		code, _, stderr := fleetRun(t, "", env, "fleet", "import", "--from-store-env", "SRC_URL", "-r", testRecipient)
		require.Equal(t, exitUsage, code)
		require.Contains(t, stderr, "need --from KIND")
		code, _, stderr = fleetRun(t, "", env, "fleet", "import", "--from", "telethon-sqlalchemy", "-r", testRecipient)
		require.Equal(t, exitUsage, code)
		require.Contains(t, stderr, "--from-store-env VAR")
		code, _, stderr = fleetRun(t, "", env, "fleet", "import", "--from", "telethon-sqlalchemy", "--from-store-env", "SRC_URL", "--vault", "v", "-r", testRecipient)
		require.Equal(t, exitUsage, code)
		require.Contains(t, stderr, "give one source")
		code, _, stderr = fleetRun(t, "", env, "fleet", "import", "--from", "telethon-sqlalchemy", "--from-store", "postgres://u:hunter2secret@127.0.0.1:1/x", "-r", testRecipient)
		require.Equal(t, exitUsage, code)
		require.Contains(t, stderr, "password")
		require.NotContains(t, stderr, "hunter2secret")
		code, _, _ = fleetRun(t, "", env, "fleet", "import", "--from", "telethon-redis-hashx", "--from-store-env", "SRC_URL", "-r", testRecipient)
		require.Equal(t, exitUsage, code)
	})
}
