package compat

import (
	"encoding/binary"
	"errors"
)

// maxSchemaBytes bounds the records of sqlite_master, the schema SQLite
// parses (into roughly ten times as much memory) before it runs any query.
// Real session files hold 1–10 KiB of schema.
const maxSchemaBytes = 1 << 20

// errBadSchemaTree reports a sqlite_master b-tree that checkSchema cannot
// follow.
var errBadSchemaTree = errors.New("malformed schema table")

// checkSchema walks the sqlite_master b-tree of im (rooted at page 1)
// before SQLite sees the image, and refuses what would make SQLite's schema
// load cost far more than the file holds, whatever the query:
//
//   - more than maxSchemaBytes of schema records ([codec.ErrTooLarge]);
//   - a table named sqlite_stat4 ([ErrUnknownSchema]): SQLite loads these
//     planner statistics with the schema and allocates up to 48 KB per row
//     (three counters per column of an index of up to 2,000 columns), so a
//     100 KB file costs 300 MB. Only ANALYZE in an SQLite built with STAT4
//     writes the table; no session library does.
//
// SQLite itself insists that the name column of a schema row matches the
// name its CREATE statement declares, so checking the name column is
// enough. A b-tree this walk cannot follow is refused as [ErrCorrupt], as
// SQLite would refuse it.
//
// It also reports whether the whole schema lies in page 1 (a leaf page
// whose cells do not overflow), where the image VFS can compare it
// between images.
func checkSchema(path string, im *image) (onePage bool, err error) {
	w, err := newTreeWalker(im)
	if err == nil {
		err = w.walk()
	}
	switch {
	case err == nil:
		return w.pages == 1 && !w.overflow, nil
	case errors.Is(err, errStat4):
		return false, fileError(path, ErrUnknownSchema, "the database holds SQLite planner statistics (sqlite_stat4), which no session library writes and which SQLite would load at up to 48 KB per row")
	case errors.Is(err, errSchemaTooLarge):
		return false, fileError(path, errTooLarge, "the schema (sqlite_master) holds more than %d bytes", maxSchemaBytes)
	}
	return false, fileError(path, ErrCorrupt, "%v", err)
}

var (
	errStat4          = errors.New("sqlite_stat4")
	errSchemaTooLarge = errors.New("schema too large")
)

// treeWalker reads the sqlite_master table b-tree of an image (SQLite file
// format §1.6: b-tree pages, cells, overflow pages; §2.1: records).
type treeWalker struct {
	im       *image
	usable   int64          // page size minus the reserved bytes at the end of each page
	utf16    int            // 0: UTF-8; 2: UTF-16le; 3: UTF-16be
	visited  map[int64]bool // pages seen, once there is more than page 1
	pages    int
	total    int64 // payload bytes of the leaf cells seen
	overflow bool  // a cell has overflow pages
}

func newTreeWalker(im *image) (*treeWalker, error) {
	hdr := im.page(1)
	if len(hdr) < 100 {
		return nil, errBadSchemaTree
	}
	w := &treeWalker{im: im, usable: int64(im.pageSize) - int64(hdr[20])}
	if w.usable < 480 {
		return nil, errBadSchemaTree
	}
	// sqlite3InitOne: the encoding is the header value's low two bits, 0
	// meaning UTF-8.
	if enc := binary.BigEndian.Uint32(hdr[56:]) & 3; enc == 2 || enc == 3 {
		w.utf16 = int(enc)
	}
	return w, nil
}

// walk visits every page of the b-tree rooted at page 1, depth first.
func (w *treeWalker) walk() error {
	var buf [8]int64
	stack := append(buf[:0], 1)
	for len(stack) > 0 {
		pgno := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if w.pages++; w.pages > 1 {
			if w.visited == nil {
				w.visited = map[int64]bool{1: true}
			}
			if w.visited[pgno] {
				return errBadSchemaTree // a cycle, or a page shared by two parents
			}
			w.visited[pgno] = true
		}
		page := w.im.page(pgno)
		if page == nil {
			return errBadSchemaTree // past the end, or a page of zeros
		}
		hdr := 0
		if pgno == 1 {
			hdr = 100
		}
		if hdr+12 > len(page) {
			return errBadSchemaTree
		}
		kind := page[hdr]
		cells := int(binary.BigEndian.Uint16(page[hdr+3:]))
		ptrs := hdr + 8
		if kind == 0x05 {
			ptrs = hdr + 12
			stack = append(stack, int64(binary.BigEndian.Uint32(page[hdr+8:])))
		} else if kind != 0x0d {
			return errBadSchemaTree
		}
		if ptrs+2*cells > int(w.usable) {
			return errBadSchemaTree
		}
		for i := range cells {
			off := int(binary.BigEndian.Uint16(page[ptrs+2*i:]))
			if off < ptrs+2*cells || off >= int(w.usable) {
				return errBadSchemaTree
			}
			cell := page[off:w.usable]
			if kind == 0x05 {
				if len(cell) < 4 {
					return errBadSchemaTree
				}
				stack = append(stack, int64(binary.BigEndian.Uint32(cell)))
				continue
			}
			if err := w.leafCell(cell); err != nil {
				return err
			}
		}
	}
	return nil
}

