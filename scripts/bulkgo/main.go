// Command bulkgo is the Go modernc.org/sqlite peer loop of
// docs/benchmarks-bulk.md: each Telethon .session file in IN_DIR becomes a
// Telethon string file in OUT_DIR (plain writes, no fsync).
//
//	go run ./scripts/bulkgo IN_DIR OUT_DIR
package main

import (
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite"
)

func main() {
	src, dst := os.Args[1], os.Args[2]
	if err := os.MkdirAll(dst, 0o700); err != nil {
		panic(err)
	}
	start := time.Now()
	des, err := os.ReadDir(src)
	if err != nil {
		panic(err)
	}
	n := 0
	for _, de := range des {
		name, ok := strings.CutSuffix(de.Name(), ".session")
		if !ok {
			continue
		}
		db, err := sql.Open("sqlite", "file:"+filepath.Join(src, de.Name())+"?mode=ro")
		if err != nil {
			panic(err)
		}
		var dc int
		var addr string
		var port uint16
		var key []byte
		err = db.QueryRow("select dc_id, server_address, port, auth_key from sessions").Scan(&dc, &addr, &port, &key)
		db.Close()
		if err != nil {
			panic(err)
		}
		ip := netip.MustParseAddr(addr).AsSlice()
		raw := append([]byte{byte(dc)}, ip...)
		raw = binary.BigEndian.AppendUint16(raw, port)
		raw = append(raw, key...)
		s := "1" + base64.URLEncoding.EncodeToString(raw) + "\n"
		if err := os.WriteFile(filepath.Join(dst, name+".telethon.txt"), []byte(s), 0o600); err != nil {
			panic(err)
		}
		n++
	}
	d := time.Since(start)
	fmt.Printf("%d files in %.3f s: %.0f files/s\n", n, d.Seconds(), float64(n)/d.Seconds())
}
