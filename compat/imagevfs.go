package compat

import (
	"bytes"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite/vfs"
)

// Reading goes through a read-only SQLite VFS (modernc.org/sqlite/vfs)
// whose files are in-memory database images: each pooled reader connection
// owns one slot, and loading a snapshot only points the slot at the new
// image. SQLite then reads the few pages it needs straight from the Go
// buffer: no copy into SQLite's heap, and no connection setup per file.
//
// Two header fields of the private image copy are rewritten so that a
// pooled connection stays coherent, using the mechanism SQLite itself uses
// to notice that another process changed a file:
//
//   - the file change counter (offset 24) gets a fresh value per load, so
//     SQLite discards every cached page when its next read transaction
//     starts;
//   - the schema cookie (offset 40) keeps the value the connection has
//     cached while the schema is byte-for-byte the same as the previous
//     image's (page 1, which holds all of sqlite_master, and the header
//     fields that shape the schema), so the parsed schema and prepared
//     statements are reused; any difference gets a fresh cookie, and SQLite
//     re-reads the schema.
//
// A batch of files written by one library therefore parses its schema once
// per connection instead of once per file.

// imageFS is the fs.FS behind the VFS: slot name → image.
type imageFS struct {
	mu    sync.Mutex
	slots map[string]*slot
}

// slot holds the image a reader connection currently reads.
type slot struct{ image *image }

func (f *imageFS) Open(name string) (fs.File, error) {
	f.mu.Lock()
	s := f.slots[name]
	f.mu.Unlock()
	if s == nil {
		// "<slot>-journal", "<slot>-wal": there are none.
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &slotFile{s: s}, nil
}

// slotFile is an open image: io.ReadSeeker over the slot's current image.
type slotFile struct {
	s   *slot
	off int64
}

func (f *slotFile) Read(p []byte) (int, error) {
	img := f.s.image
	if img == nil || f.off >= img.size {
		return 0, io.EOF
	}
	n := img.readAt(p, f.off)
	f.off += int64(n)
	return n, nil
}

func (f *slotFile) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart || off < 0 {
		return 0, errors.New("compat: unsupported seek")
	}
	f.off = off
	return off, nil
}

func (f *slotFile) Stat() (fs.FileInfo, error) {
	if f.s.image == nil {
		return imageInfo(0), nil
	}
	return imageInfo(f.s.image.size), nil
}
func (f *slotFile) Close() error { return nil }

type imageInfo int64

func (i imageInfo) Name() string       { return "image" }
func (i imageInfo) Size() int64        { return int64(i) }
func (i imageInfo) Mode() fs.FileMode  { return 0o400 }
func (i imageInfo) ModTime() time.Time { return time.Time{} }
func (i imageInfo) IsDir() bool        { return false }
func (i imageInfo) Sys() any           { return nil }

var (
	images     = &imageFS{slots: map[string]*slot{}}
	imagesVFS  string
	imagesErr  error
	imagesOnce sync.Once
	slotSeq    atomic.Uint64
)

// readConn is a pooled reader connection and its slot.
type readConn struct {
	db      *memDB
	slot    *slot
	name    string
	counter uint32 // last change counter given
	cookie  uint32 // schema cookie SQLite has cached
	schema  []byte // schema-shaping bytes of the last image, nil if none
	// known is what reader.loadSchema found in the schema of cookie
	// knownCookie; the tables map is shared, never modified.
	known       map[string][]string
	knownCookie uint32
	// queries caches selectQuery by table and tail for the current schema.
	queries map[[2]string]cachedQuery
}

type cachedQuery struct {
	cols  []string
	query string
}

// selectQuery returns selectQuery(table, cols, tail), cached.
func (c *readConn) selectQuery(table string, cols []string, tail string) string {
	k := [2]string{table, tail}
	if q, ok := c.queries[k]; ok && slices.Equal(q.cols, cols) {
		return q.query
	}
	if c.queries == nil {
		c.queries = map[[2]string]cachedQuery{}
	}
	q := selectQuery(table, cols, tail)
	c.queries[k] = cachedQuery{cols, q}
	return q
}

