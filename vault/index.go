package vault

// The export index: exports.json, the non-secret record of which entries
// hold which auth key and where each key was exported, and the pending
// record that makes an entry change and its index change one unit.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
	"github.com/tgsession/tgsession/vault/internal/envelope"
)

// Warning reports a likely AUTH_KEY_DUPLICATED situation: one auth key
// stored in several entries or exported to several places. It holds no
// secret.
type Warning struct {
	KeyID   codec.KeyID
	Entry   string
	Message string
}

func (w Warning) String() string { return w.Message }

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

// Export records one export of a key.
type Export struct {
	Label string    `json:"label"`
	Entry string    `json:"entry"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
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
