package ceremony

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"sync"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
)

// StateKeySize is the size of a Stateless key: 32 random bytes.
const StateKeySize = 32

// MaxStateKeys is the most keys a Stateless holds: a rotation needs the
// current key and one or two retired ones, and every key is tried when a
// state opens, so the bound caps what a forged state costs.
const MaxStateKeys = 4

// MaxStateSize is the most bytes the plaintext of a state may have: room
// for allowCredentials of DefaultMaxCredentials credential IDs of the
// largest size a registration accepts (1023 bytes, §7.1 step 25) and the
// rest of a Challenge, while keeping a state small enough for a session
// row. A sealed state is StateOverhead bytes longer. A longer state is
// refused at Start (LimitExceededException) and at Complete before any
// decryption.
const MaxStateSize = 32 << 10

// StateOverhead is how many bytes sealing adds to a state: a version byte,
// a 24-byte XChaCha20-Poly1305 nonce and its 16-byte tag.
const StateOverhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// stateVersion is the first byte of every sealed state.
const stateVersion = 1

// stateLabel separates the keys and the associated data of states from any
// other use of the same secret.
const stateLabel = "passkeykit/webauthn ceremony state v1"

// ErrStatelessStore is the cause of InternalErrorException when the
// Lifecycle of a Stateless is called directly: its store keeps nothing, and
// a ceremony it starts could never complete.
var ErrStatelessStore = errors.New("ceremony: the Lifecycle of a Stateless was called directly")

// Stateless runs the ceremonies of a Lifecycle without a challenge store,
// as go-webauthn's SessionData does: Start returns, beside the options, the
// state of the ceremony — exactly what a ChallengeStore keeps in a
// Challenge: ceremony, challenge, user handle, client ID, expiry, and what
// the options asked for (user verification, the algorithms offered,
// conditional mediation, allowCredentials) — sealed with
// XChaCha20-Poly1305 under Keys[0], so that it is confidential and
// tamper-evident. The application keeps the state in its own session and
// hands it back to Complete, which opens it with any of Keys and then runs
// exactly the Lifecycle's checks and verification (WebAuthn L3 §7.1, §7.2).
//
// Complete fails closed: a state that does not open under any key (altered,
// truncated, sealed under a key no longer held, or for another RP ID), is
// for the other ceremony or another user, or has expired, is
// WebAuthnChallengeNotFoundException; a state issued to another client is
// WebAuthnClientMismatchException — the exceptions of the stateful path.
//
// Single use. A challenge must be used once (§13.4.3), and without server
// state that cannot be guaranteed: whoever holds a state and a response to
// it (the client, or anyone who captured both) can complete it again and
// again until it expires, Lifecycle.Timeout after Start. A replayed
// registration re-registers the same credential (refusing a credential ID
// that is registered already, §7.1 step 26, stops it); a replayed
// authentication signs in again. To make states single use, either keep
// the state in a server-side session and delete it from the session before
// calling Complete, whatever Complete answers (a state in a client-side
// cookie cannot be deleted: the client keeps a copy), or set Spent, which
// records every state completed successfully until it expires and refuses
// it after. Only a completion whose response verified is recorded: unlike
// the stateful path, a failed response does not spend the state (it can be
// answered again with another response until it expires), so that
// completions with junk responses cannot fill a bounded Spent and lock
// everyone else out; Spent's bound must cover the successful ceremonies of
// one Lifecycle.Timeout.
//
// Keys are rotated by putting a new key first: states sealed under the
// keys after it still open until they expire (at most Lifecycle.Timeout),
// after which the retired keys can be removed.
//
// Configure the fields before first use; a Stateless is then safe for
// concurrent use. Lifecycle.Store must be left nil: on first use Stateless
// sets it to a store of its own, which keeps nothing and answers only
// calls made through the Stateless (a direct call of the Lifecycle's
// methods fails with InternalErrorException, ErrStatelessStore).
type Stateless struct {
	// Lifecycle is the configuration: RP, RPName, Timeout (the states'
	// lifetime), MaxCredentials and Rand, as for a stateful Lifecycle.
	Lifecycle Lifecycle
	// Keys seal and open states: each StateKeySize random bytes, used for
	// nothing else, the same on every server that completes the
	// ceremonies. Keys[0] seals; every key opens. 1 to MaxStateKeys keys.
	Keys [][]byte
	// Spent, when set, makes every state single use: Complete records the
	// state's challenge in it once the response has verified (a response
	// that fails verification spends nothing, so junk completions cannot
	// fill Spent; it fails again on replay), and of two completions that
	// both verify, Spend lets exactly one through; a state recorded already,
	// or spent after its expiry, is refused
	// (WebAuthnChallengeNotFoundException).
	Spent SpentStates

	once sync.Once
}

