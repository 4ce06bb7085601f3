// Package vault implements age-sealed Telegram sessions: a session is
// serialised into a versioned binary envelope (docs/envelope.md), encrypted
// with age (https://age-encryption.org/v1, filippo.io/age), and opened only
// inside the process, with the auth key held in memguard memory.
//
// # Sealed forms
//
// [Session.Seal] writes one of three forms, and [Open] reads all three:
//
//   - [FormText], one line for environment variables and CI secrets:
//     "tgsession-age-v1:" followed by unpadded base64url of an age file. It
//     has no whitespace, is checked for size before decoding, and is the
//     smallest correct form: 644 bytes for a Telethon session and one X25519
//     recipient.
//   - [FormBinary] and [FormArmor], ordinary age files. `age -d` of a sealed
//     file prints the binary envelope, which holds the raw auth key (not a
//     session string): treat that output as the secret it is. A plain
//     session string encrypted with `age -r` opens with this package (its
//     format is detected).
//
// [Session.Seal] writes envelope version 2, which can also carry an
// attachment ([Session.SetAttachment]): the CLI puts the rest of a
// .session file there, so that opening restores the whole file. Version 1
// values keep opening. Everything sealed is a field of the [Session]
// (which embeds [codec.Info]): no option changes what is written.
//
// A value that is not sealed fails closed with [ErrNotSealed].
//
// # Recipients and identities
//
// Native age keys (X25519, and the ML-KEM-768+X25519 post-quantum hybrid)
// are always accepted; SSH keys only with [KeySearch] SSH set; age plugins
// never. Passphrases (scrypt) are used only when [KeySearch] Passphrase
// supplies one, with the work factor capped at 18 so that a tampered file
// cannot cost more than about a second; they are not for serverless use.
// [KeySearch] RequirePQ refuses classic recipients and identities.
//
// Opening uses exactly the identities passed to it, as age's Decrypt does:
// [Open] reads no environment variable and runs no command. Identities are
// found, once and explicitly, by [KeySearch.Find], as sops users expect:
// TGSESSION_AGE_KEY, TGSESSION_AGE_KEY_FILE, TGSESSION_AGE_KEY_CMD (killed
// after its timeout), identity files (age's -i, "-" for standard input),
// then $XDG_CONFIG_HOME/tgsession/keys.txt. Errors list every place tried
// and never echo a key.
//
// # Keys in memory
//
// [Open] moves the auth key from the decrypted buffer straight into a
// memguard Enclave (encrypted at rest) and wipes the buffer. [Session.WithKey]
// hands the key to a callback in a locked, read-only buffer that is
// destroyed when the callback returns. With identities from a
// [KeySearch] with Ephemeral set, the key instead stays in one such buffer
// until [Session.Destroy]: for a process that opens a key, uses it and
// exits. [Session.ToCodec] and
// [Session.Export] produce ordinary copies for conversion, which cannot all
// be wiped.
//
// memguard panics when mlock fails, and with a small RLIMIT_MEMLOCK it hangs
// (memguard issues #147 and #173). Before its first use this package checks
// RLIMIT_MEMLOCK and CAP_IPC_LOCK and returns a [*MemlockError] instead. The
// opt-out, TGSESSION_ALLOW_NO_MLOCK=1 in the environment, keeps keys in
// ordinary memory with a warning. Importing memguard sets the process's
// RLIMIT_CORE to zero (hard limit included), which child processes inherit.
// This package never calls memguard.CatchInterrupt, CatchSignal or Purge:
// that is for the program's main function.
//
// # Serverless
//
// [OpenEnv] reads a sealed environment variable, removes it from the
// environment and from /proc/self/environ, and opens it. Running a child
// process with sessions from sealed sources (as `sops exec-env` does) is
// the CLI's job, `tgsession exec`, not this package's. The gotd/td session
// storage lives in the separate
// module github.com/tgsession/tgsession/vault/gotdstorage, so that importing
// this package does not pull in gotd.
//
// # Vault directory
//
// A [Dir] stores named entries as age files, written atomically under a
// lock, and records in a non-secret index where each key was exported, to
// warn before one auth key is used in two places (which gets the account
// AUTH_KEY_DUPLICATED).
//
// # Security
//
// age authenticates the ciphertext but not the sender: anyone who knows a
// recipient can seal a session for it. Keep recipients private if an
// attacker swapping in their own session matters, and keep the identity in
// a different secret store from the sealed value. Memory protection is
// defence in depth against swap, core dumps and logs, not against code
// running in the process. Opening decrypts the age payload in place into
// one buffer that is wiped once the key is in memguard, so no copy of the
// session is left in age's buffers; what age and x/crypto leave in memory is
// key material (identity secret keys, the file key, the payload key). Go
// strings (from Export and ToCodec) and the process's initial copy of
// the environment cannot be wiped. Builds with GOEXPERIMENT=runtimesecret
// run decryption under runtime/secret.Do, which erases that key material
// once it is freed.
package vault
