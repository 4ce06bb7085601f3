//go:build linux

// Command holder is the subject of tgsession's memory-dump test
// (fuzz/memdump/run.sh). It is a test program, not part of tgsession.
//
//	holder seal DIR       make a fresh random session, seal it to a fresh
//	                      X25519 identity, write DIR/key.bin (the raw key),
//	                      DIR/sealed.txt and DIR/identity.txt (all 0600),
//	                      and exit
//	holder open           open the sealed value in $TGSESSION_MEMDUMP_SEALED
//	                      with the identity in $TGSESSION_AGE_KEY through
//	                      vault.OpenEnv (the key goes into a memguard
//	                      enclave), use the key once, print
//	                      "auth_key_id=<hex>" and "ready", and block
//	holder ephemeral      as open, with the CLI's KeySearch.Ephemeral: the
//	                      key stays in one locked, read-only memguard
//	                      buffer (excluded from core dumps) until Destroy
//	holder plain          the negative control: open the same way, then keep
//	                      the key in ordinary memory as raw bytes, lowercase
//	                      and uppercase hex, and standard and URL-safe
//	                      base64 (padded and not, and inside a Telethon
//	                      session string), print the same lines, and block
//	holder search CORE KEYFILE MAPS [IDENTITYFILE]
//	                      search the core file for the key in every
//	                      representation and print the hits per
//	                      representation, with the memory mapping each hit
//	                      lies in (from the copy of /proc/PID/maps), then
//	                      one "HITS<TAB>representation<TAB>count" line per
//	                      representation; exit 1 if there is any hit, 0 if
//	                      none. With IDENTITYFILE, also count copies of
//	                      the age identity text (information only: Go's
//	                      copy of the environment cannot be wiped)
//
// MEMDUMP_NO_GC=1 skips the two garbage collections before "ready" (a
// debugging aid). The sealing step runs in its own process so that the copies it makes
// (the random key, the codec.AuthKey, age's encryption buffers) are not in
// the process that is dumped: only opening is under test.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"debug/elf"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

const sealedVar = "TGSESSION_MEMDUMP_SEALED"

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "seal":
		if len(os.Args) != 3 {
			usage()
		}
		err = seal(os.Args[2])
	case "open":
		err = hold(false, false)
	case "ephemeral":
		err = hold(false, true)
	case "plain":
		err = hold(true, false)
	case "search":
		if len(os.Args) != 5 && len(os.Args) != 6 {
			usage()
		}
		idFile := ""
		if len(os.Args) == 6 {
			idFile = os.Args[5]
		}
		var hits int
		hits, err = search(os.Args[2], os.Args[3], os.Args[4], idFile)
		if err == nil && hits > 0 {
			os.Exit(1)
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "holder: error:", err)
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: holder seal DIR | holder open | holder plain | holder search CORE KEYFILE MAPS [IDENTITYFILE]")
	os.Exit(2)
}

