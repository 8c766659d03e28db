package webauthnhttp

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
)

// ErrorBody is the JSON body of a failed request: the Cognito exception
// name, the spec step, and a fixed message for the exception
// (UserMessage). Nothing of the cause is sent. Signal is set when a
// sign-in failed because the relying party does not know the credential
// (its record was deleted): the page passes it to
// PublicKeyCredential.signalUnknownCredential (§5.1.10.2) so that the
// authenticator stops offering the credential.
type ErrorBody struct {
	Exception string                            `json:"exception"`
	Step      string                            `json:"step"`
	Message   string                            `json:"message"`
	Signal    *ceremony.UnknownCredentialSignal `json:"signal,omitempty"`
}

// HTTPStatus returns the HTTP status Handler answers err with:
//
//   - 400 InvalidParameterException, and the faults a client recovers from
//     by starting the ceremony again: WebAuthnChallengeNotFoundException (a
//     spent, expired or unknown challenge) and WebAuthnClientMismatchException;
//   - 401 NotAuthorizedException;
//   - 403 WebAuthnOriginNotAllowedException,
//     WebAuthnRelyingPartyMismatchException, WebAuthnNotEnabledException;
//   - 422 WebAuthnCredentialNotSupportedException;
//   - 429 LimitExceededException, TooManyRequestsException;
//   - 500 otherwise (InternalErrorException,
//     WebAuthnConfigurationMissingException).
func HTTPStatus(err error) int {
	switch webauthn.ExceptionName(err) {
	case webauthn.ExceptionInvalidParameter, webauthn.ExceptionChallengeNotFound, webauthn.ExceptionClientMismatch:
		return http.StatusBadRequest
	case webauthn.ExceptionOriginNotAllowed, webauthn.ExceptionRelyingPartyMismatch, webauthn.ExceptionNotEnabled:
		return http.StatusForbidden
	case webauthn.ExceptionCredentialNotSupported:
		return http.StatusUnprocessableEntity
	case webauthn.ExceptionNotAuthorized:
		return http.StatusUnauthorized
	case webauthn.ExceptionLimitExceeded, webauthn.ExceptionTooManyRequests:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// UserMessage returns what to tell a person whose ceremony failed with err:
// a fixed sentence per exception, in terms of what they can do, never the
// spec step or the cause. Each sentence is true of both ceremonies, since
// one exception can answer either (NotAuthorizedException refuses a sign-in
// with a passkey that does not verify and a register/begin that would add a
// passkey to someone else's account).
func UserMessage(err error) string {
	switch webauthn.ExceptionName(err) {
	case webauthn.ExceptionInvalidParameter:
		return "The browser sent something we could not read. Please try again."
	case webauthn.ExceptionChallengeNotFound, webauthn.ExceptionClientMismatch:
		return "This attempt has expired or was already used. Please start again."
	case webauthn.ExceptionOriginNotAllowed, webauthn.ExceptionRelyingPartyMismatch:
		return "This passkey request did not come from this site. Please open the site directly and try again."
	case webauthn.ExceptionCredentialNotSupported:
		return "This passkey or security key cannot be used here. Please try another one."
	case webauthn.ExceptionNotAuthorized:
		return "We could not confirm that this account is yours. Please use a passkey of this account, sign in to it first, or choose another account."
	case webauthn.ExceptionLimitExceeded:
		return "This account has the most passkeys it can hold. Remove one to add another."
	case webauthn.ExceptionTooManyRequests:
		return "Too many attempts right now. Please wait a moment and try again."
	case webauthn.ExceptionNotEnabled, webauthn.ExceptionConfigurationMissing:
		return "Passkeys are not available on this site right now."
	}
	return "Something went wrong on our side. Please try again later."
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers err with its exception, step and fixed message, and
// logs the reason and the cause.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *webauthn.Error
	if !errors.As(err, &e) {
		e = webauthn.NewError(webauthn.ErrInternal, stepHandler, "internal error", err)
	}
	status := HTTPStatus(e)
	level := slogLevel(status)
	h.log.Log(r.Context(), level, "webauthn request failed", "path", r.URL.Path, "status", status,
		"exception", e.Exception(), "step", e.Step, "reason", e.Reason, "cause", e.Err)
	writeJSON(w, status, ErrorBody{Exception: e.Exception(), Step: e.Step, Message: UserMessage(e), Signal: unknownCredentialSignal(err)})
}

// ReadResponse reads the body of r, at most webauthn.MaxResponseSize
// bytes, as the response JSON of a ceremony, for servers that keep their
// own routes and hand it to ceremony.Lifecycle's Complete. A larger body is
// InvalidParameterException; the JSON itself is checked by Complete.
func ReadResponse(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, webauthn.MaxResponseSize+1))
	if err != nil {
		return nil, webauthn.NewError(webauthn.ErrMalformed, stepHandler, "cannot read the request body", err)
	}
	if len(b) > webauthn.MaxResponseSize {
		return nil, webauthn.NewError(webauthn.ErrMalformed, stepHandler, "request body too large", webauthn.ErrResponseTooLarge)
	}
	return b, nil
}
