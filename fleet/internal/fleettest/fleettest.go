// Package fleettest is the behaviour every fleet backend shares, run by
// each backend's tests against its real server.
package fleettest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// Backend is what a backend's test gives the suite.
type Backend struct {
	// Open returns a store on a fresh, empty namespace (key prefix,
	// schema) that the backend's test cleans up. Two calls in one test
	// return stores on the same namespace.
	Open func(t *testing.T) fleet.Store
	// OpenClock is Open with a local clock (for the skew test).
	OpenClock func(t *testing.T, c fleet.Clock) fleet.Store
	// Tamper overwrites the stored sealed bytes of name behind the
	// store's back (an attacker or a corruption on the server).
	Tamper func(t *testing.T, name string, sealed []byte)
	// Forge sets the session's live lease to a value that is not a lease
	// this package granted (another program writing the lease key/row).
	Forge func(t *testing.T, name, holder string, ttl time.Duration)
}

// Sealed returns a fake sealed value: the single-line form's prefix and
// random bytes (the store never opens it).
func Sealed() []byte {
	b := make([]byte, 300)
	_, _ = rand.Read(b)
	return []byte("tgsession-age-v1:" + base64.RawURLEncoding.EncodeToString(b))
}

// KeyID returns a random auth_key_id.
func KeyID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// Meta returns metadata for name.
func Meta(name string) fleet.Meta {
	return fleet.Meta{Name: name, AuthKeyID: KeyID(), Labels: map[string]string{"env": "test"},
		Recipients: []string{"age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func put(t *testing.T, s fleet.Store, name string) []byte {
	t.Helper()
	sealed := Sealed()
	if err := s.Put(ctx(t), Meta(name), sealed, false); err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	return sealed
}

// eventually retries f until it returns nil or 10 s pass (no wall-clock
// assertion: the bound is only there so a broken store fails the test).
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s: still failing after 10 s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Run runs the shared behaviour.
func Run(t *testing.T, b Backend) {
	t.Run("PutGetRoundTripsMetadataAndSealedBytes", func(t *testing.T) {
		s := b.Open(t)
		m := Meta("bot-1")
		sealed := Sealed()
		if err := s.Put(ctx(t), m, sealed, false); err != nil {
			t.Fatal(err)
		}
		e, err := s.Get(ctx(t), "bot-1")
		if err != nil {
			t.Fatal(err)
		}
		testsecret.RequireSameBytes(t, sealed, e.Sealed)
		if e.Name != "bot-1" || e.AuthKeyID != m.AuthKeyID || e.Labels["env"] != "test" || !slices.Equal(e.Recipients, m.Recipients) {
			t.Fatalf("metadata: got name %q akid %s labels %v recipients %v", e.Name, e.AuthKeyID, e.Labels, e.Recipients)
		}
		if e.Size != len(sealed) || e.Digest != fleet.Digest(sealed) || e.Created.IsZero() || e.Updated.Before(e.Created) || e.Lease != nil || e.Fence != 0 {
			t.Fatalf("store fields: size %d digest %s created %v updated %v lease %v fence %d", e.Size, e.Digest, e.Created, e.Updated, e.Lease, e.Fence)
		}
		if _, err := s.Get(ctx(t), "nope"); !errors.Is(err, fleet.ErrNotFound) {
			t.Fatalf("get missing: %v", err)
		}
	})
	t.Run("PutRefusesExistingUnlessReplaceAndReplaceRefusesLeased", func(t *testing.T) {
		s := b.Open(t)
		put(t, s, "a")
		if err := s.Put(ctx(t), Meta("a"), Sealed(), false); !errors.Is(err, fleet.ErrExists) {
			t.Fatalf("put existing: %v", err)
		}
		newer := Sealed()
		if err := s.Put(ctx(t), Meta("a"), newer, true); err != nil {
			t.Fatal(err)
		}
		e, err := s.Get(ctx(t), "a")
		if err != nil {
			t.Fatal(err)
		}
		testsecret.RequireSameBytes(t, newer, e.Sealed)
		l, err := s.Acquire(ctx(t), "a", "h1", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var held *fleet.HeldError
		if err := s.Put(ctx(t), Meta("a"), Sealed(), true); !errors.As(err, &held) || held.Holder != "h1" {
			t.Fatalf("replace leased: %v", err)
		}
		if err := s.Release(ctx(t), l); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("PutRefusesPlaintextAndBadMetadata", func(t *testing.T) {
		s := b.Open(t)
		cases := []struct {
			m      fleet.Meta
			sealed []byte
			want   error
		}{
			{Meta("p"), []byte("1BVtsOKABu1234567890"), fleet.ErrNotSealed},
			{Meta("p"), nil, fleet.ErrNotSealed},
			{Meta("p"), make([]byte, fleet.MaxSealedSize+1), fleet.ErrTooLarge},
			{fleet.Meta{Name: "p", AuthKeyID: "ABCDEF0123456789"}, Sealed(), fleet.ErrBadValue},
			{fleet.Meta{Name: "p", AuthKeyID: "0123"}, Sealed(), fleet.ErrBadValue},
			{fleet.Meta{Name: "", AuthKeyID: KeyID()}, Sealed(), fleet.ErrBadName},
			{fleet.Meta{Name: "a\nb", AuthKeyID: KeyID()}, Sealed(), fleet.ErrBadName},
			{fleet.Meta{Name: "a\xffb", AuthKeyID: KeyID()}, Sealed(), fleet.ErrBadName},
			{fleet.Meta{Name: "p", AuthKeyID: KeyID(), Recipients: []string{"AGE-SECRET-KEY-1XYZ"}}, Sealed(), fleet.ErrBadValue},
		}
		for i, c := range cases {
			if err := s.Put(ctx(t), c.m, c.sealed, false); !errors.Is(err, c.want) {
				t.Errorf("case %d: got %v, want %v", i, err, c.want)
			}
		}
		if _, err := s.Get(ctx(t), "p"); !errors.Is(err, fleet.ErrNotFound) {
			t.Fatalf("a refused put stored something: %v", err)
		}
		put(t, s, "q")
		if _, err := s.Acquire(ctx(t), "q", "h", time.Millisecond); !errors.Is(err, fleet.ErrBadValue) {
			t.Fatalf("ttl 1ms: %v", err)
		}
		if _, err := s.Acquire(ctx(t), "q", "", time.Second); !errors.Is(err, fleet.ErrBadValue) {
			t.Fatalf("empty holder: %v", err)
		}
	})
	t.Run("ListPagesInNameOrderWithLeaseState", func(t *testing.T) {
		s := b.Open(t)
		var want []string
		for i := range 25 {
			n := fmt.Sprintf("pool/%02d", i)
			want = append(want, n)
			put(t, s, n)
		}
		for i := range 5 {
			put(t, s, fmt.Sprintf("other/%d", i))
		}
		put(t, s, "pool") // the prefix itself, without the slash, is outside "pool/"
		l, err := s.Acquire(ctx(t), "pool/07", "worker-7", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		after, pages := "", 0
		for {
			p, err := s.List(ctx(t), fleet.ListOptions{Prefix: "pool/", After: after, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, e := range p.Entries {
				got = append(got, e.Name)
				if e.Sealed != nil {
					t.Fatalf("list returned sealed bytes for %s", e.Name)
				}
				if e.Name == "pool/07" {
					if e.Lease == nil || e.Lease.Holder != "worker-7" || e.Lease.Token != l.Token || e.Lease.Expires <= 0 || e.Fence != l.Token {
						t.Fatalf("lease state of pool/07: %+v fence %d", e.Lease, e.Fence)
					}
				} else if e.Lease != nil {
					t.Fatalf("%s shows a lease", e.Name)
				}
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if !slices.Equal(got, want) || pages != 3 {
			t.Fatalf("got %d names in %d pages: %v", len(got), pages, got)
		}
		p, err := s.List(ctx(t), fleet.ListOptions{})
		if err != nil || len(p.Entries) != 31 || p.Next != "" {
			t.Fatalf("list all: %v, %d entries", err, len(p.Entries))
		}
		if _, err := s.List(ctx(t), fleet.ListOptions{Limit: fleet.MaxPageSize + 1}); !errors.Is(err, fleet.ErrTooLarge) {
			t.Fatalf("oversized page: %v", err)
		}
	})
	t.Run("AcquireRefusesWhileHeldNamingTheHolderAndTokensGrow", func(t *testing.T) {
		s := b.Open(t)
		put(t, s, "a")
		put(t, s, "b")
		l1, err := s.Acquire(ctx(t), "a", "host-1/pid-10", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var held *fleet.HeldError
		_, err = s.Acquire(ctx(t), "a", "host-2/pid-20", time.Minute)
		if !errors.As(err, &held) || !errors.Is(err, fleet.ErrHeld) || held.Holder != "host-1/pid-10" || held.Token != l1.Token || held.Expires <= 0 {
			t.Fatalf("second acquire: %v", err)
		}
		// Even the same holder name cannot take it twice.
		if _, err := s.Acquire(ctx(t), "a", "host-1/pid-10", time.Minute); !errors.Is(err, fleet.ErrHeld) {
			t.Fatalf("same holder again: %v", err)
		}
		l2, err := s.Acquire(ctx(t), "b", "x", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx(t), l1); err != nil {
			t.Fatal(err)
		}
		l3, err := s.Acquire(ctx(t), "a", "host-2/pid-20", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !(l1.Token < l2.Token && l2.Token < l3.Token) {
			t.Fatalf("tokens do not grow: %d %d %d", l1.Token, l2.Token, l3.Token)
		}
		if l3.Value == l1.Value {
			t.Fatal("two acquisitions share a lease value")
		}
		if _, err := s.Acquire(ctx(t), "missing", "x", time.Minute); !errors.Is(err, fleet.ErrNotFound) {
			t.Fatalf("acquire missing: %v", err)
		}
		for _, l := range []*fleet.Lease{l2, l3} {
			if err := s.Release(ctx(t), l); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("ReleasedOrForeignLeaseIsLostAndItsWriteBackFenced", func(t *testing.T) {
		s := b.Open(t)
		put(t, s, "a")
		l, err := s.Acquire(ctx(t), "a", "h", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		// A lease value that is not ours: same name and token, other value.
		fake := fleet.NewLease("a", "h", l.Token, l.TTL, l.Value+"x", time.Time{}, time.Now())
		if err := s.Renew(ctx(t), fake); !errors.Is(err, fleet.ErrLost) {
			t.Fatalf("renew foreign value: %v", err)
		}
		if err := s.Release(ctx(t), fake); !errors.Is(err, fleet.ErrLost) {
			t.Fatalf("release foreign value: %v", err)
		}
		if err := s.Renew(ctx(t), l); err != nil {
			t.Fatalf("the real lease was disturbed: %v", err)
		}
		if err := s.Release(ctx(t), l); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx(t), l); !errors.Is(err, fleet.ErrLost) {
			t.Fatalf("second release: %v", err)
		}
		if err := s.Renew(ctx(t), l); !errors.Is(err, fleet.ErrLost) {
			t.Fatalf("renew after release: %v", err)
		}
		// Released but nobody acquired since: the token is still the latest.
		if err := s.WriteBack(ctx(t), l, KeyID(), Sealed()); err != nil {
			t.Fatalf("write-back with the latest token: %v", err)
		}
		l2, err := s.Acquire(ctx(t), "a", "h2", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WriteBack(ctx(t), l, KeyID(), Sealed()); !errors.Is(err, fleet.ErrFenced) {
			t.Fatalf("stale write-back: %v", err)
		}
		stale := fleet.NewLease("a", "h", l2.Token-1, l2.TTL, l2.Value, time.Time{}, time.Now())
		if err := s.WriteBack(ctx(t), stale, KeyID(), Sealed()); !errors.Is(err, fleet.ErrFenced) {
			t.Fatalf("write-back with an older token and the live value: %v", err)
		}
		if err := s.Release(ctx(t), l2); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ExpiredLeaseIsTakenOverAndTheOldHolderFenced", func(t *testing.T) {
		s := b.Open(t)
		put(t, s, "a")
		old, err := s.Acquire(ctx(t), "a", "old", 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		var l *fleet.Lease
		eventually(t, "takeover", func() error {
			var err error
			l, err = s.Acquire(ctx(t), "a", "new", time.Minute)
			if err != nil && !errors.Is(err, fleet.ErrHeld) {
				t.Fatalf("acquire: %v", err)
			}
			return err
		})
		if l.Token <= old.Token {
			t.Fatalf("token %d after %d", l.Token, old.Token)
		}
		if err := s.Renew(ctx(t), old); !errors.Is(err, fleet.ErrLost) {
			t.Fatalf("renew expired: %v", err)
		}
		if err := s.WriteBack(ctx(t), old, KeyID(), Sealed()); !errors.Is(err, fleet.ErrFenced) {
			t.Fatalf("write-back by the old holder: %v", err)
		}
		mine, akid := Sealed(), KeyID()
		if err := s.WriteBack(ctx(t), l, akid, mine); err != nil {
			t.Fatal(err)
		}
		e, err := s.Get(ctx(t), "a")
		if err != nil {
			t.Fatal(err)
		}
		testsecret.RequireSameBytes(t, mine, e.Sealed)
		if e.AuthKeyID != akid || e.Fence != l.Token || e.Lease == nil || e.Lease.Holder != "new" {
			t.Fatalf("after write-back: akid %s fence %d lease %+v", e.AuthKeyID, e.Fence, e.Lease)
		}
		if err := s.Release(ctx(t), l); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("RenewKeepsTheLeasePastItsTTL", func(t *testing.T) {
		s := b.Open(t)
		put(t, s, "a")
		// Renewing every sixth of the TTL keeps the lease for 1.33 TTL
		// (a margin of 2.5 s for a loaded machine).
		l, err := s.Acquire(ctx(t), "a", "h", 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		exp := l.Expires()
		for range 8 {
			time.Sleep(500 * time.Millisecond)
			if err := s.Renew(ctx(t), l); err != nil {
				t.Fatalf("renew: %v", err)
			}
			if _, err := s.Acquire(ctx(t), "a", "other", time.Minute); !errors.Is(err, fleet.ErrHeld) {
				t.Fatalf("other holder during a renewed lease: %v", err)
			}
		}
		if !l.Expires().After(exp) {
			t.Fatalf("expiry did not move: %v then %v", exp, l.Expires())
		}
		if err := s.Release(ctx(t), l); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("AcquireAnyClaimsEachFreeSessionOfThePoolOnce", func(t *testing.T) {
		s := b.Open(t)
		for _, n := range []string{"pool-a", "pool-b", "pool-c", "poom", "other"} {
			put(t, s, n)
		}
		seen := map[string]*fleet.Lease{}
		for i := range 3 {
			l, err := s.AcquireAny(ctx(t), "pool-", fmt.Sprint("w", i), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if seen[l.Name] != nil {
				t.Fatalf("%s claimed twice", l.Name)
			}
			seen[l.Name] = l
		}
		if len(seen) != 3 || seen["pool-a"] == nil || seen["pool-b"] == nil || seen["pool-c"] == nil {
			t.Fatalf("claimed %v", seen)
		}
		if _, err := s.AcquireAny(ctx(t), "pool-", "w9", time.Minute); !errors.Is(err, fleet.ErrNoFree) {
			t.Fatalf("exhausted pool: %v", err)
		}
		if _, err := s.AcquireAny(ctx(t), "nothing-", "w9", time.Minute); !errors.Is(err, fleet.ErrNoFree) {
			t.Fatalf("empty pool: %v", err)
		}
		if err := s.Release(ctx(t), seen["pool-b"]); err != nil {
			t.Fatal(err)
		}
		l, err := s.AcquireAny(ctx(t), "pool-", "w9", time.Minute)
		if err != nil || l.Name != "pool-b" || l.Holder != "w9" {
			t.Fatalf("after a release: %v %v", l, err)
		}
		if _, err := s.AcquireAny(ctx(t), "", "w10", time.Minute); err != nil {
			t.Fatalf("pool of everything: %v", err)
		}
	})
	t.Run("DeleteRefusesLeasedSessions", func(t *testing.T) {
		s := b.Open(t)
		put(t, s, "a")
		l, err := s.Acquire(ctx(t), "a", "h", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx(t), "a"); !errors.Is(err, fleet.ErrHeld) {
			t.Fatalf("delete leased: %v", err)
		}
		if err := s.Release(ctx(t), l); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx(t), "a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx(t), "a"); !errors.Is(err, fleet.ErrNotFound) {
			t.Fatalf("get deleted: %v", err)
		}
		if err := s.Delete(ctx(t), "a"); !errors.Is(err, fleet.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		p, err := s.List(ctx(t), fleet.ListOptions{})
		if err != nil || len(p.Entries) != 0 {
			t.Fatalf("list after delete: %v %d", err, len(p.Entries))
		}
		// A re-created session does not restart the tokens: the deleted
		// one's holder stays fenced.
		put(t, s, "a")
		l2, err := s.Acquire(ctx(t), "a", "h", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if l2.Token <= l.Token {
			t.Fatalf("token %d after re-creation, was %d", l2.Token, l.Token)
		}
		if err := s.WriteBack(ctx(t), l, KeyID(), Sealed()); !errors.Is(err, fleet.ErrFenced) {
			t.Fatalf("write-back from the deleted session's lease: %v", err)
		}
		_ = s.Release(ctx(t), l2)
	})
	t.Run("ResealReplacesValueAndRecipientsUnderTheLeaseOnly", func(t *testing.T) {
		s := b.Open(t)
		put(t, s, "a")
		l, err := s.Acquire(ctx(t), "a", "h", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		// Put with replace is refused while leased: rekey must go through
		// the lease.
		if err := s.Put(ctx(t), Meta("a"), Sealed(), true); !errors.Is(err, fleet.ErrHeld) {
			t.Fatalf("replace while leased: %v", err)
		}
		recips := []string{"age1zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "age1yyyy"}
		sealed, akid := Sealed(), KeyID()
		if err := s.Reseal(ctx(t), l, akid, []string{"AGE-SECRET-KEY-1XYZ"}, sealed); !errors.Is(err, fleet.ErrBadValue) {
			t.Fatalf("reseal to an identity: %v", err)
		}
		if err := s.Reseal(ctx(t), l, akid, recips, sealed); err != nil {
			t.Fatal(err)
		}
		e, err := s.Get(ctx(t), "a")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(e.Sealed, sealed) || e.AuthKeyID != akid || !slices.Equal(e.Recipients, recips) || e.Labels["env"] != "test" {
			t.Fatalf("after reseal: akid %s recipients %v labels %v", e.AuthKeyID, e.Recipients, e.Labels)
		}
		// WriteBack keeps the recorded recipients.
		if err := s.WriteBack(ctx(t), l, akid, Sealed()); err != nil {
			t.Fatal(err)
		}
		if e, err = s.Get(ctx(t), "a"); err != nil || !slices.Equal(e.Recipients, recips) {
			t.Fatalf("after write-back: %v %v", err, e)
		}
		if err := s.Release(ctx(t), l); err != nil {
			t.Fatal(err)
		}
		l2, err := s.Acquire(ctx(t), "a", "h2", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Reseal(ctx(t), l, akid, recips[:1], Sealed()); !errors.Is(err, fleet.ErrFenced) {
			t.Fatalf("reseal with a stale token: %v", err)
		}
		if err := s.Reseal(ctx(t), fleet.NewLease("nope", "h", l2.Token, time.Minute, "v", time.Time{}, time.Now()), akid, recips, Sealed()); !errors.Is(err, fleet.ErrNotFound) {
			t.Fatalf("reseal of a missing session: %v", err)
		}
		_ = s.Release(ctx(t), l2)
	})
	t.Run("TamperedSealedBytesAreRefused", func(t *testing.T) {
		s := b.Open(t)
		sealed := put(t, s, "a")
		bad := append([]byte(nil), sealed...)
		bad[len(bad)-5] ^= 1
		b.Tamper(t, "a", bad)
		if _, err := s.Get(ctx(t), "a"); !errors.Is(err, fleet.ErrTampered) {
			t.Fatalf("get flipped bit: %v", err)
		}
		b.Tamper(t, "a", sealed[:len(sealed)-1])
		if _, err := s.Get(ctx(t), "a"); !errors.Is(err, fleet.ErrTampered) {
			t.Fatalf("get truncated: %v", err)
		}
		b.Tamper(t, "a", sealed)
		e, err := s.Get(ctx(t), "a")
		if err != nil {
			t.Fatal(err)
		}
		if err := fleet.VerifyOpened(e, KeyID()); !errors.Is(err, fleet.ErrTampered) {
			t.Fatalf("auth_key_id mismatch: %v", err)
		}
		if err := fleet.VerifyOpened(e, e.AuthKeyID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ForeignLeaseValueIsReportedNotTrusted", func(t *testing.T) {
		s := b.Open(t)
		put(t, s, "a")
		b.Forge(t, "a", "intruder", time.Minute)
		_, err := s.Acquire(ctx(t), "a", "h", time.Minute)
		if !errors.Is(err, fleet.ErrHeld) {
			t.Fatalf("acquire over a foreign lease: %v", err)
		}
	})
	t.Run("ClockSkewBetweenHoldersDoesNotMatter", func(t *testing.T) {
		ahead := b.OpenClock(t, skewed{time.Hour})
		behind := b.OpenClock(t, skewed{-time.Hour})
		put(t, ahead, "a")
		l, err := ahead.Acquire(ctx(t), "a", "ahead", 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// The holder whose clock is an hour behind would think the lease
		// long expired if the expiry were the holder's wall time.
		if _, err := behind.Acquire(ctx(t), "a", "behind", time.Second); !errors.Is(err, fleet.ErrHeld) {
			t.Fatalf("acquire by a holder whose clock is behind: %v", err)
		}
		sup, err := fleet.Supervise(ahead, l, fleet.SuperviseOptions{Clock: skewed{time.Hour}, Stop: func(err error) { t.Errorf("stopped: %v", err) }})
		if err != nil {
			t.Fatal(err)
		}
		for range 8 {
			time.Sleep(500 * time.Millisecond) // 4 s: past the TTL, kept by renewals
			if _, err := behind.Acquire(ctx(t), "a", "behind", time.Second); !errors.Is(err, fleet.ErrHeld) {
				t.Fatalf("acquire during a supervised lease: %v", err)
			}
		}
		if err := sup.Close(); err != nil {
			t.Fatal(err)
		}
		if err := ahead.Release(ctx(t), l); err != nil {
			t.Fatal(err)
		}
		// And the server's expiry is the server's time plus the TTL, not the
		// holder's clock.
		l2, err := behind.Acquire(ctx(t), "a", "behind", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(l2.Expires()); d < -time.Minute || d > time.Minute {
			t.Fatalf("server expiry %v from now: taken from a skewed clock?", d)
		}
		_ = behind.Release(ctx(t), l2)
	})
}

// skewed is the system clock shifted by an offset, keeping the monotonic
// reading (as a machine whose wall clock is wrong).
type skewed struct{ d time.Duration }

func (s skewed) Now() time.Time { return time.Now().Add(s.d) }
func (s skewed) Timer(d time.Duration) (<-chan time.Time, func()) {
	return fleet.SystemClock{}.Timer(d)
}
