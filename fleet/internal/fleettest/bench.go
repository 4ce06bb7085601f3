package fleettest

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/vault"
)

// Bench runs the backend benchmarks on a store with an empty namespace.
func Bench(b *testing.B, s fleet.Store) {
	ctx := context.Background()
	b.Run("AcquireRelease", func(b *testing.B) {
		if err := s.Put(ctx, Meta("bench-ar"), Sealed(), true); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			l, err := s.Acquire(ctx, "bench-ar", "bench", time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Release(ctx, l); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("OpenLeasedSession", func(b *testing.B) {
		// End to end: acquire, get the sealed value, open it with vault
		// (age X25519), check its auth_key_id against the metadata,
		// destroy, release.
		raw := make([]byte, codec.AuthKeySize)
		_, _ = rand.Read(raw)
		key, err := codec.NewAuthKey(raw)
		if err != nil {
			b.Fatal(err)
		}
		cs := &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: key}
		id, _ := age.GenerateX25519Identity()
		vs, err := vault.NewSession(cs)
		if err != nil {
			b.Fatal(err)
		}
		sealed, err := vs.Seal(vault.FormText, id.Recipient())
		vs.Destroy()
		if err != nil {
			b.Fatal(err)
		}
		m := Meta("bench-open")
		m.AuthKeyID = cs.AuthKeyID().String()
		if err := s.Put(ctx, m, sealed, true); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			l, err := s.Acquire(ctx, "bench-open", "bench", time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			e, err := s.Get(ctx, "bench-open")
			if err != nil {
				b.Fatal(err)
			}
			vs, err := vault.Open(e.Sealed, id)
			if err != nil {
				b.Fatal(err)
			}
			if err := fleet.VerifyOpened(e, vs.KeyID().String()); err != nil {
				b.Fatal(err)
			}
			vs.Destroy()
			if err := s.Release(ctx, l); err != nil {
				b.Fatal(err)
			}
		}
	})
	const n = 10000
	fill(b, s, "list/", n)
	for _, page := range []int{1000, n} {
		b.Run(fmt.Sprintf("List%dPage%d", n, page), func(b *testing.B) {
			for b.Loop() {
				got, after := 0, ""
				for {
					p, err := s.List(ctx, fleet.ListOptions{Prefix: "list/", After: after, Limit: page})
					if err != nil {
						b.Fatal(err)
					}
					got += len(p.Entries)
					if p.Next == "" {
						break
					}
					after = p.Next
				}
				if got != n {
					b.Fatalf("listed %d", got)
				}
			}
			b.ReportMetric(float64(n), "entries/op")
		})
	}
}

func fill(b *testing.B, s fleet.Store, prefix string, n int) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if err := s.Put(context.Background(), Meta(fmt.Sprintf("%s%05d", prefix, i)), Sealed(), true); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}
