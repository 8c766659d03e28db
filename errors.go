package webauthn

import "errors"

// Cognito exception names (Amazon Cognito user pools API, CompleteWebAuthnRegistration
// and the sign-in flow). Every *Error carries exactly one of these; the mapping from
// fault to exception is fixed by the fault sentinel (the Err… variables below)
// and tabled in the README's Errors section.
const (
	ExceptionInvalidParameter       = "InvalidParameterException"
	ExceptionChallengeNotFound      = "WebAuthnChallengeNotFoundException"
	ExceptionOriginNotAllowed       = "WebAuthnOriginNotAllowedException"
	ExceptionRelyingPartyMismatch   = "WebAuthnRelyingPartyMismatchException"
	ExceptionClientMismatch         = "WebAuthnClientMismatchException"
	ExceptionCredentialNotSupported = "WebAuthnCredentialNotSupportedException"
	ExceptionNotAuthorized          = "NotAuthorizedException"
	ExceptionNotEnabled             = "WebAuthnNotEnabledException"
	ExceptionConfigurationMissing   = "WebAuthnConfigurationMissingException"
	ExceptionLimitExceeded          = "LimitExceededException"
	ExceptionTooManyRequests        = "TooManyRequestsException"
	ExceptionInternalError          = "InternalErrorException"
)

// stepPolicy is the Step of an error raised before any numbered step runs:
// the RelyingParty itself cannot run a ceremony (see RelyingParty.Check).
const stepPolicy = "RelyingParty"

// Error is the one error type of the ceremonies: the Cognito exception the same
// fault gets, the spec step that failed, a reason a developer can act on, and the
// cause. errors.Is matches both the fault sentinel (ErrOriginNotAllowed, …) and the
// cause (clientdata.ErrSyntax, attestation.ErrBadSignature, …); errors.As finds
// *Error and, through Unwrap, the causes' own types.
type Error struct {
	exception string
	// Step says where the ceremony failed. It is one of:
	//   - "§7.1 step N" or "§7.2 step N": the W3C WebAuthn Level 3
	//     (Recommendation) step that failed, numbered as the published §7.1
	//     and §7.2 lists are, e.g. "§7.1 step 9" for the origin;
	//   - "§7.1" or "§7.2": a recovered panic in that ceremony
	//     (InternalErrorException);
	//   - "§5.4" or "§5.5": a fault in issuing creation or request options
	//     (package ceremony, Start…), and "§5.4.3" for the user account
	//     parameters of a registration (package webauthnhttp);
	//   - "RelyingParty": the policy cannot run a ceremony (RelyingParty.Check);
	//   - "Handler": the HTTP request itself (package webauthnhttp): its body,
	//     its session cookie.
	Step string
	// Reason says what was wrong in terms of the input.
	Reason string
	// Fault is the sentinel naming the fault class (one of the Err… variables).
	Fault error
	// Err is the underlying cause, possibly nil.
	Err error
}

// Exception returns the Cognito exception name, e.g.
// "WebAuthnOriginNotAllowedException": ExceptionName for an *Error in hand.
func (e *Error) Exception() string { return e.exception }

func (e *Error) Error() string {
	s := e.exception + ": " + e.Step + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the fault sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Fault}
	}
	return []error{e.Fault, e.Err}
}

// Fault sentinels. Each names one row of the error table; the exception is fixed
// by the sentinel (the comment above each group names it): NewError(fault, …)
// carries it, and ExceptionName reads it back.
var (
	// InvalidParameterException.
	ErrMalformed      = errors.New("webauthn: malformed input")
	ErrIDMismatch     = errors.New("webauthn: id, rawId and the credential ID disagree")
	ErrCredentialType = errors.New("webauthn: credential type is not public-key")
	ErrClientDataType = errors.New("webauthn: clientData type is not this ceremony's")
	// WebAuthnChallengeNotFoundException.
	ErrChallengeNotFound = errors.New("webauthn: challenge not issued, expired or already used")
	// WebAuthnOriginNotAllowedException.
	ErrOriginNotAllowed = errors.New("webauthn: origin, crossOrigin or topOrigin not allowed")
	// WebAuthnRelyingPartyMismatchException.
	ErrRPIDMismatch = errors.New("webauthn: rpIdHash is not SHA-256 of the RP ID")
	// WebAuthnClientMismatchException.
	ErrClientMismatch = errors.New("webauthn: challenge was issued to another client")
	// WebAuthnCredentialNotSupportedException (registration).
	ErrCredentialNotSupported = errors.New("webauthn: credential or attestation not acceptable")
	// NotAuthorizedException (authentication).
	ErrNotAuthorized = errors.New("webauthn: assertion not authorized")
	// WebAuthnNotEnabledException.
	ErrNotEnabled = errors.New("webauthn: passkeys are disabled by the policy")
	// WebAuthnConfigurationMissingException.
	ErrConfigurationMissing = errors.New("webauthn: relying party ID is not configured")
	// LimitExceededException.
	ErrLimitExceeded = errors.New("webauthn: the user's credential limit is reached")
	// TooManyRequestsException.
	ErrTooManyRequests = errors.New("webauthn: challenge store is full")
	// InternalErrorException.
	ErrInternal = errors.New("webauthn: internal error")
)

// exceptionOf returns the Cognito exception for a fault sentinel, and
// ExceptionInternalError for anything else.
func exceptionOf(fault error) string {
	switch fault {
	case ErrMalformed, ErrIDMismatch, ErrCredentialType, ErrClientDataType:
		return ExceptionInvalidParameter
	case ErrChallengeNotFound:
		return ExceptionChallengeNotFound
	case ErrOriginNotAllowed:
		return ExceptionOriginNotAllowed
	case ErrRPIDMismatch:
		return ExceptionRelyingPartyMismatch
	case ErrClientMismatch:
		return ExceptionClientMismatch
	case ErrCredentialNotSupported:
		return ExceptionCredentialNotSupported
	case ErrNotAuthorized:
		return ExceptionNotAuthorized
	case ErrNotEnabled:
		return ExceptionNotEnabled
	case ErrConfigurationMissing:
		return ExceptionConfigurationMissing
	case ErrLimitExceeded:
		return ExceptionLimitExceeded
	case ErrTooManyRequests:
		return ExceptionTooManyRequests
	}
	return ExceptionInternalError
}

// NewError builds an *Error for a fault sentinel; the exception follows from the
// fault. Stores and other packages that plug into the ceremonies use it so that
// their errors carry the same exceptions.
func NewError(fault error, step, reason string, cause error) *Error {
	return &Error{exception: exceptionOf(fault), Step: step, Reason: reason, Fault: fault, Err: cause}
}

// ExceptionName returns the Cognito exception of err when it is (or wraps) an
// *Error, and "" otherwise. It is the one way to get the exception of an
// error; (*Error).Exception is the same for an *Error already in hand.
func ExceptionName(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.exception
	}
	return ""
}
