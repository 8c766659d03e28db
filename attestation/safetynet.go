package attestation

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"math/big"
	"sync"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/b64"
	"github.com/passkeykit/webauthn/internal/jsonx"
	"github.com/passkeykit/webauthn/trust"
	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Limits of the android-safetynet response.
const (
	// MaxSafetyNetResponse bounds the compact JWS: real responses are 5-9 KiB
	// (a two-certificate x5c); this leaves room for a three-certificate chain.
	MaxSafetyNetResponse = 16 << 10
	// maxSafetyNetHeader bounds the decoded JWS header: base64url of at most
	// MaxSafetyNetResponse bytes decodes to three quarters of it.
	maxSafetyNetHeader = MaxSafetyNetResponse / 4 * 3
	// MaxSafetyNetPayload bounds the decoded JWS payload: the attestation
	// payload is a dozen short members (about 600 bytes in practice).
	MaxSafetyNetPayload = 4 << 10
	// MaxSafetyNetSignature bounds the decoded JWS signature: an RSA-8192
	// signature (cose.MaxRSABits) is 1024 bytes; ES512 is 132.
	MaxSafetyNetSignature = cose.MaxRSABits / 8
	// maxSafetyNetTimestampDigits bounds timestampMs: 13 digits until the
	// year 2286; 15 digits keeps the value far from int64 overflow.
	maxSafetyNetTimestampDigits = 15
)

// safetyNetHostname is the hostname the attestation certificate is issued
// to (§8.5 step 4).
const safetyNetHostname = "attest.android.com"

// Causes of android-safetynet failures, wrapped in *Error beside the class sentinel.
var (
	ErrSafetyNetUnknownMember = errors.New("attestation: android-safetynet statement has a member other than ver and response")
	ErrSafetyNetVersion       = errors.New("attestation: android-safetynet ver is empty")
	ErrSafetyNetTooLarge      = errors.New("attestation: android-safetynet response over MaxSafetyNetResponse or a part over its limit")
	ErrSafetyNetJWS           = errors.New("attestation: android-safetynet response is not a compact JWS (three base64url parts)")
	ErrSafetyNetHeader        = errors.New("attestation: android-safetynet JWS header is malformed (alg, x5c, duplicate or crit members)")
	ErrSafetyNetJWSAlg        = errors.New("attestation: android-safetynet JWS alg is not RS256/384/512, PS256/384/512 or ES256/384/512")
	ErrSafetyNetPayload       = errors.New("attestation: android-safetynet JWS payload is malformed (nonce, timestampMs, ctsProfileMatch)")
	ErrSafetyNetNonce         = errors.New("attestation: android-safetynet nonce is not base64(SHA-256(authenticatorData||clientDataHash))")
	ErrSafetyNetCTS           = errors.New("attestation: android-safetynet ctsProfileMatch is not true")
	ErrSafetyNetStale         = errors.New("attestation: android-safetynet timestampMs is older than the window")
	ErrSafetyNetFuture        = errors.New("attestation: android-safetynet timestampMs is later than the window")
	ErrSafetyNetHostname      = errors.New("attestation: android-safetynet certificate is not issued to attest.android.com")
	ErrSafetyNetX5C           = errors.New("attestation: android-safetynet x5c entry is not standard base64 DER")
)

// safetyNetBuffers hold the decoded JWS parts. They come from safetyNetPool:
// the jsonx reader's out-parameters make anything it reads escape, so a stack
// buffer would be moved to the heap on every call; pooled buffers make the
// steady state allocation-free. Nothing read from them outlives the call.
type safetyNetBuffers struct {
	header  [maxSafetyNetHeader]byte
	payload [MaxSafetyNetPayload]byte
	sig     [MaxSafetyNetSignature]byte
}

var safetyNetPool = sync.Pool{New: func() any { return new(safetyNetBuffers) }}

