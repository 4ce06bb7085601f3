package storesession_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tgsession/tgsession/storesession"
)

// Read a folder GramJS's StoreSession("my_store") wrote, and write it
// again under another name.
func Example() {
	s, err := storesession.Read("testdata/my_store", storesession.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Session.Wipe()
	fmt.Println(s.Name, s.Session.DC, s.Session.ServerAddress, s.Session.Port, s.Session.AuthKeyID())

	tmp, _ := os.MkdirTemp("", "storesession-example-")
	defer os.RemoveAll(tmp)
	s.Name = "" // the directory's base name: bot
	if err := storesession.Write(filepath.Join(tmp, "bot"), s, storesession.WriteOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	names, _ := os.ReadDir(filepath.Join(tmp, "bot"))
	for _, n := range names {
		fmt.Println(n.Name())
	}
	// Output:
	// my_store 4 149.154.167.91 443 262f9ffdf3d20409
	// bot%3AauthKey
	// bot%3AdcId
	// bot%3Aport
	// bot%3AserverAddress
}
