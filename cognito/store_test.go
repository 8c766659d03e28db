package cognito

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cognito/internal/pgtemp"
)

// The store conformance suite runs against every Store: in memory, a
// SQLite file, and a real PostgreSQL server the tests start (pgtemp). When
// PostgreSQL is not installed the PostgreSQL run is skipped loudly, unless
// CI is set, in which case it fails: CI must never pass by skipping.

var (
	pgOnce   sync.Once
	pgServer *pgtemp.Server
	pgErr    error
	pgDBs    atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgServer != nil {
		pgServer.Stop()
	}
	os.Exit(code)
}

func ciSet() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// openPostgres returns a Store on a fresh database of the shared test
// server.
func openPostgres(t testing.TB) Store {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgErr = pgtemp.Start(context.Background()) })
	if errors.Is(pgErr, pgtemp.ErrNotInstalled) {
		if ciSet() {
			t.Fatalf("FAIL: %v, and CI=%s forbids skipping", pgErr, os.Getenv("CI"))
		}
		bar := strings.Repeat("!", 78)
		fmt.Fprintf(os.Stderr, "%s\n!!! SKIP: %v: the PostgreSQL store tests did NOT run\n%s\n", bar, pgErr, bar)
		t.Skip("SKIPPED: ", pgErr)
	}
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	ctx := context.Background()
	dsn, err := pgServer.NewDatabase(ctx, fmt.Sprintf("t%d", pgDBs.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openMemory(t testing.TB) Store {
	st, err := OpenMemory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openSQLiteFile(t testing.TB) Store {
	st, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "cognito.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var storeBackends = []struct {
	name string
	open func(testing.TB) Store
}{
	{"memory", openMemory},
	{"sqlite", openSQLiteFile},
	{"postgres", openPostgres},
}

func TestStores(t *testing.T) {
	for _, b := range storeBackends {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range storeCases {
				t.Run(c.name, func(t *testing.T) { c.run(t, b.open(t)) })
			}
		})
	}
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testUser(pool, name string) *UserRecord {
	return &UserRecord{Pool: pool, Username: name, Sub: newUUID(), PasswordHash: "h", Status: StatusUnconfirmed, Enabled: true,
		Attributes: []Attribute{{Name: "email", Value: name + "@example.com"}}, Created: epoch, Modified: epoch}
}

func testCredential(pool, sub string, id string, created time.Time) *CredentialRecord {
	return &CredentialRecord{Pool: pool, ID: []byte(id), Sub: sub, PublicKey: []byte("cose key " + id), Algorithm: -7,
		BackupEligible: true, State: CredentialState{SignCount: 0, BackupState: true}, Transports: []string{"hybrid", "internal"},
		Attachment: "platform", AAGUID: make([]byte, 16), FriendlyName: "Passkey", RPID: "localhost", Created: created, LastUsed: created}
}

var storeCases = []struct {
	name string
	run  func(t *testing.T, st Store)
}{
	{"users", func(t *testing.T, st Store) {
		ctx := context.Background()
		u := testUser("p_1", "alice")
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		dupName := testUser("p_1", "alice")
		dupSub := testUser("p_1", "bob")
		dupSub.Sub = u.Sub
		for _, d := range []*UserRecord{dupName, dupSub} {
			if err := st.CreateUser(ctx, d); !errors.Is(err, ErrExists) {
				t.Fatalf("duplicate %s: %v", d.Username, err)
			}
		}
		if err := st.CreateUser(ctx, testUser("p_2", "alice")); err != nil {
			t.Fatalf("same name in another pool: %v", err)
		}
		got, err := st.User(ctx, "p_1", "alice")
		if err != nil || got.Sub != u.Sub || got.Status != StatusUnconfirmed || !got.Enabled || len(got.Attributes) != 1 ||
			got.Attributes[0] != u.Attributes[0] || !got.Created.Equal(epoch) || got.PasswordHash != "h" {
			t.Fatalf("User: %+v %v", got, err)
		}
		if got, err := st.UserBySub(ctx, "p_1", u.Sub); err != nil || got.Username != "alice" {
			t.Fatalf("UserBySub: %+v %v", got, err)
		}
		for _, f := range []func() error{
			func() error { _, err := st.User(ctx, "p_1", "nobody"); return err },
			func() error { _, err := st.UserBySub(ctx, "p_2", u.Sub); return err },
			func() error { return st.UpdateUser(ctx, "p_1", "nobody", "", StatusConfirmed, "", epoch) },
		} {
			if err := f(); !errors.Is(err, ErrNotFound) {
				t.Fatalf("not found: %v", err)
			}
		}
		if err := st.UpdateUser(ctx, "p_1", "alice", StatusConfirmed, StatusResetRequired, "", epoch); !errors.Is(err, ErrConflict) {
			t.Fatalf("conditional update of another status: %v", err)
		}
		if err := st.UpdateUser(ctx, "p_1", "alice", StatusUnconfirmed, StatusConfirmed, "", epoch.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := st.UpdateUser(ctx, "p_1", "alice", "", StatusConfirmed, "h2", epoch.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.User(ctx, "p_1", "alice"); got.Status != StatusConfirmed || got.PasswordHash != "h2" || !got.Modified.Equal(epoch.Add(time.Second)) {
			t.Fatalf("after updates: %+v", got)
		}
	}},
	{"credentials", func(t *testing.T, st Store) {
		ctx := context.Background()
		alice, bob := testUser("p_1", "alice"), testUser("p_1", "bob")
		st.CreateUser(ctx, alice)
		st.CreateUser(ctx, bob)
		c := testCredential("p_1", alice.Sub, "cred-1", epoch)
		c.ID = append(c.ID, 0, 0xff) // binary IDs round-trip
		if err := st.AddCredential(ctx, c, 3); err != nil {
			t.Fatal(err)
		}
		got, err := st.Credential(ctx, "p_1", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.ID, c.ID) || got.Sub != alice.Sub || !bytes.Equal(got.PublicKey, c.PublicKey) || got.Algorithm != -7 || !got.BackupEligible ||
			got.State != c.State || strings.Join(got.Transports, ",") != "hybrid,internal" || got.Attachment != "platform" || len(got.AAGUID) != 16 ||
			got.FriendlyName != "Passkey" || got.RPID != "localhost" || !got.Created.Equal(epoch) {
			t.Fatalf("Credential: %+v", got)
		}
		if err := st.AddCredential(ctx, testCredential("p_1", bob.Sub, string(c.ID), epoch), 3); !errors.Is(err, ErrExists) {
			t.Fatalf("duplicate ID for another user: %v", err)
		}
		if err := st.AddCredential(ctx, testCredential("p_1", newUUID(), "cred-x", epoch), 3); !errors.Is(err, ErrNotFound) {
			t.Fatalf("owner missing: %v", err)
		}
		for i := 2; i <= 3; i++ {
			if err := st.AddCredential(ctx, testCredential("p_1", alice.Sub, fmt.Sprintf("cred-%d", i), epoch.Add(time.Duration(i)*time.Second)), 3); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AddCredential(ctx, testCredential("p_1", alice.Sub, "cred-4", epoch), 3); !errors.Is(err, ErrLimit) {
			t.Fatalf("limit 3+1: %v", err)
		}
		if _, err := st.Credential(ctx, "p_1", []byte("cred-4")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("refused credential stored: %v", err)
		}
		if _, err := st.Credential(ctx, "p_2", c.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("credential of another pool: %v", err)
		}
		// Paging by (Created, ID).
		all, err := st.Credentials(ctx, "p_1", alice.Sub, nil, 10)
		if err != nil || len(all) != 3 || !bytes.Equal(all[0].ID, c.ID) || string(all[2].ID) != "cred-3" {
			t.Fatalf("Credentials: %d %v", len(all), err)
		}
		page, _ := st.Credentials(ctx, "p_1", alice.Sub, &Cursor{Created: all[0].Created, ID: all[0].ID}, 1)
		if len(page) != 1 || string(page[0].ID) != "cred-2" {
			t.Fatalf("after the first: %+v", page)
		}
		if none, _ := st.Credentials(ctx, "p_1", bob.Sub, nil, 10); len(none) != 0 {
			t.Fatalf("bob has %d", len(none))
		}
		// Compare-and-set.
		next := CredentialState{SignCount: 5, BackupState: false}
		if ok, err := st.UpdateCredentialState(ctx, "p_1", c.ID, CredentialState{SignCount: 1, BackupState: true}, next, epoch); ok || err != nil {
			t.Fatalf("stale counter: %v %v", ok, err)
		}
		if ok, err := st.UpdateCredentialState(ctx, "p_1", c.ID, CredentialState{SignCount: 0, BackupState: false}, next, epoch); ok || err != nil {
			t.Fatalf("stale backup state: %v %v", ok, err)
		}
		if ok, err := st.UpdateCredentialState(ctx, "p_1", c.ID, c.State, next, epoch.Add(time.Minute)); !ok || err != nil {
			t.Fatalf("current state: %v %v", ok, err)
		}
		if got, _ := st.Credential(ctx, "p_1", c.ID); got.State != next || !got.LastUsed.Equal(epoch.Add(time.Minute)) {
			t.Fatalf("after update: %+v", got)
		}
		// Delete: only the owner's.
		if err := st.DeleteCredential(ctx, "p_1", bob.Sub, c.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("delete by another user: %v", err)
		}
		if err := st.DeleteCredential(ctx, "p_1", alice.Sub, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteCredential(ctx, "p_1", alice.Sub, c.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if ok, err := st.UpdateCredentialState(ctx, "p_1", c.ID, next, CredentialState{SignCount: 6}, epoch); ok || err != nil {
			t.Fatalf("update of a deleted credential: %v %v", ok, err)
		}
		if _, err := st.Credential(ctx, "p_1", c.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted credential resurrected: %v", err)
		}
	}},
	{"signing key", func(t *testing.T, st Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		keys := make([][]byte, 8)
		for i := range keys {
			wg.Go(func() {
				k, err := st.SigningKey(ctx, "p_1", func() ([]byte, error) { return []byte(fmt.Sprint("key-", i)), nil }, epoch)
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		for _, k := range keys {
			if !bytes.Equal(k, keys[0]) || len(k) == 0 {
				t.Fatalf("concurrent first calls disagree: %q", keys)
			}
		}
		again, _ := st.SigningKey(ctx, "p_1", func() ([]byte, error) { return nil, errors.New("must not generate") }, epoch)
		if !bytes.Equal(again, keys[0]) {
			t.Fatal("key changed")
		}
	}},
	{"race: counters", raceCounters},
	{"race: stale judgement", staleJudgement},
	{"race: registrations", raceRegistrations},
	{"race: delete and sign-in", raceDeleteSignIn},
}

// raceCounters: 16 sign-ins of one credential, all judged against the same
// stored state (counter 0) with distinct counters 1..16, write at once.
// The maximum must be stored, and every sign-in that did not win must have
// been refused as a regression (WebAuthn L3 §7.2 step 24).
func raceCounters(t *testing.T, st Store) {
	ctx := context.Background()
	u := testUser("p_1", "alice")
	st.CreateUser(ctx, u)
	c := testCredential("p_1", u.Sub, "cred", epoch)
	c.State = CredentialState{SignCount: 0}
	if err := st.AddCredential(ctx, c, 20); err != nil {
		t.Fatal(err)
	}
	const n = 16
	for round := range 5 {
		base := uint32(round * n)
		judged, _ := st.Credential(ctx, "p_1", c.ID)
		counters := rand.Perm(n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = recordSignIn(ctx, st, "p_1", c.ID, judged.State, CredentialState{SignCount: base + uint32(counters[i]) + 1}, epoch)
			})
		}
		close(start)
		wg.Wait()
		got, err := st.Credential(ctx, "p_1", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State.SignCount != base+n {
			t.Fatalf("round %d: stored counter %d, want the maximum %d", round, got.State.SignCount, base+n)
		}
		for i, err := range errs {
			if err == nil {
				continue
			}
			if webauthn.ExceptionName(err) != webauthn.ExceptionNotAuthorized || counters[i]+1 == n {
				t.Fatalf("round %d: counter %d: %v", round, base+uint32(counters[i])+1, err)
			}
		}
	}
}

// staleJudgement: a sign-in judged before another stored a higher counter
// is refused as a regression, and the stored counter stays.
func staleJudgement(t *testing.T, st Store) {
	ctx := context.Background()
	u := testUser("p_1", "alice")
	st.CreateUser(ctx, u)
	c := testCredential("p_1", u.Sub, "cred", epoch)
	c.State = CredentialState{SignCount: 10}
	st.AddCredential(ctx, c, 20)
	if err := recordSignIn(ctx, st, "p_1", c.ID, c.State, CredentialState{SignCount: 20}, epoch); err != nil {
		t.Fatal(err)
	}
	err := recordSignIn(ctx, st, "p_1", c.ID, c.State, CredentialState{SignCount: 15}, epoch)
	if webauthn.ExceptionName(err) != webauthn.ExceptionNotAuthorized {
		t.Fatalf("stale sign-in with counter 15 after 20: %v", err)
	}
	if err := recordSignIn(ctx, st, "p_1", c.ID, c.State, CredentialState{SignCount: 21}, epoch); err != nil {
		t.Fatalf("stale judgement, counter still advancing: %v", err)
	}
	if got, _ := st.Credential(ctx, "p_1", c.ID); got.State.SignCount != 21 {
		t.Fatalf("stored %d", got.State.SignCount)
	}
	// Counters that stay 0 (synced passkeys) keep working, and their
	// backup state follows the latest sign-in.
	z := testCredential("p_1", u.Sub, "zero", epoch)
	z.State = CredentialState{SignCount: 0, BackupState: false}
	st.AddCredential(ctx, z, 20)
	for _, bs := range []bool{true, false, true} {
		if err := recordSignIn(ctx, st, "p_1", z.ID, z.State, CredentialState{SignCount: 0, BackupState: bs}, epoch); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := st.Credential(ctx, "p_1", z.ID); got.State != (CredentialState{SignCount: 0, BackupState: true}) {
		t.Fatalf("zero counter state %+v", got.State)
	}
}

// raceRegistrations: 16 passkeys of one user registered at once: all kept
// when they fit, exactly the limit kept when they do not.
func raceRegistrations(t *testing.T, st Store) {
	ctx := context.Background()
	for _, max := range []int{20, 5} {
		u := testUser("p_1", fmt.Sprint("user-", max))
		st.CreateUser(ctx, u)
		const n = 16
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = st.AddCredential(ctx, testCredential("p_1", u.Sub, fmt.Sprintf("%s-%d", u.Username, i), epoch), max)
			})
		}
		close(start)
		wg.Wait()
		added, limited := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				added++
			case errors.Is(err, ErrLimit):
				limited++
			default:
				t.Fatalf("max %d: %v", max, err)
			}
		}
		stored, _ := st.Credentials(ctx, "p_1", u.Sub, nil, 100)
		if want := min(n, max); added != want || limited != n-want || len(stored) != want {
			t.Fatalf("max %d: added %d, refused %d, stored %d; want %d stored", max, added, limited, len(stored), want)
		}
	}
}

// raceDeleteSignIn: a delete racing a sign-in never leaves the credential
// behind.
func raceDeleteSignIn(t *testing.T, st Store) {
	ctx := context.Background()
	u := testUser("p_1", "alice")
	st.CreateUser(ctx, u)
	for i := range 20 {
		c := testCredential("p_1", u.Sub, fmt.Sprint("cred-", i), epoch)
		if err := st.AddCredential(ctx, c, 20); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var signErr, delErr error
		wg.Go(func() { signErr = recordSignIn(ctx, st, "p_1", c.ID, c.State, CredentialState{SignCount: 1}, epoch) })
		wg.Go(func() { delErr = st.DeleteCredential(ctx, "p_1", u.Sub, c.ID) })
		wg.Wait()
		if delErr != nil {
			t.Fatal(delErr)
		}
		if signErr != nil && webauthn.ExceptionName(signErr) != webauthn.ExceptionNotAuthorized {
			t.Fatal(signErr)
		}
		if _, err := st.Credential(ctx, "p_1", c.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("credential %d resurrected: %v", i, err)
		}
	}
}

// contendedStore is a store whose every compare-and-set loses to a
// concurrent writer that keeps the counter below the sign-in's.
type contendedStore struct {
	Store
	sets atomic.Int64
}

func (s *contendedStore) UpdateCredentialState(context.Context, string, []byte, CredentialState, CredentialState, time.Time) (bool, error) {
	s.sets.Add(1)
	return false, nil
}

func (s *contendedStore) Credential(context.Context, string, []byte) (*CredentialRecord, error) {
	return &CredentialRecord{State: CredentialState{SignCount: uint32(s.sets.Load())}}, nil
}

// TestRecordSignInAttempts: the compare-and-set loop gives up after
// maxCASAttempts rounds with TooManyRequestsException, never looping
// without end.
func TestRecordSignInAttempts(t *testing.T) {
	st := &contendedStore{}
	err := recordSignIn(context.Background(), st, "p_1", []byte("id"), CredentialState{}, CredentialState{SignCount: 1000}, epoch)
	if webauthn.ExceptionName(err) != webauthn.ExceptionTooManyRequests || st.sets.Load() != maxCASAttempts {
		t.Fatalf("after %d rounds: %v", st.sets.Load(), err)
	}
}