// safetyNetJWS is a parsed SafetyNet compact JWS. It records spans (offsets)
// into the safetyNetBuffers rather than views.
type safetyNetJWS struct {
	signed   []byte // "header.payload", the JWS signing input (ASCII), a view of the response
	sigLen   int    // bufs.sig[:sigLen]
	alg      cose.Algorithm
	nx5c     int
	x5c      [trust.MaxChainLen]span // standard base64 text in bufs.header, JSON escapes undecoded
	nonce    span                    // in bufs.payload
	tsMillis int64
	cts      bool
}

// span is a JSON string's contents at b[off:end], esc when it holds escapes.
type span struct {
	off, end int
	esc      bool
}

// spanOf records raw, a view into b, as a span.
func spanOf(b, raw []byte, esc bool) span {
	off := cap(b) - cap(raw)
	return span{off: off, end: off + len(raw), esc: esc}
}

func (s span) in(b []byte) []byte { return b[s.off:s.end] }

// jsonNames detects a repeated member name in one object of b (RFC 8259 §4)
// like jsonx.Keys, but records spans rather than views.
type jsonNames struct {
	n int
	s [jsonx.MaxMembers]span
}

// add records raw, a view into b; it returns false for a name equal (after
// decoding escapes) to an earlier one, or past jsonx.MaxMembers names.
func (ns *jsonNames) add(b, raw []byte, esc bool) bool {
	if ns.n == len(ns.s) {
		return false
	}
	for _, p := range ns.s[:ns.n] {
		if jsonx.EqualStrings(p.in(b), p.esc, raw, esc) {
			return false
		}
	}
	ns.s[ns.n] = spanOf(b, raw, esc)
	ns.n++
	return true
}

// verifySafetyNet is the android-safetynet verification procedure (§8.5). It
// rejects a statement other than {ver: non-empty text, response: bytes}; a
// response over MaxSafetyNetResponse or that is not a compact JWS whose header
// has a supported alg and an x5c of standard base64 DER certificates and whose
// payload has nonce, timestampMs and ctsProfileMatch; a nonce other than
// base64(SHA-256(authenticatorData||clientDataHash)); ctsProfileMatch other than
// true; a timestampMs farther than Options.SafetyNetWindow from in.Time in
// either direction; a JWS signature the leaf key does not verify; a leaf not
// issued to attest.android.com; and a chain that does not verify at in.Time.
// It returns the Basic type.
func verifySafetyNet(in *Input, s Statement, out *Result) error {
	const f = FormatAndroidSafetyNet
	bufs := safetyNetPool.Get().(*safetyNetBuffers)
	defer safetyNetPool.Put(bufs)
	var jws safetyNetJWS
	if err := readSafetyNet(in, s, bufs, &jws); err != nil {
		return err
	}
	certs, err := safetyNetCerts(in, bufs, &jws)
	if err != nil {
		return err
	}
	leaf := certs[0]
	// Step 2: the response is a valid JWS: its signature verifies with the leaf.
	if err := verifyJWSSignature(jws.alg, leaf, bufs.sig[:jws.sigLen], jws.signed); err != nil {
		return fail(f, "§8.5 step 2", attSigKind(err), err)
	}
	// Step 4: the leaf is issued to attest.android.com.
	if !safetyNetHostnameMatches(leaf) {
		return fail(f, "§8.5 step 4", ErrCertificate, ErrSafetyNetHostname)
	}
	if err := judgeChain(in, f, "§8.5 step 4", certs, nil, out); err != nil {
		return err
	}
	out.Type = TypeBasic
	return nil
}

