// Package attestation parses the attestation object (W3C WebAuthn Level 3 §6.5.4)
// and verifies attestation statements, one file per format (§8).
package attestation

import (
	"errors"

	"github.com/passkeykit/webauthn/internal/cbor"
)

// Format is an attestation statement format identifier (§8, IANA "WebAuthn
// Attestation Statement Format Identifiers"). It is a closed set: anything else
// is FormatUnknown, with its text kept in Object.FormatText.
type Format uint8

// The formats this package knows. Matching is exact and case-sensitive.
const (
	FormatUnknown Format = iota
	FormatPacked
	FormatTPM
	FormatAndroidKey
	FormatAndroidSafetyNet
	FormatFIDOU2F
	FormatApple
	FormatNone
	FormatCompound
)

// String returns the registered identifier ("packed", "tpm", …), or "unknown".
func (f Format) String() string {
	switch f {
	case FormatPacked:
		return "packed"
	case FormatTPM:
		return "tpm"
	case FormatAndroidKey:
		return "android-key"
	case FormatAndroidSafetyNet:
		return "android-safetynet"
	case FormatFIDOU2F:
		return "fido-u2f"
	case FormatApple:
		return "apple"
	case FormatNone:
		return "none"
	case FormatCompound:
		return "compound"
	}
	return "unknown"
}

// ParseFormat maps an identifier to its Format with an exact, case-sensitive
// comparison ("Packed" is FormatUnknown). It does not allocate.
func ParseFormat(b []byte) Format {
	switch string(b) {
	case "packed":
		return FormatPacked
	case "tpm":
		return FormatTPM
	case "android-key":
		return FormatAndroidKey
	case "android-safetynet":
		return FormatAndroidSafetyNet
	case "fido-u2f":
		return FormatFIDOU2F
	case "apple":
		return FormatApple
	case "none":
		return FormatNone
	case "compound":
		return FormatCompound
	}
	return FormatUnknown
}

// Errors returned by ParseObject: the attestation object itself is malformed
// (the relying party maps these to InvalidParameterException).
var (
	ErrMalformedObject = errors.New("attestation: attestationObject is not one well-formed CBOR map (definite lengths, no tags, no duplicate keys, depth and size limits)")
	ErrUnknownKey      = errors.New("attestation: attestationObject has a member other than fmt, attStmt and authData")
	ErrMissingKey      = errors.New("attestation: attestationObject lacks fmt, attStmt or authData")
	ErrFieldType       = errors.New("attestation: attestationObject member has the wrong type (fmt text, attStmt map, authData bytes)")
	ErrTrailingData    = errors.New("attestation: trailing data after the attestationObject")
)

// Object is a parsed attestation object. Byte-slice fields are views into the
// input of ParseObject, which must stay unmodified while the Object is used.
type Object struct {
	// Raw is the whole attestationObject.
	Raw []byte
	// Format is the statement format; FormatText is the fmt text as sent.
	Format     Format
	FormatText []byte
	// AttStmt is the attestation statement, kept as its exact CBOR bytes.
	AttStmt Statement
	// AuthData is the authenticator data bytes (parse them with authdata.Parse).
	AuthData []byte
}

// ParseObject parses an attestationObject (§6.5.4): a CBOR map with exactly the
// text keys "fmt" (text), "attStmt" (a map, or for "compound" an array) and
// "authData" (bytes), in any order. It rejects anything that is not exactly one
// well-formed CBOR item (indefinite lengths, tags, duplicate keys at any depth,
// nesting deeper than 16 levels, lengths past the end, trailing bytes), unknown or
// differently-cased keys, and members of the wrong type. An unknown fmt is not
// an error here: Format is FormatUnknown and the verifier rejects it. On error
// *out is zeroed. It does not allocate.
func ParseObject(b []byte, out *Object) error {
	*out = Object{}
	if parseObjectOnce(b, out) {
		return nil
	}
	*out = Object{}
	if err := parseObject(b, out); err != nil {
		*out = Object{}
		return err
	}
	return nil
}