// statelessStore is the ChallengeStore of a Stateless's Lifecycle: it keeps
// nothing; Put and Consume work on the stateSlot the Stateless puts in the
// context of the call.
type statelessStore struct{}

// stateSlot carries one call's state between Stateless and statelessStore.
type stateSlot struct {
	s      *Stateless
	start  bool       // a Start: Put is expected, Consume is not
	put    *Challenge // Start: the challenge issued
	sealed []byte     // Complete: the state handed back
	opened *Challenge // Complete: the challenge the state held, once consumed
}

// spend records the state a Complete consumed in Spent, when set, after
// the response verified: a response that fails verification spends nothing,
// so junk completions cannot fill Spent (failed, it fails again on replay),
// while of two concurrent completions of one state that both verify, Spend
// lets exactly one through. step names the challenge lookup.
func (s *Stateless) spend(ctx context.Context, slot *stateSlot, step string) error {
	if s.Spent == nil || slot.opened == nil {
		return nil
	}
	if err := s.Spent.Spend(ctx, slot.opened.Value, slot.opened.Expires, s.Lifecycle.RP.Now()); err != nil {
		return storeError(step, err)
	}
	return nil
}

type stateSlotKey struct{}

// setup checks the configuration and installs statelessStore.
func (s *Stateless) setup(step string) error {
	s.once.Do(func() {
		if s.Lifecycle.Store == nil {
			s.Lifecycle.Store = statelessStore{}
		}
	})
	if _, ok := s.Lifecycle.Store.(statelessStore); !ok {
		return webauthn.NewError(webauthn.ErrConfigurationMissing, step, "Stateless keeps no challenge store: leave Lifecycle.Store nil", nil)
	}
	if len(s.Keys) == 0 || len(s.Keys) > MaxStateKeys {
		return webauthn.NewError(webauthn.ErrConfigurationMissing, step, "Stateless needs 1 to 4 keys", nil)
	}
	for _, k := range s.Keys {
		if len(k) != StateKeySize {
			return webauthn.NewError(webauthn.ErrConfigurationMissing, step, "a Stateless key is not 32 bytes", nil)
		}
	}
	return nil
}

// StartRegistration is Lifecycle.StartRegistration returning, beside the
// creation options (WebAuthn L3 §5.4), the sealed state to hand to
// CompleteRegistration. Errors as Lifecycle.StartRegistration, and
// WebAuthnConfigurationMissingException for Keys or Lifecycle.Store set
// wrongly.
func (s *Stateless) StartRegistration(ctx context.Context, user User, clientID string, opts *RegistrationOptions) (*CreationOptionsJSON, []byte, error) {
	if err := s.setup(stepStartRegistration); err != nil {
		return nil, nil, err
	}
	slot := &stateSlot{s: s, start: true}
	o, err := s.Lifecycle.StartRegistration(context.WithValue(ctx, stateSlotKey{}, slot), user, clientID, opts)
	if err != nil {
		return nil, nil, err
	}
	state, err := s.seal(stepStartRegistration, slot.put)
	if err != nil {
		return nil, nil, err
	}
	return o, state, nil
}

// CompleteRegistration is Lifecycle.CompleteRegistration with the state
// StartRegistration returned in place of the store: user and clientID must
// be those the state was issued for (WebAuthn L3 §7.1 step 8).
func (s *Stateless) CompleteRegistration(ctx context.Context, state, user []byte, clientID string, response []byte, out *webauthn.Registration) error {
	if err := s.setup("§7.1 step 8"); err != nil {
		return err
	}
	slot := &stateSlot{s: s, sealed: state}
	if err := s.Lifecycle.CompleteRegistration(context.WithValue(ctx, stateSlotKey{}, slot), user, clientID, response, out); err != nil {
		return err
	}
	if err := s.spend(ctx, slot, "§7.1 step 8"); err != nil {
		*out = webauthn.Registration{}
		return err
	}
	return nil
}

// StartAuthentication is Lifecycle.StartAuthentication returning, beside
// the request options (WebAuthn L3 §5.5), the sealed state to hand to
// CompleteAuthentication. Errors as Lifecycle.StartAuthentication, and
// LimitExceededException when allowCredentials would make the state longer
// than MaxStateSize.
func (s *Stateless) StartAuthentication(ctx context.Context, user []byte, clientID string, opts *AuthenticationOptions) (*RequestOptionsJSON, []byte, error) {
	if err := s.setup(stepStartAuthentication); err != nil {
		return nil, nil, err
	}
	slot := &stateSlot{s: s, start: true}
	o, err := s.Lifecycle.StartAuthentication(context.WithValue(ctx, stateSlotKey{}, slot), user, clientID, opts)
	if err != nil {
		return nil, nil, err
	}
	state, err := s.seal(stepStartAuthentication, slot.put)
	if err != nil {
		return nil, nil, err
	}
	return o, state, nil
}