// readSafetyNet performs the checks of §8.5 that need no public-key
// cryptography: step 1 (syntax), step 2's JWS parsing, step 3 (nonce), step 5
// (ctsProfileMatch) and the timestamp window. It does not allocate on success.
func readSafetyNet(in *Input, s Statement, bufs *safetyNetBuffers, jws *safetyNetJWS) error {
	const f = FormatAndroidSafetyNet
	m := s.Members()
	var key, val []byte
	for m.Next(&key, &val) {
		switch string(key) {
		case "ver", "response":
		default:
			return fail(f, "§8.5 step 1", ErrInvalidStatement, ErrSafetyNetUnknownMember)
		}
	}
	if err := m.Err(); err != nil {
		return fail(f, "§8.5 step 1", ErrInvalidStatement, err)
	}
	ver, err := s.Ver()
	if err != nil {
		return fail(f, "§8.5 step 1", ErrInvalidStatement, err)
	}
	if len(ver) == 0 {
		return fail(f, "§8.5 step 1", ErrInvalidStatement, ErrSafetyNetVersion)
	}
	resp, err := s.Response()
	if err != nil {
		return fail(f, "§8.5 step 1", ErrInvalidStatement, err)
	}
	if err := parseSafetyNetJWS(resp, bufs, jws); err != nil {
		return fail(f, "§8.5 step 2", ErrInvalidStatement, err)
	}
	// Step 3: nonce is base64(SHA-256(authenticatorData||clientDataHash)).
	h := sha256.New()
	h.Write(in.Object.AuthData)
	h.Write(in.ClientDataHash)
	var sum [sha256.Size]byte
	var want [44]byte // base64.StdEncoding.EncodedLen(32)
	base64.StdEncoding.Encode(want[:], h.Sum(sum[:0]))
	if !jsonx.EqualStrings(jws.nonce.in(bufs.payload[:]), jws.nonce.esc, want[:], false) {
		return fail(f, "§8.5 step 3", ErrNonceMismatch, ErrSafetyNetNonce)
	}
	// Step 5: ctsProfileMatch is true.
	if !jws.cts {
		return fail(f, "§8.5 step 5", ErrCertificate, ErrSafetyNetCTS)
	}
	// The response is fresh: timestampMs within the window of in.Time.
	window := DefaultSafetyNetWindow
	if in.Options != nil && in.Options.SafetyNetWindow > 0 {
		window = in.Options.SafetyNetWindow
	}
	age := in.Time.Sub(time.UnixMilli(jws.tsMillis))
	switch {
	case age > window:
		return fail(f, "§8.5 step 2", ErrCertificate, ErrSafetyNetStale)
	case age < -window:
		return fail(f, "§8.5 step 2", ErrCertificate, ErrSafetyNetFuture)
	}
	return nil
}

// parseSafetyNetJWS splits a compact JWS (RFC 7515 §7.1) into its three
// base64url parts, decodes them into bufs and reads the header and payload.
// It does not allocate.
func parseSafetyNetJWS(resp []byte, bufs *safetyNetBuffers, jws *safetyNetJWS) error {
	*jws = safetyNetJWS{}
	if len(resp) > MaxSafetyNetResponse {
		return ErrSafetyNetTooLarge
	}
	d1 := bytes.IndexByte(resp, '.')
	if d1 <= 0 {
		return ErrSafetyNetJWS
	}
	d2 := bytes.IndexByte(resp[d1+1:], '.')
	if d2 <= 0 {
		return ErrSafetyNetJWS
	}
	d2 += d1 + 1
	h64, p64, s64 := resp[:d1], resp[d1+1:d2], resp[d2+1:]
	if len(s64) == 0 || bytes.IndexByte(s64, '.') >= 0 {
		return ErrSafetyNetJWS
	}
	jws.signed = resp[:d2]
	hdr, err := decodeJWSPart(bufs.header[:], h64)
	if err != nil {
		return err
	}
	pay, err := decodeJWSPart(bufs.payload[:], p64)
	if err != nil {
		return err
	}
	sig, err := decodeJWSPart(bufs.sig[:], s64)
	if err != nil {
		return err
	}
	jws.sigLen = len(sig)
	if err := readJWSHeader(hdr, jws); err != nil {
		return err
	}
	return readSafetyNetPayload(pay, jws)
}

