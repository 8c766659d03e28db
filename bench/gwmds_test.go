package bench

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/go-webauthn/webauthn/metadata/providers/memory"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/google/uuid"

	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/bench/internal/mdsgen"
)

// The go-webauthn-mds side: go-webauthn v0.18.2 given the same anchors as
// ours through the only door it has for them, its metadata provider. The
// bench writes an MDS3 BLOB (mdsgen) with one entry per AAGUID (per key
// identifier for fido-u2f) of the packed, fido-u2f and tpm registration
// vectors, listing the vector's trust anchors as attestationRootCertificates,
// decodes it with go-webauthn's own metadata.Decoder, and hands
// protocol.(*ParsedCredentialCreationData).Verify a memory provider over it
// that validates the entry, its status, the attestation type and the trust
// anchor. So on those rows go-webauthn parses the chain and verifies it to
// the same root, as ours and the floor do.
//
// go-webauthn judges that chain at time.Now() (x509.VerifyOptions without
// CurrentTime). Where that alone makes it reject — the Windows Hello AIK
// certificates have expired — gwMDSAt runs the same steps with the
// vector's verifyAt: Verify with a provider that skips only the trust
// anchor step, then go-webauthn's trust anchor step itself
// (tpmParseAIKAttCA via go:linkname, Statement.Verifier, x509 Verify) with
// CurrentTime set. The substitution is taken only when the real path fails
// with x509.Expired; any other rejection skips the row.

// mdsFormats are the formats whose chains go-webauthn judges only through
// metadata.
var mdsFormats = map[string]bool{"packed": true, "fido-u2f": true, "tpm": true}

// gwMDS is go-webauthn's view of the bench BLOB.
type gwMDS struct {
	provider metadata.Provider // every check on, trust anchor included
	noAnchor metadata.Provider // the same without the trust anchor step
	md       *metadata.Metadata
	blob     []byte
	pki      *mdsgen.PKI
}

var (
	gwMDSOnce sync.Once
	gwMDSVal  *gwMDS
	gwMDSErr  error
)

// gwMDSFor returns the provider over the BLOB naming the anchors of vs.
func gwMDSFor(tb testing.TB, vs []*vector) *gwMDS {
	tb.Helper()
	gwMDSOnce.Do(func() { gwMDSVal, gwMDSErr = newGWMDS(vs) })
	if gwMDSErr != nil {
		tb.Fatal(gwMDSErr)
	}
	return gwMDSVal
}

// mdsEntryOf returns the BLOB entry a registration vector needs, or false
// when the vector has no chain judged through metadata.
func mdsEntryOf(v *vector) (mdsgen.Entry, bool, error) {
	if v.Ceremony != "registration" || !mdsFormats[v.Fmt] || len(v.anchors) == 0 {
		return mdsgen.Entry{}, false, nil
	}
	var obj attestation.Object
	if err := attestation.ParseObject(v.attestationObject, &obj); err != nil {
		return mdsgen.Entry{}, false, err
	}
	var ad authdata.AuthData
	if err := authdata.Parse(obj.AuthData, &ad); err != nil {
		return mdsgen.Entry{}, false, err
	}
	it, present, err := obj.AttStmt.X5C()
	if err != nil || !present {
		return mdsgen.Entry{}, false, err
	}
	var der []byte
	if !it.Next(&der) {
		return mdsgen.Entry{}, false, errors.New("bench: empty x5c in " + v.id)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return mdsgen.Entry{}, false, err
	}
	e := mdsgen.Entry{AttestationTypes: []string{"basic_full", "attca"}}
	for _, a := range v.anchors {
		e.Roots = append(e.Roots, a.Raw)
	}
	if ad.AAGUID.IsZero() {
		e.KeyIDs, e.ProtocolFamily = []string{mdsgen.KeyID(leaf)}, "u2f"
	} else {
		a := [16]byte(ad.AAGUID)
		e.AAGUID = &a
	}
	return e, true, nil
}

