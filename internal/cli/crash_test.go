//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// crashSessions writes n Telethon .session files into dir/sessions, made
// from distinct string sessions (converted in-process into .session files
// and copied, so that file i holds session i%distinct), and returns the
// string each file converts back to.
func crashSessions(t *testing.T, dir string, n, distinct int) []string {
	t.Helper()
	in, tmpl := filepath.Join(dir, "in"), filepath.Join(dir, "tmpl")
	require.NoError(t, os.Mkdir(in, 0o700))
	rng := rand.New(rand.NewPCG(11, uint64(n)))
	strs := make([]string, distinct)
	args := []string{"convert", "--to", "telethon-sqlite", "--out", tmpl, "-q"}
	for i := range distinct {
		raw := make([]byte, 1+4+2+256)
		raw[0] = byte(1 + i%5)
		copy(raw[1:5], []byte{149, 154, 167, byte(i)})
		binary.BigEndian.PutUint16(raw[5:7], 443)
		for j := 7; j < len(raw); j++ {
			raw[j] = byte(rng.Uint32())
		}
		strs[i] = "1" + base64.URLEncoding.EncodeToString(raw)
		p := filepath.Join(in, fmt.Sprintf("t%02d.txt", i))
		require.NoError(t, os.WriteFile(p, []byte(strs[i]+"\n"), 0o600))
		args = append(args, p)
	}
	c, _, stderr := testCLI("", nil)
	require.Equal(t, exitOK, c.run(args), stderr.String())
	sessions := filepath.Join(dir, "sessions")
	require.NoError(t, os.Mkdir(sessions, 0o700))
	want := make([]string, n)
	for i := range n {
		b, err := os.ReadFile(filepath.Join(tmpl, fmt.Sprintf("t%02d.session", i%distinct)))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(sessions, fmt.Sprintf("acct%04d.session", i)), b, 0o600))
		want[i] = strs[i%distinct]
	}
	return want
}

// TestBatchSIGKILLEachOutputAbsentOrComplete: "convert *.session --to
// telethon --out DIR" of 2,000 files, killed with SIGKILL at random points
// (right after the start, or after a random number of results were
// reported, which lands in conversions, group commits and renames alike):
// after each kill every output is absent or byte-identical to the expected
// one, and no other file exists but temporary files; a rerun with
// --skip-existing removes those, and the last one completes the batch
// with no temporary file left.
func TestBatchSIGKILLEachOutputAbsentOrComplete(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	strs := crashSessions(t, dir, n, 40)
	var inputs []string
	des, err := os.ReadDir(filepath.Join(dir, "sessions"))
	require.NoError(t, err)
	require.Len(t, des, n)
	for _, de := range des {
		inputs = append(inputs, filepath.Join(dir, "sessions", de.Name()))
	}
	want := make(map[string]string, n)
	for i, s := range strs {
		want[fmt.Sprintf("acct%04d.telethon.txt", i)] = s + "\n"
	}

	// check verifies every file in out and returns the outputs present
	// and the temporary files left.
	check := func(out string) (present, tmp int) {
		t.Helper()
		des, err := os.ReadDir(out)
		require.NoError(t, err)
		for _, de := range des {
			name := de.Name()
			if strings.HasPrefix(name, ".tgsession-tmp-") {
				tmp++
				continue
			}
			exp, ok := want[name]
			require.True(t, ok, "unexpected file %s", name)
			b, err := os.ReadFile(filepath.Join(out, name))
			require.NoError(t, err)
			require.True(t, string(b) == exp, "%s is torn or not its input's: %d bytes, want %d", name, len(b), len(exp))
			present++
		}
		return present, tmp
	}

	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 7))
	for round := range 3 {
		// Kill after k reported results (k = 0: as soon as it has
		// started), into a new directory each round. Results are
		// reported after their group commit, which may hold many more.
		out := filepath.Join(dir, fmt.Sprintf("out%d", round))
		args := append([]string{"convert", "--to", "telethon", "--out", out, "--json"}, inputs...)
		k := rng.IntN(n / 2)
		cmd := exec.Command("tgsession-hooked", args...)
		cmd.Env = append(os.Environ(), "TGSESSION_TEST_PAUSE=")
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(stdout)
		var reported []string
		lines := 0
		for lines < k && sc.Scan() {
			lines++
			var r result
			require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
			require.True(t, r.OK, sc.Text())
			reported = append(reported, r.Output)
		}
		_ = cmd.Process.Kill() // it may have finished
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		present, tmp := check(out)
		// An output is reported only once committed: every one reported
		// before the kill is in place (check has verified its bytes).
		for _, o := range reported {
			_, err := os.Stat(o)
			require.NoError(t, err, "reported as written but absent")
		}
		t.Logf("round %d: killed after %d results: %d outputs complete, %d temporary files left", round, lines, present, tmp)

		// The rerun completes the batch and leaves no temporary file.
		c, stdout2, stderr2 := testCLI("", nil)
		require.Equal(t, exitOK, c.run(append(args, "--skip-existing")), stderr2.String())
		present, tmp = check(out)
		require.Equal(t, n, present)
		require.Zero(t, tmp, "no temporary file survives a rerun")
		require.NotContains(t, stdout2.String(), `"result"`, "a batch with --out prints no session")
	}
}
