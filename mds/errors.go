package mds

import "errors"

// Sentinel errors. Load failures are returned as [*Error] wrapping one of
// them; Check, the Source wrapper and the revocation list return them bare, so
// that the lookup path does not allocate.
var (
	// Load, the BLOB as a whole.
	ErrNoTime        = errors.New("mds: LoadOptions.At is required")
	ErrNoRoots       = errors.New("mds: LoadOptions.Roots holds no MDS root")
	ErrTooLarge      = errors.New("mds: input larger than its limit")
	ErrMalformedJWS  = errors.New("mds: BLOB is not a well-formed JWS compact serialization")
	ErrAlgorithm     = errors.New("mds: JWS alg is not supported or does not match the signing key")
	ErrUntrustedBLOB = errors.New("mds: BLOB signing chain does not end at a caller-supplied MDS root")
	ErrSignerRevoked = errors.New("mds: a certificate of the BLOB signing chain is revoked")
	ErrCRL           = errors.New("mds: CRL is malformed, not signed by its issuer, or not yet valid")
	ErrSignature     = errors.New("mds: BLOB signature does not verify")
	ErrPayload       = errors.New("mds: BLOB payload is malformed")
	ErrStale         = errors.New("mds: BLOB or CRL is past its nextUpdate")
	ErrRollback      = errors.New("mds: BLOB serial number is lower than LoadOptions.MinNo")
	// ErrSignerName is the cause, under ErrUntrustedBLOB, of a BLOB whose
	// signing certificate chains to Roots but is not issued to
	// LoadOptions.Signer (DefaultSigner).
	ErrSignerName = errors.New("mds: BLOB signing certificate is not issued to the MDS signer name")

	// Load, one entry (reported in Index.Skipped, never returned by Load).
	ErrMalformedEntry = errors.New("mds: metadata entry is malformed")

	// Check and the policy Source.
	ErrUnknownAuthenticator = errors.New("mds: authenticator is not in the metadata")
	ErrRevoked              = errors.New("mds: authenticator is REVOKED")
	ErrCompromised          = errors.New("mds: authenticator has a key compromise status")
	ErrUVBypass             = errors.New("mds: authenticator has status USER_VERIFICATION_BYPASS")
	ErrNotCertified         = errors.New("mds: authenticator lacks the required FIDO certification level")
	ErrAttestationType      = errors.New("mds: attestation type is not declared by the metadata statement")
	ErrNilIndex             = errors.New("mds: nil Index")

	// Android attestation status list.
	ErrAndroidRevoked   = errors.New("mds: android attestation certificate is REVOKED")
	ErrAndroidSuspended = errors.New("mds: android attestation certificate is SUSPENDED")
	ErrStatusList       = errors.New("mds: android attestation status list is malformed")
)

// Error is a load failure: the class sentinel (Fault), where it was found
// (Field: a JWS part or payload member such as "header.x5c[1]" or
// "entries[12].aaguid") and the underlying cause, possibly nil. errors.Is sees
// both Fault and Err.
type Error struct {
	Fault error
	Field string
	Err   error
}

func (e *Error) Error() string {
	s := e.Fault.Error()
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
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

func fail(fault error, field string, cause error) error {
	return &Error{Fault: fault, Field: field, Err: cause}
}
