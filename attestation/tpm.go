package attestation

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/tpm"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/trust"
)

// Causes of tpm failures, wrapped in *Error beside the class sentinel.
var (
	ErrTPMVersion        = errors.New("attestation: tpm ver is not \"2.0\"")
	ErrTPMECDAA          = errors.New("attestation: tpm ECDAA (ecdaaKeyId) is not supported")
	ErrTPMNoX5C          = errors.New("attestation: tpm statement lacks x5c")
	ErrTPMUnknownMember  = errors.New("attestation: tpm statement has an unknown member")
	ErrTPMPubArea        = errors.New("attestation: tpm pubArea parameters and unique differ from the credential public key")
	ErrTPMExtraData      = errors.New("attestation: tpm certInfo.extraData is not the hash of authenticatorData||clientDataHash")
	ErrTPMName           = errors.New("attestation: tpm certInfo attested name is not the Name of pubArea")
	ErrAIKVersion        = errors.New("attestation: AIK certificate is not version 3")
	ErrAIKSubject        = errors.New("attestation: AIK certificate subject is not empty")
	ErrAIKSAN            = errors.New("attestation: AIK certificate lacks a critical subjectAltName with TPM device attributes")
	ErrAIKManufacturer   = errors.New("attestation: AIK certificate TPM manufacturer is malformed or (with RequireRegisteredTPMManufacturer) not in the TCG vendor registry")
	ErrAIKEKU            = errors.New("attestation: AIK certificate extKeyUsage lacks tcg-kp-AIKCertificate (2.23.133.8.3)")
	ErrAIKBasicConstr    = errors.New("attestation: AIK certificate basicConstraints is absent or CA is true")
	ErrAAGUIDExtension   = errors.New("attestation: id-fido-gen-ce-aaguid extension is critical, malformed or differs from the AAGUID")
	ErrTPMUnsupportedAlg = errors.New("attestation: tpm alg has no TPM hash algorithm")
)

// OIDs used by the tpm format (§8.3.1): subjectAltName, and the content
// bytes of tcg-kp-AIKCertificate (2.23.133.8.3).
var (
	oidTPMSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidTPMAIKCertificate = x509lite.OIDTCGKPAIKCertificate
)

// tpmChainOptions marks subjectAltName as handled: checkAIK parses it, and
// crypto/x509 leaves a SAN holding only a directoryName unhandled.
var tpmChainOptions = trust.ChainOptions{HandledCriticalExtensions: []asn1.ObjectIdentifier{oidTPMSubjectAltName}}

// tpmStatement is a tpm attStmt (§8.3 "Syntax") with certInfo and pubArea
// parsed. Byte slices are views into the statement.
type tpmStatement struct {
	alg      cose.Algorithm
	sig      []byte
	certInfo []byte
	pubArea  []byte
	x5c      Certs
	attest   tpm.Attest
	pub      tpm.Public
}

// verifyTPM is the tpm verification procedure (§8.3): it rejects a statement
// whose syntax is wrong (ver other than "2.0", ecdaaKeyId, no x5c, unknown
// members), a pubArea whose key differs from the credential public key, a
// certInfo that is not TPM_GENERATED_VALUE / TPM_ST_ATTEST_CERTIFY, whose
// extraData is not the alg-hash of authenticatorData||clientDataHash or whose
// attested name is not the Name of pubArea, a sig that the AIK does not
// verify (RS1 is accepted here only), an AIK certificate that misses a §8.3.1
// requirement or whose AAGUID extension differs, and a chain that does not
// verify at in.Time. It returns the AttCA type.
func verifyTPM(in *Input, s Statement, out *Result) error {
	const f = FormatTPM
	var st tpmStatement
	if err := readTPM(in, s, &st); err != nil {
		return err
	}
	var chain trust.Chain
	if err := parseX5C(f, "§8.3 step 5", st.x5c, &chain); err != nil {
		return err
	}
	aik := chain.Certificate(0)
	pub, err := leafKey(in, f, "§8.3 step 5", &chain)
	if err != nil {
		return err
	}
	// Step 5: sig over certInfo with the AIK public key and alg (RS1 allowed).
	if err := cosesig.VerifyPublicKeyAllowingRS1(st.alg, pub, st.sig, st.certInfo); err != nil {
		return fail(f, "§8.3 step 5", sigKind(err), err)
	}
	// Step 6: §8.3.1 AIK certificate requirements; step 7: the AAGUID extension.
	if err := checkAIK(in, aik); err != nil {
		return err
	}
	if err := judgeChain(in, f, "§8.3 step 6", &chain, &tpmChainOptions, out); err != nil {
		return err
	}
	out.Type = TypeAttCA
	return nil
}

