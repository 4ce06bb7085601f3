package tdata

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Every error this package returns wraps one of them (or,
// for a missing file, [fs.ErrNotExist]), so callers can branch with
// [errors.Is]. No message holds key bytes, the passcode or file contents:
// errors name the file, and report lengths, offsets, counts and versions.
var (
	// ErrWrongPasscode is returned when the passcode-wrapped local key in
	// key_datas does not decrypt: the passcode is wrong, or the folder has a
	// passcode and none was given. It is returned after exactly one
	// key derivation (see [Read]).
	ErrWrongPasscode = errors.New("wrong passcode")
	// ErrCorrupt is returned for a file that fails its checks: bad magic,
	// MD5 mismatch, a length field past the end of its data, an encrypted
	// part whose SHA-1 or length prefix does not match, a field with an
	// impossible value.
	ErrCorrupt = errors.New("corrupt file")
	// ErrTooLarge is returned for a file larger than [MaxFileSize], before
	// it is read, and for a count (keys, lsk entries) above this package's
	// caps.
	ErrTooLarge = errors.New("too large")
	// ErrLegacyKeyScheme is returned for a folder written by Telegram
	// Desktop 2.1.13 or older (before June 2020): the local key is wrapped
	// in the first account's map with PBKDF2-HMAC-SHA1, and there is no
	// key_datas. Opening the folder once in any newer Telegram Desktop
	// migrates it.
	ErrLegacyKeyScheme = errors.New("legacy key scheme (Telegram Desktop 2.1.13 or older)")
	// ErrNoAccounts is returned when key_datas lists no account (a count of
	// 0 or below), and by [Write] for an empty account list.
	ErrNoAccounts = errors.New("no accounts")
	// ErrTooManyAccounts is returned when key_datas lists more than 6
	// accounts (Telegram Desktop's kPremiumMaxAccounts), and by [Write] for
	// more than 6 accounts.
	ErrTooManyAccounts = errors.New("more than 6 accounts")
	// ErrUnsupported is returned for a layout this package does not read or
	// write: an MTP file with blocks other than the authorization block (a
	// layout older than Telegram Desktop 1.x), and a test-DC account given
	// to [Write] (that needs a configs file, which this package does not
	// write).
	ErrUnsupported = errors.New("unsupported layout")
	// ErrInvalid is returned by [Write] for an account list or option it
	// cannot write faithfully: an index outside 0..5 or used twice, no key
	// for the main DC, a DC id outside 1..2³¹−1, a negative user id, user id
	// 0 on more than one account, a version below [DefaultVersion].
	ErrInvalid = errors.New("invalid write request")
	// ErrExists is returned by [Write] when the directory already holds a
	// tdata folder (a key_datas file) and [WriteOptions.Force] is false, and
	// when a destination path exists and is not a regular file.
	ErrExists = errors.New("destination exists")
)

// FileError reports a problem with one file of the folder. Path is the
// directory as the caller gave it joined with the file's name relative to
// it; [FileError.Error] escapes control characters in it. Err wraps one of
// the package's sentinels or an [fs] error.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string {
	return "tdata: " + quotePath(e.Path) + ": " + e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

// SlotError is returned by [Folder.Account] for an account that key_datas
// lists but that holds no session: its MTP authorization file is missing
// (a fresh install lists account 0 before anyone logs in), or it has no key
// for its main DC.
type SlotError struct {
	Index int
	// NoFile is true when the MTP file is missing, false when the file has
	// no key for the main DC.
	NoFile bool
}

func (e *SlotError) Error() string {
	why := "no key for its main DC"
	if e.NoFile {
		why = "no MTP authorization file"
	}
	return "tdata: account " + strconv.Itoa(e.Index) + " is a slot without a session (" + why + ")"
}

// errorf-style helpers: messages are built from constants, numbers and
// sentinels only.

// fileErr wraps err for file rel under the folder root dir.
func fileErr(dir, rel string, err error) error {
	return &FileError{Path: joinPath(dir, rel), Err: scrubPath(err)}
}

// scrubPath drops the paths that os errors carry (they would reach the
// message unescaped; FileError.Path names the file instead), keeping the
// operation and the underlying error for errors.Is.
func scrubPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &opError{op: pe.Op, err: pe.Err}
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return &opError{op: le.Op, err: le.Err}
	}
	return err
}

type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// wrap returns an error whose text is msg followed by the sentinel's text.
func wrap(sentinel error, msg string) error {
	return &detailError{msg: msg, err: sentinel}
}

type detailError struct {
	msg string
	err error
}

func (e *detailError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *detailError) Unwrap() error { return e.err }

func joinPath(dir, rel string) string {
	if dir == "" {
		return rel
	}
	if strings.HasSuffix(dir, "/") {
		return dir + rel
	}
	return dir + "/" + rel
}

// quotePath escapes control characters, backslashes and invalid UTF-8 in a
// path so that an error line cannot be split or recoloured by a file name.
func quotePath(p string) string {
	clean := true
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(p[i])|0x100, 16)[1:])
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(p[i : i+size])
		}
		i += size
	}
	return b.String()
}
