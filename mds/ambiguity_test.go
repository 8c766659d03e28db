package mds

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/passkeykit/webauthn/trust"
)

// loadEntries signs a BLOB of entries with the test PKI and loads it.
func loadEntries(t *testing.T, entries ...any) *Index {
	t.Helper()
	p := testPKI()
	idx, err := Load(p.signBLOB(t, payload(5, "2027-01-01", entries...)), p.opts())
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// wantRejected checks that Source and Check both reject q with want (Source
// wrapping trust.ErrRejected) and that Source hands out no anchors.
func wantRejected(t *testing.T, idx *Index, q *trust.Query, want error) {
	t.Helper()
	pool, err := idx.Source(testAt).Anchors(q)
	if pool.Len() != 0 || !errors.Is(err, trust.ErrRejected) || !errors.Is(err, want) {
		t.Errorf("Source: %d anchors, err %v; want none and %v wrapping trust.ErrRejected", pool.Len(), err, want)
	}
	if err := idx.Check(q.AAGUID, q.KeyID, testAt, "basic"); !errors.Is(err, want) {
		t.Errorf("Check: %v, want %v", err, want)
	}
}

// Review findings on the lookup; each case was accepted before the fix
// (Source returned the AAGUID entry's anchors and Check returned nil).
func TestLookupAmbiguity(t *testing.T) {
	t.Run("key identifier reported compromised, AAGUID listed", func(t *testing.T) {
		// The attestation key of a clean FIDO2 entry is listed, compromised,
		// under a U2F entry of the same vendor root.
		root := issue("Vendor Root amb1", true, nil, nil)
		k := make([]byte, 20)
		k[0] = 0xab
		u2f := obj{"attestationCertificateKeyIdentifiers": []string{hex.EncodeToString(k)},
			"metadataStatement": obj{"description": "u2f", "attestationTypes": []string{"basic_full"}, "attestationRootCertificates": x5c(root)},
			"statusReports":     []obj{{"status": "ATTESTATION_KEY_COMPROMISE", "effectiveDate": "2025-01-01"}}}
		idx := loadEntries(t, fido2Entry(aaguidN(1), []*cert{root}), u2f)
		wantRejected(t, idx, &trust.Query{AAGUID: aaguidN(1), KeyID: k}, ErrCompromised)
		// The AAGUID alone (no key identifier asked) is still the clean entry.
		if err := idx.Check(aaguidN(1), nil, testAt, "basic"); err != nil {
			t.Errorf("AAGUID alone: %v", err)
		}
	})
	t.Run("malformed entry is not an unlisted one", func(t *testing.T) {
		root := issue("Vendor Root amb3", true, nil, nil)
		e := fido2Entry(aaguidN(3), []*cert{root}, obj{"status": "REVOKED", "effectiveDate": "2024-01-01"})
		e["metadataStatement"].(obj)["attestationRootCertificates"] = []string{"AAAA"}
		idx := loadEntries(t, e)
		if len(idx.Skipped) != 1 {
			t.Fatalf("skipped %d entries, want 1", len(idx.Skipped))
		}
		wantRejected(t, idx, &trust.Query{AAGUID: aaguidN(3)}, ErrMalformedEntry)
	})
	t.Run("AAGUID claimed twice", func(t *testing.T) {
		root := issue("Vendor Root amb4", true, nil, nil)
		idx := loadEntries(t, fido2Entry(aaguidN(4), []*cert{root}),
			fido2Entry(aaguidN(4), []*cert{root}, obj{"status": "REVOKED", "effectiveDate": "2024-01-01"}))
		wantRejected(t, idx, &trust.Query{AAGUID: aaguidN(4)}, ErrMalformedEntry)
	})
}
