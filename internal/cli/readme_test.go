package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeCommands: the README's install and build commands work from
// a checkout (the module is not published, so "go install …@latest"
// cannot), and every "go test -race" says it needs cgo and a C compiler
// (issue 8, item 18).
func TestReadmeCommands(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	readme := string(mustRead(t, filepath.Join(root, "README.md")))

	require.NotRegexp(t, `go install [^\s…]+@`, readme, "a go install of a module version: the module is not published")

	cmdRe := regexp.MustCompile("(?m)(?:^\\$ |`)((?:CGO_ENABLED=[01] )?go (?:install|build) [^`\\n#…]*?)\\s*(?:`|#|$)")
	var cmds []string
	for _, m := range cmdRe.FindAllStringSubmatch(readme, -1) {
		cmds = append(cmds, m[1])
	}
	require.NotEmpty(t, cmds)
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go is not on PATH: cannot check the README's commands")
	}
	bin := t.TempDir()
	for _, line := range cmds {
		fields := strings.Fields(line)
		var env []string
		for strings.Contains(fields[0], "=") {
			env = append(env, fields[0])
			fields = fields[1:]
		}
		// -o NAME writes into a temporary directory instead.
		for i := range fields {
			if fields[i] == "-o" && i+1 < len(fields) {
				dir := strings.HasSuffix(fields[i+1], "/")
				fields[i+1] = filepath.Join(bin, fields[i+1])
				if dir { // -o DIR/: one binary per main package
					fields[i+1] += string(filepath.Separator)
				}
			}
		}
		// -n: resolve the packages and flags, print the build steps,
		// compile nothing (a full build with -trimpath misses the cache
		// and takes minutes on a small machine; .ci/run does that build).
		cmd := exec.Command("go", append([]string{fields[1], "-n"}, fields[2:]...)...)
		cmd.Dir = root
		cmd.Env = append(append(os.Environ(), "GOBIN="+bin, "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false"), env...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "README command %q: %s", line, out)
	}
	require.True(t, strings.Contains(strings.Join(cmds, "\n"), "./cmd/..."), "the README builds ./cmd/... (tgsession and tgsession-full)")

	// "go test -race" needs cgo and a C compiler: every mention says so,
	// on its line or in its paragraph.
	for _, para := range strings.Split(readme, "\n\n") {
		for _, line := range strings.Split(para, "\n") {
			if !strings.Contains(line, "go test -race") {
				continue
			}
			ctx := line
			if !strings.HasPrefix(line, "$ ") {
				ctx = para
			}
			require.Regexp(t, `cgo`, ctx, "%q does not say that -race needs cgo", line)
			require.Regexp(t, `gcc|C compiler`, ctx, "%q does not say that -race needs a C compiler", line)
		}
	}
	// The plain test command is there and is not -race.
	require.Contains(t, readme, "$ go test ./...")
}
