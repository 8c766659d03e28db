package webauthntest

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"
)

// The few CBOR items (RFC 8949) an authenticator writes, encoded by hand in
// the CTAP2 canonical form (§6.5.4, §6.5.1.1): definite lengths, shortest
// heads, map keys in the order the callers write them (which is the canonical
// order: shorter keys first, then bytewise).

// CBOR major types (RFC 8949 §3.1).
const (
	majorUint  = 0
	majorNeg   = 1
	majorBytes = 2
	majorText  = 3
	majorMap   = 5
)

// appendHead appends the head of an item of major type major with argument n
// in its shortest form (RFC 8949 §3, §4.2.1).
func appendHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xff:
		return append(b, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

// appendInt appends the integer v.
func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		return appendHead(b, majorNeg, uint64(-1-v))
	}
	return appendHead(b, majorUint, uint64(v))
}

// appendBytes appends the byte string v.
func appendBytes(b, v []byte) []byte {
	return append(appendHead(b, majorBytes, uint64(len(v))), v...)
}

// appendText appends the text string v.
func appendText(b []byte, v string) []byte {
	return append(appendHead(b, majorText, uint64(len(v))), v...)
}

// coseKeyES256 returns the COSE_Key of an ES256 credential public key (RFC
// 9053 §7.1.1, WebAuthn L3 §5.8.5): {1: 2 (EC2), 3: -7 (ES256), -1: 1
// (P-256), -2: x, -3: y}, labels in canonical order.
func coseKeyES256(pub *ecdsa.PublicKey) []byte {
	p, err := pub.Bytes() // 0x04 ‖ x ‖ y
	if err != nil || len(p) != 65 {
		panic("webauthntest: not a P-256 public key")
	}
	b := appendHead(nil, majorMap, 5)
	b = appendInt(appendInt(b, 1), 2)
	b = appendInt(appendInt(b, 3), -7)
	b = appendInt(appendInt(b, -1), 1)
	b = appendBytes(appendInt(b, -2), p[1:33])
	return appendBytes(appendInt(b, -3), p[33:])
}

// attestationObjectNone returns the attestationObject of "none" attestation
// (§6.5.4, §8.7): {"fmt": "none", "attStmt": {}, "authData": authData}.
func attestationObjectNone(authData []byte) []byte {
	b := appendHead(nil, majorMap, 3)
	b = appendText(appendText(b, "fmt"), "none")
	b = appendHead(appendText(b, "attStmt"), majorMap, 0)
	return appendBytes(appendText(b, "authData"), authData)
}

// Authenticator data flags (§6.1).
const (
	flagUP = 1 << 0
	flagUV = 1 << 2
	flagBE = 1 << 3
	flagBS = 1 << 4
	flagAT = 1 << 6
)

// appendAuthData appends authenticator data (§6.1): rpIdHash, flags,
// signCount, and when credID is not nil the attested credential data
// (§6.5.2: AAGUID, credentialIdLength, credentialId, credentialPublicKey),
// with AT set.
func appendAuthData(b []byte, rpID string, flags byte, count uint32, aaguid *[16]byte, credID, coseKey []byte) []byte {
	h := sha256.Sum256([]byte(rpID))
	b = append(b, h[:]...)
	if credID != nil {
		flags |= flagAT
	}
	b = binary.BigEndian.AppendUint32(append(b, flags), count)
	if credID != nil {
		b = append(b, aaguid[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(credID)))
		b = append(b, credID...)
		b = append(b, coseKey...)
	}
	return b
}
