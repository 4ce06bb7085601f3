package compat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"
)

// maxFileSize is the largest input database (and -wal file) ReadFile
// accepts. A session database with a large entity cache is a few MiB.
const maxFileSize = 256 << 20

// defaultBusyTimeout is how long ReadFile waits for a writer that holds the
// database lock before failing with [ErrLocked].
const defaultBusyTimeout = time.Second

var sqliteMagic = []byte("SQLite format 3\x00")

// snapshot is a consistent, in-memory image of a database file with its
// journal or WAL already applied, in rollback-journal mode, ready for SQLite
// to read through the image VFS. The input files are only ever opened
// read-only.
type snapshot struct {
	image      *image
	wal        bool // the file is in WAL mode
	walFrames  int  // committed WAL frames applied
	hotJournal bool // a hot rollback journal was rolled back
}

// wipe clears the image and returns its buffer to the pool.
func (s *snapshot) wipe() {
	s.image.wipe()
	s.image = nil
}

// image is a database image as SQLite would see the file after recovery.
// base holds the file's pages (with the committed WAL frames or journal
// records for those pages applied); extra holds the pages past the end of
// the file that a WAL frame or journal record supplies; size is the
// database size in bytes, a whole number of pages. Pages up to size that
// neither holds read as zeros, as a file extended by truncate(2) does.
//
// An image therefore costs what the input files hold (the database file
// plus the frames or records present), never what their headers claim: a
// 568-byte -wal whose one frame is page 524,288 adds one page, not 256 MiB.
type image struct {
	base     []byte            // pages 1…len(base)/pageSize, from the pool
	extra    map[uint32][]byte // page number → page, for pages past base
	size     int64
	pageSize int
}

// newImage wraps b, a whole number of pages read from the database file.
func newImage(b []byte, pageSize int) *image {
	return &image{base: b, size: int64(len(b)), pageSize: pageSize}
}

// pages returns the database size in pages.
func (m *image) pages() int64 { return m.size / int64(m.pageSize) }

// held returns the bytes the image holds in memory.
func (m *image) held() int64 { return int64(len(m.base) + len(m.extra)*m.pageSize) }

// page returns page pgno (1-based), nil if it reads as zeros or is past
// the end. The slice aliases the image.
func (m *image) page(pgno int64) []byte {
	ps := int64(m.pageSize)
	switch {
	case pgno < 1 || pgno > m.pages():
		return nil
	case pgno*ps <= int64(len(m.base)):
		return m.base[(pgno-1)*ps : pgno*ps]
	}
	return m.extra[uint32(pgno)]
}

// setPage stores data as page pgno, growing the database if needed.
func (m *image) setPage(pgno int64, data []byte) {
	ps := int64(m.pageSize)
	if pgno*ps <= int64(len(m.base)) {
		copy(m.base[(pgno-1)*ps:], data[:ps])
	} else {
		p := m.extra[uint32(pgno)]
		if p == nil {
			if m.extra == nil {
				m.extra = map[uint32][]byte{}
			}
			p = make([]byte, ps)
			m.extra[uint32(pgno)] = p
		}
		copy(p, data[:ps])
	}
	m.size = max(m.size, pgno*ps)
}

// setPages sets the database size to n pages: pages past n are cleared and
// dropped, pages added read as zeros.
func (m *image) setPages(n int64) {
	want := n * int64(m.pageSize)
	if want < int64(len(m.base)) {
		clear(m.base[want:])
		m.base = m.base[:want]
	}
	for pgno, p := range m.extra {
		if int64(pgno) > n {
			clear(p)
			delete(m.extra, pgno)
		}
	}
	m.size = want
}

// readAt copies the image from offset off into p, zeros for the pages it
// does not hold, and returns the number of bytes copied (short only at the
// end of the image).
func (m *image) readAt(p []byte, off int64) int {
	n := 0
	ps := int64(m.pageSize)
	for n < len(p) && off < m.size {
		if off < int64(len(m.base)) {
			c := copy(p[n:], m.base[off:])
			n, off = n+c, off+int64(c)
			continue
		}
		in := off % ps
		c := int(min(int64(len(p)-n), ps-in, m.size-off))
		if pg := m.extra[uint32(off/ps+1)]; pg != nil {
			copy(p[n:n+c], pg[in:])
		} else {
			clear(p[n : n+c])
		}
		n, off = n+c, off+int64(c)
	}
	return n
}

