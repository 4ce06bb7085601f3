package compat_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

func ExampleReadFile() {
	f, err := readPath("testdata/telethon_v7.session")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Wipe()
	fmt.Println(f.Library, f.Schema)
	fmt.Println(f.Session) // redacted: the key shows as its auth_key_id
	fmt.Println(len(f.Entities), "cached entities")
	// Output:
	// telethon 7
	// Session{format=telethon dc=2 addr=149.154.167.51 port=443 key=AuthKey(id=19680f57549f0ca9)}
	// 7 cached entities
}

func ExampleConvert() {
	// A Telethon file to a Pyrogram string: Telethon stores neither the
	// user id nor the api id, so they must be supplied.
	res, rep, err := convert(fileSource("testdata/telethon_v7.session"),
		compat.Target{Format: codec.Pyrogram},
		testOptions{UserID: codec.Some[int64](123456789), APIID: codec.Some[uint32](2040)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(res.Text()), "characters") // res.Text() is the secret string
	fmt.Print(rep)
	// Output:
	// 362 characters
	// testdata/telethon_v7.session (telethon, schema 7) -> pyrogram
	//   api_id: supplied (2040): given by the caller
	//   user_id: supplied (123456789): given by the caller
	//   test_mode: defaulted (false): not stored by Telethon; 149.154.167.51 is a production DC 2 address in the DC table
	//   takeout_id: dropped (77): pyrogram stores no takeout session id
	//   entities: dropped (7 entities): string sessions carry no entity cache
	//   update_state: dropped (2 rows): pyrogram does not carry Telethon's update state; the client starts from a fresh state and does not replay updates missed while offline
	//   server_address: dropped (149.154.167.51): Pyrogram 2.x (or a fork: kurigram, pyrofork, hydrogram, irenogram) stores no address; it derives one from the DC id
	//   port: dropped (443): Pyrogram 2.x (or a fork: kurigram, pyrofork, hydrogram, irenogram) stores no port
	//   ipv6: dropped (false): Pyrogram 2.x (or a fork: kurigram, pyrofork, hydrogram, irenogram) stores no IPv6 flag
	//   is_bot: defaulted (false): not known; Pyrogram needs a value and a user account is assumed
	//   entities: 7 read, 0 written
}

func ExampleWriteFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	f, err := readPath("testdata/pyrogram_v3.session")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Wipe()
	// Telethon needs an address, which Pyrogram does not store; Convert
	// would take it from its DC table and report it.
	f.Session.ServerAddress, f.Session.Port = "149.154.167.51", 443
	out := filepath.Join(dir, "telethon.session")
	if err := compat.WriteFile(out, f, compat.TelethonSQLite, false); err != nil {
		fmt.Println(err)
		return
	}
	st, _ := os.Stat(out)
	fmt.Println(st.Mode().Perm())
	// Output:
	// -rw-------
}
