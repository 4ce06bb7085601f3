package compat_test

import (
	"database/sql"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// These tests hand-craft damaged SQLite headers, -journal and -wal files to
// check that the in-memory recovery behaves as SQLite's would, and that
// every refusal is typed.

// mutated copies testdata/name into a temporary directory and applies edit
// to the main file's bytes.
func mutated(t *testing.T, name string, edit func(b []byte) []byte) string {
	t.Helper()
	p := copyFile(t, filepath.Join("testdata", name), t.TempDir())
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, edit(b), 0o600))
	return p
}

func TestSnapshotBadHeaders(t *testing.T) {
	cases := []struct {
		name string
		edit func(b []byte) []byte
		want error
		msg  string
	}{
		{"unknown file format version", func(b []byte) []byte { b[18], b[19] = 3, 3; return b }, compat.ErrCorrupt, "unknown file format versions 3/3"},
		{"page size not a power of two", func(b []byte) []byte { binary.BigEndian.PutUint16(b[16:], 1000); return b }, compat.ErrCorrupt, "invalid page size 1000"},
		{"page size too small", func(b []byte) []byte { binary.BigEndian.PutUint16(b[16:], 256); return b }, compat.ErrCorrupt, "invalid page size 256"},
		{"header counts more pages", func(b []byte) []byte { binary.BigEndian.PutUint32(b[28:], 500); return b }, compat.ErrCorrupt, "header counts 500 pages"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mutated(t, "telethon_v7.session", c.edit)
			_, err := readPath(p)
			require.ErrorIs(t, err, c.want)
			require.Contains(t, err.Error(), c.msg)
			requireNoSecret(t, err.Error(), 101)
		})
	}
}

func TestSnapshotTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.session")
	f, err := os.Create(p)
	require.NoError(t, err)
	_, err = f.Write([]byte("SQLite format 3\x00"))
	require.NoError(t, err)
	require.NoError(t, f.Truncate(256<<20+1)) // sparse: costs no disk
	require.NoError(t, f.Close())
	_, err = readPath(p)
	require.ErrorIs(t, err, codec.ErrTooLarge)
	require.NotErrorIs(t, err, compat.ErrCorrupt)
}

// ---------------------------------------------------------------- journal

var testJournalMagic = []byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}

func journalHeader(nRec, seed, mxPg, sector, pageSize uint32) []byte {
	h := make([]byte, 28)
	copy(h, testJournalMagic)
	be := binary.BigEndian
	be.PutUint32(h[8:], nRec)
	be.PutUint32(h[12:], seed)
	be.PutUint32(h[16:], mxPg)
	be.PutUint32(h[20:], sector)
	be.PutUint32(h[24:], pageSize)
	return h
}

func journalRecord(pgno, seed uint32, page []byte) []byte {
	sum := seed
	for i := len(page) - 200; i > 0; i -= 200 {
		sum += uint32(page[i])
	}
	r := binary.BigEndian.AppendUint32(nil, pgno)
	r = append(r, page...)
	return binary.BigEndian.AppendUint32(r, sum)
}

// rekeyed returns a copy of telethon_v7.session whose key was replaced by
// make_key(5), and the original file's bytes.
func rekeyed(t *testing.T) (path string, orig []byte) {
	t.Helper()
	orig = testdataBytes(t, "telethon_v7.session")
	p := copyFile(t, "testdata/telethon_v7.session", t.TempDir())
	db, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	_, err = db.Exec("UPDATE sessions SET auth_key = ?", makeKey(5))
	require.NoError(t, err, "rekeying the fixture")
	require.NoError(t, db.Close())
	after, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, len(orig), len(after), "the update changed the page count")
	return p, orig
}

func readKeyIs(t *testing.T, p string, n int) {
	t.Helper()
	f, err := readPath(p)
	require.NoError(t, err)
	defer f.Wipe()
	require.True(t, keyIs(f.Session.Key, n), "unexpected key after recovery (want make_key(%d))", n)
}

