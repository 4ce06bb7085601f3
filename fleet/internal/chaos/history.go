// Package chaos is the contention test of the fleet backends: worker
// processes (the test binary re-executed) acquire, use, write back and
// release sessions while the test SIGKILLs them, cuts their connections
// and restarts the server; Check verifies the recorded history.
package chaos

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Event is one line of a worker's log. Times are Unix nanoseconds of the
// machine's wall clock (every process runs on the same machine).
//
//	A name token sent ack      acquired (request sent, answer received)
//	R name token value         value read right after acquiring
//	W name token seq value     write-back sent
//	K name token seq           write-back acknowledged
//	F name token seq           write-back fenced
//	E name token at reason deadline
//	                           stopped using the session (reason: done,
//	                           stop, late = released unused)
type Event struct {
	Kind   string
	Worker int
	Name   string
	Token  uint64
	Seq    int
	T1, T2 int64
	Value  string
}

// Hold is one acquisition as the history shows it.
type Hold struct {
	Worker       int
	Name         string
	Token        uint64
	Start, End   int64 // from the acquire's answer to the end of use (or the kill)
	Sent         int64 // acquire request sent
	Killed       bool
	Read         string
	Writes       []Write
	EndedByStop  bool
	PastDeadline bool
	// Careless holds ignore their deadline on purpose: their overlaps are
	// counted apart, and their stale write-backs must be fenced (a stale
	// write that got through shows up as a lost write).
	Careless bool
	Late     bool // acquired with too little time left, released unused
}

// Write is one write-back.
type Write struct {
	Seq    int
	Value  string
	Acked  bool
	Fenced bool
}

// Report sums up a run.
type Report struct {
	Acquisitions, WriteBacks, Acked, Fenced, Kills, KilledHolders, Stops int
	Overlaps, TokenOrder, LostWrites, UsedPastDeadline                   int
	Restarts, Cuts, Pauses, CarelessOverlaps                             int
	Takeovers                                                            int
	MaxTakeover                                                          time.Duration
	SlowTakeovers                                                        int
	Violations                                                           []string
}

// ReadLog parses one worker's log; a torn last line (the worker was killed
// mid-write) is ignored.
func ReadLog(r io.Reader, worker int) ([]Event, error) {
	var out []Event
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	// The last element follows the last newline: empty, or a line torn by
	// a SIGKILL in the middle of its write, which is ignored.
	lines = lines[:len(lines)-1]
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		e := Event{Kind: f[0], Worker: worker}
		ok := true
		num := func(i int) int64 {
			if i >= len(f) {
				ok = false
				return 0
			}
			n, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				ok = false
			}
			return n
		}
		switch e.Kind {
		case "A":
			e.Name, e.Token, e.T1, e.T2 = field(f, 1), uint64(num(2)), num(3), num(4)
			ok = ok && len(f) == 5
		case "R":
			e.Name, e.Token, e.Value = field(f, 1), uint64(num(2)), field(f, 3)
			ok = ok && len(f) == 4
		case "W":
			e.Name, e.Token, e.Seq, e.Value = field(f, 1), uint64(num(2)), int(num(3)), field(f, 4)
			ok = ok && len(f) == 5
		case "K", "F":
			e.Name, e.Token, e.Seq = field(f, 1), uint64(num(2)), int(num(3))
			ok = ok && len(f) == 4
		case "E":
			e.Name, e.Token, e.T1, e.Value = field(f, 1), uint64(num(2)), num(3), field(f, 4)
			e.T2 = num(5) // local deadline at the end of use
			ok = ok && len(f) == 6
		default:
			ok = false
		}
		if !ok {
			return nil, fmt.Errorf("worker %d: malformed line %q", worker, line)
		}
		out = append(out, e)
	}
	return out, nil
}

func field(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// ReadLogFile reads a worker's log file.
func ReadLogFile(path string, worker int) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLog(f, worker)
}

// Holds assembles the acquisitions from each worker's events (in log
// order); a worker's kill time ends the hold it had open.
func Holds(workers map[int][]Event, kills map[int]int64) []*Hold {
	var holds []*Hold
	for w, events := range workers {
		var cur *Hold
		for _, e := range events {
			switch e.Kind {
			case "A":
				cur = &Hold{Worker: w, Name: e.Name, Token: e.Token, Start: e.T2, Sent: e.T1, End: -1}
				holds = append(holds, cur)
			case "R":
				if cur != nil && cur.Token == e.Token {
					cur.Read = e.Value
				}
			case "W":
				if cur != nil && cur.Token == e.Token {
					cur.Writes = append(cur.Writes, Write{Seq: e.Seq, Value: e.Value})
				}
			case "K", "F":
				if cur != nil && cur.Token == e.Token {
					for i := range cur.Writes {
						if cur.Writes[i].Seq == e.Seq {
							cur.Writes[i].Acked = e.Kind == "K"
							cur.Writes[i].Fenced = e.Kind == "F"
						}
					}
				}
			case "E":
				if cur != nil && cur.Token == e.Token {
					cur.End = e.T1
					cur.EndedByStop = e.Value == "stop"
					cur.PastDeadline = e.T1 > e.T2
					if e.Value == "late" {
						// Acquired too late to begin: never used.
						cur.End, cur.PastDeadline, cur.Late = cur.Start, false, true
					}
					cur = nil
				}
			}
		}
		if cur != nil {
			if k, ok := kills[w]; ok {
				cur.End, cur.Killed = k, true
			} else {
				cur.End = 1<<63 - 1 // never ended: still in use
			}
		}
	}
	sort.Slice(holds, func(i, j int) bool { return holds[i].Token < holds[j].Token })
	return holds
}

