package ceremony

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/passkeykit/webauthn/cose"
)

// Ceremony names the WebAuthn ceremony a challenge was issued for
// (WebAuthn L3 §7.1 registration, §7.2 authentication). A challenge issued for
// one ceremony is never found when the other is completed.
type Ceremony uint8

// The ceremonies. The zero value is no ceremony and is rejected by Put.
const (
	Registration   Ceremony = 1
	Authentication Ceremony = 2
)

// String returns "registration" or "authentication".
func (c Ceremony) String() string {
	switch c {
	case Registration:
		return "registration"
	case Authentication:
		return "authentication"
	}
	return "invalid"
}

// MinChallengeSize is the fewest random bytes a challenge may have: WebAuthn L3
// §13.4.3 asks for at least 16, so that a challenge cannot be guessed.
const MinChallengeSize = 16

// MaxChallengeSize is the most bytes a challenge may have. The challenge a
// response carries is attacker-chosen; bounding it keeps store keys small, and
// a longer one is refused without a lookup.
const MaxChallengeSize = 64

// MaxUserHandleSize is the most bytes a user handle may have (WebAuthn L3
// §5.4.3: user.id is at most 64 bytes).
const MaxUserHandleSize = 64

// MaxClientIDSize is the most bytes a client ID may have: session IDs and
// app client IDs are short; the bound keeps store keys small.
const MaxClientIDSize = 128

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
	// ClientID is the client the challenge was issued to: a browser session
	// or an app client. Only that client may consume it, and the store
	// bounds how many challenges one client holds.
	ClientID string
	// Expires is the last instant at which the challenge may be consumed
	// (inclusive, like x509's NotAfter).
	Expires time.Time
	// UserVerification is the userVerification the options asked for; when
	// UserVerificationRequired, Complete requires the UV flag.
	UserVerification UserVerification
	// Algorithms are the pubKeyCredParams the creation options offered
	// (registration only): the credential's algorithm must be one of them
	// (§7.1 step 20).
	Algorithms []cose.Algorithm
	// Conditional says the registration was started for conditional
	// mediation (§7.1 step 15): only then may the UP flag be clear.
	Conditional bool
	// AllowCredentials are the credential IDs allowCredentials listed
	// (authentication only); empty means any of the user's credentials.
	AllowCredentials [][]byte
	// AppID says the request options asked for the appid extension
	// (authentication only; WebAuthn L3 §10.1.1): only then does Complete
	// accept an assertion whose clientExtensionResults.appid is true.
	AppID bool
}

// Expired reports whether c can no longer be consumed at now.
func (c *Challenge) Expired(now time.Time) bool { return now.After(c.Expires) }

// Clone returns a deep copy of c.
func (c *Challenge) Clone() *Challenge {
	d := *c
	d.Value = bytes.Clone(c.Value)
	d.UserHandle = bytes.Clone(c.UserHandle)
	d.Algorithms = append([]cose.Algorithm(nil), c.Algorithms...)
	if c.AllowCredentials != nil {
		d.AllowCredentials = make([][]byte, len(c.AllowCredentials))
		for i, id := range c.AllowCredentials {
			d.AllowCredentials[i] = bytes.Clone(id)
		}
	}
	return &d
}

// Validate reports, with ErrInvalidChallenge, a challenge no store may keep:
// no ceremony, a value of the wrong size, a user handle over
// MaxUserHandleSize, an empty or too long client ID, or a zero expiry.
// Stores call it from Put.
func (c *Challenge) Validate() error {
	if c == nil ||
		(c.Ceremony != Registration && c.Ceremony != Authentication) ||
		len(c.Value) < MinChallengeSize || len(c.Value) > MaxChallengeSize ||
		len(c.UserHandle) > MaxUserHandleSize ||
		c.ClientID == "" || len(c.ClientID) > MaxClientIDSize ||
		c.Expires.IsZero() {
		return ErrInvalidChallenge
	}
	return nil
}

// Key identifies an issued challenge for Consume: the ceremony, the user it
// was issued for (empty for a username-less authentication), the challenge
// value from the response, and the client completing it.
type Key struct {
	Ceremony  Ceremony
	User      []byte
	Challenge []byte
	ClientID  string
}

// Possible reports whether a challenge with key k can have been issued: a
// key with no ceremony, or a challenge, user handle or client ID of a size
// no issued challenge has, cannot, and a store answers it ErrNotFound
// without a lookup.
func (k *Key) Possible() bool {
	return (k.Ceremony == Registration || k.Ceremony == Authentication) &&
		len(k.Challenge) >= MinChallengeSize && len(k.Challenge) <= MaxChallengeSize &&
		len(k.User) <= MaxUserHandleSize && len(k.ClientID) <= MaxClientIDSize
}

// Errors a ChallengeStore returns. The Lifecycle maps each to its Cognito
// exception; any other error is the store failing (InternalErrorException).
var (
	// ErrNotFound: no challenge with that key was issued, it expired, or it
	// was consumed already (WebAuthnChallengeNotFoundException).
	ErrNotFound = errors.New("ceremony: challenge not issued, expired or already used")
	// ErrOtherClient: the challenge was issued to another client; it is not
	// consumed (WebAuthnClientMismatchException).
	ErrOtherClient = errors.New("ceremony: challenge was issued to another client")
	// ErrStoreFull: the store can hold no more challenges and cannot make
	// room (TooManyRequestsException). The stores of this module make room
	// instead, so they never return it.
	ErrStoreFull = errors.New("ceremony: challenge store is full")
	// ErrInvalidChallenge: Put was given a challenge that Validate refuses
	// (InternalErrorException: the caller's bug, not the client's).
	ErrInvalidChallenge = errors.New("ceremony: invalid challenge")
	// ErrDuplicate: Put was given a challenge value already held for the
	// same key (InternalErrorException: the random source repeats).
	ErrDuplicate = errors.New("ceremony: challenge issued twice")
)

// ChallengeStore keeps issued challenges between Start and Complete. A challenge
// is identified by Key (ceremony, user handle, challenge value), so a lookup
// is one round trip, and it is single use.
//
// Put validates c (Challenge.Validate) and records it. The state a client
// can create is bounded per client: a client holding its maximum number of
// challenges has its own earliest-expiring one dropped, so a client cannot
// spend a quota that another client (or the user the challenge names)
// depends on. A store at its total bound drops its earliest-expiring
// challenge in O(log n), without sweeping.
//
// Consume removes and returns the challenge with key k when it has not
// expired at now (ErrNotFound otherwise, and for a key that is not
// Possible) and was issued to k.ClientID; a challenge issued to another
// client is left in place (ErrOtherClient), so a client that stole a
// challenge cannot burn it for the one it was issued to. Consume is atomic:
// of any number of concurrent calls for one challenge, at most one returns
// it. A failing store returns its own error, and then the challenge is never
// reported consumed unless it was removed.
//
// Implementations are safe for concurrent use.
type ChallengeStore interface {
	// Put records c at time now. The store may keep c or a copy; the caller
	// must not modify c afterwards.
	Put(ctx context.Context, c *Challenge, now time.Time) error
	// Consume removes and returns the challenge with key k.
	Consume(ctx context.Context, k Key, now time.Time) (*Challenge, error)
}
