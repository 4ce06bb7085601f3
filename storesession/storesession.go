// Package storesession reads and writes GramJS StoreSession directories
// (docs/formats.md#gramjs-storesession).
//
// GramJS's StoreSession(name) (gramjs/sessions/StoreSession.ts, npm
// telegram 2.26.22) keeps its state through store2 in a node-localstorage
// directory ./name: one file per key, named by the URL-encoded key
// "name:field", holding the JSON of the value:
//
//	| file                    | content                                              |
//	|-------------------------|------------------------------------------------------|
//	| name%3AauthKey          | {"type":"Buffer","data":[256 numbers 0-255]}         |
//	| name%3AdcId             | the DC id, a JSON number                             |
//	| name%3Aport             | the port, a JSON number                              |
//	| name%3AserverAddress    | the address, a JSON string                           |
//	| name%3A<marked peer id> | ["id","access hash",username,phone,name,"ms date"]   |
//
// The last row is the entity cache (processEntities): ids and hashes as
// decimal strings (big-integer's toJSON), username and phone a string or
// null, the display name, and Date.now() as a decimal string.
//
// [Read] and [Write] are byte-exact with GramJS: a directory Write makes is
// loaded by GramJS to the same session, and Write reproduces the files
// GramJS wrote for the same session and entities. Files are read with a
// size cap, written 0600 (atomically, through internal/safefile) in a 0700
// directory, and never replaced unless [WriteOptions.Force] is set.
package storesession

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
)

const (
	// MaxFileSize caps every file Read opens. The auth key file, the
	// largest GramJS writes for a session, is at most 1,050 bytes; an
	// entity row is a few hundred.
	MaxFileSize = 16 << 10
	// MaxFiles caps the directory entries Read looks at (node-localstorage's
	// 5 MiB quota holds about 50,000 entity rows).
	MaxFiles = 200_000
	// Layout is the codec.Info Layout of a session Read returns.
	Layout = "store-session"
)

// Sentinel errors. Every error this package returns wraps one of them, an
// [fs] error, or a [*codec.MissingFieldError] (Write). No message holds key
// bytes or file contents: errors name the file and the field.
var (
	// ErrNoSession is returned when the directory holds no auth key file
	// (name%3AauthKey), or not the one for [ReadOptions.Name].
	ErrNoSession = errors.New("no StoreSession auth key in the directory")
	// ErrSeveralSessions is returned when the directory holds auth key
	// files for more than one session name and ReadOptions.Name is empty.
	ErrSeveralSessions = errors.New("several StoreSession names in the directory")
	// ErrCorrupt is returned for a file whose content is not what GramJS
	// writes: invalid JSON, a wrong type, a key that is not 256 bytes of
	// 0-255, a DC id or port out of range, an invalid address, an entity row
	// of the wrong shape.
	ErrCorrupt = errors.New("corrupt value")
	// ErrTooLarge is returned for a file above MaxFileSize, before it is
	// read, and for a directory with more than MaxFiles entries.
	ErrTooLarge = errors.New("too large")
	// ErrExists is returned by Write when the directory already holds files
	// of the session and Force is false, and when a path to write is not a
	// regular file or the directory is not a directory.
	ErrExists = errors.New("destination exists")
	// ErrInvalid is returned by Write for what GramJS cannot store or load:
	// an empty name or "session" (GramJS refuses it), a DC id outside
	// 1-2147483647, an address with characters outside IP literals and host
	// names, an entity with an empty id.
	ErrInvalid = errors.New("invalid write request")
)

// Error reports a failure on one file of the directory.
type Error struct {
	// File is the file name inside the directory ("" for the directory).
	File string
	// Field is the session field ("authKey", "dcId", "port",
	// "serverAddress", "entity"), if any.
	Field string
	Err   error
}

