package tdata

import (
	"crypto/md5"
	"crypto/rand"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
)

// DefaultVersion is the TDF version [Write] tags files with by default:
// 2.1.14, the first Telegram Desktop release with the key_datas layout.
// Telegram Desktop skips a file tagged newer than itself, and when that
// file is key_datas it starts from scratch and overwrites it; mtcute
// 0.29.7 refuses any version above 5008003. Every Telegram Desktop since
// 2.1.14 and every known third-party reader accept 2001014, and Telegram
// Desktop rewrites the files with its own version on first start.
const DefaultVersion = 2001014

// newestKnownVersion is the newest Telegram Desktop whose source this
// package was checked against (6.1.2); a newer tag gets a warning.
const newestKnownVersion = 6001002

// A Folder is a decoded Telegram Desktop tdata folder: the accounts that
// key_datas lists, in its order (Telegram Desktop's display order).
//
// It holds auth keys: call [Folder.Wipe] when done. Its keys never print
// themselves (see [codec.AuthKey]).
type Folder struct {
	// Version is the TDF version tag of key_datas: the AppVersion of the
	// Telegram Desktop (or tool) that wrote it, e.g. 4006005 for 4.6.5.
	Version uint32
	// DataName is the data name the files are keyed by: "data" unless
	// Telegram Desktop ran with -key NAME.
	DataName string
	// Passcode reports whether the folder has a local passcode.
	Passcode bool
	// Active is the index of the account Telegram Desktop shows first, or
	// −1 when key_datas does not say (a fresh install).
	Active int
	// Accounts lists every account key_datas names, slots without a
	// session included (see [Folder.Account]).
	Accounts []Account
	// Warnings say what Telegram Desktop would do differently from this
	// reader (a missing or unreadable map, an lsk type this package does
	// not know, skipped indices, an unknown TDF version). They hold no
	// secrets.
	Warnings []string
}

// An Account is one Telegram Desktop account: its MTP authorization (the
// user, the main DC and one auth key per DC it has talked to) and what its
// config says about the environment.
type Account struct {
	// Index is the account's index, 0..5, as Telegram Desktop numbers
	// them; account i > 0 is stored under the data name "data#<i+1>".
	Index int
	// UserID is the Telegram user id (0 when the writer did not know it).
	UserID int64
	// MainDC is the DC the account's session lives on.
	MainDC int
	// Keys are the account's auth keys, one per DC, in stored order. The
	// main DC's key is the session; [Account.Main] returns it.
	Keys []DCKey
	// KeysToDestroy counts the keys Telegram Desktop still has to log out
	// on the server. They are never returned, and [Write] writes none.
	KeysToDestroy int
	// Test is true when the account's configs file names the test
	// environment. [Write] refuses a test account with [ErrUnsupported].
	Test bool
	// ConfigRead reports whether the configs file was present and
	// understood; without it Telegram Desktop uses production.
	ConfigRead bool

	noFile bool // key_datas lists the account but it has no MTP file
}

// A DCKey is an auth key and the DC it belongs to.
type DCKey struct {
	DC  int
	Key codec.AuthKey
}

// Main returns the key for the account's main DC, and false when there is
// none.
func (a *Account) Main() (DCKey, bool) {
	for _, k := range a.Keys {
		if k.DC == a.MainDC && k.Key.IsSet() {
			return k, true
		}
	}
	return DCKey{}, false
}

// Account returns the account with the given index. It returns a
// [*SlotError] when key_datas lists the index but the account holds no
// session, and an error wrapping [ErrNoAccounts] when the index is not
// listed.
func (f *Folder) Account(index int) (*Account, error) {
	for i := range f.Accounts {
		a := &f.Accounts[i]
		if a.Index != index {
			continue
		}
		if a.noFile {
			return nil, &SlotError{Index: index, NoFile: true}
		}
		if _, ok := a.Main(); !ok {
			return nil, &SlotError{Index: index}
		}
		return a, nil
	}
	idx := make([]string, len(f.Accounts))
	for i, a := range f.Accounts {
		idx[i] = strconv.Itoa(a.Index)
	}
	return nil, wrap(ErrNoAccounts, "tdata: account index "+strconv.Itoa(index)+" is not listed in key_datas (indices: "+strings.Join(idx, ", ")+")")
}

