// Package userstoretest is the conformance suite every webauthnhttp.UserStore
// passes, in particular under concurrency (issue 21): credential state is
// updated with a compare-and-set, so concurrent sign-ins never move a counter
// backwards; concurrent registrations for one account lose none and add none
// past the limit; a credential deleted during a sign-in is not written back.
package userstoretest

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// Store is a UserStore under test that can also delete a credential.
type Store interface {
	webauthnhttp.UserStore
	DeleteCredential(ctx context.Context, handle, id []byte) error
}

// NewStore returns an empty store; it is called once per subtest.
type NewStore func(t *testing.T) Store

// Goroutines is how many concurrent callers the race tests use.
const Goroutines = 16

func cred(handle []byte, id string) *webauthn.Credential {
	return &webauthn.Credential{ID: []byte(id), PublicKey: []byte{0xa0}, UserHandle: handle}
}

// Run runs the suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	t.Run("CreateLookup", func(t *testing.T) {
		s := newStore(t)
		h := []byte("handle-alice")
		if err := s.Create(ctx, "alice", h, cred(h, "c1")); err != nil {
			t.Fatal(err)
		}
		a, err := s.Lookup(ctx, "alice")
		if err != nil || a.Name != "alice" || !bytes.Equal(a.Handle, h) || len(a.Credentials) != 1 || string(a.Credentials[0].ID) != "c1" {
			t.Fatalf("Lookup = %+v, %v", a, err)
		}
		if err := s.Create(ctx, "alice", []byte("other"), cred([]byte("other"), "c2")); !errors.Is(err, webauthnhttp.ErrUserExists) {
			t.Fatalf("second Create of a name: %v", err)
		}
		if err := s.Create(ctx, "bob", []byte("handle-bob"), cred([]byte("handle-bob"), "c1")); !errors.Is(err, webauthnhttp.ErrCredentialExists) {
			t.Fatalf("Create with a registered credential ID: %v", err)
		}
		if _, err := s.Lookup(ctx, "bob"); !errors.Is(err, webauthnhttp.ErrUserNotFound) {
			t.Fatalf("a failed Create made an account: %v", err)
		}
	})

	t.Run("ConcurrentSignIns", func(t *testing.T) {
		// Goroutines sign-ins judged against counter 0 race to store
		// counters 1..Goroutines: each retries on conflict as the handler
		// does (raise to the max); the largest is what remains.
		s := newStore(t)
		h := []byte("handle-alice")
		if err := s.Create(ctx, "alice", h, cred(h, "c1")); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		conflicts := make([]int, Goroutines)
		for i := range Goroutines {
			wg.Go(func() {
				prev := webauthnhttp.CredentialState{}
				for range 4 * Goroutines {
					next := webauthnhttp.CredentialState{SignCount: max(uint32(i+1), prev.SignCount)}
					cur, ok, err := s.UpdateCredential(ctx, h, []byte("c1"), prev, next)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						return
					}
					conflicts[i]++
					prev = cur
				}
				t.Error("no progress after many conflicts")
			})
		}
		wg.Wait()
		c, _, err := s.Credential(ctx, h, []byte("c1"))
		if err != nil {
			t.Fatal(err)
		}
		if c.SignCount != Goroutines {
			t.Fatalf("stored counter %d after counters 1..%d, want %d", c.SignCount, Goroutines, Goroutines)
		}
	})

	t.Run("StaleWriteRefused", func(t *testing.T) {
		// A write judged against a state that changed is not applied, and
		// the current state is returned for judging again.
		s := newStore(t)
		h := []byte("handle-alice")
		if err := s.Create(ctx, "alice", h, cred(h, "c1")); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.UpdateCredential(ctx, h, []byte("c1"), webauthnhttp.CredentialState{}, webauthnhttp.CredentialState{SignCount: 9, BackupState: true}); !ok || err != nil {
			t.Fatalf("first update: %v %v", ok, err)
		}
		cur, ok, err := s.UpdateCredential(ctx, h, []byte("c1"), webauthnhttp.CredentialState{}, webauthnhttp.CredentialState{SignCount: 5})
		if ok || err != nil || cur.SignCount != 9 || !cur.BackupState {
			t.Fatalf("stale update: ok %v err %v current %+v", ok, err, cur)
		}
		c, _, _ := s.Credential(ctx, h, []byte("c1"))
		if c.SignCount != 9 || !c.BackupState {
			t.Fatalf("stored %+v after a refused stale write", c)
		}
	})

	t.Run("ConcurrentRegistrations", func(t *testing.T) {
		// Goroutines registrations of distinct passkeys for one account at
		// once: every one that succeeds is listed, none is lost, and the
		// account never holds more than MaxCredentialsPerUser.
		s := newStore(t)
		h := []byte("handle-alice")
		if err := s.Create(ctx, "alice", h, cred(h, "first")); err != nil {
			t.Fatal(err)
		}
		n := webauthnhttp.MaxCredentialsPerUser + Goroutines
		ok := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				err := s.AddCredential(ctx, h, cred(h, "c"+strconv.Itoa(i)))
				switch {
				case err == nil:
					ok[i] = true
				case !errors.Is(err, webauthnhttp.ErrTooManyCredentials):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		a, err := s.Lookup(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		added := 0
		for i, o := range ok {
			if !o {
				continue
			}
			added++
			found := false
			for _, c := range a.Credentials {
				found = found || string(c.ID) == "c"+strconv.Itoa(i)
			}
			if !found {
				t.Errorf("registration %d succeeded but is not listed", i)
			}
		}
		if len(a.Credentials) != webauthnhttp.MaxCredentialsPerUser || added != webauthnhttp.MaxCredentialsPerUser-1 {
			t.Fatalf("account holds %d credentials, %d additions succeeded; want %d and %d",
				len(a.Credentials), added, webauthnhttp.MaxCredentialsPerUser, webauthnhttp.MaxCredentialsPerUser-1)
		}
	})

	t.Run("DeleteRacingSignIn", func(t *testing.T) {
		// A sign-in judged before the credential was deleted does not
		// write it back.
		s := newStore(t)
		h := []byte("handle-alice")
		if err := s.Create(ctx, "alice", h, cred(h, "c1")); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := s.DeleteCredential(ctx, h, []byte("c1")); err != nil {
				t.Error(err)
			}
		})
		for i := range Goroutines {
			wg.Go(func() {
				_, _, err := s.UpdateCredential(ctx, h, []byte("c1"), webauthnhttp.CredentialState{}, webauthnhttp.CredentialState{SignCount: uint32(i + 1)})
				if err != nil && !errors.Is(err, webauthnhttp.ErrUserNotFound) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if _, _, err := s.Credential(ctx, h, []byte("c1")); !errors.Is(err, webauthnhttp.ErrUserNotFound) {
			t.Fatalf("deleted credential is back: %v", err)
		}
		if _, _, err := s.UpdateCredential(ctx, h, []byte("c1"), webauthnhttp.CredentialState{}, webauthnhttp.CredentialState{SignCount: 1}); !errors.Is(err, webauthnhttp.ErrUserNotFound) {
			t.Fatalf("update of a deleted credential: %v", err)
		}
	})
}
