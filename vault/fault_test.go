//go:build unix

package vault_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
	"github.com/tgsession/tgsession/vault"
)

func childVault() (*vault.Dir, []age.Recipient, error) {
	d, err := openDirWith(os.Getenv("VAULT_TEST_DIR"))
	if err != nil {
		return nil, nil, err
	}
	recs, err := parseRecipientsWith(strings.NewReader(os.Getenv("VAULT_TEST_RECIPIENT")))
	return d, recs, err
}

func childSession(c byte, dc int) *codec.Session {
	k, _ := codec.NewAuthKey(testKey(c))
	return &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: dc, ServerAddress: "149.154.167.51", Port: 443}, Key: k}
}

func init() {
	// fault: write entry VAULT_TEST_ENTRY (key 'b', DC 4), killing the
	// process with SIGKILL at hook point VAULT_TEST_STEP.
	children["fault"] = func() error {
		d, recs, err := childVault()
		if err != nil {
			return err
		}
		step := os.Getenv("VAULT_TEST_STEP")
		vault.SetTestHook(func(p string) {
			if p == step {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
		})
		name := os.Getenv("VAULT_TEST_ENTRY")
		if os.Getenv("VAULT_TEST_OP") == "export" {
			_, err = d.RecordExport(name, childSession('b', 4).AuthKeyID(), "staging")
		} else {
			_, err = addWith(d, name, childSession('b', 4), recs, optOverwrite())
		}
		if err != nil {
			return err
		}
		return errors.New("hook point never reached")
	}
	// fsize: add entry "bot" (key 'b', DC 4) with writes capped at
	// VAULT_TEST_FSIZE bytes per file (RLIMIT_FSIZE, SIGXFSZ ignored), so
	// that writing a file larger than that fails with EFBIG, as a full
	// disk fails a write with ENOSPC.
	children["fsize"] = func() error {
		d, recs, err := childVault()
		if err != nil {
			return err
		}
		n, _ := strconv.ParseUint(os.Getenv("VAULT_TEST_FSIZE"), 10, 64)
		signal.Ignore(syscall.SIGXFSZ)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			return err
		}
		_, err = addWith(d, "bot", childSession('b', 4), recs)
		if err == nil {
			return errors.New("Add succeeded")
		}
		if !errors.Is(err, syscall.EFBIG) {
			return fmt.Errorf("Add failed without EFBIG: %w", err)
		}
		fmt.Println("ADD FAILED WITH EFBIG")
		return nil
	}
	// writer: add VAULT_TEST_N entries w<id>-<j> and record as many
	// exports of the shared entry, racing with other writers.
	children["writer"] = func() error {
		d, recs, err := childVault()
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(os.Getenv("VAULT_TEST_N"))
		return writerLoop(d, recs, os.Getenv("VAULT_TEST_WRITER"), n)
	}
}

func writerLoop(d *vault.Dir, recs []age.Recipient, id string, n int) error {
	shared := childSession('s', 2).AuthKeyID()
	for j := 0; j < n; j++ {
		name := fmt.Sprintf("w%s-%d", id, j)
		if _, err := addWith(d, name, childSession(byte('A'+j), 2), recs); err != nil {
			return err
		}
		if _, err := d.RecordExport("shared", shared, name); err != nil {
			return err
		}
	}
	return nil
}

var faultSteps = []struct {
	step    string
	wantNew bool
}{
	{"index:pending", false},
	{"entry:created", false},
	{"entry:partial", false},
	{"entry:synced", false},
	{"entry:committed", true},
	{"index:writing", true},
	{"index:committed", true},
}