// Wipe wipes every key of every account.
func (f *Folder) Wipe() {
	if f == nil {
		return
	}
	for i := range f.Accounts {
		for j := range f.Accounts[i].Keys {
			f.Accounts[i].Keys[j].Key.Wipe()
		}
	}
}

// fileKey returns the 16-hex-digit file name part for a data name
// (ComputeDataNameKey + ToFilePart): MD5 of the UTF-8 name, its first 8
// bytes, each byte printed low nibble first in uppercase hex.
// "data" → "D877F783D5D3EF8C", "data#2" → "A7FDF864FBC10B77".
func fileKey(dataName string) string {
	sum := md5.Sum([]byte(dataName))
	const hexDigits = "0123456789ABCDEF"
	var b [16]byte
	for i := range 8 {
		b[2*i] = hexDigits[sum[i]&0xF]
		b[2*i+1] = hexDigits[sum[i]>>4]
	}
	return string(b[:])
}

func accountDataName(dataName string, index int) string {
	if index == 0 {
		return dataName
	}
	return dataName + "#" + strconv.Itoa(index+1)
}

// Read reads the tdata folder at dir (see [ReadFS]). Errors name files as
// dir joined with the file's name in the folder.
func Read(dir string, passcode []byte) (*Folder, error) {
	return readFS(os.DirFS(dir), dir, passcode)
}

// ReadFS reads a tdata folder from fsys: key_datas, then for every account
// it lists the MTP authorization file, the map and the config. passcode is
// the local passcode as UTF-8 bytes, nil or empty for none; ReadFS does not
// keep or modify it (the caller wipes it).
//
// The passcode key is derived once per folder, whatever the number of
// accounts: one PBKDF2-HMAC-SHA512 of 100 000 rounds when a passcode is
// given, of 1 round otherwise. A wrong or missing passcode returns an error
// wrapping [ErrWrongPasscode] after that one derivation.
//
// Like Telegram Desktop, ReadFS reads file X from "Xs", or else from "X0"
// and "X1", the newer first. A missing MTP file makes the account a slot
// without a session ([Folder.Account] returns a [*SlotError]); a missing,
// unreadable or unknown-typed map or config only adds a warning. A folder
// without key_datas but with a pre-2.1.14 map returns
// [ErrLegacyKeyScheme]; one with neither, an error wrapping
// [fs.ErrNotExist].
func ReadFS(fsys fs.FS, passcode []byte) (*Folder, error) {
	return readFS(fsys, "", passcode)
}

func readFS(fsys fs.FS, dir string, passcode []byte) (*Folder, error) {
	f := &Folder{DataName: "data", Active: -1, Passcode: len(passcode) > 0}
	kd, err := readTDF(fsys, dir, "key_"+f.DataName)
	if errors.Is(err, fs.ErrNotExist) {
		names := otherDataNames(fsys)
		if len(names) == 0 {
			if lerr := detectLegacy(fsys, dir); lerr != nil {
				return nil, lerr
			}
			return nil, err
		}
		f.DataName = names[0]
		if len(names) > 1 {
			f.Warnings = append(f.Warnings, "several key files ("+strconv.Itoa(len(names))+" data names); reading the first, "+strconv.Quote(names[0]))
		}
		kd, err = readTDF(fsys, dir, "key_"+f.DataName)
	}
	if err != nil {
		return nil, err
	}
	f.Version = kd.version
	if w := versionWarning(kd.name, kd.version); w != "" {
		f.Warnings = append(f.Warnings, w)
	}
	outer, err := parseKeyDataOuter(kd.payload)
	if err != nil {
		return nil, fileErr(dir, kd.name, err)
	}
	key, err := outer.unwrapLocalKey(passcode)
	if err != nil {
		return nil, fileErr(dir, kd.name, err)
	}
	defer key.wipe()
	infoData, err := decryptLocal(outer.infoEnc, key)
	if err != nil {
		return nil, fileErr(dir, kd.name, err)
	}
	info, err := parseKeyInfo(infoData)
	if err != nil {
		return nil, fileErr(dir, kd.name, err)
	}
	f.Warnings = append(f.Warnings, info.warnings...)
	f.Active = info.active
	ok := false
	defer func() {
		if !ok {
			f.Wipe()
		}
	}()
	for _, idx := range info.indices {
		a, warns, err := readAccount(fsys, dir, f.DataName, idx, key)
		if err != nil {
			return nil, err
		}
		f.Accounts = append(f.Accounts, a)
		f.Warnings = append(f.Warnings, warns...)
	}
	ok = true
	return f, nil
}

