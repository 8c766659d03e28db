package attestation

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/internal/tpm"
	"github.com/passkeykit/webauthn/trust"
)

// forgedCase parses a forged attestation object into a ready Input, verified
// at forge.Now.
func forgedCase(tb testing.TB, obj, clientDataHash []byte) *hwCase {
	tb.Helper()
	c := &hwCase{}
	copy(c.cdh[:], clientDataHash)
	if err := ParseObject(obj, &c.obj); err != nil {
		tb.Fatal(err)
	}
	if err := authdata.Parse(c.obj.AuthData, &c.ad); err != nil {
		tb.Fatal(err)
	}
	if err := cose.ParseKey(c.ad.CredentialPublicKey, &c.key); err != nil {
		tb.Fatal(err)
	}
	c.in = Input{Object: &c.obj, AuthData: &c.ad, ClientDataHash: c.cdh[:], CredentialKey: &c.key, Time: forge.Now, Options: &c.opts}
	return c
}

// anchoredBy makes root the only anchor for format.
func (c *hwCase) anchoredBy(format string, root *forge.Cert) *hwCase {
	c.opts.Anchors = &trust.Static{ByFormat: map[string]*trust.Pool{format: trust.NewPool(root.Cert)}}
	return c
}

// expectErr asserts err is an *Error of class kind and, when cause is not nil, wraps cause.
func expectErr(tb testing.TB, err, kind, cause error) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("verified; want %v / %v", kind, cause)
	}
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("%v is not *Error", err)
	}
	if !errors.Is(err, kind) {
		tb.Fatalf("error %v is not %v", err, kind)
	}
	if cause != nil && !errors.Is(err, cause) {
		tb.Fatalf("error %v does not wrap %v", err, cause)
	}
}

// tpmBuild describes a forged tpm registration; the edit hooks break one check.
type tpmBuild struct {
	credAlg, aikAlg cose.Algorithm
	aikSpec         func(*forge.CertSpec)
	attest          func(*forge.TPMAttest)
	pubArea         func([]byte) []byte
	stmt            func(forge.Stmt)
	aaguid          bool // put the AAGUID extension in the AIK certificate
}

func (b *tpmBuild) build(tb testing.TB) *hwCase {
	tb.Helper()
	f := forge.New("tpm-test")
	credAlg, aikAlg := b.credAlg, b.aikAlg
	if credAlg == 0 {
		credAlg = cose.ES256
	}
	if aikAlg == 0 {
		aikAlg = cose.RS256
	}
	cred := f.Key("cred", credAlg)
	r := f.Registration("tpm", cred)
	root := f.Root("tpm-root", cose.ES256)
	aik := f.Key("aik", aikAlg)
	var aaguid []byte
	if b.aaguid {
		aaguid = r.AuthData.AAGUID[:]
	}
	spec := forge.TPMAIKSpec(aaguid)
	if b.aikSpec != nil {
		b.aikSpec(spec)
	}
	leaf := f.Issue("aik", spec, aik, root)
	var pub []byte
	if b.pubArea != nil {
		pub = b.pubArea(forge.TPMPublic(cred.Public()))
	}
	st := r.TPM(aik, pub, b.attest, leaf)
	if b.stmt != nil {
		b.stmt(st)
	}
	return forgedCase(tb, r.Object("tpm", st), r.ClientDataHash()).anchoredBy("tpm", root)
}

// pubAreaField returns the offset of field, a view into pubArea.
func pubAreaField(tb testing.TB, pubArea []byte, get func(*tpm.Public) []byte) int {
	tb.Helper()
	var p tpm.Public
	if err := tpm.ParsePublic(pubArea, &p); err != nil {
		tb.Fatal(err)
	}
	i := bytes.Index(pubArea, get(&p))
	if i < 0 {
		tb.Fatal("field not found")
	}
	return i
}

