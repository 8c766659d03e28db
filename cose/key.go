package cose

import (
	"bytes"

	"github.com/passkeykit/webauthn/internal/cbor"
)

// COSE_Key labels (RFC 9052 §7.1 common parameters; RFC 9053 §7, RFC 8230 §4
// and draft-ietf-cose-dilithium key type parameters).
const (
	labelKty = 1
	labelKid = 2
	labelAlg = 3

	labelCrv = -1 // EC2, OKP
	labelX   = -2 // EC2, OKP
	labelY   = -3 // EC2
	labelD   = -4 // EC2, OKP private key

	labelN = -1 // RSA
	labelE = -2 // RSA
	// RSA private parameters are -3 (d) through -12 (other primes' t).
	labelRSAPrivFirst = -3
	labelRSAPrivLast  = -12

	labelPub  = -1 // AKP
	labelPriv = -2 // AKP private key (seed)

	// slots holds the key-type parameters -1..-12, the ones this package reads.
	slots = 12
)

// Key is a parsed COSE_Key credential public key. Every byte slice is a view
// into the input of ParseKey, which must stay unmodified while the Key is used.
type Key struct {
	// Raw is the exact input: verify and store these bytes, never a re-encoding.
	Raw []byte

	Type  KeyType
	Alg   Algorithm
	Curve Curve // EC2 and OKP

	X, Y []byte // EC2: big-endian affine coordinates; OKP: X is the public key
	N, E []byte // RSA: big-endian modulus and exponent, no leading zero bytes
	Pub  []byte // AKP: the encoded ML-DSA public key (FIPS 204 pkEncode)
}

// label is one COSE_Key label as read, for the duplicate check.
type label struct {
	text []byte // text label, or nil for an integer label
	num  int64
}

// ParseKey parses b, which must be exactly one COSE_Key (RFC 9052 §7) holding
// a credential public key (W3C WebAuthn L3 §6.5.1.1), into out.
//
// It rejects, as malformed: anything but one definite-length CBOR map with
// nothing after it; labels other than integers and text strings; duplicate
// labels (integers compared by value); more than MaxKeyLabels labels; a
// missing kty (1) or alg (3) (WebAuthn §5.8.5 requires alg); parameters of
// the wrong CBOR type; an algorithm that does not match the key type and curve
// (ES256 and ESP256 need EC2 P-256, ES384 and ESP384 P-384, ES512 and ESP512
// P-521; EdDSA needs OKP Ed25519 or Ed448, Ed25519 and Ed448 their own curve;
// RS*, PS* and RS1 need RSA; ML-DSA needs AKP); coordinates whose length is
// not exactly the field size (32, 48, 66; Ed25519 32, Ed448 57); an EC2 y that
// is not a byte string (compressed points); EC2 coordinates ≥ p or a point
// not on the curve; an Ed25519 or Ed448 public key whose y is ≥ p
// (ErrNonCanonicalPoint, RFC 8032 §5.1.3, §5.2.3) or is the y of a point of
// small order, whatever the sign bit (ErrSmallOrder: the 8 torsion points of
// edwards25519, the 4 of edwards448; for such a key a fixed signature
// verifies many messages, every message for the identity); ML-DSA public keys of the wrong size (1312, 1952, 2592);
// an RSA modulus with a leading zero byte; an RSA exponent that is even,
// below 3 or has a leading zero byte; private key parameters (EC2/OKP d,
// RSA -3..-12, AKP priv). Unknown labels are allowed if well formed.
//
// It rejects, as unsupported (IsUnsupported): a key type other than OKP, EC2,
// RSA and AKP; an algorithm not listed in this package; an EC2 or OKP curve
// it does not know; an RSA modulus outside [MinRSABits, MaxRSABits]; an
// exponent above MaxRSAExponent.
//
// ParseKey does not allocate. On error *out is the zero Key.
func ParseKey(b []byte, out *Key) error {
	*out = Key{}
	if err := parseKey(b, out); err != nil {
		*out = Key{}
		return err
	}
	return nil
}