// decodeJWSPart decodes base64url text into buf.
func decodeJWSPart(buf, text []byte) ([]byte, error) {
	n, ok := b64.DecodedLen(text)
	if !ok {
		return nil, ErrSafetyNetJWS
	}
	if n > len(buf) {
		return nil, ErrSafetyNetTooLarge
	}
	n, ok = b64.Decode(buf, text)
	if !ok {
		return nil, ErrSafetyNetJWS
	}
	return buf[:n], nil
}

// readJWSHeader reads the JOSE header: alg (a supported JWS algorithm) and x5c
// (1 to trust.MaxChainLen strings) are required; crit is rejected (RFC 7515
// §4.1.11: this verifier understands no extension); other members are skipped.
func readJWSHeader(b []byte, jws *safetyNetJWS) error {
	r := jsonx.Reader(b)
	var keys jsonNames
	var gotAlg, gotX5C bool
	if !r.ReadObjectStart() {
		return ErrSafetyNetHeader
	}
	for i := 0; !r.ReadObjectEnd(); i++ {
		var k []byte
		var esc bool
		if i > 0 && !r.ReadComma() || !r.ReadKey(&k, &esc) || !keys.add(b, k, esc) {
			return ErrSafetyNetHeader
		}
		switch {
		case jsonx.StringEqual(k, esc, "alg"):
			var v []byte
			var vesc bool
			if !r.ReadString(&v, &vesc) {
				return ErrSafetyNetHeader
			}
			if jws.alg = jwsAlgorithm(v, vesc); jws.alg == 0 {
				return ErrSafetyNetJWSAlg
			}
			gotAlg = true
		case jsonx.StringEqual(k, esc, "x5c"):
			if !r.ReadArrayStart() {
				return ErrSafetyNetHeader
			}
			for j := 0; !r.ReadArrayEnd(); j++ {
				if j == len(jws.x5c) || j > 0 && !r.ReadComma() {
					return ErrSafetyNetHeader
				}
				var v []byte
				var vesc bool
				if !r.ReadString(&v, &vesc) || len(v) == 0 {
					return ErrSafetyNetHeader
				}
				jws.x5c[j] = spanOf(b, v, vesc)
				jws.nx5c = j + 1
			}
			if jws.nx5c == 0 {
				return ErrSafetyNetHeader
			}
			gotX5C = true
		case jsonx.StringEqual(k, esc, "crit"):
			return ErrSafetyNetHeader
		default:
			var skip []byte
			if !r.SkipNested(2, &skip) {
				return ErrSafetyNetHeader
			}
		}
	}
	if !r.End() || !gotAlg || !gotX5C {
		return ErrSafetyNetHeader
	}
	return nil
}

// jwsAlgorithm maps a JWS "alg" (RFC 7518 §3.1) to the COSE algorithm with the
// same operation, or 0.
func jwsAlgorithm(v []byte, esc bool) cose.Algorithm {
	if esc {
		return 0
	}
	switch string(v) {
	case "RS256":
		return cose.RS256
	case "RS384":
		return cose.RS384
	case "RS512":
		return cose.RS512
	case "PS256":
		return cose.PS256
	case "PS384":
		return cose.PS384
	case "PS512":
		return cose.PS512
	case "ES256":
		return cose.ES256
	case "ES384":
		return cose.ES384
	case "ES512":
		return cose.ES512
	}
	return 0
}

