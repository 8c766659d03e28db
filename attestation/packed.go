package attestation

import (
	"bytes"
	"errors"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/trust"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Causes of packed failures, wrapped in *Error beside the class sentinel.
var (
	errECDAA           = errors.New("attestation: ecdaaKeyId: ECDAA is not supported")
	errUnknownMember   = errors.New("attestation: attStmt has a member its format does not define")
	errSelfAlg         = errors.New("attestation: self attestation alg differs from the credential public key's alg")
	errLeafVersion     = errors.New("attestation: attestation certificate is not version 3")
	errLeafCountry     = errors.New("attestation: attestation certificate subject C is not one ISO 3166 alpha-2 code")
	errLeafOrg         = errors.New("attestation: attestation certificate subject O is missing")
	errLeafOU          = errors.New(`attestation: attestation certificate subject OU is not exactly "Authenticator Attestation"`)
	errLeafCN          = errors.New("attestation: attestation certificate subject CN is missing")
	errLeafSubject     = errors.New("attestation: attestation certificate subject is malformed")
	errLeafBasic       = errors.New("attestation: attestation certificate lacks basicConstraints")
	errLeafCA          = errors.New("attestation: attestation certificate has basicConstraints cA=TRUE")
	errAAGUIDCritical  = errors.New("attestation: id-fido-gen-ce-aaguid extension is critical")
	errAAGUIDMalformed = errors.New("attestation: id-fido-gen-ce-aaguid extension is not an OCTET STRING of 16 bytes")
	errAAGUIDMismatch  = errors.New("attestation: id-fido-gen-ce-aaguid extension differs from the authenticator data AAGUID")
)

// packedOU is the literal subject OU of a packed attestation certificate (§8.2.1).
const packedOU = "Authenticator Attestation"

// verifyPacked is the "packed" verification procedure (§8.2).
//
// Step 1 (syntax): attStmt is a map of exactly "alg" (an integer), "sig"
// (bytes) and optionally "x5c" (a non-empty array of byte strings).
// "ecdaaKeyId" is rejected (ECDAA was removed in Level 3 and is not
// supported), and so is any other member: the syntax is a closed map, and a
// member this procedure would ignore is one an attacker could use to make two
// verifiers disagree. All are ErrInvalidStatement.
//
// Step 2 (x5c present): sig must verify over authenticatorData ‖
// clientDataHash with the leaf's public key under alg (ErrAlgorithm when alg
// does not fit the key or is not supported, ErrBadSignature otherwise); the
// leaf must meet §8.2.1 (checkPackedLeaf: ErrCertificate); an
// id-fido-gen-ce-aaguid extension must equal the authenticator data AAGUID
// (ErrCertificate); the chain is then judged (ErrUntrusted). The type is
// Basic: AttCA cannot be told apart from Basic without metadata.
//
// Step 3 (no x5c, self attestation): alg must equal the credential public
// key's alg literally (ErrAlgorithm; ES256 does not stand for ESP256 here) and
// sig must verify with the credential public key (ErrBadSignature). The type
// is Self and there is no trust path.
func verifyPacked(in *Input, s Statement, out *Result) error {
	const f = FormatPacked
	alg, sig, certs, hasX5C, err := packedSyntax(s)
	if err != nil {
		return fail(f, "§8.2 step 1", ErrInvalidStatement, err)
	}
	if !hasX5C {
		return verifyPackedSelf(in, alg, sig, out)
	}
	var chain trust.Chain
	if err := parseX5C(f, "§8.2 step 2", certs, &chain); err != nil {
		return err
	}
	leaf := chain.Certificate(0)
	pub, err := leafKey(in, f, "§8.2 step 2", &chain)
	if err != nil {
		return err
	}
	if err := cosesig.VerifyPublicKey(cose.Algorithm(alg), pub, sig, in.AuthData.Raw, in.ClientDataHash); err != nil {
		return fail(f, "§8.2 step 2 (sig)", sigKind(err), err)
	}
	if err := checkPackedLeaf(leaf); err != nil {
		return fail(f, "§8.2.1", ErrCertificate, err)
	}
	if err := checkAAGUIDExtension(leaf, &in.AuthData.AAGUID); err != nil {
		return fail(f, "§8.2 step 2 (aaguid)", ErrCertificate, err)
	}
	if err := judgeChain(in, f, "§8.2 step 2 (chain)", &chain, nil, out); err != nil {
		return err
	}
	out.Type = TypeBasic
	return nil
}

// packedSyntax reads the packed statement (§8.2 step 1) without allocating.
func packedSyntax(s Statement) (alg int64, sig []byte, certs Certs, hasX5C bool, err error) {
	m := s.Members()
	var key, val []byte
	for m.Next(&key, &val) {
		switch string(key) {
		case "alg", "sig", "x5c":
		case "ecdaaKeyId":
			return 0, nil, Certs{}, false, errECDAA
		default:
			return 0, nil, Certs{}, false, errUnknownMember
		}
	}
	if err := m.Err(); err != nil {
		return 0, nil, Certs{}, false, err
	}
	if alg, err = s.Alg(); err != nil {
		return 0, nil, Certs{}, false, err
	}
	if sig, err = s.Sig(); err != nil {
		return 0, nil, Certs{}, false, err
	}
	if certs, hasX5C, err = s.X5C(); err != nil {
		return 0, nil, Certs{}, false, err
	}
	return alg, sig, certs, hasX5C, nil
}

// verifyPackedSelf is §8.2 step 3, self attestation.
func verifyPackedSelf(in *Input, alg int64, sig []byte, out *Result) error {
	const f = FormatPacked
	if in.CredentialKey == nil || int64(in.CredentialKey.Alg) != alg {
		return fail(f, "§8.2 step 3 (alg)", ErrAlgorithm, errSelfAlg)
	}
	if err := cosesig.Verify(cose.Algorithm(alg), in.CredentialKey, sig, in.AuthData.Raw, in.ClientDataHash); err != nil {
		return fail(f, "§8.2 step 3 (sig)", sigKind(err), err)
	}
	out.Type = TypeSelf
	return nil
}

// checkPackedLeaf checks the packed attestation certificate requirements of
// §8.2.1 on a parsed certificate: version 3; subject C one ISO 3166 alpha-2
// code (two letters A-Z), O present and non-empty, exactly one OU equal to
// "Authenticator Attestation", CN present and non-empty; basicConstraints
// present with cA FALSE. The subject is read as crypto/x509 reads it into a
// pkix.Name: every C, O and OU value in order, and the last CN. It does not
// allocate.
func checkPackedLeaf(c *x509lite.Certificate) error {
	if c.Version != 3 {
		return errLeafVersion
	}
	var nC, nO, nOU int
	countryOK, orgOK, ouOK, cnOK := false, false, false, false
	attrs := x509lite.NameAttributes(c.RawSubject)
	var oid, v []byte
	var tag cbasn1.Tag
	for attrs.Next(&oid, &tag, &v) {
		switch {
		case bytes.Equal(oid, x509lite.OIDCountry):
			nC++
			countryOK = isAlpha2(tag, v)
		case bytes.Equal(oid, x509lite.OIDOrganization):
			if nO == 0 {
				orgOK = !x509lite.StringEmpty(tag, v)
			}
			nO++
		case bytes.Equal(oid, x509lite.OIDOrganizationalUnit):
			nOU++
			ouOK = x509lite.StringEqual(tag, v, packedOU)
		case bytes.Equal(oid, x509lite.OIDCommonName):
			cnOK = !x509lite.StringEmpty(tag, v)
		}
	}
	switch {
	case attrs.Malformed():
		return errLeafSubject
	case nC != 1 || !countryOK:
		return errLeafCountry
	case !orgOK:
		return errLeafOrg
	case nOU != 1 || !ouOK:
		return errLeafOU
	case !cnOK:
		return errLeafCN
	case !c.BasicConstraintsValid:
		return errLeafBasic
	case c.IsCA:
		return errLeafCA
	}
	return nil
}

// isAlpha2 reports whether a decoded string value is two letters A-Z: two
// bytes of a single-byte string type, or a BMPString of two such characters.
func isAlpha2(tag cbasn1.Tag, v []byte) bool {
	const bmpString = cbasn1.Tag(30)
	var a, b byte
	switch tag {
	case cbasn1.PrintableString, cbasn1.UTF8String, cbasn1.IA5String, cbasn1.T61String:
		if len(v) != 2 {
			return false
		}
		a, b = v[0], v[1]
	case bmpString:
		if len(v) != 4 || v[0] != 0 || v[2] != 0 {
			return false
		}
		a, b = v[1], v[3]
	default:
		return false
	}
	return 'A' <= a && a <= 'Z' && 'A' <= b && b <= 'Z'
}

// checkAAGUIDExtension checks the id-fido-gen-ce-aaguid extension (§8.2 step
// 2, §8.2.1) when the certificate has it: it must not be critical and its
// extnValue must be a DER OCTET STRING of exactly the 16 bytes of aaguid. An
// absent extension passes. It does not allocate.
func checkAAGUIDExtension(c *x509lite.Certificate, aaguid *authdata.AAGUID) error {
	if c.FIDOAAGUID == nil {
		return nil
	}
	if c.FIDOAAGUIDCritical {
		return errAAGUIDCritical
	}
	v := cryptobyte.String(c.FIDOAAGUID)
	var got cryptobyte.String
	if !v.ReadASN1(&got, cbasn1.OCTET_STRING) || !v.Empty() || len(got) != len(aaguid) {
		return errAAGUIDMalformed
	}
	if string(got) != string(aaguid[:]) {
		return errAAGUIDMismatch
	}
	return nil
}
