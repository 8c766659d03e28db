// Package authdata parses the authenticator data structure of W3C WebAuthn
// Level 3 §6.1 without allocating: every field of the result is a view into the
// input, which must stay unmodified while the result is used.
package authdata

import (
	"errors"

	"github.com/passkeykit/webauthn/internal/cbor"
)

// Flags is the flags byte of the authenticator data (§6.1, table "flags").
type Flags byte

// Flag bits (§6.1). Bits 1 and 5 are reserved for future use and ignored.
const (
	FlagUP Flags = 1 << 0 // User Present
	FlagUV Flags = 1 << 2 // User Verified
	FlagBE Flags = 1 << 3 // Backup Eligibility
	FlagBS Flags = 1 << 4 // Backup State
	FlagAT Flags = 1 << 6 // Attested credential data included
	FlagED Flags = 1 << 7 // Extension data included
)

// UserPresent reports the UP flag (§6.1 bit 0).
func (f Flags) UserPresent() bool { return f&FlagUP != 0 }

// UserVerified reports the UV flag (§6.1 bit 2).
func (f Flags) UserVerified() bool { return f&FlagUV != 0 }

// BackupEligible reports the BE flag (§6.1 bit 3, §6.1.3).
func (f Flags) BackupEligible() bool { return f&FlagBE != 0 }

// BackedUp reports the BS flag (§6.1 bit 4, §6.1.3).
func (f Flags) BackedUp() bool { return f&FlagBS != 0 }

// HasAttestedCredentialData reports the AT flag (§6.1 bit 6).
func (f Flags) HasAttestedCredentialData() bool { return f&FlagAT != 0 }

// HasExtensions reports the ED flag (§6.1 bit 7).
func (f Flags) HasExtensions() bool { return f&FlagED != 0 }

const (
	// MinLen is the length of authenticator data without attested credential
	// data or extensions: rpIdHash (32), flags (1), signCount (4).
	MinLen = 37
	// MaxCredentialIDLen is the largest credential ID a relying party accepts
	// (§7.1 step 25: "Verify that the credentialId is ≤ 1023 bytes").
	MaxCredentialIDLen = 1023
	// aaguidLen and credIDLenLen are the fixed parts of attested credential data (§6.5.2).
	aaguidLen    = 16
	credIDLenLen = 2
)

// Errors returned by Parse. Every one is a malformed-input error.
var (
	ErrTooShort             = errors.New("authdata: shorter than 37 bytes")
	ErrAttestedDataMissing  = errors.New("authdata: AT flag set but attested credential data truncated")
	ErrCredentialIDTooLong  = errors.New("authdata: credential ID longer than 1023 bytes")
	ErrCredentialIDPastEnd  = errors.New("authdata: credential ID length past the end")
	ErrEmptyCredentialID    = errors.New("authdata: empty credential ID")
	ErrMalformedPublicKey   = errors.New("authdata: credential public key is not one well-formed CBOR map")
	ErrExtensionsMissing    = errors.New("authdata: ED flag set but no extensions map")
	ErrMalformedExtensions  = errors.New("authdata: extensions are not one well-formed CBOR map")
	ErrTrailingData         = errors.New("authdata: trailing data after the last item (AT or ED flag disagrees with the data)")
	ErrBackupStateWithoutBE = errors.New("authdata: BS flag set while BE is clear")
)

// AuthData is parsed authenticator data (§6.1). Byte-slice fields are views into
// the input passed to Parse.
type AuthData struct {
	// Raw is the whole input, the bytes that are signed.
	Raw []byte
	// RPIDHash is SHA-256 of the RP ID the authenticator scoped the credential to (32 bytes).
	RPIDHash []byte
	Flags    Flags
	// SignCount is the signature counter (§6.1.1).
	SignCount uint32
	// AAGUID, CredentialID and CredentialPublicKey are the attested credential
	// data (§6.5.2), present when Flags has AT. CredentialPublicKey is the exact
	// COSE_Key bytes, not re-encoded.
	AAGUID              AAGUID
	CredentialID        []byte
	CredentialPublicKey []byte
	// Extensions is the exact CBOR map of authenticator extension outputs (§9), present when Flags has ED.
	Extensions []byte
}

// Parse parses authenticator data (§6.1). It rejects: input shorter than 37
// bytes; BS set while BE is clear (§6.1.3); with AT set, attested credential
// data that is truncated, a credential ID that is empty, longer than
// MaxCredentialIDLen or past the end, or a credential public key that is not one
// well-formed CBOR map (definite lengths, no tags, no duplicate keys); with ED set,
// a missing or malformed extensions map; and any byte after the last item, which
// is also how AT or ED clear with data present is caught. The COSE key's contents
// are not judged here (see package cose). On error *out is zeroed.
func Parse(b []byte, out *AuthData) error {
	*out = AuthData{}
	if err := parse(b, out); err != nil {
		*out = AuthData{}
		return err
	}
	return nil
}

func parse(b []byte, out *AuthData) error {
	if len(b) < MinLen {
		return ErrTooShort
	}
	out.Raw = b
	out.RPIDHash = b[:32:32]
	out.Flags = Flags(b[32])
	out.SignCount = uint32(b[33])<<24 | uint32(b[34])<<16 | uint32(b[35])<<8 | uint32(b[36]) // big-endian (§6.1)
	if out.Flags.BackedUp() && !out.Flags.BackupEligible() {
		return ErrBackupStateWithoutBE
	}
	rest := b[MinLen:]
	if out.Flags.HasAttestedCredentialData() {
		if len(rest) < aaguidLen+credIDLenLen {
			return ErrAttestedDataMissing
		}
		copy(out.AAGUID[:], rest[:aaguidLen])
		n := int(rest[aaguidLen])<<8 | int(rest[aaguidLen+1]) // credentialIdLength, big-endian (§6.5.2)
		rest = rest[aaguidLen+credIDLenLen:]
		switch {
		case n == 0:
			return ErrEmptyCredentialID
		case n > MaxCredentialIDLen:
			return ErrCredentialIDTooLong
		case n > len(rest):
			return ErrCredentialIDPastEnd
		}
		out.CredentialID = rest[:n:n]
		rest = rest[n:]
		var major byte
		r := cbor.Reader(rest)
		if !r.PeekMajor(&major) || major != cbor.MajorMap || !r.SkipItem(&out.CredentialPublicKey) {
			return ErrMalformedPublicKey
		}
		rest = r
	}
	if out.Flags.HasExtensions() {
		var major byte
		r := cbor.Reader(rest)
		if !r.PeekMajor(&major) {
			return ErrExtensionsMissing
		}
		if major != cbor.MajorMap || !r.SkipItem(&out.Extensions) {
			return ErrMalformedExtensions
		}
		rest = r
	}
	if len(rest) != 0 {
		return ErrTrailingData
	}
	return nil
}
