package main

import (
	"errors"
	"os/exec"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

var execCmd = &command{
	name:    "exec",
	summary: "run a command with sealed sessions opened into its environment",
	help: `Usage: tgsession exec --env NAME=SOURCE... [--as FORMAT] [--label LABEL]
                      [-i FILE]... [--vault DIR] -- COMMAND [ARG...]

Opens sealed sessions, converts them to the format the program expects and
runs COMMAND with each one in its environment variable NAME, like
"sops exec-env". On Unix tgsession replaces itself with COMMAND, so the
exit status is COMMAND's.

SOURCE is a vault entry name, or env:VAR for a sealed value in the
environment variable VAR, or file:PATH for a sealed file. The sealed
variables are not passed on, and neither are TGSESSION_AGE_KEY,
TGSESSION_AGE_KEY_FILE and TGSESSION_AGE_KEY_CMD: the program gets the
sessions and nothing that opens them.

` + identityHelp + `
Flags:
    --env NAME=SOURCE    set NAME to the session from SOURCE; repeatable
    --as FORMAT          string format for every NAME (default: the format
                         each session was sealed from)
    --label LABEL        record, for vault entries, that the key is exported
                         to LABEL; a key exported to a second label warns
                         (AUTH_KEY_DUPLICATED)
    -i, --identity FILE  an identity file; repeatable
    --vault DIR          the vault directory (see "tgsession help vault")

Examples:
    tgsession exec --env TG_SESSION=mybot --as telethon --label prod -- python3 bot.py
    SEALED="$(cat session.sealed)" tgsession exec --env SESSION=env:SEALED --as gramjs -- node bot.js
`,
	run: runExec,
}

// keyEnv are the identity variables never passed to the child.
var keyEnv = []string{vault.EnvKey, vault.EnvKeyFile, vault.EnvKeyCmd}

func runExec(c *cli, cmd *command, args []string) error {
	purge := guardMemory()
	defer purge()
	fs := newFlagSet(cmd)
	var specs, ids stringList
	fs.Var(&specs, "env", "")
	fs.Var(&ids, "i", "")
	fs.Var(&ids, "identity", "")
	as := fs.String("as", "", "")
	label := fs.String("label", "", "")
	dirPath := fs.String("vault", "", "")
	argv, err := c.parseFlags(cmd, fs, args, false)
	if err != nil {
		return err
	}
	if len(specs) == 0 {
		return withHints(usageErrorf("exec: at least one --env NAME=SOURCE is required"), `run "tgsession help exec" for usage`)
	}
	if len(argv) == 0 {
		return usageErrorf("exec: missing COMMAND (give it after --)")
	}
	to := codec.FormatUnknown
	if *as != "" {
		f, err := codec.ParseFormat(*as)
		if err != nil {
			return usageErrorf("exec: --as takes a string format (one of %s)", formatList(codec.Formats))
		}
		to = f
	}
	if *label != "" && !vault.ValidExportLabel(*label) {
		return usageErrorf("exec: invalid --label (want 1–64 of A–Z a–z 0–9 . _ - : @ / +)")
	}
	var full []string
	needVault := false
	for _, s := range specs {
		name, src, ok := strings.Cut(s, "=")
		if !ok || name == "" || src == "" {
			return usageErrorf("exec: --env takes NAME=SOURCE (SOURCE: a vault entry name, env:VAR or file:PATH)")
		}
		if looksLikeSecret(src) {
			return withHints(usageErrorf("exec: --env %s: the source looks like a session or key, not a name", name),
				"sealed values are passed by name: --env NAME=env:VAR, with the value in $VAR")
		}
		if !strings.Contains(src, ":") {
			src = "vault:" + src
		}
		if strings.HasPrefix(src, "vault:") {
			needVault = true
		}
		full = append(full, name+"="+src)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return failf("exec: %s: command not found", argv[0])
	}
	opts := c.vaultOptions(ids)
	if needVault {
		vf := vaultFlags{dir: *dirPath}
		d, err := vf.open(false)
		if err != nil {
			return err
		}
		opts = append(opts, vault.WithDir(d))
	}
	if *label != "" {
		opts = append(opts, vault.WithExportLabel(*label))
	}
	base := dropEnv(c.environ(), keyEnv)
	res, err := vault.ExecEnv(base, full, to, opts...)
	if err != nil {
		var mf *codec.MissingFieldError
		if errors.As(err, &mf) {
			return withHints(failf("%v", err), "exec converts sealed sessions as they are; for a format that needs more values, seal a session that has them (convert first)")
		}
		return vaultError(err)
	}
	c.printWarnings(res.Warnings)
	env := res.Environ()
	// Nothing of ours is needed after exec; wipe memguard's buffers now,
	// since deferred calls do not run when the process is replaced.
	purge()
	err = c.execve(path, argv, env)
	// Only reached if exec failed (or, off Unix, after the child exits).
	return err
}

// dropEnv returns env without the variables named in names.
func dropEnv(env []string, names []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			if k == n {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
