package stores_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
)

func key(t *testing.T) codec.AuthKey {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	k, err := codec.NewAuthKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestUnheld(t *testing.T) {
	s := &codec.Session{}
	s.DC, s.ServerAddress, s.Port, s.Key = 2, "149.154.167.51", 443, key(t)
	s.APIID, s.UserID, s.IsBot, s.TestMode = codec.Some[uint32](1), codec.Some[int64](5), codec.Some(true), codec.Some(false)
	r := &stores.Record{Session: s, TakeoutID: codec.Some[int64](1), Date: codec.Some[int64](2),
		Entities: []compat.Entity{{ID: 5, Username: "a", Usernames: []string{"b"}, Phone: "1", Name: "n", Type: compat.PeerBot, Date: codec.Some[int64](3)}},
		States:   []stores.State{{Channel: 0, PTS: 1}, {Channel: 7, PTS: 1, QTS: 2}}}
	all := stores.Holds{}.Unheld(r)
	want := []string{"server_address", "port", "api_id", "user_id", "is_bot", "test_mode", "takeout_id", "date", "entities", "update_state", "update_state.channels"}
	if !slices.Equal(all, want) {
		t.Fatalf("nothing held: %q", all)
	}
	h := stores.Holds{Address: true, Port: true, Entities: true, EntityUsername: true, EntityPhone: true, EntityName: true,
		CommonState: true, ChannelState: true}
	got := h.Unheld(r)
	want = []string{"api_id", "user_id", "is_bot", "test_mode", "takeout_id", "date", "entities.usernames", "entities.type", "entities.date", "entities.without_access_hash", "update_state.channels.qts_seq"}
	if !slices.Equal(got, want) {
		t.Fatalf("alchemysession-like: %q", got)
	}
}

func TestRecordCloneAndWipe(t *testing.T) {
	s := &codec.Session{}
	s.DC, s.Key = 2, key(t)
	r := &stores.Record{Session: s, Entities: []compat.Entity{{ID: 1, Usernames: []string{"a"}}}, States: []stores.State{{PTS: 1}}}
	c := r.Clone()
	c.Entities[0].Usernames[0] = "b"
	c.States[0].PTS = 2
	if r.Entities[0].Usernames[0] != "a" || r.States[0].PTS != 1 {
		t.Fatal("Clone shares slices")
	}
	r.Wipe()
	if r.Session.Key.IsSet() || !c.Session.Key.IsSet() {
		t.Fatal("Wipe")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		out := fmt.Sprintf(verb, c)
		if strings.Contains(out, "000102030405") || strings.Contains(strings.ToLower(out), "000102030405") {
			t.Fatalf("%s prints the key", verb)
		}
	}
	var nilRec *stores.Record
	nilRec.Wipe()
	if nilRec.Clone() != nil {
		t.Fatal("nil Clone")
	}
}
