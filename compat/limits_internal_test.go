package compat

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// openReader loads testdata/name the way readFile does and returns a
// reader on it, its schema loaded.
func openReader(t *testing.T, name string) *reader {
	t.Helper()
	path := filepath.Join("testdata", name)
	snap, err := takeSnapshot(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(snap.wipe)
	onePage, err := checkSchema(path, snap.image)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := getReadConn()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.release(true) })
	if err := conn.load(snap.image, onePage); err != nil {
		t.Fatal(err)
	}
	r := &reader{path: path, db: conn.db, conn: conn, budget: 1 << 30, budgetLimit: 1 << 30}
	t.Cleanup(r.wipe)
	if err := r.loadSchema(); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestScanRowLimit checks the row limit that scan applies (maxCacheRows
// for the caches, a million rows, too many for a quick test): a table of
// exactly the limit reads, one row more is errTooLarge.
func TestScanRowLimit(t *testing.T) {
	r := openReader(t, "pyrogram_v3.session") // 5 peers
	n := 0
	count := func(*table, []driver.Value) error { n++; return nil }
	if err := r.scan("peers", r.tables["peers"], "", 5, count); err != nil || n != 5 {
		t.Fatalf("5 rows, limit 5: %d rows, %v", n, err)
	}
	err := r.scan("peers", r.tables["peers"], "", 4, count)
	if !errors.Is(err, errTooLarge) || !strings.Contains(err.Error(), "the peers table has more than 4 rows") {
		t.Fatalf("5 rows, limit 4: %v", err)
	}
	// The budget of text and blob bytes.
	r.budget, r.budgetLimit = 10, 10
	err = r.scan("peers", r.tables["peers"], "", 5, count)
	if !errors.Is(err, errTooLarge) || !strings.Contains(err.Error(), "values add up to more than 10 bytes") {
		t.Fatalf("budget of 10 bytes: %v", err)
	}
}

// sqliteVarint appends v as an SQLite varint (v < 2^28).
func sqliteVarint(b []byte, v int) []byte {
	for shift := 21; shift > 0; shift -= 7 {
		if v>>shift != 0 {
			b = append(b, byte(0x80|v>>shift&0x7f))
		}
	}
	return append(b, byte(v&0x7f))
}

// schemaImage lays out, on 512-byte pages, a sqlite_master of one row: a
// record of the columns type ("table") and name, then nulls NULLs and a
// blob of pad bytes. Page 1 is a leaf holding the row's cell; the overflow
// chain is pages 2, 3, …, the last one pointing to last. It returns the
// image and the record offset of the name.
func schemaImage(name string, nulls, pad int, last uint32) (*image, int) {
	const ps = 512
	var types []byte
	types = sqliteVarint(types, 13+2*5)
	types = sqliteVarint(types, 13+2*len(name))
	types = append(types, make([]byte, nulls)...)
	types = sqliteVarint(types, 12+2*pad)
	hsize := len(types) + 1
	if hsize > 127 {
		hsize++
	}
	rec := sqliteVarint(nil, hsize)
	rec = append(rec, types...)
	nameOff := len(rec) + 5
	rec = append(rec, "table"...)
	rec = append(rec, name...)
	rec = append(rec, bytes.Repeat([]byte{'x'}, pad)...)

	local := len(rec)
	if maxLocal := ps - 35; local > maxLocal {
		minLocal := (ps-12)*32/255 - 23
		local = minLocal + (len(rec)-minLocal)%(ps-4)
		if local > maxLocal {
			local = minLocal
		}
	}
	overflow := (len(rec) - local + ps - 5) / (ps - 4)
	img := make([]byte, (1+overflow)*ps)
	copy(img, sqliteMagic)
	binary.BigEndian.PutUint16(img[16:], ps)
	img[18], img[19] = 1, 1
	binary.BigEndian.PutUint32(img[28:], uint32(1+overflow))
	binary.BigEndian.PutUint32(img[56:], 1)
	h := img[100:]
	h[0] = 0x0d
	binary.BigEndian.PutUint16(h[3:], 1)
	binary.BigEndian.PutUint16(h[8:], 200)
	cell := sqliteVarint(nil, len(rec))
	cell = append(cell, 1) // rowid
	cell = append(cell, rec[:local]...)
	if overflow > 0 {
		cell = binary.BigEndian.AppendUint32(cell, 2)
	}
	copy(img[200:], cell)
	for i := range overflow {
		o := img[(1+i)*ps : (2+i)*ps]
		next := uint32(3 + i)
		if i == overflow-1 {
			next = last
		}
		binary.BigEndian.PutUint32(o, next)
		copy(o[4:], rec[local+i*(ps-4):])
	}
	return newImage(img, ps), nameOff
}

// TestCheckSchemaOverflow checks that checkSchema reads a schema row's name
// where SQLite would, through the overflow chain, and refuses a chain that
// leaves the file.
func TestCheckSchemaOverflow(t *testing.T) {
	// The name straddles the local part and the first overflow page.
	im, off := schemaImage("sqlite_stat4", 40, 500, 0)
	if off > 51 || off+12 < 51 {
		t.Fatalf("the name is at %d, not across the local part", off)
	}
	if _, err := checkSchema("x", im); !errors.Is(err, ErrUnknownSchema) {
		t.Fatalf("sqlite_stat4 across the local part: %v", err)
	}
	// The name is in the third overflow page.
	im, off = schemaImage("SQLITE_Stat4", 1500, 100, 0)
	if off < 91+2*508 {
		t.Fatalf("the name is at %d, not in the third overflow page", off)
	}
	if _, err := checkSchema("x", im); !errors.Is(err, ErrUnknownSchema) {
		t.Fatalf("SQLITE_Stat4 in the third overflow page: %v", err)
	}
	if onePage, err := checkSchema("x", im); onePage || err == nil {
		t.Fatalf("one page %v", onePage)
	}
	im, _ = schemaImage("sqlite_stat3", 1500, 100, 0)
	if onePage, err := checkSchema("x", im); err != nil || onePage {
		t.Fatalf("sqlite_stat3: %v, one page %v", err, onePage)
	}
	im, _ = schemaImage("sqlite_stat3", 10, 10, 0)
	if onePage, err := checkSchema("x", im); err != nil || !onePage {
		t.Fatalf("a small row: %v, one page %v", err, onePage)
	}
	// A chain that ends before the name, or points past the file.
	for _, cut := range []int64{2, 3} {
		im, _ = schemaImage("sqlite_stat4", 1500, 100, 0)
		im.setPages(cut)
		if _, err := checkSchema("x", im); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("chain cut at page %d: %v", cut, err)
		}
	}
	im, _ = schemaImage("sqlite_stat4", 1500, 100, 0)
	binary.BigEndian.PutUint32(im.page(2), 77)
	if _, err := checkSchema("x", im); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("chain to page 77: %v", err)
	}
}