// leafCell checks one schema row: its size, and its name.
func (w *treeWalker) leafCell(cell []byte) error {
	size, n := uvarint(cell)
	if n == 0 {
		return errBadSchemaTree
	}
	_, m := uvarint(cell[n:]) // rowid
	if m == 0 {
		return errBadSchemaTree
	}
	cell = cell[n+m:]
	if size > maxSchemaBytes || w.total+int64(size) > maxSchemaBytes {
		return errSchemaTooLarge
	}
	w.total += int64(size)
	p := payload{w: w, size: int64(size)}
	// sqlite3 btreeParseCellAdjustSizeForOverflow: how much of the payload
	// is on the page.
	local := p.size
	if maxLocal := w.usable - 35; p.size > maxLocal {
		minLocal := (w.usable-12)*32/255 - 23
		local = minLocal + (p.size-minLocal)%(w.usable-4)
		if local > maxLocal {
			local = minLocal
		}
		if int64(len(cell)) < local+4 {
			return errBadSchemaTree
		}
		p.overflow = int64(binary.BigEndian.Uint32(cell[local:]))
		w.overflow = true
	}
	if int64(len(cell)) < local {
		return errBadSchemaTree
	}
	p.local = cell[:local]

	// The record: a header (its own size, then one serial type per
	// column: type, name, tbl_name, rootpage, sql), then the values.
	head, err := p.read(0, min(p.size, 10))
	if err != nil {
		return err
	}
	hsize, n := uvarint(head)
	if n == 0 || hsize < uint64(n) || hsize > uint64(p.size) || hsize > 98307 { // OP_Column's limit
		return errBadSchemaTree
	}
	head, err = p.read(0, int64(hsize))
	if err != nil {
		return err
	}
	types := head[n:]
	t0, n0 := uvarint(types)
	if n0 == 0 {
		return nil // fewer than two columns: no name, SQLite refuses the row
	}
	t1, n1 := uvarint(types[n0:])
	if n1 == 0 {
		return nil
	}
	want := int64(len("sqlite_stat4"))
	if w.utf16 != 0 {
		want *= 2
	}
	if t1 < 13 || t1%2 == 0 || int64(t1-13)/2 != want {
		return nil // not a text of the length of "sqlite_stat4"
	}
	name, err := p.read(int64(hsize)+serialSize(t0), want)
	if err != nil {
		return err
	}
	if w.isStat4(name) {
		return errStat4
	}
	return nil
}

// isStat4 compares a name, in the database's text encoding, with
// "sqlite_stat4" the way SQLite compares identifiers: ASCII letters without
// regard to case.
func (w *treeWalker) isStat4(name []byte) bool {
	const want = "sqlite_stat4"
	for i := range len(want) {
		var c uint16
		switch w.utf16 {
		case 0:
			c = uint16(name[i])
		case 2:
			c = binary.LittleEndian.Uint16(name[2*i:])
		case 3:
			c = binary.BigEndian.Uint16(name[2*i:])
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != uint16(want[i]) {
			return false
		}
	}
	return true
}

// payload is a cell's payload: local bytes on the b-tree page, the rest in
// a chain of overflow pages.
type payload struct {
	w        *treeWalker
	size     int64
	local    []byte
	overflow int64 // first overflow page, 0 if none
}

// read returns payload bytes [off, off+n).
func (p *payload) read(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off+n > p.size {
		return nil, errBadSchemaTree
	}
	if off+n <= int64(len(p.local)) {
		return p.local[off : off+n], nil
	}
	out := make([]byte, 0, n)
	if off < int64(len(p.local)) {
		out = append(out, p.local[off:]...)
	}
	pos := int64(len(p.local)) // payload offset of the current overflow page's content
	room := p.w.usable - 4
	pgno := p.overflow
	// At most one page per room bytes up to the end: a cycle ends there.
	for steps := int64(0); int64(len(out)) < n; steps++ {
		if pgno == 0 || steps > (off+n)/room+1 {
			return nil, errBadSchemaTree
		}
		page := p.w.im.page(pgno)
		if page == nil {
			return nil, errBadSchemaTree
		}
		content := page[4:p.w.usable]
		if end := pos + room; end > off+int64(len(out)) {
			from := max(off+int64(len(out))-pos, 0)
			take := min(room-from, n-int64(len(out)))
			out = append(out, content[from:from+take]...)
		}
		pos += room
		pgno = int64(binary.BigEndian.Uint32(page))
	}
	return out, nil
}

// serialSize is the size of a record value of serial type t (SQLite file
// format §2.1).
func serialSize(t uint64) int64 {
	switch {
	case t <= 4:
		return int64(t)
	case t == 5:
		return 6
	case t == 6 || t == 7:
		return 8
	case t < 12:
		return 0
	}
	return int64(t-12) / 2
}

// uvarint decodes an SQLite varint (big-endian, 7 bits per byte, the ninth
// byte whole) and returns it with its length, 0 if b is too short.
func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
