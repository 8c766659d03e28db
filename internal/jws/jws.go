// Package jws reads and verifies JSON Web Signatures in the compact
// serialization (RFC 7515 §7.1) whose key comes from an x5c certificate chain
// in the protected header (RFC 7515 §4.1.6): the android-safetynet attestation
// response (W3C WebAuthn L3 §8.5) and the FIDO MDS3 metadata BLOB (FIDO
// Metadata Service v3.0 §3.1.7). It holds the one JWS algorithm table (RFC
// 7518 §3.1) both use.
//
// Parsing does not allocate: Split and ParseHeader return views into their
// input, which must stay unmodified while the result is used; Decode writes
// into a caller's buffer. Certificate allocates the DER it returns (parsed
// certificates keep it), and Verify costs what crypto/ecdsa and crypto/rsa
// cost. The caller decides what a header's chain must be trusted by and what
// the payload holds.
package jws

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"math/big"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/b64"
	"github.com/passkeykit/webauthn/internal/jsonx"
	"github.com/passkeykit/webauthn/trust"
	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Errors of the parsing functions. Verify returns cosesig's errors.
var (
	ErrMalformed = errors.New("jws: not a compact serialization of three non-empty unpadded base64url parts")
	ErrTooLarge  = errors.New("jws: a decoded part is larger than the caller's buffer")
	ErrHeader    = errors.New("jws: header is not one strict JSON object with alg and x5c strings (duplicate, miscased or crit members)")
	ErrAlgorithm = errors.New("jws: alg is not RS256/384/512, PS256/384/512 or ES256/384/512")
	ErrNoX5C     = errors.New("jws: header has no x5c")
	ErrX5C       = errors.New("jws: x5c entry is not standard base64 text with padding")
)

// algorithms is the JWS algorithm table: the RFC 7518 §3.1 "alg" values
// verified here and the COSE algorithm with the same operation (RFC 9053
// §2.1, RFC 8230 §2), whose hash, padding and curve cosesig applies.
var algorithms = [...]struct {
	name string
	alg  cose.Algorithm
}{
	{"RS256", cose.RS256}, {"RS384", cose.RS384}, {"RS512", cose.RS512},
	{"PS256", cose.PS256}, {"PS384", cose.PS384}, {"PS512", cose.PS512},
	{"ES256", cose.ES256}, {"ES384", cose.ES384}, {"ES512", cose.ES512},
}

// Algorithm returns the COSE algorithm of a JWS "alg" name, or 0 for any
// other name (none, HS*, EdDSA, other spellings).
func Algorithm(name []byte) cose.Algorithm {
	for _, a := range algorithms {
		if string(name) == a.name {
			return a.alg
		}
	}
	return 0
}

// AlgorithmName returns the JWS "alg" name of a COSE algorithm Algorithm
// returns, or "" for any other.
func AlgorithmName(alg cose.Algorithm) string {
	for _, a := range algorithms {
		if alg == a.alg {
			return a.name
		}
	}
	return ""
}

// Parts is a compact JWS split into its three base64url texts (views into the
// input) and the signing input "header.payload" (RFC 7515 §5.2 step 8).
type Parts struct {
	Header, Payload, Signature []byte
	Signed                     []byte
}

// Split splits b, a compact serialization BASE64URL(header) "."
// BASE64URL(payload) "." BASE64URL(signature) (RFC 7515 §7.1), into *out. It
// rejects (ErrMalformed) anything but exactly three non-empty parts; the
// parts' alphabet is checked by Decode. On error *out is zeroed.
func Split(b []byte, out *Parts) error {
	*out = Parts{}
	d1 := bytes.IndexByte(b, '.')
	if d1 <= 0 {
		return ErrMalformed
	}
	d2 := bytes.IndexByte(b[d1+1:], '.')
	if d2 <= 0 {
		return ErrMalformed
	}
	d2 += d1 + 1
	sig := b[d2+1:]
	if len(sig) == 0 || bytes.IndexByte(sig, '.') >= 0 {
		return ErrMalformed
	}
	*out = Parts{Header: b[:d1], Payload: b[d1+1 : d2], Signature: sig, Signed: b[:d2]}
	return nil
}