func TestTPMForged(t *testing.T) {
	for _, b := range []tpmBuild{
		{credAlg: cose.ES256, aikAlg: cose.RS256},
		{credAlg: cose.RS256, aikAlg: cose.RS256},
		{credAlg: cose.ES256, aikAlg: cose.RS1},
		{credAlg: cose.ES384, aikAlg: cose.ES256},
		{credAlg: cose.ES256, aikAlg: cose.PS256, aaguid: true},
	} {
		t.Run(b.credAlg.String()+"/"+b.aikAlg.String(), func(t *testing.T) {
			c := b.build(t)
			res, err := c.verify()
			if err != nil {
				t.Fatal(err)
			}
			if res.Type != TypeAttCA || !res.Judged || len(res.TrustPath) != 1 {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// TestTPMRejects breaks each check of §8.3 and §8.3.1 in turn.
func TestTPMRejects(t *testing.T) {
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[i] ^= 1; return b }
	}
	tests := []struct {
		name        string
		b           tpmBuild
		kind, cause error
	}{
		{"ver 2.1", tpmBuild{stmt: func(s forge.Stmt) { s["ver"] = "2.1" }}, ErrInvalidStatement, ErrTPMVersion},
		{"ver missing", tpmBuild{stmt: func(s forge.Stmt) { delete(s, "ver") }}, ErrInvalidStatement, ErrMissingField},
		{"alg missing", tpmBuild{stmt: func(s forge.Stmt) { delete(s, "alg") }}, ErrInvalidStatement, ErrMissingField},
		{"ecdaaKeyId", tpmBuild{stmt: func(s forge.Stmt) { s["ecdaaKeyId"] = []byte{1} }}, ErrInvalidStatement, ErrTPMECDAA},
		{"unknown member", tpmBuild{stmt: func(s forge.Stmt) { s["extra"] = 1 }}, ErrInvalidStatement, ErrTPMUnknownMember},
		{"x5c missing", tpmBuild{stmt: func(s forge.Stmt) { delete(s, "x5c") }}, ErrInvalidStatement, ErrTPMNoX5C},
		{"RSA modulus", tpmBuild{credAlg: cose.RS256, pubArea: func(b []byte) []byte {
			return flip(pubAreaField(t, b, func(p *tpm.Public) []byte { return p.Modulus }) + 10)(b)
		}}, ErrKeyMismatch, ErrTPMPubArea},
		{"RSA exponent", tpmBuild{credAlg: cose.RS256, pubArea: func(b []byte) []byte {
			// exponent is the four bytes before the modulus' TPM2B size.
			i := pubAreaField(t, b, func(p *tpm.Public) []byte { return p.Modulus }) - 3
			b[i] = 3
			return b
		}}, ErrKeyMismatch, ErrTPMPubArea},
		{"ECC x", tpmBuild{pubArea: func(b []byte) []byte {
			return flip(pubAreaField(t, b, func(p *tpm.Public) []byte { return p.X }) + 5)(b)
		}}, ErrKeyMismatch, ErrTPMPubArea},
		{"ECC y", tpmBuild{pubArea: func(b []byte) []byte {
			return flip(pubAreaField(t, b, func(p *tpm.Public) []byte { return p.Y }) + 5)(b)
		}}, ErrKeyMismatch, ErrTPMPubArea},
		{"ECC curve", tpmBuild{pubArea: func(b []byte) []byte {
			i := pubAreaField(t, b, func(p *tpm.Public) []byte { return p.X }) - 6
			b[i+1] = byte(tpm.ECCNistP384)
			return b
		}}, ErrKeyMismatch, ErrTPMPubArea},
		{"pubArea trailing byte", tpmBuild{pubArea: func(b []byte) []byte { return append(b, 0) }}, ErrInvalidStatement, tpm.ErrTrailingData},
		{"certInfo magic", tpmBuild{attest: func(a *forge.TPMAttest) { a.Magic = 0xff544348 }}, ErrInvalidStatement, tpm.ErrAttestMagic},
		{"certInfo type", tpmBuild{attest: func(a *forge.TPMAttest) { a.Type = 0x8018 }}, ErrInvalidStatement, tpm.ErrAttestType},
		{"certInfo extraData", tpmBuild{attest: func(a *forge.TPMAttest) { a.ExtraData[0] ^= 1 }}, ErrNonceMismatch, ErrTPMExtraData},
		{"certInfo extraData SHA-256 under RS1", tpmBuild{aikAlg: cose.RS1, attest: func(a *forge.TPMAttest) {
			a.ExtraData = make([]byte, 32)
		}}, ErrNonceMismatch, ErrTPMExtraData},
		{"certInfo name", tpmBuild{attest: func(a *forge.TPMAttest) { a.Name[5] ^= 1 }}, ErrKeyMismatch, ErrTPMName},
		{"certInfo name alg", tpmBuild{attest: func(a *forge.TPMAttest) { a.Name[1] = byte(tpm.AlgSHA1) }}, ErrKeyMismatch, ErrTPMName},
		{"certInfo trailing byte", tpmBuild{stmt: func(s forge.Stmt) { s["certInfo"] = append(s["certInfo"].([]byte), 0) }}, ErrInvalidStatement, tpm.ErrTrailingData},
		{"bad sig", tpmBuild{stmt: func(s forge.Stmt) { s["sig"].([]byte)[10] ^= 1 }}, ErrBadSignature, cosesig.ErrSignature},
		{"alg not the AIK's", tpmBuild{stmt: func(s forge.Stmt) { s["alg"] = int64(cose.ES256) }}, ErrAlgorithm, nil},
		{"alg EdDSA", tpmBuild{stmt: func(s forge.Stmt) { s["alg"] = int64(cose.EdDSA) }}, ErrAlgorithm, ErrTPMUnsupportedAlg},
		{"AIK version 1", tpmBuild{aikSpec: func(s *forge.CertSpec) { s.Version = 1 }}, ErrCertificate, ErrAIKVersion},
		{"AIK subject not empty", tpmBuild{aikSpec: func(s *forge.CertSpec) { s.MutateTBS = nil }}, ErrCertificate, ErrAIKSubject},
		{"AIK SAN missing", tpmBuild{aikSpec: func(s *forge.CertSpec) { s.Extensions = s.Extensions[1:] }}, ErrCertificate, ErrAIKSAN},
		{"AIK SAN not critical", tpmBuild{aikSpec: func(s *forge.CertSpec) { s.Extensions[0].Critical = false }}, ErrCertificate, ErrAIKSAN},
		{"AIK SAN without model", tpmBuild{aikSpec: func(s *forge.CertSpec) {
			v := forge.TPMSubjectAltName("id:FFFFF1D0", "M", "id:13")
			// Re-point the model attribute OID 2.23.133.2.2 at 2.23.133.2.9.
			i := bytes.Index(v, []byte{0x06, 0x05, 0x67, 0x81, 0x05, 0x02, 0x02})
			v[i+6] = 9
			s.Extensions[0].Value = v
		}}, ErrCertificate, tpm.ErrSANMissingAttribute},
		{"AIK malformed manufacturer", tpmBuild{aikSpec: func(s *forge.CertSpec) {
			s.Extensions[0].Value = forge.TPMSubjectAltName("id:0000000", "M", "id:13")
		}}, ErrCertificate, ErrAIKManufacturer},
		{"AIK EKU missing", tpmBuild{aikSpec: func(s *forge.CertSpec) { s.Extensions = s.Extensions[:1] }}, ErrCertificate, ErrAIKEKU},
		{"AIK CA true", tpmBuild{aikSpec: func(s *forge.CertSpec) { s.CA = true }}, ErrCertificate, ErrAIKBasicConstr},
		{"AIK basicConstraints absent", tpmBuild{aikSpec: func(s *forge.CertSpec) { s.NoBasicConstraints = true }}, ErrCertificate, ErrAIKBasicConstr},
		{"AIK AAGUID mismatch", tpmBuild{aikSpec: func(s *forge.CertSpec) {
			s.Extensions = append(s.Extensions, forge.AAGUIDExtension(make([]byte, 16), false))
		}}, ErrCertificate, ErrAAGUIDExtension},
		{"AIK AAGUID critical", tpmBuild{aaguid: true, aikSpec: func(s *forge.CertSpec) { s.Extensions[2].Critical = true }}, ErrCertificate, ErrAAGUIDExtension},
		{"AIK expired", tpmBuild{aikSpec: func(s *forge.CertSpec) { s.NotAfter = forge.Now.Add(-time.Hour) }}, ErrUntrusted, trust.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.b.build(t).verify()
			expectErr(t, err, tt.kind, tt.cause)
		})
	}
	t.Run("unregistered manufacturer", func(t *testing.T) {
		b := tpmBuild{aikSpec: func(s *forge.CertSpec) {
			s.Extensions[0].Value = forge.TPMSubjectAltName("id:00000000", "M", "id:13")
		}}
		c := b.build(t)
		if _, err := c.verify(); err != nil {
			t.Fatalf("default policy rejects a well-formed unregistered manufacturer: %v", err)
		}
		c.opts.RequireRegisteredTPMManufacturer = true
		_, err := c.verify()
		expectErr(t, err, ErrCertificate, ErrAIKManufacturer)
	})
	t.Run("untrusted root", func(t *testing.T) {
		c := (&tpmBuild{}).build(t)
		c.anchoredBy("tpm", forge.New("other").Root("other", cose.ES256))
		_, err := c.verify()
		expectErr(t, err, ErrUntrusted, trust.ErrUntrusted)
	})
	t.Run("credential key mismatch", func(t *testing.T) {
		c := (&tpmBuild{}).build(t)
		other := forge.New("other").Key("cred", cose.ES256)
		var k cose.Key
		raw := other.COSE()
		if err := cose.ParseKey(raw, &k); err != nil {
			t.Fatal(err)
		}
		c.key = k
		_, err := c.verify()
		expectErr(t, err, ErrKeyMismatch, ErrTPMPubArea)
	})
}

// TestRS1OnlyInTPM: RS1 verifies the AIK signature in tpm (TestTPMForged)
// and is refused by the verifier used for every other format.
func TestRS1OnlyInTPM(t *testing.T) {
	f := forge.New("rs1")
	k := f.Key("k", cose.RS1)
	sig := k.Sign([]byte("msg"))
	if err := cosesig.VerifyPublicKeyAllowingRS1(cose.RS1, k.Public(), sig, []byte("msg")); err != nil {
		t.Fatal(err)
	}
	if err := cosesig.VerifyPublicKey(cose.RS1, k.Public(), sig, []byte("msg")); !errors.Is(err, cosesig.ErrRS1) {
		t.Fatalf("VerifyPublicKey(RS1) = %v, want ErrRS1", err)
	}
	// android-key with alg RS1 is rejected as ErrAlgorithm.
	c := (&akBuild{attAlg: cose.RS1}).build(t)
	_, err := c.verify()
	expectErr(t, err, ErrAlgorithm, cosesig.ErrRS1)
}

// TestTPMVectorMutations breaks one check of a real statement each.
func TestTPMVectorMutations(t *testing.T) {
	var base *hwCase
	for _, c := range passingCases(t, "tpm") {
		if c.v.Name == "tpm-rs256-windows-hello-spec-san" {
			base = c
		}
	}
	if base == nil {
		t.Fatal("vector tpm-rs256-windows-hello-spec-san absent from the vectors")
	}
	raw := base.obj.AttStmt.Raw
	s := Statement{Raw: raw}
	certInfo, _ := s.CertInfo()
	pubArea, _ := s.PubArea()
	mut := func(b []byte, i int) []byte {
		c := append([]byte{}, b...)
		c[i] ^= 0x01
		return c
	}
	tests := []struct {
		name        string
		key         string
		val         []byte
		kind, cause error
	}{
		{"ver", "ver", cborText("1.2"), ErrInvalidStatement, ErrTPMVersion},
		{"magic", "certInfo", cborBytes(mut(certInfo, 3)), ErrInvalidStatement, tpm.ErrAttestMagic},
		{"type", "certInfo", cborBytes(mut(certInfo, 5)), ErrInvalidStatement, tpm.ErrAttestType},
		{"certInfo trailing", "certInfo", cborBytes(append(append([]byte{}, certInfo...), 0)), ErrInvalidStatement, tpm.ErrTrailingData},
		{"pubArea trailing", "pubArea", cborBytes(append(append([]byte{}, pubArea...), 0)), ErrInvalidStatement, tpm.ErrTrailingData},
		{"modulus", "pubArea", cborBytes(mut(pubArea, len(pubArea)-1)), ErrKeyMismatch, ErrTPMPubArea},
		{"sig", "sig", func() []byte { b, _ := s.Sig(); return cborBytes(mut(b, 7)) }(), ErrBadSignature, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := base.withStatement(stmtMap(t, raw, tt.key, tt.val)).verify()
			expectErr(t, err, tt.kind, tt.cause)
		})
	}
	t.Run("extraData", func(t *testing.T) {
		c := base.clone()
		c.cdh[0] ^= 1
		_, err := c.verify()
		expectErr(t, err, ErrNonceMismatch, ErrTPMExtraData)
	})
}

// TestTPMAllocations: step 1 (syntax), step 2 (pubArea parse and comparison
// with the credential key) and step 4 (certInfo parse, extraData hash, Name)
// allocate nothing. Excluded: x5c parsing (crypto/x509), the signature
// (crypto/rsa, crypto/ecdsa), the AIK certificate checks and the chain.
func TestTPMAllocations(t *testing.T) {
	for _, c := range passingCases(t, "tpm") {
		var st tpmStatement
		if err := readTPM(&c.in, c.obj.AttStmt, &st); err != nil {
			t.Fatalf("%s: %v", c.v.Name, err)
		}
		if n := testing.AllocsPerRun(50, func() { _ = readTPM(&c.in, c.obj.AttStmt, &st) }); n != 0 {
			t.Errorf("%s: readTPM allocates %v times", c.v.Name, n)
		}
	}
}

func BenchmarkTPMRead(b *testing.B) {
	c := passingCases(b, "tpm")[0]
	var st tpmStatement
	b.ReportAllocs()
	for b.Loop() {
		_ = readTPM(&c.in, c.obj.AttStmt, &st)
	}
}
