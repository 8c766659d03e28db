package attestation

import (
	"errors"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/trust"
)

// Causes of fido-u2f failures.
var (
	errU2FCertCount = errors.New("attestation: fido-u2f x5c does not hold exactly one certificate")
	errU2FCertKey   = errors.New("attestation: fido-u2f attestation certificate key is not ECDSA P-256")
	errU2FCredKey   = errors.New("attestation: fido-u2f credential public key is not EC2 P-256 with 32-byte x and y")
)

// u2fCoordLen is the length of a P-256 coordinate (§8.6 step 4: "x ... 32 bytes").
const u2fCoordLen = 32

// verifyFIDOU2F is the "fido-u2f" verification procedure (§8.6).
//
// Step 1 (syntax): attStmt is a map of exactly "sig" (bytes) and "x5c" (an
// array of byte strings); any other member is rejected (ErrInvalidStatement).
// Step 2: x5c must hold exactly one certificate (ErrInvalidStatement) whose
// public key is ECDSA on P-256 (ErrCertificate). Step 3-4: the credential
// public key must be EC2 on P-256 with 32-byte x and y (ErrAlgorithm: U2F
// can attest nothing else). Step 5-6: sig must be an ES256 signature by the
// certificate key over 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ 0x04
// ‖ x ‖ y, hashed piece by piece without building the buffer
// (ErrBadSignature). Step 7: the chain is judged (ErrUntrusted). The type is
// Basic.
func verifyFIDOU2F(in *Input, s Statement, out *Result) error {
	const f = FormatFIDOU2F
	sig, certs, err := u2fSyntax(s)
	if err != nil {
		return fail(f, "§8.6 step 1", ErrInvalidStatement, err)
	}
	if certs.Len() != 1 {
		return fail(f, "§8.6 step 2", ErrInvalidStatement, errU2FCertCount)
	}
	var chain trust.Chain
	if err := parseX5C(f, "§8.6 step 2", certs, &chain); err != nil {
		return err
	}
	if chain.Certificate(0).PublicKeyAlgorithm != x509lite.ECDSAP256 {
		return fail(f, "§8.6 step 2", ErrCertificate, errU2FCertKey)
	}
	pub, err := leafKey(in, f, "§8.6 step 2", &chain)
	if err != nil {
		return err
	}
	k := in.CredentialKey
	if k == nil || k.Type != cose.EC2 || k.Curve != cose.P256 || len(k.X) != u2fCoordLen || len(k.Y) != u2fCoordLen {
		return fail(f, "§8.6 step 4", ErrAlgorithm, errU2FCredKey)
	}
	ad := in.AuthData
	if err := cosesig.VerifyPublicKey(cose.ES256, pub, sig,
		u2fReserved[:], ad.RPIDHash, in.ClientDataHash, ad.CredentialID, u2fUncompressed[:], k.X, k.Y); err != nil {
		return fail(f, "§8.6 step 6", sigKind(err), err)
	}
	if err := judgeChain(in, f, "§8.6 step 7", &chain, nil, out); err != nil {
		return err
	}
	out.Type = TypeBasic
	return nil
}

// The constant bytes of the U2F verificationData (§8.6 step 5): the reserved
// 0x00 and the SEC 1 uncompressed-point prefix 0x04.
var (
	u2fReserved     = [1]byte{0x00}
	u2fUncompressed = [1]byte{0x04}
)

// u2fSyntax reads the fido-u2f statement (§8.6 step 1) without allocating.
func u2fSyntax(s Statement) (sig []byte, certs Certs, err error) {
	m := s.Members()
	var key, val []byte
	for m.Next(&key, &val) {
		switch string(key) {
		case "sig", "x5c":
		default:
			return nil, Certs{}, errUnknownMember
		}
	}
	if err := m.Err(); err != nil {
		return nil, Certs{}, err
	}
	if sig, err = s.Sig(); err != nil {
		return nil, Certs{}, err
	}
	certs, present, err := s.X5C()
	if err != nil {
		return nil, Certs{}, err
	}
	if !present {
		return nil, Certs{}, ErrMissingField
	}
	return sig, certs, nil
}
