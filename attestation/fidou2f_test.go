package attestation

import (
	"testing"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/trust"
)

type u2fKit struct {
	f    *forge.Forge
	root *forge.Cert
	att  *forge.Key
	r    *forge.Registration
}

func newU2FKit(credAlg cose.Algorithm) *u2fKit {
	f := forge.New("u2f")
	return &u2fKit{f: f, root: f.Root("root", cose.ES256), att: f.Key("att", cose.ES256), r: f.U2FRegistration("r", f.Key("cred", credAlg))}
}

func (k *u2fKit) stmt(t *testing.T, att *forge.Key, chain []*forge.Cert, edit func(forge.Stmt)) *fvCase {
	s := k.r.FIDOU2F(att, chain...)
	if edit != nil {
		edit(s)
	}
	return fvPrepare(t, t.Name(), k.r.Object("fido-u2f", s), k.r.ClientDataHash(), forge.Now, fvAnchors(k.root))
}

func TestFIDOU2FForgedOK(t *testing.T) {
	k := newU2FKit(cose.ES256)
	leaf := k.f.U2FLeaf("leaf", k.att, k.root)
	res, err := k.stmt(t, k.att, []*forge.Cert{leaf}, nil).verify()
	if err != nil || res.Type != TypeBasic || !res.Judged || len(res.TrustPath) != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	c := k.stmt(t, k.att, []*forge.Cert{leaf}, nil)
	c.opts = nil
	if res, err = c.verify(); err != nil || res.Judged {
		t.Fatalf("without anchors: %+v, %v", res, err)
	}
}

func TestFIDOU2FRejects(t *testing.T) {
	k := newU2FKit(cose.ES256)
	leaf := k.f.U2FLeaf("leaf", k.att, k.root)
	att384 := k.f.Key("att384", cose.ES384)
	leaf384 := k.f.U2FLeaf("leaf384", att384, k.root)
	attRSA := k.f.Key("attrsa", cose.RS256)
	leafRSA := k.f.U2FLeaf("leafrsa", attRSA, k.root)
	k384 := newU2FKit(cose.ES384)
	leafFor384 := k384.f.U2FLeaf("leaf", k384.att, k384.root)
	evilRoot := k.f.Root("evil", cose.ES256)
	evilLeaf := k.f.U2FLeaf("leaf", k.att, evilRoot)
	expired := k.f.Issue("expired", &forge.CertSpec{NotAfter: forge.Now.Add(-time.Hour)}, k.att, k.root)
	one := []*forge.Cert{leaf}

	runNeg(t, []negCase{
		// §8.6 step 1: syntax.
		{"sig missing", k.stmt(t, k.att, one, func(s forge.Stmt) { delete(s, "sig") }), ErrInvalidStatement, ErrMissingField},
		{"x5c missing", k.stmt(t, k.att, one, func(s forge.Stmt) { delete(s, "x5c") }), ErrInvalidStatement, ErrMissingField},
		{"x5c not an array", k.stmt(t, k.att, one, func(s forge.Stmt) { s["x5c"] = leaf.DER }), ErrInvalidStatement, ErrWrongType},
		{"unknown member alg", k.stmt(t, k.att, one, func(s forge.Stmt) { s["alg"] = int64(-7) }), ErrInvalidStatement, errUnknownMember},
		// §8.6 step 2: exactly one certificate, ECDSA P-256.
		{"two certificates", k.stmt(t, k.att, []*forge.Cert{leaf, k.root}, nil), ErrInvalidStatement, errU2FCertCount},
		{"P-384 certificate key", k.stmt(t, att384, []*forge.Cert{leaf384}, nil), ErrCertificate, errU2FCertKey},
		{"RSA certificate key", k.stmt(t, attRSA, []*forge.Cert{leafRSA}, nil), ErrCertificate, errU2FCertKey},
		// §8.6 step 3-4: credential key EC2 P-256.
		{"P-384 credential key", k384.stmt(t, k384.att, []*forge.Cert{leafFor384}, nil), ErrAlgorithm, errU2FCredKey},
		// §8.6 step 5-6: signature over verificationData.
		{"bad signature", k.stmt(t, k.att, one, func(s forge.Stmt) { flip(s["sig"].([]byte)) }), ErrBadSignature, nil},
		{"signed by another key", k.stmt(t, k.f.Key("other", cose.ES256), one, nil), ErrBadSignature, nil},
		// §8.6 step 7: the chain.
		{"expired certificate", k.stmt(t, k.att, []*forge.Cert{expired}, nil), ErrUntrusted, trust.ErrExpired},
		{"not issued by an anchor", k.stmt(t, k.att, []*forge.Cert{evilLeaf}, nil), ErrUntrusted, trust.ErrUntrusted},
	})

	// The signature covers every piece of verificationData: changing the
	// client data hash after signing breaks it.
	c := k.stmt(t, k.att, one, nil)
	c.cdh = append([]byte{}, c.cdh...)
	c.cdh[0] ^= 1
	runNeg(t, []negCase{{"other clientDataHash", c, ErrBadSignature, nil}})
}

// TestFIDOU2FAllocations: statement syntax does not allocate. Excluded:
// certificate parsing, ES256 verification (ecdsa.VerifyASN1) and chain
// verification.
func TestFIDOU2FAllocations(t *testing.T) {
	k := newU2FKit(cose.ES256)
	c := k.stmt(t, k.att, []*forge.Cert{k.f.U2FLeaf("leaf", k.att, k.root)}, nil)
	n := testing.AllocsPerRun(100, func() {
		if _, _, err := u2fSyntax(c.obj.AttStmt); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations, want 0", n)
	}
}