// The keys of an attestation object as its encoder writes them: a one-byte
// text head (major type 3, length below 24) and the name.
const (
	keyFmt      = "\x63fmt"
	keyAttStmt  = "\x67attStmt"
	keyAuthData = "\x68authData"
)

// parseObjectOnce is ParseObject's single walk for the object every
// authenticator sends: a map of three pairs whose keys are fmt, attStmt and
// authData with one-byte heads, each value of its type, nothing after it. It
// validates and reads in the same pass and reports false for anything else,
// leaving parseObject to walk the object twice and name the error; so it
// accepts only what parseObject accepts, with the same result (the fuzz
// target checks that the two agree).
func parseObjectOnce(b []byte, out *Object) bool {
	if len(b) == 0 || b[0] != 0xa3 || uint64(len(b)) > cbor.MaxInputLen { // map(3)
		return false
	}
	r := cbor.Reader(b[1:])
	var seen uint8
	var stmtMajor byte
	for range 3 {
		switch {
		case hasKey(r, keyFmt) && seen&1 == 0:
			r = r[len(keyFmt):]
			if !r.ReadText(&out.FormatText) {
				return false
			}
			seen |= 1
		case hasKey(r, keyAttStmt) && seen&2 == 0:
			r = r[len(keyAttStmt):]
			// attStmt sits inside the object's map: depth 1, as parseObject's walk sees it.
			if !r.PeekMajor(&stmtMajor) || (stmtMajor != cbor.MajorMap && stmtMajor != cbor.MajorArray) ||
				!r.SkipNested(1, &out.AttStmt.Raw) {
				return false
			}
			seen |= 2
		case hasKey(r, keyAuthData) && seen&4 == 0:
			r = r[len(keyAuthData):]
			if !r.ReadBytes(&out.AuthData) {
				return false
			}
			seen |= 4
		default:
			return false
		}
	}
	if !r.Empty() {
		return false
	}
	out.Format = ParseFormat(out.FormatText)
	// attStmt is a map for every format but compound (§8.9), whose statement is an array.
	if (out.Format == FormatCompound) != (stmtMajor == cbor.MajorArray) {
		return false
	}
	out.Raw = b
	return true
}

// hasKey reports whether r begins with the encoded key k.
func hasKey(r cbor.Reader, k string) bool {
	return len(r) >= len(k) && string(r[:len(k)]) == k
}

// parseObject is ParseObject's exact walk: it validates the whole object,
// then reads its members, and names the first thing wrong.
func parseObject(b []byte, out *Object) error {
	r := cbor.Reader(b)
	var whole []byte
	if !r.SkipItem(&whole) {
		return ErrMalformedObject
	}
	if !r.Empty() {
		return ErrTrailingData
	}
	r = cbor.Reader(whole)
	var n int
	if !r.ReadMap(&n) {
		return ErrFieldType
	}
	var seenFmt, seenStmt, seenAuth bool
	for i := 0; i < n; i++ {
		var key []byte
		if !r.ReadText(&key) {
			return ErrUnknownKey
		}
		var major byte
		r.PeekMajor(&major)
		switch string(key) {
		case "fmt":
			if !r.ReadText(&out.FormatText) {
				return ErrFieldType
			}
			out.Format = ParseFormat(out.FormatText)
			seenFmt = true
		case "attStmt":
			if major != cbor.MajorMap && major != cbor.MajorArray {
				return ErrFieldType
			}
			r.SkipItem(&out.AttStmt.Raw) // already validated as part of the whole
			seenStmt = true
		case "authData":
			if !r.ReadBytes(&out.AuthData) {
				return ErrFieldType
			}
			seenAuth = true
		default:
			return ErrUnknownKey
		}
	}
	if !seenFmt || !seenStmt || !seenAuth {
		return ErrMissingKey
	}
	// attStmt is a map for every format but compound (§8.9), whose statement is an array.
	var major byte
	stmt := cbor.Reader(out.AttStmt.Raw)
	stmt.PeekMajor(&major)
	if (out.Format == FormatCompound) != (major == cbor.MajorArray) {
		return ErrFieldType
	}
	out.Raw = b
	return nil
}