// readTPM performs the checks of §8.3 that need no public-key cryptography:
// step 1 (syntax), step 2 (pubArea against the credential key) and step 4
// (certInfo). It does not allocate on success.
func readTPM(in *Input, s Statement, st *tpmStatement) error {
	const f = FormatTPM
	// Step 1: syntax. Members are exactly ver, alg, x5c, sig, certInfo, pubArea.
	m := s.Members()
	var key, val []byte
	for m.Next(&key, &val) {
		switch string(key) {
		case "ver", "alg", "x5c", "sig", "certInfo", "pubArea":
		case "ecdaaKeyId":
			return fail(f, "§8.3 step 1", ErrInvalidStatement, ErrTPMECDAA)
		default:
			return fail(f, "§8.3 step 1", ErrInvalidStatement, ErrTPMUnknownMember)
		}
	}
	if err := m.Err(); err != nil {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, err)
	}
	ver, err := s.Ver()
	if err != nil {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, err)
	}
	if string(ver) != "2.0" {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, ErrTPMVersion)
	}
	alg, err := s.Alg()
	if err != nil {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, err)
	}
	st.alg = cose.Algorithm(alg)
	if st.sig, err = s.Sig(); err != nil {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, err)
	}
	if st.certInfo, err = s.CertInfo(); err != nil {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, err)
	}
	if st.pubArea, err = s.PubArea(); err != nil {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, err)
	}
	it, present, err := s.X5C()
	if err != nil {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, err)
	}
	if !present {
		return fail(f, "§8.3 step 1", ErrInvalidStatement, ErrTPMNoX5C)
	}
	st.x5c = it
	// Step 2: the key in pubArea's parameters and unique is the credential key.
	if err := tpm.ParsePublic(st.pubArea, &st.pub); err != nil {
		return fail(f, "§8.3 step 2", ErrInvalidStatement, err)
	}
	if !tpmKeyMatches(&st.pub, in.CredentialKey) {
		return fail(f, "§8.3 step 2", ErrKeyMismatch, ErrTPMPubArea)
	}
	// Step 4: certInfo. ParseAttest checks magic and type.
	if err := tpm.ParseAttest(st.certInfo, &st.attest); err != nil {
		return fail(f, "§8.3 step 4", ErrInvalidStatement, err)
	}
	ok, known := tpmExtraDataMatches(st.alg, st.attest.ExtraData, in.Object.AuthData, in.ClientDataHash)
	if !known {
		return fail(f, "§8.3 step 4", ErrAlgorithm, ErrTPMUnsupportedAlg)
	}
	if !ok {
		return fail(f, "§8.3 step 4", ErrNonceMismatch, ErrTPMExtraData)
	}
	if !tpm.NameMatches(st.attest.Name, st.pubArea) {
		return fail(f, "§8.3 step 4", ErrKeyMismatch, ErrTPMName)
	}
	return nil
}

// tpmKeyMatches reports whether the TPMT_PUBLIC p holds the same key as the
// credential public key k: for RSA the modulus (unique) and exponent
// (parameters, 0 meaning 65537); for ECC the curve (parameters) and the point
// (unique). Other key types never match.
func tpmKeyMatches(p *tpm.Public, k *cose.Key) bool {
	if k == nil {
		return false
	}
	switch p.Type {
	case tpm.AlgRSA:
		return k.Type == cose.RSA && k.EqualRSA(p.Modulus, p.RSAExponent())
	case tpm.AlgECC:
		var c cose.Curve
		switch p.CurveID {
		case tpm.ECCNistP256:
			c = cose.P256
		case tpm.ECCNistP384:
			c = cose.P384
		case tpm.ECCNistP521:
			c = cose.P521
		default:
			return false
		}
		return k.EqualEC(c, p.X, p.Y)
	}
	return false
}