func newGWMDS(vs []*vector) (*gwMDS, error) {
	pki, err := mdsgen.NewPKI()
	if err != nil {
		return nil, err
	}
	var entries []mdsgen.Entry
	for _, v := range vs {
		e, ok, err := mdsEntryOf(v)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		// One entry per identifier: merge the roots of vectors sharing it.
		i := slices.IndexFunc(entries, func(x mdsgen.Entry) bool {
			return (x.AAGUID != nil && e.AAGUID != nil && *x.AAGUID == *e.AAGUID) ||
				(x.AAGUID == nil && e.AAGUID == nil && x.KeyIDs[0] == e.KeyIDs[0])
		})
		if i < 0 {
			entries = append(entries, e)
			continue
		}
		for _, r := range e.Roots {
			if !slices.ContainsFunc(entries[i].Roots, func(x []byte) bool { return bytes.Equal(x, r) }) {
				entries[i].Roots = append(entries[i].Roots, r)
			}
		}
	}
	blob, err := pki.Sign(1, "2099-01-01", entries)
	if err != nil {
		return nil, err
	}
	dec, err := metadata.NewDecoder(metadata.WithRootCertificate(pki.RootB64()))
	if err != nil {
		return nil, err
	}
	payload, err := dec.DecodeBytes(blob)
	if err != nil {
		return nil, err
	}
	md, err := dec.Parse(payload)
	if err != nil {
		return nil, err
	}
	if len(md.Parsed.Entries) != len(entries) {
		return nil, errors.New("bench: go-webauthn parsed fewer MDS entries than written")
	}
	mk := func(anchor bool) (metadata.Provider, error) {
		return memory.New(
			memory.WithMetadata(md.ToMap()),
			memory.WithMetadataKeyIdentifiers(md.ToKeyIdentifierMap()),
			memory.WithValidateEntry(true),
			memory.WithValidateEntryKeyIdentifier(true),
			memory.WithValidateStatus(true),
			memory.WithValidateAttestationTypes(true),
			memory.WithValidateTrustAnchor(anchor),
		)
	}
	m := &gwMDS{md: md, blob: blob, pki: pki}
	if m.provider, err = mk(true); err != nil {
		return nil, err
	}
	if m.noAnchor, err = mk(false); err != nil {
		return nil, err
	}
	return m, nil
}

// gwRegisterMDS is one full go-webauthn registration with the metadata
// provider; at non-zero runs the trust anchor step at that instant (gwMDSAt).
func gwRegisterMDS(v *vector, params []protocol.CredentialParameter, m *gwMDS, at time.Time) error {
	p, err := protocol.ParseCredentialCreationResponseBytes(v.Response)
	if err != nil {
		return err
	}
	mds := m.provider
	if !at.IsZero() {
		mds = m.noAnchor
	}
	if _, err = p.Verify(v.Challenge, v.RPID, v.Origins, nil, v.TopOrigins, gwTopMode(v),
		v.AllowCrossOrigin, v.RequireUserVerification, true, mds, params,
		protocol.AttestationPolicy{}, protocol.SignaturePolicy{}); err != nil {
		return err
	}
	if at.IsZero() {
		return nil
	}
	return gwMDSAt(p, m, at)
}

// gwMDSAt is the trust anchor step of go-webauthn's
// ValidateMetadataWithAuthenticatorData with the chain judged at at.
func gwMDSAt(p *protocol.ParsedCredentialCreationData, m *gwMDS, at time.Time) error {
	att := &p.Response.AttestationObject
	x5cs, _ := att.AttStatement["x5c"].([]any)
	if len(x5cs) == 0 {
		return errors.New("bench: no x5c")
	}
	aaguid, err := uuid.FromBytes(att.AuthData.AttData.AAGUID)
	if err != nil {
		return err
	}
	entry, err := m.provider.GetEntry(context.Background(), aaguid)
	if err != nil || entry == nil {
		return errors.New("bench: no metadata entry")
	}
	certs := make([]*x509.Certificate, len(x5cs))
	for i, x := range x5cs {
		raw, _ := x.([]byte)
		if certs[i], err = x509.ParseCertificate(raw); err != nil {
			return err
		}
	}
	x5c, x5cis := certs[0], certs[1:]
	if att.Type == string(metadata.AttCA) && protocol.AttestationFormat(att.Format) == protocol.AttestationFormatTPM {
		var perr *protocol.Error
		if x5c, x5cis, perr = gwTPMParseAIKAttCA(x5c, x5cis); perr != nil {
			return perr
		}
	}
	if !entry.MetadataStatement.AttestationTypes.HasCertificateTrustPath() {
		return errors.New("bench: entry without a certificate trust path")
	}
	opts := entry.MetadataStatement.Verifier(x5cis)
	opts.CurrentTime = at
	_, err = x5c.Verify(opts)
	return err
}

