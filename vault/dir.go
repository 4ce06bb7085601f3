package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
	"github.com/tgsession/tgsession/vault/internal/envelope"
)

// A Dir is a vault: a directory (mode 0700) of named entries, each one
// binary age file "<name>.age" (mode 0600) holding an envelope, which the
// age CLI can decrypt. Writers hold an exclusive flock on the never-renamed
// file ".lock" and write every file atomically (temporary file, fsync,
// rename, directory fsync), so concurrent writers never lose an update and a
// crash leaves each entry either old or new. Readers take no lock. Stale
// temporary files (named [safefile.TempPrefix]…) are ignored and removed by
// the next writer.
//
// The non-secret side index "exports.json" maps each auth_key_id to the
// entries holding that key and the labels it was exported to (see
// [Dir.RecordExport]), so that a second live copy of one key can be warned
// about.
//
// A Dir's knobs are its exported fields; set them before use.
type Dir struct {
	// LockTimeout is how long writers wait for the vault lock (30 s when
	// zero).
	LockTimeout time.Duration
	// Warn receives warnings (an entry others may read, an index update
	// deferred to the next write); nil prints them to standard error.
	// Warnings never contain secrets.
	Warn func(msg string)

	path string
}

const (
	entrySuffix  = ".age"
	lockName     = ".lock"
	indexName    = "exports.json"
	maxIndexSize = 4 << 20
	// dirMode and fileMode are the permissions of a vault directory and
	// of the files in it.
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// InitDir opens the vault at path, creating it (and missing parents) with
// mode 0700 if it does not exist.
func InitDir(path string) (*Dir, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(path, dirMode); err != nil {
			return nil, fmt.Errorf("vault: creating %s: %w", path, err)
		}
		if err := os.Chmod(path, dirMode); err != nil {
			return nil, fmt.Errorf("vault: %w", err)
		}
		if err := safefile.SyncDir(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("vault: %w", err)
		}
	}
	return OpenDir(path)
}

// OpenDir opens the existing vault at path. It refuses a symbolic link, a
// non-directory and, on Unix, a directory accessible by group or others
// (ErrInsecure).
func OpenDir(path string) (*Dir, error) {
	st, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("vault: directory %s: %w", path, ErrNotFound)
		}
		return nil, fmt.Errorf("vault: %w", err)
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		return nil, errorf(ErrInsecure, "%s is a symbolic link; give the real path", path)
	case !st.IsDir():
		return nil, errorf(ErrInsecure, "%s is not a directory", path)
	case runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0:
		return nil, errorf(ErrInsecure, "vault directory %s is accessible by group or others (mode %04o); run chmod 700 %s", path, st.Mode().Perm(), path)
	}
	return &Dir{path: path}, nil
}

// Path returns the vault's directory.
func (d *Dir) Path() string { return d.path }

func (d *Dir) config() *config {
	c := newConfig()
	if d.LockTimeout != 0 {
		c.lockTimeout = d.LockTimeout
	}
	c.warn = d.Warn
	return c
}

// ValidName reports whether name is a valid entry name: 1–64 bytes of
// A–Z a–z 0–9 . _ -, not starting with '.', '_' or '-'.
func ValidName(name string) bool {
	if !envelope.ValidLabelName(name) {
		return false
	}
	c := name[0]
	return c != '.' && c != '_' && c != '-'
}

func checkName(name string) error {
	if !ValidName(name) {
		return errorf(ErrMalformed, "invalid entry name (want 1–64 of A–Z a–z 0–9 . _ -, not starting with . _ -)")
	}
	return nil
}

func (d *Dir) entryPath(name string) string { return filepath.Join(d.path, name+entrySuffix) }

// Put seals s to recipients ([FormBinary]) and stores it as entry name,
// recording the time of sealing unless s.CreatedAt is set.
// It fails with ErrExists if the entry exists (see [Dir.Replace]). The
// warnings report that the same key is already stored in another entry or
// was exported.
func (d *Dir) Put(name string, s *Session, recipients ...age.Recipient) ([]Warning, error) {
	return d.store(name, s, recipients, false)
}

// Replace stores s as entry name, as [Dir.Put] does, replacing the entry
// if it exists.
func (d *Dir) Replace(name string, s *Session, recipients ...age.Recipient) ([]Warning, error) {
	return d.store(name, s, recipients, true)
}

func (d *Dir) store(name string, s *Session, recipients []age.Recipient, overwrite bool) ([]Warning, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if s != nil && s.CreatedAt.IsZero() {
		cp := *s
		cp.CreatedAt = time.Now()
		s = &cp
	}
	sealed, err := s.Seal(FormBinary, recipients...)
	if err != nil {
		return nil, err
	}
	cfg := d.config()
	cfg.overwrite = overwrite
	return d.put(name, sealed, s.KeyID(), cfg)
}

