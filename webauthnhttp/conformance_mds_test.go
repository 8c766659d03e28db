package webauthnhttp

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/mds"
	"github.com/passkeykit/webauthn/trust"
)

// The tools' "Metadata Service Tests" (test ID
// Server-ServerAuthenticatorAttestationResponse-Resp-1 of that group): MDS3
// BLOBs generated and signed here by a test MDS PKI (root → CA → signer),
// loaded with mds.Load as the conformance-server command loads the tools'
// BLOBs (an unusable BLOB is left out), under -require-metadata.

// mdsPKI signs test BLOBs.
type mdsPKI struct {
	f                 *forge.Forge
	root, ca, signer  *forge.Cert
	batch             *packedPKI
	listed, otherGood [16]byte
}

// mdsSignerName is the name every test BLOB signer is issued to, pinned as
// mds.LoadOptions.Signer (as the command's -mds-signer does).
const mdsSignerName = "Tools MDS Signer"

// mdsSigner issues a BLOB signing certificate under ca; label names its key.
func mdsSigner(f *forge.Forge, label string, ca *forge.Cert) *forge.Cert {
	return f.Issue(label, &forge.CertSpec{Subject: pkix.Name{CommonName: mdsSignerName}, KeyUsage: x509.KeyUsageDigitalSignature}, f.Key(label, cose.ES256), ca)
}

func newMDSPKI() *mdsPKI {
	f := forge.New("conformance mds")
	root := f.Root("Tools MDS Root", cose.ES256)
	ca := f.Intermediate("Tools MDS CA", cose.ES256, root)
	signer := mdsSigner(f, "mds signer", ca)
	return &mdsPKI{f: f, root: root, ca: ca, signer: signer, batch: newPackedPKI(f, "Tools MDS Batch"),
		listed: f.AAGUID("listed"), otherGood: f.AAGUID("other")}
}

