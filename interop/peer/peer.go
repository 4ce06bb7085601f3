// Package peer implements clients for the real-library peers that
// tgsession's interop tests talk to: long-running Telethon and Node
// (GramJS, mtcute, @mtcute/convert) processes speaking JSON lines on
// stdin/stdout.
//
// A test starts each peer once with [StartTelethon] or [StartNode] and then
// makes any number of [Client.Call]s. Nothing is started unless asked, so
// importing this package is free; the peers themselves are installed by
// interop/setup.sh (Debian python3-telethon, and the npm packages pinned in
// interop/package-lock.json).
//
// # Protocol
//
// Each request is one line, {"id": n, "op": "<name>", "args": {...}}; each
// response is one line, {"id": n, "result": {...}} or
// {"id": n, "error": "<ExceptionType>: <message>"}. A peer-side exception
// is returned by Call as an [*Error]; the process stays usable.
//
// Auth keys cross the pipe as lowercase hex. They are fake test keys, but
// callers must still keep them out of test-failure messages.
//
// # Telethon ops (interop/peers/telethon_peer.py, Telethon 1.25.1)
//
//	version          {} → {library, version, python}
//	telethon_decode  {text} → {dc_id, server_address, port, auth_key_hex, auth_key_id}
//	                 StringSession(text); nulls where Telethon holds nothing (an
//	                 all-zero key gives auth_key_hex null); auth_key_id is
//	                 Telethon's AuthKey.key_id (u64).
//	telethon_encode  {dc_id, server_address, port, auth_key_hex} → {text}
//	                 StringSession(); set_dc(); auth_key = AuthKey(key); save().
//	sqlite_write     {path, dc_id, server_address, port, auth_key_hex, takeout_id?,
//	                 entities?, update_states?} → {path}
//	                 Creates a new SQLiteSession file (refuses an existing path; a
//	                 path not ending in ".session" gets it appended, as Telethon
//	                 does; the returned path is the real one). Entities are stored
//	                 by SQLiteSession.process_entities on real TL objects:
//	                 {type:"user", id, access_hash, username?, phone?, first_name?,
//	                 last_name?, bot?}, {type:"chat", id, title},
//	                 {type:"channel", id, access_hash, title, username?, megagroup?}
//	                 (bare ids; Telethon stores marked ids, lower-cased usernames,
//	                 phones with INTEGER affinity, date = now). Update states:
//	                 {id (0 = account, else channel id), pts, qts, date (unix
//	                 seconds, may be fractional), seq}, via set_update_state.
//	sqlite_read      {path} → {path, version, dc_id, server_address, port,
//	                 auth_key_hex, auth_key_id, takeout_id, entities: [{id, hash,
//	                 username, phone, name, date, input_peer}], update_states:
//	                 [{id, pts, qts, date, seq}]}
//	                 Opens the file with SQLiteSession, which migrates an older
//	                 schema in place (Telethon's own behaviour: pass a copy if that
//	                 matters). A missing path is an error (Telethon would create
//	                 it). phone is returned as stored (number or string);
//	                 input_peer is the class get_input_entity(id) returns.
//
// # Node ops (interop/peers/node_peer.mjs)
//
//	version                     {} → {node, telegram, mtcute_core, mtcute_convert}
//	gramjs_decode               {text} → {dc_id, server_address, port, auth_key_hex, auth_key_id}
//	                            GramJS new StringSession(text) + load(); port is
//	                            GramJS's signed i16; auth_key_id a decimal string.
//	gramjs_encode               {dc_id, server_address, port, auth_key_hex} → {text}
//	                            GramJS setDC + AuthKey.setKey + save().
//	mtcute_read                 {text} → {version, main: DC, media: DC, media_is_main,
//	                            self: {user_id, is_bot} | null, auth_key_hex}
//	                            @mtcute/core readStringSession; media_is_main means no
//	                            separate media DC was stored.
//	mtcute_write                {main: DC, media: DC | null, self | null, auth_key_hex}
//	                            → {text} via writeStringSession (media null = same
//	                            object as main, so no media DC is written).
//	                            DC = {id, ip_address, port, ipv6, media_only, test_mode}
//	convert_parse_telethon      {text} → {dc_id, ip_address, ipv6, port, auth_key_hex}
//	convert_serialize_telethon  {dc_id, ip_address, ipv6, port, auth_key_hex} → {text}
//	convert_parse_gramjs        {text} → (as convert_parse_telethon)
//	convert_serialize_gramjs    (as convert_serialize_telethon)
//	convert_parse_pyrogram      {text} → {dc_id, api_id | null, is_test, user_id, is_bot,
//	                            auth_key_hex} (@mtcute/convert: fails on old-32 strings)
//	convert_serialize_pyrogram  {dc_id, api_id | null, is_test, user_id, is_bot,
//	                            auth_key_hex} → {text} (api_id null: old-64 layout)
//	convert                     {from, to, text, api_id?} → {text}: convertFrom<from>
//	                            then convertTo<to>; from/to in telethon, gramjs,
//	                            pyrogram, mtkruto, mtcute.
//	tdata_read                  {path, passcode?} → {version, count, order, active,
//	                            accounts: [{index, user_id (decimal string), main_dc,
//	                            keys: [{dc, auth_key_hex}], to_destroy}]}
//	                            @mtcute/convert Tdata.open + readMtpAuthorization per
//	                            listed index (AES-IGE from node:crypto, see node_ops.mjs).
package peer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// CallTimeout bounds a single [Client.Call]. A peer that does not answer in
// time is killed.
const CallTimeout = 30 * time.Second

