package gotd_test

import (
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"testing"

	"github.com/gotd/td/session"
	"github.com/gotd/td/tg"
	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

func keyID(key []byte) []byte {
	sum := sha1.Sum(key)
	return sum[12:20]
}

func randomKey(r *rand.Rand) []byte {
	k := make([]byte, codec.AuthKeySize)
	for i := range k {
		k[i] = byte(r.Uint32())
	}
	k[0] |= 1
	return k
}

func randomAddr(r *rand.Rand) string {
	switch r.IntN(3) {
	case 0:
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], r.Uint32())
		b[0] = byte(1 + r.IntN(223))
		return netip.AddrFrom4(b).String()
	case 1:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:], r.Uint64())
		binary.BigEndian.PutUint64(b[8:], r.Uint64())
		b[0] = 0x20
		if r.IntN(2) == 0 {
			clear(b[4:14])
		}
		return netip.AddrFrom16(b).String()
	default:
		return []string{"vesta.web.telegram.org", "venus-1.web.telegram.org", "example.com"}[r.IntN(3)]
	}
}

// save runs gotd's own session.Loader.Save and returns the bytes it stored.
func save(t *testing.T, d *session.Data) []byte {
	t.Helper()
	st := &session.StorageMemory{}
	require.NoError(t, (&session.Loader{Storage: st}).Save(context.Background(), d))
	b, err := st.Bytes(nil)
	require.NoError(t, err)
	return b
}

// load runs gotd's own session.Loader.Load on b.
func load(t *testing.T, b []byte) *session.Data {
	t.Helper()
	st := &session.StorageMemory{}
	require.NoError(t, st.StoreSession(context.Background(), append([]byte(nil), b...)))
	d, err := (&session.Loader{Storage: st}).Load(context.Background())
	require.NoError(t, err)
	return d
}

// TestEncodeGotdLoadsInGotd: our JSON is what gotd's Loader writes, byte for
// byte, and gotd loads it back to the same fields, with a key id that passes
// the client's "corrupted key" check.
func TestEncodeGotdLoadsInGotd(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 500; i++ {
		key := randomKey(r)
		k, err := codec.NewAuthKey(key)
		require.NoError(t, err)
		s := &codec.Session{Info: codec.Info{DC: 1 + r.IntN(5)}, Key: k}
		if r.IntN(4) != 0 {
			s.ServerAddress = randomAddr(r)
			if r.IntN(4) != 0 {
				s.Port = uint16(1 + r.IntN(65535))
			}
		}
		if r.IntN(2) == 0 {
			s.TestMode = codec.Some(r.IntN(2) == 0)
		}
		if r.IntN(3) == 0 {
			s.UserID, s.IsBot = codec.Some(r.Int64N(1<<40)), codec.Some(true)
		}
		text, err := s.EncodeGotd()
		require.NoError(t, err)

		d := load(t, []byte(text))
		require.Equal(t, s.DC, d.DC)
		wantAddr := s.ServerAddress
		if s.ServerAddress != "" && s.Port != 0 {
			wantAddr = net.JoinHostPort(s.ServerAddress, strconv.Itoa(int(s.Port)))
		}
		require.Equal(t, wantAddr, d.Addr)
		require.True(t, string(d.AuthKey) == string(key), "gotd loaded a different key (session %d)", i)
		require.Equal(t, keyID(key), d.AuthKeyID)
		require.Equal(t, s.TestMode.Or(false), d.Config.TestMode)
		if s.TestMode.Known() {
			require.Equal(t, s.DC, d.Config.ThisDC, "a known test mode marks the Config as a client's")
		} else {
			require.Zero(t, d.Config.ThisDC)
		}
		require.Zero(t, d.Salt)

		require.True(t, string(save(t, d)) == text, "gotd re-saves different bytes (session %d)", i)
	}
}

// TestParseGotdReadsGotd: JSON written by gotd (from its own TelethonSession
// decoder, and from a filled client Data) is read by DecodeAs(Gotd) to the same
// values, and re-encodes to gotd's bytes.
func TestParseGotdReadsGotd(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 300; i++ {
		key := randomKey(r)
		addr := randomAddr(r)
		d := &session.Data{DC: 1 + r.IntN(1000), AuthKey: key, AuthKeyID: keyID(key)}
		switch r.IntN(3) {
		case 0:
			d.Addr = net.JoinHostPort(addr, strconv.Itoa(1+r.IntN(65535)))
		case 1:
			d.Addr = addr // TDesktopSession: no port
		}
		filled := r.IntN(2) == 0
		if filled {
			d.Salt = r.Int64()
			d.Config = session.Config{
				Date: 1700000000 + r.IntN(1000), Expires: 1700003600, TestMode: r.IntN(2) == 0, ThisDC: d.DC,
				DCOptions: []tg.DCOption{
					{ID: 1, IPAddress: "149.154.175.53", Port: 443},
					{Ipv6: true, ID: 2, IPAddress: "2001:067c:04e8:f002:0000:0000:0000:000a", Port: 443},
					{MediaOnly: true, ID: 2, IPAddress: "149.154.167.151", Port: 443, Secret: []byte{1, 2, 3}},
				},
				DCTxtDomainName: "apv3.stel.com", TmpSessions: 5, WebfileDCID: 4,
			}
			for j := range d.Config.DCOptions {
				d.Config.DCOptions[j].SetFlags()
			}
		}
		b := save(t, d)
		s, err := codec.DecodeAs(codec.Gotd, string(b))
		require.NoError(t, err, "session %d", i)
		require.Equal(t, d.DC, s.DC)
		require.True(t, string(s.Key.Reveal()) == string(key), "key differs (session %d)", i)
		switch host, port, err := net.SplitHostPort(d.Addr); {
		case d.Addr == "":
			require.Equal(t, "", s.ServerAddress)
			require.Zero(t, s.Port)
		case err != nil:
			require.Equal(t, d.Addr, s.ServerAddress)
			require.Zero(t, s.Port)
		default:
			require.Equal(t, host, s.ServerAddress)
			require.Equal(t, port, strconv.Itoa(int(s.Port)))
		}
		if filled {
			require.Equal(t, codec.Some(d.Config.TestMode), s.TestMode)
			// Config caches and Salt are dropped; what we keep survives
			// gotd's Loader round trip.
			out, err := s.EncodeGotd()
			require.NoError(t, err)
			back, err := codec.DecodeAs(codec.Gotd, string(save(t, load(t, []byte(out)))))
			require.NoError(t, err)
			require.True(t, back.Equal(s), "session differs after a gotd round trip (session %d)", i)
		} else {
			require.False(t, s.TestMode.Known())

			// Nothing was dropped: our encoding is gotd's, byte for byte.
			out, err := s.EncodeGotd()
			require.NoError(t, err)
			require.True(t, out == string(b), "re-encoding differs from gotd's bytes (session %d)", i)
		}
	}
}