func parseKey(b []byte, k *Key) error {
	r := cbor.Reader(b)
	var n int
	if !r.ReadMap(&n) {
		return ErrMalformed
	}
	if n > MaxKeyLabels {
		return ErrTooManyLabels
	}
	var (
		seen         [MaxKeyLabels]label
		kty, alg     []byte // raw items
		params       [slots + 1][]byte
		ktyOK, algOK bool
	)
	// Integer labels in [-smallLabels, smallLabels) (every label a credential
	// key uses) are checked for duplicates in a bit set; the others, text
	// labels and larger integers, against the earlier ones in seen.
	var small uint64
	nseen := 0
	for i := 0; i < n; i++ {
		var l label
		var major byte
		if !r.PeekMajor(&major) {
			return ErrMalformed
		}
		switch c := r[0]; {
		case c < 0x18: // an unsigned integer below 24, its head one byte
			l.num, r = int64(c), r[1:]
		case c >= 0x20 && c < 0x38: // a negative integer above -25
			l.num, r = -1-int64(c-0x20), r[1:]
		case major == cbor.MajorUint || major == cbor.MajorNegInt:
			if !r.ReadInt(&l.num) {
				return ErrMalformed
			}
		case major == cbor.MajorText:
			if !r.ReadText(&l.text) {
				return ErrMalformed
			}
			if l.text == nil {
				l.text = b[:0] // empty text label: non-nil so it is not an integer
			}
		default:
			return ErrMalformed // RFC 9052 §7: label = int / tstr
		}
		if l.text == nil && l.num >= -smallLabels && l.num < smallLabels {
			bit := uint64(1) << (l.num + smallLabels)
			if small&bit != 0 {
				return ErrDuplicateLabel
			}
			small |= bit
		} else {
			for j := 0; j < nseen; j++ {
				if sameLabel(&seen[j], &l) {
					return ErrDuplicateLabel
				}
			}
			seen[nseen] = l
			nseen++
		}
		var v []byte
		if !r.SkipItem(&v) {
			return ErrMalformed
		}
		if l.text != nil {
			continue
		}
		switch {
		case l.num == labelKty:
			kty, ktyOK = v, true
		case l.num == labelAlg:
			alg, algOK = v, true
		case l.num < 0 && l.num >= -slots:
			params[-l.num] = v
		}
	}
	if !r.Empty() {
		return ErrTrailingData
	}
	if !ktyOK || !algOK {
		return ErrMissingLabel
	}
	k.Raw = b

	var v int64
	switch res := readInt(kty, &v); res {
	case intOK:
		k.Type = KeyType(v)
	case intText:
		return ErrUnsupportedKeyType
	default:
		return ErrMalformed
	}
	switch res := readInt(alg, &v); res {
	case intOK:
		k.Alg = Algorithm(v)
	case intText:
		return ErrUnsupportedAlgorithm
	default:
		return ErrMalformed
	}

	switch k.Type {
	case EC2, OKP, RSA, AKP:
	default:
		return ErrUnsupportedKeyType
	}
	want := algKeyType(k.Alg)
	if want == 0 {
		return ErrUnsupportedAlgorithm
	}
	if want != k.Type {
		return ErrAlgorithmMismatch
	}

	switch k.Type {
	case EC2:
		return parseEC2(k, &params)
	case OKP:
		return parseOKP(k, &params)
	case RSA:
		return parseRSA(k, &params)
	}
	return parseAKP(k, &params)
}

// smallLabels bounds the integer labels parseKey checks for duplicates in a
// 64-bit set: [-32, 32).
const smallLabels = 32

func sameLabel(a, b *label) bool {
	if (a.text == nil) != (b.text == nil) {
		return false
	}
	if a.text == nil {
		return a.num == b.num
	}
	return bytes.Equal(a.text, b.text)
}

const (
	intOK = iota
	intText
	intBad
)

