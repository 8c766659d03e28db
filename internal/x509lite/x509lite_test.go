package x509lite_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"math/big"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/internal/x509lite/x509sig"
	"github.com/passkeykit/webauthn/trust"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// seeds returns the DER of every certificate the vectors hold (x5c and
// anchors of the shared and generated vectors) and the embedded roots, plus a
// copy of the first one with its serial made negative.
func seeds(tb testing.TB) [][]byte {
	tb.Helper()
	out := testenv.Certificates(tb)
	if len(out) < 20 {
		tb.Fatalf("only %d certificates in the vectors", len(out))
	}
	for _, der := range out {
		if off, ok := serialOffset(der); ok && der[off] < 0x80 && der[off] != 0 {
			neg := bytes.Clone(der)
			neg[off] |= 0x80
			out = append(out, neg)
			break
		}
	}
	return out
}

// serialOffset returns the offset of the serialNumber content.
func serialOffset(der []byte) (int, bool) {
	s := cryptobyte.String(der)
	var cert, tbs, serial cryptobyte.String
	if !s.ReadASN1(&cert, asn1.SEQUENCE) || !cert.ReadASN1(&tbs, asn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) || !tbs.ReadASN1(&serial, asn1.INTEGER) || len(serial) == 0 {
		return 0, false
	}
	return len(der) - len(serial) - len(tbs), true
}

var sigAlgs = map[x509lite.SignatureAlgorithm]x509.SignatureAlgorithm{
	x509lite.SHA1WithRSA:     x509.SHA1WithRSA,
	x509lite.ECDSAWithSHA1:   x509.ECDSAWithSHA1,
	x509lite.SHA256WithRSA:   x509.SHA256WithRSA,
	x509lite.SHA384WithRSA:   x509.SHA384WithRSA,
	x509lite.SHA512WithRSA:   x509.SHA512WithRSA,
	x509lite.ECDSAWithSHA256: x509.ECDSAWithSHA256,
	x509lite.ECDSAWithSHA384: x509.ECDSAWithSHA384,
	x509lite.ECDSAWithSHA512: x509.ECDSAWithSHA512,
	x509lite.PureEd25519:     x509.PureEd25519,
}

var pkAlgs = map[x509lite.PublicKeyAlgorithm]x509.PublicKeyAlgorithm{
	x509lite.RSA: x509.RSA, x509lite.ECDSAP256: x509.ECDSA, x509lite.ECDSAP384: x509.ECDSA,
	x509lite.ECDSAP521: x509.ECDSA, x509lite.Ed25519: x509.Ed25519,
}

// differential parses der with both readers. It fails when ours accepts what
// crypto/x509 refuses (a negative serial excepted: then the oracle is
// trust.ParseCertificate, which crypto/x509 parses from a patched copy), and
// when both accept but a field differs. It returns whether ours accepted.
func differential(t *testing.T, der []byte) bool {
	t.Helper()
	var c x509lite.Certificate
	err := x509lite.Parse(der, &c)
	if err == nil {
		if _, kerr := x509sig.PublicKey(&c); kerr != nil {
			err = kerr
		}
	}
	xc, xerr := x509.ParseCertificate(der)
	if xerr != nil && err == nil && len(c.Serial) > 0 && c.Serial[0]&0x80 != 0 {
		xc, xerr = trust.ParseCertificate(der)
	}
	switch {
	case err != nil:
		return false
	case xerr != nil:
		t.Fatalf("x509lite accepts what crypto/x509 refuses (%v): %x", xerr, der)
	}
	agree(t, &c, xc)
	return true
}

