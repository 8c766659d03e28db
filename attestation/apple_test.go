package attestation

import (
	"crypto/sha256"
	"crypto/x509/pkix"
	"testing"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/trust"
)

type appleKit struct {
	f        *forge.Forge
	root, ca *forge.Cert
	r        *forge.Registration
}

func newAppleKit() *appleKit {
	f := forge.New("apple")
	k := &appleKit{f: f, root: f.Root("root", cose.ES384)}
	k.ca = f.Intermediate("ca", cose.ES384, k.root)
	k.r = f.Registration("r", f.Key("cred", cose.ES256))
	return k
}

func (k *appleKit) nonce() []byte {
	ad, cdh := k.r.SignedData()
	return forge.AppleNonce(ad, cdh)
}

// withCert forges the statement {"x5c": [credCert, ca]}, edited by edit.
func (k *appleKit) withCert(t *testing.T, cred *forge.Cert, edit func(forge.Stmt)) *fvCase {
	s := forge.Stmt{"x5c": forge.X5C(cred, k.ca)}
	if edit != nil {
		edit(s)
	}
	return fvPrepare(t, t.Name(), k.r.Object("apple", s), k.r.ClientDataHash(), forge.Now, fvAnchors(k.root))
}

func (k *appleKit) cert(edit func(*forge.CertSpec)) *forge.Cert {
	return k.f.AppleCredCert("cred", k.r.Cred, k.ca, k.nonce(), edit)
}

func TestAppleForgedOK(t *testing.T) {
	k := newAppleKit()
	res, err := k.withCert(t, k.cert(nil), nil).verify()
	if err != nil || res.Type != TypeAnonCA || !res.Judged || len(res.TrustPath) != 2 {
		t.Fatalf("%+v, %v", res, err)
	}
	// Apple authenticators send "alg" too; it is accepted and ignored.
	if _, err := k.withCert(t, k.cert(nil), func(s forge.Stmt) { s["alg"] = int64(cose.ES256) }).verify(); err != nil {
		t.Fatalf("with alg: %v", err)
	}
	// The nonce extension may be critical: this procedure handles it.
	crit := k.cert(func(s *forge.CertSpec) { s.Extensions[0].Critical = true })
	if _, err := k.withCert(t, crit, nil).verify(); err != nil {
		t.Fatalf("critical nonce extension: %v", err)
	}
}

func TestAppleRejects(t *testing.T) {
	k := newAppleKit()
	good := k.cert(nil)
	wrongNonce := sha256.Sum256([]byte("another ceremony"))
	badExt := pkix.Extension{Id: forge.OIDAppleNonce, Value: []byte{0x04, 0x20}}
	badExt.Value = append(badExt.Value, k.nonce()...) // bare OCTET STRING, no SEQUENCE/[1]
	evilRoot := k.f.Root("evil", cose.ES384)
	evilCA := k.f.Intermediate("evil-ca", cose.ES384, evilRoot)

	runNeg(t, []negCase{
		// §8.8 step 1: syntax.
		{"x5c missing", k.withCert(t, good, func(s forge.Stmt) { delete(s, "x5c") }), ErrInvalidStatement, ErrMissingField},
		{"x5c element not bytes", k.withCert(t, good, func(s forge.Stmt) { s["x5c"] = []any{1} }), ErrInvalidStatement, ErrWrongType},
		{"alg not an integer", k.withCert(t, good, func(s forge.Stmt) { s["alg"] = "ES256" }), ErrInvalidStatement, ErrWrongType},
		{"unknown member", k.withCert(t, good, func(s forge.Stmt) { s["sig"] = []byte{1} }), ErrInvalidStatement, errUnknownMember},
		// §8.8 steps 2-4: the nonce.
		{"nonce mismatch", k.withCert(t, k.f.AppleCredCert("cred", k.r.Cred, k.ca, wrongNonce[:], nil), nil), ErrNonceMismatch, errAppleNonce},
		{"nonce extension missing", k.withCert(t, k.cert(func(s *forge.CertSpec) { s.Extensions = nil }), nil), ErrCertificate, errAppleNoNonce},
		{"nonce extension malformed", k.withCert(t, k.cert(func(s *forge.CertSpec) { s.Extensions = []pkix.Extension{badExt} }), nil), ErrCertificate, errAppleBadNonceExt},
		{"nonce short", k.withCert(t, k.f.AppleCredCert("cred", k.r.Cred, k.ca, k.nonce()[:31], nil), nil), ErrCertificate, errAppleBadNonceExt},
		// §8.8 step 5: the credential key.
		{"key mismatch", k.withCert(t, k.f.AppleCredCert("cred", k.f.Key("other", cose.ES256), k.ca, k.nonce(), nil), nil), ErrKeyMismatch, errAppleKey},
		// §8.8 step 6: the chain.
		{"untrusted CA", k.withCert(t, k.f.AppleCredCert("cred", k.r.Cred, evilCA, k.nonce(), nil), func(s forge.Stmt) {
			s["x5c"] = append(s["x5c"].([][]byte)[:1], evilCA.DER)
		}), ErrUntrusted, trust.ErrUntrusted},
	})
}

// TestAppleAllocations: statement syntax and extracting and comparing the
// nonce extension of a parsed credCert do not allocate. Excluded: certificate
// parsing, SHA-256 of the nonce input, the key comparison (it converts the
// COSE key to a crypto.PublicKey) and chain verification.
func TestAppleAllocations(t *testing.T) {
	k := newAppleKit()
	cert := k.cert(nil)
	c := k.withCert(t, cert, nil)
	var nonce [sha256.Size]byte
	copy(nonce[:], k.nonce())
	n := testing.AllocsPerRun(100, func() {
		if _, err := appleSyntax(c.obj.AttStmt); err != nil {
			t.Fatal(err)
		}
		var lc x509lite.Certificate
		if err := x509lite.Parse(cert.Cert.Raw, &lc); err != nil {
			t.Fatal(err)
		}
		if err := checkAppleNonce(&lc, &nonce); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations, want 0", n)
	}
}