// gwMDSMode decides how go-webauthn-mds runs v: the real provider path
// (zero time), the verifyAt path when the real one fails only because a
// certificate has expired by today, or a rejection (skip).
func gwMDSMode(v *vector, params []protocol.CredentialParameter, m *gwMDS) (time.Time, error) {
	err := gwRegisterMDS(v, params, m, time.Time{})
	if err == nil {
		return time.Time{}, nil
	}
	var ce x509.CertificateInvalidError
	if !errors.As(err, &ce) || ce.Reason != x509.Expired {
		return time.Time{}, err
	}
	at := v.verifyTime()
	if err := gwRegisterMDS(v, params, m, at); err != nil {
		return time.Time{}, err
	}
	return at, nil
}

// TestGoWebauthnMDS checks the like-for-like configuration does what it
// claims: every packed, fido-u2f and tpm vector with anchors has an entry;
// go-webauthn with the provider accepts each vector go-webauthn accepts
// without it (or the reason is a certificate expired by today, judged again
// at verifyAt); and it rejects the vector once its entry names another root.
func TestGoWebauthnMDS(t *testing.T) {
	vs := benchVectors(t)
	m := gwMDSFor(t, vs)
	n := 0
	for _, v := range byCeremony(vs, "registration") {
		if _, ok, _ := mdsEntryOf(v); !ok {
			continue
		}
		n++
		t.Run(v.id, func(t *testing.T) {
			gwSetup(v)
			params := gwParams(v)
			if err := gwRegister(v, params); err != nil {
				t.Skipf("go-webauthn rejects %s even without metadata: %v", v.id, err)
			}
			at, err := gwMDSMode(v, params, m)
			if err != nil {
				t.Fatalf("go-webauthn-mds rejects %s: %v", v.id, err)
			}
			if !at.IsZero() {
				t.Logf("%s: chain judged at verifyAt %s (expired by today)", v.id, at.Format(time.DateOnly))
			}
			// Negative control: a provider whose entry names a foreign root.
			other, err := mdsgen.NewPKI()
			if err != nil {
				t.Fatal(err)
			}
			e, _, _ := mdsEntryOf(v)
			e.Roots = [][]byte{other.Root.Raw}
			blob, err := m.pki.Sign(2, "2099-01-01", []mdsgen.Entry{e})
			if err != nil {
				t.Fatal(err)
			}
			dec, _ := metadata.NewDecoder(metadata.WithRootCertificate(m.pki.RootB64()))
			payload, err := dec.DecodeBytes(blob)
			if err != nil {
				t.Fatal(err)
			}
			md, err := dec.Parse(payload)
			if err != nil {
				t.Fatal(err)
			}
			bad := &gwMDS{md: md, pki: m.pki}
			bad.provider, _ = memory.New(memory.WithMetadata(md.ToMap()), memory.WithMetadataKeyIdentifiers(md.ToKeyIdentifierMap()),
				memory.WithValidateEntry(true), memory.WithValidateEntryKeyIdentifier(true), memory.WithValidateTrustAnchor(true))
			bad.noAnchor, _ = memory.New(memory.WithMetadata(md.ToMap()), memory.WithMetadataKeyIdentifiers(md.ToKeyIdentifierMap()),
				memory.WithValidateEntry(true), memory.WithValidateEntryKeyIdentifier(true), memory.WithValidateTrustAnchor(false))
			if err := gwRegisterMDS(v, params, bad, at); err == nil {
				t.Fatalf("go-webauthn-mds accepts %s against a foreign root: the anchor is not judged", v.id)
			}
		})
	}
	if n == 0 {
		t.Fatal("no packed, fido-u2f or tpm vector with anchors")
	}
}
