// Package tdata implements reading and writing Telegram Desktop's local
// storage folder, tdata, in the layout every Telegram Desktop since 2.1.14
// (June 2020) uses: key_datas with the passcode-wrapped local key and the
// account list, and per account an MTP authorization file with the user id,
// the main DC and one 256-byte auth key per DC, and a map.
//
// The source of truth is Telegram Desktop's own code, cited next to each
// layout:
// storage/details/storage_file_utilities.cpp (the TDF$ container and the
// local encryption), storage/storage_domain.cpp (key_datas),
// main/main_account.cpp (the MTP authorization) and
// storage/storage_account.cpp (the map), at
// https://github.com/telegramdesktop/tdesktop. docs/tdata.md in this
// repository describes the format in full.
//
// # Reading
//
// [Read] decodes a folder into a [Folder]: every account key_datas lists,
// with its user id, main DC and every auth key ([DCKey]). The main DC's key
// is the session ([Account.Main]); the others serve media downloads, and a
// format that holds one key drops them. Keys Telegram Desktop still has to
// destroy are counted, never returned. [Folder.Account] picks an account by
// the index Telegram Desktop gives it and says when a listed slot has no
// session ([SlotError]).
//
// With a passcode, the folder costs one PBKDF2-HMAC-SHA512 of 100 000
// rounds (about half a second on a small machine), whatever the number of
// accounts; a wrong passcode fails after that one derivation with
// [ErrWrongPasscode].
//
// # Writing
//
// [Write] writes one to six accounts as a new folder, with a fresh random
// salt and local key every time, an optional passcode, and a TDF version tag
// ([DefaultVersion] unless set) no Telegram Desktop since 2.1.14 refuses.
//
// # Security
//
// Auth keys are [codec.AuthKey] values, which never print their bytes.
// Errors name files and report lengths, offsets, counts and versions; they
// never hold key bytes, the passcode or file contents. Every file read is
// capped at [MaxFileSize] and every count checked before use. The caller
// owns the passcode slice and wipes it; this package clears its own copies
// of derived keys and decrypted data.
package tdata
