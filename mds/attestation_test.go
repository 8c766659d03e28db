package mds

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/trust"
)

// forgedPacked is a packed registration forged under vendorCA (a vendor
// intermediate), its x5c holding the leaf only.
type forgedPacked struct {
	obj attestation.Object
	ad  authdata.AuthData
	key cose.Key
	cdh []byte
}

func forgePacked(t *testing.T, f *forge.Forge, label string, ca *forge.Cert) *forgedPacked {
	t.Helper()
	att := f.Key("att/"+label, cose.ES256)
	r := f.Registration(label, f.Key("cred/"+label, cose.ES256))
	leaf := f.PackedLeaf("leaf/"+label, att, ca, r.AuthData.AAGUID[:], nil)
	c := &forgedPacked{cdh: r.ClientDataHash()}
	if err := attestation.ParseObject(r.Object("packed", r.Packed(att, leaf)), &c.obj); err != nil {
		t.Fatal(err)
	}
	if err := authdata.Parse(c.obj.AuthData, &c.ad); err != nil {
		t.Fatal(err)
	}
	if err := cose.ParseKey(c.ad.CredentialPublicKey, &c.key); err != nil {
		t.Fatal(err)
	}
	return c
}

// register runs attestation.Verify with Options.Anchors = the index's policy
// Source and then Check, as the ceremony does.
func (c *forgedPacked) register(idx *Index) (attestation.Result, error) {
	in := attestation.Input{Object: &c.obj, AuthData: &c.ad, ClientDataHash: c.cdh, CredentialKey: &c.key, Time: forge.Now,
		Options: &attestation.Options{Anchors: idx.Source(forge.Now), Verifier: &trust.Verifier{}}}
	var res attestation.Result
	if err := attestation.Verify(&in, &res); err != nil {
		return res, err
	}
	return res, idx.Check(c.ad.AAGUID, nil, forge.Now, res.Type.String())
}

func TestAttestationThroughMDS(t *testing.T) {
	f := forge.New("mds")
	vendorRoot := f.Root("vendor root", cose.ES256)
	vendorCA := f.Intermediate("vendor ca", cose.ES256, vendorRoot)
	otherCA := f.Intermediate("other ca", cose.ES256, vendorRoot)
	good := forgePacked(t, f, "good", vendorCA)
	revoked := forgePacked(t, f, "revoked", vendorCA)
	stray := forgePacked(t, f, "stray", otherCA) // listed, but issued under another CA
	unlisted := forgePacked(t, f, "unlisted", vendorCA)

	entry := func(a authdata.AAGUID, reports ...obj) obj {
		e := fido2Entry(a, nil, reports...)
		e["metadataStatement"].(obj)["attestationRootCertificates"] = []string{base64.StdEncoding.EncodeToString(vendorCA.DER)}
		return e
	}
	p := testPKI()
	blob := p.signBLOB(t, payload(5, "2026-04-01",
		entry(good.ad.AAGUID),
		entry(revoked.ad.AAGUID, obj{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2024-01-01"}, obj{"status": "REVOKED", "effectiveDate": "2025-06-01"}),
		entry(stray.ad.AAGUID),
	))
	o := p.opts()
	o.At = forge.Now
	idx := mustLoad(t, blob, o)

	res, err := good.register(idx)
	if err != nil || !res.Judged || !res.Anchor.Equal(vendorCA.Cert) || res.Type != attestation.TypeBasic {
		t.Fatalf("accepted registration: %+v, %v", res, err)
	}
	if _, err := revoked.register(idx); !errors.Is(err, attestation.ErrUntrusted) || !errors.Is(err, ErrRevoked) {
		t.Fatalf("revoked authenticator: %v", err)
	}
	if _, err := stray.register(idx); !errors.Is(err, attestation.ErrUntrusted) {
		t.Fatalf("chain under another CA: %v", err)
	}
	// Unlisted: zero Policy verifies the chain without judging it ...
	if res, err := unlisted.register(idx); err != nil || res.Judged {
		t.Fatalf("unlisted, zero Policy: %+v, %v", res, err)
	}
	// ... and RequireKnown rejects it.
	o.Policy.RequireKnown = true
	strict := mustLoad(t, blob, o)
	if _, err := unlisted.register(strict); !errors.Is(err, ErrUnknownAuthenticator) {
		t.Fatalf("unlisted, RequireKnown: %v", err)
	}
}