// wipe clears every page and returns the base buffer to the pool.
func (m *image) wipe() {
	if m == nil {
		return
	}
	putBuf(m.base)
	m.base = nil
	for pgno, p := range m.extra {
		clear(p)
		delete(m.extra, pgno)
	}
	m.size = 0
}

// bufPool recycles image buffers (cleared before reuse): reading many
// files otherwise allocates one per file.
var bufPool sync.Pool

const maxPooled = 1 << 20

func getBuf(n int) []byte {
	if p, ok := bufPool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n, max(n, 32<<10))
}

func putBuf(b []byte) {
	if b == nil {
		return
	}
	b = b[:cap(b)]
	clear(b)
	if len(b) <= maxPooled {
		bufPool.Put(&b)
	}
}

// takeSnapshot reads path and its -wal or -journal companion without
// modifying any of them, and returns the database as SQLite would see it
// after recovery:
//
//   - it takes SQLite's SHARED lock on the database file (open-file-
//     description locks on Linux), so that no writer in rollback mode can
//     change it during the read, and waits up to busy for a writer that
//     holds EXCLUSIVE (then [ErrLocked]);
//   - in WAL mode it reads the -wal file (never the -shm) and applies every
//     frame up to the last valid commit, exactly as SQLite's WAL recovery
//     does, re-reading until the WAL is stable;
//   - in rollback mode, a hot journal (left by a writer that died
//     mid-transaction, recognised by the absence of a RESERVED lock) is
//     rolled back in memory, as SQLite would on its next open.
func takeSnapshot(path string, busy time.Duration) (*snapshot, error) {
	f, err := openRO(path)
	if err != nil {
		return nil, fmt.Errorf("compat: %w", pathErr(err))
	}
	defer f.close()
	size, regular, err := f.stat()
	if err != nil {
		return nil, fmt.Errorf("compat: %w", pathErr(err))
	}
	if !regular {
		return nil, fileError(path, ErrNotSQLite, "not a regular file")
	}
	if size == 0 {
		return nil, fileError(path, ErrNotSQLite, "empty file (0 bytes)")
	}
	if size > maxFileSize {
		return nil, fileError(path, errTooLarge, "%d bytes, limit %d", size, maxFileSize)
	}
	if busy <= 0 {
		busy = defaultBusyTimeout
	}
	deadline := time.Now().Add(busy)
	for {
		err := f.tryShared()
		if err == nil {
			break
		}
		if !errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("compat: %s: locking: %w", quotePath(path), err)
		}
		if time.Now().After(deadline) {
			return nil, fileError(path, ErrLocked, "a writer held the database lock for %v", busy)
		}
		time.Sleep(10 * time.Millisecond)
	}
	img, err := readAll(f, size)
	if err != nil {
		return nil, fmt.Errorf("compat: %s: %w", quotePath(path), pathErr(err))
	}
	if !bytes.HasPrefix(img, sqliteMagic) {
		err := notSQLite(path, img[:min(len(img), 100)])
		putBuf(img)
		return nil, err
	}
	if len(img) < 100 {
		putBuf(img)
		return nil, fileError(path, ErrCorrupt, "truncated: %d bytes, shorter than the 100-byte SQLite header", len(img))
	}
	hdr := img[:100]
	pageSize := int(binary.BigEndian.Uint16(hdr[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	s := &snapshot{wal: hdr[18] == 2 && hdr[19] == 2, image: newImage(img, pageSize)}
	switch {
	case hdr[18] == 1 && hdr[19] == 1, s.wal:
	default:
		w, r := hdr[18], hdr[19] // read before wipe clears the image
		s.wipe()
		return nil, fileError(path, ErrCorrupt, "unknown file format versions %d/%d in the header", w, r)
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		s.wipe()
		return nil, fileError(path, ErrCorrupt, "invalid page size %d in the header", pageSize)
	}

	if s.wal {
		err = s.readWAL(f, path, pageSize, deadline)
	} else {
		err = s.readRollback(f, path, pageSize)
	}
	if err != nil {
		s.wipe()
		return nil, err
	}
	return s, nil
}

// notSQLite explains what a non-SQLite file looks like, without quoting it.
func notSQLite(path string, head []byte) error {
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case len(t) > 0 && t[0] == '{':
		return fileError(path, ErrNotSQLite, "it looks like JSON (Telethon ≤ 0.15 and Pyrogram < 0.15 stored JSON sessions, which are not supported)")
	case len(head) < len(sqliteMagic) && bytes.HasPrefix(sqliteMagic, head):
		return fileError(path, ErrNotSQLite, "truncated: %d bytes, shorter than the SQLite header", len(head))
	}
	return fileError(path, ErrNotSQLite, "no SQLite header")
}

// readAll reads the whole of f, whose size was size when last seen,
// refusing more than maxFileSize bytes. The buffer comes from the pool.
func readAll(f *roFile, size int64) ([]byte, error) {
	if size > maxFileSize {
		return nil, fmt.Errorf("%d bytes, limit %d: %w", size, maxFileSize, errTooLarge)
	}
	// One read of one byte more than expected: a short read is EOF.
	b := getBuf(int(size) + 1)
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		putBuf(b)
		return nil, err
	}
	if int64(n) <= size {
		return b[:n], nil
	}
	// The file grew since it was stat'ed: read on.
	rest, err := io.ReadAll(io.NewSectionReader(f, int64(n), maxFileSize+1-int64(n)))
	b = append(b[:n], rest...)
	clear(rest)
	if err != nil {
		putBuf(b)
		return nil, err
	}
	if len(b) > maxFileSize {
		putBuf(b)
		return nil, fmt.Errorf("%d bytes or more, limit %d: %w", len(b), maxFileSize, errTooLarge)
	}
	return b, nil
}

