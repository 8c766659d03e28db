package cognito

import (
	"errors"
	"net/http"

	"github.com/passkeykit/webauthn"
)

// Exception names this endpoint answers with, besides those of the
// ceremonies (webauthn.Exception…). Each is the __type of an error body and
// the name of the error class the AWS SDKs raise for it.
const (
	ExceptionResourceNotFound      = "ResourceNotFoundException"
	ExceptionUserNotFound          = "UserNotFoundException"
	ExceptionUsernameExists        = "UsernameExistsException"
	ExceptionUserNotConfirmed      = "UserNotConfirmedException"
	ExceptionInvalidPassword       = "InvalidPasswordException"
	ExceptionPasswordResetRequired = "PasswordResetRequiredException"
	ExceptionForbidden             = "ForbiddenException"
	ExceptionOperationNotEnabled   = "OperationNotEnabledException"
	ExceptionUnsupportedOperation  = "UnsupportedOperationException"
	// ExceptionSerialization and ExceptionUnknownOperation are the AWS JSON
	// protocol's own errors: a body that is not the operation's input
	// shape, and an X-Amz-Target naming no operation of this endpoint.
	ExceptionSerialization    = "SerializationException"
	ExceptionUnknownOperation = "UnknownOperationException"
)

// APIError is an error answered to the client: its Exception is the __type
// of the body, Message its message.
type APIError struct {
	Exception string
	Message   string
	// Err is the cause, if any; it is logged, never sent.
	Err error
}

// Error returns the exception, the message and the cause.
func (e *APIError) Error() string {
	if e.Err != nil {
		return e.Exception + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Exception + ": " + e.Message
}

// Unwrap returns the cause.
func (e *APIError) Unwrap() error { return e.Err }

// apiErr returns an *APIError.
func apiErr(exception, message string) *APIError {
	return &APIError{Exception: exception, Message: message}
}

// internalErr is the InternalErrorException for a failure of the store or
// of the process: the message names the operation only; the cause is kept
// for the log.
func internalErr(what string, cause error) *APIError {
	return &APIError{Exception: webauthn.ExceptionInternalError, Message: "Internal error: " + what, Err: cause}
}

// StatusOf returns the HTTP status of an exception: 500 for
// InternalErrorException (a server fault in the service model), 400 for
// every other exception (client faults), as Amazon Cognito answers.
func StatusOf(exception string) int {
	if exception == webauthn.ExceptionInternalError {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// toAPIError converts any error of an operation into the *APIError answered:
// an *APIError as is, a *webauthn.Error with its exception and reason, and
// anything else as InternalErrorException.
func toAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	var we *webauthn.Error
	if errors.As(err, &we) {
		return &APIError{Exception: we.Exception(), Message: we.Step + ": " + we.Reason, Err: err}
	}
	return internalErr("unexpected failure", err)
}
