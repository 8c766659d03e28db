// Package webauthntest is a software passkey authenticator, together with
// the browser around it, for tests and examples only: it answers the
// options of a ceremony.Lifecycle or a webauthnhttp.Handler with the
// RegistrationResponseJSON and AuthenticationResponseJSON that
// PublicKeyCredential.toJSON() gives a page (W3C WebAuthn L3 §5.1), so that a
// relying party can be exercised end to end without a browser.
//
// Its keys are held in memory, unprotected; it offers "none" attestation
// only and checks none of what a real authenticator must (user presence,
// user verification, the RP ID against the public suffix list). Never use
// it to hold a credential that protects anything.
//
// The production packages never import it; it imports them only for the
// options types.
package webauthntest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"

	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
)

// credentialIDSize is the size of the credential IDs the authenticator
// makes: 16 random bytes, as platform authenticators use (§4 "Credential
// ID": at least 16 bytes of entropy).
const credentialIDSize = 16

// Errors of Create and Get; each stands for the DOMException a browser would
// reject navigator.credentials.create() or get() with.
var (
	// ErrOptions: the options are malformed: a member that is not
	// base64url, an empty challenge or rp.id, a user.id outside 1 to 64
	// bytes (TypeError).
	ErrOptions = errors.New("webauthntest: malformed options")
	// ErrOrigin: the RP ID is not the origin's host or a parent domain of it
	// (SecurityError, §5.1.3 step 7, §5.1.4.1 step 7).
	ErrOrigin = errors.New("webauthntest: the RP ID is not the origin's host or a parent domain of it")
	// ErrAlgorithm: pubKeyCredParams does not offer ES256, the only
	// algorithm the authenticator has (NotSupportedError, §5.1.3 step 10).
	ErrAlgorithm = errors.New("webauthntest: pubKeyCredParams does not offer ES256")
	// ErrExcluded: the authenticator holds a credential that
	// excludeCredentials lists (InvalidStateError, §6.3.2 step 3).
	ErrExcluded = errors.New("webauthntest: the authenticator holds an excluded credential")
	// ErrNoCredential: the authenticator holds no credential the request
	// options (and the userHandle asked for) allow (NotAllowedError, §6.3.3
	// step 7).
	ErrNoCredential = errors.New("webauthntest: no credential matches the request")
)

// Authenticator is a software authenticator holding ES256 credentials, with
// the browser that reports Origin. Set its fields before the first Create;
// it is then safe for concurrent use. The zero value of each field is a
// well-behaved passkey: user present and verified, not backed up, counter
// counting.
type Authenticator struct {
	// Origin is the origin of the page the ceremonies run in, the
	// clientDataJSON origin (§5.8.1), e.g. "https://example.org".
	Origin string
	// AAGUID is the authenticator model in the attested credential data
	// (§6.5.2); zero, as most "none" attestations report.
	AAGUID [16]byte
	// NoUserPresence clears the UP flag (§6.1), NoUserVerification the UV
	// flag, in every response: for tests that the relying party refuses
	// them (§7.1 steps 15-16, §7.2 steps 16-17). The authenticator does not
	// refuse options that require user verification; that is the relying
	// party's check.
	NoUserPresence     bool
	NoUserVerification bool
	// BackupEligible sets BE on the credentials created from then on (a
	// synced passkey, §6.1.3); BackedUp sets BS in every response. BackedUp
	// without BackupEligible is the malformed combination of §7.1 step 17.
	BackupEligible bool
	BackedUp       bool
	// ZeroCounter keeps the signature counter at 0, as synced passkeys do
	// (§6.1.1); otherwise each assertion increments its credential's
	// counter, starting from 0 at registration.
	ZeroCounter bool
	// Attachment is the authenticatorAttachment reported (§5.4.5); ""
	// means "platform".
	Attachment string
	// Transports are getTransports() of a registration (§5.8.4); nil means
	// ["hybrid", "internal"].
	Transports []string

	mu    sync.Mutex
	seed  []byte // nil: keys and credential IDs from crypto/rand
	creds []*credential
}

