package cose

import "errors"

// U2FPublicKeySize is the size of a FIDO U2F user public key as U2F
// authenticators return it and relying parties of the U2F era stored it: the
// uncompressed P-256 point 0x04 ‖ x ‖ y (FIDO U2F Raw Message Formats §4.3,
// SEC 1 v2 §2.3.3), 1 + 32 + 32 bytes.
const U2FPublicKeySize = 65

// U2FCOSEKeySize is the size of the COSE_Key AppendU2FPublicKey writes for a
// U2F public key: a map of 5 labels with two 32-byte coordinates.
const U2FCOSEKeySize = 77

// Why a U2F public key is refused (FromU2FPublicKey, AppendU2FPublicKey); a
// point not on P-256 is ErrNotOnCurve.
var (
	ErrU2FKeySize     = errors.New("cose: U2F public key is not 65 bytes (0x04 ‖ x ‖ y)")
	ErrU2FCompressed  = errors.New("cose: U2F public key is a compressed point (0x02 or 0x03 ‖ x); U2F keys are uncompressed")
	ErrU2FPointFormat = errors.New("cose: U2F public key does not start with 0x04 (uncompressed point)")
)

// u2fCOSEPrefix is the COSE_Key of a U2F key up to x, in the order of the
// CTAP2 canonical CBOR encoding (kty, alg, crv, x, y: RFC 9053 §7.1.1,
// WebAuthn L3 §6.5.1.1): {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: h'x'.
var u2fCOSEPrefix = [...]byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20}

// u2fCOSEInfix is the label and header of y, -3: h'y'.
var u2fCOSEInfix = [...]byte{0x22, 0x58, 0x20}

// FromU2FPublicKey returns the COSE_Key (EC2, P-256, ES256; U2FCOSEKeySize
// bytes) of a FIDO U2F user public key raw, the 65-byte uncompressed point
// 0x04 ‖ x ‖ y that U2F-era relying parties store (and go-webauthn keeps for
// credentials used with the appid extension), so that a credential
// registered with the FIDO U2F JavaScript API signs in through the WebAuthn
// verifier (WebAuthn L3 §10.1.1; §8.6 step 3 builds the same key). It
// rejects a compressed point (ErrU2FCompressed), any other length
// (ErrU2FKeySize), a first byte other than 0x04 (ErrU2FPointFormat), and
// coordinates that are not below p or not a point of P-256 (ErrNotOnCurve).
// The result is a new slice: the coordinates are copied, since a COSE_Key
// frames them differently. AppendU2FPublicKey writes into a buffer of the
// caller's.
func FromU2FPublicKey(raw []byte) ([]byte, error) {
	if err := checkU2FPublicKey(raw); err != nil {
		return nil, err
	}
	return appendU2F(make([]byte, 0, U2FCOSEKeySize), raw), nil
}

// AppendU2FPublicKey appends to dst the COSE_Key FromU2FPublicKey returns for
// raw and returns the extended slice; it allocates nothing when dst has
// U2FCOSEKeySize bytes of spare capacity. On error dst is returned
// unchanged.
func AppendU2FPublicKey(dst, raw []byte) ([]byte, error) {
	if err := checkU2FPublicKey(raw); err != nil {
		return dst, err
	}
	return appendU2F(dst, raw), nil
}

// checkU2FPublicKey is the validation of FromU2FPublicKey.
func checkU2FPublicKey(raw []byte) error {
	switch {
	case len(raw) == 1+p256.size && (raw[0] == 0x02 || raw[0] == 0x03):
		return ErrU2FCompressed
	case len(raw) != U2FPublicKeySize:
		return ErrU2FKeySize
	case raw[0] != 0x04:
		return ErrU2FPointFormat
	case !p256.onCurve(raw[1:33], raw[33:]):
		return ErrNotOnCurve
	}
	return nil
}

func appendU2F(dst, raw []byte) []byte {
	dst = append(dst, u2fCOSEPrefix[:]...)
	dst = append(dst, raw[1:33]...)
	dst = append(dst, u2fCOSEInfix[:]...)
	return append(dst, raw[33:]...)
}
