package compat

import (
	"bytes"
	"testing"
)

// TestImageSparse checks the image's pages: base pages, pages past the
// file kept apart, holes that read as zeros, and truncation.
func TestImageSparse(t *testing.T) {
	const ps = 512
	page := func(b byte) []byte { return bytes.Repeat([]byte{b}, ps) }
	im := newImage(append(page(1), page(2)...), ps)
	im.setPage(2, page(0x22))
	im.setPage(1000, page(0x33)) // far past the end: one page held
	if im.pages() != 1000 || im.held() != 3*ps {
		t.Fatalf("pages %d, held %d", im.pages(), im.held())
	}
	buf := make([]byte, 3*ps)
	if n := im.readAt(buf, ps+10); n != len(buf) {
		t.Fatalf("read %d bytes", n)
	}
	want := append(append(page(0x22)[10:], make([]byte, ps)...), make([]byte, ps+10)...)
	if !bytes.Equal(buf, want) {
		t.Fatal("page 2 then zeros expected")
	}
	if n := im.readAt(buf, 999*ps-100); n != 100+ps || !bytes.Equal(buf[100:100+ps], page(0x33)) || buf[0] != 0 {
		t.Fatalf("read %d bytes across the hole into page 1000", n)
	}
	if n := im.readAt(buf, 1000*ps); n != 0 {
		t.Fatalf("read %d bytes at the end", n)
	}
	im.setPages(1)
	if im.pages() != 1 || im.held() != ps || len(im.extra) != 0 {
		t.Fatalf("after truncation: pages %d, held %d", im.pages(), im.held())
	}
	im.setPages(3) // grows with zeros: page 2 is gone
	if p := im.page(2); p != nil {
		t.Fatal("page 2 survived truncation")
	}
	im.wipe()
}
