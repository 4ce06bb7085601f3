package redis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/peerid"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/check"
)

// This file is the one mapping between the Redis values of both layouts
// and the stored-session model, [compat.Stored].

// Values are the raw values of one session as fetched from Redis, for
// [Decode].
type Values struct {
	// DC is the <dc> of the teleredis sessions:<dc> key.
	DC int
	// Session is the value of the teleredis sessions:<dc> key.
	Session []byte
	// Entities are the values of the teleredis entities:<id> keys.
	Entities [][]byte
	// Fields are the fields of the TG-UserBot auth hash.
	Fields map[string][]byte
}

// Decode builds the stored session from values fetched from Redis (or
// from a dump), exactly as [Store.Read] does after fetching them. Entity
// values that do not decode are skipped and counted in the notes.
func Decode(layout Layout, v Values) (*compat.Stored, error) {
	switch layout {
	case TeleRedis:
		return decodeTeleRedis(v)
	case Hash:
		return decodeHash(v.Fields)
	}
	return nil, fmt.Errorf("unknown layout %d: %w", int(layout), stores.ErrLayout)
}

// Target returns the layout as a conversion target for [compat.Shape]:
// teleredis stores the session's DC, address, port and key and entities
// (id, hash, username, phone, name) by Telethon's rules; TG-UserBot's hash
// the DC, address, port, key and takeout id. Neither stores update state.
// A missing address is filled from the DC table.
func (l Layout) Target() compat.Target {
	holds := []string{"server_address", "port", "ipv6", "entities"}
	if l == Hash {
		holds = []string{"server_address", "port", "ipv6", "takeout_id"}
	}
	return compat.Target{Store: &compat.StoreLayout{Name: l.Kind(), Like: compat.TelethonSQLite, Holds: holds}}
}

// --------------------------------------------------------------- teleredis

// A teleredis session value (teleredis.py RedisSession._update_sessions):
//
//	{"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key": "<standard base64, padded>"}
//
// json.dumps with Python's default separators; 0.1.0 (and use_indents=True)
// indents by 2 and add_timestamps=True (0.1.0's default) appends "ts_ts"
// (a float) and "ts_str". Unknown fields are ignored, as json.loads does.

func decodeTeleRedis(v Values) (*compat.Stored, error) {
	obj, err := parseObject("session value", v.Session)
	if err != nil {
		return nil, err
	}
	dc, err := intField(obj, "dc_id", true)
	if err != nil {
		return nil, err
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon}}
	if s.DC, err = check.DC("dc_id", dc); err != nil {
		return nil, err
	}
	if v.DC != 0 && v.DC != s.DC {
		return nil, fmt.Errorf("the key names DC %d but dc_id is %d: %w", v.DC, s.DC, stores.ErrBadValue)
	}
	if s.ServerAddress, err = strField(obj, "server_address"); err != nil {
		return nil, err
	}
	if err := check.Address("server_address", s.ServerAddress); err != nil {
		return nil, err
	}
	port, err := intField(obj, "port", false)
	if err != nil {
		return nil, err
	}
	if s.Port, err = check.Port("port", port); err != nil {
		return nil, err
	}
	if _, ok := obj["auth_key"]; !ok {
		return nil, fmt.Errorf("no auth_key field: %w", stores.ErrBadValue)
	}
	text, err := strField(obj, "auth_key")
	if err != nil {
		return nil, err
	}
	raw, err := decodeBase64(text)
	if err != nil {
		return nil, err
	}
	s.Key, err = check.Key("auth_key", raw)
	clear(raw)
	if err != nil {
		return nil, err
	}
	r := &compat.Stored{Library: TeleRedis.Kind(), Layout: "teleredis", Session: s}
	_, ts := obj["ts_ts"]
	indented := bytes.IndexByte(v.Session, '\n') >= 0
	switch {
	case indented && ts:
		r.Layout = "teleredis-0.1.0"
		r.Notes = append(r.Notes, "indented JSON with timestamps (teleredis 0.1.0's default)")
	case indented:
		r.Notes = append(r.Notes, "indented JSON (use_indents=True)")
	case ts:
		r.Notes = append(r.Notes, "JSON with timestamps (add_timestamps=True)")
	}
	bad := 0
	for _, ev := range v.Entities {
		e, err := decodeEntity(ev)
		if err != nil {
			bad++
			continue
		}
		r.Entities = append(r.Entities, e)
	}
	if bad > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("skipped %d entity values that do not decode", bad))
	}
	return r, nil
}

