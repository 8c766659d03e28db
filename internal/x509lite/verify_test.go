package x509lite_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/internal/x509lite/x509sig"
)

// link is a child and a candidate issuer among the seeds (issuer name equal
// to subject name).
type link struct{ child, issuer []byte }

func links(tb testing.TB) []link {
	var all [][]byte
	seen := map[string]bool{}
	for _, der := range accepted(tb) {
		if !seen[string(der)] {
			seen[string(der)] = true
			all = append(all, der)
		}
	}
	var out []link
	for _, c := range all {
		var cc x509lite.Certificate
		if x509lite.Parse(c, &cc) != nil {
			continue
		}
		for _, i := range all {
			var ic x509lite.Certificate
			if x509lite.Parse(i, &ic) == nil && bytes.Equal(cc.RawIssuer, ic.RawSubject) {
				out = append(out, link{c, i})
			}
		}
	}
	return out
}

// TestCheckSignatureFromDifferential: on every seed pair whose names chain,
// CheckSignatureFrom agrees with crypto/x509's (SHA-1 refused by both).
func TestCheckSignatureFromDifferential(t *testing.T) {
	ok, bad := 0, 0
	for _, l := range links(t) {
		var c, i x509lite.Certificate
		if x509lite.Parse(l.child, &c) != nil || x509lite.Parse(l.issuer, &i) != nil {
			t.Fatal("seed refused")
		}
		key, err := x509sig.PublicKey(&i)
		if err != nil {
			t.Fatal(err)
		}
		ours := x509sig.CheckSignatureFrom(&c, &i, key)
		xc, err1 := x509.ParseCertificate(l.child)
		xi, err2 := x509.ParseCertificate(l.issuer)
		if err1 != nil || err2 != nil {
			continue // negative serial seed
		}
		theirs := xc.CheckSignatureFrom(xi)
		if (ours == nil) != (theirs == nil) {
			t.Errorf("x509lite %v, crypto/x509 %v", ours, theirs)
		}
		if ours == nil {
			ok++
		} else {
			bad++
		}
		// A flipped signature byte must fail.
		if ours == nil {
			mut := bytes.Clone(l.child)
			mut[len(mut)-5] ^= 1
			var m x509lite.Certificate
			if x509lite.Parse(mut, &m) == nil && x509sig.CheckSignatureFrom(&m, &i, key) == nil {
				t.Error("a flipped signature byte verifies")
			}
		}
	}
	if ok < 10 {
		t.Fatalf("only %d verified links", ok)
	}
	t.Logf("%d links verify, %d refused by both", ok, bad)
}

func TestCheckSignatureFromKeyMismatch(t *testing.T) {
	ls := links(t)
	var rsaKeyed, ecSigned *x509lite.Certificate
	var rsaKey any
	for _, l := range ls {
		var c, i x509lite.Certificate
		_ = x509lite.Parse(l.child, &c)
		_ = x509lite.Parse(l.issuer, &i)
		if i.PublicKeyAlgorithm == x509lite.RSA && rsaKeyed == nil {
			rsaKeyed = &i
			rsaKey, _ = x509sig.PublicKey(&i)
		}
		if c.SignatureAlgorithm == x509lite.ECDSAWithSHA256 && ecSigned == nil {
			ecSigned = &c
		}
	}
	if rsaKeyed == nil || ecSigned == nil {
		t.Skip("no RSA issuer or ECDSA-signed child among the seeds")
	}
	if err := x509sig.CheckSignatureFrom(ecSigned, rsaKeyed, rsaKey); !errors.Is(err, x509sig.ErrBadSignature) {
		t.Fatalf("ECDSA signature checked with an RSA key: %v", err)
	}
}