func (e *Error) Error() string {
	s := "storesession: "
	if e.File != "" {
		s += e.File + ": "
	}
	return s + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

func fileErr(file, field string, sentinel error, format string, args ...any) error {
	err := sentinel
	if format != "" {
		err = fmt.Errorf(format+": %w", append(args, sentinel)...)
	}
	return &Error{File: file, Field: field, Err: err}
}

// Entity is one row of GramJS's entity cache.
type Entity struct {
	// ID is the marked peer id as GramJS writes it (utils.getPeerId): the
	// user id, −chat id, or "-100" followed by the channel id's digits
	// (−(10¹² + id) for the 10-digit ids of real channels).
	ID int64
	// Hash is the access hash (0 for basic groups).
	Hash int64
	// Username is lower-cased, empty if GramJS stored null.
	Username string
	// Phone is the phone number, empty if GramJS stored null.
	Phone string
	// Name is the display name.
	Name string
	// Date is when GramJS stored the row, in Unix milliseconds.
	Date int64
}

// Session is a StoreSession directory's content.
type Session struct {
	// Name is the session name: the files' prefix before ":".
	Name string
	// Session holds DC, ServerAddress, Port, IPv6 and the key; Source is
	// codec.GramJS and Layout [Layout]. ServerAddress and Port are unknown
	// when their files are missing (GramJS then uses its defaults).
	Session *codec.Session
	// Entities is the entity cache, sorted by ID.
	Entities []Entity
	// Ignored lists files of the session with keys StoreSession does not
	// write, which Read skipped.
	Ignored []string
}

// ReadOptions configures Read.
type ReadOptions struct {
	// Name selects the session when the directory holds several; empty
	// means the only one.
	Name string
}

// Read reads the StoreSession directory dir.
func Read(dir string, opts ReadOptions) (*Session, error) {
	names, err := listDir(dir)
	if err != nil {
		return nil, err
	}
	const keySuffix = "%3AauthKey"
	var found []string
	for _, n := range names {
		if strings.HasSuffix(n, keySuffix) {
			if name, ok := decodeKey(strings.TrimSuffix(n, keySuffix)); ok {
				found = append(found, name)
			}
		}
	}
	name := opts.Name
	switch {
	case name != "":
		if !contains(found, name) {
			return nil, fileErr("", "", ErrNoSession, "no session named %q", name)
		}
	case len(found) == 0:
		return nil, fileErr("", "", ErrNoSession, "")
	case len(found) > 1:
		sort.Strings(found)
		return nil, fileErr("", "", ErrSeveralSessions, "%s", strings.Join(quoteAll(found), ", "))
	default:
		name = found[0]
	}

	prefix := encodeKey(name + ":")
	out := &Session{Name: name}
	s := &codec.Session{Info: codec.Info{Source: codec.GramJS, Layout: Layout}}
	out.Session = s
	ok := false
	defer func() {
		if !ok {
			s.Wipe()
		}
	}()

	keyFile := prefix + "authKey"
	b, err := readFile(dir, keyFile)
	if err != nil {
		return nil, err
	}
	s.Key, err = parseKey(b, keyFile)
	clear(b)
	if err != nil {
		return nil, err
	}

	for _, n := range names {
		if !strings.HasPrefix(n, prefix) || n == keyFile {
			continue
		}
		field, okKey := decodeKey(n[len(prefix):])
		key := ""
		if !okKey {
			out.Ignored = append(out.Ignored, n)
			continue
		}
		switch field {
		case "dcId", "port", "serverAddress":
		default:
			if v, err := strconv.ParseInt(field, 10, 64); err != nil || strconv.FormatInt(v, 10) != field {
				out.Ignored = append(out.Ignored, n)
				continue
			}
			key, field = field, "entity"
		}
		b, err := readFile(dir, n)
		if err != nil {
			return nil, err
		}
		switch field {
		case "dcId":
			v, err := parseInt(b, n, field, 1, 1<<31-1)
			if err != nil {
				return nil, err
			}
			s.DC = int(v)
		case "port":
			v, err := parseInt(b, n, field, 1, 65535)
			if err != nil {
				return nil, err
			}
			s.Port = uint16(v)
		case "serverAddress":
			var a string
			if err := json.Unmarshal(b, &a); err != nil {
				return nil, fileErr(n, field, ErrCorrupt, "not a JSON string")
			}
			if !validAddress(a) {
				return nil, fileErr(n, field, ErrCorrupt, "not an IP address or host name")
			}
			s.ServerAddress = a
			s.IPv6 = codec.Some(strings.Contains(a, ":"))
		default:
			e, err := parseEntity(b, n)
			if err != nil {
				return nil, err
			}
			if strconv.FormatInt(e.ID, 10) != key {
				return nil, fileErr(n, "entity", ErrCorrupt, "row id differs from the file's key")
			}
			out.Entities = append(out.Entities, e)
		}
	}
	if s.DC == 0 {
		return nil, fileErr(prefix+"dcId", "dcId", ErrNoSession, "missing: the session has an auth key but no DC id")
	}
	sort.Slice(out.Entities, func(i, j int) bool { return out.Entities[i].ID < out.Entities[j].ID })
	ok = true
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strconv.Quote(s)
	}
	return out
}