// readCompanion reads path's -wal or -journal file, read-only. A missing
// file is nil, nil, nil; otherwise the caller closes the returned file and
// returns the buffer with putBuf.
func readCompanion(name string) ([]byte, *roFile, error) {
	f, err := openRO(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	size, _, err := f.stat()
	if err != nil {
		f.close()
		return nil, nil, err
	}
	b, err := readAll(f, size)
	if err != nil {
		f.close()
		return nil, nil, err
	}
	return b, f, nil
}

// checkSize refuses a database image that is shorter than its header says
// or not a whole number of pages: a truncated copy.
func checkSize(path string, image []byte, pageSize int) error {
	if len(image) < pageSize {
		return fileError(path, ErrCorrupt, "truncated: %d bytes, shorter than one %d-byte page", len(image), pageSize)
	}
	if len(image)%pageSize != 0 {
		return fileError(path, ErrCorrupt, "truncated: %d bytes is not a whole number of %d-byte pages", len(image), pageSize)
	}
	if bytes.Equal(image[24:28], image[92:96]) {
		if n := int64(binary.BigEndian.Uint32(image[28:32])); n*int64(pageSize) > int64(len(image)) {
			return fileError(path, ErrCorrupt, "truncated: the header counts %d pages, the file holds %d", n, len(image)/pageSize)
		}
	}
	return nil
}

func (s *snapshot) readRollback(f *roFile, path string, pageSize int) error {
	if err := checkSize(path, s.image.base, pageSize); err != nil {
		return err
	}
	j, jf, err := readCompanion(path + "-journal")
	if err != nil {
		return fmt.Errorf("compat: %s: %w", quotePath(path+"-journal"), pathErr(err))
	}
	if jf == nil {
		return nil
	}
	defer jf.close()
	defer putBuf(j)
	if len(j) < 28 || !bytes.Equal(j[:8], journalMagic) {
		return nil // deleted, truncated or zeroed (persist mode): not hot
	}
	live, err := f.reservedHeld()
	if err != nil {
		return fmt.Errorf("compat: %s: checking the RESERVED lock: %w", quotePath(path), err)
	}
	if live {
		// A writer is inside a transaction: under our SHARED lock it
		// cannot have touched the database file, so the file is current.
		return nil
	}
	s.hotJournal = rollbackJournal(s.image, j)
	if s.image.pages() == 0 {
		return fileError(path, ErrNoSession, "the database was empty before the interrupted transaction in its -journal file")
	}
	return nil
}

func (s *snapshot) readWAL(f *roFile, path string, pageSize int, deadline time.Time) error {
	s.wipe()
	for {
		w1, wf, err := readCompanion(path + "-wal")
		if err != nil {
			return fmt.Errorf("compat: %s: %w", quotePath(path+"-wal"), pathErr(err))
		}
		size, _, err := f.stat()
		var img []byte
		if err == nil {
			img, err = readAll(f, size)
		}
		var w2 []byte
		if err == nil && wf != nil {
			if size, _, err = wf.stat(); err == nil {
				w2, err = readAll(wf, size)
			}
		}
		if wf != nil {
			wf.close()
		}
		if err != nil {
			putBuf(w1)
			putBuf(w2)
			putBuf(img)
			return fmt.Errorf("compat: %s: %w", quotePath(path), pathErr(err))
		}
		stable := bytes.Equal(w1, w2)
		putBuf(w2)
		if !stable {
			putBuf(w1)
			putBuf(img)
			if time.Now().After(deadline) {
				return fileError(path, ErrLocked, "the -wal file kept changing while it was read")
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.image = newImage(img, pageSize)
		if err := checkSize(path, img, pageSize); err != nil {
			putBuf(w1)
			return err
		}
		var werr error
		s.walFrames, werr = applyWAL(s.image, w1)
		putBuf(w1)
		if werr != nil {
			return fileError(path, ErrCorrupt, "-wal: %v", werr)
		}
		if s.image.pages() == 0 {
			return fileError(path, ErrCorrupt, "the database is empty after applying the -wal file")
		}
		// The image now stands alone: mark it as a rollback-journal
		// database (file format versions 1/1) with a valid page count.
		// Page 1 is always in base: base keeps at least one page.
		hdr := s.image.base
		hdr[18], hdr[19] = 1, 1
		copy(hdr[92:96], hdr[24:28])
		binary.BigEndian.PutUint32(hdr[28:32], uint32(s.image.pages()))
		return nil
	}
}

// journalMagic starts every rollback journal header (sqlite3.c aJournalMagic).
var journalMagic = []byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}

// rollbackJournal applies a hot rollback journal to image, as SQLite's
// pager_playback does: each journal segment starts with a header (magic,
// record count, checksum seed, original database size in pages, sector
// size, page size) padded to the sector size, followed by records of
// page number, original page content and checksum. Playback stops at the
// first invalid header or record; the image is first cut back to the
// original size. It reports whether anything was rolled back.
func rollbackJournal(image *image, j []byte) bool {
	be := binary.BigEndian
	pageSize := image.pageSize
	off, first, applied := 0, true, false
	for off+28 <= len(j) && bytes.Equal(j[off:off+8], journalMagic) {
		nRec := be.Uint32(j[off+8:])
		seed := be.Uint32(j[off+12:])
		mxPg := int64(be.Uint32(j[off+16:]))
		sector := int(be.Uint32(j[off+20:]))
		psz := int(be.Uint32(j[off+24:]))
		if sector < 32 || sector > 65536 || sector&(sector-1) != 0 || psz != pageSize {
			break
		}
		if first {
			first = false
			if mxPg < image.pages() {
				image.setPages(mxPg)
			}
			applied = true
		}
		recStart := off + sector
		recSize := 4 + pageSize + 4
		if recStart > len(j) {
			break
		}
		n := int(nRec)
		if nRec == 0xffffffff {
			n = (len(j) - recStart) / recSize
		}
		ok := true
		for i := 0; i < n; i++ {
			r := recStart + i*recSize
			if r+recSize > len(j) {
				ok = false
				break
			}
			pgno := int64(be.Uint32(j[r:]))
			page := j[r+4 : r+4+pageSize]
			if pgno == 0 || pgno == int64(pendingByte/pageSize+1) || pagerChecksum(seed, page) != be.Uint32(j[r+4+pageSize:]) {
				ok = false
				break
			}
			if pgno > mxPg {
				continue
			}
			if pgno > int64(maxFileSize/pageSize) {
				ok = false
				break
			}
			image.setPage(pgno, page)
		}
		if !ok {
			break
		}
		next := recStart + n*recSize
		off = (next + sector - 1) / sector * sector
	}
	return applied
}

// pagerChecksum is sqlite3.c pager_cksum: the seed plus every 200th byte
// of the page, counting down from pageSize-200.
func pagerChecksum(seed uint32, page []byte) uint32 {
	for i := len(page) - 200; i > 0; i -= 200 {
		seed += uint32(page[i])
	}
	return seed
}

// WAL file constants (sqlite3.c wal.c).
const (
	walMagic      = 0x377f0682 // | 1: checksums over big-endian words
	walVersion    = 3007000
	walHeaderSize = 32
	walFrameHdr   = 24
)

// applyWAL overlays the committed frames of WAL file w on image, the way
// SQLite's walIndexRecover decides which frames are valid: the header must
// have the WAL magic, version and a valid checksum; frames are valid while
// their salts match the header's and their cumulative checksums verify;
// only frames up to the last commit frame (non-zero database size) count,
// and the database is then that size. An invalid or empty WAL changes
// nothing, as in SQLite. It returns the number of frames applied.
func applyWAL(image *image, w []byte) (int, error) {
	be := binary.BigEndian
	pageSize := image.pageSize
	if len(w) < walHeaderSize {
		return 0, nil
	}
	magic := be.Uint32(w)
	if magic&^1 != walMagic || be.Uint32(w[4:]) != walVersion {
		return 0, nil
	}
	bigEnd := magic&1 == 1
	s1, s2 := walChecksum(bigEnd, w[:24], 0, 0)
	if s1 != be.Uint32(w[24:]) || s2 != be.Uint32(w[28:]) {
		return 0, nil
	}
	if psz := int(be.Uint32(w[8:])); psz != pageSize {
		return 0, fmt.Errorf("page size %d differs from the database's %d", psz, pageSize)
	}
	frame := walFrameHdr + pageSize
	last, size := -1, int64(0)
	for i, off := 0, walHeaderSize; off+frame <= len(w); i, off = i+1, off+frame {
		fh := w[off : off+walFrameHdr]
		if be.Uint32(fh) == 0 || !bytes.Equal(fh[8:16], w[16:24]) {
			break
		}
		s1, s2 = walChecksum(bigEnd, fh[:8], s1, s2)
		s1, s2 = walChecksum(bigEnd, w[off+walFrameHdr:off+frame], s1, s2)
		if s1 != be.Uint32(fh[16:]) || s2 != be.Uint32(fh[20:]) {
			break
		}
		if int64(be.Uint32(fh))*int64(pageSize) > maxFileSize || int64(be.Uint32(fh[4:]))*int64(pageSize) > maxFileSize {
			return 0, fmt.Errorf("frame %d: page number beyond the %d-byte limit", i, maxFileSize)
		}
		if n := be.Uint32(fh[4:]); n != 0 {
			last, size = i, int64(n)
		}
	}
	for i := 0; i <= last; i++ {
		off := walHeaderSize + i*frame
		image.setPage(int64(be.Uint32(w[off:])), w[off+walFrameHdr:off+frame])
	}
	if last >= 0 {
		image.setPages(size)
	}
	return last + 1, nil
}

// walChecksum is sqlite3.c walChecksumBytes: Fletcher-like sums over
// 32-bit words, read big-endian or little-endian as the WAL magic says.
func walChecksum(bigEnd bool, b []byte, s1, s2 uint32) (uint32, uint32) {
	var order binary.ByteOrder = binary.LittleEndian
	if bigEnd {
		order = binary.BigEndian
	}
	for i := 0; i+8 <= len(b); i += 8 {
		s1 += order.Uint32(b[i:]) + s2
		s2 += order.Uint32(b[i+4:]) + s1
	}
	return s1, s2
}