// payload is a BLOB payload listing aaguid with the batch root and status.
func (p *mdsPKI) payload(t *testing.T, aaguid [16]byte, status string) []byte {
	t.Helper()
	var stmt map[string]any
	if err := json.Unmarshal(statementJSON(t, aaguid, []string{"basic_full"}, p.batch.root), &stmt); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{
		"legalHeader": "test", "no": 7, "nextUpdate": forge.Now.AddDate(0, 1, 0).Format(time.DateOnly),
		"entries": []any{map[string]any{
			"aaguid": authdata.AAGUID(aaguid).String(), "metadataStatement": stmt,
			"statusReports":          []any{map[string]any{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2025-01-01"}, map[string]any{"status": status, "effectiveDate": "2025-06-01"}},
			"timeOfLastStatusChange": "2025-06-01",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// blob signs payload by signer with x5c chain.
func blob(signer *forge.Key, payload []byte, chain ...*forge.Cert) []byte {
	return forge.SafetyNetJWS(signer, forge.SafetyNetHeader("ES256", chain...), payload)
}

// crl is a CRL by issuer revoking the certificate revoked.
func (p *mdsPKI) crl(t *testing.T, issuer, revoked *forge.Cert) []byte {
	t.Helper()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: forge.Now.Add(-time.Hour), NextUpdate: forge.Now.AddDate(0, 1, 0),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: revoked.Cert.SerialNumber, RevocationTime: forge.Now.Add(-time.Hour)}},
	}, issuer.Cert, issuer.Key.Signer())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// load loads the BLOBs as the command does, each with the CRLs of its own
// signing chain (crls[i], when present), and returns the usable indexes
// and each BLOB's load error.
func (p *mdsPKI) load(crls [][][]byte, blobs ...[]byte) ([]*mds.Index, []error) {
	var idxs []*mds.Index
	var errs []error
	for i, b := range blobs {
		var c [][]byte
		if i < len(crls) {
			c = crls[i]
		}
		idx, err := mds.Load(b, &mds.LoadOptions{Roots: trust.NewPool(p.root.Cert), CRLs: c, At: forge.Now, Signer: mdsSignerName})
		errs = append(errs, err)
		if err == nil {
			idxs = append(idxs, idx)
		}
	}
	return idxs, errs
}

func TestServer_MetadataService_ServerAuthenticatorAttestationResponse_Resp_1(t *testing.T) {
	p := newMDSPKI()
	// good is the BLOB the tools serve alongside the faulty ones: it lists
	// another authenticator.
	good := func(t *testing.T) []byte {
		return blob(p.signer.Key, p.payload(t, p.otherGood, "FIDO_CERTIFIED_L1"), p.signer, p.ca)
	}
	otherRoot := p.f.Root("Not The MDS Root", cose.ES256)
	otherCA := p.f.Intermediate("Not The MDS CA", cose.ES256, otherRoot)
	otherSigner := mdsSigner(p.f, "other signer", otherCA)
	// The revoked BLOBs have chains of their own under the MDS root, as the
	// tools' do: a CRL of one BLOB's chain says nothing of the others.
	revokedCA := p.f.Intermediate("Tools MDS Revoked CA", cose.ES256, p.root)
	revokedCASigner := mdsSigner(p.f, "signer under revoked ca", revokedCA)
	ca2 := p.f.Intermediate("Tools MDS CA 2", cose.ES256, p.root)
	revokedSigner := mdsSigner(p.f, "revoked signer", ca2)
	// An unusable BLOB is left out, so the authenticator it lists is not in
	// the metadata.
	unlisted := rejectedBy(mds.ErrUnknownAuthenticator)
	tests := []struct {
		id, want string
		loadErr  error
		crls     func(t *testing.T) [][]byte
		blob     func(t *testing.T) []byte
	}{
		{id: "P-1", blob: func(t *testing.T) []byte {
			return blob(p.signer.Key, p.payload(t, p.listed, "FIDO_CERTIFIED_L1"), p.signer, p.ca)
		}},
		// MDS3 has no per-statement hash: the BLOB's payload changed after
		// signing is the MDS3 form of metadata whose hash cannot be verified.
		{id: "F-1", want: unlisted, loadErr: mds.ErrSignature, blob: func(t *testing.T) []byte {
			signed := blob(p.signer.Key, p.payload(t, p.listed, "FIDO_CERTIFIED_L1"), p.signer, p.ca)
			tampered := blob(p.signer.Key, p.payload(t, p.listed, "FIDO_CERTIFIED_L2"), p.signer, p.ca)
			return spliceJWS(signed, tampered)
		}},
		{id: "F-3", want: unlisted, loadErr: mds.ErrSignature, blob: func(t *testing.T) []byte {
			return blob(p.f.Key("not the signer", cose.ES256), p.payload(t, p.listed, "FIDO_CERTIFIED_L1"), p.signer, p.ca)
		}},
		{id: "F-4", want: unlisted, loadErr: mds.ErrUntrustedBLOB, blob: func(t *testing.T) []byte {
			return blob(otherSigner.Key, p.payload(t, p.listed, "FIDO_CERTIFIED_L1"), otherSigner, otherCA)
		}},
		{id: "F-5", want: unlisted, loadErr: mds.ErrSignerRevoked,
			crls: func(t *testing.T) [][]byte { return [][]byte{p.crl(t, p.root, revokedCA)} },
			blob: func(t *testing.T) []byte {
				return blob(revokedCASigner.Key, p.payload(t, p.listed, "FIDO_CERTIFIED_L1"), revokedCASigner, revokedCA)
			}},
		{id: "F-6", want: unlisted, loadErr: mds.ErrSignerRevoked,
			crls: func(t *testing.T) [][]byte { return [][]byte{p.crl(t, ca2, revokedSigner)} },
			blob: func(t *testing.T) []byte {
				return blob(revokedSigner.Key, p.payload(t, p.listed, "FIDO_CERTIFIED_L1"), revokedSigner, ca2)
			}},
	}
	for _, status := range []string{"USER_VERIFICATION_BYPASS", "ATTESTATION_KEY_COMPROMISE", "USER_KEY_REMOTE_COMPROMISE", "USER_KEY_PHYSICAL_COMPROMISE", "REVOKED"} {
		cause := map[string]error{"USER_VERIFICATION_BYPASS": mds.ErrUVBypass, "REVOKED": mds.ErrRevoked}[status]
		if cause == nil {
			cause = mds.ErrCompromised
		}
		tests = append(tests, struct {
			id, want string
			loadErr  error
			crls     func(t *testing.T) [][]byte
			blob     func(t *testing.T) []byte
		}{id: "F-2/" + status, want: rejectedBy(cause), blob: func(t *testing.T) []byte {
			return blob(p.signer.Key, p.payload(t, p.listed, status), p.signer, p.ca)
		}})
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			var crls [][]byte
			if tc.crls != nil {
				crls = tc.crls(t)
			}
			idxs, errs := p.load([][][]byte{nil, crls}, good(t), tc.blob(t))
			if errs[0] != nil || !errors.Is(errs[1], tc.loadErr) || (tc.loadErr == nil) != (errs[1] == nil) {
				t.Fatalf("load errors %v, want nil and %v", errs, tc.loadErr)
			}
			x := newConfTool(t, &ConformanceMetadata{Indexes: idxs, Require: true})
			for _, c := range []struct {
				aaguid [16]byte
				want   string
			}{{p.listed, tc.want}, {p.otherGood, ""}} {
				ch, _ := x.regOptions("")
				status, got := x.send("/attestation/result", fullCase(p.batch, c.aaguid, "packed", nil, nil, nil)(x, ch))
				wantVerdict(t, c.want, status, got)
			}
		})
	}
}

// rejectedBy is the errorMessage of a packed full attestation whose anchor
// source, ConformanceMetadata, rejected the authenticator with cause.
func rejectedBy(cause error) string {
	return "§7.1 step 22: attestation statement does not verify: attestation: packed §8.2 step 2 (chain): " +
		"attestation: certificate chain not valid or not ending at a trust anchor: " + trust.ErrRejected.Error() + "; " + cause.Error()
}

// spliceJWS is the header and signature of signed around the payload of
// other.
func spliceJWS(signed, other []byte) []byte {
	s, o := splitJWS(signed), splitJWS(other)
	return []byte(s[0] + "." + o[1] + "." + s[2])
}

func splitJWS(b []byte) [3]string {
	var parts [3]string
	i, n := 0, 0
	for j := range b {
		if b[j] == '.' {
			parts[n] = string(b[i:j])
			n, i = n+1, j+1
		}
	}
	parts[n] = string(b[i:])
	return parts
}

// TestConformanceMetadataRequire: under Require an attestation with a
// certificate path needs a listed authenticator and a chain judged against
// its roots; self attestation of an unlisted authenticator is not refused;
// a listed authenticator with a rejecting status is refused whatever the
// attestation type. Without Require an unlisted chain is accepted.
func TestConformanceMetadataRequire(t *testing.T) {
	p := newMDSPKI()
	noRoots := p.f.AAGUID("no roots")
	revoked := p.f.AAGUID("revoked")
	idxs, errs := p.load(nil, blob(p.signer.Key, p.payload(t, p.listed, "FIDO_CERTIFIED_L1"), p.signer, p.ca))
	st := statementJSON(t, noRoots, []string{"basic_full"})
	local := statementMetadata(t, false, st, statementJSON(t, revoked, []string{"basic_surrogate"}, p.batch.root))
	if errs[0] != nil {
		t.Fatal(errs)
	}
	revokedBLOB, err := mds.Load(blob(p.signer.Key, p.payload(t, revoked, "REVOKED"), p.signer, p.ca), &mds.LoadOptions{Roots: trust.NewPool(p.root.Cert), At: forge.Now, Signer: mdsSignerName})
	if err != nil {
		t.Fatal(err)
	}
	self := func(aaguid [16]byte) func(x *confTool, ch []byte) any {
		return func(x *confTool, ch []byte) any {
			r := x.reg(ch, "self", cose.ES256)
			r.AuthData.AAGUID = aaguid
			return credentialOf(r, packedSelf(r))
		}
	}
	unlisted := p.f.AAGUID("unlisted")
	for _, tc := range []struct {
		name    string
		require bool
		build   func(x *confTool, ch []byte) any
		want    string
	}{
		{"listed chain", true, fullCase(p.batch, p.listed, "packed", nil, nil, nil), ""},
		{"unlisted chain", true, fullCase(p.batch, unlisted, "packed", nil, nil, nil), mds.ErrUnknownAuthenticator.Error()},
		{"unlisted chain, metadata not required", false, fullCase(p.batch, unlisted, "packed", nil, nil, nil), ""},
		{"listed without roots", true, fullCase(p.batch, noRoots, "packed", nil, nil, nil), "§7.1 step 24"},
		{"unlisted self", true, self(unlisted), ""},
		{"revoked self", false, self(revoked), "§7.1 step 24: the metadata refuses the authenticator: " + mds.ErrRevoked.Error()},
		{"revoked chain", false, fullCase(p.batch, revoked, "packed", nil, nil, nil), rejectedBy(mds.ErrRevoked)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The BLOB comes first: it decides for the revoked AAGUID that
			// the local statements also list.
			x := newConfTool(t, &ConformanceMetadata{Indexes: append([]*mds.Index{revokedBLOB}, append(idxs, local.Indexes...)...), Require: tc.require})
			ch, _ := x.regOptions("")
			status, got := x.send("/attestation/result", tc.build(x, ch))
			wantVerdict(t, tc.want, status, got)
		})
	}
}

