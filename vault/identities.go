package vault

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// Identities is a set of age identities found by [KeySearch.Find], with the
// places they came from. It never prints the identities.
type Identities struct {
	// ids is reached through a pointer to a struct of pointers (see
	// ExecResult.env): a []age.Identity field would let fmt print the
	// identities' secret keys for %s, %q, … when an Identities value sits
	// in an unexported field of a caller's struct.
	ids   *idBox
	tried []string
	// ephemeral: sessions opened with these identities hold their key in
	// a locked buffer (KeySearch.Ephemeral).
	ephemeral bool
}

// idBox holds identities; see Identities.ids.
type idBox struct{ p *[]age.Identity }

func newIdentities(ids []age.Identity, tried []string) *Identities {
	return &Identities{ids: &idBox{&ids}, tried: tried}
}

// list returns the identities.
func (i *Identities) list() []age.Identity {
	if i == nil || i.ids == nil || i.ids.p == nil {
		return nil
	}
	return *i.ids.p
}

// Len returns the number of identities.
func (i *Identities) Len() int { return len(i.list()) }

// Sources returns the places searched, with what each gave ("$TGSESSION_AGE_KEY
// (1 identity)", "/root/.config/tgsession/keys.txt (no such file)").
func (i *Identities) Sources() []string {
	if i == nil {
		return nil
	}
	return append([]string(nil), i.tried...)
}

// Unwrap implements [age.Identity]: it tries each identity in turn, as
// age does with a list. An *Identities passed to [Open] also names, in a
// [*WrongKeyError], the places its identities came from.
func (i *Identities) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, id := range i.list() {
		key, err := id.Unwrap(stanzas)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		return key, err
	}
	return nil, age.ErrIncorrectIdentity
}

// String returns a summary without secrets.
func (i Identities) String() string {
	return "vault.Identities{" + strconv.Itoa(i.Len()) + " identities from " + strings.Join(i.tried, "; ") + "}"
}

// GoString implements fmt.GoStringer with the summary.
func (i Identities) GoString() string { return i.String() }

// Format implements fmt.Formatter: every verb prints the summary.
func (i Identities) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(i.String())) }

// LogValue implements slog.LogValuer with the summary.
func (i Identities) LogValue() slog.Value { return slog.StringValue(i.String()) }

// MarshalJSON implements json.Marshaler with the sources only.
func (i Identities) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(i.String())), nil
}

// sealedPrefixes start values that are sealed sessions, not identities.
var sealedPrefixes = []string{textPrefixBase, ageIntro, armorHeader}

func parseIdentities(b []byte, where string, cfg *config) ([]age.Identity, error) {
	t := bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(t)
	for _, p := range sealedPrefixes {
		if bytes.HasPrefix(trimmed, []byte(p)) {
			return nil, errorf(ErrMalformed, "%s holds a sealed session, not an age identity (are the variables swapped?)", where)
		}
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		return parseSSHIdentity(trimmed, where, cfg)
	}
	var ids []age.Identity
	sc := bufio.NewScanner(bytes.NewReader(t))
	sc.Buffer(make([]byte, 0, 4096), maxIdentitySize+1)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "AGE-PLUGIN-"):
			return nil, errorf(ErrUnsupported, "%s: line %d: age plugin identities are not supported", where, n)
		case strings.HasPrefix(line, "age1"):
			return nil, errorf(ErrMalformed, "%s: line %d: is a recipient (public key), not an identity", where, n)
		}
		got, err := age.ParseIdentities(strings.NewReader(line))
		if err != nil || len(got) != 1 {
			// age's errors never include the line, but we do not depend on it.
			return nil, errorf(ErrMalformed, "%s: line %d: not a valid age identity", where, n)
		}
		ids = append(ids, got[0])
	}
	if sc.Err() != nil {
		return nil, errorf(ErrMalformed, "%s: line %d is too long", where, n+1)
	}
	if len(ids) == 0 {
		return nil, errorf(ErrMalformed, "%s holds no identities", where)
	}
	return ids, nil
}

func parseSSHIdentity(pem []byte, where string, cfg *config) ([]age.Identity, error) {
	if !cfg.allowSSH {
		return nil, errorf(ErrUnsupported, "%s holds an SSH or PEM private key; SSH keys must be enabled explicitly", where)
	}
	id, err := agessh.ParseIdentity(pem)
	if err != nil {
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			return nil, errorf(ErrUnsupported, "%s: passphrase-protected SSH keys are not supported", where)
		}
		return nil, errorf(ErrMalformed, "%s: not a valid SSH private key", where)
	}
	return []age.Identity{id}, nil
}

// passphraseIdentity is an scrypt identity that asks for the passphrase only
// when the file is passphrase-encrypted, and refuses work factors above
// maxLogN before doing any scrypt work.
type passphraseIdentity struct {
	get     func() ([]byte, error)
	maxLogN int
}

