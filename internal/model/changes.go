package model

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/tgsession/tgsession/codec"
)

// ChangeKind says what happens to a session field when it is encoded in a
// format.
type ChangeKind int

const (
	// Dropped: the source knows the field but the target format cannot
	// hold it.
	Dropped ChangeKind = iota + 1
	// Defaulted: the target format needs the field, the source does not
	// know it, and the encoder writes the format's neutral default.
	Defaulted
	// Supplied: the value was given by the caller ([Options]), not read
	// from the source.
	Supplied
)

func (k ChangeKind) String() string {
	switch k {
	case Dropped:
		return "dropped"
	case Defaulted:
		return "defaulted"
	case Supplied:
		return "supplied"
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k ChangeKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Change describes one field that encoding in a format does not carry over
// as it is. Value is the (non-secret) value written or lost, as text; Reason
// is a short human explanation. Neither ever holds key material.
type Change struct {
	Field  string     `json:"field"`
	Kind   ChangeKind `json:"kind"`
	Value  string     `json:"value,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

func (c Change) String() string {
	s := c.Field + ": " + c.Kind.String()
	if c.Value != "" {
		s += " (" + c.Value + ")"
	}
	if c.Reason != "" {
		s += ": " + c.Reason
	}
	return s
}

// formatFields lists, per format, the fields (by their snake_case JSON
// name) that the format stores.
var formatFields = map[codec.Format][]string{
	codec.Telethon:       {"dc_id", "server_address", "port", "ipv6"},
	codec.GramJS:         {"dc_id", "server_address", "port", "ipv6"},
	codec.Pyrogram:       {"dc_id", "api_id", "test_mode", "user_id", "is_bot"},
	codec.PyrogramLegacy: {"dc_id", "test_mode", "user_id", "is_bot"},
	codec.Mtcute:         {"dc_id", "server_address", "port", "ipv6", "test_mode", "media_dc", "user_id", "is_bot"},
	codec.Gotd:           {"dc_id", "server_address", "port", "test_mode"},
	codec.Mtkruto:        {"dc_id", "test_mode", "api_id", "user_id", "is_bot"},
}

// changes lists what encoding s in format f does not carry over as it is,
// in a stable order: every field s knows that f cannot hold ([Dropped],
// with the value lost), then every field f stores that s does not know and
// that f's encoder writes as a default ([Defaulted], with the value
// written). A field f needs but has no default for (Pyrogram's user_id,
// Telethon's server_address, …) is not a change: [codec.Session.Encode] refuses
// it with a [*codec.MissingFieldError]. Field names are the snake_case names of
// the CLI's JSON output: dc_id, server_address, port, ipv6, test_mode,
// api_id, user_id, is_bot, media_dc. Values never hold key material.
//
// changes returns nil for an unknown format, and for a session nothing of
// which is lost or defaulted.
func changes(s *codec.Session, f codec.Format) []Change {
	fields, ok := formatFields[f]
	if !ok || s == nil {
		return nil
	}
	holds := func(name string) bool {
		for _, n := range fields {
			if n == name {
				return true
			}
		}
		return false
	}
	var out []Change
	drop := func(name, value, reason string) {
		if !holds(name) {
			out = append(out, Change{Field: name, Kind: Dropped, Value: value, Reason: reason})
		}
	}
	lib := f.Library()
	if s.ServerAddress != "" {
		drop("server_address", s.ServerAddress, lib+" stores no address; it derives one from the DC id")
	}
	if s.Port != 0 {
		drop("port", strconv.Itoa(int(s.Port)), lib+" stores no port")
	}
	if v, ok := s.IPv6.Get(); ok {
		drop("ipv6", strconv.FormatBool(v), lib+" stores no IPv6 flag")
	}
	if v, ok := s.TestMode.Get(); ok {
		drop("test_mode", strconv.FormatBool(v), lib+" does not store test mode")
	}
	if s.Media != nil {
		drop("media_dc", describeDCOption(s.Media), lib+" stores no separate media DC")
	}
	if v, ok := s.APIID.Get(); ok {
		drop("api_id", strconv.FormatUint(uint64(v), 10), lib+" does not store the api_id")
	}
	if v, ok := s.UserID.Get(); ok {
		drop("user_id", strconv.FormatInt(v, 10), lib+" does not store the user id")
	}
	if v, ok := s.IsBot.Get(); ok {
		drop("is_bot", strconv.FormatBool(v), lib+" does not store whether the account is a bot")
	}

	def := func(name, value, reason string) {
		out = append(out, Change{Field: name, Kind: Defaulted, Value: value, Reason: reason})
	}
	switch f {
	case codec.Pyrogram, codec.PyrogramLegacy:
		if !s.TestMode.Known() {
			def("test_mode", "false", "not known; Pyrogram needs a value and a production session is assumed")
		}
		if !s.IsBot.Known() {
			def("is_bot", "false", "not known; Pyrogram needs a value and a user account is assumed")
		}
	case codec.Mtcute:
		if !s.TestMode.Known() {
			def("test_mode", "false", "not known; a production session is assumed")
		}
		if !s.IPv6.Known() && s.ServerAddress != "" {
			def("ipv6", strconv.FormatBool(isIPv6Literal(s.ServerAddress)), "not known; inferred from the address")
		}
	case codec.Mtkruto:
		// docs/formats.md#mtkruto-string: user id and bot flag are stored
		// only after an api_id.
		if !s.TestMode.Known() {
			def("test_mode", "false", "not known; a production session is assumed")
		}
		if !s.APIID.Known() {
			if v, ok := s.UserID.Get(); ok {
				out = append(out, Change{Field: "user_id", Kind: Dropped, Value: strconv.FormatInt(v, 10), Reason: "MTKruto stores the user id only after an api_id"})
			}
			if v, ok := s.IsBot.Get(); ok {
				out = append(out, Change{Field: "is_bot", Kind: Dropped, Value: strconv.FormatBool(v), Reason: "MTKruto stores is_bot only after an api_id"})
			}
		} else if s.UserID.Known() && !s.IsBot.Known() {
			def("is_bot", "false", "not known; a user account is assumed")
		}
	case codec.Gotd:
		if !s.TestMode.Known() {
			def("test_mode", "false", "not known; gotd's Config.TestMode is written as false")
		}
	}
	return out
}

// describeDCOption renders a DC option without secrets, e.g.
// "dc 2 149.154.167.222:443 media".
func describeDCOption(d *codec.DCOption) string {
	s := "dc " + strconv.Itoa(d.ID)
	if d.ServerAddress != "" {
		s += " " + net.JoinHostPort(d.ServerAddress, strconv.Itoa(int(d.Port)))
	}
	if d.MediaOnly {
		s += " media"
	}
	if d.TestMode {
		s += " test"
	}
	return s
}

// isIPv6Literal reports whether s is an IPv6 address literal.
func isIPv6Literal(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}
