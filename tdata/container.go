package tdata

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"strconv"
)

// MaxFileSize is the largest file this package reads. Real files are far
// smaller: key_datas is 388 bytes for one account, an MTP file 348 bytes per
// key plus 260 per further key, an empty map 68 bytes; a map with thousands
// of drafts stays under 100 KiB. A larger file is refused with [ErrTooLarge]
// before it is read.
const MaxFileSize = 1 << 20

// The TDF$ container wraps every file of a tdata folder
// (storage_file_utilities.cpp, ReadFile and FileWriteDescriptor::finish,
// https://github.com/telegramdesktop/tdesktop/blob/v4.6.5/Telegram/SourceFiles/storage/details/storage_file_utilities.cpp):
//
//	| size | type           | field                                              |
//	|------|----------------|----------------------------------------------------|
//	| 4    | bytes          | magic "TDF$"                                       |
//	| 4    | int32 LE       | version: the writer's AppVersion (4006005 = 4.6.5) |
//	| n    | bytes          | payload: a big-endian Qt_5_1 QDataStream           |
//	| 16   | bytes          | MD5(payload ‖ int32 LE n ‖ version ‖ "TDF$")       |
//
// Telegram Desktop skips a file whose version is newer than its own; this
// package reads any version and reports it.
const (
	tdfMagic     = "TDF$"
	tdfHeaderLen = 8
	tdfMD5Len    = md5.Size
)

// parseTDF checks a TDF$ container and returns its version and payload
// (a sub-slice of raw).
func parseTDF(raw []byte) (version uint32, payload []byte, err error) {
	if len(raw) < tdfHeaderLen+tdfMD5Len {
		return 0, nil, wrap(ErrCorrupt, "file of "+strconv.Itoa(len(raw))+" bytes is shorter than the 24-byte TDF$ frame")
	}
	if string(raw[:4]) != tdfMagic {
		return 0, nil, wrap(ErrCorrupt, "no TDF$ magic")
	}
	version = binary.LittleEndian.Uint32(raw[4:8])
	payload = raw[tdfHeaderLen : len(raw)-tdfMD5Len]
	sum := tdfSum(payload, version)
	if !bytes.Equal(sum[:], raw[len(raw)-tdfMD5Len:]) {
		return 0, nil, wrap(ErrCorrupt, "MD5 mismatch")
	}
	return version, payload, nil
}

func tdfSum(payload []byte, version uint32) [md5.Size]byte {
	h := md5.New()
	h.Write(payload)
	var tail [12]byte
	binary.LittleEndian.PutUint32(tail[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(tail[4:8], version)
	copy(tail[8:], tdfMagic)
	h.Write(tail[:])
	var sum [md5.Size]byte
	h.Sum(sum[:0])
	return sum
}

// appendTDF frames payload as a TDF$ file.
func appendTDF(dst []byte, version uint32, payload []byte) []byte {
	dst = append(dst, tdfMagic...)
	dst = binary.LittleEndian.AppendUint32(dst, version)
	dst = append(dst, payload...)
	sum := tdfSum(payload, version)
	return append(dst, sum[:]...)
}

// tdfFile is one file read from a folder.
type tdfFile struct {
	name    string // the name actually read, e.g. "key_datas" or "key_data1"
	version uint32
	payload []byte
}

// candidates returns the files that may hold logical file name, in the
// order Telegram Desktop's ReadFile tries them: name+"s" if it exists, else
// name+"0" and name+"1", the newer first (name+"0" first on equal times).
// It returns nil when none exists.
func candidates(fsys fs.FS, name string) ([]string, error) {
	if _, err := fs.Stat(fsys, name+"s"); err == nil {
		return []string{name + "s"}, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return []string{name + "s"}, nil // let the read report it
	}
	i0, err0 := fs.Stat(fsys, name+"0")
	i1, err1 := fs.Stat(fsys, name+"1")
	switch {
	case err0 == nil && err1 == nil:
		if i0.ModTime().Before(i1.ModTime()) {
			return []string{name + "1", name + "0"}, nil
		}
		return []string{name + "0", name + "1"}, nil
	case err0 == nil:
		return []string{name + "0"}, nil
	case err1 == nil:
		return []string{name + "1"}, nil
	}
	return nil, nil
}

// readTDF reads logical file name (without suffix) from fsys. It returns an
// error wrapping fs.ErrNotExist when no candidate exists; otherwise the
// first candidate that is a valid TDF$ file, or the first candidate's error.
func readTDF(fsys fs.FS, dir, name string) (*tdfFile, error) {
	names, err := candidates(fsys, name)
	if err != nil {
		return nil, fileErr(dir, name+"s", err)
	}
	if len(names) == 0 {
		return nil, fileErr(dir, name+"s", fs.ErrNotExist)
	}
	var first error
	for _, n := range names {
		f, err := readOne(fsys, n)
		if err == nil {
			return f, nil
		}
		if first == nil {
			first = fileErr(dir, n, err)
		}
	}
	return nil, first
}

func readOne(fsys fs.FS, name string) (*tdfFile, error) {
	raw, err := readCapped(fsys, name)
	if err != nil {
		return nil, err
	}
	v, p, err := parseTDF(raw)
	if err != nil {
		return nil, err
	}
	return &tdfFile{name: name, version: v, payload: p}, nil
}

// readCapped reads a regular file of at most MaxFileSize bytes. It never
// opens anything but a regular file (a FIFO would block).
func readCapped(fsys fs.FS, name string) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, wrap(ErrCorrupt, "not a regular file")
	}
	if info.Size() > MaxFileSize {
		return nil, wrap(ErrTooLarge, strconv.FormatInt(info.Size(), 10)+" bytes, above the "+strconv.Itoa(MaxFileSize)+"-byte limit")
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxFileSize {
		return nil, wrap(ErrTooLarge, "file grew past the "+strconv.Itoa(MaxFileSize)+"-byte limit while read")
	}
	return raw, nil
}

// qreader reads the big-endian Qt_5_1 QDataStream types tdata uses.
type qreader struct {
	b   []byte
	off int
	err error
}

func (r *qreader) fail(msg string) {
	if r.err == nil {
		r.err = wrap(ErrCorrupt, msg+" at offset "+strconv.Itoa(r.off))
	}
}

func (r *qreader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail(what + " past the end")
		return nil
	}
	p := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return p
}

func (r *qreader) u32(what string) uint32 {
	p := r.take(4, what)
	if p == nil {
		return 0
	}
	return binary.BigEndian.Uint32(p)
}

func (r *qreader) u64(what string) uint64 {
	p := r.take(8, what)
	if p == nil {
		return 0
	}
	return binary.BigEndian.Uint64(p)
}

// bytes reads a QByteArray: uint32 BE length (0xFFFFFFFF = null) and the
// bytes. The result aliases the input.
func (r *qreader) bytes(what string) []byte {
	n := r.u32(what + " length")
	if r.err != nil || n == 0xFFFFFFFF {
		return nil
	}
	if uint64(n) > uint64(len(r.b)-r.off) {
		r.fail(what + " of " + strconv.FormatUint(uint64(n), 10) + " bytes past the end")
		return nil
	}
	return r.take(int(n), what)
}

func (r *qreader) atEnd() bool { return r.off == len(r.b) }

func appendQBytes(dst, b []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}
