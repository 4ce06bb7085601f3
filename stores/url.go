package stores

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// Schemes a store URL may use. SQLAlchemy's driver suffixes are accepted
// and ignored ("postgresql+psycopg2://", "mysql+pymysql://"), so a URL
// copied from a Python bot's configuration works as it is.
const (
	SchemePostgres    = "postgres"    // also "postgresql"
	SchemeMySQL       = "mysql"       // also "mariadb"
	SchemeSQLite      = "sqlite"      // sqlite:///relative/path, sqlite:////absolute/path
	SchemeRedis       = "redis"       //
	SchemeRedisTLS    = "rediss"      // Redis over TLS
	SchemeMongo       = "mongodb"     //
	SchemeMongoSRV    = "mongodb+srv" // DNS seed list
	redactedSecret    = "xxxxx"
	maxURLLen         = 8 << 10
	maxDriverMsgBytes = 400
)

// URL is a parsed store location. It may hold a password, so it never
// prints one: String, Format (every verb), GoString, MarshalJSON,
// MarshalText and LogValue all render the URL with its password and secret
// query values replaced by "xxxxx". The full text for a driver is only
// available through [URL.Reveal].
//
// The zero URL is empty.
type URL struct {
	// The data is reached through two pointers, as codec.AuthKey's key is,
	// so that fmt printing a struct that holds a URL in an unexported
	// field (where it cannot call String) prints addresses, never text.
	ref *urlRef
}

type urlRef struct{ d *urlData }

type urlData struct {
	u        *url.URL // the parsed URL, password included
	scheme   string   // canonical scheme (one of the Scheme constants)
	redacted string
	secrets  []string // password and secret query values, in every encoding seen
	creds    bool     // holds a password or a secret query value
	path     string   // SQLite: the file path
}

// ParseURL parses a store location. The error never quotes the URL: it
// names what is wrong (the scheme when it is a plain word, "invalid port",
// …) and wraps [ErrBadURL].
func ParseURL(s string) (URL, error) {
	if len(s) > maxURLLen {
		return URL{}, fmt.Errorf("stores: URL is %d bytes: %w", len(s), ErrBadURL)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return URL{}, fmt.Errorf("stores: URL holds a control character: %w", ErrBadURL)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return URL{}, fmt.Errorf("stores: %s: %w", parseProblem(err), ErrBadURL)
	}
	if u.Scheme == "" || u.Opaque != "" {
		return URL{}, fmt.Errorf("stores: not a URL of the form scheme://…: %w", ErrBadURL)
	}
	d := &urlData{u: u}
	scheme := strings.ToLower(u.Scheme)
	base, suffix, hasSuffix := strings.Cut(scheme, "+")
	switch {
	case scheme == "mongodb+srv":
		d.scheme = SchemeMongoSRV
	case base == "postgres", base == "postgresql":
		d.scheme = SchemePostgres
	case base == "mysql", base == "mariadb":
		d.scheme = SchemeMySQL
	case base == "sqlite":
		d.scheme = SchemeSQLite
	case scheme == "redis", scheme == "rediss", scheme == "mongodb":
		d.scheme = scheme
	default:
		return URL{}, fmt.Errorf("stores: unknown scheme %s: %w", quoteScheme(u.Scheme), ErrBadURL)
	}
	if hasSuffix && d.scheme != SchemeMongoSRV && (d.scheme == SchemeRedis || d.scheme == SchemeRedisTLS || d.scheme == SchemeMongo || suffix == "") {
		return URL{}, fmt.Errorf("stores: unknown scheme %s: %w", quoteScheme(u.Scheme), ErrBadURL)
	}
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			d.creds = true
			d.addSecret(p)
			d.addSecret(u.User.String())
			if _, rest, ok := strings.Cut(u.User.String(), ":"); ok {
				d.addSecret(rest)
			}
		}
	}
	q := u.Query()
	for name, vals := range q {
		secret, cred := secretParam(name)
		if !secret {
			continue
		}
		d.creds = d.creds || cred
		for i, v := range vals {
			d.addSecret(v)
			d.addSecret(url.QueryEscape(v))
			vals[i] = redactedSecret
		}
	}
	if d.scheme == SchemeSQLite {
		if u.Host != "" || u.User != nil {
			return URL{}, fmt.Errorf("stores: an sqlite URL has no host (sqlite:///relative/path or sqlite:////absolute/path): %w", ErrBadURL)
		}
		d.path = strings.TrimPrefix(u.Path, "/")
		if d.path == "" {
			return URL{}, fmt.Errorf("stores: the sqlite URL names no file: %w", ErrBadURL)
		}
	}
	r := *u
	r.RawQuery = q.Encode()
	if u.RawQuery == "" {
		r.RawQuery = ""
	}
	d.redacted = r.Redacted()
	return URL{&urlRef{d}}, nil
}