// put stores sealed as entry name and records it in the index, as one
// unit: the new index is first written, complete and fsynced, as the
// pending record exports.json.pending together with the SHA-256 of the new
// entry; then the entry is written (its rename is the commit point); then
// the index is written and the pending record removed. A failure before
// the commit point removes the pending record and leaves the vault as it
// was; a crash leaves a pending record that readers and the next writer
// resolve (see loadIndex): applied if the entry holds exactly the recorded
// bytes, discarded otherwise. So the entry and its index change are never
// seen apart.
func (d *Dir) put(name string, sealed []byte, id codec.KeyID, cfg *config) ([]Warning, error) {
	unlock, err := d.lock(cfg)
	if err != nil {
		return nil, err
	}
	defer unlock()
	idx, err := d.settle(cfg)
	if err != nil {
		return nil, err
	}
	if !cfg.overwrite {
		if _, err := os.Lstat(d.entryPath(name)); err == nil {
			return nil, errorf(ErrExists, "entry %s exists (overwrite it explicitly)", name)
		}
	}
	idx.setEntry(name, id)
	warns := idx.warnings(name, id, "")
	sum := sha256.Sum256(sealed)
	rec := &pendingRecord{Version: 1, Op: opPut, Entry: name, SHA256: hex.EncodeToString(sum[:]), Index: idx}
	if err := d.writePending(rec); err != nil {
		return nil, err
	}
	if err := d.writeEntry(name, sealed, cfg.overwrite); err != nil {
		d.dropPending()
		return nil, err
	}
	d.commitPending(idx, cfg)
	return warns, nil
}

// writeEntry writes sealed as entry name atomically. Called under the lock.
func (d *Dir) writeEntry(name string, sealed []byte, overwrite bool) error {
	p, err := safefile.Create(d.entryPath(name), overwrite)
	if err != nil {
		if errors.Is(err, safefile.ErrExists) {
			return errorf(ErrExists, "entry %s exists (overwrite it explicitly)", name)
		}
		return fmt.Errorf("vault: writing entry %s: %w", name, err)
	}
	hook("entry:created")
	half := len(sealed) / 2
	if err := fault("entry:write"); err != nil {
		p.Abort()
		return fmt.Errorf("vault: writing entry %s: %w", name, err)
	}
	if _, err := p.Write(sealed[:half]); err != nil {
		p.Abort()
		return fmt.Errorf("vault: writing entry %s: %w", name, err)
	}
	hook("entry:partial")
	if _, err := p.Write(sealed[half:]); err != nil {
		p.Abort()
		return fmt.Errorf("vault: writing entry %s: %w", name, err)
	}
	if err := p.File().Sync(); err != nil {
		p.Abort()
		return fmt.Errorf("vault: writing entry %s: %w", name, err)
	}
	hook("entry:synced")
	if err := p.Commit(); err != nil {
		if errors.Is(err, safefile.ErrExists) {
			return errorf(ErrExists, "entry %s exists (overwrite it explicitly)", name)
		}
		return fmt.Errorf("vault: writing entry %s: %w", name, err)
	}
	hook("entry:committed")
	return nil
}

// readEntry reads entry name: a regular file, not a symbolic link, at most
// maxFileSize bytes.
func (d *Dir) readEntry(name string, cfg *config) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	p := d.entryPath(name)
	b, err := readRegular(p, maxFileSize, cfg)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errorf(ErrNotFound, "no entry %s in %s", name, d.path)
	}
	return b, err
}

// readRegular reads the regular file at p without following a symbolic
// link, refusing more than limit bytes.
func readRegular(p string, limit int, cfg *config) ([]byte, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errorf(ErrInsecure, "%s is not a regular file", p)
	}
	f, err := os.OpenFile(p, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	defer f.Close()
	fst, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	if !os.SameFile(st, fst) || !fst.Mode().IsRegular() {
		return nil, errorf(ErrInsecure, "%s changed while being opened", p)
	}
	if runtime.GOOS != "windows" && fst.Mode().Perm()&0o077 != 0 {
		cfg.warnf("%s is accessible by group or others (mode %04o); run chmod 600", p, fst.Mode().Perm())
	}
	if fst.Size() > int64(limit) {
		return nil, errorf(errTooLarge, "%s is %d bytes, limit %d", p, fst.Size(), limit)
	}
	b, err := readCapped(f, limit)
	if err != nil {
		return nil, fmt.Errorf("vault: %s: %w", p, err)
	}
	return b, nil
}

// Get opens entry name with ids, as [Open] does. Record where its key is
// exported with [Dir.RecordExport].
func (d *Dir) Get(name string, ids ...age.Identity) (*Session, error) {
	cfg := idConfig(ids)
	cfg.warn = d.Warn
	data, err := d.readEntry(name, cfg)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	s, err := open(data, cfg)
	if err != nil {
		return nil, at("entry "+name, err)
	}
	return s, nil
}

// Entry describes a vault entry without opening it.
type Entry struct {
	Name    string
	Size    int64
	ModTime time.Time
	// KeyID is the auth_key_id recorded in the index, zero if unknown.
	KeyID codec.KeyID
	// Exports are the labels the key was exported to.
	Exports []Export
}

