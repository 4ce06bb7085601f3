package tdata

import (
	"strconv"
)

// The per-account map, <fileKey>/maps (Account::readMapWith / writeMap,
// https://github.com/telegramdesktop/tdesktop/blob/v4.6.5/Telegram/SourceFiles/storage/storage_account.cpp),
// is a TDF$ file whose payload is:
//
//	| size | type       | field                                                    |
//	|------|------------|----------------------------------------------------------|
//	| 4+n  | QByteArray | legacy salt: null since 2.1.14, 32 bytes before          |
//	| 4+n  | QByteArray | legacy encrypted local key: null since 2.1.14            |
//	| 4+n  | QByteArray | encrypted part (local key) holding lsk entries           |
//
// Each lsk entry is a uint32 type and a payload whose shape depends on the
// type. Telegram Desktop fails the whole map on a type it does not know,
// and then starts the account logged out; it reads the MTP file only after
// the map parsed. This package reads the map only to warn about that: the
// session is in the MTP file.
//
//	| lsk        | name                                         | payload                          |
//	|------------|----------------------------------------------|----------------------------------|
//	| 0x01, 0x02 | Draft, DraftPosition                         | uint32 n, n × (uint64, uint64)   |
//	| 0x03, 0x05, 0x06 | LegacyImages, …StickerImages, …Audios  | uint32 n, n × (3 × uint64, int32)|
//	| 0x04, 0x07–0x0f, 0x11–0x13 | Locations, …, ExportSettings   | uint64                           |
//	| 0x10       | StickersKeys                                 | 4 × uint64                       |
//	| 0x14       | BackgroundOld                                | 2 × uint64                       |
//	| 0x15       | SelfSerialized                               | QByteArray                       |
//	| 0x16, 0x17 | MasksKeys, CustomEmojiKeys                   | 3 × uint64                       |
//	| 0x18       | SearchSuggestions (4.16.9)                   | uint64                           |
//	| 0x19       | WebviewTokens (4.16.10)                      | 2 × QByteArray                   |
//	| 0x1a–0x1c  | RoundPlaceholder, InlineBotsDownloads, MediaLastPlaybackPositions (5.6.4–5.11) | uint64 |
//	| 0x1d       | BotStorages (5.14)                           | uint32 n, n × (uint64, uint64)   |
//	| 0x1e       | Prefs (after 6.1.2)                          | uint64                           |
//
// 0x00 (UserMap) is in the enum but not in readMapWith's switch: Telegram
// Desktop fails a map holding it, and so this package treats it as unknown.

// lskNewest is the highest lsk type this package knows.
const lskNewest = 0x1e

// skipLsk consumes the payload of lsk type t; it returns false for an
// unknown type.
func skipLsk(r *qreader, t uint32) bool {
	pairs := func(size int) {
		n := r.u32("lsk entry count")
		if r.err == nil && uint64(n)*uint64(size) > uint64(len(r.b)-r.off) {
			r.fail("lsk entry count " + strconv.FormatUint(uint64(n), 10) + " past the end")
			return
		}
		r.take(int(n)*size, "lsk entries")
	}
	switch {
	case t == 0x01 || t == 0x02 || t == 0x1d:
		pairs(16)
	case t == 0x03 || t == 0x05 || t == 0x06:
		pairs(28)
	case t == 0x10:
		r.take(32, "lsk keys")
	case t == 0x14:
		r.take(16, "lsk keys")
	case t == 0x15:
		r.bytes("serialized self")
	case t == 0x16 || t == 0x17:
		r.take(24, "lsk keys")
	case t == 0x19:
		r.bytes("webview token")
		r.bytes("webview token")
	case t == 0x04 || (t >= 0x07 && t <= 0x0f) || (t >= 0x11 && t <= 0x13) || t == 0x18 || (t >= 0x1a && t <= 0x1c) || t == 0x1e:
		r.take(8, "lsk key")
	default:
		return false
	}
	return true
}

// mapInfo is what the map tells about an account.
type mapInfo struct {
	types   []uint32 // lsk types in stored order, up to the first unknown one
	unknown int64    // the first unknown lsk type, or −1
}

// parseMapOuter reads the map's three byte arrays.
func parseMapOuter(payload []byte) (legacySalt, legacyKey, enc []byte, err error) {
	r := qreader{b: payload}
	legacySalt = r.bytes("legacy salt")
	legacyKey = r.bytes("legacy key")
	enc = r.bytes("encrypted map")
	return legacySalt, legacyKey, enc, r.err
}

// parseMapEntries walks the decrypted lsk entries.
func parseMapEntries(data []byte) (mapInfo, error) {
	r := qreader{b: data}
	info := mapInfo{unknown: -1}
	for !r.atEnd() {
		t := r.u32("lsk type")
		if r.err != nil {
			return info, r.err
		}
		if !skipLsk(&r, t) {
			info.unknown = int64(t)
			return info, nil
		}
		if r.err != nil {
			return info, r.err
		}
		if len(info.types) < 64 {
			info.types = append(info.types, t)
		}
	}
	return info, nil
}

// buildEmptyMap returns the payload of an empty map as Telegram Desktop
// writes it: two null legacy fields and an encrypted part with no entries.
func buildEmptyMap(key *localKey) ([]byte, error) {
	enc, err := encryptLocal(nil, key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 12+len(enc))
	out = append(out, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	return appendQBytes(out, enc), nil
}

// The per-account MTP config, <fileKey>/configs (Account::readMtpConfig,
// MTP::Config::FromSerialized in mtproto_config.cpp), is a TDF$ file with
// one QByteArray, an encrypted part whose data is a QByteArray starting:
//
//	| size | type  | field                                    |
//	|------|-------|------------------------------------------|
//	| 4    | int32 | config version (1)                       |
//	| 4    | int32 | environment: 0 production, 1 test        |
//	| …    |       | DC options, limits (not read here)       |
//
// Without a readable config Telegram Desktop uses its production defaults.

// parseConfigEnv returns the environment of a decrypted config (true for
// test) and whether it was understood.
func parseConfigEnv(data []byte) (test, ok bool) {
	r := qreader{b: data}
	inner := r.bytes("config")
	if r.err != nil {
		return false, false
	}
	c := qreader{b: inner}
	version := int32(c.u32("config version"))
	env := int32(c.u32("environment"))
	if c.err != nil || version != 1 || (env != 0 && env != 1) {
		return false, false
	}
	return env == 1, true
}