// TestCrashDuringWrite kills a child with SIGKILL at each step of a vault
// write (overwriting an entry, then creating a new one): the entry is always
// the complete old or the complete new one, and the vault stays usable.
func TestCrashDuringWrite(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	for _, st := range faultSteps {
		for _, create := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/create=%v", st.step, create), func(t *testing.T) {
				d, err := initDirWith(filepath.Join(t.TempDir(), "v"))
				require.NoError(t, err)
				if !create {
					_, err = addWith(d, "bot", testSession(t, 'a', 2), recs)
					require.NoError(t, err)
				}
				out, err := child(t, "", "fault", []string{
					"VAULT_TEST_DIR=" + d.Path(), "VAULT_TEST_RECIPIENT=" + x.Recipient().String(),
					"VAULT_TEST_STEP=" + st.step, "VAULT_TEST_ENTRY=bot",
				}, nil, 30*time.Second)
				var ee *exec.ExitError
				require.ErrorAs(t, err, &ee, "child output: %s", out)
				ws := ee.Sys().(syscall.WaitStatus)
				require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child not killed at %s: %s", st.step, out)

				s, err := d.Get("bot", x)
				switch {
				case st.wantNew:
					require.NoError(t, err)
					requireKey(t, s, testKey('b'))
					require.Equal(t, 4, s.DC)
					s.Destroy()
				case create:
					require.ErrorIs(t, err, vault.ErrNotFound)
				default:
					require.NoError(t, err)
					requireKey(t, s, testKey('a'))
					require.Equal(t, 2, s.DC)
					s.Destroy()
				}
				entries, err := d.List()
				require.NoError(t, err)
				if st.wantNew || !create {
					require.Len(t, entries, 1)
				} else {
					require.Empty(t, entries)
				}
				// The index matches the entry at once: never "unknown",
				// never the key of the entry it replaced.
				switch {
				case st.wantNew:
					require.Equal(t, childSession('b', 4).AuthKeyID(), entries[0].KeyID, "index does not match the new entry")
				case !create:
					require.Equal(t, testSession(t, 'a', 2).AuthKeyID(), entries[0].KeyID, "index does not match the old entry")
				}

				// The next write succeeds and leaves no temporary file.
				_, err = addWith(d, "next", testSession(t, 'c', 2), recs)
				require.NoError(t, err)
				des, err := os.ReadDir(d.Path())
				require.NoError(t, err)
				for _, de := range des {
					require.False(t, strings.HasPrefix(de.Name(), safefile.TempPrefix), "stale %s", de.Name())
				}
				// The index is valid JSON and records the live entry once the
				// entry is read with an export label.
				s, _, err = getWith(d, "next", optWithIdentities(x), optWithExportLabel("t"))
				require.NoError(t, err)
				s.Destroy()
			})
		}
	}
	// A crash while recording an export leaves the index old or new.
	for _, st := range []struct {
		step string
		want int
	}{{"index:writing", 1}, {"index:committed", 2}} {
		t.Run("export/"+st.step, func(t *testing.T) {
			d, err := initDirWith(filepath.Join(t.TempDir(), "v"))
			require.NoError(t, err)
			_, err = addWith(d, "bot", childSession('b', 4), recs)
			require.NoError(t, err)
			_, err = d.RecordExport("bot", childSession('b', 4).AuthKeyID(), "prod")
			require.NoError(t, err)
			out, err := child(t, "", "fault", []string{
				"VAULT_TEST_DIR=" + d.Path(), "VAULT_TEST_RECIPIENT=" + x.Recipient().String(),
				"VAULT_TEST_STEP=" + st.step, "VAULT_TEST_ENTRY=bot", "VAULT_TEST_OP=export",
			}, nil, 30*time.Second)
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "child output: %s", out)
			require.True(t, ee.Sys().(syscall.WaitStatus).Signaled(), out)
			entries, err := d.List()
			require.NoError(t, err)
			require.Len(t, entries, 1)
			require.Len(t, entries[0].Exports, st.want)
		})
	}
}

// TestFullDiskWhileWritingIndex: when the index cannot be written (here
// RLIMIT_FSIZE makes any write beyond a size fail, as a full disk does),
// Add fails and leaves nothing behind: no entry, the index unchanged, so
// that List shows no "unknown" entry and a retry does not say "exists".
// The old code wrote the entry first and then failed on the index.
func TestFullDiskWhileWritingIndex(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	d, err := initDirWith(filepath.Join(t.TempDir(), "v"))
	require.NoError(t, err)
	_, err = addWith(d, "other", childSession('o', 2), recs)
	require.NoError(t, err)
	// An index far larger than an entry (about 500 bytes).
	for i := range 40 {
		_, err = d.RecordExport("other", childSession('o', 2).AuthKeyID(), fmt.Sprintf("host-%02d.example.org:prod", i))
		require.NoError(t, err)
	}
	st, err := os.Stat(filepath.Join(d.Path(), "exports.json"))
	require.NoError(t, err)
	const limit = 2048
	require.Greater(t, st.Size(), int64(limit))
	before := snapshot(t, d)

	out, err := child(t, "", "fsize", []string{
		"VAULT_TEST_DIR=" + d.Path(), "VAULT_TEST_RECIPIENT=" + x.Recipient().String(),
		"VAULT_TEST_FSIZE=" + strconv.Itoa(limit),
	}, nil, 30*time.Second)
	require.NoError(t, err, "child: %s", out)
	require.Contains(t, out, "ADD FAILED WITH EFBIG")
	requireSameState(t, before, snapshot(t, d), "after Add failed on a full disk")

	// The retry succeeds and the entry is indexed.
	_, err = addWith(d, "bot", childSession('b', 4), recs)
	require.NoError(t, err)
	requireIndexed(t, d, "bot", childSession('b', 4).AuthKeyID())
}

// TestConcurrentWriters runs writer processes and goroutines against one
// vault at once: no entry and no export record may be lost.
func TestConcurrentWriters(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	d, err := initDirWith(filepath.Join(t.TempDir(), "v"))
	require.NoError(t, err)
	_, err = addWith(d, "shared", childSession('s', 2), recs)
	require.NoError(t, err)
	const procs, goroutines, n = 4, 4, 8
	var wg sync.WaitGroup
	errs := make(chan error, procs+goroutines)
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := child(t, "", "writer", []string{
				"VAULT_TEST_DIR=" + d.Path(), "VAULT_TEST_RECIPIENT=" + x.Recipient().String(),
				"VAULT_TEST_WRITER=p" + strconv.Itoa(p), "VAULT_TEST_N=" + strconv.Itoa(n),
			}, nil, 60*time.Second)
			if err != nil {
				errs <- fmt.Errorf("writer p%d: %v: %s", p, err, out)
			}
		}()
	}
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := writerLoop(d, recs, "g"+strconv.Itoa(g), n); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	entries, err := d.List()
	require.NoError(t, err)
	require.Len(t, entries, 1+(procs+goroutines)*n)
	var shared vault.Entry
	for _, e := range entries {
		if e.Name == "shared" {
			shared = e
		} else {
			require.NotEqual(t, codec.KeyID{}, e.KeyID, "index lost entry %s", e.Name)
		}
	}
	require.Len(t, shared.Exports, (procs+goroutines)*n, "export records lost")
	for _, e := range entries {
		s, err := d.Get(e.Name, x)
		require.NoError(t, err, e.Name)
		s.Destroy()
	}
}