func agree(t *testing.T, c *x509lite.Certificate, x *x509.Certificate) {
	t.Helper()
	bad := func(field string, ours, theirs any) { t.Errorf("%s: x509lite %v, crypto/x509 %v", field, ours, theirs) }
	eq := func(field string, a, b []byte) {
		if !bytes.Equal(a, b) || (a == nil) != (b == nil) {
			bad(field, a, b)
		}
	}
	eq("Raw", c.Raw, x.Raw)
	eq("RawTBS", c.RawTBS, x.RawTBSCertificate)
	eq("RawIssuer", c.RawIssuer, x.RawIssuer)
	eq("RawSubject", c.RawSubject, x.RawSubject)
	eq("RawSPKI", c.RawSPKI, x.RawSubjectPublicKeyInfo)
	eq("Signature", c.Signature, x.Signature)
	if c.Version != x.Version {
		bad("Version", c.Version, x.Version)
	}
	serial := new(big.Int).SetBytes(c.Serial)
	if len(c.Serial) > 0 && c.Serial[0]&0x80 != 0 {
		serial.Sub(serial, new(big.Int).Lsh(big.NewInt(1), uint(8*len(c.Serial))))
	}
	if serial.Cmp(x.SerialNumber) != 0 {
		bad("Serial", serial, x.SerialNumber)
	}
	if sigAlgs[c.SignatureAlgorithm] != x.SignatureAlgorithm {
		bad("SignatureAlgorithm", c.SignatureAlgorithm, x.SignatureAlgorithm)
	}
	if pkAlgs[c.PublicKeyAlgorithm] != x.PublicKeyAlgorithm {
		bad("PublicKeyAlgorithm", c.PublicKeyAlgorithm, x.PublicKeyAlgorithm)
	}
	if k, err := x509sig.PublicKey(c); err != nil || !k.(interface{ Equal(crypto.PublicKey) bool }).Equal(x.PublicKey) {
		bad("PublicKey", k, x.PublicKey)
	}
	if !c.NotBefore.Equal(x.NotBefore) || !c.NotAfter.Equal(x.NotAfter) {
		bad("Validity", [2]any{c.NotBefore, c.NotAfter}, [2]any{x.NotBefore, x.NotAfter})
	}
	if c.BasicConstraintsValid != x.BasicConstraintsValid || c.IsCA != x.IsCA || c.MaxPathLen != x.MaxPathLen || c.MaxPathLenZero != x.MaxPathLenZero {
		bad("BasicConstraints", [4]any{c.BasicConstraintsValid, c.IsCA, c.MaxPathLen, c.MaxPathLenZero},
			[4]any{x.BasicConstraintsValid, x.IsCA, x.MaxPathLen, x.MaxPathLenZero})
	}
	if x509.KeyUsage(c.KeyUsage) != x.KeyUsage {
		bad("KeyUsage", c.KeyUsage, x.KeyUsage)
	}
	eq("SubjectKeyID", c.SubjectKeyID, x.SubjectKeyId)
	eq("AuthorityKeyID", c.AuthorityKeyID, x.AuthorityKeyId)
	want := map[string][]byte{}
	crit := map[string]bool{}
	for _, e := range x.Extensions {
		want[e.Id.String()] = e.Value
		crit[e.Id.String()] = e.Critical
	}
	eq("ExtKeyUsage", c.ExtKeyUsage, want["2.5.29.37"])
	eq("SubjectAltName", c.SubjectAltName, want["2.5.29.17"])
	eq("FIDOAAGUID", c.FIDOAAGUID, want["1.3.6.1.4.1.45724.1.1.4"])
	eq("AppleNonce", c.AppleNonce, want["1.2.840.113635.100.8.2"])
	eq("AndroidKeyDescription", c.AndroidKeyDescription, want["1.3.6.1.4.1.11129.2.1.17"])
	if ours, theirs := [4]bool{c.SubjectAltNameCritical, c.FIDOAAGUIDCritical, c.AppleNonceCritical, c.AndroidKeyDescriptionCritical},
		[4]bool{crit["2.5.29.17"], crit["1.3.6.1.4.1.45724.1.1.4"], crit["1.2.840.113635.100.8.2"], crit["1.3.6.1.4.1.11129.2.1.17"]}; ours != theirs {
		bad("criticality (SAN, AAGUID, Apple nonce, Android key description)", ours, theirs)
	}
	if c.HasKeyUsage != (want["2.5.29.15"] != nil) {
		bad("HasKeyUsage", c.HasKeyUsage, want["2.5.29.15"] != nil)
	}
	// Unknown critical extensions are refused, so none can remain.
	if n := len(x.UnhandledCriticalExtensions); n > 0 {
		for _, id := range x.UnhandledCriticalExtensions {
			switch id.String() {
			case "2.5.29.17", "1.3.6.1.4.1.45724.1.1.4", "1.2.840.113635.100.8.2", "1.3.6.1.4.1.11129.2.1.17":
			default:
				bad("UnhandledCriticalExtensions", nil, id)
			}
		}
	}
}

// TestDifferential runs every seed through both readers and counts the
// seeds x509lite refuses, with the reason, so a stricter rule that bites a
// real certificate is seen.
func TestDifferential(t *testing.T) {
	refused := map[string]int{}
	all := seeds(t)
	for _, der := range all {
		if !differential(t, der) {
			var c x509lite.Certificate
			err := x509lite.Parse(der, &c)
			if err == nil {
				_, err = x509sig.PublicKey(&c)
			}
			refused[err.Error()]++
			if _, xerr := x509.ParseCertificate(der); xerr == nil {
				t.Logf("refused, crypto/x509 accepts (%v): %.40x…", err, der)
			}
		}
	}
	t.Logf("%d certificates, refused by x509lite: %v", len(all), refused)
}

func FuzzDifferential(f *testing.F) {
	for _, der := range seeds(f) {
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) { differential(t, der) })
}