// secretParam reports whether a query parameter's value must be redacted,
// and whether it is a credential (which makes [URL.HasCredentials] true).
// Key files and the like are redacted but are paths, not credentials.
func secretParam(name string) (secret, cred bool) {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "pass"), strings.Contains(n, "pwd"), strings.Contains(n, "secret"),
		strings.Contains(n, "token"), n == "authmechanismproperties":
		return true, true
	case strings.Contains(n, "key"):
		return true, false
	}
	return false, false
}

func (d *urlData) addSecret(s string) {
	if s != "" && s != redactedSecret {
		d.secrets = append(d.secrets, s)
	}
}

// parseProblem describes a net/url parse error without its input.
func parseProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	var host url.InvalidHostError
	var esc url.EscapeError
	switch {
	case errors.As(err, &host):
		return "invalid host"
	case errors.As(err, &esc):
		return "invalid percent-escape"
	case strings.HasPrefix(msg, "invalid port"):
		return "invalid port"
	case strings.Contains(msg, "missing protocol scheme"):
		return "missing scheme"
	case strings.Contains(msg, "first path segment in URL cannot contain colon"):
		return "missing scheme"
	}
	return "malformed URL"
}

func quoteScheme(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') || len(s) > 20 {
			return "(not shown)"
		}
	}
	return strconv.Quote(s)
}

func (u URL) data() *urlData {
	if u.ref == nil || u.ref.d == nil {
		return nil
	}
	return u.ref.d
}

// IsZero reports whether u is the zero URL.
func (u URL) IsZero() bool { return u.data() == nil }

// Scheme returns the canonical scheme: one of the Scheme constants.
func (u URL) Scheme() string {
	if d := u.data(); d != nil {
		return d.scheme
	}
	return ""
}

// HasCredentials reports whether the URL holds a password or a secret
// query value (password=, a token, AWS session credentials). Such a URL is
// a secret: a command line must not carry it.
func (u URL) HasCredentials() bool {
	d := u.data()
	return d != nil && d.creds
}

// Host returns the host and port part (several for a MongoDB seed list),
// without user information.
func (u URL) Host() string {
	if d := u.data(); d != nil {
		return d.u.Host
	}
	return ""
}

// Database returns the first path segment: the database name of a
// PostgreSQL, MySQL or MongoDB URL, the database number of a Redis URL.
// It is empty for an SQLite URL (see [URL.FilePath]).
func (u URL) Database() string {
	d := u.data()
	if d == nil || d.scheme == SchemeSQLite {
		return ""
	}
	db, _, _ := strings.Cut(strings.TrimPrefix(d.u.Path, "/"), "/")
	return db
}

// FilePath returns the database file of an SQLite URL, as SQLAlchemy reads
// it: relative after "sqlite:///", absolute after "sqlite:////".
func (u URL) FilePath() string {
	if d := u.data(); d != nil {
		return d.path
	}
	return ""
}

// Query returns a copy of the query parameters, secret values included.
func (u URL) Query() url.Values {
	if d := u.data(); d != nil {
		return d.u.Query()
	}
	return nil
}

// Reveal returns a copy of the parsed URL, password included, for a
// driver. Never print it.
func (u URL) Reveal() *url.URL {
	d := u.data()
	if d == nil {
		return nil
	}
	c := *d.u
	if d.u.User != nil {
		ui := *d.u.User
		c.User = &ui
	}
	return &c
}

// String returns the URL with its password and secret query values
// replaced by "xxxxx".
func (u URL) String() string {
	if d := u.data(); d != nil {
		return d.redacted
	}
	return ""
}

// GoString implements fmt.GoStringer with the redacted text.
func (u URL) GoString() string { return "stores.URL(" + strconv.Quote(u.String()) + ")" }

// Format implements fmt.Formatter: every verb prints the redacted text
// (%q quoted, %#v as GoString).
func (u URL) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'q':
		_, _ = f.Write([]byte(strconv.Quote(u.String())))
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(u.GoString()))
	default:
		_, _ = f.Write([]byte(u.String()))
	}
}

// MarshalText implements encoding.TextMarshaler with the redacted text.
func (u URL) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// MarshalJSON implements json.Marshaler with the redacted text.
func (u URL) MarshalJSON() ([]byte, error) { return json.Marshal(u.String()) }

// LogValue implements slog.LogValuer with the redacted text.
func (u URL) LogValue() slog.Value { return slog.StringValue(u.String()) }

// scrub removes u's secrets from a driver message, escapes control
// characters and caps the length.
func (u URL) scrub(msg string) string {
	if d := u.data(); d != nil {
		for _, s := range d.secrets {
			msg = strings.ReplaceAll(msg, s, redactedSecret)
		}
	}
	var b strings.Builder
	for _, r := range msg {
		if b.Len() >= maxDriverMsgBytes {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || r == 0xfffd:
			b.WriteString(strconv.QuoteRune(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