// DecodedLen returns the size Decode needs for text, or ErrMalformed for a
// length no unpadded base64url text has.
func DecodedLen(text []byte) (int, error) {
	n, ok := b64.DecodedLen(text)
	if !ok || bytes.IndexByte(text, '=') >= 0 {
		return 0, ErrMalformed
	}
	return n, nil
}

// Decode decodes one part, unpadded base64url (RFC 7515 §2: trailing '='
// omitted), into buf and returns the decoded bytes, a prefix of buf. It
// rejects padding, bytes outside the URL-safe alphabet (including whitespace)
// and non-zero unused bits (ErrMalformed), and a part longer than buf
// (ErrTooLarge).
func Decode(buf, text []byte) ([]byte, error) {
	n, err := DecodedLen(text)
	if err != nil {
		return nil, err
	}
	if n > len(buf) {
		return nil, ErrTooLarge
	}
	if _, ok := b64.Decode(buf, text); !ok {
		return nil, ErrMalformed
	}
	return buf[:n], nil
}

// jsonString is a JSON string's contents as read, escapes undecoded.
type jsonString struct {
	raw []byte
	esc bool
}

// Header is the part of a JOSE header (RFC 7515 §4.1) these signatures use.
// Its x5c entries are views into the decoded header passed to ParseHeader.
type Header struct {
	// Alg is the COSE algorithm of the header's alg.
	Alg cose.Algorithm
	n   int
	x5c [trust.MaxChainLen]jsonString
}

// knownNames are the header members ParseHeader interprets (alg, x5c) or
// rejects (crit); x5u is named so that a miscased spelling is refused too.
var knownNames = [...]string{"alg", "x5c", "x5u", "crit"}

// ParseHeader reads a decoded JOSE header b into *h. b must be one JSON object
// (RFC 8259, as internal/jsonx reads it: no duplicate member names, limited
// nesting) with nothing but whitespace after it, holding alg (a string) and
// x5c (an array of 1 to trust.MaxChainLen non-empty strings). Other members
// are checked for syntax and ignored, as RFC 7515 §4 requires, except crit,
// which is rejected (§4.1.11: no extension is understood here), and any
// other-case spelling of alg, x5c, x5u or crit. Errors: ErrHeader for the
// syntax, ErrAlgorithm for an alg outside the table (escaped spellings
// included), ErrNoX5C when x5c is absent, trust.ErrChainTooLong for more than
// trust.MaxChainLen entries. x5u is never fetched. On error *h is zeroed.
func ParseHeader(b []byte, h *Header) error {
	*h = Header{}
	if err := parseHeader(b, h); err != nil {
		*h = Header{}
		return err
	}
	return nil
}

func parseHeader(b []byte, h *Header) error {
	r := jsonx.Reader(b)
	var keys jsonx.Keys
	var gotAlg, gotX5C bool
	if !r.ReadObjectStart() {
		return ErrHeader
	}
	var k []byte
	var esc bool
	m := jsonx.Members{Keys: &keys}
	for m.Next(&r, &k, &esc) {
		if miscased(k, esc) {
			return ErrHeader
		}
		switch {
		case jsonx.StringEqual(k, esc, "alg"):
			var v []byte
			var vesc bool
			if !r.ReadString(&v, &vesc) {
				return ErrHeader
			}
			if !vesc {
				h.Alg = Algorithm(v)
			}
			gotAlg = true
		case jsonx.StringEqual(k, esc, "x5c"):
			if !r.ReadArrayStart() {
				return ErrHeader
			}
			for j := 0; !r.ReadArrayEnd(); j++ {
				if j > 0 && !r.ReadComma() {
					return ErrHeader
				}
				if j == len(h.x5c) {
					return trust.ErrChainTooLong
				}
				s := &h.x5c[j]
				if !r.ReadString(&s.raw, &s.esc) || len(s.raw) == 0 {
					return ErrHeader
				}
				h.n = j + 1
			}
			if h.n == 0 {
				return ErrHeader
			}
			gotX5C = true
		case jsonx.StringEqual(k, esc, "crit"):
			return ErrHeader
		default:
			var skip []byte
			if !r.SkipNested(2, &skip) {
				return ErrHeader
			}
		}
	}
	switch {
	case m.Code() != jsonx.CodeOK || !r.End() || !gotAlg:
		return ErrHeader
	case h.Alg == 0:
		return ErrAlgorithm
	case !gotX5C:
		return ErrNoX5C
	}
	return nil
}