func seal(dir string) error {
	raw := make([]byte, codec.AuthKeySize)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	key, err := codec.NewAuthKey(raw)
	if err != nil {
		return err
	}
	s := &codec.Session{
		Info: codec.Info{
			Source:        codec.Telethon,
			Layout:        "ipv4",
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			IPv6:          codec.Some(false),
		},
		Key: key,
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	vs, err := vault.NewSession(s)
	if err != nil {
		return err
	}
	sealed, err := vs.Seal(vault.FormText, id.Recipient())
	vs.Destroy()
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		"key.bin":      raw,
		"sealed.txt":   sealed,
		"identity.txt": []byte(id.String()),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// plainCopies is where the negative control keeps the key: reachable, so
// that the garbage collector keeps every representation alive.
var plainCopies [][]byte

func hold(plain, ephemeral bool) error {
	// Timings go to stderr, which run.sh shows only when something fails.
	start := time.Now()
	ids, err := (&vault.KeySearch{Env: true, ScrubEnv: true, Ephemeral: ephemeral}).Find()
	if err != nil {
		return err
	}
	s, err := vault.OpenEnv(sealedVar, ids)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "holder: opened in %v\n", time.Since(start))
	// Use the key once, as a program would (a locked buffer is opened and
	// destroyed around the call).
	var sum byte
	if err := s.WithKey(func(k *[codec.AuthKeySize]byte) error {
		for _, b := range k {
			sum ^= b
		}
		if plain {
			raw := bytes.Clone(k[:])
			lower := hex.EncodeToString(raw)
			payload := append([]byte{2, 149, 154, 167, 51, 1, 187}, raw...)
			plainCopies = append(plainCopies,
				raw,
				[]byte(lower),
				[]byte(strings.ToUpper(lower)),
				[]byte(base64.StdEncoding.EncodeToString(raw)),
				[]byte(base64.RawStdEncoding.EncodeToString(raw)),
				[]byte(base64.URLEncoding.EncodeToString(raw)),
				[]byte(base64.RawURLEncoding.EncodeToString(raw)),
				[]byte("1"+base64.URLEncoding.EncodeToString(payload)),
			)
		}
		return nil
	}); err != nil {
		return err
	}
	// Let time pass as in a long-running process: the garbage collector
	// runs (it does not clear what it frees; with GOEXPERIMENT=runtimesecret
	// it erases what was allocated under runtime/secret.Do).
	if os.Getenv("MEMDUMP_NO_GC") == "" {
		runtime.GC()
		runtime.GC()
	}
	fmt.Fprintf(os.Stderr, "holder: ready after %v\n", time.Since(start))
	id := s.KeyID()
	fmt.Printf("auth_key_id=%s sum=%d\nready\n", id, sum)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	runtime.KeepAlive(plainCopies)
	s.Destroy()
	return nil
}

// needle is one byte string searched for, labelled with the representation
// it belongs to.
type needle struct {
	rep string
	b   []byte
}

// needles returns, for each representation of key, 32-byte pieces at five
// offsets (any partial copy of 32 bytes or more at those places is found),
// plus the whole encoding.
func needles(key []byte) []needle {
	var out []needle
	add := func(rep string, s []byte) {
		out = append(out, needle{rep, s})
		for _, off := range []int{0, len(s) / 4, len(s) / 2, 3 * len(s) / 4, len(s) - 32} {
			if off >= 0 && off+32 <= len(s) {
				out = append(out, needle{rep, s[off : off+32]})
			}
		}
	}
	add("raw", key)
	lower := hex.EncodeToString(key)
	add("hex", []byte(lower))
	add("HEX", []byte(strings.ToUpper(lower)))
	for i := 0; i < 3; i++ {
		// The key base64-encoded on its own (i = 0, as in gotd JSON) or as
		// part of a longer payload (i = 1, 2: Telethon and Pyrogram
		// strings put it at other alignments). Unpadded needles match
		// padded text too.
		tag := ""
		if i > 0 {
			tag = fmt.Sprintf(" (key at payload offset ≡ %d mod 3)", 3-i)
		}
		add("base64-std"+tag, []byte(base64.RawStdEncoding.EncodeToString(key[i:])))
		add("base64-url"+tag, []byte(base64.RawURLEncoding.EncodeToString(key[i:])))
	}
	return out
}

type mapping struct {
	lo, hi uint64
	line   string
}

func readMaps(path string) ([]mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		r, _, _ := strings.Cut(line, " ")
		lo, hi, ok := strings.Cut(r, "-")
		if !ok {
			continue
		}
		a, err1 := strconv.ParseUint(lo, 16, 64)
		b, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil {
			out = append(out, mapping{a, b, line})
		}
	}
	return out, sc.Err()
}

