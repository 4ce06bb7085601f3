package model

import (
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/peerid"
)

// What each file kind holds and the rules by which its library stores
// values: the pure part of each library family, shared by the conversion
// here and the writers in package compat (telethon.go, telethon_v2.go,
// pyrogram.go, which hold the readers, CREATE statements and writers).

// telethonHolds are the session fields a telethon-sqlite file stores (the
// names of the conversion report).
var telethonHolds = []string{"server_address", "port", "ipv6"}

// telethonV2Holds are the session fields a telethon-v2-sqlite file stores.
var telethonV2Holds = []string{"server_address", "port", "ipv6", "user_id", "is_bot"}

// Session fields each Pyrogram-family kind stores.
var (
	pyrogramHolds = []string{"api_id", "test_mode", "user_id", "is_bot"}
	pyroforkHolds = []string{"api_id", "test_mode", "user_id", "is_bot"}
	kurigramHolds = []string{"server_address", "port", "ipv6", "api_id", "test_mode", "user_id", "is_bot"}
)

// TelethonHash returns the value of entities.hash (NOT NULL) for e: its
// access hash, or 0 for a basic group as Telethon itself stores
// (sessions/memory.py _entity_to_row). Users and channels without an
// access hash cannot be stored.
func TelethonHash(e Entity) (int64, bool) {
	if h, ok := e.AccessHash.Get(); ok {
		return h, true
	}
	if peerid.Of(e.ID) == peerid.Chat {
		return 0, true
	}
	return 0, false
}

// PyrogramPeerType returns the peers.type to write for e in kind, and
// whether it was chosen by rule rather than read from the source:
//
//   - a type the target's get_input_peer accepts is kept;
//   - kurigram's and irenogram's channel-like types ("forum", "direct",
//     "community") become "supergroup" (forum) or "channel" for Pyrogram 3
//     and pyrofork 4, which raise ValueError on them; all of them resolve
//     to InputPeerChannel either way;
//   - an unknown type follows the id: "user" for a user id (Pyrogram
//     resolves "user" and "bot" to the same InputPeerUser), "group" for a
//     basic group id, "channel" for a channel id (resolved like
//     "supergroup").
func PyrogramPeerType(e Entity, kind Kind) (string, bool) {
	switch e.Type {
	case PeerUser, PeerBot, PeerGroup, PeerChannel, PeerSupergroup:
		return e.Type, false
	case "direct", "forum", "community":
		if kind == KurigramSQLite {
			return e.Type, false
		}
		if e.Type == "forum" {
			return PeerSupergroup, true
		}
		return PeerChannel, true
	}
	switch peerid.Of(e.ID) {
	case peerid.User:
		return PeerUser, true
	case peerid.Chat:
		return PeerGroup, true
	default:
		return PeerChannel, true
	}
}

// PyrogramHash returns peers.access_hash for e: NULL for a basic group (as
// Pyrogram stores it), the access hash otherwise; users and channels
// without one cannot be resolved by Pyrogram and are not written.
func PyrogramHash(e Entity) (any, bool) {
	if peerid.Of(e.ID) == peerid.Chat {
		return nil, true
	}
	if h, ok := e.AccessHash.Get(); ok {
		return h, true
	}
	return nil, false
}

// IsIPv6 reports whether s's address is IPv6: its IPv6 flag when known,
// else whether the address holds a colon.
func IsIPv6(s *codec.Session) bool {
	if v, ok := s.IPv6.Get(); ok {
		return v
	}
	return strings.Contains(s.ServerAddress, ":")
}

// JoinHostPort writes Telethon v2's "ip:port" (IPv6 unbracketed, as
// net.py formats f"{opt.ip_address}:{opt.port}").
func JoinHostPort(host string, port uint16) string {
	return fmt.Sprintf("%s:%d", host, port)
}