// listDir returns the names of dir's entries, at most MaxFiles.
func listDir(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fileErr("", "", ErrNoSession, "%s is not a directory", dir)
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	for {
		chunk, err := f.Readdirnames(1024)
		names = append(names, chunk...)
		if len(names) > MaxFiles {
			return nil, fileErr("", "", ErrTooLarge, "more than %d directory entries", MaxFiles)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(names)
	return names, nil
}

// readFile reads dir/name, a regular file of at most MaxFileSize bytes.
func readFile(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name)
	info, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fileErr(name, "", ErrCorrupt, "%s, not a regular file", safefile.KindOf(info.Mode()))
	}
	if info.Size() > MaxFileSize {
		return nil, fileErr(name, "", ErrTooLarge, "%d bytes, limit %d", info.Size(), MaxFileSize)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		clear(b)
		return nil, fileErr(name, "", ErrTooLarge, "more than %d bytes", MaxFileSize)
	}
	return b, nil
}

// parseKey parses {"type":"Buffer","data":[…]} (Buffer's toJSON) holding
// 256 bytes, without encoding/json, so that no copy of the key is left in
// a decoder's buffers.
func parseKey(b []byte, file string) (codec.AuthKey, error) {
	bad := func(format string, args ...any) (codec.AuthKey, error) {
		return codec.AuthKey{}, fileErr(file, "authKey", ErrCorrupt, format, args...)
	}
	t := bytes.TrimSpace(b)
	const head = `{"type":"Buffer","data":[`
	if !bytes.HasPrefix(t, []byte(head)) || !bytes.HasSuffix(t, []byte("]}")) {
		return bad(`not a JSON Buffer ({"type":"Buffer","data":[…]})`)
	}
	t = t[len(head) : len(t)-2]
	var key [codec.AuthKeySize]byte
	defer clear(key[:])
	n := 0
	for len(t) > 0 {
		v, i := 0, 0
		for i < len(t) && i < 4 && t[i] >= '0' && t[i] <= '9' {
			v = v*10 + int(t[i]-'0')
			i++
		}
		if i == 0 || i > 3 || v > 255 || (i > 1 && t[0] == '0') {
			return bad("Buffer data item %d is not a number 0-255", n)
		}
		if n == len(key) {
			return bad("Buffer holds more than %d bytes", len(key))
		}
		key[n] = byte(v)
		n++
		t = t[i:]
		if len(t) > 0 {
			if t[0] != ',' || len(t) == 1 {
				return bad("Buffer data is not a comma-separated list")
			}
			t = t[1:]
		}
	}
	if n != len(key) {
		return bad("auth key is %d bytes, want %d", n, len(key))
	}
	k, err := codec.NewAuthKey(key[:])
	if err != nil {
		return codec.AuthKey{}, &Error{File: file, Field: "authKey", Err: err}
	}
	return k, nil
}

// parseInt parses a JSON integer in [lo, hi].
func parseInt(b []byte, file, field string, lo, hi int64) (int64, error) {
	t := string(bytes.TrimSpace(b))
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || (len(t) > 1 && (t[0] == '0' || strings.HasPrefix(t, "-0"))) {
		return 0, fileErr(file, field, ErrCorrupt, "not a JSON integer")
	}
	if v < lo || v > hi {
		return 0, fileErr(file, field, ErrCorrupt, "%d outside %d-%d", v, lo, hi)
	}
	return v, nil
}

