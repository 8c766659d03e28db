package webauthnhttp

import (
	"bytes"
	"context"
	"errors"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
)

// unknownCredentialError is a sign-in failure because the UserStore has no
// record of the credential, with the signalUnknownCredential payload
// (§5.1.10.2) ErrorBody carries for it.
type unknownCredentialError struct {
	error
	signal *ceremony.UnknownCredentialSignal
}

func (e *unknownCredentialError) Unwrap() error { return e.error }

// withUnknownCredential attaches the unknown-credential signal to err when
// the credential lookup found no record for id (nil: it found one, or was
// not reached) and err is the §7.2 step 6 refusal that follows: the
// UserStore holds no credential id for the user the sign-in is for, which
// for a username-less sign-in is the user handle the authenticator stores
// with the credential, and for a named one the user whose
// allowCredentials listed id when the ceremony began. Either way the
// relying party no longer accepts the credential. The signal goes back
// to the client that presented id, so it tells it nothing new.
func (h *Handler) withUnknownCredential(err error, id []byte) error {
	var e *webauthn.Error
	if id == nil || !errors.As(err, &e) || e.Exception() != webauthn.ExceptionNotAuthorized || e.Step != "§7.2 step 6" {
		return err
	}
	s, serr := ceremony.UnknownCredential(h.rp.RPID, id)
	if serr != nil {
		return err
	}
	return &unknownCredentialError{error: err, signal: s}
}

// unknownCredentialSignal returns the signal attached to err, or nil.
func unknownCredentialSignal(err error) *ceremony.UnknownCredentialSignal {
	var u *unknownCredentialError
	if errors.As(err, &u) {
		return u.signal
	}
	return nil
}

// acceptedCredentials returns the signalAllAcceptedCredentials payload
// (§5.1.10.3) for the account called name that just signed in with the
// credential used, or nil when the account cannot be read whole: a list
// missing a valid credential would make authenticators hide it, so the
// payload is sent only when the account read back is the one that signed
// in (same handle) and holds the credential used.
func (h *Handler) acceptedCredentials(ctx context.Context, name string, owner, used []byte) *ceremony.AllAcceptedCredentialsSignal {
	if m, ok := h.users.(*MemUsers); ok {
		var s *ceremony.AllAcceptedCredentialsSignal
		_ = m.view(name, func(handle []byte, creds []webauthn.Credential) {
			s = h.acceptedSignal(handle, creds, owner, used)
		})
		return s
	}
	a, err := h.users.Lookup(ctx, name)
	if err != nil || a == nil {
		return nil
	}
	return h.acceptedSignal(a.Handle, a.Credentials, owner, used)
}

// acceptedSignal is acceptedCredentials for the account with handle handle
// and records creds, read whole; it keeps neither.
func (h *Handler) acceptedSignal(handle []byte, creds []webauthn.Credential, owner, used []byte) *ceremony.AllAcceptedCredentialsSignal {
	if !bytes.Equal(handle, owner) {
		return nil
	}
	found := false
	for i := range creds {
		found = found || bytes.Equal(creds[i].ID, used)
	}
	if !found {
		return nil
	}
	s, err := ceremony.AllAcceptedCredentials(h.rp.RPID, handle, creds)
	if err != nil {
		return nil
	}
	return s
}