func versionWarning(name string, v uint32) string {
	switch {
	case v < DefaultVersion:
		return name + ": TDF version " + strconv.FormatUint(uint64(v), 10) + " is older than the key_datas layout (2001014); read anyway"
	case v > newestKnownVersion:
		return name + ": TDF version " + strconv.FormatUint(uint64(v), 10) + " is newer than any Telegram Desktop this package was checked against (6001002); read anyway (older Telegram Desktop and mtcute refuse it)"
	}
	return ""
}

// otherDataNames lists data names with a key file other than "data",
// sorted.
func otherDataNames(fsys fs.FS) []string {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, "key_") || len(n) < 6 || strings.ContainsAny(n, "/\\") {
			continue
		}
		if s := n[len(n)-1]; s != 's' && s != '0' && s != '1' {
			continue
		}
		dn := n[4 : len(n)-1]
		if dn == "data" || seen[dn] {
			continue
		}
		seen[dn] = true
		names = append(names, dn)
	}
	sort.Strings(names)
	return names
}

// detectLegacy returns ErrLegacyKeyScheme when account 0's map carries the
// pre-2.1.14 salt and wrapped key, nil otherwise.
func detectLegacy(fsys fs.FS, dir string) error {
	m, err := readTDF(fsys, dir, fileKey("data")+"/map")
	if err != nil {
		return nil
	}
	salt, _, _, err := parseMapOuter(m.payload)
	if err != nil || len(salt) == 0 {
		return nil
	}
	return fileErr(dir, m.name, wrap(ErrLegacyKeyScheme, "no key_datas, and the map holds a "+strconv.Itoa(len(salt))+"-byte legacy salt"))
}

func readAccount(fsys fs.FS, dir, dataName string, idx int, key *localKey) (Account, []string, error) {
	a := Account{Index: idx}
	prefix := "account " + strconv.Itoa(idx) + ": "
	var warns []string
	fk := fileKey(accountDataName(dataName, idx))

	mtp, err := readTDF(fsys, dir, fk)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		a.noFile = true
		warns = append(warns, prefix+"no MTP authorization file ("+fk+"s): a slot without a session")
	case err != nil:
		return a, nil, err
	default:
		if w := versionWarning(mtp.name, mtp.version); w != "" {
			warns = append(warns, prefix+w)
		}
		m, err := readMTPFile(mtp.payload, key)
		if err != nil {
			return a, nil, fileErr(dir, mtp.name, err)
		}
		a.UserID, a.MainDC, a.Keys, a.KeysToDestroy = m.userID, m.mainDC, m.keys, m.toDestroy
		if _, ok := a.Main(); !ok {
			warns = append(warns, prefix+"no auth key for its main DC "+strconv.Itoa(a.MainDC)+": a slot without a session")
		}
	}

	if w := checkMap(fsys, dir, fk, key); w != "" {
		warns = append(warns, prefix+w)
	}

	cfg, err := readTDF(fsys, dir, fk+"/config")
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		warns = append(warns, prefix+"config not read ("+err.Error()+"); Telegram Desktop would use production")
	default:
		test, ok := readConfig(cfg.payload, key)
		if !ok {
			warns = append(warns, prefix+"config "+cfg.name+" not understood; Telegram Desktop would use production")
		}
		a.Test, a.ConfigRead = test, ok
	}
	return a, warns, nil
}

func readMTPFile(payload []byte, key *localKey) (*mtpAuth, error) {
	r := qreader{b: payload}
	enc := r.bytes("encrypted MTP data")
	if r.err != nil {
		return nil, r.err
	}
	data, err := decryptLocal(enc, key)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	return parseMTP(data)
}

func readConfig(payload []byte, key *localKey) (test, ok bool) {
	r := qreader{b: payload}
	enc := r.bytes("encrypted config")
	if r.err != nil {
		return false, false
	}
	data, err := decryptLocal(enc, key)
	if err != nil {
		return false, false
	}
	return parseConfigEnv(data)
}

