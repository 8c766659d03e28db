// Package clientdata parses clientDataJSON, the JSON-compatible serialization
// of CollectedClientData (WebAuthn L3 §5.8.1), without allocating. It knows no
// policy: comparing the type, challenge and origins with what the relying
// party expects is the caller's job, done with the ClientData methods.
package clientdata

import (
	"bytes"
	"errors"

	"github.com/passkeykit/webauthn/internal/b64"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// MaxSize is the largest clientDataJSON accepted, in bytes. Browsers send a few
// hundred bytes; the limit bounds the work done on hostile input before its
// signature is checked.
const MaxSize = 64 << 10

// Errors returned by Parse. The first fault in document order decides the error.
var (
	ErrTooLarge         = errors.New("clientdata: larger than MaxSize")
	ErrNotObject        = errors.New("clientdata: top-level value is not an object")
	ErrSyntax           = errors.New("clientdata: malformed JSON")
	ErrDuplicateKey     = errors.New("clientdata: duplicate member name")
	ErrTooDeep          = errors.New("clientdata: JSON nested too deeply")
	ErrTooManyMembers   = errors.New("clientdata: JSON object has too many members")
	ErrTrailingData     = errors.New("clientdata: trailing data after the object")
	ErrFieldType        = errors.New("clientdata: member has the wrong JSON type")
	ErrMissingType      = errors.New("clientdata: missing type")
	ErrMissingChallenge = errors.New("clientdata: missing challenge")
	ErrMissingOrigin    = errors.New("clientdata: missing origin")
)

// CrossOrigin is the crossOrigin member: absent, false or true.
type CrossOrigin uint8

// The values of CrossOrigin.
const (
	CrossOriginAbsent CrossOrigin = iota
	CrossOriginFalse
	CrossOriginTrue
)

// ClientData is a parsed clientDataJSON (WebAuthn L3 §5.8.1). The byte-slice
// fields are views into the input given to Parse, which must stay unmodified
// while the ClientData is used. String fields hold the JSON text between the
// quotes with escapes undecoded (iOS sends "https:\/\/example.org"); the
// matching …Escaped flag says whether it contains any. Compare them with the
// methods, which decode escapes without allocating.
type ClientData struct {
	Raw []byte // the whole clientDataJSON, as hashed for the signature

	Type             []byte // "webauthn.create" or "webauthn.get", not checked here
	TypeEscaped      bool
	Challenge        []byte // base64url text of the challenge, not decoded here
	ChallengeEscaped bool
	Origin           []byte
	OriginEscaped    bool

	HasTopOrigin     bool
	TopOrigin        []byte
	TopOriginEscaped bool

	CrossOrigin CrossOrigin

	// TokenBinding is the raw JSON text of the tokenBinding member (any JSON
	// value, well-formed), or nil when absent. It is kept raw: token binding
	// is obsolete and interpreting it is policy.
	TokenBinding []byte
}

// TypeIs reports whether the type member decodes to exactly s.
func (c *ClientData) TypeIs(s string) bool {
	return c.Type != nil && jsonx.StringEqual(c.Type, c.TypeEscaped, s)
}

// OriginIs reports whether the origin member decodes to exactly s
// (byte-for-byte: scheme, host and port are not normalised).
func (c *ClientData) OriginIs(s string) bool {
	return c.Origin != nil && jsonx.StringEqual(c.Origin, c.OriginEscaped, s)
}

// TopOriginIs reports whether topOrigin is present and decodes to exactly s.
func (c *ClientData) TopOriginIs(s string) bool {
	return c.HasTopOrigin && jsonx.StringEqual(c.TopOrigin, c.TopOriginEscaped, s)
}

// AppendOrigin appends the decoded origin to dst, for error messages.
func (c *ClientData) AppendOrigin(dst []byte) []byte {
	return jsonx.AppendUnescaped(dst, c.Origin)
}

// AppendTopOrigin appends the decoded topOrigin (empty when absent) to dst.
func (c *ClientData) AppendTopOrigin(dst []byte) []byte {
	return jsonx.AppendUnescaped(dst, c.TopOrigin)
}

// challengeChunk is how much escaped challenge text ChallengeEquals decodes
// at a time into a stack buffer.
const challengeChunk = 512

// ChallengeEquals reports whether the challenge member, after decoding JSON
// escapes, is base64url text (RFC 4648 §5: unpadded or with exactly the
// padding §4 prescribes, URL-safe alphabet only, zero unused bits) that decodes to
// exactly raw, the challenge the relying party issued (WebAuthn L3 §7.1 step
// 8, §7.2 step 11). It allocates nothing.
func (c *ClientData) ChallengeEquals(raw []byte) bool {
	if c.Challenge == nil {
		return false
	}
	if !c.ChallengeEscaped {
		return b64.EqualDecoded(c.Challenge, raw)
	}
	// Decode the escapes piece by piece, passing whole 4-character groups
	// to b64.EqualDecoded; only the last piece may carry padding.
	var buf [2 * challengeChunk]byte
	n := 0
	d := c.Challenge
	for {
		i := 0
		for i < len(d) && i < challengeChunk {
			if d[i] == '\\' {
				i += escapeSize(d[i:])
			} else {
				i++
			}
		}
		n = len(jsonx.AppendUnescaped(buf[:n], d[:i]))
		d = d[i:]
		if len(d) == 0 {
			return b64.EqualDecoded(buf[:n], raw)
		}
		full := n &^ 3
		if bytes.IndexByte(buf[:full], '=') >= 0 {
			return false
		}
		dec := full / 4 * 3
		if len(raw) < dec || !b64.EqualDecoded(buf[:full], raw[:dec]) {
			return false
		}
		raw = raw[dec:]
		n = copy(buf[:], buf[full:n])
	}
}

// escapeSize returns the length of the escape at the start of a string view
// that ReadString accepted, a surrogate pair counting as one escape.
func escapeSize(d []byte) int {
	switch {
	case len(d) < 2:
		return len(d)
	case d[1] != 'u':
		return 2
	case len(d) >= 12 && (d[2] == 'd' || d[2] == 'D') && bytes.IndexByte([]byte("89abAB"), d[3]) >= 0:
		return 12
	case len(d) >= 6:
		return 6
	}
	return len(d)
}
