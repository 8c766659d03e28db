package attestation

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/jsonx"
	"github.com/passkeykit/webauthn/internal/jws"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/trust"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
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

// safetyNetJWS is a parsed SafetyNet compact JWS; its views point into the
// response and the safetyNetBuffers it was decoded into.
type safetyNetJWS struct {
	signed   []byte // "header.payload", the JWS signing input (ASCII), a view of the response
	sig      []byte // in bufs.sig
	hdr      jws.Header
	nonce    []byte // in bufs.payload, JSON escapes undecoded
	nonceEsc bool
	tsMillis int64
	cts      bool
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
	var sn safetyNetJWS
	if err := readSafetyNet(in, s, bufs, &sn); err != nil {
		return err
	}
	var chain trust.Chain
	if err := safetyNetCerts(&sn, &chain); err != nil {
		return err
	}
	pub, err := leafKey(in, f, "§8.5 step 2", &chain)
	if err != nil {
		return err
	}
	// Step 2: the response is a valid JWS: its signature verifies with the leaf.
	if err := jws.Verify(sn.hdr.Alg, pub, sn.sig, sn.signed); err != nil {
		return fail(f, "§8.5 step 2", sigKind(err), err)
	}
	// Step 4: the leaf is issued to attest.android.com.
	if !issuedTo(chain.Certificate(0), safetyNetHostname) {
		return fail(f, "§8.5 step 4", ErrCertificate, ErrSafetyNetHostname)
	}
	if err := judgeChain(in, f, "§8.5 step 4", &chain, nil, out); err != nil {
		return err
	}
	out.Type = TypeBasic
	return nil
}

// readSafetyNet performs the checks of §8.5 that need no public-key
// cryptography: step 1 (syntax), step 2's JWS parsing, step 3 (nonce), step 5
// (ctsProfileMatch) and the timestamp window. It does not allocate on success.
func readSafetyNet(in *Input, s Statement, bufs *safetyNetBuffers, sn *safetyNetJWS) error {
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
	if err := parseSafetyNetJWS(resp, bufs, sn); err != nil {
		return fail(f, "§8.5 step 2", ErrInvalidStatement, err)
	}
	// Step 3: nonce is base64(SHA-256(authenticatorData||clientDataHash)).
	h := sha256.New()
	h.Write(in.Object.AuthData)
	h.Write(in.ClientDataHash)
	var sum [sha256.Size]byte
	var want [44]byte // base64.StdEncoding.EncodedLen(32)
	base64.StdEncoding.Encode(want[:], h.Sum(sum[:0]))
	if !jsonx.EqualStrings(sn.nonce, sn.nonceEsc, want[:], false) {
		return fail(f, "§8.5 step 3", ErrNonceMismatch, ErrSafetyNetNonce)
	}
	// Step 5: ctsProfileMatch is true.
	if !sn.cts {
		return fail(f, "§8.5 step 5", ErrCertificate, ErrSafetyNetCTS)
	}
	// The response is fresh: timestampMs within the window of in.Time.
	window := DefaultSafetyNetWindow
	if in.Options != nil && in.Options.SafetyNetWindow > 0 {
		window = in.Options.SafetyNetWindow
	}
	age := in.Time.Sub(time.UnixMilli(sn.tsMillis))
	switch {
	case age > window:
		return fail(f, "§8.5 step 2", ErrCertificate, ErrSafetyNetStale)
	case age < -window:
		return fail(f, "§8.5 step 2", ErrCertificate, ErrSafetyNetFuture)
	}
	return nil
}

// parseSafetyNetJWS splits a compact JWS (RFC 7515 §7.1) into its three
// base64url parts, decodes them into bufs and reads the header (internal/jws)
// and the payload. It does not allocate.
func parseSafetyNetJWS(resp []byte, bufs *safetyNetBuffers, sn *safetyNetJWS) error {
	*sn = safetyNetJWS{}
	if len(resp) > MaxSafetyNetResponse {
		return ErrSafetyNetTooLarge
	}
	var parts jws.Parts
	if err := jws.Split(resp, &parts); err != nil {
		return safetyNetCause(err)
	}
	hdr, err := jws.Decode(bufs.header[:], parts.Header)
	if err != nil {
		return safetyNetCause(err)
	}
	pay, err := jws.Decode(bufs.payload[:], parts.Payload)
	if err != nil {
		return safetyNetCause(err)
	}
	if sn.sig, err = jws.Decode(bufs.sig[:], parts.Signature); err != nil {
		return safetyNetCause(err)
	}
	sn.signed = parts.Signed
	if err := jws.ParseHeader(hdr, &sn.hdr); err != nil {
		return safetyNetCause(err)
	}
	return readSafetyNetPayload(pay, sn)
}

