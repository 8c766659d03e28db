package forge

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"testing"

	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
)

var algs = []cose.Algorithm{cose.ES256, cose.ES384, cose.ES512, cose.ESP256, cose.EdDSA, cose.Ed25519, cose.Ed448,
	cose.RS256, cose.RS384, cose.RS512, cose.PS256, cose.PS384, cose.PS512}

func TestDeterministic(t *testing.T) {
	for _, alg := range algs {
		a, b := New("seed").Key("k", alg), New("seed").Key("k", alg)
		if !bytes.Equal(a.COSE(), b.COSE()) {
			t.Errorf("%v: keys differ", alg)
		}
		if !bytes.Equal(a.Sign([]byte("m")), b.Sign([]byte("m"))) {
			t.Errorf("%v: signatures differ", alg)
		}
		if (alg == cose.ES256 || alg == cose.Ed25519 || alg == cose.Ed448) && bytes.Equal(New("other").Key("k", alg).COSE(), a.COSE()) {
			t.Errorf("%v: seed ignored", alg)
		}
	}
	f := New("seed")
	root := f.Root("root", cose.ES256)
	if !bytes.Equal(root.DER, New("seed").Root("root", cose.ES256).DER) {
		t.Error("certificates differ")
	}
}

func TestCOSEParses(t *testing.T) {
	f := New("seed")
	for _, alg := range algs {
		var k cose.Key
		if err := cose.ParseKey(f.Key("k", alg).COSE(), &k); err != nil {
			t.Errorf("%v: %v", alg, err)
		} else if k.Alg != alg {
			t.Errorf("%v: parsed alg %v", alg, k.Alg)
		}
	}
}

func TestPSS(t *testing.T) {
	k := New("seed").Key("k", cose.PS256)
	sig := k.Sign([]byte("hello"))
	d := digest(crypto.SHA256, []byte("hello"))
	pub := k.Public().(*rsa.PublicKey)
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d, sig, &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}); err != nil {
		t.Fatal(err)
	}
}

func TestCertificates(t *testing.T) {
	f := New("seed")
	root := f.Root("root", cose.ES384)
	ca := f.Intermediate("ca", cose.RS256, root)
	aaguid := f.AAGUID("x")
	leaf := f.PackedLeaf("leaf", f.Key("att", cose.ES256), ca, aaguid[:], nil)
	pool := x509.NewCertPool()
	pool.AddCert(root.Cert)
	inter := x509.NewCertPool()
	inter.AddCert(ca.Cert)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: Now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{1, 2} {
		c := f.PackedLeaf("leaf", f.Key("att", cose.ES256), ca, nil, func(s *CertSpec) { s.Version = v })
		if c.Cert.Version != v {
			t.Errorf("version %d: got %d", v, c.Cert.Version)
		}
		if err := c.Cert.CheckSignatureFrom(ca.Cert); err != nil {
			t.Errorf("version %d: %v", v, err)
		}
	}
}

func TestObject(t *testing.T) {
	f := New("seed")
	r := f.Registration("r", f.Key("cred", cose.ES256))
	var o attestation.Object
	if err := attestation.ParseObject(r.Object("packed", r.PackedSelf()), &o); err != nil {
		t.Fatal(err)
	}
	var ad authdata.AuthData
	if err := authdata.Parse(o.AuthData, &ad); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ad.CredentialID, r.AuthData.CredentialID) {
		t.Fatal("credential ID")
	}
	c := Compound(Entry{"packed", r.PackedSelf()}, Entry{"none", Stmt{}})
	if err := attestation.ParseObject(r.Object("compound", c), &o); err != nil {
		t.Fatal(err)
	}
}