// Check verifies the history: no two holds of one session overlap in
// time, tokens order the holds as time does, every value read after an
// acquisition is the latest acknowledged write-back or newer, nobody used
// a session past its local deadline, and a killed holder's session was
// taken over within ttl+bound (when the run lasted that long: end).
func Check(holds []*Hold, ttl, bound time.Duration, end int64) Report {
	var r Report
	bySession := map[string][]*Hold{}
	for _, h := range holds {
		bySession[h.Name] = append(bySession[h.Name], h)
		r.Acquisitions++
		if h.Killed {
			r.KilledHolders++
		}
		if h.EndedByStop {
			r.Stops++
		}
		for _, w := range h.Writes {
			r.WriteBacks++
			if w.Acked {
				r.Acked++
			}
			if w.Fenced {
				r.Fenced++
			}
		}
		if h.PastDeadline && !h.Careless {
			r.UsedPastDeadline++
			r.Violations = append(r.Violations, fmt.Sprintf("%s token %d: used past its local deadline", h.Name, h.Token))
		}
	}
	names := make([]string, 0, len(bySession))
	for n := range bySession {
		names = append(names, n)
	}
	sort.Strings(names)
	type wkey struct {
		tok uint64
		seq int
	}
	less := func(a, b wkey) bool { return a.tok < b.tok || a.tok == b.tok && a.seq < b.seq }
	for _, name := range names {
		hs := bySession[name] // sorted by token
		written := map[string]wkey{InitialValue(name): {}}
		var floor wkey
		for i, h := range hs {
			if i > 0 {
				p := hs[i-1]
				if p.Token == h.Token {
					r.TokenOrder++
					r.Violations = append(r.Violations, fmt.Sprintf("%s: token %d granted twice", name, h.Token))
				}
				if p.Sent >= h.Start {
					r.TokenOrder++
					r.Violations = append(r.Violations, fmt.Sprintf("%s: token %d acquired before token %d was asked for", name, h.Token, p.Token))
				}
				// Any earlier hold, not only the previous one, must have ended.
				for _, q := range hs[:i] {
					if q.End > h.Start && (q.Careless || h.Careless) {
						r.CarelessOverlaps++
						continue
					}
					if q.End > h.Start {
						r.Overlaps++
						r.Violations = append(r.Violations, fmt.Sprintf("%s: token %d (worker %d) in use until %s after token %d (worker %d) started",
							name, q.Token, q.Worker, time.Duration(q.End-h.Start), h.Token, h.Worker))
					}
				}
				if p.Killed {
					r.Takeovers++
					d := time.Duration(h.Start - p.End)
					r.MaxTakeover = max(r.MaxTakeover, d)
					if d > ttl+bound {
						r.SlowTakeovers++
						r.Violations = append(r.Violations, fmt.Sprintf("%s: taken over %v after its holder was killed (bound %v)", name, d, ttl+bound))
					}
				}
			}
			if h.Read != "" {
				k, ok := written[h.Read]
				switch {
				case !ok:
					r.LostWrites++
					r.Violations = append(r.Violations, fmt.Sprintf("%s token %d read a value nobody wrote before it", name, h.Token))
				case k.tok >= h.Token:
					r.LostWrites++
					r.Violations = append(r.Violations, fmt.Sprintf("%s token %d read a value written by token %d", name, h.Token, k.tok))
				case less(k, floor):
					r.LostWrites++
					r.Violations = append(r.Violations, fmt.Sprintf("%s token %d read the write (%d, %d), older than the acknowledged (%d, %d)", name, h.Token, k.tok, k.seq, floor.tok, floor.seq))
				}
			}
			for _, w := range h.Writes {
				k := wkey{h.Token, w.Seq}
				written[w.Value] = k
				if w.Acked && less(floor, k) {
					floor = k
				}
			}
		}
		if last := hs[len(hs)-1]; last.Killed && time.Duration(end-last.End) > ttl+bound {
			r.SlowTakeovers++
			r.Violations = append(r.Violations, fmt.Sprintf("%s: never taken over after its holder was killed", name))
		}
	}
	return r
}

// InitialValue is the sealed stand-in a session starts with.
func InitialValue(name string) string { return "tgsession-age-v1:init-" + name }

// WriteValue is the sealed stand-in a write-back stores.
func WriteValue(name string, tok uint64, seq int) string {
	return fmt.Sprintf("tgsession-age-v1:%s-%d-%d", name, tok, seq)
}