// search prints, per representation, how many needles were found and
// where, and returns the total number of hits.
func search(corePath, keyPath, mapsPath, idPath string) (int, error) {
	key, err := os.ReadFile(keyPath)
	if err != nil {
		return 0, err
	}
	if len(key) != codec.AuthKeySize {
		return 0, fmt.Errorf("%s: want %d bytes", keyPath, codec.AuthKeySize)
	}
	core, unmap, err := mapFile(corePath)
	if err != nil {
		return 0, err
	}
	defer unmap()
	ef, err := elf.NewFile(bytes.NewReader(core))
	if err != nil {
		return 0, fmt.Errorf("%s is not an ELF core file: %w", corePath, err)
	}
	maps, err := readMaps(mapsPath)
	if err != nil {
		return 0, err
	}
	// where maps a file offset to a virtual address and its mapping.
	where := func(off int) string {
		for _, p := range ef.Progs {
			if p.Type == elf.PT_LOAD && uint64(off) >= p.Off && uint64(off) < p.Off+p.Filesz {
				va := p.Vaddr + uint64(off) - p.Off
				for _, m := range maps {
					if va >= m.lo && va < m.hi {
						return fmt.Sprintf("0x%x in %s", va, m.line)
					}
				}
				return fmt.Sprintf("0x%x (no mapping)", va)
			}
		}
		return fmt.Sprintf("file offset %d (not in a PT_LOAD segment)", off)
	}

	type result struct {
		needles, hits int
		places        map[string]int
	}
	runs := nonZeroRuns(core)
	results := map[string]*result{}
	var reps []string
	total := 0
	for _, n := range needles(key) {
		r := results[n.rep]
		if r == nil {
			r = &result{places: map[string]int{}}
			results[n.rep] = r
			reps = append(reps, n.rep)
		}
		r.needles++
		for _, run := range runs {
			for off := run[0]; ; {
				i := bytes.Index(core[off:run[1]], n.b)
				if i < 0 {
					break
				}
				r.hits++
				total++
				r.places[where(off+i)]++
				off += i + 1
			}
		}
	}
	scanned := 0
	for _, r := range runs {
		scanned += r[1] - r[0]
	}
	fmt.Printf("searched %s: %d bytes, %d of them outside all-zero pages\n", filepath.Base(corePath), len(core), scanned)
	for _, rep := range reps {
		r := results[rep]
		fmt.Printf("  %-50s %d hit(s) for %d needles\n", rep, r.hits, r.needles)
		places := make([]string, 0, len(r.places))
		for p := range r.places {
			places = append(places, p)
		}
		sort.Strings(places)
		for _, p := range places {
			fmt.Printf("      %3d× at %s\n", r.places[p], p)
		}
	}
	if idPath != "" {
		id, err := os.ReadFile(idPath)
		if err != nil {
			return 0, err
		}
		id = bytes.TrimSpace(id)
		// The bech32 data after "AGE-SECRET-KEY-1", in both cases.
		data := id[bytes.LastIndexByte(id, '-')+2:]
		n := 0
		for _, nd := range [][]byte{data, bytes.ToLower(data)} {
			for _, run := range runs {
				n += bytes.Count(core[run[0]:run[1]], nd)
			}
		}
		fmt.Printf("  (information) age identity text: %d cop(ies)\n", n)
	}
	for _, rep := range reps {
		fmt.Printf("HITS\t%s\t%d\n", rep, results[rep].hits)
	}
	return total, nil
}

// mapFile maps the file at path read-only (core files are large: Go
// reserves address space that gcore writes out as zeros).
func mapFile(path string) ([]byte, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() == 0 {
		return nil, func() {}, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() { _ = syscall.Munmap(b) }, nil
}

// nonZeroRuns returns the [start, end) ranges of b outside all-zero 4 KiB
// pages, each widened by 64 bytes on both sides so that a needle that
// starts or ends with zero bytes next to a zero page is still found. All
// needles are at most 512 bytes and only their zero bytes can lie in a
// zero page, so nothing is missed.
func nonZeroRuns(b []byte) [][2]int {
	const page, margin = 4096, 512
	var zero [page]byte
	var runs [][2]int
	start := -1
	for off := 0; off < len(b); off += page {
		end := min(off+page, len(b))
		if bytes.Equal(b[off:end], zero[:end-off]) {
			if start >= 0 {
				runs = append(runs, [2]int{max(start-margin, 0), min(off+margin, len(b))})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = off
		}
	}
	if start >= 0 {
		runs = append(runs, [2]int{max(start-margin, 0), len(b)})
	}
	return runs
}
