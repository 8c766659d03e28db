package trust

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/internal/x509lite/x509sig"
)

// vectorChain is one x5c of a vector: the statement's own, or the one in
// the header of an android-safetynet JWS.
type vectorChain struct {
	name string
	ok   bool // the vector is expected to verify
	x5c  [][]byte
}

// vectorChains returns every x5c of the shared and generated vectors, each
// followed by the vector's trust anchor named as its last certificate's
// issuer, if any.
func vectorChains(tb testing.TB) []vectorChain {
	tb.Helper()
	var out []vectorChain
	for _, dir := range []string{testenv.VectorsDir(tb), filepath.Join(testenv.TestdataDir(), "vectors")} {
		for _, v := range testenv.LoadVectors(tb, dir) {
			if x5c := statementX5C(v); len(x5c) != 0 {
				out = append(out, vectorChain{v.Name, v.Expect.OK, append(x5c, anchorOf(tb, v, x5c[len(x5c)-1])...)})
			}
		}
	}
	if len(out) < 10 {
		tb.Fatalf("only %d x5c chains in the vectors", len(out))
	}
	return out
}

func statementX5C(v *vectors.Vector) [][]byte {
	var obj struct {
		AttStmt fxcbor.RawMessage `cbor:"attStmt"`
	}
	var stmt struct {
		X5C      [][]byte `cbor:"x5c"`
		Response []byte   `cbor:"response"`
	}
	if fxcbor.Unmarshal(v.AttestationObject(), &obj) != nil || fxcbor.Unmarshal(obj.AttStmt, &stmt) != nil {
		return nil
	}
	if v.Fmt != "android-safetynet" || len(stmt.X5C) != 0 {
		return stmt.X5C
	}
	// The JWS header's x5c: standard base64 DER (RFC 7515 §4.1.6).
	head, _, _ := strings.Cut(string(stmt.Response), ".")
	hb, err := base64.RawURLEncoding.DecodeString(head)
	var h struct{ X5C [][]byte }
	if err != nil || json.Unmarshal(hb, &h) != nil {
		return nil
	}
	return h.X5C
}

// anchorOf returns the DER of v's first trust anchor whose subject is last's
// issuer and that is not last itself.
func anchorOf(tb testing.TB, v *vectors.Vector, last []byte) [][]byte {
	tb.Helper()
	pems, err := v.AnchorPEMs()
	if err != nil {
		tb.Fatal(err)
	}
	p, err := ParseCertificate(last)
	if err != nil {
		return nil
	}
	for _, b := range pems {
		pool, err := ParsePEM(b)
		if err != nil {
			tb.Fatal(err)
		}
		for _, a := range pool.issuersOf(p.RawIssuer, p.AuthorityKeyId) {
			if !bytes.Equal(a.Raw, last) {
				return [][]byte{a.Raw}
			}
		}
	}
	return nil
}

// x509Verdict is the signature verdict crypto/x509 gives, with SHA-1
// signatures (which it refuses) judged by trust's own SHA-1 check.
func x509Verdict(child, issuer *x509.Certificate, from bool) bool {
	var err error
	if from {
		err = child.CheckSignatureFrom(issuer)
	} else {
		err = issuer.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	}
	if _, sha1 := errors.AsType[x509.InsecureAlgorithmError](err); sha1 {
		return checkSHA1Signature(child, issuer)
	}
	return err == nil
}

// liteVerdict is the same verdict from x509lite/x509sig.
func liteVerdict(child, issuer *x509lite.Certificate, key any, from bool) bool {
	if from {
		err := x509sig.CheckSignatureFrom(child, issuer, key)
		if !errors.Is(err, x509sig.ErrInsecureAlgorithm) {
			return err == nil
		}
	}
	return x509sig.Verify(child, key, true) == nil
}

// TestChainDifferential reads every x5c of the vectors with crypto/x509
// (ParseCertificate) and with Chain, and checks that they agree on each
// certificate's names, validity, CA bit and key, and, for every ordered pair
// of certificates in the chain, on the signature verdict: with issuer checks
// (CheckSignatureFrom) and without (CheckSignature / x509sig.Verify).
func TestChainDifferential(t *testing.T) {
	pairs, valid, sha1, read := 0, 0, 0, 0
	chains := vectorChains(t)
	for _, vc := range chains {
		if len(vc.x5c) > MaxChainLen {
			t.Errorf("%s: %d certificates", vc.name, len(vc.x5c))
			continue
		}
		var ch Chain
		std := make([]*x509.Certificate, len(vc.x5c))
		for i, der := range vc.x5c {
			c, err := ParseCertificate(der)
			lerr := ch.Append(der)
			if err != nil || lerr != nil {
				// The reader accepts a subset of crypto/x509; a chain of a
				// vector expected to verify must read both ways.
				if vc.ok || (err == nil) != (lerr == nil) && !errors.Is(lerr, ErrNameConstraints) {
					t.Errorf("%s: certificate %d: crypto/x509: %v; Chain: %v", vc.name, i, err, lerr)
				}
				std = nil
				break
			}
			std[i] = c
		}
		if std == nil {
			continue
		}
		read++
		keys := make([]any, len(std))
		for i, c := range std {
			l := ch.Certificate(i)
			switch {
			case !bytes.Equal(c.RawSubject, l.RawSubject), !bytes.Equal(c.RawIssuer, l.RawIssuer):
				t.Errorf("%s: certificate %d: names differ", vc.name, i)
			case !c.NotBefore.Equal(l.NotBefore), !c.NotAfter.Equal(l.NotAfter):
				t.Errorf("%s: certificate %d: validity %v..%v, Chain %v..%v", vc.name, i, c.NotBefore, c.NotAfter, l.NotBefore, l.NotAfter)
			case c.BasicConstraintsValid != l.BasicConstraintsValid, c.IsCA != l.IsCA, c.MaxPathLen != l.MaxPathLen:
				t.Errorf("%s: certificate %d: basicConstraints differ", vc.name, i)
			}
			k, err := (&Verifier{}).PublicKey(&ch, i)
			if eq, ok := k.(interface{ Equal(crypto.PublicKey) bool }); err != nil || !ok || !eq.Equal(c.PublicKey) {
				t.Errorf("%s: certificate %d: key %T (%v), crypto/x509 %T", vc.name, i, k, err, c.PublicKey)
			}
			keys[i] = k
		}
		for i, c := range std {
			for j, p := range std {
				for _, from := range []bool{false, true} {
					want := x509Verdict(c, p, from)
					if got := liteVerdict(ch.Certificate(i), ch.Certificate(j), keys[j], from); got != want {
						t.Errorf("%s: %d signed by %d (issuer checks %v): Chain %v, crypto/x509 %v", vc.name, i, j, from, got, want)
					}
					if want && j == i+1 && from {
						valid++
						if c.SignatureAlgorithm == x509.SHA1WithRSA || c.SignatureAlgorithm == x509.ECDSAWithSHA1 {
							sha1++
						}
					}
				}
				pairs++
			}
		}
	}
	// Most links of real chains verify: a check that never sees a valid
	// signature compares nothing.
	if valid == 0 || pairs < 50 {
		t.Fatalf("%d pairs, %d valid links", pairs, valid)
	}
	t.Logf("%d of %d chains read both ways; %d certificate pairs; %d valid links, %d of them SHA-1", read, len(chains), pairs, valid, sha1)
}