// checkMap returns a warning about account fk's map, or "".
func checkMap(fsys fs.FS, dir, fk string, key *localKey) string {
	m, err := readTDF(fsys, dir, fk+"/map")
	if errors.Is(err, fs.ErrNotExist) {
		return "no map (" + fk + "/maps): Telegram Desktop would start this account logged out"
	}
	if err != nil {
		return "map not read (" + err.Error() + "): Telegram Desktop would start this account logged out"
	}
	_, _, enc, err := parseMapOuter(m.payload)
	if err != nil {
		return m.name + ": " + err.Error() + ": Telegram Desktop would start this account logged out"
	}
	data, err := decryptLocal(enc, key)
	if err != nil {
		return m.name + ": map does not decrypt with the local key: Telegram Desktop would start this account logged out"
	}
	info, err := parseMapEntries(data)
	if err != nil {
		return m.name + ": " + err.Error() + ": Telegram Desktop would start this account logged out"
	}
	if info.unknown >= 0 {
		return m.name + ": lsk type 0x" + strconv.FormatInt(info.unknown, 16) + " unknown to this package (it knows up to 0x" + strconv.FormatInt(lskNewest, 16) + "); a Telegram Desktop that does not know it either would start this account logged out"
	}
	return ""
}

// WriteOptions configure [Write].
type WriteOptions struct {
	// Passcode is the local passcode (UTF-8), nil or empty for none. Write
	// does not keep or modify it.
	Passcode []byte
	// Version is the TDF version tag of every file; 0 means
	// [DefaultVersion]. Never set it above the version of the Telegram
	// Desktop that will read the folder: it would discard key_datas.
	Version uint32
	// Force allows writing into a directory that already holds a tdata
	// folder, replacing its key_datas, MTP files and maps.
	Force bool
}

// Write writes accounts as a new tdata folder in dir: key_datas with a
// fresh random 32-byte salt and a fresh random 256-byte local key, and for
// each account its MTP authorization file (wide-id layout, every key in
// Keys, no keys to destroy) and an empty map, as Telegram Desktop writes
// them. The accounts are listed in the given order; the first is active.
//
// Files are written 0600 through a temporary file, fsync and rename;
// directories Write creates are 0700. key_datas is written last, so an
// interrupted Write leaves no folder Telegram Desktop would read. Write
// refuses ([ErrExists]) a directory holding key_datas unless opts.Force is
// set, and never replaces anything but a regular file. Stale files of a
// replaced folder (other accounts, configs, caches) are left in place.
//
// Write refuses test-DC accounts ([ErrUnsupported]), more than 6 accounts
// ([ErrTooManyAccounts]), none ([ErrNoAccounts]) and anything else it could
// not write faithfully ([ErrInvalid]).
func Write(dir string, accounts []Account, opts WriteOptions) error {
	version := opts.Version
	if version == 0 {
		version = DefaultVersion
	}
	if err := checkWrite(accounts, version); err != nil {
		return err
	}
	if err := prepareDir(dir, opts.Force); err != nil {
		return err
	}

	key := new(localKey)
	defer key.wipe()
	if _, err := rand.Read(key[:]); err != nil {
		return err
	}
	indices := make([]int, len(accounts))
	for i, a := range accounts {
		indices[i] = a.Index
		fk := fileKey(accountDataName("data", a.Index))
		if err := mkdirPrivate(filepath.Join(dir, fk)); err != nil {
			return fileErr(dir, fk, err)
		}
		data := buildMTP(a.UserID, a.MainDC, a.Keys)
		enc, err := encryptLocal(data, key)
		clear(data)
		if err != nil {
			return err
		}
		if err := writeTDF(dir, fk+"s", version, appendQBytes(nil, enc), opts.Force); err != nil {
			return err
		}
		m, err := buildEmptyMap(key)
		if err != nil {
			return err
		}
		if err := writeTDF(dir, fk+"/maps", version, m, opts.Force); err != nil {
			return err
		}
	}
	kd, err := buildKeyData(key, opts.Passcode, indices, indices[0])
	if err != nil {
		return err
	}
	return writeTDF(dir, "key_datas", version, kd, opts.Force)
}

