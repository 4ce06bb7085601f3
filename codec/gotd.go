package codec

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
)

// gotd/td session JSON (docs/formats.md#gotd-json), as session.Loader.Save
// writes it in gotd/td v0.93.0:
// json.Marshal of struct{Version int; Data session.Data}.
//
//	https://github.com/gotd/td/blob/v0.93.0/session/session.go
//	https://github.com/gotd/td/blob/v0.93.0/session/telethon.go (Addr = net.JoinHostPort(ip, port))
//	https://github.com/gotd/td/blob/v0.93.0/telegram/session.go (what the client saves and checks)
//
//	| key                 | Go type        | meaning here                                     |
//	|---------------------|----------------|--------------------------------------------------|
//	| Version             | int            | must be 1 (gotd treats others as "no session")    |
//	| Data.Config         | session.Config | tg.Config subset; only TestMode is read           |
//	| Data.DC             | int            | DC id                                            |
//	| Data.Addr           | string         | "host:port", "[ipv6]:port", a bare IP, or ""      |
//	| Data.AuthKey        | []byte         | standard base64 of the 256-byte key              |
//	| Data.AuthKeyID      | []byte         | standard base64 of SHA-1(key)[12:20]              |
//	| Data.Salt           | int64          | server salt, a runtime cache: not kept            |
//
// Config holds BlockedMode, ForceTryIpv6 (bool), Date, Expires (int),
// TestMode (bool), ThisDC (int), DCOptions ([]tg.DCOption, a runtime cache:
// not kept), DCTxtDomainName (string), TmpSessions and WebfileDCID (int), in
// that order.

// gotdFile mirrors gotd's jsonData with the field types of session.Data, so
// that encoding/json accepts and refuses the same documents as gotd does.
// AuthKey and AuthKeyID are kept raw so that the key can be decoded into
// memory this package clears.
type gotdFile struct {
	Version int
	Data    struct {
		Config struct {
			BlockedMode     bool
			ForceTryIpv6    bool
			Date            int
			Expires         int
			TestMode        bool
			ThisDC          int
			DCOptions       []gotdDCOption
			DCTxtDomainName string
			TmpSessions     int
			WebfileDCID     int
		}
		DC        int
		Addr      string
		AuthKey   json.RawMessage
		AuthKeyID json.RawMessage
		Salt      int64
	}
}

// gotdDCOption mirrors the JSON form of gotd's tg.DCOption.
type gotdDCOption struct {
	Flags             uint32
	Ipv6              bool
	MediaOnly         bool
	TCPObfuscatedOnly bool
	CDN               bool
	Static            bool
	ThisPortOnly      bool
	ID                int
	IPAddress         string
	Port              int
	Secret            []byte
}

// parseGotd decodes gotd/td session JSON, {"Version":1,"Data":{…}}, as
// gotd's session.Loader reads it: with encoding/json, so key names match
// case-insensitively and unknown keys are ignored.
//
// Version must be 1 ([ErrUnsupportedVersion]), Data.DC at least 1, Addr
// "host:port" (IPv6 in brackets), a bare IP or host name without a port (as
// gotd's TDesktopSession writes it), or empty (address unknown; the gotd
// client itself never writes it); AuthKey the standard base64 of 256 bytes,
// and AuthKeyID, if present, SHA-1(key)[12:20], which gotd checks before
// using the key ([ErrBadField]). TestMode is known when Config.TestMode is
// true or the Config was filled in by a client (Date, ThisDC or DCOptions
// set; [Session.EncodeGotd] sets ThisDC). Salt and the rest of Config
// (DCOptions, Date, Expires, ThisDC, DCTxtDomainName, TmpSessions,
// WebfileDCID, BlockedMode, ForceTryIpv6) are runtime caches that gotd
// refetches and other formats cannot hold; they are checked for type, as
// gotd does, but not kept. JSON errors never quote the input.
func parseGotd(text string) (*Session, error) {
	t, base, err := normalizeJSON(text)
	if err != nil {
		return nil, err
	}
	if t[0] != '{' {
		return nil, errorf(Gotd, base, ErrUnknownFormat, "not a JSON object")
	}
	in := []byte(t) // holds the key's base64: cleared below
	defer clear(in)
	var f gotdFile
	if err := json.Unmarshal(in, &f); err != nil {
		return nil, gotdJSONError(err, base)
	}
	defer clear(f.Data.AuthKey)
	defer clear(f.Data.AuthKeyID)
	d := &f.Data

	if f.Version != 1 {
		return nil, errorf(Gotd, -1, ErrUnsupportedVersion, "version %d, want 1", f.Version)
	}
	if d.DC <= 0 || d.DC > 0xffff {
		return nil, errorf(Gotd, -1, ErrBadField, "Data.DC %d out of range", d.DC)
	}

	var keyBuf [512]byte
	key, err := gotdBase64(d.AuthKey, keyBuf[:0], "Data.AuthKey")
	defer clear(key)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, errorf(Gotd, -1, ErrBadKey, "Data.AuthKey is missing")
	}
	if len(key) != AuthKeySize {
		return nil, errorf(Gotd, -1, ErrBadKey, "Data.AuthKey is %d bytes", len(key))
	}
	if isZero(key) {
		return nil, errorf(Gotd, -1, ErrZeroKey, "")
	}
	var idBuf [64]byte
	id, err := gotdBase64(d.AuthKeyID, idBuf[:0], "Data.AuthKeyID")
	if err != nil {
		return nil, err
	}
	if id != nil {
		sum := sha1.Sum(key)
		if !bytes.Equal(id, sum[12:20]) {
			return nil, errorf(Gotd, -1, ErrBadField, "Data.AuthKeyID does not match the auth key")
		}
	}
	var host string
	var port uint16
	if d.Addr != "" {
		if host, port, err = gotdSplitAddr(d.Addr); err != nil {
			return nil, err
		}
	}

	s := newSessionWithKey(key)
	s.Source, s.DC, s.ServerAddress, s.Port = Gotd, d.DC, host, port
	if host != "" {
		s.IPv6 = Some(isIPv6Literal(host))
	}

	c := &d.Config
	if c.TestMode || c.Date != 0 || c.ThisDC != 0 || len(c.DCOptions) != 0 {
		s.TestMode = Some(c.TestMode)
	}
	return s, nil
}