// encodeSession returns the session value teleredis 0.1.3 writes, byte for
// byte.
func encodeSession(s *codec.Session) []byte {
	key := s.Key.Reveal()
	defer clear(key)
	b64 := make([]byte, base64.StdEncoding.EncodedLen(len(key)))
	base64.StdEncoding.Encode(b64, key)
	defer clear(b64)
	j := newPyJSON(420)
	j.int("dc_id", int64(s.DC))
	if s.ServerAddress == "" {
		j.key("server_address")
		j.b = append(j.b, "null"...)
	} else {
		j.str("server_address", s.ServerAddress)
	}
	if s.Port == 0 {
		j.key("port")
		j.b = append(j.b, "null"...)
	} else {
		j.int("port", int64(s.Port))
	}
	j.key("auth_key")
	j.b = append(j.b, '"')
	j.b = append(j.b, b64...)
	j.b = append(j.b, '"')
	return j.bytes()
}

// An entity value (teleredis.py process_entities):
//
//	{"id": -1001234567890, "hash": 987654321, "username": "testchannel", "phone": null, "name": "Test Channel"}

func decodeEntity(b []byte) (compat.Entity, error) {
	obj, err := parseObject("entity value", b)
	if err != nil {
		return compat.Entity{}, err
	}
	id, err := intField(obj, "id", true)
	if err != nil {
		return compat.Entity{}, err
	}
	if id == 0 {
		return compat.Entity{}, fmt.Errorf("entity id 0: %w", stores.ErrBadValue)
	}
	e := compat.Entity{ID: id}
	if m, ok := obj["hash"]; ok && !isNull(m) {
		h, err := intField(obj, "hash", true)
		if err != nil {
			return compat.Entity{}, err
		}
		e.AccessHash = codec.Some(h)
	}
	if e.Username, err = strField(obj, "username"); err != nil {
		return compat.Entity{}, err
	}
	if e.Name, err = strField(obj, "name"); err != nil {
		return compat.Entity{}, err
	}
	// Telethon passes the phone as a string; accept a number too.
	if p, ok := obj["phone"]; ok && !isNull(p) {
		var text string
		if n, err := intField(obj, "phone", false); err == nil {
			text = strconv.FormatInt(n, 10)
		} else if text, err = strField(obj, "phone"); err != nil {
			return compat.Entity{}, err
		}
		if e.Phone, err = check.Phone("phone", text); err != nil {
			return compat.Entity{}, err
		}
	}
	if peerid.Of(id) == peerid.Chat {
		e.Type = compat.PeerGroup
	}
	return e, nil
}

// encodeEntity returns the entity value teleredis writes. It reports false
// for an entity Telethon cannot store (a user or channel without an access
// hash).
func encodeEntity(e compat.Entity) ([]byte, bool) {
	h, ok := telethonHash(e)
	if !ok {
		return nil, false
	}
	j := newPyJSON(128)
	j.int("id", e.ID)
	j.int("hash", h)
	j.strOrNull("username", e.Username)
	j.strOrNull("phone", e.Phone)
	j.strOrNull("name", e.Name)
	return j.bytes(), true
}

// telethonHash is the value Telethon stores as an entity's hash: its access
// hash, or 0 for a basic group (sessions/memory.py _entity_to_row).
func telethonHash(e compat.Entity) (int64, bool) {
	if h, ok := e.AccessHash.Get(); ok {
		return h, true
	}
	if peerid.Of(e.ID) == peerid.Chat {
		return 0, true
	}
	return 0, false
}

// ---------------------------------------------------------------- TG-UserBot

// The TG-UserBot hash telethon:session:<name>:auth (sessions/redis.py
// RedisSession._update_sessions, HMSET in this order):
//
//	dc_id          decimal text
//	server_address text
//	port           decimal text
//	auth_key       the raw 256 bytes
//	takeout_id     "" when none, else decimal text

var hashFields = []string{"dc_id", "server_address", "port", "auth_key", "takeout_id"}

func decodeHash(f map[string][]byte) (*compat.Stored, error) {
	dcText, ok := f["dc_id"]
	if !ok {
		return nil, fmt.Errorf("the hash has no dc_id field: %w", stores.ErrBadValue)
	}
	dc, err := decimal("dc_id", dcText)
	if err != nil {
		return nil, err
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon}}
	if s.DC, err = check.DC("dc_id", dc); err != nil {
		return nil, err
	}
	if a, ok := f["server_address"]; ok {
		if !utf8.Valid(a) {
			return nil, fmt.Errorf("server_address is not text: %w", stores.ErrBadValue)
		}
		s.ServerAddress = string(a)
		if err := check.Address("server_address", s.ServerAddress); err != nil {
			return nil, err
		}
	}
	if p, ok := f["port"]; ok && len(p) > 0 {
		n, err := decimal("port", p)
		if err != nil {
			return nil, err
		}
		if s.Port, err = check.Port("port", n); err != nil {
			return nil, err
		}
	}
	if s.Key, err = check.Key("auth_key", f["auth_key"]); err != nil {
		return nil, err
	}
	r := &compat.Stored{Library: Hash.Kind(), Layout: "tguserbot", Session: s}
	if t := f["takeout_id"]; len(t) > 0 {
		n, err := decimal("takeout_id", t)
		if err != nil {
			return nil, err
		}
		r.TakeoutID = codec.Some(n)
	}
	return r, nil
}