// readSafetyNetPayload reads the attestation payload: nonce (string),
// timestampMs (a non-negative integer) and ctsProfileMatch (boolean) are
// required; other members (apkPackageName, basicIntegrity, advice…) are
// checked for syntax and skipped. Duplicate names are rejected.
func readSafetyNetPayload(b []byte, jws *safetyNetJWS) error {
	r := jsonx.Reader(b)
	var keys jsonNames
	var gotNonce, gotTS, gotCTS bool
	if !r.ReadObjectStart() {
		return ErrSafetyNetPayload
	}
	for i := 0; !r.ReadObjectEnd(); i++ {
		var k []byte
		var esc bool
		if i > 0 && !r.ReadComma() || !r.ReadKey(&k, &esc) || !keys.add(b, k, esc) {
			return ErrSafetyNetPayload
		}
		switch {
		case jsonx.StringEqual(k, esc, "nonce"):
			var v []byte
			var vesc bool
			if !r.ReadString(&v, &vesc) {
				return ErrSafetyNetPayload
			}
			jws.nonce = spanOf(b, v, vesc)
			gotNonce = true
		case jsonx.StringEqual(k, esc, "timestampMs"):
			var num []byte
			if !r.ReadNumber(&num) || !parseMillis(num, &jws.tsMillis) {
				return ErrSafetyNetPayload
			}
			gotTS = true
		case jsonx.StringEqual(k, esc, "ctsProfileMatch"):
			if !r.ReadBool(&jws.cts) {
				return ErrSafetyNetPayload
			}
			gotCTS = true
		default:
			var skip []byte
			if !r.SkipNested(2, &skip) {
				return ErrSafetyNetPayload
			}
		}
	}
	if !r.End() || !gotNonce || !gotTS || !gotCTS {
		return ErrSafetyNetPayload
	}
	return nil
}

// parseMillis parses a JSON number that is a non-negative integer of at most
// maxSafetyNetTimestampDigits digits.
func parseMillis(num []byte, out *int64) bool {
	if len(num) == 0 || len(num) > maxSafetyNetTimestampDigits {
		return false
	}
	var v int64
	for _, c := range num {
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + int64(c-'0')
	}
	*out = v
	return true
}

// safetyNetCerts decodes the header's x5c (standard base64 with padding, RFC
// 7515 §4.1.6) and parses the certificates through the verifier's cache. The
// DER is kept by the parsed certificates, so it is decoded onto the heap.
func safetyNetCerts(in *Input, bufs *safetyNetBuffers, jws *safetyNetJWS) ([]*x509.Certificate, error) {
	const f = FormatAndroidSafetyNet
	v := in.Options.verifier()
	certs := make([]*x509.Certificate, 0, jws.nx5c)
	for i := 0; i < jws.nx5c; i++ {
		e := jws.x5c[i]
		text := e.in(bufs.header[:])
		if e.esc {
			text = jsonx.AppendUnescaped(nil, text)
		}
		der := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
		n, err := base64.StdEncoding.Strict().Decode(der, text)
		if err != nil || n == 0 || bytes.ContainsAny(text, "\r\n") {
			return nil, fail(f, "§8.5 step 2", ErrCertificate, ErrSafetyNetX5C)
		}
		c, err := v.Cache.ParseCertificate(der[:n])
		if err != nil {
			return nil, fail(f, "§8.5 step 2", ErrCertificate, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// verifyJWSSignature verifies a JWS signature (RFC 7518 §3) over signed with
// the certificate's key. ECDSA JWS signatures are R||S (§3.4), re-encoded as
// the ASN.1 Ecdsa-Sig-Value the COSE verifier takes.
func verifyJWSSignature(alg cose.Algorithm, leaf *x509.Certificate, sig, signed []byte) error {
	switch alg {
	case cose.ES256, cose.ES384, cose.ES512:
		pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			return cosesig.ErrAlgorithmMismatch
		}
		size := (pub.Curve.Params().BitSize + 7) / 8
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
	return cosesig.VerifyPublicKey(alg, leaf.PublicKey, sig, signed)
}

// safetyNetHostnameMatches reports whether the certificate is issued to
// attest.android.com: a dNSName of exactly that name, or, for a certificate
// without dNSNames, that common name. Wildcards are not accepted.
func safetyNetHostnameMatches(c *x509.Certificate) bool {
	if len(c.DNSNames) == 0 {
		return c.Subject.CommonName == safetyNetHostname
	}
	for _, n := range c.DNSNames {
		if n == safetyNetHostname {
			return true
		}
	}
	return false
}
