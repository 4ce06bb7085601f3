// Package storetest holds what the store packages' tests share: the server
// URLs from the environment, the fake test key, the ground-truth dumps of
// what the real Python libraries wrote, and leak checks.
package storetest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
)

// Environment variables naming the test servers (.ci/run sets them).
const (
	EnvPostgres = "TGSESSION_TEST_POSTGRES_URL" // e.g. postgres://postgres@127.0.0.1:5432/postgres
	EnvMySQL    = "TGSESSION_TEST_MYSQL_URL"    // e.g. mysql://root@127.0.0.1:3306/test
	EnvRedis    = "TGSESSION_TEST_REDIS_URL"    // e.g. redis://127.0.0.1:6379/0
	EnvMongo    = "TGSESSION_TEST_MONGO_URL"    // e.g. mongodb://127.0.0.1:27017/
)

// ServerURL returns the URL in the environment variable env, or skips the
// test, naming the variable.
func ServerURL(t testing.TB, env string) stores.URL {
	t.Helper()
	raw := os.Getenv(env)
	if raw == "" {
		t.Skipf("skipped: %s is not set (no test server; .ci/run sets it)", env)
	}
	u, err := stores.ParseURL(raw)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	return u
}

// Key returns the test key of the dumps: bytes(range(256)), obviously fake.
func Key() []byte {
	k := make([]byte, codec.AuthKeySize)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

// Suffix returns a random lowercase suffix for a test's own database, key
// prefix or Mongo database.
func Suffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Session returns the dumps' session: DC 2, 149.154.167.51:443, key
// bytes(range(256)).
func Session(t testing.TB) *codec.Session {
	t.Helper()
	k, err := codec.NewAuthKey(Key())
	if err != nil {
		t.Fatal(err)
	}
	s := &codec.Session{}
	s.DC, s.ServerAddress, s.Port, s.Key = 2, "149.154.167.51", 443, k
	return s
}

// Entities returns the dumps' three entities (Telethon's view): a channel,
// a basic group and a user, in id order.
func Entities() []compat.Entity {
	return []compat.Entity{
		{ID: -1001234567890, AccessHash: codec.Some[int64](987654321), Username: "testchannel", Name: "Test Channel"},
		{ID: -4242, AccessHash: codec.Some[int64](0), Name: "Basic Group", Type: compat.PeerGroup},
		{ID: 123456789, AccessHash: codec.Some[int64](-1234567890123456789), Username: "alice_example", Phone: "15551234567", Name: "Alice Example"},
	}
}

// TestdataDir returns stores/testdata.
func TestdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Read returns a testdata file.
func Read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(TestdataDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// NoLeak fails t if err's message (or a %+v rendering of v) holds any
// 12-byte window of a secret's raw, hex or base64 form, or a secret string.
// The failure names the rule, never the text.
func NoLeak(t testing.TB, what, text string, secretBytes [][]byte, secretStrings ...string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, s := range secretStrings {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("%s (%d bytes) holds a secret string", what, len(text))
		}
	}
	for _, b := range secretBytes {
		forms := []string{string(b), hex.EncodeToString(b)}
		for i := 0; i < 3 && i < len(b); i++ {
			forms = append(forms, base64.StdEncoding.EncodeToString(b[i:]), base64.URLEncoding.EncodeToString(b[i:]))
		}
		for _, f := range forms {
			for i := 0; i+12 <= len(f); i++ {
				w := f[i : i+12]
				if strings.Contains(text, w) || strings.Contains(lower, strings.ToLower(w)) && isHex(w) {
					t.Fatalf("%s (%d bytes) holds a 12-byte window of secret key material", what, len(text))
				}
			}
		}
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// StoreError fails t unless err is a *stores.Error of kind wrapping want,
// and checks its message leaks nothing.
func StoreError(t testing.TB, err error, kind string, want error, secretBytes [][]byte, secretStrings ...string) *stores.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	e, ok := errors.AsType[*stores.Error](err)
	if !ok {
		t.Fatalf("error of type %T is not a *stores.Error", err)
	}
	if e.Kind != kind {
		t.Fatalf("error kind %q, want %q", e.Kind, kind)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error does not wrap %v: %s", want, safe(err, secretBytes, secretStrings))
	}
	NoLeak(t, "error", err.Error(), secretBytes, secretStrings...)
	return e
}

func safe(err error, secretBytes [][]byte, secretStrings []string) string {
	msg := err.Error()
	for _, s := range secretStrings {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[secret]")
		}
	}
	for _, b := range secretBytes {
		if len(b) > 0 && bytes.Contains([]byte(msg), b[:min(8, len(b))]) {
			return fmt.Sprintf("(%d-byte message not shown)", len(msg))
		}
	}
	return msg
}

// RedisKey is one key of a Redis dump.
type RedisKey struct {
	Key    string
	Type   string            // "string" or "hash"
	Value  []byte            // string value
	Fields map[string][]byte // hash fields
	Order  []string          // hash field order as dumped
}

// RedisDump parses a vectors/stores redis-*.txt dump.
func RedisDump(t testing.TB, name string) []RedisKey {
	t.Helper()
	var out []RedisKey
	sc := bufio.NewScanner(bytes.NewReader(Read(t, name)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "###") || strings.TrimSpace(line) == "":
			if strings.HasPrefix(line, "### read back") {
				return out
			}
		case !strings.HasPrefix(line, " "):
			key, rest, _ := strings.Cut(line, "  [")
			typ, _, _ := strings.Cut(rest, " ")
			out = append(out, RedisKey{Key: key, Type: typ, Fields: map[string][]byte{}})
		case len(out) > 0 && out[len(out)-1].Type == "string":
			v, err := PyBytes(strings.TrimSpace(line))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[len(out)-1].Value = v
		case len(out) > 0:
			f, v, _ := strings.Cut(strings.TrimSpace(line), " = ")
			v = v[:strings.LastIndex(v, "  (")]
			var b []byte
			var err error
			if strings.HasPrefix(v, "b'") {
				b, err = PyBytes(v)
			} else {
				b, err = hex.DecodeString(v)
			}
			if err != nil {
				t.Fatalf("%s: field %s: %v", name, f, err)
			}
			k := &out[len(out)-1]
			k.Fields[f] = b
			k.Order = append(k.Order, f)
		}
	}
	return out
}

