package cli

// This file holds what the commands that touch sealed sessions share:
// memguard process hygiene, identity options and recipient parsing.

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"filippo.io/age"
	"github.com/awnumar/memguard"
	"github.com/tgsession/tgsession/vault"
)

// guardMemory returns memguard.Purge, for a command that handles auth
// keys in memguard to defer. Signals are not memguard's business here:
// memguard's CatchSignal handler exits at once, which skipped removing
// temporary files; the process's own handler (signals.go) wipes memguard's
// buffers after that cleanup. Importing memguard also sets RLIMIT_CORE to
// 0 for the process and its children.
func guardMemory() func() {
	return memguard.Purge
}

// keySearch returns the one key discovery every opening command uses: the
// identity environment variables, the -i files (standard input for "-i
// -"), the default keys file, and warnings in our voice.
func (c *cli) keySearch(ids []string) *vault.KeySearch {
	if slices.Contains(ids, "-") {
		c.stdinRead = true // read by the search
	}
	return &vault.KeySearch{
		Env:                true,
		Files:              ids,
		Stdin:              c.stdin,
		DefaultFile:        true,
		AllowInsecureFiles: c.getenv(envAllowInsecureKeyFile) == "1",
		// A command opens, uses and exits: one locked buffer per key, not
		// an Enclave and its key Coffer (issue 11: unseal cost).
		Ephemeral: true,
		Warn:      func(msg string) { c.warnf("%s", msg) },
	}
}

// findIdentities runs the key search of ks, with the CLI's hints on
// failure.
func findIdentities(ks *vault.KeySearch) (*vault.Identities, error) {
	found, err := ks.Find()
	if err != nil {
		return nil, vaultError(err)
	}
	return found, nil
}

// envAllowInsecureKeyFile, set to 1, lets identity files that group or
// others may access be used (with a warning) instead of refused.
const envAllowInsecureKeyFile = "TGSESSION_ALLOW_INSECURE_KEYS"

// parseRecipients parses -r values and -R files under the SSH and
// RequirePQ policy of ks (nil: neither).
func parseRecipients(cmd string, rs, files []string, ks *vault.KeySearch) ([]age.Recipient, error) {
	if ks == nil {
		ks = &vault.KeySearch{}
	}
	var out []age.Recipient
	for i, r := range rs {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(r)), "AGE-SECRET-KEY-") || strings.HasPrefix(strings.TrimSpace(r), "-----BEGIN") {
			return nil, withHints(usageErrorf("%s: -r value %d is a secret key, not a recipient", cmd, i+1),
				"-r takes a public recipient (age1…, from age-keygen -y); the secret key you typed is now in your shell history: treat it as exposed")
		}
		rr, err := ks.ParseRecipients(strings.NewReader(r))
		if err != nil {
			return nil, sshHint(err, failf("%s: -r value %d: %v", cmd, i+1, err))
		}
		out = append(out, rr...)
	}
	for _, path := range files {
		f, err := openInput(path)
		if err != nil {
			return nil, openError(path, err)
		}
		rr, err := ks.ParseRecipients(f)
		f.Close()
		if err != nil {
			return nil, sshHint(err, failf("%s: -R %s: %v", cmd, path, err))
		}
		out = append(out, rr...)
	}
	return out, nil
}

// vaultError adds hints to errors from package vault.
func vaultError(err error) error {
	var nid *vault.NoIdentityError
	var wk *vault.WrongKeyError
	var ml *vault.MemlockError
	var ik *vault.InsecureKeyFileError
	var kc *vault.KeyCmdError
	switch {
	case errors.As(err, &nid):
		hints := []string{"set " + vault.EnvKey + ", " + vault.EnvKeyFile + " or " + vault.EnvKeyCmd + ", or pass -i FILE"}
		if p, perr := (&vault.KeySearch{}).DefaultFilePath(); perr == nil {
			hints = append(hints, fmt.Sprintf("to create a default identity: mkdir -p %s && age-keygen -o %s", filepath.Dir(p), p))
		}
		return withHints(failf("%v", err), hints...)
	case errors.As(err, &wk):
		return withHints(failf("%v", err), "check that the value was sealed to one of your recipients (age-keygen -y prints them)")
	case errors.As(err, &ml):
		kib := ml.NeedKiB()
		return withHints(failf("%v", err), fmt.Sprintf("in a container: docker run --ulimit memlock=%d:%d, or --cap-add IPC_LOCK", kib*1024, kib*1024))
	case errors.As(err, &ik):
		return withHints(failf("%v", err), "an identity file must be readable by you only (as OpenSSH requires of private keys); to use it anyway, set "+envAllowInsecureKeyFile+"=1")
	case errors.As(err, &kc):
		return withHints(failf("%v", err), "check that $"+vault.EnvKeyCmd+" prints the identity quickly and exits 0 when run by hand")
	case errors.Is(err, vault.ErrNotSealed):
		return withHints(failf("%v", err), `this is a plain session string: seal it with "tgsession seal", or inspect it with "tgsession inspect"`)
	}
	return sshHint(err, failf("%v", err))
}

// sshHint adds the --ssh hint to err when the library refused an SSH key
// or recipient because SSH keys were not enabled.
func sshHint(libErr, err error) error {
	if errors.Is(libErr, vault.ErrUnsupported) && strings.Contains(libErr.Error(), "SSH") && strings.Contains(libErr.Error(), "enabled explicitly") {
		return withHints(err, "SSH keys are enabled with --ssh")
	}
	return err
}