// parseEntity parses an entity row.
func parseEntity(b []byte, file string) (Entity, error) {
	var e Entity
	var row []json.RawMessage
	if err := json.Unmarshal(b, &row); err != nil || len(row) != 6 {
		return e, fileErr(file, "entity", ErrCorrupt, "not a JSON array of 6 values")
	}
	num := func(raw json.RawMessage, what string) (int64, error) {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw) // a JSON number
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fileErr(file, "entity", ErrCorrupt, "%s is not a 64-bit integer", what)
		}
		return v, nil
	}
	str := func(raw json.RawMessage, what string) (string, error) {
		if string(raw) == "null" {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fileErr(file, "entity", ErrCorrupt, "%s is not a string or null", what)
		}
		return s, nil
	}
	var err error
	if e.ID, err = num(row[0], "id"); err != nil {
		return e, err
	}
	if e.Hash, err = num(row[1], "access hash"); err != nil {
		return e, err
	}
	if e.Username, err = str(row[2], "username"); err != nil {
		return e, err
	}
	if e.Phone, err = str(row[3], "phone"); err != nil {
		return e, err
	}
	if e.Name, err = str(row[4], "name"); err != nil {
		return e, err
	}
	if e.Date, err = num(row[5], "date"); err != nil {
		return e, err
	}
	return e, nil
}