// PyBytes parses a Python bytes literal b'…' (the escapes repr emits).
func PyBytes(s string) ([]byte, error) {
	if len(s) < 3 || s[0] != 'b' || (s[1] != '\'' && s[1] != '"') || s[len(s)-1] != s[1] {
		return nil, errors.New("not a bytes literal")
	}
	s = s[2 : len(s)-1]
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, errors.New("trailing backslash")
		}
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case '\\', '\'', '"':
			out = append(out, s[i])
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.New("short \\x escape")
			}
			n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, err
			}
			out = append(out, byte(n))
			i += 2
		default:
			return nil, fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return out, nil
}

// SQLDump is a parsed alchemy-*.txt dump: the DDL statements create_all
// emitted and the rows of each table, as Go values (string, int64, nil;
// auth_key and other hex columns stay hex strings).
type SQLDump struct {
	DDL  []string
	Rows map[string][]map[string]any
}

// ParseSQLDump parses a vectors/stores alchemy-*.txt dump.
func ParseSQLDump(t testing.TB, name string) SQLDump {
	t.Helper()
	d := SQLDump{Rows: map[string][]map[string]any{}}
	text := string(Read(t, name))
	ddl, rest, _ := strings.Cut(text, "### rows")
	if _, after, ok := strings.Cut(ddl, "### DDL"); ok {
		_, after, _ = strings.Cut(after, "\n")
		for _, stmt := range strings.Split(after, ";") {
			if st := strings.TrimSpace(stmt); strings.HasPrefix(st, "CREATE") {
				d.DDL = append(d.DDL, st)
			}
		}
	}
	rows, _, _ := strings.Cut(rest, "### read back")
	table := ""
	for _, line := range strings.Split(rows, "\n") {
		switch {
		case strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " "):
			table = strings.TrimSuffix(line, ":")
			d.Rows[table] = nil
		case strings.HasPrefix(strings.TrimSpace(line), "{"):
			row, err := pyDict(strings.TrimSpace(line))
			if err != nil {
				t.Fatalf("%s: %s: %v", name, table, err)
			}
			d.Rows[table] = append(d.Rows[table], row)
		}
	}
	return d
}

// pyDict parses a Python dict repr of str keys and str/int/None values.
func pyDict(s string) (map[string]any, error) {
	out := map[string]any{}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	for s != "" {
		s = strings.TrimLeft(s, ", ")
		k, rest, err := pyStr(s)
		if err != nil {
			return nil, err
		}
		rest = strings.TrimPrefix(rest, ": ")
		var v any
		switch {
		case strings.HasPrefix(rest, "'"), strings.HasPrefix(rest, "\""):
			v, rest, err = pyStr(rest)
			if err != nil {
				return nil, err
			}
		case strings.HasPrefix(rest, "None"):
			v, rest = nil, rest[4:]
		default:
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			n, err := strconv.ParseInt(rest[:end], 10, 64)
			if err != nil {
				return nil, err
			}
			v, rest = n, rest[end:]
		}
		out[k] = v
		s = rest
	}
	return out, nil
}

func pyStr(s string) (string, string, error) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", "", errors.New("not a string")
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", "", errors.New("unterminated string")
	}
	return s[1 : end+1], s[end+2:], nil
}

// TLSServer starts a loopback TLS server with a fresh self-signed
// certificate (which no client trusts) that completes handshakes and then
// closes the connection. It returns host:port.
func TLSServer(t testing.TB) string {
	t.Helper()
	cert, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
				_ = c.Close()
			}()
		}
	}()
	return l.Addr().String()
}

// PlainServer starts a loopback TCP server that answers every connection
// with reply at once (bytes that are not TLS) and closes it.
func PlainServer(t testing.TB, reply string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(reply))
			time.Sleep(50 * time.Millisecond)
			_ = c.Close()
		}
	}()
	return l.Addr().String()
}

// ClosedPort returns a loopback host:port where nothing listens.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// SilentServer starts a loopback server that accepts connections and never
// answers. It returns host:port.
func SilentServer(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return l.Addr().String()
}

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tgsession test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