// tpmExtraDataMatches reports whether extraData is H(authData||clientDataHash)
// with the hash of alg (§8.3 step 4: "the hash algorithm employed in alg").
// known is false for an alg without an RSA or ECDSA hash.
func tpmExtraDataMatches(alg cose.Algorithm, extraData, authData, clientDataHash []byte) (ok, known bool) {
	h := cosesig.Hash(alg)
	if h == 0 {
		return false, false
	}
	var buf [sha512.Size]byte
	var sum []byte
	switch h {
	case crypto.SHA1:
		d := sha1.New()
		d.Write(authData)
		d.Write(clientDataHash)
		sum = d.Sum(buf[:0])
	case crypto.SHA256:
		d := sha256.New()
		d.Write(authData)
		d.Write(clientDataHash)
		sum = d.Sum(buf[:0])
	case crypto.SHA384:
		d := sha512.New384()
		d.Write(authData)
		d.Write(clientDataHash)
		sum = d.Sum(buf[:0])
	default:
		d := sha512.New()
		d.Write(authData)
		d.Write(clientDataHash)
		sum = d.Sum(buf[:0])
	}
	return bytes.Equal(sum, extraData), true
}

// checkAIK checks the TPM attestation statement certificate requirements of
// §8.3.1 and the AAGUID extension of §8.3 step 7 on the AIK certificate.
func checkAIK(in *Input, c *x509lite.Certificate) error {
	const f = FormatTPM
	const step = "§8.3.1"
	if c.Version != 3 {
		return fail(f, step, ErrCertificate, ErrAIKVersion)
	}
	// Subject: an empty RDNSequence, the DER SEQUENCE 30 00.
	if !bytes.Equal(c.RawSubject, []byte{0x30, 0x00}) {
		return fail(f, step, ErrCertificate, ErrAIKSubject)
	}
	if !c.BasicConstraintsValid || c.IsCA {
		return fail(f, step, ErrCertificate, ErrAIKBasicConstr)
	}
	if !c.HasExtKeyUsage(oidTPMAIKCertificate) {
		return fail(f, step, ErrCertificate, ErrAIKEKU)
	}
	// The reader refuses a duplicate extension, so there is one SAN at most.
	if c.SubjectAltName == nil || !c.SubjectAltNameCritical {
		return fail(f, step, ErrCertificate, ErrAIKSAN)
	}
	var attrs tpm.DeviceAttributes
	if err := tpm.ParseSubjectAltName(c.SubjectAltName, &attrs); err != nil {
		return fail(f, step, ErrCertificate, errors.Join(ErrAIKSAN, err))
	}
	if _, ok := tpm.ManufacturerID(string(attrs.Manufacturer)); !ok {
		return fail(f, step, ErrCertificate, ErrAIKManufacturer)
	}
	if in.Options != nil && in.Options.RequireRegisteredTPMManufacturer && !tpm.KnownManufacturer(string(attrs.Manufacturer)) {
		return fail(f, step, ErrCertificate, ErrAIKManufacturer)
	}
	if c.FIDOAAGUID != nil && !tpmAAGUIDExtMatches(c, in) {
		return fail(f, "§8.3 step 7", ErrCertificate, ErrAAGUIDExtension)
	}
	return nil
}

// tpmAAGUIDExtMatches reports whether the id-fido-gen-ce-aaguid extension
// is non-critical and its value, an OCTET STRING of 16 bytes, equals the
// AAGUID in authenticator data.
func tpmAAGUIDExtMatches(c *x509lite.Certificate, in *Input) bool {
	if c.FIDOAAGUIDCritical || in.AuthData == nil {
		return false
	}
	v := c.FIDOAAGUID
	// DER OCTET STRING of length 16: 04 10 followed by the AAGUID.
	return len(v) == 18 && v[0] == 0x04 && v[1] == 16 && bytes.Equal(v[2:], in.AuthData.AAGUID[:])
}
