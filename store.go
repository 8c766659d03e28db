package webauthn

import (
	"bytes"
	"context"
	"time"
)

// Ceremony names the WebAuthn ceremony a challenge was issued for
// (WebAuthn L3 §7.1 registration, §7.2 authentication). A challenge issued for
// one ceremony is never found when the other is completed.
type Ceremony uint8

// The ceremonies. The zero value is no ceremony and is rejected by Put.
const (
	CeremonyRegistration   Ceremony = 1
	CeremonyAuthentication Ceremony = 2
)

// String returns "registration" or "authentication".
func (c Ceremony) String() string {
	switch c {
	case CeremonyRegistration:
		return "registration"
	case CeremonyAuthentication:
		return "authentication"
	}
	return "invalid"
}

// MinChallengeSize is the fewest random bytes a challenge may have: WebAuthn L3
// §13.4.3 asks for at least 16, so that a challenge cannot be guessed.
const MinChallengeSize = 16

// MaxChallengeSize is the most bytes a challenge may have. The challenge a
// response carries is attacker-chosen; bounding it keeps store keys small, and
// Consume rejects a longer one without a lookup.
const MaxChallengeSize = 64

// MaxUserHandleSize is the most bytes a user handle may have (WebAuthn L3
// §5.4.3: user.id is at most 64 bytes).
const MaxUserHandleSize = 64

// Challenge is one issued challenge and what the Complete step must know about
// the options it was issued with (WebAuthn L3 §5.4, §5.5). A store keeps it
// from Start until it is consumed or expires.
type Challenge struct {
	Ceremony Ceremony
	// Value is the challenge: MinChallengeSize to MaxChallengeSize random bytes.
	Value []byte
	// UserHandle is user.id (registration) or the user the authentication was
	// started for. It is empty for a username-less (discoverable credential)
	// authentication, which is then bound to no user.
	UserHandle []byte
	// UserName is user.name, kept for the registration result.
	UserName string
	// ClientID is the app client the challenge was issued to (Cognito's client
	// of the access token). Only that client may consume it.
	ClientID string
	// Expires is the last instant at which the challenge may be consumed
	// (inclusive, like x509's NotAfter).
	Expires time.Time
	// UserVerification is the userVerification requirement the options asked
	// for: "required", "preferred" or "discouraged".
	UserVerification string
	// AllowCredentials are the credential IDs allowCredentials listed
	// (authentication only); empty means any of the user's credentials.
	AllowCredentials [][]byte
}

// Expired reports whether c can no longer be consumed at now.
func (c *Challenge) Expired(now time.Time) bool { return now.After(c.Expires) }

// Clone returns a deep copy of c.
func (c *Challenge) Clone() *Challenge {
	d := *c
	d.Value = bytes.Clone(c.Value)
	d.UserHandle = bytes.Clone(c.UserHandle)
	if c.AllowCredentials != nil {
		d.AllowCredentials = make([][]byte, len(c.AllowCredentials))
		for i, id := range c.AllowCredentials {
			d.AllowCredentials[i] = bytes.Clone(id)
		}
	}
	return &d
}

// ChallengeStore keeps issued challenges between Start and Complete. A challenge
// is identified by (ceremony, user handle, challenge value), so a lookup is one
// round trip, and it is single use.
//
// Every error an implementation returns is an *Error (use NewError):
//
//   - Put: ErrTooManyRequests when the store is full or the user already has
//     the maximum number of outstanding challenges; ErrInternal (with the
//     cause) when the store fails.
//   - Consume: ErrChallengeNotFound when no challenge with that key was issued,
//     it expired (now after Expires) or it was consumed already;
//     ErrClientMismatch when it was issued to another client, in which case it
//     is NOT consumed: a client that stole a challenge cannot burn it for the
//     client it was issued to, which can still complete; ErrInternal (with the
//     cause) when the store fails, and then the challenge is never reported
//     consumed unless it was removed.
//
// Consume is atomic: of any number of concurrent calls for one challenge, at
// most one returns it. Implementations are safe for concurrent use.
type ChallengeStore interface {
	// Put records c, which must be valid (see Challenge), at time now. The
	// store may keep c or a copy; the caller must not modify c afterwards.
	Put(ctx context.Context, c *Challenge, now time.Time) error
	// Consume removes and returns the challenge issued for (ceremony, user,
	// challenge) when it has not expired at now and was issued to clientID.
	Consume(ctx context.Context, ceremony Ceremony, user, challenge []byte, clientID string, now time.Time) (*Challenge, error)
}

// Steps named in store errors; stores built outside this package use them
// with NewError so that their errors read like the built-in store's.
const (
	StepChallengePut    = "challenge store: Put"
	StepChallengeLookup = "§7.1 step 12, §7.2 step 12: challenge lookup"
)

// Reasons given in store errors.
const (
	ReasonChallengeNotFound = "challenge not issued, expired or already used"
	ReasonClientMismatch    = "challenge was issued to another client"
	ReasonStoreFull         = "challenge store is full"
	ReasonUserBusy          = "too many outstanding challenges for the user"
	ReasonStoreFailed       = "challenge store failed"
)

// CheckChallenge reports, as an ErrInternal *Error, why c may not be put in a
// store: no ceremony, a challenge of the wrong size, a user handle over
// MaxUserHandleSize, or a zero expiry. Stores call it from Put.
func CheckChallenge(c *Challenge) error {
	reason := ""
	switch {
	case c == nil:
		reason = "nil challenge"
	case c.Ceremony != CeremonyRegistration && c.Ceremony != CeremonyAuthentication:
		reason = "challenge has no ceremony"
	case len(c.Value) < MinChallengeSize || len(c.Value) > MaxChallengeSize:
		reason = "challenge size out of range"
	case len(c.UserHandle) > MaxUserHandleSize:
		reason = "user handle longer than 64 bytes"
	case c.Expires.IsZero():
		reason = "challenge has no expiry"
	default:
		return nil
	}
	return NewError(ErrInternal, StepChallengePut, reason, nil)
}

// CheckLookup reports, as an ErrChallengeNotFound *Error, a lookup key that no
// valid challenge can have (no ceremony, a challenge or user handle of the
// wrong size), so that stores answer it without a round trip.
func CheckLookup(ceremony Ceremony, user, challenge []byte) error {
	if (ceremony != CeremonyRegistration && ceremony != CeremonyAuthentication) ||
		len(challenge) < MinChallengeSize || len(challenge) > MaxChallengeSize ||
		len(user) > MaxUserHandleSize {
		return NewError(ErrChallengeNotFound, StepChallengeLookup, ReasonChallengeNotFound, nil)
	}
	return nil
}