// Error is an exception raised inside a peer, as "<ExceptionType>: <message>"
// (Python: "binascii.Error: Incorrect padding"; Node: "RangeError: …").
type Error struct {
	Peer, Op string
	// Msg is the peer's text, e.g. "struct.error: unpack requires a buffer
	// of 275 bytes".
	Msg string
}

// Error returns the peer, op and message, with long base64/hex-like runs and
// non-printable bytes redacted: some library messages quote the bytes they
// were reading (GramJS: "…; last read <bytes>"). Msg keeps the raw text.
func (e *Error) Error() string { return "peer " + e.Peer + ": " + e.Op + ": " + redact(e.Msg) }

// redact replaces every run of 16 or more base64/hex characters with its
// length, and every non-printable or non-ASCII byte with '?'.
func redact(s string) string {
	var b strings.Builder
	run := 0
	flush := func(end int) {
		if run >= 16 {
			fmt.Fprintf(&b, "[%d chars redacted]", run)
		} else {
			b.WriteString(s[end-run : end])
		}
		run = 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/' || c == '-' || c == '_' || c == '=' {
			run++
			continue
		}
		flush(i)
		if c < ' ' || c > '~' {
			c = '?'
		}
		b.WriteByte(c)
	}
	flush(len(s))
	return b.String()
}

// Client is a running peer process. Its methods are safe for concurrent use;
// calls are serialized.
type Client struct {
	name     string
	versions map[string]string

	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan []byte
	stderr *tailBuffer
	nextID int64
	dead   error
}

// Name returns "telethon" or "node".
func (c *Client) Name() string { return c.name }

// Versions returns what the peer's version op reported, e.g.
// {"library": "Telethon", "version": "1.25.1", "python": "3.11.2"} or
// {"node": …, "telegram": "2.26.22", "mtcute_core": "0.29.7", "mtcute_convert": "0.29.7"}.
func (c *Client) Versions() map[string]string { return c.versions }

// Dir returns the absolute path of the interop directory (the one holding
// setup.sh, peers/ and node_modules/).
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Dir(filepath.Dir(file))
}

