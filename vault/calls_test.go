package vault_test

// The tests below were written as lists of per-call settings. This file
// turns such a list into the explicit API: identities are found by one
// KeySearch (or given), sealing settings become fields of the Session
// that is sealed, and Dir settings fields of the Dir. The settings never
// reach the library as options; each is applied where it belongs.

import (
	"errors"
	"io"
	"time"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

type call struct {
	ids         []age.Identity
	explicit    bool
	files       []string
	stdin       io.Reader
	noDefault   bool
	pass        func() ([]byte, error)
	maxWF       int
	ssh, pq     bool
	labels      map[string]string
	labelsSet   bool
	created     time.Time
	createdSet  bool
	att         []byte
	attKind     vault.AttachmentKind
	attSet      bool
	version     int
	warn        func(string)
	scrub       bool
	undumpable  bool
	exportLabel string
	overwrite   bool
	lockTimeout time.Duration
	keyCmdTO    time.Duration
	insecure    bool
}

type opt func(*call)

func settings(o []opt) *call {
	c := &call{}
	for _, f := range o {
		f(c)
	}
	return c
}

func optWithIdentities(ids ...age.Identity) opt {
	return func(c *call) { c.ids, c.explicit = append(c.ids, ids...), true }
}
func optWithIdentityFile(p string) opt { return func(c *call) { c.files = append(c.files, p) } }
func optWithStdin(r io.Reader) opt     { return func(c *call) { c.stdin = r } }
func optWithoutDefaultKeys() opt       { return func(c *call) { c.noDefault = true } }
func optWithPassphrase(f func() ([]byte, error)) opt {
	return func(c *call) { c.pass = f }
}

// optWithMaxWorkFactor clamps as the option did: 0 and below mean 1 (the
// KeySearch field's zero value means the default instead).
func optWithMaxWorkFactor(n int) opt { return func(c *call) { c.maxWF = max(n, 1) } }
func optWithSSH() opt                { return func(c *call) { c.ssh = true } }
func optRequirePQ() opt              { return func(c *call) { c.pq = true } }
func optWithLabels(l map[string]string) opt {
	return func(c *call) { c.labels, c.labelsSet = l, true }
}
func optWithCreatedAt(t time.Time) opt { return func(c *call) { c.created, c.createdSet = t, true } }
func optWithAttachment(kind vault.AttachmentKind, data []byte) opt {
	return func(c *call) { c.attKind, c.att, c.attSet = kind, append([]byte(nil), data...), true }
}
func optWithoutAttachment() opt                { return func(c *call) { c.att, c.attSet = nil, true } }
func optWithEnvelopeVersion(v int) opt         { return func(c *call) { c.version = v } }
func optWithWarnings(f func(string)) opt       { return func(c *call) { c.warn = f } }
func optScrubKeyEnv() opt                      { return func(c *call) { c.scrub = true } }
func optUndumpable() opt                       { return func(c *call) { c.undumpable = true } }
func optWithExportLabel(l string) opt          { return func(c *call) { c.exportLabel = l } }
func optOverwrite() opt                        { return func(c *call) { c.overwrite = true } }
func optWithLockTimeout(d time.Duration) opt   { return func(c *call) { c.lockTimeout = d } }
func optWithKeyCmdTimeout(d time.Duration) opt { return func(c *call) { c.keyCmdTO = d } }
func optAllowInsecureKeyFile() opt             { return func(c *call) { c.insecure = true } }

// keySearch is the KeySearch the settings describe: the environment, the
// files and the default file, unless identities are given explicitly.
func (c *call) keySearch() *vault.KeySearch {
	return &vault.KeySearch{
		Env: !c.explicit, Files: c.files, Stdin: c.stdin, DefaultFile: !c.explicit && !c.noDefault,
		KeyCmdTimeout: c.keyCmdTO, AllowInsecureFiles: c.insecure, SSH: c.ssh, RequirePQ: c.pq,
		Passphrase: c.pass, MaxWorkFactor: c.maxWF, ScrubEnv: c.scrub, Undumpable: c.undumpable, Warn: c.warn,
	}
}

// identities returns what an opening call with these settings uses:
// the explicit identities (post-quantum ones only with RequirePQ), plus
// what the KeySearch finds.
func (c *call) identities() ([]age.Identity, error) {
	ks := c.keySearch()
	if !c.explicit {
		found, err := ks.Find()
		if err != nil {
			return nil, err
		}
		return []age.Identity{found}, nil
	}
	var ids []age.Identity
	for _, id := range c.ids {
		if _, ok := id.(*age.HybridIdentity); ok || !c.pq {
			ids = append(ids, id)
		}
	}
	if c.pass != nil || len(c.files) > 0 {
		found, err := ks.Find()
		if err != nil && !errors.Is(err, vault.ErrNoIdentity) {
			return nil, err
		}
		if err == nil {
			ids = append(ids, found)
		}
	}
	return ids, nil
}

func openWith(data []byte, o ...opt) (*vault.Session, error) {
	c := settings(o)
	ids, err := c.identities()
	if err != nil {
		return nil, err
	}
	return vault.Open(data, ids...)
}

func openFileWith(path string, o ...opt) (*vault.Session, error) {
	ids, err := settings(o).identities()
	if err != nil {
		return nil, err
	}
	return vault.OpenFile(path, ids...)
}

func openReaderWith(r io.Reader, o ...opt) (*vault.Session, error) {
	data, err := io.ReadAll(io.LimitReader(r, vault.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	return openWith(data, o...)
}

// openEnvWith finds the identities, then opens the variable; when the
// search fails, the variable is still taken out of the environment.
func openEnvWith(name string, o ...opt) (*vault.Session, error) {
	ids, err := settings(o).identities()
	if err != nil {
		if _, oerr := vault.OpenEnv(name); oerr != nil && !errors.Is(oerr, vault.ErrNoIdentity) {
			return nil, oerr
		}
		return nil, err
	}
	return vault.OpenEnv(name, ids...)
}

func findWith(o ...opt) (*vault.Identities, error) { return settings(o).keySearch().Find() }

// sessionWith applies the sealing settings to a copy of s. Without a
// creation time, the time of sealing is recorded, except in FormText.
func (c *call) sessionWith(s *vault.Session, form vault.Form) (*vault.Session, error) {
	cp := *s
	if c.labelsSet {
		cp.Labels = c.labels
	}
	switch {
	case c.createdSet:
		cp.CreatedAt = c.created
	case form == vault.FormText:
		cp.CreatedAt = time.Time{}
	default:
		cp.CreatedAt = time.Now()
	}
	if c.attSet {
		if err := vault.SetAttachmentKind(&cp, c.attKind, c.att); err != nil {
			return nil, err
		}
	}
	cp.EnvelopeVersion = c.version
	return &cp, nil
}

func (c *call) checkPQ(recs []age.Recipient) error {
	if c.pq {
		return vault.CheckRecipientsPQ(recs)
	}
	return nil
}

func sealWith(cs *codec.Session, form vault.Form, recs []age.Recipient, o ...opt) ([]byte, error) {
	if cs == nil {
		var s *vault.Session
		return s.Seal(form, recs...)
	}
	s, err := vault.NewSession(cs)
	if err != nil {
		return nil, err
	}
	defer s.Destroy()
	return sealSessionWith(s, form, recs, o...)
}

func sealSessionWith(s *vault.Session, form vault.Form, recs []age.Recipient, o ...opt) ([]byte, error) {
	c := settings(o)
	if err := c.checkPQ(recs); err != nil {
		return nil, err
	}
	cp, err := c.sessionWith(s, form)
	if err != nil {
		return nil, err
	}
	return cp.Seal(form, recs...)
}

func (c *call) dir(d *vault.Dir) *vault.Dir {
	cp := *d
	if c.lockTimeout != 0 {
		cp.LockTimeout = c.lockTimeout
	}
	if c.warn != nil {
		cp.Warn = c.warn
	}
	return &cp
}

func initDirWith(path string, o ...opt) (*vault.Dir, error) {
	d, err := vault.InitDir(path)
	if err != nil {
		return nil, err
	}
	return settings(o).dir(d), nil
}

func openDirWith(path string, o ...opt) (*vault.Dir, error) {
	d, err := vault.OpenDir(path)
	if err != nil {
		return nil, err
	}
	return settings(o).dir(d), nil
}

func addWith(d *vault.Dir, name string, cs *codec.Session, recs []age.Recipient, o ...opt) ([]vault.Warning, error) {
	s, err := vault.NewSession(cs)
	if err != nil {
		return nil, err
	}
	defer s.Destroy()
	return putWith(d, name, s, recs, o...)
}

func putWith(d *vault.Dir, name string, s *vault.Session, recs []age.Recipient, o ...opt) ([]vault.Warning, error) {
	c := settings(o)
	if !vault.ValidName(name) {
		return c.dir(d).Put(name, s, recs...)
	}
	if err := c.checkPQ(recs); err != nil {
		return nil, err
	}
	cp, err := c.sessionWith(s, vault.FormBinary)
	if err != nil {
		return nil, err
	}
	if c.overwrite {
		return c.dir(d).Replace(name, cp, recs...)
	}
	return c.dir(d).Put(name, cp, recs...)
}

func getWith(d *vault.Dir, name string, o ...opt) (*vault.Session, []vault.Warning, error) {
	c := settings(o)
	dd := c.dir(d)
	ids, err := c.identities()
	if err != nil {
		return nil, nil, err
	}
	s, err := dd.Get(name, ids...)
	if err != nil || c.exportLabel == "" {
		return s, nil, err
	}
	warns, err := dd.RecordExport(name, s.KeyID(), c.exportLabel)
	if err != nil {
		s.Destroy()
		return nil, nil, err
	}
	return s, warns, nil
}

func removeWith(d *vault.Dir, name string, o ...opt) error { return settings(o).dir(d).Remove(name) }

func rekeyWith(d *vault.Dir, recs []age.Recipient, o ...opt) (int, error) {
	c := settings(o)
	if err := c.checkPQ(recs); err != nil {
		return 0, err
	}
	ids, err := c.identities()
	if err != nil {
		return 0, err
	}
	return c.dir(d).Rekey(recs, ids...)
}

func parseIdentitiesWith(r io.Reader, o ...opt) ([]age.Identity, error) {
	return settings(o).keySearch().ParseIdentities(r)
}

func parseRecipientsWith(r io.Reader, o ...opt) ([]age.Recipient, error) {
	return settings(o).keySearch().ParseRecipients(r)
}

// attachmentOf returns s's attachment and its kind.
func attachmentOf(s *vault.Session) (vault.AttachmentKind, []byte) { return vault.AttachmentOf(s) }

// recipientOf returns the recipient of a native age or SSH identity.
func recipientOf(id age.Identity) (age.Recipient, error) {
	switch id := id.(type) {
	case *age.X25519Identity:
		return id.Recipient(), nil
	case *age.HybridIdentity:
		return id.Recipient(), nil
	case *agessh.Ed25519Identity:
		return id.Recipient(), nil
	case *agessh.RSAIdentity:
		return id.Recipient(), nil
	}
	return nil, vault.ErrUnsupported
}