// safetyNetCause maps an internal/jws error to this format's cause.
func safetyNetCause(err error) error {
	switch err {
	case jws.ErrTooLarge:
		return ErrSafetyNetTooLarge
	case jws.ErrAlgorithm:
		return ErrSafetyNetJWSAlg
	case jws.ErrHeader, jws.ErrNoX5C, trust.ErrChainTooLong:
		return ErrSafetyNetHeader
	case jws.ErrX5C:
		return ErrSafetyNetX5C
	}
	return ErrSafetyNetJWS
}

// readSafetyNetPayload reads the attestation payload: nonce (string),
// timestampMs (a non-negative integer) and ctsProfileMatch (boolean) are
// required; other members (apkPackageName, basicIntegrity, advice…) are
// checked for syntax and skipped. Duplicate names are rejected.
func readSafetyNetPayload(b []byte, sn *safetyNetJWS) error {
	r := jsonx.Reader(b)
	var keys jsonx.Keys
	var gotNonce, gotTS, gotCTS bool
	if !r.ReadObjectStart() {
		return ErrSafetyNetPayload
	}
	var k []byte
	var esc bool
	m := jsonx.Members{Keys: &keys}
	for m.Next(&r, &k, &esc) {
		switch {
		case jsonx.StringEqual(k, esc, "nonce"):
			if !r.ReadString(&sn.nonce, &sn.nonceEsc) {
				return ErrSafetyNetPayload
			}
			gotNonce = true
		case jsonx.StringEqual(k, esc, "timestampMs"):
			var num []byte
			if !r.ReadNumber(&num) || !parseMillis(num, &sn.tsMillis) {
				return ErrSafetyNetPayload
			}
			gotTS = true
		case jsonx.StringEqual(k, esc, "ctsProfileMatch"):
			if !r.ReadBool(&sn.cts) {
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
	if m.Code() != jsonx.CodeOK || !r.End() || !gotNonce || !gotTS || !gotCTS {
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
// 7515 §4.1.6) and reads the certificates into ch. The DER is decoded onto the
// heap, so the chain and the trust path may keep views into it.
func safetyNetCerts(sn *safetyNetJWS, ch *trust.Chain) error {
	const f = FormatAndroidSafetyNet
	if sn.hdr.NumX5C() > trust.MaxChainLen {
		return fail(f, "§8.5 step 2", ErrCertificate, trust.ErrChainTooLong)
	}
	for i := range sn.hdr.NumX5C() {
		der, err := sn.hdr.Certificate(i)
		if err != nil {
			return fail(f, "§8.5 step 2", ErrCertificate, safetyNetCause(err))
		}
		if err := ch.Append(der); err != nil {
			return fail(f, "§8.5 step 2", ErrCertificate, err)
		}
	}
	if ch.Len() == 0 {
		return fail(f, "§8.5 step 2", ErrCertificate, trust.ErrEmptyChain)
	}
	return nil
}

// issuedTo reports whether c is issued to name as jws.IssuedTo decides on a
// crypto/x509 certificate: a subjectAltName dNSName equal to name or, when
// the certificate has no dNSName, a subject CN (the last one) equal to name.
func issuedTo(c *x509lite.Certificate, name string) bool {
	dns := false
	names := x509lite.SANNames(c.SubjectAltName)
	var tag cbasn1.Tag
	var v []byte
	for names.Next(&tag, &v) {
		if tag == cbasn1.Tag(2).ContextSpecific() {
			if string(v) == name {
				return true
			}
			dns = true
		}
	}
	if dns {
		return false
	}
	cn, found := false, false
	attrs := x509lite.NameAttributes(c.RawSubject)
	var oid []byte
	for attrs.Next(&oid, &tag, &v) {
		if bytes.Equal(oid, x509lite.OIDCommonName) {
			found, cn = true, x509lite.StringEqual(tag, v, name)
		}
	}
	return found && cn
}