// StartTelethon starts the Telethon peer with Debian's /usr/bin/python3 (or
// $TGSESSION_PYTHON) and stops it when t ends. It fails t, naming
// interop/setup.sh, if the peer cannot start.
func StartTelethon(t testing.TB) *Client {
	t.Helper()
	py := os.Getenv("TGSESSION_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	script := filepath.Join(Dir(), "peers", "telethon_peer.py")
	return start(t, "telethon", py, "-I", script)
}

// StartNode starts the Node peer (GramJS, @mtcute/core, @mtcute/convert) with
// node from $PATH (or $TGSESSION_NODE) and stops it when t ends. It fails t,
// naming interop/setup.sh, if the peer cannot start.
func StartNode(t testing.TB) *Client {
	t.Helper()
	node := os.Getenv("TGSESSION_NODE")
	if node == "" {
		node = "node"
	}
	dir := Dir()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "telegram")); err != nil {
		t.Fatalf("peer node: interop/node_modules is not installed (%v): run `bash interop/setup.sh`", err)
	}
	return start(t, "node", node, filepath.Join(dir, "peers", "node_peer.mjs"))
}

func start(t testing.TB, name, prog string, args ...string) *Client {
	t.Helper()
	if _, err := exec.LookPath(prog); err != nil {
		t.Fatalf("peer %s: %s not found (%v): run `bash interop/setup.sh`", name, prog, err)
	}
	c, err := Start(name, prog, args...)
	if err != nil {
		t.Fatalf("peer %s: %v: run `bash interop/setup.sh`", name, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Start starts a peer process outside a test. Most callers want
// [StartTelethon] or [StartNode]. The caller must call [Client.Close].
func Start(name, prog string, args ...string) (*Client, error) {
	cmd := exec.Command(prog, args...)
	cmd.Dir = Dir()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &Client{name: name, cmd: cmd, stdin: stdin, lines: make(chan []byte, 1), stderr: &tailBuffer{max: 4096}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		r := bufio.NewReaderSize(stdout, 64<<10)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				c.lines <- line
			}
			if err != nil {
				close(c.lines)
				return
			}
		}
	}()
	var v map[string]string
	if err := c.Call("version", nil, &v); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("version handshake failed: %w", err)
	}
	c.versions = v
	return c, nil
}

// Call sends op with args (any JSON-marshalable value; nil for none) and
// decodes the result into out (nil to discard). An exception inside the peer
// is returned as an [*Error]; a dead or hung peer as another error, after
// which every later call fails too.
func (c *Client) Call(op string, args any, out any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return c.dead
	}
	c.nextID++
	id := c.nextID
	req, err := json.Marshal(struct {
		ID   int64  `json:"id"`
		Op   string `json:"op"`
		Args any    `json:"args"`
	}{id, op, args})
	if err != nil {
		return fmt.Errorf("peer %s: %s: encoding request: %w", c.name, op, err)
	}
	req = append(req, '\n')
	if _, err := c.stdin.Write(req); err != nil {
		return c.fail(op, fmt.Errorf("writing request: %w", err))
	}
	var line []byte
	select {
	case l, ok := <-c.lines:
		if !ok {
			return c.fail(op, errors.New("peer exited"))
		}
		line = l
	case <-time.After(CallTimeout):
		_ = c.cmd.Process.Kill()
		return c.fail(op, fmt.Errorf("no answer within %v", CallTimeout))
	}
	var resp struct {
		ID     int64           `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *string         `json:"error"`
	}
	if err := json.Unmarshal(line, &resp); err != nil {
		// Do not quote the line: it may hold key hex.
		return c.fail(op, fmt.Errorf("malformed response (%d bytes): %v", len(line), err))
	}
	if resp.ID != id {
		return c.fail(op, fmt.Errorf("response id %d, want %d", resp.ID, id))
	}
	if resp.Error != nil {
		return &Error{Peer: c.name, Op: op, Msg: *resp.Error}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Result, out); err != nil {
		return fmt.Errorf("peer %s: %s: decoding result: %w", c.name, op, err)
	}
	return nil
}

func (c *Client) fail(op string, err error) error {
	c.dead = fmt.Errorf("peer %s: %s: %w (stderr: %s)", c.name, op, err, redact(c.stderr.String()))
	return c.dead
}

// Close stops the peer: it closes its stdin, waits up to 5 s for it to exit,
// then kills it.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead == nil {
		c.dead = fmt.Errorf("peer %s: closed", c.name)
	}
	_ = c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		return <-done
	}
}

// tailBuffer keeps the last max bytes written to it (a peer's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