// CompleteAuthentication is Lifecycle.CompleteAuthentication with the state
// StartAuthentication returned in place of the store: user (nil for
// username-less) and clientID must be those the state was issued for
// (WebAuthn L3 §7.2 step 11).
func (s *Stateless) CompleteAuthentication(ctx context.Context, state, user []byte, clientID string, response []byte, lookup CredentialLookup, out *webauthn.Assertion) error {
	if err := s.setup("§7.2 step 11"); err != nil {
		return err
	}
	slot := &stateSlot{s: s, sealed: state}
	if err := s.Lifecycle.CompleteAuthentication(context.WithValue(ctx, stateSlotKey{}, slot), user, clientID, response, lookup, out); err != nil {
		return err
	}
	if err := s.spend(ctx, slot, "§7.2 step 11"); err != nil {
		*out = webauthn.Assertion{}
		return err
	}
	return nil
}

// Put validates c and hands it to the Stateless of ctx, which seals it.
func (statelessStore) Put(ctx context.Context, c *Challenge, _ time.Time) error {
	slot, _ := ctx.Value(stateSlotKey{}).(*stateSlot)
	if slot == nil || !slot.start {
		return ErrStatelessStore
	}
	if err := c.Validate(); err != nil {
		return err
	}
	slot.put = c
	return nil
}

// Consume opens the state of ctx and returns its challenge when k names it
// (ceremony, user, challenge value) and it has not expired at now
// (ErrNotFound otherwise), and it was issued to k.ClientID (ErrOtherClient
// otherwise). It is recorded in Spent only once the response verified
// (Stateless.spend).
func (statelessStore) Consume(ctx context.Context, k Key, now time.Time) (*Challenge, error) {
	slot, _ := ctx.Value(stateSlotKey{}).(*stateSlot)
	if slot == nil || slot.start {
		return nil, ErrStatelessStore
	}
	if !k.Possible() {
		return nil, ErrNotFound
	}
	c, ok := slot.s.open(slot.sealed)
	if !ok || c.Ceremony != k.Ceremony || !bytes.Equal(c.UserHandle, k.User) ||
		subtle.ConstantTimeCompare(c.Value, k.Challenge) != 1 || c.Expired(now) {
		return nil, ErrNotFound
	}
	if c.ClientID != k.ClientID {
		return nil, ErrOtherClient
	}
	slot.opened = c
	return c, nil
}

// aead returns the XChaCha20-Poly1305 of key: its key is
// HMAC-SHA256(key, stateLabel), so that a secret also used elsewhere
// cannot be confused with it.
func aead(key []byte) cipher.AEAD {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(stateLabel))
	a, err := chacha20poly1305.NewX(m.Sum(nil))
	if err != nil {
		panic("ceremony: XChaCha20-Poly1305 refused a 32-byte key: " + err.Error())
	}
	return a
}

// additionalData binds a state to the format version and to the RP ID of
// the Lifecycle that issued it.
func (s *Stateless) additionalData() []byte {
	ad := append([]byte(stateLabel), 0, stateVersion)
	return append(ad, s.Lifecycle.RP.RPID...)
}

// seal encodes c (appendState) and seals it under Keys[0]:
// version ‖ nonce ‖ ciphertext.
func (s *Stateless) seal(step string, c *Challenge) ([]byte, error) {
	if c == nil {
		return nil, webauthn.NewError(webauthn.ErrInternal, step, "the Lifecycle issued no challenge", ErrStatelessStore)
	}
	plain, ok := appendState(nil, c)
	if !ok {
		return nil, webauthn.NewError(webauthn.ErrLimitExceeded, step, "the ceremony state would be longer than MaxStateSize: too many allowCredentials", nil)
	}
	out := make([]byte, 1+chacha20poly1305.NonceSizeX, StateOverhead+len(plain))
	out[0] = stateVersion
	nonce := out[1:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, webauthn.NewError(webauthn.ErrInternal, step, "reading a random nonce failed", err)
	}
	return aead(s.Keys[0]).Seal(out, nonce, plain, s.additionalData()), nil
}

