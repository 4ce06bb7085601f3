package codec_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/tgsession/tgsession/codec"
)

func TestH1Gen(t *testing.T) {
	k, _ := codec.NewAuthKey(bytes.Repeat([]byte{'a'}, 256))
	s := &codec.Session{DC: 2, ServerAddress: "149.154.167.51", Port: 443, Key: k, UserID: codec.Some[int64](123456789), APIID: codec.Some[uint32](2040)}
	for _, f := range []codec.Format{codec.Telethon, codec.Pyrogram, codec.PyrogramLegacy, codec.GramJS} {
		out, _ := s.Encode(f)
		fmt.Println(f, len(out), out)
	}
	fmt.Println(k.ID())
}