// ownError marks an error from this package's own identity code, so that
// classifyDecrypt passes it through (age returns it unchanged).
type ownError struct{ err error }

func (e *ownError) Error() string { return e.err.Error() }
func (e *ownError) Unwrap() error { return e.err }

func (p *passphraseIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	key, err := p.unwrap(stanzas)
	if err != nil && !errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, &ownError{err}
	}
	return key, err
}

func (p *passphraseIdentity) unwrap(stanzas []*age.Stanza) ([]byte, error) {
	var st *age.Stanza
	for _, s := range stanzas {
		if s.Type == "scrypt" {
			st = s
		}
	}
	if st == nil {
		return nil, fmt.Errorf("%w: file is not passphrase-encrypted", age.ErrIncorrectIdentity)
	}
	if len(stanzas) != 1 {
		return nil, errorf(ErrMalformed, "an scrypt stanza must be the only one")
	}
	if len(st.Args) != 2 {
		return nil, errorf(ErrMalformed, "invalid scrypt stanza")
	}
	w := st.Args[1]
	logN, err := strconv.Atoi(w)
	if err != nil || len(w) > 2 || w[0] == '0' || logN < 1 {
		return nil, errorf(ErrMalformed, "invalid scrypt work factor encoding")
	}
	if logN > p.maxLogN {
		return nil, errorf(errTooLarge, "scrypt work factor %d is above the cap %d", logN, p.maxLogN)
	}
	pass, err := p.get()
	if err != nil {
		clear(pass)
		return nil, fmt.Errorf("vault: reading passphrase: %w", err)
	}
	if len(pass) == 0 {
		return nil, errorf(ErrMalformed, "empty passphrase")
	}
	id, err := age.NewScryptIdentity(string(pass))
	clear(pass)
	if err != nil {
		return nil, errorf(ErrMalformed, "invalid passphrase")
	}
	id.SetMaxWorkFactor(p.maxLogN)
	key, err := id.Unwrap(stanzas)
	if err != nil && !errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, errorf(ErrMalformed, "invalid scrypt stanza")
	}
	return key, err
}

// parseRecipients parses recipients from r under cfg's SSH and RequirePQ
// policy (see [KeySearch.ParseRecipients]).
func parseRecipients(r io.Reader, cfg *config) ([]age.Recipient, error) {
	b, err := readCapped(r, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("vault: recipients: %w", err)
	}
	var recs []age.Recipient
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20+1)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\xef\xbb\xbf"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var rec age.Recipient
		switch {
		case strings.HasPrefix(line, "AGE-SECRET-KEY-"):
			return nil, errorf(ErrMalformed, "recipients: line %d is an identity (secret key), not a recipient; derive the recipient with age-keygen -y", n)
		case strings.HasPrefix(line, "age1pq1"), strings.HasPrefix(line, "age1") && !isPluginRecipient(line):
			got, err := age.ParseRecipients(strings.NewReader(line))
			if err != nil || len(got) != 1 {
				return nil, errorf(ErrMalformed, "recipients: line %d: not a valid age recipient", n)
			}
			rec = got[0]
		case strings.HasPrefix(line, "age1"):
			return nil, errorf(ErrUnsupported, "recipients: line %d: age plugin recipients are not supported", n)
		case strings.HasPrefix(line, "ssh-"):
			if !cfg.allowSSH {
				return nil, errorf(ErrUnsupported, "recipients: line %d: SSH recipients must be enabled explicitly", n)
			}
			rec, err = agessh.ParseRecipient(line)
			if err != nil {
				return nil, errorf(ErrMalformed, "recipients: line %d: not a valid SSH recipient", n)
			}
		default:
			return nil, errorf(ErrMalformed, "recipients: line %d: unknown recipient type", n)
		}
		recs = append(recs, rec)
	}
	if sc.Err() != nil {
		return nil, errorf(ErrMalformed, "recipients: line %d is too long", n+1)
	}
	if len(recs) == 0 {
		return nil, errorf(ErrMalformed, "no recipients found")
	}
	if err := checkRecipients(recs, cfg.requirePQ); err != nil {
		return nil, err
	}
	return recs, nil
}

// isPluginRecipient reports whether s is a Bech32 age1<name>1… plugin or
// tag recipient rather than an X25519 one (age1 + 58 characters).
func isPluginRecipient(s string) bool {
	return strings.LastIndexByte(s, '1') > len("age")
}

// checkRecipients applies the RequirePQ policy.
func checkRecipients(recs []age.Recipient, requirePQ bool) error {
	if len(recs) == 0 {
		return errorf(ErrMalformed, "no recipients given")
	}
	if !requirePQ {
		return nil
	}
	for i, r := range recs {
		switch r.(type) {
		case *age.HybridRecipient, *age.ScryptRecipient:
		default:
			return errorf(ErrUnsupported, "recipient %d is not post-quantum (RequirePQ accepts only age1pq1… recipients)", i+1)
		}
	}
	return nil
}
