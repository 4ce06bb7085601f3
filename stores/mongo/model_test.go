package mongo_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/mongo"
)

// zeroLengthString returns a document {name: <string with length prefix
// 0>}: the driver's Validate accepts it (a BSON string's length counts its
// NUL, so it is at least 1) and its StringValue panics on it.
func zeroLengthString(name string) []byte {
	body := append([]byte{0x02}, name...)
	body = append(body, 0, 0, 0, 0, 0) // the name's NUL, then length 0
	doc := binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)+1))
	return append(append(doc, body...), 0)
}

// A malformed string in a document (found by FuzzMongoDocuments in CI) is
// a typed error in the session document and a skipped, counted document
// elsewhere; never a panic.
func TestDecodeMalformedStringIsAnErrorNotAPanic(t *testing.T) {
	doc := zeroLengthString("server_address")
	if err := bson.Raw(doc).Validate(); err != nil {
		t.Fatalf("the driver now refuses the malformed string itself (%v): this test no longer covers the case", err)
	}
	_, err := mongo.Decode(mongo.Telemongo, mongo.Documents{Session: doc})
	if !errors.Is(err, stores.ErrBadValue) {
		t.Fatalf("telemongo session with a malformed server_address: %v, want ErrBadValue", err)
	}

	key := make([]byte, 256)
	for i := range key {
		key[i] = byte(i) | 1
	}
	session, err := bson.Marshal(bson.D{{Key: "_id", Value: int32(0)}, {Key: "dc_id", Value: int32(2)},
		{Key: "api_id", Value: int32(2040)}, {Key: "test_mode", Value: false},
		{Key: "auth_key", Value: bson.Binary{Subtype: 0, Data: key}}, {Key: "date", Value: int32(0)},
		{Key: "user_id", Value: int64(1234567890)}, {Key: "is_bot", Value: false}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := mongo.Decode(mongo.Pyrogram, mongo.Documents{Session: session, Usernames: [][]byte{zeroLengthString("_id")}})
	if err != nil {
		t.Fatalf("a malformed usernames document failed the read: %v", err)
	}
	defer r.Session.Wipe()
	if len(r.Notes) == 0 {
		t.Fatal("the skipped usernames document is not reported")
	}
}
