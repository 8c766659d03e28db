// Package androidkey reads the Android key attestation extension
// (OID 1.3.6.1.4.1.11129.2.1.17, "KeyDescription") that a WebAuthn
// "android-key" attestation certificate carries (W3C WebAuthn Level 3 §8.4).
//
// The reader is strict and allocation-free and works on raw DER: results are
// views into the input, which must stay unmodified while a result is in use.
// It knows no policy: it reports the purposes, origin and allApplications of
// each AuthorizationList and leaves the §8.4 decisions to the verifier.
package androidkey

import "errors"

// Errors returned by Parse.
var (
	ErrMalformed    = errors.New("androidkey: malformed KeyDescription")
	ErrVersion      = errors.New("androidkey: unknown attestationVersion")
	ErrAuthList     = errors.New("androidkey: malformed AuthorizationList")
	ErrDuplicateTag = errors.New("androidkey: AuthorizationList repeats a tag")
	ErrTooMany      = errors.New("androidkey: AuthorizationList over its limits")
	ErrTrailingData = errors.New("androidkey: trailing data")
)

// Limits.
const (
	// MaxFields bounds the tagged fields of one AuthorizationList: the KeyMint
	// 400 schema defines fewer than 64, and duplicate detection scans them.
	MaxFields = 128
	// MaxPurposes bounds the purpose SET OF INTEGER: KeyMint defines 8 purposes.
	MaxPurposes = 16
	// MaxDepth bounds the nesting of a skipped field (RootOfTrust is the
	// deepest in the schema, at 3 under its explicit tag).
	MaxDepth = 8
)

// AuthorizationList tags used by WebAuthn §8.4 (Android Keystore,
// "Key attestation" schema; Keymaster tag IDs).
const (
	TagPurpose         = 1
	TagAllApplications = 600
	TagOrigin          = 702
	TagRootOfTrust     = 704
	TagAttestationApp  = 709
)

// Values of purpose and origin.
const (
	PurposeSign     = 2 // KM_PURPOSE_SIGN
	OriginGenerated = 0 // KM_ORIGIN_GENERATED
)

// SecurityLevel is the SecurityLevel ENUMERATED.
type SecurityLevel int64

const (
	Software           SecurityLevel = 0
	TrustedEnvironment SecurityLevel = 1
	StrongBox          SecurityLevel = 2
)

// KeyDescription is the KeyDescription SEQUENCE. Its shape is the same in
// every attestation version (Keymaster 1-4: attestationVersion 1-4; KeyMint:
// 100, 200, 300, 400); KeymasterVersion holds keyMintVersion for KeyMint.
type KeyDescription struct {
	AttestationVersion       int64
	AttestationSecurityLevel SecurityLevel
	KeymasterVersion         int64
	KeymasterSecurityLevel   SecurityLevel
	AttestationChallenge     []byte // OCTET STRING contents
	UniqueID                 []byte // OCTET STRING contents
	SoftwareEnforced         AuthorizationList
	TeeEnforced              AuthorizationList // hardwareEnforced
}

// AuthorizationList holds the fields of an AuthorizationList that WebAuthn
// §8.4 needs. Raw is the SEQUENCE contents, for anything else.
type AuthorizationList struct {
	Raw             []byte
	NumPurposes     int
	Purposes        [MaxPurposes]int64
	HasOrigin       bool
	Origin          int64
	AllApplications bool
	RootOfTrust     []byte // [704] RootOfTrust SEQUENCE contents, nil when absent
	AttestationApp  []byte // [709] attestationApplicationId OCTET STRING contents, nil when absent
}

// HasPurpose reports whether the purpose set contains p.
func (l *AuthorizationList) HasPurpose(p int64) bool {
	for _, q := range l.Purposes[:l.NumPurposes] {
		if q == p {
			return true
		}
	}
	return false
}

// knownVersion reports whether v is an attestationVersion whose schema this
// package reads.
func knownVersion(v int64) bool {
	switch v {
	case 1, 2, 3, 4, 100, 200, 300, 400:
		return true
	}
	return false
}