// validAddress accepts IP literals and host names: ASCII letters, digits,
// '.', ':' and '-', 1-253 bytes.
func validAddress(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// encodeKey is node-localstorage's file name for a key:
// encodeURIComponent, then JavaScript's escape() of !'() and %2A for *. So
// only ASCII letters, digits and -_.~ stay as they are; every other UTF-8
// byte becomes %XX (upper-case hex).
func encodeKey(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// decodeKey is decodeURIComponent: %XX escapes must form valid UTF-8.
func decodeKey(s string) (string, bool) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b = append(b, byte(v))
		i += 2
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// WriteOptions configures Write.
type WriteOptions struct {
	// Force allows replacing the files of a session of the same name in
	// dir. Files of that session that Write does not write (entity rows
	// of the old session) are then removed.
	Force bool
}

// Write writes s as the StoreSession directory dir, creating it (0700) if
// needed. s.Name is the session name; empty means filepath.Base(dir), as
// GramJS's StoreSession(name) uses the directory ./name. s.Session needs
// DC, ServerAddress, Port and the key ([*codec.MissingFieldError] for the
// address and port); Entities are written as GramJS's entity rows.
func Write(dir string, s *Session, opts WriteOptions) error {
	if s == nil || s.Session == nil {
		return fileErr("", "", ErrInvalid, "no session")
	}
	name := s.Name
	if name == "" {
		name = filepath.Base(filepath.Clean(dir))
	}
	sess := s.Session
	switch {
	case name == "session":
		return fileErr("", "", ErrInvalid, `GramJS refuses the session name "session"`)
	case name == "" || name == "." || name == string(filepath.Separator) || !utf8.ValidString(name):
		return fileErr("", "", ErrInvalid, "no valid session name")
	case sess.DC <= 0 || sess.DC > 1<<31-1:
		return fileErr("", "dcId", ErrInvalid, "DC id %d outside 1-2147483647", sess.DC)
	case !sess.Key.IsSet():
		return fileErr("", "authKey", ErrInvalid, "no auth key")
	case sess.ServerAddress == "":
		return &codec.MissingFieldError{Format: codec.GramJS, Field: "server_address"}
	case sess.Port == 0:
		return &codec.MissingFieldError{Format: codec.GramJS, Field: "port"}
	case !validAddress(sess.ServerAddress):
		return fileErr("", "serverAddress", ErrInvalid, "not an IP address or host name")
	}
	for _, e := range s.Entities {
		if !utf8.ValidString(e.Username) || !utf8.ValidString(e.Phone) || !utf8.ValidString(e.Name) {
			return fileErr("", "entity", ErrInvalid, "entity %d has text that is not UTF-8", e.ID)
		}
	}

	prefix := encodeKey(name + ":")
	files := map[string][]byte{}
	defer func() {
		for _, b := range files {
			clear(b)
		}
	}()
	files[prefix+"authKey"] = appendKey(nil, sess.Key)
	files[prefix+"dcId"] = strconv.AppendInt(nil, int64(sess.DC), 10)
	files[prefix+"port"] = strconv.AppendUint(nil, uint64(sess.Port), 10)
	files[prefix+"serverAddress"] = appendJSString(nil, sess.ServerAddress)
	for _, e := range s.Entities {
		f := prefix + encodeKey(strconv.FormatInt(e.ID, 10))
		if _, dup := files[f]; dup {
			return fileErr(f, "entity", ErrInvalid, "two entities with id %d", e.ID)
		}
		files[f] = appendEntity(nil, e)
	}

	if err := prepareDir(dir); err != nil {
		return err
	}
	names, err := listDir(dir)
	if err != nil {
		return err
	}
	var stale []string
	for _, n := range names {
		if !strings.HasPrefix(n, prefix) {
			continue
		}
		if !opts.Force {
			return fileErr(n, "", ErrExists, "the directory already holds session %q", name)
		}
		if _, ok := files[n]; !ok {
			stale = append(stale, n)
		}
	}
	order := make([]string, 0, len(files))
	for n := range files {
		order = append(order, n)
	}
	sort.Strings(order)
	for _, n := range order {
		path := filepath.Join(dir, n)
		if info, err := os.Lstat(path); err == nil && !info.Mode().IsRegular() {
			return fileErr(n, "", ErrExists, "%s, not a regular file", safefile.KindOf(info.Mode()))
		}
		err := safefile.WriteFile(path, files[n], opts.Force)
		if errors.Is(err, safefile.ErrExists) || errors.Is(err, safefile.ErrNotRegular) {
			return fileErr(n, "", ErrExists, "")
		}
		if err != nil {
			return &Error{File: n, Err: err}
		}
	}
	for _, n := range stale {
		path := filepath.Join(dir, n)
		if info, err := os.Lstat(path); err == nil && info.Mode().IsRegular() {
			if err := os.Remove(path); err != nil {
				return &Error{File: n, Err: err}
			}
		}
	}
	return nil
}

// prepareDir creates dir 0700, or checks that it is a directory.
func prepareDir(dir string) error {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		return nil
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fileErr("", "", ErrExists, "%s is not a directory", dir)
	}
	return nil
}

// appendKey appends the key as Buffer's toJSON.
func appendKey(b []byte, k codec.AuthKey) []byte {
	key := k.Reveal()
	defer clear(key)
	b = append(b, `{"type":"Buffer","data":[`...)
	for i, c := range key {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(c), 10)
	}
	return append(b, "]}"...)
}

// appendEntity appends an entity row as GramJS's JSON.stringify writes it.
func appendEntity(b []byte, e Entity) []byte {
	opt := func(b []byte, s string) []byte {
		if s == "" {
			return append(b, "null"...)
		}
		return appendJSString(b, s)
	}
	b = append(b, '[')
	b = appendJSString(b, strconv.FormatInt(e.ID, 10))
	b = append(b, ',')
	b = appendJSString(b, strconv.FormatInt(e.Hash, 10))
	b = append(b, ',')
	b = opt(b, e.Username)
	b = append(b, ',')
	b = opt(b, e.Phone)
	b = append(b, ',')
	b = appendJSString(b, e.Name)
	b = append(b, ',')
	b = appendJSString(b, strconv.FormatInt(e.Date, 10))
	return append(b, ']')
}

// appendJSString appends s, valid UTF-8, quoted as JavaScript's
// JSON.stringify does: '"' and '\\' escaped, \b \f \n \r \t, other control
// characters as \u00xx (lower-case hex), everything else as it is.
func appendJSString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}