func checkWrite(accounts []Account, version uint32) error {
	if len(accounts) == 0 {
		return wrap(ErrNoAccounts, "tdata: nothing to write")
	}
	if len(accounts) > maxAccounts {
		return wrap(ErrTooManyAccounts, "tdata: "+strconv.Itoa(len(accounts))+" accounts")
	}
	if version < DefaultVersion || version > math.MaxInt32 {
		return wrap(ErrInvalid, "tdata: TDF version "+strconv.FormatUint(uint64(version), 10)+" outside 2001014..2147483647")
	}
	var seen [maxAccounts]bool
	users := map[int64]bool{}
	for _, a := range accounts {
		p := "tdata: account " + strconv.Itoa(a.Index)
		switch {
		case a.Index < 0 || a.Index >= maxAccounts:
			return wrap(ErrInvalid, p+": index outside 0..5")
		case seen[a.Index]:
			return wrap(ErrInvalid, p+": index used twice")
		case a.Test:
			return wrap(ErrUnsupported, p+": a test-DC session needs a configs file naming the test environment, which this package does not write")
		case a.UserID < 0:
			return wrap(ErrInvalid, p+": negative user id")
		case users[a.UserID] && a.UserID == 0:
			return wrap(ErrInvalid, p+": user id 0 (unknown) on more than one account; Telegram Desktop would load only one")
		case users[a.UserID]:
			return wrap(ErrInvalid, p+": the same user id as another account; Telegram Desktop would load only one")
		case a.MainDC <= 0 || a.MainDC > math.MaxInt32:
			return wrap(ErrInvalid, p+": main DC "+strconv.Itoa(a.MainDC)+" outside 1..2147483647")
		case len(a.Keys) == 0:
			return wrap(ErrInvalid, p+": no auth key")
		case len(a.Keys) > maxKeys:
			return wrap(ErrInvalid, p+": more than "+strconv.Itoa(maxKeys)+" auth keys")
		}
		seen[a.Index] = true
		users[a.UserID] = true
		dcs := map[int]bool{}
		for _, k := range a.Keys {
			switch {
			case k.DC <= 0 || k.DC > math.MaxInt32:
				return wrap(ErrInvalid, p+": key DC "+strconv.Itoa(k.DC)+" outside 1..2147483647")
			case dcs[k.DC]:
				return wrap(ErrInvalid, p+": two keys for DC "+strconv.Itoa(k.DC))
			case !k.Key.IsSet():
				return wrap(ErrInvalid, p+": unset key for DC "+strconv.Itoa(k.DC))
			}
			dcs[k.DC] = true
		}
		if !dcs[a.MainDC] {
			return wrap(ErrInvalid, p+": no key for the main DC "+strconv.Itoa(a.MainDC))
		}
	}
	return nil
}

// prepareDir creates dir (0700) or checks that it is a directory without
// a tdata folder (unless force).
func prepareDir(dir string, force bool) error {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return &FileError{Path: dir, Err: scrubPath(err)}
		}
		return nil
	}
	if err != nil {
		return &FileError{Path: dir, Err: scrubPath(err)}
	}
	if !info.IsDir() {
		return &FileError{Path: dir, Err: wrap(ErrExists, "not a directory")}
	}
	if force {
		return nil
	}
	for _, n := range []string{"key_datas", "key_data0", "key_data1"} {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			return fileErr(dir, n, wrap(ErrExists, "the directory already holds a tdata folder"))
		}
	}
	return nil
}

func mkdirPrivate(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return os.Mkdir(path, 0o700)
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return wrap(ErrExists, "not a directory")
	}
	return nil
}

// writeTDF writes a TDF$ file at dir/rel atomically, 0600. It refuses to
// replace anything but a regular file, and a regular file unless force.
func writeTDF(dir, rel string, version uint32, payload []byte, force bool) error {
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if info, err := os.Lstat(path); err == nil {
		if !info.Mode().IsRegular() {
			return fileErr(dir, rel, wrap(ErrExists, "exists and is not a regular file"))
		}
		if !force {
			return fileErr(dir, rel, wrap(ErrExists, "exists"))
		}
	}
	err := safefile.WriteFile(path, appendTDF(nil, version, payload), force)
	if errors.Is(err, safefile.ErrExists) {
		return fileErr(dir, rel, wrap(ErrExists, "exists"))
	}
	if err != nil {
		return fileErr(dir, rel, err)
	}
	return nil
}