func TestHotJournalVariants(t *testing.T) {
	const ps = 4096
	const seed = 0x1234567
	t.Run("playback with nRec -1 restores the old key", func(t *testing.T) {
		p, orig := rekeyed(t)
		readKeyIs(t, p, 5)
		pages := len(orig) / ps
		j := journalHeader(0xffffffff, seed, uint32(pages), 512, ps)
		j = append(j, make([]byte, 512-len(j))...)
		// A record beyond the original size is skipped, not applied.
		j = append(j, journalRecord(uint32(pages+3), seed, make([]byte, ps))...)
		for pg := 1; pg <= pages; pg++ {
			j = append(j, journalRecord(uint32(pg), seed, orig[(pg-1)*ps:pg*ps])...)
		}
		require.NoError(t, os.WriteFile(p+"-journal", j, 0o600))
		before := snapshotBytes(t, p)
		readKeyIs(t, p, 101)
		requireUnchanged(t, before, p)
	})
	t.Run("playback stops at a bad checksum", func(t *testing.T) {
		p, orig := rekeyed(t)
		pages := len(orig) / ps
		j := journalHeader(uint32(pages), seed, uint32(pages), 512, ps)
		j = append(j, make([]byte, 512-len(j))...)
		for pg := 1; pg <= pages; pg++ {
			rec := journalRecord(uint32(pg), seed, orig[(pg-1)*ps:pg*ps])
			rec[len(rec)-1] ^= 0xff // every checksum is wrong: nothing is restored
			j = append(j, rec...)
		}
		require.NoError(t, os.WriteFile(p+"-journal", j, 0o600))
		readKeyIs(t, p, 5)
	})
	t.Run("a record cut short is not applied", func(t *testing.T) {
		p, orig := rekeyed(t)
		pages := len(orig) / ps
		j := journalHeader(uint32(pages), seed, uint32(pages), 512, ps)
		j = append(j, make([]byte, 512-len(j))...)
		j = append(j, journalRecord(1, seed, orig[:ps])[:100]...)
		require.NoError(t, os.WriteFile(p+"-journal", j, 0o600))
		readKeyIs(t, p, 5)
	})
	t.Run("an invalid sector size is not hot", func(t *testing.T) {
		p, _ := rekeyed(t)
		j := journalHeader(0, seed, 0, 100, ps) // mxPg 0 would empty the file if played back
		j = append(j, make([]byte, 600)...)
		require.NoError(t, os.WriteFile(p+"-journal", j, 0o600))
		readKeyIs(t, p, 5)
	})
	t.Run("header only, original size kept", func(t *testing.T) {
		p, orig := rekeyed(t)
		j := journalHeader(0, seed, uint32(len(orig)/ps), 512, ps)
		require.NoError(t, os.WriteFile(p+"-journal", j, 0o600))
		readKeyIs(t, p, 5)
	})
	t.Run("not a journal", func(t *testing.T) {
		p, _ := rekeyed(t)
		require.NoError(t, os.WriteFile(p+"-journal", []byte("this is not a journal header at all, no"), 0o600))
		readKeyIs(t, p, 5)
	})
	t.Run("the database was empty before", func(t *testing.T) {
		p, _ := rekeyed(t)
		j := journalHeader(0, seed, 0, 512, ps)
		j = append(j, make([]byte, 512-len(j))...)
		require.NoError(t, os.WriteFile(p+"-journal", j, 0o600))
		before := snapshotBytes(t, p)
		_, err := readPath(p)
		require.ErrorIs(t, err, compat.ErrNoSession)
		require.Contains(t, err.Error(), "-journal")
		requireUnchanged(t, before, p)
	})
}

// ---------------------------------------------------------------- WAL