// readInt decodes a raw item that must be an int; text strings are reported
// apart because RFC 9052 allows tstr for kty, alg and crv.
func readInt(raw []byte, v *int64) int {
	r := cbor.Reader(raw)
	if r.ReadInt(v) && r.Empty() {
		return intOK
	}
	var m byte
	if r.PeekMajor(&m) && m == cbor.MajorText {
		return intText
	}
	return intBad
}

// readBytes decodes a raw item that must be a byte string.
func readBytes(raw []byte, out *[]byte) bool {
	r := cbor.Reader(raw)
	return r.ReadBytes(out) && r.Empty()
}

// algKeyType returns the key type an algorithm needs, or 0 when the algorithm
// is not supported.
func algKeyType(a Algorithm) KeyType {
	switch a {
	case ES256, ES384, ES512, ESP256, ESP384, ESP512:
		return EC2
	case EdDSA, Ed25519, Ed448:
		return OKP
	case RS256, RS384, RS512, PS256, PS384, PS512, RS1:
		return RSA
	case MLDSA44, MLDSA65, MLDSA87:
		return AKP
	}
	return 0
}

// readCurve decodes the crv parameter.
func readCurve(raw []byte, c *Curve) error {
	if raw == nil {
		return ErrMissingLabel
	}
	var v int64
	switch readInt(raw, &v) {
	case intOK:
		*c = Curve(v)
		return nil
	case intText:
		return ErrUnsupportedCurve
	}
	return ErrMalformed
}

// ecCurve returns the curve an ECDSA algorithm is bound to.
func ecCurve(a Algorithm) Curve {
	switch a {
	case ES256, ESP256:
		return P256
	case ES384, ESP384:
		return P384
	}
	return P521
}

// parseEC2 reads an EC2 public key (RFC 9053 §7.1.1).
func parseEC2(k *Key, p *[slots + 1][]byte) error {
	if err := readCurve(p[-labelCrv], &k.Curve); err != nil {
		return err
	}
	f := curveField(k.Curve)
	if f == nil {
		return ErrUnsupportedCurve
	}
	if k.Curve != ecCurve(k.Alg) {
		return ErrAlgorithmMismatch
	}
	if p[-labelD] != nil {
		return ErrPrivateKey
	}
	if p[-labelX] == nil || p[-labelY] == nil {
		return ErrMissingLabel
	}
	if !readBytes(p[-labelX], &k.X) {
		return ErrMalformed
	}
	if !readBytes(p[-labelY], &k.Y) {
		var m byte
		r := cbor.Reader(p[-labelY])
		if r.PeekMajor(&m) && m == cbor.MajorSimple {
			return ErrCompressedPoint // RFC 9053 §7.1.1: y may be a bool sign bit
		}
		return ErrMalformed
	}
	if len(k.X) != f.size || len(k.Y) != f.size {
		return ErrKeyLength
	}
	if !f.onCurve(k.X, k.Y) {
		return ErrNotOnCurve
	}
	return nil
}

// parseOKP reads an OKP public key (RFC 9053 §7.2).
func parseOKP(k *Key, p *[slots + 1][]byte) error {
	if err := readCurve(p[-labelCrv], &k.Curve); err != nil {
		return err
	}
	var size int
	switch k.Curve {
	case CurveEd25519:
		size = 32 // RFC 8032 §5.1.5
		if k.Alg == Ed448 {
			return ErrAlgorithmMismatch
		}
	case CurveEd448:
		size = 57 // RFC 8032 §5.2.5
		if k.Alg == Ed25519 {
			return ErrAlgorithmMismatch
		}
	case 4, 5: // X25519, X448: key agreement curves, not for signatures
		return ErrAlgorithmMismatch
	default:
		return ErrUnsupportedCurve
	}
	if p[-labelD] != nil {
		return ErrPrivateKey
	}
	if p[-labelX] == nil {
		return ErrMissingLabel
	}
	if !readBytes(p[-labelX], &k.X) {
		return ErrMalformed
	}
	if len(k.X) != size {
		return ErrKeyLength
	}
	return checkOKPPoint(k.Curve, k.X)
}