// Parse parses ext, the extnValue contents of the Android key attestation
// extension (WebAuthn §8.4; Android "Key and ID attestation" schema), into out.
//
// It rejects: DER that is malformed (indefinite or non-minimal lengths,
// non-minimal INTEGERs or tag numbers, constructed strings); an
// attestationVersion other than 1, 2, 3, 4, 100, 200, 300 or 400; a
// KeyDescription member of the wrong type; an AuthorizationList element that
// is not an explicit context-specific tag holding exactly one element; a tag
// given twice in one list; a purpose that is not a SET OF INTEGER or an
// origin that is not an INTEGER; allApplications that is not NULL; more than
// MaxFields fields or MaxPurposes purposes; a skipped field nested deeper
// than MaxDepth; and any byte after the KeyDescription. Tag order is not
// enforced. On error *out is zeroed. The fields of out alias ext.
func Parse(ext []byte, out *KeyDescription) error {
	*out = KeyDescription{}
	err := parse(ext, out)
	if err != nil {
		*out = KeyDescription{}
	}
	return err
}

func parse(ext []byte, out *KeyDescription) error {
	in := der(ext)
	var seq []byte
	if !in.read(tagSequence, true, &seq) {
		return ErrMalformed
	}
	if !in.empty() {
		return ErrTrailingData
	}
	s := der(seq)
	var sl, kl int64
	if !s.integer(tagInteger, &out.AttestationVersion) {
		return ErrMalformed
	}
	if !knownVersion(out.AttestationVersion) {
		return ErrVersion
	}
	var sw, hw []byte
	if !s.integer(tagEnumerated, &sl) ||
		!s.integer(tagInteger, &out.KeymasterVersion) ||
		!s.integer(tagEnumerated, &kl) ||
		!s.read(tagOctetString, false, &out.AttestationChallenge) ||
		!s.read(tagOctetString, false, &out.UniqueID) ||
		!s.read(tagSequence, true, &sw) ||
		!s.read(tagSequence, true, &hw) ||
		!s.empty() {
		return ErrMalformed
	}
	out.AttestationSecurityLevel = SecurityLevel(sl)
	out.KeymasterSecurityLevel = SecurityLevel(kl)
	if err := parseAuthList(sw, &out.SoftwareEnforced); err != nil {
		return err
	}
	return parseAuthList(hw, &out.TeeEnforced)
}

func parseAuthList(b []byte, out *AuthorizationList) error {
	out.Raw = b
	var seen [MaxFields]uint32
	n := 0
	s := der(b)
	for !s.empty() {
		var id ident
		var c []byte
		if !s.element(&id, &c) || id.class != classContext || !id.constructed {
			return ErrAuthList
		}
		if n == MaxFields {
			return ErrTooMany
		}
		for _, t := range seen[:n] {
			if t == id.number {
				return ErrDuplicateTag
			}
		}
		seen[n] = id.number
		n++
		// Explicit tag: exactly one element inside.
		inner := der(c)
		var iid ident
		var ic []byte
		if !inner.element(&iid, &ic) || !inner.empty() || !validElement(iid, ic, 1) {
			return ErrAuthList
		}
		if err := out.field(id.number, iid, ic); err != nil {
			return err
		}
	}
	return nil
}

func (l *AuthorizationList) field(tag uint32, id ident, c []byte) error {
	universal := func(number uint32, cons bool) bool {
		return id.class == classUniversal && id.number == number && id.constructed == cons
	}
	switch tag {
	case TagPurpose:
		if !universal(tagSet, true) {
			return ErrAuthList
		}
		s := der(c)
		for !s.empty() {
			if l.NumPurposes == MaxPurposes {
				return ErrTooMany
			}
			if !s.integer(tagInteger, &l.Purposes[l.NumPurposes]) {
				return ErrAuthList
			}
			l.NumPurposes++
		}
	case TagOrigin:
		v := der(c)
		if !universal(tagInteger, false) || len(c) > 8 {
			return ErrAuthList
		}
		// Re-read the validated INTEGER contents as an int64.
		l.Origin = int64(int8(v[0]))
		for _, x := range v[1:] {
			l.Origin = l.Origin<<8 | int64(x)
		}
		l.HasOrigin = true
	case TagAllApplications:
		if !universal(tagNull, false) {
			return ErrAuthList
		}
		l.AllApplications = true
	case TagRootOfTrust:
		if !universal(tagSequence, true) {
			return ErrAuthList
		}
		l.RootOfTrust = c
	case TagAttestationApp:
		if !universal(tagOctetString, false) {
			return ErrAuthList
		}
		l.AttestationApp = c
	}
	return nil
}