// gotdSplitAddr splits Data.Addr into a valid host and a port (0 if the
// address has none).
func gotdSplitAddr(addr string) (string, uint16, error) {
	if validAddress(addr) {
		return addr, 0, nil // TDesktopSession writes the IP alone
	}
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, errorf(Gotd, -1, ErrBadField, "Data.Addr is not host:port")
	}
	if !validAddress(host) {
		return "", 0, errorf(Gotd, -1, ErrBadField, "Data.Addr host is not an IP address or host name")
	}
	if strings.IndexByte(host, ':') < 0 && strings.HasPrefix(addr, "[") {
		return "", 0, errorf(Gotd, -1, ErrBadField, "Data.Addr has brackets around a non-IPv6 host")
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 || portText[0] == '0' {
		return "", 0, errorf(Gotd, -1, ErrBadField, "Data.Addr port is not a number in 1-65535")
	}
	return host, uint16(port), nil
}

// gotdBase64 decodes a raw JSON value holding a []byte the way
// encoding/json does (standard base64 with padding; null or absent is nil),
// into dst when it fits. Decoding errors name the field only.
func gotdBase64(raw json.RawMessage, dst []byte, field string) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '"' {
		return nil, errorf(Gotd, -1, ErrBadField, "%s is not a JSON string", field)
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') >= 0 {
		// Escapes: let encoding/json unquote and decode, as gotd does.
		var b []byte
		if err := json.Unmarshal(raw, &b); err != nil {
			clear(b)
			return nil, errorf(Gotd, -1, ErrBadField, "%s is not valid base64", field)
		}
		return b, nil
	}
	out := dst[:0]
	if n := base64.StdEncoding.DecodedLen(len(body)); n > cap(out) {
		out = make([]byte, 0, n)
	}
	out = out[:cap(out)]
	n, err := base64.StdEncoding.Decode(out, body)
	if err != nil {
		clear(out)
		return nil, errorf(Gotd, -1, ErrBadField, "%s is not valid base64", field)
	}
	return out[:n], nil
}

// gotdJSONError turns an encoding/json error into a *ParseError without any
// of the error's text: encoding/json quotes input bytes ("invalid character
// 'x'", "cannot unmarshal number 1.5").
func gotdJSONError(err error, base int) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off := int(syn.Offset) - 1
		if off < 0 {
			off = 0
		}
		return errorf(Gotd, base+off, ErrUnknownFormat, "malformed JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "value"
		}
		return errorf(Gotd, -1, ErrBadField, "%s: JSON %s where %s was expected", gotdFieldName(field), gotdJSONKind(typ.Value), typ.Type.Kind())
	}
	var b64 base64.CorruptInputError
	if errors.As(err, &b64) {
		return errorf(Gotd, -1, ErrBadField, "a binary field in Data.Config is not valid base64")
	}
	return errorf(Gotd, -1, ErrBadField, "invalid field value")
}

