package fleet

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestCheckSealedAcceptsOnlySealedForms(t *testing.T) {
	for _, ok := range []string{"tgsession-age-v1:AAAA", "age-encryption.org/v1\n-> X25519 x", "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl"} {
		if err := CheckSealed([]byte(ok)); err != nil {
			t.Errorf("%q: %v", ok[:10], err)
		}
	}
	for _, bad := range []string{"", "1BVtsOKABu", "{\"dc_id\":2}", "tgsession-ag", "AGE-SECRET-KEY-1"} {
		if err := CheckSealed([]byte(bad)); !errors.Is(err, ErrNotSealed) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestErrorsNameNoSealedBytes(t *testing.T) {
	secret := "tgsession-age-v1:SECRETSECRETSECRET"
	e := &Entry{Meta: Meta{Name: "bot", AuthKeyID: "0123456789abcdef", Size: len(secret) + 1, Digest: Digest([]byte(secret))}, Sealed: []byte(secret)}
	for _, err := range []error{CheckDigest(e), VerifyOpened(e, "fedcba9876543210"), CheckSealed([]byte("SECRETSECRET"))} {
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Fatalf("error %v", err)
		}
	}
	e.Size = len(secret)
	if err := CheckDigest(e); err != nil {
		t.Fatal(err)
	}
	e.Sealed = []byte("tgsession-age-v1:SECRETSECRETSECREX")
	if err := CheckDigest(e); !errors.Is(err, ErrTampered) {
		t.Fatalf("same size, other bytes: %v", err)
	}
}

func TestHeldErrorNamesTheHolder(t *testing.T) {
	err := error(&Error{Backend: "redis", Op: "acquire", Name: "bot-1", Err: &HeldError{Holder: "host-a/pid 12", Token: 9, Expires: 1500 * time.Millisecond}})
	if !errors.Is(err, ErrHeld) {
		t.Fatal("not ErrHeld")
	}
	h, ok := errors.AsType[*HeldError](err)
	if !ok || h.Holder != "host-a/pid 12" {
		t.Fatal("no HeldError")
	}
	if msg := err.Error(); !strings.Contains(msg, `"host-a/pid 12"`) || !strings.Contains(msg, `"bot-1"`) || !strings.Contains(msg, "1.5s") {
		t.Fatalf("message %q", msg)
	}
}

func TestCheckMetaRefusesIdentitiesAndBadIDs(t *testing.T) {
	good := Meta{Name: "a", AuthKeyID: "0123456789abcdef", Recipients: []string{"age1xyz"}, Labels: map[string]string{"k": "v"}}
	if err := CheckMeta(good); err != nil {
		t.Fatal(err)
	}
	bad := []Meta{
		{Name: "a", AuthKeyID: "0123456789ABCDEF"},
		{Name: "a", AuthKeyID: "0123456789abcdeg"},
		{Name: "a", AuthKeyID: "0123456789abcdef", Recipients: []string{"age-secret-key-1abc"}},
		{Name: "a", AuthKeyID: "0123456789abcdef", Labels: map[string]string{"": "v"}},
		{Name: "a", AuthKeyID: "0123456789abcdef", Labels: map[string]string{"k": "v\x00"}},
		{Name: strings.Repeat("n", MaxNameLen+1), AuthKeyID: "0123456789abcdef"},
	}
	for i, m := range bad {
		if err := CheckMeta(m); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
}

func TestLeaseDeadlineOnlyMovesForward(t *testing.T) {
	t0 := time.Now()
	l := NewLease("a", "h", 1, 10*time.Second, "v", t0.Add(10*time.Second), t0)
	l.Renewed(t0.Add(20*time.Second), t0.Add(5*time.Second))
	if got := l.Deadline().Sub(t0); got != 15*time.Second {
		t.Fatalf("deadline t0+%v", got)
	}
	l.Renewed(t0.Add(20*time.Second), t0.Add(2*time.Second)) // a late answer to an older request
	if got := l.Deadline().Sub(t0); got != 15*time.Second {
		t.Fatalf("deadline moved back to t0+%v", got)
	}
	if strings.Contains(l.String(), "v\"") || !strings.Contains(l.String(), "token 1") {
		t.Fatalf("String %q", l.String())
	}
}

// The root package holds no driver; importing codec, compat or vault pulls
// no fleet package either.
func TestFleetRootPullsNoDriver(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipped: no go command")
	}
	drivers := []string{"github.com/jackc/pgx", "github.com/redis/go-redis", "github.com/go-sql-driver/mysql", "go.mongodb.org/mongo-driver"}
	for _, pkg := range []string{"fleet", "codec", "compat", "vault"} {
		out, err := exec.Command("go", "list", "-deps", "github.com/tgsession/tgsession/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, d := range drivers {
				if strings.HasPrefix(dep, d) {
					t.Errorf("%s imports %s", pkg, dep)
				}
			}
			if pkg != "fleet" && strings.HasPrefix(dep, "github.com/tgsession/tgsession/fleet") {
				t.Errorf("%s imports %s", pkg, dep)
			}
		}
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/tgsession/tgsession/fleet/pgfleet").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "github.com/jackc/pgx/v5") {
		t.Fatalf("go list fleet/pgfleet: %v", err)
	}
}
