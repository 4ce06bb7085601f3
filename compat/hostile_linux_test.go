package compat_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// maxHostileRSS is the peak resident set size a process may reach while
// it reads one hostile file: the test binary takes 10–15 MiB to read any of
// them (30–40 MiB under the race detector). The reader of earlier versions
// took 275 MB to 2.6 GB on these files.
const maxHostileRSS = 100 << 20

// TestHostileFilesMemory reads each committed hostile file in a child
// process (ReadFile, then Convert to a string and to a file) and checks
// that its peak RSS (VmHWM, read by the child at the end) stays under
// maxHostileRSS and that it ends in bounded time with the expected result.
// The parent also watches the child's RSS and kills it past the limit, so
// that a regression fails fast instead of exhausting the machine.
func TestHostileFilesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process per file")
	}
	for _, c := range hostileCases {
		t.Run(c.file, func(t *testing.T) {
			dir := t.TempDir()
			p := copyFile(t, filepath.Join("testdata", "hostile", c.file), dir)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "COMPAT_TEST_HELPER=read", "COMPAT_TEST_DB="+p, "COMPAT_TEST_DIR="+dir)
			var out bytes.Buffer
			cmd.Stdout = &out
			cmd.Stderr = os.Stderr
			require.NoError(t, cmd.Start())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			deadline := time.After(60 * time.Second)
			var killed string
		watch:
			for {
				select {
				case err := <-done:
					require.NoError(t, err, "child failed")
					break watch
				case <-deadline:
					killed = "did not finish within 60s"
				case <-time.After(5 * time.Millisecond):
					if rss := processRSS(cmd.Process.Pid); rss > maxHostileRSS {
						killed = "resident set size reached " + strconv.FormatInt(rss>>20, 10) + " MiB"
					}
				}
				if killed != "" {
					_ = cmd.Process.Kill()
					<-done
					t.Fatalf("reading %s: %s (limit %d MiB)", c.file, killed, maxHostileRSS>>20)
				}
			}
			res := map[string]string{}
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
				if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
					res[k] = v
				}
			}
			hwm, err := strconv.ParseInt(strings.TrimSuffix(res["hwm"], " kB"), 10, 64)
			require.NoError(t, err, "child output: %q", out.String())
			t.Logf("%s: peak RSS %d MiB", c.file, hwm>>10)
			require.Less(t, hwm<<10, int64(maxHostileRSS), "peak RSS of the reading process")
			want := "ok"
			if c.want != nil {
				want = c.want.Error()
			}
			require.Equal(t, want, res["read"], "ReadFile")
			require.Equal(t, want, res["convert telethon-sqlite"], "Convert to a file")
			if c.stringOK {
				want = "ok"
			}
			require.Equal(t, want, res["convert pyrogram"], "Convert to a string")
		})
	}
}

// processRSS returns the resident set size of process pid, 0 if unknown.
func processRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}