// credential is one credential the authenticator holds (§6.4
// "public key credential source").
type credential struct {
	id           []byte
	rpID         string
	userHandle   []byte
	key          *ecdsa.PrivateKey
	count        uint32
	discoverable bool
	be           bool
}

// New returns an authenticator for pages at origin whose keys and
// credential IDs come from crypto/rand.
func New(origin string) *Authenticator {
	return &Authenticator{Origin: origin}
}

// NewFromSeed returns an authenticator for pages at origin whose keys and
// credential IDs are derived from seed, so that examples and tests see the
// same credential IDs on every run. Its signatures are deterministic too
// (RFC 6979).
func NewFromSeed(origin string, seed []byte) *Authenticator {
	return &Authenticator{Origin: origin, seed: bytes.Clone(seed)}
}

// derive returns SHA-256(label ‖ 0 ‖ seed ‖ n ‖ try).
func (a *Authenticator) derive(label string, n, try uint32) []byte {
	h := sha256.New()
	h.Write([]byte(label))
	h.Write([]byte{0})
	h.Write(a.seed)
	var b [8]byte
	binary.BigEndian.PutUint32(b[:4], n)
	binary.BigEndian.PutUint32(b[4:], try)
	h.Write(b[:])
	return h.Sum(nil)
}

// newCredential makes the key and ID of the n-th credential. a.mu is held.
func (a *Authenticator) newCredential(n uint32) (*credential, error) {
	c := &credential{}
	if a.seed == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		c.key, c.id = k, make([]byte, credentialIDSize)
		if _, err := rand.Read(c.id); err != nil {
			return nil, err
		}
		return c, nil
	}
	// A digest is a valid P-256 scalar unless it is zero or not below the
	// group order, which happens with probability about 2^-32 per try.
	for try := uint32(0); c.key == nil; try++ {
		c.key, _ = ecdsa.ParseRawPrivateKey(elliptic.P256(), a.derive("webauthntest key", n, try))
	}
	c.id = a.derive("webauthntest credential ID", n, 0)[:credentialIDSize]
	return c, nil
}

// rpIDFor returns the RP ID of a ceremony: rpID, or the origin's host when
// rpID is empty (§5.1.3 step 8, §5.1.4.1 step 8), after checking that it is
// the origin's host or a parent domain of it. Unlike a browser, it does not
// consult the public suffix list.
func (a *Authenticator) rpIDFor(rpID string) (string, error) {
	u, err := url.Parse(a.Origin)
	if err != nil || u.Hostname() == "" {
		return "", ErrOrigin
	}
	host := u.Hostname()
	switch {
	case rpID == "":
		return host, nil
	case rpID == host || strings.HasSuffix(host, "."+rpID):
		return rpID, nil
	}
	return "", ErrOrigin
}

// clientDataJSON returns the JSON-compatible serialization of the client
// data (§5.8.1.1) for the ceremony typ.
func (a *Authenticator) clientDataJSON(typ, challenge string) ([]byte, error) {
	v, err := b64(challenge)
	if err != nil || len(v) == 0 {
		return nil, ErrOptions
	}
	b, err := json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, base64.RawURLEncoding.EncodeToString(v), a.Origin, false})
	return b, err
}

// flags returns the UP, UV, BE and BS flags of a response with credential c.
func (a *Authenticator) flags(c *credential) byte {
	var f byte
	if !a.NoUserPresence {
		f |= flagUP
	}
	if !a.NoUserVerification {
		f |= flagUV
	}
	if c.be {
		f |= flagBE
	}
	if a.BackedUp {
		f |= flagBS
	}
	return f
}

func (a *Authenticator) attachment() string {
	if a.Attachment == "" {
		return "platform"
	}
	return a.Attachment
}

// b64 decodes base64url without padding, as the JSON options carry binary
// members (§5.1.9).
func b64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

var enc = base64.RawURLEncoding.EncodeToString

