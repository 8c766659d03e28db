package attestation

import (
	"crypto/sha256"
	"encoding/asn1"
	"errors"

	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/trust"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Causes of apple failures.
var (
	errAppleNoNonce     = errors.New("attestation: apple credCert lacks the nonce extension 1.2.840.113635.100.8.2")
	errAppleBadNonceExt = errors.New("attestation: apple nonce extension is not SEQUENCE { [1] EXPLICIT OCTET STRING (32 bytes) }")
	errAppleNonce       = errors.New("attestation: apple nonce differs from SHA-256(authenticatorData ‖ clientDataHash)")
	errAppleKey         = errors.New("attestation: credential public key differs from the apple credCert subject public key")
)

// oidAppleNonce is the Apple anonymous attestation nonce extension (§8.8 step 4).
var oidAppleNonce = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 8, 2}

// appleChainOptions lets the credCert mark the nonce extension critical: this
// procedure is what handles it.
var appleChainOptions = &trust.ChainOptions{HandledCriticalExtensions: []asn1.ObjectIdentifier{oidAppleNonce}}

// verifyApple is the "apple" anonymous attestation verification procedure (§8.8).
//
// Step 1 (syntax): attStmt is a map with "x5c" (a non-empty array of byte
// strings, credCert first). Apple authenticators also send "alg"; it is
// accepted when it is an integer and otherwise ignored, since the procedure
// uses no signature of its own. Any other member is rejected
// (ErrInvalidStatement). Steps 2-4: the credCert must carry extension
// 1.2.840.113635.100.8.2 whose value is SEQUENCE { [1] EXPLICIT OCTET STRING }
// holding SHA-256(authenticatorData ‖ clientDataHash) (ErrNonceMismatch; a
// missing or malformed extension is ErrCertificate). Step 5: the credential
// public key must equal the credCert's subject public key (ErrKeyMismatch).
// Step 6: the chain is judged (ErrUntrusted). The type is AnonCA.
func verifyApple(in *Input, s Statement, out *Result) error {
	const f = FormatApple
	certs, err := appleSyntax(s)
	if err != nil {
		return fail(f, "§8.8 step 1", ErrInvalidStatement, err)
	}
	var chain trust.Chain
	if err := parseX5C(f, "§8.8 step 1", certs, &chain); err != nil {
		return err
	}
	var nonce [sha256.Size]byte
	h := sha256.New()
	h.Write(in.AuthData.Raw)
	h.Write(in.ClientDataHash)
	h.Sum(nonce[:0])
	if err := checkAppleNonce(chain.Certificate(0), &nonce); err != nil {
		kind := ErrCertificate
		if err == errAppleNonce {
			kind = ErrNonceMismatch
		}
		return fail(f, "§8.8 step 4", kind, err)
	}
	pub, err := leafKey(in, f, "§8.8 step 5", &chain)
	if err != nil {
		return err
	}
	if in.CredentialKey == nil || !cosesig.Equal(in.CredentialKey, pub) {
		return fail(f, "§8.8 step 5", ErrKeyMismatch, errAppleKey)
	}
	if err := judgeChain(in, f, "§8.8 step 6", &chain, appleChainOptions, out); err != nil {
		return err
	}
	out.Type = TypeAnonCA
	return nil
}

// appleSyntax reads the apple statement (§8.8 step 1) without allocating.
func appleSyntax(s Statement) (Certs, error) {
	m := s.Members()
	var key, val []byte
	for m.Next(&key, &val) {
		switch string(key) {
		case "x5c":
		case "alg":
			if _, err := s.Alg(); err != nil {
				return Certs{}, err
			}
		default:
			return Certs{}, errUnknownMember
		}
	}
	if err := m.Err(); err != nil {
		return Certs{}, err
	}
	certs, present, err := s.X5C()
	if err != nil {
		return Certs{}, err
	}
	if !present {
		return Certs{}, ErrMissingField
	}
	return certs, nil
}

// checkAppleNonce finds extension 1.2.840.113635.100.8.2 in c and compares
// the nonce it carries, SEQUENCE { [1] EXPLICIT OCTET STRING }, with nonce
// (§8.8 step 4). It rejects a missing extension, any other shape, trailing
// bytes at any level, and a nonce that differs. It does not allocate.
func checkAppleNonce(c *x509lite.Certificate, nonce *[sha256.Size]byte) error {
	if c.AppleNonce == nil {
		return errAppleNoNonce
	}
	v := cryptobyte.String(c.AppleNonce)
	var seq, explicit, got cryptobyte.String
	if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() ||
		!seq.ReadASN1(&explicit, cbasn1.Tag(1).Constructed().ContextSpecific()) || !seq.Empty() ||
		!explicit.ReadASN1(&got, cbasn1.OCTET_STRING) || !explicit.Empty() ||
		len(got) != len(nonce) {
		return errAppleBadNonceExt
	}
	if string(got) != string(nonce[:]) {
		return errAppleNonce
	}
	return nil
}