var readPool = make(chan *readConn, 16)

// getReadConn returns a pooled reader connection, or a new one.
func getReadConn() (*readConn, error) {
	select {
	case c := <-readPool:
		return c, nil
	default:
	}
	imagesOnce.Do(func() { imagesVFS, _, imagesErr = vfs.New(images) })
	if imagesErr != nil {
		return nil, fmt.Errorf("compat: registering the image VFS: %w", imagesErr)
	}
	c := &readConn{slot: &slot{}, name: fmt.Sprintf("image%d", slotSeq.Add(1))}
	images.mu.Lock()
	images.slots[c.name] = c.slot
	images.mu.Unlock()
	return c, nil
}

// load points the connection at im (a rollback-mode image, owned by the
// caller, whose header it adjusts as described above), opening the SQLite
// connection on first use. onePage says that the whole schema lies in page
// 1 (no interior page, no overflow page): only then can the schema key
// stand for the schema.
func (c *readConn) load(im *image, onePage bool) error {
	be := binary.BigEndian
	img, pageSize := im.base, im.pageSize // page 1 is always in base
	c.counter++
	be.PutUint32(img[24:28], c.counter)
	// Version-valid-for = change counter: the page count at offset 28 is
	// then trusted, so make it exact.
	be.PutUint32(img[92:96], c.counter)
	be.PutUint32(img[28:32], uint32(im.pages()))
	if !onePage || !c.sameSchema(img, pageSize) {
		c.cookie++
		c.schema = c.schema[:0]
		if onePage {
			c.schema = appendSchemaKey(c.schema, img, pageSize)
		}
	}
	be.PutUint32(img[40:44], c.cookie)
	c.slot.image = im
	if c.db == nil {
		conn, err := sqliteDriver.Open("file:" + c.name + "?vfs=" + imagesVFS + "&mode=ro&_defensive=true")
		if err != nil {
			return err
		}
		db, err := wrapConn(conn)
		if err != nil {
			return err
		}
		c.db = db
	}
	return nil
}

// The schema key of an image is the bytes that determine the schema SQLite
// parses from it: page size and format bytes (offsets 16–23), the header
// from the schema format number on (44–91: format, encoding, user version…),
// and page 1 after the header, which holds every sqlite_master row when page
// 1 is a leaf (b-tree page type 0x0d) none of whose cells overflows (see
// checkSchema). When sqlite_master spans more pages the key is nil and a
// parsed schema is never reused.
func appendSchemaKey(dst, img []byte, pageSize int) []byte {
	if len(img) < pageSize || img[100] != 0x0d {
		return nil
	}
	dst = append(dst, img[16:24]...)
	dst = append(dst, img[44:92]...)
	return append(dst, img[100:pageSize]...)
}

// sameSchema reports whether img has the schema key of the previous image.
func (c *readConn) sameSchema(img []byte, pageSize int) bool {
	k := c.schema
	if k == nil || len(img) < pageSize || img[100] != 0x0d || len(k) != 8+48+pageSize-100 {
		return false
	}
	return bytes.Equal(k[:8], img[16:24]) && bytes.Equal(k[8:56], img[44:92]) && bytes.Equal(k[56:], img[100:pageSize])
}

// release detaches the image and returns the connection to the pool (or
// closes it if the pool is full, or if broken is set).
func (c *readConn) release(broken bool) {
	c.slot.image = nil
	if !broken && c.db != nil {
		select {
		case readPool <- c:
			return
		default:
		}
	}
	if c.db != nil {
		c.db.close()
	}
	images.mu.Lock()
	delete(images.slots, c.name)
	images.mu.Unlock()
}

// wrapConn checks that a driver connection has what memDB needs.
func wrapConn(c driver.Conn) (*memDB, error) {
	dc, ok := c.(sqliteConn)
	if !ok {
		c.Close()
		return nil, errors.New("compat: the sqlite driver lacks ExecContext/QueryContext")
	}
	m := &memDB{c: dc, stmts: map[string]driver.Stmt{}}
	if err := m.exec("PRAGMA trusted_schema = OFF"); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}