// List returns the entries, sorted by name, ignoring temporary and other
// files.
func (d *Dir) List() ([]Entry, error) {
	des, err := os.ReadDir(d.path)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	idx, _, err := d.loadIndex()
	if err != nil {
		return nil, err
	}
	byEntry := map[string]codec.KeyID{}
	for hexID, rec := range idx.Keys {
		id, ok := parseKeyID(hexID)
		if !ok {
			continue
		}
		for _, e := range rec.Entries {
			byEntry[e] = id
		}
	}
	var out []Entry
	for _, de := range des {
		n := de.Name()
		name, ok := strings.CutSuffix(n, entrySuffix)
		if !ok || !ValidName(name) || !de.Type().IsRegular() {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		e := Entry{Name: name, Size: info.Size(), ModTime: info.ModTime()}
		if id, ok := byEntry[name]; ok {
			e.KeyID = id
			e.Exports = append(e.Exports, idx.Keys[id.String()].Exports...)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes entry name. Its export history stays in the index: the key
// may still be live where it was exported. The deletion and the index change
// are one unit, as for [Dir.Put]: nothing is deleted if the index cannot be
// read or the pending record cannot be written.
func (d *Dir) Remove(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	cfg := d.config()
	unlock, err := d.lock(cfg)
	if err != nil {
		return err
	}
	defer unlock()
	idx, err := d.settle(cfg)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(d.entryPath(name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errorf(ErrNotFound, "no entry %s in %s", name, d.path)
		}
		return fmt.Errorf("vault: %w", err)
	}
	idx.removeEntry(name)
	if err := d.writePending(&pendingRecord{Version: 1, Op: opRemove, Entry: name, Index: idx}); err != nil {
		return err
	}
	err = fault("entry:remove")
	if err == nil {
		err = os.Remove(d.entryPath(name))
	}
	if err != nil {
		d.dropPending()
		if errors.Is(err, fs.ErrNotExist) {
			return errorf(ErrNotFound, "no entry %s in %s", name, d.path)
		}
		return fmt.Errorf("vault: removing entry %s: %w", name, err)
	}
	hook("entry:removed")
	if err := safefile.SyncDir(d.path); err != nil {
		cfg.warnf("vault %s: syncing the directory after removing %s: %v", d.path, name, err)
	}
	d.commitPending(idx, cfg)
	return nil
}

// Rekey re-encrypts every entry to recipients, under the lock. It first
// checks that every entry opens with the identities (so that nothing is
// changed if one does not), then replaces the entries one by one, each
// atomically; the envelope bytes are kept as they are. It returns the
// number of entries rewritten; on an error in the second pass, the entries
// before it are rekeyed and the rest are untouched.
func (d *Dir) Rekey(recipients []age.Recipient, ids ...age.Identity) (int, error) {
	cfg := idConfig(ids)
	cfg.warn = d.Warn
	if d.LockTimeout != 0 {
		cfg.lockTimeout = d.LockTimeout
	}
	if err := checkRecipients(recipients, false); err != nil {
		return 0, err
	}
	ids, tried, err := loadIdentities(cfg)
	if err != nil {
		return 0, err
	}
	unlock, err := d.lock(cfg)
	if err != nil {
		return 0, err
	}
	defer unlock()
	entries, err := d.List()
	if err != nil {
		return 0, err
	}
	decrypt := func(name string) ([]byte, error) {
		data, err := d.readEntry(name, cfg)
		if err != nil {
			return nil, err
		}
		form, body, err := detectForm(data)
		if err != nil {
			return nil, at("entry "+name, err)
		}
		plain, err := decryptAge(form, body, ids, tried, envelope.MaxSize)
		if err != nil {
			return nil, at("entry "+name, err)
		}
		return plain, nil
	}
	for _, e := range entries {
		plain, err := decrypt(e.Name)
		if err != nil {
			return 0, err
		}
		clear(plain[:cap(plain)])
	}
	for i, e := range entries {
		plain, err := decrypt(e.Name)
		if err != nil {
			return i, err
		}
		sealed, err := encrypt(plain, FormBinary, recipients, cfg)
		clear(plain[:cap(plain)])
		if err != nil {
			return i, err
		}
		if err := d.writeEntry(e.Name, sealed, true); err != nil {
			return i, err
		}
	}
	return len(entries), nil
}

// lock takes the vault's exclusive lock and removes stale temporary files
// (no other writer can be running).
func (d *Dir) lock(cfg *config) (func(), error) {
	unlock, err := lockFile(filepath.Join(d.path, lockName), cfg.lockTimeout)
	if err != nil {
		return nil, err
	}
	if des, err := os.ReadDir(d.path); err == nil {
		for _, de := range des {
			if strings.HasPrefix(de.Name(), safefile.TempPrefix) {
				os.Remove(filepath.Join(d.path, de.Name()))
			}
		}
	}
	return unlock, nil
}
