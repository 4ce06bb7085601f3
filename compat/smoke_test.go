package compat

import (
	"fmt"
	"path/filepath"
	"testing"
)

func TestSmoke(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.session")
	for _, p := range files {
		f, err := ReadFile(p)
		if err != nil {
			fmt.Println(p, "ERR", err)
			continue
		}
		fmt.Printf("%s lib=%s schema=%d wal=%v %v take=%v ents=%d us=%v notes=%q\n", p, f.Library, f.Schema, f.WAL, f.Session, f.TakeoutID, len(f.Entities), f.UpdateState, f.Notes)
		for _, e := range f.Entities {
			fmt.Printf("    %+v\n", e)
		}
	}
}

func TestSmokeWrite(t *testing.T) {
	f, err := ReadFile("testdata/telethon_v7.session")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []FileKind{TelethonSQLite, TelethonV2SQLite} {
		p := "/tmp/smoke/" + k.String() + ".session"
		if err := WriteFile(p, f, k, WriteOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	g, _ := ReadFile("testdata/pyrogram_v3.session")
	for _, k := range []FileKind{PyrogramSQLite, PyroforkSQLite, KurigramSQLite} {
		p := "/tmp/smoke/" + k.String() + ".session"
		g.Session.ServerAddress, g.Session.Port = "149.154.167.91", 443
		if err := WriteFile(p, g, k, WriteOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
}