// TestSchemaReuseNeedsWholeSchema reads two files, on one connection, whose
// page 1 is byte for byte the same but whose sessions tables declare their
// columns in different orders, in the part of the CREATE statement that
// overflows page 1. A parsed schema may be reused only when page 1 holds
// all of it: otherwise the second file would be read with the first one's
// columns (its port read from another column).
func TestSchemaReuseNeedsWholeSchema(t *testing.T) {
	dir := t.TempDir()
	pad := strings.Repeat("p", 4200) // the statement overflows a 4096-byte page
	make1 := func(name, cols string, vals string) string {
		p := filepath.Join(dir, name)
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{
			"PRAGMA page_size = 4096",
			"CREATE TABLE version (version INTEGER PRIMARY KEY)",
			"INSERT INTO version VALUES (7)",
			"CREATE TABLE sessions (pad TEXT DEFAULT '" + pad + "', dc_id INTEGER PRIMARY KEY, server_address TEXT, " + cols + ", auth_key BLOB, takeout_id INTEGER)",
			"INSERT INTO sessions (dc_id, server_address, port, xort, auth_key) VALUES (2, '149.154.167.51', " + vals + ", randomblob(256))",
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(q, err)
			}
		}
		return p
	}
	a := make1("a.session", "port INTEGER, xort INTEGER", "443, 7")
	b := make1("b.session", "xort INTEGER, port INTEGER", "443, 7")
	sa, err := takeSnapshot(a, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sa.wipe()
	sb, err := takeSnapshot(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.wipe()
	if !bytes.Equal(sa.image.base[100:4096], sb.image.base[100:4096]) {
		t.Fatal("the fixtures' page 1 differ: the test cannot discriminate")
	}
	conn, err := getReadConn()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.release(true)
	for _, s := range []*snapshot{sa, sb} {
		onePage, err := checkSchema("x", s.image)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.load(s.image, onePage); err != nil {
			t.Fatal(err)
		}
		r := &reader{path: "x", db: conn.db, conn: conn, budget: 1 << 30, budgetLimit: 1 << 30}
		f, err := r.read()
		r.wipe()
		if err != nil {
			t.Fatal(err)
		}
		f.Wipe()
		if f.Session.Port != 443 {
			t.Fatalf("port %d: read with the other file's schema", f.Session.Port)
		}
	}
}
