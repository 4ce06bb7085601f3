package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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

// Warning reports a likely AUTH_KEY_DUPLICATED situation: one auth key
// stored in several entries or exported to several places. It holds no
// secret.
type Warning struct {
	KeyID   codec.KeyID
	Entry   string
	Message string
}

func (w Warning) String() string { return w.Message }

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

// RecordExport records that the key of entry name, whose auth_key_id is id,
// was exported to label (for example "prod" or "laptop"), and returns
// warnings if it was exported to other labels before: two live copies of
// one auth key get the account AUTH_KEY_DUPLICATED.
func (d *Dir) RecordExport(name string, id codec.KeyID, label string) ([]Warning, error) {
	return d.recordExport(name, id, label, d.config())
}

// ValidExportLabel reports whether label is 1–64 bytes of
// A–Z a–z 0–9 . _ - : @ / +.
func ValidExportLabel(label string) bool {
	if len(label) == 0 || len(label) > 64 {
		return false
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !(envelope.ValidLabelName(string(c)) || strings.IndexByte(":@/+", c) >= 0) {
			return false
		}
	}
	return true
}

func (d *Dir) recordExport(name string, id codec.KeyID, label string, cfg *config) ([]Warning, error) {
	if !ValidExportLabel(label) {
		return nil, errorf(ErrMalformed, "invalid export label (want 1–64 of A–Z a–z 0–9 . _ - : @ / +)")
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	unlock, err := d.lock(cfg)
	if err != nil {
		return nil, err
	}
	defer unlock()
	idx, err := d.settle(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(d.entryPath(name)); err == nil {
		idx.setEntry(name, id)
	}
	warns := idx.warnings(name, id, label)
	idx.addExport(id, name, label, time.Now().UTC().Truncate(time.Second))
	if err := d.writeIndex(idx); err != nil {
		return nil, err
	}
	return warns, nil
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

// Export records one export of a key.
type Export struct {
	Label string    `json:"label"`
	Entry string    `json:"entry"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
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

// index is the content of exports.json. It holds no secret: auth_key_ids
// are public fingerprints (sent in clear with every MTProto message).
type index struct {
	Version int                   `json:"version"`
	Keys    map[string]*keyRecord `json:"keys"`
}

type keyRecord struct {
	Entries []string `json:"entries,omitempty"`
	Exports []Export `json:"exports,omitempty"`
}

func parseKeyID(s string) (codec.KeyID, bool) {
	var id codec.KeyID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, false
	}
	copy(id[:], b)
	return id, true
}

func (d *Dir) readIndex() (*index, error) {
	idx := &index{Version: 1, Keys: map[string]*keyRecord{}}
	b, err := readRegular(filepath.Join(d.path, indexName), maxIndexSize, d.config())
	if errors.Is(err, fs.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, idx); err != nil {
		return nil, errorf(ErrMalformed, "%s is not valid JSON", indexName)
	}
	if err := idx.check(); err != nil {
		return nil, err
	}
	return idx, nil
}

func (d *Dir) writeIndex(idx *index) error {
	idx.prune()
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	hook("index:writing")
	if err := fault("index:write"); err != nil {
		return fmt.Errorf("vault: writing %s: %w", indexName, err)
	}
	if err := safefile.WriteFile(filepath.Join(d.path, indexName), append(b, '\n'), true); err != nil {
		return fmt.Errorf("vault: writing %s: %w", indexName, err)
	}
	hook("index:committed")
	return nil
}

// The pending record (exports.json.pending) makes an entry change and its
// index change one unit. It holds the operation, the entry, for a put the
// SHA-256 of the entry's new bytes, and the complete new index. It is
// written atomically and fsynced before the entry changes; it applies (the
// entry change happened) if the entry now holds exactly those bytes, or,
// for a remove, if the entry is gone.
const (
	pendingName = indexName + ".pending"
	opPut       = "put"
	opRemove    = "remove"
)

type pendingRecord struct {
	Version int    `json:"version"`
	Op      string `json:"op"`
	Entry   string `json:"entry"`
	SHA256  string `json:"sha256,omitempty"`
	Index   *index `json:"index"`
}

// loadIndex returns the index as it logically is: the pending record's
// index if a write was interrupted after its commit point, else
// exports.json. rec is the pending record found, if any (applied or not).
// It takes no lock and changes nothing.
func (d *Dir) loadIndex() (idx *index, rec *pendingRecord, err error) {
	b, err := readRegular(filepath.Join(d.path, pendingName), maxIndexSize, d.config())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		idx, err = d.readIndex()
		return idx, nil, err
	case err != nil:
		return nil, nil, err
	}
	rec = &pendingRecord{}
	if err := json.Unmarshal(b, rec); err != nil || rec.Version != 1 || rec.Index == nil ||
		!ValidName(rec.Entry) || (rec.Op != opPut && rec.Op != opRemove) {
		return nil, nil, errorf(ErrMalformed, "%s is not a valid pending index record (remove it to go on; the index may then miss the last change)", pendingName)
	}
	if err := rec.Index.check(); err != nil {
		return nil, nil, err
	}
	if d.pendingApplies(rec) {
		return rec.Index, rec, nil
	}
	idx, err = d.readIndex()
	return idx, rec, err
}

// pendingApplies reports whether the entry change of rec happened.
func (d *Dir) pendingApplies(rec *pendingRecord) bool {
	p := d.entryPath(rec.Entry)
	if rec.Op == opRemove {
		_, err := os.Lstat(p)
		return errors.Is(err, fs.ErrNotExist)
	}
	quiet := newConfig()
	quiet.warn = func(string) {}
	b, err := readRegular(p, maxFileSize, quiet)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]) == rec.SHA256
}

// settle, called by writers under the lock, resolves a pending record left
// by an interrupted write (writing its index if it applies, dropping it
// otherwise) and returns the current index.
func (d *Dir) settle(cfg *config) (*index, error) {
	idx, rec, err := d.loadIndex()
	if err != nil {
		return nil, err
	}
	if rec != nil {
		if d.pendingApplies(rec) {
			if err := d.writeIndex(idx); err != nil {
				return nil, err
			}
		}
		if err := os.Remove(filepath.Join(d.path, pendingName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("vault: removing %s: %w", pendingName, err)
		}
	}
	return idx, nil
}

// writePending writes rec atomically (temporary file, fsync, rename,
// directory fsync). On failure nothing is left behind.
func (d *Dir) writePending(rec *pendingRecord) error {
	rec.Index.prune()
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if err := fault("index:pending"); err != nil {
		return fmt.Errorf("vault: writing %s: %w", pendingName, err)
	}
	if err := safefile.WriteFile(filepath.Join(d.path, pendingName), append(b, '\n'), true); err != nil {
		return fmt.Errorf("vault: writing %s: %w", pendingName, err)
	}
	hook("index:pending")
	return nil
}

// dropPending removes the pending record after a failure before the commit
// point. If that fails too, the record is left for loadIndex, which
// discards it because the entry does not match it.
func (d *Dir) dropPending() {
	_ = os.Remove(filepath.Join(d.path, pendingName))
}

// commitPending writes idx as the index and removes the pending record,
// after the commit point. If the index cannot be written (a full disk),
// the pending record stays and keeps the change visible to readers until
// the next writer completes it; the caller's operation has succeeded.
func (d *Dir) commitPending(idx *index, cfg *config) {
	if err := d.writeIndex(idx); err != nil {
		cfg.warnf("vault %s: the index update is deferred to the next vault write (%v)", d.path, err)
		return
	}
	if err := os.Remove(filepath.Join(d.path, pendingName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		cfg.warnf("vault %s: removing %s: %v", d.path, pendingName, err)
	}
}

// check validates an index read from disk.
func (x *index) check() error {
	if x.Version != 1 {
		return errorf(ErrUnsupported, "%s version %d", indexName, x.Version)
	}
	if x.Keys == nil {
		x.Keys = map[string]*keyRecord{}
	}
	for k, r := range x.Keys {
		if r == nil {
			delete(x.Keys, k)
		}
	}
	return nil
}

// prune drops records that hold neither entries nor exports.
func (x *index) prune() {
	for k, r := range x.Keys {
		if len(r.Entries) == 0 && len(r.Exports) == 0 {
			delete(x.Keys, k)
		}
	}
}

func (x *index) removeEntry(name string) {
	for _, r := range x.Keys {
		r.Entries = slices.DeleteFunc(r.Entries, func(e string) bool { return e == name })
	}
}

func (x *index) setEntry(name string, id codec.KeyID) {
	x.removeEntry(name)
	r := x.Keys[id.String()]
	if r == nil {
		r = &keyRecord{}
		x.Keys[id.String()] = r
	}
	r.Entries = append(r.Entries, name)
	sort.Strings(r.Entries)
}

func (x *index) addExport(id codec.KeyID, name, label string, now time.Time) {
	r := x.Keys[id.String()]
	if r == nil {
		r = &keyRecord{}
		x.Keys[id.String()] = r
	}
	for i := range r.Exports {
		if r.Exports[i].Label == label {
			r.Exports[i].Last, r.Exports[i].Entry = now, name
			return
		}
	}
	r.Exports = append(r.Exports, Export{Label: label, Entry: name, First: now, Last: now})
}

// warnings describes the other places key id lives: other entries, and
// exports to labels other than label.
func (x *index) warnings(name string, id codec.KeyID, label string) []Warning {
	r := x.Keys[id.String()]
	if r == nil {
		return nil
	}
	var out []Warning
	var others []string
	for _, e := range r.Entries {
		if e != name {
			others = append(others, e)
		}
	}
	if len(others) > 0 {
		out = append(out, Warning{KeyID: id, Entry: name, Message: fmt.Sprintf(
			"auth key %s of entry %s is also stored in entry %s; using two copies of one auth key at once gets the account AUTH_KEY_DUPLICATED",
			id, name, strings.Join(others, ", "))})
	}
	var labels []string
	for _, e := range r.Exports {
		if e.Label != label {
			labels = append(labels, fmt.Sprintf("%q (from entry %s, last %s)", e.Label, e.Entry, e.Last.Format(time.RFC3339)))
		}
	}
	if len(labels) > 0 && label != "" {
		out = append(out, Warning{KeyID: id, Entry: name, Message: fmt.Sprintf(
			"auth key %s of entry %s was already exported to %s; two live copies of one auth key get the account AUTH_KEY_DUPLICATED and the key revoked: use a separate login per place",
			id, name, strings.Join(labels, ", "))})
	}
	return out
}