// open opens a sealed state under each key in turn and decodes it
// (readState). It reports false for a state of the wrong size or version,
// one no key opens, and one that does not decode to a valid Challenge.
func (s *Stateless) open(sealed []byte) (*Challenge, bool) {
	if len(sealed) < StateOverhead || len(sealed) > StateOverhead+MaxStateSize || sealed[0] != stateVersion {
		return nil, false
	}
	nonce, ct := sealed[1:1+chacha20poly1305.NonceSizeX], sealed[1+chacha20poly1305.NonceSizeX:]
	ad := s.additionalData()
	for _, k := range s.Keys {
		plain, err := aead(k).Open(nil, nonce, ct, ad)
		if err == nil {
			return readState(plain)
		}
	}
	return nil, false
}

// Bits of the flags byte of an encoded state.
const (
	stateConditional = 1 << iota
	stateAppID
)

// appendState appends the encoding of c to b: ceremony, user verification
// and flags (conditional, appid; one byte each), expiry (Unix seconds, 8 bytes, and
// nanoseconds, 4 bytes), challenge, user handle and client ID (each with a
// one-byte length), algorithms (a two-byte count of 8-byte identifiers) and
// allowCredentials (a two-byte count of IDs with two-byte lengths), all
// big-endian. It reports false when the result would exceed MaxStateSize.
func appendState(b []byte, c *Challenge) ([]byte, bool) {
	if len(c.Algorithms) > 0xffff || len(c.AllowCredentials) > 0xffff {
		return nil, false // a count the encoding cannot hold
	}
	var flags uint8
	if c.Conditional {
		flags |= stateConditional
	}
	if c.AppID {
		flags |= stateAppID
	}
	e := cryptobyte.NewBuilder(b)
	e.AddUint8(uint8(c.Ceremony))
	e.AddUint8(uint8(c.UserVerification))
	e.AddUint8(flags)
	e.AddUint64(uint64(c.Expires.Unix()))
	e.AddUint32(uint32(c.Expires.Nanosecond()))
	for _, f := range [...][]byte{c.Value, c.UserHandle, []byte(c.ClientID)} {
		e.AddUint8LengthPrefixed(func(e *cryptobyte.Builder) { e.AddBytes(f) })
	}
	e.AddUint16(uint16(len(c.Algorithms)))
	for _, a := range c.Algorithms {
		e.AddUint64(uint64(a))
	}
	e.AddUint16(uint16(len(c.AllowCredentials)))
	for _, id := range c.AllowCredentials {
		e.AddUint16LengthPrefixed(func(e *cryptobyte.Builder) { e.AddBytes(id) })
	}
	out, err := e.Bytes()
	if err != nil || len(out)-len(b) > MaxStateSize {
		return nil, false
	}
	return out, true
}

// readState decodes what appendState wrote, strictly: every length within
// what remains, nothing after it, every enumeration one of its values, and
// a Challenge that Validate accepts. The result aliases plain.
func readState(plain []byte) (*Challenge, bool) {
	s := cryptobyte.String(plain)
	var (
		c                Challenge
		cer, uv, flags   uint8
		sec              uint64
		nsec             uint32
		value, user, cid cryptobyte.String
		nAlgs, nAllowed  uint16
	)
	if !s.ReadUint8(&cer) || !s.ReadUint8(&uv) || !s.ReadUint8(&flags) ||
		!s.ReadUint64(&sec) || !s.ReadUint32(&nsec) ||
		!s.ReadUint8LengthPrefixed(&value) || !s.ReadUint8LengthPrefixed(&user) || !s.ReadUint8LengthPrefixed(&cid) ||
		!s.ReadUint16(&nAlgs) ||
		flags&^(stateConditional|stateAppID) != 0 || nsec >= uint32(time.Second) || uv == 0 || !valid(userVerificationTokens[:], uv) {
		return nil, false
	}
	for range nAlgs {
		var a uint64
		if !s.ReadUint64(&a) {
			return nil, false
		}
		c.Algorithms = append(c.Algorithms, cose.Algorithm(a))
	}
	if !s.ReadUint16(&nAllowed) {
		return nil, false
	}
	for range nAllowed {
		var id cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&id) {
			return nil, false
		}
		c.AllowCredentials = append(c.AllowCredentials, id)
	}
	if !s.Empty() {
		return nil, false
	}
	c.Ceremony = Ceremony(cer)
	c.UserVerification = UserVerification(uv)
	c.Conditional = flags&stateConditional != 0
	c.AppID = flags&stateAppID != 0
	c.Expires = time.Unix(int64(sec), int64(nsec))
	c.Value, c.UserHandle, c.ClientID = value, user, string(cid)
	if len(c.UserHandle) == 0 {
		c.UserHandle = nil
	}
	if c.Validate() != nil {
		return nil, false
	}
	return &c, true
}
