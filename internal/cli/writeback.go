package cli

// exec --write-back (issue 13, "writes back if asked"): the child of a
// fleet source gets $TGSESSION_WRITE_BACK, the path of an empty 0600 file
// in a private directory; after it exits, a session string it wrote there
// is checked against the leased session, resealed to the entry's
// recipients and written back with the lease's fencing token, before the
// lease is released.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// envWriteBack names the file the child may write its updated session to.
const envWriteBack = "TGSESSION_WRITE_BACK"

// maxWriteBack bounds what is read back (a session string is far smaller).
const maxWriteBack = 1 << 20

// errWriteBackAccount: the handed-back session is not the leased
// session's account.
var errWriteBackAccount = errors.New("the session written back is not the leased session's account")

// errWriteBackFile: the write-back file was replaced by something that is
// not a regular file.
var errWriteBackFile = errors.New("the write-back file is not a regular file")

// writeBackFile is the private directory and file of one exec.
type writeBackFile struct {
	dir, path string
	unhook    func()
}

// newWriteBackFile creates a private directory (0700) holding an empty
// file (0600) for the child. It is removed by remove, and on a forced exit
// on a signal.
func newWriteBackFile() (*writeBackFile, error) {
	dir, err := os.MkdirTemp("", "tgsession-write-back-")
	if err != nil {
		return nil, failf("exec: --write-back: creating a private directory: %v", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, failf("exec: --write-back: %v", err)
	}
	path := filepath.Join(dir, "session")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return nil, failf("exec: --write-back: %v", err)
	}
	f.Close()
	w := &writeBackFile{dir: dir, path: path}
	w.unhook = interrupts.onExit(func() { os.RemoveAll(dir) })
	return w, nil
}

// remove deletes the directory and what the child left in it.
func (w *writeBackFile) remove() {
	w.unhook()
	if f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_TRUNC, 0); err == nil {
		f.Close() // truncate first: what the child wrote is a session
	}
	os.RemoveAll(w.dir)
}

// read returns what the child wrote, trimmed; "" when nothing. Only a
// regular file is read (the child may have replaced it with a link).
func (w *writeBackFile) read() (string, error) {
	fi, err := os.Lstat(w.path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("$%s is no longer a regular file: %w", envWriteBack, errWriteBackFile)
	}
	f, err := os.Open(w.path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxWriteBack+1))
	if err != nil {
		return "", err
	}
	defer clear(b)
	if len(b) > maxWriteBack {
		return "", fmt.Errorf("$%s holds more than %d bytes: %w", envWriteBack, maxWriteBack, codec.ErrTooLarge)
	}
	return strings.TrimSpace(string(b)), nil
}

// writeBack stores the session the child wrote (if any) in s's entry
// with s's lease. It returns whether something was written.
func (c *cli) writeBack(w *writeBackFile, s *fleetSource) (bool, error) {
	name := s.lease.Name
	text, err := w.read()
	if err != nil {
		return false, failf("exec: --write-back: fleet:%s: %v", name, err)
	}
	if text == "" {
		return false, nil
	}
	cs, err := codec.Decode(text)
	if err != nil {
		return false, withHints(failf("exec: --write-back: fleet:%s: what the command wrote to $%s is not a session string: %v", name, envWriteBack, err),
			"write one session string (any format tgsession reads) to the file, or nothing")
	}
	defer cs.Wipe()
	if s.meta == nil {
		return false, failf("exec: --write-back: fleet:%s was not opened", name)
	}
	if err := sameAccount(s, cs); err != nil {
		return false, withHints(failf("exec: --write-back: fleet:%s: %v", name, err),
			"a new key (after a DC migration) is accepted only from a session string that carries the user id (Pyrogram, mtcute), equal to the stored one")
	}
	if !cs.UserID.Known() {
		cs.UserID = s.userID
	}
	if s.format != codec.FormatUnknown {
		cs.Source, cs.Layout = s.format, ""
	}
	if len(s.meta.Recipients) == 0 {
		return false, failf("exec: --write-back: fleet:%s records no recipients to reseal to", name)
	}
	recipients, err := parseRecipients("exec --write-back", s.meta.Recipients, nil, nil)
	if err != nil {
		return false, err
	}
	vs, err := vault.NewSession(cs)
	if err != nil {
		return false, vaultError(err)
	}
	defer vs.Destroy()
	vs.Labels = s.labels
	sealed, err := vs.Seal(vault.FormText, recipients...)
	if err != nil {
		return false, vaultError(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.st.WriteBack(ctx, s.lease, vs.KeyID().String(), sealed); err != nil {
		return false, fleetError("exec: --write-back", err)
	}
	return true, nil
}

// sameAccount checks that cs (handed back by the child) is the leased
// session's account: the same auth key (a new DC address, port or entity
// data is fine), or a new key with the same user id, known on both sides.
// A test-mode session never replaces a production one or the reverse.
func sameAccount(s *fleetSource, cs *codec.Session) error {
	if a, b := s.meta.AuthKeyID, cs.AuthKeyID().String(); a == b {
		return nil
	}
	if a, ok := s.testMode.Get(); ok {
		if b, ok := cs.TestMode.Get(); ok && a != b {
			return fmt.Errorf("test mode differs: %w", errWriteBackAccount)
		}
	}
	old, ok1 := s.userID.Get()
	nu, ok2 := cs.UserID.Get()
	switch {
	case !ok1:
		return fmt.Errorf("it has a new auth key and the stored session records no user id to compare: %w", errWriteBackAccount)
	case !ok2:
		return fmt.Errorf("it has a new auth key and carries no user id: %w", errWriteBackAccount)
	case old != nu:
		return fmt.Errorf("its user id %d is not the stored %d: %w", nu, old, errWriteBackAccount)
	}
	return nil
}
