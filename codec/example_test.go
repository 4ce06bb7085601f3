package codec_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
)

// The examples use an obviously fake auth key: 256 bytes of 'a'. Its
// auth_key_id is ad0e5169397d2b62.

// fakeTelethon is a Telethon string for DC 2, 149.154.167.51:443.
var fakeTelethon = "1ApWapzMBu2" + strings.Repeat("FhYW", 85) + "E="

// fakeGramJS is the same session as GramJS writes it.
var fakeGramJS = "1AgAOMTQ5LjE1NC4xNjcuNTEBu2" + strings.Repeat("FhYW", 85) + "E="

// fakePyrogram is a Pyrogram 2.x string for DC 2, api_id 2040, user
// 123456789.
var fakePyrogram = "AgAAB_gA" + strings.Repeat("YWFh", 85) + "YQAAAAAHW80VAA"

func ExampleDecodeAs_telethon() {
	s, err := codec.DecodeAs(codec.Telethon, fakeTelethon)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Wipe()
	fmt.Println(s.DC, s.ServerAddress, s.Port, s.Layout)
	fmt.Println(s.Key) // never the key bytes
	// Output:
	// 2 149.154.167.51 443 ipv4
	// AuthKey(id=ad0e5169397d2b62)
}

func ExampleDecodeAs_pyrogram() {
	s, err := codec.DecodeAs(codec.Pyrogram, fakePyrogram)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Wipe()
	fmt.Println(s.DC, s.APIID, s.UserID, s.TestMode, s.IsBot)
	// Output: 2 2040 123456789 false false
}

func ExampleDecodeAs_gramjs() {
	s, err := codec.DecodeAs(codec.GramJS, fakeGramJS)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Wipe()
	fmt.Println(s)
	// Output: Session{format=gramjs dc=2 addr=149.154.167.51 port=443 key=AuthKey(id=ad0e5169397d2b62)}
}

// Detect tells a GramJS string for a 14-character address from a Telethon
// IPv6 string of the same length by structure.
func ExampleDetect() {
	for _, text := range []string{fakeTelethon, fakeGramJS, fakePyrogram, "  '" + fakeTelethon + "'\n"} {
		f, err := codec.Detect(text)
		fmt.Println(f, len(text), err)
	}
	_, err := codec.Detect("1" + strings.Repeat("A", 300))
	fmt.Println(errors.Is(err, codec.ErrUnknownFormat))
	// Output:
	// telethon 353 <nil>
	// gramjs 369 <nil>
	// pyrogram 362 <nil>
	// telethon 358 <nil>
	// true
}

// Converting a Telethon session to Pyrogram needs the user id and api_id,
// which Telethon strings do not hold.
func ExampleSession_Encode() {
	s, err := codec.Decode(fakeTelethon)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Wipe()
	_, err = s.Encode(codec.Pyrogram)
	fmt.Println(err)

	s.UserID = codec.Some[int64](123456789)
	s.APIID = codec.Some[uint32](2040)
	text, err := s.Encode(codec.Pyrogram)
	fmt.Println(text == fakePyrogram, err)

	text, err = s.Encode(codec.GramJS)
	fmt.Println(text == fakeGramJS, err)
	// Output:
	// codec: pyrogram: user_id is required but not known
	// true <nil>
	// true <nil>
}

func ExampleSession_EncodeTelethon() {
	key, err := codec.NewAuthKey(bytes.Repeat([]byte{'a'}, codec.AuthKeySize))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: key}
	defer s.Wipe()
	text, err := s.EncodeTelethon()
	fmt.Println(text == fakeTelethon, len(text), err)

	s.ServerAddress = "venus.web.telegram.org"
	_, err = s.EncodeTelethon()
	fmt.Println(errors.Is(err, codec.ErrCannotEncode))
	// Output:
	// true 353 <nil>
	// true
}

func ExampleSession_EncodePyrogramLegacy() {
	s, err := codec.DecodeAs(codec.Pyrogram, fakePyrogram)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Wipe()
	for _, user := range []int64{123456789, 5000000001} {
		s.UserID = codec.Some(user)
		text, _ := s.EncodePyrogramLegacy()
		back, _ := codec.DecodeAs(codec.PyrogramLegacy, text)
		fmt.Println(len(text), back.Layout, back.UserID)
	}
	// Output:
	// 351 old-32 123456789
	// 356 old-64 5000000001
}