// miscased reports whether the member name k equals one of knownNames in
// ASCII case-insensitive comparison but not exactly.
func miscased(k []byte, esc bool) bool {
	const maxEscaped = 6 * 4 // a known name of 4 characters, each written \uXXXX
	var buf [maxEscaped]byte
	if esc {
		if len(k) > maxEscaped {
			return false
		}
		k = jsonx.AppendUnescaped(buf[:0], k)
	}
	for _, n := range knownNames {
		if len(k) == len(n) && string(k) != n && foldEqual(k, n) {
			return true
		}
	}
	return false
}

func foldEqual(a []byte, b string) bool {
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// NumX5C returns the number of x5c entries, leaf first.
func (h *Header) NumX5C() int { return h.n }

// Certificate returns the DER of x5c entry i (0 <= i < NumX5C): the JSON
// string decoded from standard base64 with padding (RFC 7515 §4.1.6: base64,
// not base64url). It rejects any other text, including line breaks, which
// encoding/base64 would skip (ErrX5C). The result is newly allocated.
func (h *Header) Certificate(i int) ([]byte, error) {
	s := h.x5c[i]
	text := s.raw
	if s.esc {
		text = jsonx.AppendUnescaped(nil, text)
	}
	if bytes.ContainsAny(text, "\r\n") {
		return nil, ErrX5C
	}
	der := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Strict().Decode(der, text)
	if err != nil || n == 0 {
		return nil, ErrX5C
	}
	return der[:n], nil
}

// Verify checks a JWS signature (RFC 7518 §3.3-3.5) over signed, the ASCII
// signing input, with the public key of an x5c leaf: alg must be one
// Algorithm returns and fit the key (cosesig.VerifyPublicKey's key rules: an
// ECDSA key on alg's curve, an RSA key of cose.MinRSABits to cose.MaxRSABits).
// ECDSA signatures are R||S of the curve's size (§3.4), re-encoded as the
// ASN.1 Ecdsa-Sig-Value cosesig verifies. Errors are cosesig's:
// ErrAlgorithmMismatch (or cose.ErrRSAKeySize) for a key that does not fit,
// ErrSignature for a signature that does not verify.
func Verify(alg cose.Algorithm, pub crypto.PublicKey, sig, signed []byte) error {
	if AlgorithmName(alg) == "" {
		return cosesig.ErrUnsupportedAlgorithm
	}
	switch alg {
	case cose.ES256, cose.ES384, cose.ES512:
		c := curveOf(alg)
		if k, ok := pub.(*ecdsa.PublicKey); !ok || k.Curve != c {
			return cosesig.ErrAlgorithmMismatch
		}
		size := (c.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return cosesig.ErrSignature
		}
		var b cryptobyte.Builder
		b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1BigInt(new(big.Int).SetBytes(sig[:size]))
			b.AddASN1BigInt(new(big.Int).SetBytes(sig[size:]))
		})
		der, err := b.Bytes()
		if err != nil {
			return cosesig.ErrSignature
		}
		sig = der
	}
	return cosesig.VerifyPublicKey(alg, pub, sig, signed)
}

// curveOf returns the curve an ES algorithm signs on (RFC 7518 §3.4).
func curveOf(alg cose.Algorithm) elliptic.Curve {
	switch alg {
	case cose.ES256:
		return elliptic.P256()
	case cose.ES384:
		return elliptic.P384()
	}
	return elliptic.P521()
}

// IssuedTo reports whether c is issued to name: a subjectAltName dNSName equal
// to it or, for a certificate without dNSNames, a subject common name equal to
// it. The comparison is exact; wildcards are not expanded. It pins the signer
// of a JWS whose x5c chains to a root that also certifies others
// (attest.android.com for SafetyNet, the MDS signer for the BLOB).
func IssuedTo(c *x509.Certificate, name string) bool {
	if len(c.DNSNames) == 0 {
		return c.Subject.CommonName == name
	}
	for _, n := range c.DNSNames {
		if n == name {
			return true
		}
	}
	return false
}
