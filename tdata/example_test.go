package tdata_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/tdata"
)

// Read a folder and list its accounts the way `inspect` would: user id,
// main DC and the public auth_key_id of every key, never the keys.
func ExampleRead() {
	f, err := tdata.Read("testdata/vectors/multi2/tdata", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Wipe()
	fmt.Println("TDF version", f.Version, "active", f.Active)
	for _, a := range f.Accounts {
		fmt.Printf("account %d: user %d, main DC %d, %d keys to destroy\n", a.Index, a.UserID, a.MainDC, a.KeysToDestroy)
		for _, k := range a.Keys {
			fmt.Printf("  DC %d: %v\n", k.DC, k.Key)
		}
	}
	// Output:
	// TDF version 5008003 active 1
	// account 0: user 123456789, main DC 2, 0 keys to destroy
	//   DC 2: AuthKey(id=32d1586ea457dfc8)
	// account 1: user 5000000001, main DC 4, 1 keys to destroy
	//   DC 4: AuthKey(id=96d1b10e8f724a13)
	//   DC 1: AuthKey(id=7e5919a504c33df6)
}

// Pick one account, as --account N does, and take its main DC's key as the
// session.
func ExampleFolder_Account() {
	f, err := tdata.Read("testdata/vectors/tdesktop-4.6.5/fresh-nologin/tdata", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Wipe()
	if _, err := f.Account(0); err != nil {
		fmt.Println(err)
	}
	// Output:
	// tdata: account 0 is a slot without a session (no MTP authorization file)
}

// Write one account with a passcode, then read it back.
func ExampleWrite() {
	raw := make([]byte, codec.AuthKeySize)
	for i := range raw {
		raw[i] = 'a' // an obviously fake key
	}
	key, _ := codec.NewAuthKey(raw)
	tmp, _ := os.MkdirTemp("", "tdata-example-")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "tdata")

	acc := tdata.Account{Index: 0, UserID: 777000, MainDC: 2, Keys: []tdata.DCKey{{DC: 2, Key: key}}}
	if err := tdata.Write(dir, []tdata.Account{acc}, tdata.WriteOptions{Passcode: []byte("1234")}); err != nil {
		fmt.Println(err)
		return
	}
	f, err := tdata.Read(dir, []byte("1234"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Wipe()
	main, _ := f.Accounts[0].Main()
	fmt.Println(f.Version, f.Passcode, f.Accounts[0].UserID, main.DC, main.Key.ID() == key.ID())
	// Output:
	// 2001014 true 777000 2 true
}