// TestLoadMetadataStatements: statements become entries by aaguid and by
// key identifier; a statement that is not an object fails the call; a
// malformed one is reported in Skipped.
func TestLoadMetadataStatements(t *testing.T) {
	p := newMDSPKI()
	keyID := "0123456789abcdef0123456789abcdef01234567"
	u2f, _ := json.Marshal(map[string]any{
		"attestationCertificateKeyIdentifiers": []string{keyID}, "description": "u2f key", "protocolFamily": "u2f",
		"attestationTypes": []string{"basic_full"}, "attestationRootCertificates": []string{base64.StdEncoding.EncodeToString(p.root.DER)},
	})
	noDescription := []byte(`{"aaguid":"` + authdata.AAGUID(p.otherGood).String() + `"}`)
	idx, err := LoadMetadataStatements([][]byte{statementJSON(t, p.listed, []string{"basic_full"}, p.batch.root), u2f, noDescription}, forge.Now)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := hex.DecodeString(keyID)
	if e := idx.ByAAGUID(p.listed); e == nil || !e.Roots.Contains(p.batch.root.Cert) || e.StatusAt(forge.Now).Name != localStatementStatus {
		t.Errorf("aaguid entry %+v", e)
	}
	if e := idx.Lookup(&trust.Query{KeyID: kid}); e == nil || !e.Roots.Contains(p.root.Cert) {
		t.Errorf("key id entry %+v", e)
	}
	if len(idx.Skipped) != 1 || idx.Skipped[0].Index != 2 || !errors.Is(idx.Skipped[0].Reason, mds.ErrMalformedEntry) {
		t.Errorf("Skipped %+v", idx.Skipped)
	}
	for _, bad := range []string{`[]`, `{"aaguid":`, `"x"`, `{"aaguid":1}`} {
		if _, err := LoadMetadataStatements([][]byte{[]byte(bad)}, forge.Now); err == nil {
			t.Errorf("%s: loaded", bad)
		}
	}
}