// parseRSA reads an RSA public key (RFC 8230 §4).
func parseRSA(k *Key, p *[slots + 1][]byte) error {
	for l := labelRSAPrivFirst; l >= labelRSAPrivLast; l-- {
		if p[-l] != nil {
			return ErrPrivateKey
		}
	}
	if p[-labelN] == nil || p[-labelE] == nil {
		return ErrMissingLabel
	}
	if !readBytes(p[-labelN], &k.N) || !readBytes(p[-labelE], &k.E) {
		return ErrMalformed
	}
	if len(k.N) == 0 || k.N[0] == 0 {
		return ErrRSAModulus
	}
	bitLen := 8*len(k.N) - leadingZeros8(k.N[0])
	if bitLen < MinRSABits || bitLen > MaxRSABits {
		return ErrRSAKeySize
	}
	e := k.E
	if len(e) == 0 || e[0] == 0 || e[len(e)-1]&1 == 0 {
		return ErrRSAExponent
	}
	if len(e) > 4 {
		return ErrRSAExponentSize
	}
	var ev uint64
	for _, c := range e {
		ev = ev<<8 | uint64(c)
	}
	if ev < MinRSAExponent {
		return ErrRSAExponent
	}
	if ev > MaxRSAExponent {
		return ErrRSAExponentSize
	}
	return nil
}

func leadingZeros8(c byte) int {
	n := 0
	for c&0x80 == 0 && n < 8 {
		c <<= 1
		n++
	}
	return n
}

// parseAKP reads an AKP (ML-DSA) public key (draft-ietf-cose-dilithium §4).
func parseAKP(k *Key, p *[slots + 1][]byte) error {
	if p[-labelPriv] != nil {
		return ErrPrivateKey
	}
	if p[-labelPub] == nil {
		return ErrMissingLabel
	}
	if !readBytes(p[-labelPub], &k.Pub) {
		return ErrMalformed
	}
	var size int
	switch k.Alg {
	case MLDSA44:
		size = MLDSA44PublicKeySize
	case MLDSA65:
		size = MLDSA65PublicKeySize
	default:
		size = MLDSA87PublicKeySize
	}
	if len(k.Pub) != size {
		return ErrKeyLength
	}
	return nil
}

// RSAExponent returns the RSA public exponent of an RSA Key parsed by
// ParseKey (at most MaxRSAExponent), or 0 for other key types.
func (k *Key) RSAExponent() uint32 {
	if k.Type != RSA || len(k.E) == 0 || len(k.E) > 4 {
		return 0
	}
	var e uint32
	for _, c := range k.E {
		e = e<<8 | uint32(c)
	}
	return e
}

// EqualRSA reports whether k is an RSA key with modulus n and exponent e.
// Leading zero bytes of n are ignored, so n may come from an ASN.1 INTEGER
// or a TPM2B_PUBLIC_KEY_RSA (TPM 2.0 Part 2 §11.2.4.5); callers comparing
// against a TPMT_PUBLIC must map its exponent 0 to 65537 first.
func (k *Key) EqualRSA(n []byte, e uint32) bool {
	if k.Type != RSA {
		return false
	}
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	return bytes.Equal(k.N, n) && k.RSAExponent() == e
}

// EqualEC reports whether k is an EC2 key on curve c with coordinates x and y,
// each given as a big-endian integer of any length (leading zero bytes are
// ignored, as TPMS_ECC_POINT and ASN.1 may strip or add them).
func (k *Key) EqualEC(c Curve, x, y []byte) bool {
	if k.Type != EC2 || k.Curve != c {
		return false
	}
	return equalInt(k.X, x) && equalInt(k.Y, y)
}

// equalInt compares two big-endian unsigned integers ignoring leading zeros.
func equalInt(a, b []byte) bool {
	for len(a) > 0 && a[0] == 0 {
		a = a[1:]
	}
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return bytes.Equal(a, b)
}
