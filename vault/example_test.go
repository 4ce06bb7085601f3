package vault_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// exampleSession stands in for a session parsed with codec (for example
// codec.Decode of a Telethon StringSession); its key is obviously fake.
func exampleSession() *codec.Session {
	key, _ := codec.NewAuthKey(bytes.Repeat([]byte{'a'}, codec.AuthKeySize))
	return &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: key}
}

// A bot reads its session from a sealed environment variable. At deploy
// time: seal the session to the bot's age recipient and store the
// one-line result as TG_SESSION; store the identity as TGSESSION_AGE_KEY,
// ideally in a different secret store.
func ExampleOpenEnv() {
	id, _ := age.GenerateX25519Identity()
	s, _ := vault.NewSession(exampleSession())
	sealed, err := s.Seal(vault.FormText, id.Recipient())
	if err != nil {
		log.Fatal(err)
	}
	s.Destroy()
	os.Setenv("TG_SESSION", string(sealed))
	os.Setenv(vault.EnvKey, id.String())
	defer os.Unsetenv(vault.EnvKey)

	// In the bot: find the identity (once, explicitly), then open the
	// value. TG_SESSION is removed from the environment.
	ids, err := (&vault.KeySearch{Env: true, ScrubEnv: true}).Find()
	if err != nil {
		log.Fatal(err)
	}
	s, err = vault.OpenEnv("TG_SESSION", ids)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Destroy()
	_, stillSet := os.LookupEnv("TG_SESSION")
	fmt.Println("DC", s.DC, "from", s.Source, "key", s.KeyID(), "still set:", stillSet)

	// Hand the key to the MTProto client only inside WithKey.
	err = s.WithKey(func(key *[256]byte) error {
		// e.g. copy into the client's own key storage.
		return nil
	})
	fmt.Println(err)
	// Output:
	// DC 2 from telethon key ad0e5169397d2b62 still set: false
	// <nil>
}

func ExampleSession_Seal() {
	id, _ := age.GenerateX25519Identity()
	s, err := vault.NewSession(exampleSession())
	if err != nil {
		log.Fatal(err)
	}
	s.Labels = map[string]string{"env": "prod"}
	sealed, err := s.Seal(vault.FormText, id.Recipient())
	s.Destroy()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(sealed[:len("tgsession-age-v1:")]), len(sealed) < 1024)

	s, err = vault.Open(sealed, id)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Destroy()
	fmt.Println(s)
	// Output:
	// tgsession-age-v1: true
	// vault.Session{format=telethon dc=2 addr=149.154.167.51 port=443 labels=env="prod" key=AuthKey(id=ad0e5169397d2b62)}
}

func ExampleDir() {
	dir, _ := os.MkdirTemp("", "vault-example-")
	defer os.RemoveAll(dir)
	id, _ := age.GenerateX25519Identity()

	d, err := vault.InitDir(filepath.Join(dir, "vault"))
	if err != nil {
		log.Fatal(err)
	}
	s, _ := vault.NewSession(exampleSession())
	if _, err := d.Put("bot", s, id.Recipient()); err != nil {
		log.Fatal(err)
	}
	s.Destroy()
	s, err = d.Get("bot", id)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Destroy()
	warns, err := d.RecordExport("bot", s.KeyID(), "prod")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(warns))
	// Exporting the same key to a second place warns.
	warns, _ = d.RecordExport("bot", s.KeyID(), "laptop")
	fmt.Println(len(warns))
	// Output:
	// 0
	// 1
}