// gotdFieldName returns field if it is a path of this package's own Go
// field names (encoding/json builds it from them) and a neutral word
// otherwise, so that no input text reaches the message.
func gotdFieldName(field string) string {
	for i := 0; i < len(field); i++ {
		c := field[i]
		if !(c == '.' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z') {
			return "a field"
		}
	}
	return field
}

// gotdJSONKind keeps the kind word of UnmarshalTypeError.Value ("number",
// "string", …) and drops the literal that follows it for numbers.
func gotdJSONKind(v string) string {
	if i := strings.IndexByte(v, ' '); i >= 0 {
		v = v[:i]
	}
	switch v {
	case "number", "string", "bool", "array", "object", "null":
		return v
	}
	return "value"
}

// normalizeJSON is normalize for JSON text, which may contain whitespace:
// it applies the size cap and trims surrounding whitespace and a UTF-8 BOM,
// returning the text and its offset in the input.
func normalizeJSON(text string) (string, int, error) {
	if len(text) > MaxInputLen {
		return "", 0, errorf(Gotd, -1, ErrTooLarge, "%d bytes, limit %d", len(text), MaxInputLen)
	}
	s := strings.TrimPrefix(text, "\uFEFF")
	s = strings.TrimLeft(s, " \t\r\n")
	base := len(text) - len(s)
	s = strings.TrimRight(s, " \t\r\n")
	if s == "" {
		return "", 0, errorf(Gotd, -1, ErrEmpty, "")
	}
	return s, base, nil
}

// EncodeGotd encodes s as gotd/td session JSON, byte for byte as gotd
// v0.93.0's session.Loader.Save writes a session.Data holding: a Config
// that is empty unless TestMode is known, DC, Addr (net.JoinHostPort of
// ServerAddress and Port, as gotd's TelethonSession makes it; the address
// alone without a port, as TDesktopSession does; "" without an address),
// AuthKey, AuthKeyID and Salt 0.
//
// A known TestMode is written as Config.TestMode with Config.ThisDC = DC,
// which is what a gotd client's own file holds (it saves DC = ThisDC), and
// what marks the Config as filled in, so that [DecodeAs] knows a false
// test mode apart from an unknown one. A session without a known TestMode
// (from Telethon, GramJS) gets the empty Config that gotd's TelethonSession
// gives, so its JSON is byte-identical to gotd's.
//
// Media, UserID, IsBot and APIID have no place in gotd's JSON and are
// dropped. The gotd client never reads Addr or Config back (it reconnects
// to DC), so nothing is required beyond the DC and key.
func (s *Session) EncodeGotd() (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	if s.ServerAddress != "" && !validAddress(s.ServerAddress) {
		return "", encodeErrorf(Gotd, "address is not an IP address or host name")
	}
	test, testKnown := s.TestMode.Get()
	thisDC := 0
	if testKnown {
		thisDC = s.DC
	}
	id := s.Key.ID()

	const (
		head = `{"Version":1,"Data":{"Config":{"BlockedMode":false,"ForceTryIpv6":false,"Date":0,"Expires":0,"TestMode":`
		mid  = `,"DCOptions":null,"DCTxtDomainName":"","TmpSessions":0,"WebfileDCID":0},"DC":`
	)
	var buf [1024]byte // longest output ~880 bytes: never grows onto the heap
	defer clear(buf[:])
	b := append(buf[:0], head...)
	b = strconv.AppendBool(b, test)
	b = append(b, `,"ThisDC":`...)
	b = strconv.AppendInt(b, int64(thisDC), 10)
	b = append(b, mid...)
	b = strconv.AppendInt(b, int64(s.DC), 10)
	b = append(b, `,"Addr":"`...)
	b = gotdAppendAddr(b, s.ServerAddress, s.Port) // validated: nothing to escape
	b = append(b, `","AuthKey":"`...)
	b = base64.StdEncoding.AppendEncode(b, s.Key.p[:])
	b = append(b, `","AuthKeyID":"`...)
	b = base64.StdEncoding.AppendEncode(b, id[:])
	b = append(b, `","Salt":0}}`...)
	return string(b), nil
}

// gotdAppendAddr appends net.JoinHostPort(host, port) (brackets around a
// host with a colon), or host alone if port is 0.
func gotdAppendAddr(b []byte, host string, port uint16) []byte {
	if host == "" || port == 0 {
		return append(b, host...)
	}
	if strings.IndexByte(host, ':') >= 0 {
		b = append(append(append(b, '['), host...), ']')
	} else {
		b = append(b, host...)
	}
	return strconv.AppendUint(append(b, ':'), uint64(port), 10)
}