// registrationResponseJSON is RegistrationResponseJSON (§5.1).
type registrationResponseJSON struct {
	ID                      string                    `json:"id"`
	RawID                   string                    `json:"rawId"`
	Response                attestationResponseJSON   `json:"response"`
	AuthenticatorAttachment string                    `json:"authenticatorAttachment"`
	ClientExtensionResults  clientExtensionResultJSON `json:"clientExtensionResults"`
	Type                    string                    `json:"type"`
}

// attestationResponseJSON is AuthenticatorAttestationResponseJSON (§5.2.1).
type attestationResponseJSON struct {
	ClientDataJSON     string         `json:"clientDataJSON"`
	AuthenticatorData  string         `json:"authenticatorData"`
	Transports         []string       `json:"transports"`
	PublicKey          string         `json:"publicKey"`
	PublicKeyAlgorithm cose.Algorithm `json:"publicKeyAlgorithm"`
	AttestationObject  string         `json:"attestationObject"`
}

// clientExtensionResultJSON is AuthenticationExtensionsClientOutputsJSON
// with credProps (§10.1.3).
type clientExtensionResultJSON struct {
	CredProps *struct {
		RK bool `json:"rk"`
	} `json:"credProps,omitempty"`
}

// Create answers navigator.credentials.create() with opts (§5.1.3, §6.3.2):
// it makes an ES256 credential for opts.RP.ID and opts.User and returns the
// RegistrationResponseJSON with "none" attestation. The credential is
// discoverable (usable for a username-less sign-in) unless
// authenticatorSelection asks for residentKey "discouraged" or is absent;
// credProps reports which when the options ask for it. Errors: ErrOptions,
// ErrOrigin, ErrAlgorithm, ErrExcluded.
func (a *Authenticator) Create(opts *ceremony.CreationOptionsJSON) ([]byte, error) {
	if opts == nil {
		return nil, ErrOptions
	}
	rpID, err := a.rpIDFor(opts.RP.ID)
	if err != nil {
		return nil, err
	}
	user, err := b64(opts.User.ID)
	if err != nil || len(user) == 0 || len(user) > ceremony.MaxUserHandleSize {
		return nil, ErrOptions
	}
	es256 := false
	for _, p := range opts.PubKeyCredParams {
		es256 = es256 || p.Type == "public-key" && p.Alg == cose.ES256
	}
	if !es256 {
		return nil, ErrAlgorithm
	}
	cdj, err := a.clientDataJSON("webauthn.create", opts.Challenge)
	if err != nil {
		return nil, err
	}
	discoverable := false
	if s := opts.AuthenticatorSelection; s != nil {
		discoverable = s.RequireResidentKey || s.ResidentKey == ceremony.ResidentKeyRequired || s.ResidentKey == ceremony.ResidentKeyPreferred
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	for _, d := range opts.ExcludeCredentials {
		id, err := b64(d.ID)
		if err != nil {
			return nil, ErrOptions
		}
		if a.find(rpID, id) != nil {
			return nil, ErrExcluded
		}
	}
	c, err := a.newCredential(uint32(len(a.creds)))
	if err != nil {
		return nil, err
	}
	c.rpID, c.userHandle, c.discoverable, c.be = rpID, user, discoverable, a.BackupEligible
	spki, err := x509.MarshalPKIXPublicKey(&c.key.PublicKey)
	if err != nil {
		return nil, err
	}
	authData := appendAuthData(nil, rpID, a.flags(c), c.count, &a.AAGUID, c.id, coseKeyES256(&c.key.PublicKey))
	transports := a.Transports
	if transports == nil {
		transports = []string{"hybrid", "internal"}
	}
	resp := registrationResponseJSON{
		ID:    enc(c.id),
		RawID: enc(c.id),
		Response: attestationResponseJSON{
			ClientDataJSON:     enc(cdj),
			AuthenticatorData:  enc(authData),
			Transports:         transports,
			PublicKey:          enc(spki),
			PublicKeyAlgorithm: cose.ES256,
			AttestationObject:  enc(attestationObjectNone(authData)),
		},
		AuthenticatorAttachment: a.attachment(),
		Type:                    "public-key",
	}
	if opts.Extensions != nil && opts.Extensions.CredProps {
		resp.ClientExtensionResults.CredProps = &struct {
			RK bool `json:"rk"`
		}{discoverable}
	}
	b, err := json.Marshal(&resp)
	if err != nil {
		return nil, err
	}
	a.creds = append(a.creds, c)
	return b, nil
}

// authenticationResponseJSON is AuthenticationResponseJSON (§5.1).
type authenticationResponseJSON struct {
	ID                      string                `json:"id"`
	RawID                   string                `json:"rawId"`
	Response                assertionResponseJSON `json:"response"`
	AuthenticatorAttachment string                `json:"authenticatorAttachment"`
	ClientExtensionResults  struct{}              `json:"clientExtensionResults"`
	Type                    string                `json:"type"`
}

// assertionResponseJSON is AuthenticatorAssertionResponseJSON (§5.2.2).
type assertionResponseJSON struct {
	ClientDataJSON    string `json:"clientDataJSON"`
	AuthenticatorData string `json:"authenticatorData"`
	Signature         string `json:"signature"`
	UserHandle        string `json:"userHandle,omitempty"`
}

// find returns the credential with ID id for rpID, or nil. a.mu is held.
func (a *Authenticator) find(rpID string, id []byte) *credential {
	for _, c := range a.creds {
		if c.rpID == rpID && bytes.Equal(c.id, id) {
			return c
		}
	}
	return nil
}

// Get answers navigator.credentials.get() with opts (§5.1.4, §6.3.3) and
// returns the AuthenticationResponseJSON. The credential is the first that
// opts.AllowCredentials lists and the authenticator holds for the RP ID;
// with no allowCredentials (a username-less sign-in), the most recently
// created discoverable credential for the RP ID. userHandle, when not nil,
// is the account the person picks in the browser's account chooser: only a
// credential created for that user.id is used. The credential's counter is
// incremented (unless ZeroCounter) and the response carries its user handle
// when it is discoverable. Errors: ErrOptions, ErrOrigin, ErrNoCredential.
func (a *Authenticator) Get(opts *ceremony.RequestOptionsJSON, userHandle []byte) ([]byte, error) {
	if opts == nil {
		return nil, ErrOptions
	}
	rpID, err := a.rpIDFor(opts.RPID)
	if err != nil {
		return nil, err
	}
	cdj, err := a.clientDataJSON("webauthn.get", opts.Challenge)
	if err != nil {
		return nil, err
	}
	mine := func(c *credential) bool {
		return c != nil && (userHandle == nil || bytes.Equal(c.userHandle, userHandle))
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	var c *credential
	for _, d := range opts.AllowCredentials {
		id, err := b64(d.ID)
		if err != nil {
			return nil, ErrOptions
		}
		if k := a.find(rpID, id); c == nil && mine(k) {
			c = k
		}
	}
	if len(opts.AllowCredentials) == 0 {
		for i := len(a.creds) - 1; i >= 0 && c == nil; i-- {
			if k := a.creds[i]; k.rpID == rpID && k.discoverable && mine(k) {
				c = k
			}
		}
	}
	if c == nil {
		return nil, ErrNoCredential
	}
	count := c.count
	if !a.ZeroCounter {
		count++
	}
	authData := appendAuthData(nil, rpID, a.flags(c), count, nil, nil, nil)
	h := sha256.New()
	h.Write(authData)
	cdh := sha256.Sum256(cdj)
	h.Write(cdh[:])
	// A nil random source makes the signature deterministic (RFC 6979).
	sig, err := c.key.Sign(nil, h.Sum(nil), crypto.SHA256)
	if err != nil {
		return nil, err
	}
	resp := authenticationResponseJSON{
		ID:    enc(c.id),
		RawID: enc(c.id),
		Response: assertionResponseJSON{
			ClientDataJSON:    enc(cdj),
			AuthenticatorData: enc(authData),
			Signature:         enc(sig),
		},
		AuthenticatorAttachment: a.attachment(),
		Type:                    "public-key",
	}
	if c.discoverable {
		resp.Response.UserHandle = enc(c.userHandle)
	}
	b, err := json.Marshal(&resp)
	if err != nil {
		return nil, err
	}
	c.count = count
	return b, nil
}
