package mds

import (
	"crypto/x509"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/trust"
)

// statusCase is one entry's statusReports and the verdict of Check at testAt.
type statusCase struct {
	name    string
	reports []obj
	want    error
}

var statusCases = []statusCase{
	{"certified L1", []obj{{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-01-01"}}, nil},
	{"REVOKED", []obj{{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-01-01"}, {"status": "REVOKED", "effectiveDate": "2025-01-01"}}, ErrRevoked},
	{"ATTESTATION_KEY_COMPROMISE", []obj{{"status": "ATTESTATION_KEY_COMPROMISE", "effectiveDate": "2025-01-01"}}, ErrCompromised},
	{"USER_VERIFICATION_BYPASS", []obj{{"status": "USER_VERIFICATION_BYPASS", "effectiveDate": "2025-01-01"}}, ErrUVBypass},
	{"USER_KEY_REMOTE_COMPROMISE", []obj{{"status": "USER_KEY_REMOTE_COMPROMISE", "effectiveDate": "2025-01-01"}}, ErrCompromised},
	{"USER_KEY_PHYSICAL_COMPROMISE", []obj{{"status": "USER_KEY_PHYSICAL_COMPROMISE", "effectiveDate": "2025-01-01"}}, ErrCompromised},
	{"REVOKED effective on the day", []obj{{"status": "REVOKED", "effectiveDate": "2026-03-01"}}, ErrRevoked},
	{"REVOKED in the future", []obj{{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-01-01"}, {"status": "REVOKED", "effectiveDate": "2026-03-02"}}, nil},
	{"compromise in the future", []obj{{"status": "ATTESTATION_KEY_COMPROMISE", "effectiveDate": "2030-01-01"}}, nil},
	{"REVOKED undated", []obj{{"status": "REVOKED"}}, ErrRevoked},
	{"undated REVOKED after dated", []obj{{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-01-01"}, {"status": "REVOKED"}}, ErrRevoked},
	{"fixed by a later UPDATE_AVAILABLE", []obj{{"status": "USER_VERIFICATION_BYPASS", "effectiveDate": "2024-01-01"}, {"status": "UPDATE_AVAILABLE", "effectiveDate": "2024-06-01"}}, nil},
	{"out of array order: later date wins", []obj{{"status": "REVOKED", "effectiveDate": "2025-01-01"}, {"status": "FIDO_CERTIFIED_L2", "effectiveDate": "2022-01-01"}}, ErrRevoked},
	{"same date: later in array wins", []obj{{"status": "UPDATE_AVAILABLE", "effectiveDate": "2025-01-01"}, {"status": "USER_KEY_REMOTE_COMPROMISE", "effectiveDate": "2025-01-01"}}, ErrCompromised},
	{"unknown future status neither rejects nor certifies", []obj{{"status": "SOME_NEW_STATUS", "effectiveDate": "2025-01-01"}}, nil},
	{"NOT_FIDO_CERTIFIED", []obj{{"status": "NOT_FIDO_CERTIFIED"}}, nil},
	{"date-time effectiveDate", []obj{{"status": "REVOKED", "effectiveDate": "2026-03-01T11:00:00Z"}}, ErrRevoked},
	{"date-time effectiveDate later today", []obj{{"status": "REVOKED", "effectiveDate": "2026-03-01T13:00:00Z"}}, nil},
	// Review finding: a later report of any non-rejecting status lifted
	// REVOKED or a compromise. Those stick; an unknown status lifts nothing.
	{"REVOKED, then UPDATE_AVAILABLE", []obj{{"status": "REVOKED", "effectiveDate": "2024-01-01"}, {"status": "UPDATE_AVAILABLE", "effectiveDate": "2024-06-01"}}, ErrRevoked},
	{"REVOKED, then NOT_FIDO_CERTIFIED", []obj{{"status": "REVOKED", "effectiveDate": "2024-01-01"}, {"status": "NOT_FIDO_CERTIFIED", "effectiveDate": "2024-06-01"}}, ErrRevoked},
	{"REVOKED, then an unknown status", []obj{{"status": "REVOKED", "effectiveDate": "2024-01-01"}, {"status": "SOME_NEW_STATUS", "effectiveDate": "2024-06-01"}}, ErrRevoked},
	{"key compromise, then certified", []obj{{"status": "ATTESTATION_KEY_COMPROMISE", "effectiveDate": "2024-01-01"}, {"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2024-06-01"}}, ErrCompromised},
	{"UV bypass, then an unknown status", []obj{{"status": "USER_VERIFICATION_BYPASS", "effectiveDate": "2024-01-01"}, {"status": "SOME_NEW_STATUS", "effectiveDate": "2024-06-01"}}, ErrUVBypass},
}

func statusIndex(t testing.TB, policy Policy) (*Index, *cert) {
	t.Helper()
	p := testPKI()
	root := issue("Vendor Root S", true, nil, nil)
	var entries []any
	for i, c := range statusCases {
		entries = append(entries, fido2Entry(aaguidN(i+1), []*cert{root}, c.reports...))
	}
	o := p.opts()
	o.Policy = policy
	idx, err := Load(p.signBLOB(t, payload(1, "2026-04-01", entries...)), o)
	if err != nil {
		t.Fatal(err)
	}
	return idx, root
}

func TestCheckStatus(t *testing.T) {
	idx, _ := statusIndex(t, Policy{})
	if len(idx.Skipped) != 0 {
		t.Fatal(idx.Skipped)
	}
	for i, c := range statusCases {
		t.Run(c.name, func(t *testing.T) {
			err := idx.Check(aaguidN(i+1), nil, testAt, "basic_full")
			if err != c.want {
				t.Fatalf("Check = %v, want %v", err, c.want)
			}
			// The policy Source agrees before verification.
			_, err = idx.Source(testAt).Anchors(&trust.Query{AAGUID: aaguidN(i + 1)})
			if c.want == nil && err != nil || c.want != nil && (!errors.Is(err, c.want) || !errors.Is(err, trust.ErrRejected)) {
				t.Fatalf("Source = %v, want %v (wrapping trust.ErrRejected)", err, c.want)
			}
		})
	}
	// Before the revocation took effect, the revoked authenticator was fine.
	if err := idx.Check(aaguidN(2), nil, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "basic_full"); err != nil {
		t.Fatalf("REVOKED before effectiveDate: %v", err)
	}
}

func TestPolicy(t *testing.T) {
	unknown := aaguidN(999)
	idx, _ := statusIndex(t, Policy{})
	if err := idx.Check(unknown, nil, testAt, "basic_full"); err != nil {
		t.Fatalf("zero Policy, unknown: %v", err)
	}
	if pool, err := idx.Source(testAt).Anchors(&trust.Query{AAGUID: unknown}); pool != nil || err != nil {
		t.Fatalf("zero Policy Source, unknown: %v %v", pool, err)
	}
	strict, _ := statusIndex(t, Policy{RequireKnown: true, MinCertification: StatusFIDOCertifiedL1Plus})
	if err := strict.Check(unknown, nil, testAt, "basic_full"); err != ErrUnknownAuthenticator {
		t.Fatalf("RequireKnown: %v", err)
	}
	if _, err := strict.Source(testAt).Anchors(&trust.Query{AAGUID: unknown}); !errors.Is(err, ErrUnknownAuthenticator) || !errors.Is(err, trust.ErrRejected) {
		t.Fatalf("RequireKnown Source: %v", err)
	}
	for _, c := range []struct {
		n    int // statusCases index + 1
		want error
	}{
		{1, ErrNotCertified},  // L1 < L1plus
		{13, ErrRevoked},      // status first
		{16, ErrNotCertified}, // NOT_FIDO_CERTIFIED
		{15, ErrNotCertified}, // no certification report
	} {
		if err := strict.Check(aaguidN(c.n), nil, testAt, "basic_full"); err != c.want {
			t.Errorf("%s: %v, want %v", statusCases[c.n-1].name, err, c.want)
		}
	}
	l2, _ := statusIndex(t, Policy{MinCertification: StatusFIDOCertified})
	if err := l2.Check(aaguidN(1), nil, testAt, "basic_full"); err != nil {
		t.Errorf("L1 satisfies FIDO_CERTIFIED: %v", err)
	}
	if got := l2.ByAAGUID(aaguidN(12)).CertificationAt(testAt); got != StatusNone {
		t.Errorf("CertificationAt without certification report = %v", got)
	}
}

func TestCheckAttestationType(t *testing.T) {
	idx, _ := statusIndex(t, Policy{})
	for _, c := range []struct {
		typ  string
		want error
	}{
		{"basic_full", nil}, {"basic", nil}, {"attca", ErrAttestationType},
		{"self", ErrAttestationType}, {"none", ErrAttestationType}, {"", ErrAttestationType}, {"BASIC_FULL", ErrAttestationType},
	} {
		if err := idx.Check(aaguidN(1), nil, testAt, c.typ); err != c.want {
			t.Errorf("%q: %v, want %v", c.typ, err, c.want)
		}
	}
	var nilIdx *Index
	if err := nilIdx.Check(aaguidN(1), nil, testAt, "basic"); err != ErrNilIndex {
		t.Errorf("nil index: %v", err)
	}
}

// TestRegistrationEndToEnd verifies attestation chains under an entry whose
// anchor is a vendor intermediate, through the policy Source, trust.Verifier
// and Check, as the ceremony does.
func TestRegistrationEndToEnd(t *testing.T) {
	p := testPKI()
	vendorRoot := issue("Vendor Root E", true, nil, nil)
	vendorCA := issue("Vendor Batch CA", true, vendorRoot, nil)
	otherCA := issue("Vendor Batch CA", true, vendorRoot, testKey("other batch"))
	good := aaguidN(1)
	revoked := aaguidN(2)
	entries := []any{
		fido2Entry(good, []*cert{vendorCA}),
		fido2Entry(revoked, []*cert{vendorCA}, obj{"status": "REVOKED", "effectiveDate": "2025-06-01"}),
	}
	idx := mustLoad(t, p.signBLOB(t, payload(1, "2026-04-01", entries...)), p.opts())

	leaf := issue("Authenticator Attestation", false, vendorCA, nil)
	strayLeaf := issue("Authenticator Attestation", false, otherCA, nil)
	v := &trust.Verifier{}
	register := func(aaguid authdata.AAGUID, chain []*x509.Certificate) error {
		src := idx.Source(testAt)
		pool, err := src.Anchors(&trust.Query{Format: trust.FormatPacked, AAGUID: aaguid})
		if err != nil {
			return err
		}
		res, err := v.Verify(chain, pool, testAt, nil)
		if err != nil {
			return err
		}
		if !res.Judged || !res.Anchor.Equal(vendorCA.c) {
			t.Fatalf("anchor = %v", res.Anchor.Subject)
		}
		return idx.Check(aaguid, nil, testAt, "basic")
	}
	if err := register(good, []*x509.Certificate{leaf.c}); err != nil {
		t.Fatalf("chain ending at the entry's intermediate: %v", err)
	}
	if err := register(good, []*x509.Certificate{leaf.c, vendorCA.c}); err != nil {
		t.Fatalf("chain including the intermediate: %v", err)
	}
	if err := register(good, []*x509.Certificate{strayLeaf.c}); !errors.Is(err, trust.ErrUntrusted) {
		t.Fatalf("chain under another CA of the same name: %v", err)
	}
	if err := register(revoked, []*x509.Certificate{leaf.c}); !errors.Is(err, ErrRevoked) || !errors.Is(err, trust.ErrRejected) {
		t.Fatalf("revoked entry: %v", err)
	}
}

func TestAllocations(t *testing.T) {
	idx, _ := statusIndex(t, Policy{MinCertification: StatusFIDOCertifiedL1})
	p := testPKI()
	keyID := make([]byte, 20)
	q := &trust.Query{AAGUID: aaguidN(1)}
	qKey := &trust.Query{KeyID: keyID}
	rl, err := LoadAndroidRevocations([]byte(`{"entries":{"1":{"status":"REVOKED","reason":"KEY_COMPROMISE"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	chain := []*x509.Certificate{p.leaf.c, p.inter.c, p.root.c}
	for name, f := range map[string]func(){
		"Lookup":       func() { _ = idx.Lookup(q) },
		"Anchors":      func() { _, _ = idx.Anchors(q) },
		"AnchorsKeyID": func() { _, _ = idx.Anchors(qKey) },
		"Check":        func() { _ = idx.Check(aaguidN(1), nil, testAt, "basic") },
		"CheckRevoked": func() { _ = idx.Check(aaguidN(2), nil, testAt, "basic_full") },
		"CheckKeyID":   func() { _ = idx.Check(authdata.AAGUID{}, keyID, testAt, "basic_full") },
		"Describe":     func() { _, _, _ = idx.Describe(aaguidN(1)) },
		"CheckChain":   func() { _ = rl.CheckChain(chain) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	idx, _ := statusIndex(t, Policy{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				n := i%len(statusCases) + 1
				if err := idx.Check(aaguidN(n), nil, testAt, "basic_full"); err != statusCases[n-1].want {
					t.Errorf("Check %d: %v", n, err)
					return
				}
				_, _ = idx.Anchors(&trust.Query{AAGUID: aaguidN(n)})
				_, _, _ = idx.Describe(aaguidN(n))
			}
			_ = Summary(idx)
		}()
	}
	wg.Wait()
}