type telethonVectors struct {
	Sessions []struct {
		Name   string `json:"name"`
		Inputs struct {
			DC      int    `json:"dc_id"`
			Address string `json:"server_address"`
			Port    int    `json:"port"`
			KeyHex  string `json:"auth_key_hex"`
		} `json:"inputs"`
		Output string `json:"output"`
	} `json:"string_sessions"`
}

// TestTelethonAgreesWithGotd: on every Telethon vector, gotd's
// TelethonSession and our DecodeAs(Telethon) agree, and gotd's JSON of it is read
// by DecodeAs(Gotd) to the same session.
func TestTelethonAgreesWithGotd(t *testing.T) {
	var all telethonVectors
	for _, name := range []string{"telethon_vectors.json", "telethon_generated.json"} {
		b, err := os.ReadFile("../../codec/testdata/" + name)
		require.NoError(t, err)
		var v telethonVectors
		require.NoError(t, json.Unmarshal(b, &v))
		require.NotEmpty(t, v.Sessions, name)
		all.Sessions = append(all.Sessions, v.Sessions...)
	}
	for _, vec := range all.Sessions {
		t.Run(vec.Name, func(t *testing.T) {
			key, err := hex.DecodeString(vec.Inputs.KeyHex)
			require.NoError(t, err)

			d, err := session.TelethonSession(vec.Output)
			require.NoError(t, err, "gotd refused a Telethon vector")

			ours, err := codec.DecodeAs(codec.Telethon, vec.Output)
			if err != nil && err.Error() == "not implemented yet" {
				t.Skip("DecodeAs(Telethon) is still a stub: re-run once codec/telethon.go lands")
			}
			host, port, splitErr := net.SplitHostPort(d.Addr)
			require.NoError(t, splitErr)
			gotdIP := netip.MustParseAddr(host)
			if err != nil {
				// Documented divergence: codec refuses addresses no DC can
				// have (unspecified, 0.0.0.0/8, ::/8 other than ::1 and
				// IPv4-mapped), which Telethon and gotd load.
				require.ErrorIs(t, err, codec.ErrBadField)
				a := gotdIP.Unmap()
				require.True(t, a.IsUnspecified() || (a.Is4() && a.As4()[0] == 0) || (a.Is6() && a.As16()[0] == 0 && !a.IsLoopback()),
					"DecodeAs(Telethon) refused a plausible address that gotd loads")
				t.Logf("documented divergence: gotd loads address %s, DecodeAs(Telethon) refuses it", host)
				return
			}
			require.Equal(t, d.DC, ours.DC)
			// gotd renders an IPv4-mapped IPv6 address as IPv4 (net.IP.String).
			require.Equal(t, gotdIP, netip.MustParseAddr(ours.ServerAddress).Unmap())
			require.Equal(t, port, strconv.Itoa(int(ours.Port)))
			require.True(t, string(d.AuthKey) == string(key), "gotd key differs from the vector's")
			require.True(t, string(ours.Key.Reveal()) == string(key), "our key differs from the vector's")
			id := ours.AuthKeyID()
			require.Equal(t, d.AuthKeyID, id[:])

			// gotd's JSON of its own decode, read by us.
			g, err := codec.DecodeAs(codec.Gotd, string(save(t, d)))
			require.NoError(t, err)
			require.Equal(t, ours.DC, g.DC)
			require.Equal(t, host, g.ServerAddress)
			require.Equal(t, ours.Port, g.Port)
			require.True(t, g.Key.Equal(ours.Key), "keys differ")

			// And our Telethon re-encoding is still what gotd decodes.
			text, err := ours.EncodeTelethon()
			require.NoError(t, err)
			d2, err := session.TelethonSession(text)
			require.NoError(t, err)
			require.Equal(t, d.DC, d2.DC)
			require.Equal(t, d.Addr, d2.Addr)
			require.True(t, string(d.AuthKey) == string(d2.AuthKey), "keys differ")
		})
	}
}