// encodeHash returns the field/value pairs TG-UserBot writes, in its order.
// The key copy in the result is the caller's to clear.
func encodeHash(r *compat.Stored) []any {
	s := r.Session
	takeout := ""
	if t, ok := r.TakeoutID.Get(); ok {
		takeout = strconv.FormatInt(t, 10)
	}
	return []any{
		"dc_id", strconv.Itoa(s.DC),
		"server_address", s.ServerAddress,
		"port", strconv.Itoa(int(s.Port)),
		"auth_key", s.Key.Reveal(),
		"takeout_id", takeout,
	}
}

// ------------------------------------------------------------------ helpers

// parseObject parses a JSON object with numbers kept as text. A value that
// starts like a pickle is refused with [stores.ErrPickled].
func parseObject(what string, b []byte) (map[string]json.RawMessage, error) {
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 {
		return nil, fmt.Errorf("the %s is empty: %w", what, stores.ErrBadValue)
	}
	if t[0] != '{' {
		if b[0] == 0x80 || b[0] == '(' || b[0] == '}' || b[0] == ']' {
			return nil, fmt.Errorf("the %s (%d bytes) is pickled (pack_func=PICKLE); it is never unpickled: %w", what, len(b), stores.ErrPickled)
		}
		return nil, fmt.Errorf("the %s (%d bytes) is not a JSON object: %w", what, len(b), stores.ErrBadValue)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(t, &obj); err != nil {
		return nil, fmt.Errorf("the %s (%d bytes) is not valid JSON: %w", what, len(b), stores.ErrBadValue)
	}
	return obj, nil
}

func isNull(m json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(m), []byte("null")) }

// intField reads an integer field. A missing or null field is 0 unless
// required. JSON numbers are arbitrary precision in Python: they are read
// as int64, never through float64.
func intField(obj map[string]json.RawMessage, name string, required bool) (int64, error) {
	m, ok := obj[name]
	if !ok || isNull(m) {
		if required {
			return 0, fmt.Errorf("no %s field: %w", name, stores.ErrBadValue)
		}
		return 0, nil
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(m)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not a 64-bit integer: %w", name, stores.ErrBadValue)
	}
	return n, nil
}

// strField reads a string field; missing or null is "".
func strField(obj map[string]json.RawMessage, name string) (string, error) {
	m, ok := obj[name]
	if !ok || isNull(m) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(m, &s); err != nil {
		return "", fmt.Errorf("%s is not a string: %w", name, stores.ErrBadValue)
	}
	if err := check.Text(name, s, stores.MaxValueSize); err != nil {
		return "", err
	}
	return s, nil
}

func decimal(field string, b []byte) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s (%d bytes) is not a decimal integer: %w", field, len(b), stores.ErrBadValue)
	}
	return n, nil
}

// decodeBase64 decodes teleredis's standard base64 (padding optional).
func decodeBase64(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("auth_key is not standard base64 (offset %d): %w", int64(ce), stores.ErrBadValue)
		}
		return nil, fmt.Errorf("auth_key is not standard base64: %w", stores.ErrBadValue)
	}
	return b, nil
}

// Encode returns the values [Store.Write] stores for r: the session value
// and entity values (teleredis, exactly as teleredis 0.1.3 writes them) or
// the hash fields (TG-UserBot). The key copies in the result are the
// caller's to clear.
func Encode(layout Layout, r *compat.Stored) (Values, error) {
	if r == nil || r.Session == nil || !r.Session.Key.IsSet() {
		return Values{}, fmt.Errorf("the session holds no auth key: %w", stores.ErrBadValue)
	}
	switch layout {
	case TeleRedis:
		v := Values{DC: r.Session.DC, Session: encodeSession(r.Session)}
		for _, e := range r.Entities {
			if b, ok := encodeEntity(e); ok {
				v.Entities = append(v.Entities, b)
			}
		}
		return v, nil
	case Hash:
		pairs := encodeHash(r)
		f := make(map[string][]byte, len(pairs)/2)
		for i := 0; i < len(pairs); i += 2 {
			switch x := pairs[i+1].(type) {
			case string:
				f[pairs[i].(string)] = []byte(x)
			case []byte:
				f[pairs[i].(string)] = x
			}
		}
		return Values{Fields: f}, nil
	}
	return Values{}, fmt.Errorf("unknown layout %d: %w", int(layout), stores.ErrLayout)
}
