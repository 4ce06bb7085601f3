package chaos

import (
	"strings"
	"testing"
	"time"
)

const ms = int64(time.Millisecond)

func parse(t *testing.T, logs map[int]string) map[int][]Event {
	out := map[int][]Event{}
	for w, l := range logs {
		ev, err := ReadLog(strings.NewReader(l), w)
		if err != nil {
			t.Fatal(err)
		}
		out[w] = ev
	}
	return out
}

func TestCheckAcceptsACleanHandOver(t *testing.T) {
	w := parse(t, map[int]string{
		1: "A s 1 0 10000000\nR s 1 " + InitialValue("s") + "\nW s 1 1 " + WriteValue("s", 1, 1) + "\nK s 1 1\nE s 1 50000000 done 900000000\n",
		2: "A s 2 40000000 60000000\nR s 2 " + WriteValue("s", 1, 1) + "\nE s 2 70000000 done 900000000\n",
	})
	r := Check(Holds(w, nil), time.Second, time.Second, 100*ms)
	if len(r.Violations) != 0 || r.Acquisitions != 2 || r.Acked != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestCheckFindsOverlappingHolders(t *testing.T) {
	w := parse(t, map[int]string{
		1: "A s 1 0 10000000\nE s 1 80000000 done 900000000\n",
		2: "A s 2 40000000 60000000\nE s 2 90000000 done 900000000\n",
	})
	r := Check(Holds(w, nil), time.Second, time.Second, 100*ms)
	if r.Overlaps != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestCheckFindsAKilledHolderOverlappingItsSuccessor(t *testing.T) {
	w := parse(t, map[int]string{
		1: "A s 1 0 10000000\n",
		2: "A s 2 40000000 60000000\nE s 2 90000000 done 900000000\n",
	})
	r := Check(Holds(w, map[int]int64{1: 70 * ms}), time.Second, time.Second, 100*ms)
	if r.Overlaps != 1 || r.KilledHolders != 1 {
		t.Fatalf("%+v", r)
	}
	r = Check(Holds(w, map[int]int64{1: 50 * ms}), time.Second, time.Second, 100*ms)
	if r.Overlaps != 0 || r.Takeovers != 1 || r.MaxTakeover != 10*time.Millisecond {
		t.Fatalf("%+v", r)
	}
}

func TestCheckFindsALostWriteBack(t *testing.T) {
	w := parse(t, map[int]string{
		1: "A s 1 0 10000000\nW s 1 1 " + WriteValue("s", 1, 1) + "\nK s 1 1\nW s 1 2 " + WriteValue("s", 1, 2) + "\nK s 1 2\nE s 1 50000000 done 900000000\n",
		2: "A s 2 60000000 70000000\nR s 2 " + WriteValue("s", 1, 1) + "\nE s 2 80000000 done 900000000\n",
		3: "A s 3 85000000 90000000\nR s 3 tgsession-age-v1:from-nowhere\nE s 3 95000000 done 900000000\n",
	})
	r := Check(Holds(w, nil), time.Second, time.Second, 100*ms)
	if r.LostWrites != 2 {
		t.Fatalf("%+v", r)
	}
}

func TestCheckAcceptsAnUnacknowledgedWriteThatLanded(t *testing.T) {
	w := parse(t, map[int]string{
		1: "A s 1 0 10000000\nW s 1 1 " + WriteValue("s", 1, 1) + "\n",
		2: "A s 2 60000000 70000000\nR s 2 " + WriteValue("s", 1, 1) + "\nE s 2 80000000 done 900000000\n",
	})
	r := Check(Holds(w, map[int]int64{1: 20 * ms}), time.Second, time.Second, 100*ms)
	if len(r.Violations) != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestCheckFindsTokensOutOfTimeOrderAndSlowTakeovers(t *testing.T) {
	w := parse(t, map[int]string{
		1: "A s 2 0 10000000\nE s 2 20000000 done 900000000\n",
		2: "A s 1 30000000 40000000\nE s 1 50000000 done 900000000\n",
		3: "A t 3 0 10000000\n",
		4: "A t 4 5000000000 5000000001\nE t 4 5000000002 done 9000000000\n",
	})
	r := Check(Holds(w, map[int]int64{3: 20 * ms}), time.Second, time.Second, 6000*ms)
	if r.TokenOrder == 0 || r.SlowTakeovers != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestCheckFindsUseAfterTheDeadline(t *testing.T) {
	w := parse(t, map[int]string{1: "A s 1 0 10000000\nE s 1 50000000 stop 40000000\n"})
	if r := Check(Holds(w, nil), time.Second, time.Second, 100*ms); r.UsedPastDeadline != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestReadLogIgnoresATornLastLine(t *testing.T) {
	ev, err := ReadLog(strings.NewReader("A s 1 0 10\nW s 1 1 tgs"), 1)
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	if _, err := ReadLog(strings.NewReader("A s 1 0\nE s 1 5 done 9\n"), 1); err == nil {
		t.Fatal("a torn line in the middle was accepted")
	}
}

func TestCheckCountsCarelessOverlapsApartButCatchesTheirAcceptedStaleWrites(t *testing.T) {
	w := parse(t, map[int]string{
		// Worker 1 is careless: paused past its TTL, it wrote once more
		// after worker 2 took over, and the store accepted it.
		1: "A s 1 0 10000000\nW s 1 1 " + WriteValue("s", 1, 1) + "\nK s 1 1\nW s 1 2 " + WriteValue("s", 1, 2) + "\nK s 1 2\nE s 1 300000000 done 100000000\n",
		2: "A s 2 150000000 160000000\nR s 2 " + WriteValue("s", 1, 1) + "\nW s 2 1 " + WriteValue("s", 2, 1) + "\nK s 2 1\nE s 2 250000000 done 900000000\n",
		3: "A s 3 400000000 410000000\nR s 3 " + WriteValue("s", 1, 2) + "\nE s 3 450000000 done 900000000\n",
	})
	holds := Holds(w, nil)
	for _, h := range holds {
		h.Careless = h.Worker == 1
	}
	r := Check(holds, time.Second, time.Second, 500*ms)
	if r.Overlaps != 0 || r.UsedPastDeadline != 0 || r.CarelessOverlaps != 1 || r.LostWrites == 0 {
		t.Fatalf("%+v", r)
	}
}