func testWALChecksum(bigEnd bool, b []byte, s1, s2 uint32) (uint32, uint32) {
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

// resumWAL recomputes the header and frame checksums of w in place, for
// the page size the header names.
func resumWAL(w []byte) {
	be := binary.BigEndian
	bigEnd := be.Uint32(w)&1 == 1
	s1, s2 := testWALChecksum(bigEnd, w[:24], 0, 0)
	be.PutUint32(w[24:], s1)
	be.PutUint32(w[28:], s2)
	ps := int(be.Uint32(w[8:]))
	for off := 32; off+24+ps <= len(w); off += 24 + ps {
		s1, s2 = testWALChecksum(bigEnd, w[off:off+8], s1, s2)
		s1, s2 = testWALChecksum(bigEnd, w[off+24:off+24+ps], s1, s2)
		be.PutUint32(w[off+16:], s1)
		be.PutUint32(w[off+20:], s2)
	}
}

// walFixture copies the hydrogram WAL fixture and applies edit to its -wal.
func walFixture(t *testing.T, edit func(w []byte) []byte) string {
	t.Helper()
	p := copyFile(t, "testdata/hydrogram_wal.session", t.TempDir())
	w, err := os.ReadFile(p + "-wal")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p+"-wal", edit(w), 0o600))
	return p
}

func TestWALVariants(t *testing.T) {
	// What the database file says without its WAL, and with it.
	noWAL := walFixture(t, func([]byte) []byte { return nil })
	require.NoError(t, os.Remove(noWAL+"-wal"))
	_, baseErr := readPath(noWAL)
	full, err := readPath(filepath.Join("testdata", "hydrogram_wal.session"))
	require.NoError(t, err)
	defer full.Wipe()
	require.ErrorIs(t, baseErr, compat.ErrNoSession, "the fixture's session must live in its WAL for these cases to discriminate")

	ignored := map[string]func(w []byte) []byte{
		"bad magic":             func(w []byte) []byte { w[0] ^= 0x40; return w },
		"bad version":           func(w []byte) []byte { binary.BigEndian.PutUint32(w[4:], 1); return w },
		"bad header checksum":   func(w []byte) []byte { w[25] ^= 1; return w },
		"shorter than a header": func(w []byte) []byte { return w[:20] },
		"first frame salt differs": func(w []byte) []byte {
			w[32+8] ^= 1
			return w
		},
		"first frame checksum wrong": func(w []byte) []byte { w[32+16] ^= 1; return w },
		"first frame page 0": func(w []byte) []byte {
			binary.BigEndian.PutUint32(w[32:], 0)
			resumWAL(w)
			return w
		},
	}
	for name, edit := range ignored {
		t.Run(name, func(t *testing.T) {
			p := walFixture(t, edit)
			before := snapshotBytes(t, p)
			_, err := readPath(p)
			// The WAL is ignored as a whole: the same outcome as without it.
			require.ErrorIs(t, err, compat.ErrNoSession)
			requireUnchanged(t, before, p)
		})
	}

	t.Run("page size differs from the database's", func(t *testing.T) {
		p := walFixture(t, func(w []byte) []byte {
			binary.BigEndian.PutUint32(w[8:], 1024)
			resumWAL(w)
			return w
		})
		_, err := readPath(p)
		require.ErrorIs(t, err, compat.ErrCorrupt)
		require.Contains(t, err.Error(), "page size 1024")
	})
	t.Run("page number beyond the size limit", func(t *testing.T) {
		p := walFixture(t, func(w []byte) []byte {
			binary.BigEndian.PutUint32(w[32:], 0x7fffffff)
			resumWAL(w)
			return w
		})
		_, err := readPath(p)
		require.ErrorIs(t, err, compat.ErrCorrupt)
		require.Contains(t, err.Error(), "beyond")
	})
	t.Run("commit grows the database", func(t *testing.T) {
		p := walFixture(t, func(w []byte) []byte {
			ps := int(binary.BigEndian.Uint32(w[8:]))
			last := -1
			for i, off := 0, 32; off+24+ps <= len(w); i, off = i+1, off+24+ps {
				if binary.BigEndian.Uint32(w[off+4:]) != 0 {
					last = off
				}
			}
			require.GreaterOrEqual(t, last, 0, "no commit frame")
			binary.BigEndian.PutUint32(w[last+4:], 40) // 40 pages after the commit
			resumWAL(w)
			return w
		})
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.True(t, f.Session.Equal(full.Session), "session differs after a grown commit")
		require.True(t, f.WAL)
	})
}
