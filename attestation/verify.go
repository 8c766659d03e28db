package attestation

import (
	"crypto/x509"
	"errors"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/trust"
)

// Type is an attestation type (§6.5.3).
type Type uint8

// Attestation types. TypeNone is what the "none" format yields; the rest are
// the §6.5.3 types a statement's verification procedure returns.
const (
	TypeNone Type = iota
	TypeSelf
	TypeBasic
	TypeAttCA
	TypeAnonCA
)

// String returns the vector-file spelling: "none", "self", "basic", "attca", "anonca".
func (t Type) String() string {
	switch t {
	case TypeSelf:
		return "self"
	case TypeBasic:
		return "basic"
	case TypeAttCA:
		return "attca"
	case TypeAnonCA:
		return "anonca"
	}
	return "none"
}

// Options are the relying party's choices that the format verifiers apply.
// The zero value is the strict default: no anchors (chains verified for
// signatures and validity but not judged), a private certificate cache, hardware
// enforcement required for android-key, and a one-minute SafetyNet window.
type Options struct {
	// Anchors supplies trust anchors per format and AAGUID (§7.1 step 23). Nil
	// means no chain is judged against roots: the Result says so and the
	// ceremony's policy decides whether that is acceptable.
	Anchors trust.Source
	// Verifier verifies chains and holds the certificate and link cache; share
	// one across calls. Nil verifies without a cache (the package keeps no
	// process-wide state).
	Verifier *trust.Verifier
	// InsecureAllowSoftwareAndroidKey accepts android-key attestations whose
	// origin and purpose are enforced only in software (§8.4 step "if the RP
	// wants to accept software-enforced keys"). Off by default.
	InsecureAllowSoftwareAndroidKey bool
	// RequireRegisteredTPMManufacturer rejects TPM attestations whose AIK
	// certificate names a manufacturer outside the TCG TPM Vendor ID Registry.
	// Off by default: §8.3.1 requires the subjectAltName of the TPMv2 EK profile,
	// whose manufacturer must be a well-formed "id:XXXXXXXX" (always checked),
	// and the specification's own TPM test vector uses id:00000000.
	RequireRegisteredTPMManufacturer bool
	// SafetyNetWindow is how far timestampMs may be from the verification time
	// (§8.5 step 8). Zero means DefaultSafetyNetWindow.
	SafetyNetWindow time.Duration
}

// DefaultSafetyNetWindow is the SafetyNet timestamp tolerance when Options does
// not set one: the attestation is fetched right before registration.
const DefaultSafetyNetWindow = time.Minute

// Input is what every statement verification procedure takes (§7.1 step 22):
// the statement, the authenticator data, the hash of the serialized client data,
// and the credential public key already parsed from the authenticator data.
type Input struct {
	Object         *Object
	AuthData       *authdata.AuthData
	ClientDataHash []byte // SHA-256 of clientDataJSON, 32 bytes
	CredentialKey  *cose.Key
	// Time is the instant at which certificates are judged.
	Time    time.Time
	Options *Options
}

// Result is the verification procedure's output (§6.5.3, §7.1 step 22).
type Result struct {
	Format Format
	Type   Type
	// TrustPath is the x5c, leaf first, as DER: views into the attestation
	// statement (copy them to keep them past the statement's buffer); nil
	// for self and none. trust.ParseCertificate reads one with crypto/x509.
	TrustPath [][]byte
	// Judged is true when the chain was verified against anchors from
	// Options.Anchors; false when no anchors were supplied for it (every
	// signature and validity period was still checked).
	Judged bool
	// Anchor is the anchor the chain ends at, when Judged.
	Anchor *x509.Certificate
	// Compound holds the sub-results of a compound statement (§8.9).
	Compound []Result
}

// Errors of statement verification, wrapped in *Error. Every one maps to
// WebAuthnCredentialNotSupportedException.
var (
	ErrUnsupportedFormat = errors.New("attestation: unknown or unsupported attestation statement format")
	ErrInvalidStatement  = errors.New("attestation: statement does not satisfy its format's syntax")
	ErrBadSignature      = errors.New("attestation: attestation signature does not verify")
	ErrAlgorithm         = errors.New("attestation: alg is not acceptable for this statement")
	ErrCertificate       = errors.New("attestation: attestation certificate does not meet the format's requirements")
	ErrKeyMismatch       = errors.New("attestation: credential public key does not match the attested key")
	ErrNonceMismatch     = errors.New("attestation: attested challenge or nonce does not match")
	ErrUntrusted         = errors.New("attestation: certificate chain not valid or not ending at a trust anchor")
	ErrAnchors           = errors.New("attestation: the trust anchor source failed (a rejection wrapping trust.ErrRejected is ErrUntrusted instead)")
)

// Error is a statement verification failure: which format, which check of its
// verification procedure (a spec step), and the cause. errors.Is works on both
// the class sentinel (ErrBadSignature, …) and the underlying cause.
type Error struct {
	Format Format
	// Step names the spec step, e.g. "§8.2 step 2".
	Step string
	// Fault is the class sentinel, one of the Err… variables above.
	Fault error
	// Err is the underlying cause, possibly nil.
	Err error
}

func (e *Error) Error() string {
	s := "attestation: " + e.Format.String() + " " + e.Step + ": " + e.Fault.Error()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the class sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Fault}
	}
	return []error{e.Fault, e.Err}
}

func fail(f Format, step string, fault, cause error) error {
	return &Error{Format: f, Step: step, Fault: fault, Err: cause}
}

// sigKind classifies a signature verification error (cosesig's, or
// internal/jws's, which are cosesig's): a signature that does not verify is
// ErrBadSignature; anything else (algorithm and key disagree, unsupported
// algorithm, RS1 outside TPM, key refused) is ErrAlgorithm.
func sigKind(err error) error {
	if errors.Is(err, cosesig.ErrSignature) {
		return ErrBadSignature
	}
	return ErrAlgorithm
}

// verifier returns Options.Verifier, or a Verifier without a cache: the
// package keeps no process-wide state, so a caller that wants certificates
// and links cached across calls passes a Verifier with a Cache it owns.
func (o *Options) verifier() *trust.Verifier {
	if o != nil && o.Verifier != nil {
		return o.Verifier
	}
	return &trust.Verifier{}
}

// Verify runs the verification procedure of the statement's format (§7.1 step
// 22, §8). It rejects unknown formats (including differently-cased names) and
// every fault inside a statement with an *Error. Certificates are judged at
// in.Time. Verify is safe for concurrent use.
func Verify(in *Input, out *Result) error {
	*out = Result{Format: in.Object.Format}
	return verifyStatement(in, in.Object.Format, in.Object.AttStmt, out)
}

// verifyStatement dispatches on the closed set of formats.
func verifyStatement(in *Input, f Format, s Statement, out *Result) error {
	out.Format = f
	switch f {
	case FormatNone:
		return verifyNone(in, s, out)
	case FormatPacked:
		return verifyPacked(in, s, out)
	case FormatFIDOU2F:
		return verifyFIDOU2F(in, s, out)
	case FormatApple:
		return verifyApple(in, s, out)
	case FormatCompound:
		return verifyCompound(in, s, out)
	case FormatTPM:
		return verifyTPM(in, s, out)
	case FormatAndroidKey:
		return verifyAndroidKey(in, s, out)
	case FormatAndroidSafetyNet:
		return verifySafetyNet(in, s, out)
	}
	return fail(f, "§7.1 step 20", ErrUnsupportedFormat, nil)
}
