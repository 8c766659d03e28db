package webauthn

import (
	"bytes"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/trust"
)

// MaxResponseSize is the default largest response JSON accepted, in bytes.
// The largest real responses (android-safetynet with a JWS and its x5c, TPM
// with a certificate chain, an ML-DSA-87 key) are under 24 KiB; 256 KiB bounds
// the work done on hostile input before any signature is checked.
const MaxResponseSize = 256 << 10

// RelyingParty is the relying party's policy for both ceremonies: who it is,
// which origins, algorithms and attestations it accepts, and the clock
// certificates are judged at.
//
// The zero value is safe: it verifies nothing (RPID is empty, so every call
// fails with WebAuthnConfigurationMissingException) until RPID and Origins
// are set. Configure the fields before first use and do not modify them
// afterwards; a RelyingParty is then safe for concurrent use. It must not be
// copied after first use.
type RelyingParty struct {
	// RPID is the relying party ID (§5.1.2, §7.1 step 14, §7.2 step 15), e.g.
	// "example.org". Empty: every ceremony fails with
	// WebAuthnConfigurationMissingException.
	RPID string

	// AppID is the FIDO AppID under which the relying party registered U2F
	// security keys with the FIDO U2F JavaScript API before WebAuthn, byte
	// for byte as those registrations used it, e.g. "https://example.org"
	// or "https://example.org/app-id.json" (W3C WebAuthn L3 §10.1.1 appid,
	// §10.1.2 appidExclude). Such a key signs with rpIdHash SHA-256(AppID),
	// not SHA-256(RPID): an assertion whose clientExtensionResults.appid is
	// true is judged against the AppID's hash (§7.2 step 15), and only then,
	// and only for a record marked Credential.AppID. Empty: no AppID, and an
	// assertion reporting appid true is refused. The AppID is never taken
	// from the client.
	//
	// Check refuses an AppID that is not an absolute https URL (spelt
	// "https://", with a host, without user info or fragment, printable
	// ASCII) with WebAuthnConfigurationMissingException. What the server
	// cannot check the browser enforces: it uses the AppID only when the
	// FIDO AppID and Facet algorithm authorizes the page's origin for it,
	// which browsers implement, as the note to §10.1.1 says, as "the
	// AppID's host is same-site (same registrable domain) as the origin"
	// without fetching a trusted facet list, and only for an https origin
	// (Chromium refuses every AppID on http://localhost); otherwise get()
	// fails with a SecurityError, whatever credential would have answered.
	// Same-site needs the Public Suffix List, so the server does not judge
	// it: choose an AppID on the site of RPID.
	AppID string

	// Origins are the origins clientData.origin must equal exactly
	// (§7.1 step 9, §7.2 step 12), e.g. "https://example.org" or
	// "https://login.example.org:8443" or "android:apk-key-hash:…". Scheme,
	// host and port are compared byte for byte, never as host only.
	Origins []string

	// AllowCrossOrigin accepts responses made inside a cross-origin iframe
	// (clientData.crossOrigin true, or a topOrigin present; §7.1 steps 10-11,
	// §7.2 steps 13-14). TopOrigins lists the top-level origins accepted
	// then; a topOrigin not in it is rejected.
	AllowCrossOrigin bool
	TopOrigins       []string

	// Algorithms are the COSE algorithms the relying party offered in
	// pubKeyCredParams (§7.1 step 20). Empty means every algorithm package
	// cose supports for a credential key, RS1 included (TPM platforms
	// register RS1 credentials); list the algorithms to exclude it.
	Algorithms []cose.Algorithm

	// RequireUserVerification requires the UV flag in every ceremony (§7.1
	// step 16, §7.2 step 17), as userVerification "required" does. A
	// ceremony may require it where this is false (RegistrationParams,
	// AuthenticationParams), never the other way round.
	RequireUserVerification bool

	// Attestation is the registration attestation policy (§7.1 steps 21-25).
	Attestation AttestationPolicy

	// Disabled refuses every ceremony with WebAuthnNotEnabledException.
	Disabled bool

	// RejectSignCountRegression fails an assertion whose signature counter
	// is not greater than the stored one when either is non-zero (§7.2 step
	// 22) with NotAuthorizedException. When false the assertion is accepted
	// and Assertion.CloneSuspected is set.
	RejectSignCountRegression bool

	// Clock returns the time certificates are judged at. Nil means time.Now.
	Clock func() time.Time

	// Verifier verifies attestation certificate chains and holds the shared
	// certificate and link cache. Nil: a Verifier with a cache of
	// trust.DefaultCacheSize is created on first use and shared by every
	// ceremony of this RelyingParty.
	Verifier *trust.Verifier

	// Keys converts each credential public key once for the signature
	// checks of §7.2 step 21 and holds the result. Nil: a cache owned by
	// this RelyingParty (bounded by cosesig.MaxCachedKeys). There is no
	// process-wide cache.
	Keys *cosesig.KeyCache

	// MaxResponseSize is the largest response JSON accepted, in bytes; zero
	// means MaxResponseSize. Larger input is InvalidParameterException.
	MaxResponseSize int

	once       sync.Once
	verifier   *trust.Verifier
	keys       cosesig.KeyCache
	rpIDSum    atomic.Pointer[rpIDSum]
	appIDCache atomic.Pointer[appIDSum]
}

// rpIDSum is an RP ID and its SHA-256, computed once per RelyingParty
// rather than on every call (§7.1 step 14, §7.2 step 15).
type rpIDSum struct {
	id  string
	sum [sha256.Size]byte
}

// rpIDHashIs reports whether h is SHA-256 of rp.RPID. The hash is kept in
// rp, so two relying parties used alternately in one process never evict
// each other's.
func (rp *RelyingParty) rpIDHashIs(h []byte) bool {
	c := rp.rpIDSum.Load()
	if c == nil || c.id != rp.RPID {
		c = &rpIDSum{id: rp.RPID, sum: sha256.Sum256([]byte(rp.RPID))}
		rp.rpIDSum.Store(c)
	}
	return bytes.Equal(h, c.sum[:])
}

// AttestationPolicy is what the relying party accepts as attestation
// (§7.1 steps 21-24). The zero value accepts every known format and type
// without judging chains against roots (every signature and certificate
// requirement inside a statement is still checked).
type AttestationPolicy struct {
	// Formats are the acceptable statement formats; empty means every format
	// package attestation knows. Unknown or differently-cased fmt values are
	// never accepted.
	Formats []attestation.Format
	// Types are the acceptable attestation types (§6.5.3); empty means all.
	Types []attestation.Type
	// Anchors supplies trust anchors per format and AAGUID (§7.1 step 23).
	// Nil: no chain is judged against roots.
	Anchors trust.Source
	// RequireTrustedAttestation fails registrations whose attestation chain
	// was not judged against an anchor from Anchors (so also self and none
	// attestation) with WebAuthnCredentialNotSupportedException (§7.1 step 24).
	RequireTrustedAttestation bool
	// RequireRegisteredTPMManufacturer fails tpm attestations whose AIK
	// certificate names a TPM manufacturer absent from the TCG vendor
	// registry (§8.3.1; attestation.Options.RequireRegisteredTPMManufacturer).
	RequireRegisteredTPMManufacturer bool
	// InsecureAllowSoftwareAndroidKey accepts android-key attestations whose
	// key properties are enforced only in software (§8.4).
	InsecureAllowSoftwareAndroidKey bool
	// SafetyNetWindow is how far an android-safetynet timestampMs may be from
	// the Clock (§8.5); zero means attestation.DefaultSafetyNetWindow.
	SafetyNetWindow time.Duration
}

// Now returns the time of rp's Clock, or time.Now when it has none: the one
// place the package reads the clock, and the time certificates are judged
// at and challenges expire by in the ceremony layer.
func (rp *RelyingParty) Now() time.Time {
	if rp.Clock != nil {
		return rp.Clock()
	}
	return time.Now()
}

// chainVerifier returns the configured Verifier or the lazily created shared one.
func (rp *RelyingParty) chainVerifier() *trust.Verifier {
	if rp.Verifier != nil {
		return rp.Verifier
	}
	rp.once.Do(func() {
		rp.verifier = &trust.Verifier{Cache: trust.NewCache(trust.DefaultCacheSize)}
	})
	return rp.verifier
}

// keyCache returns Keys or the RelyingParty's own cache.
func (rp *RelyingParty) keyCache() *cosesig.KeyCache {
	if rp.Keys != nil {
		return rp.Keys
	}
	return &rp.keys
}

// ResetCaches empties the caches rp verifies with: its certificate and
// chain-link cache and its credential key cache. A benchmark of cold
// verification calls it; a server never needs to.
func (rp *RelyingParty) ResetCaches() {
	if c := rp.chainVerifier().Cache; c != nil {
		c.Reset()
	}
	rp.keyCache().Reset()
}

func (rp *RelyingParty) maxResponseSize() int {
	if rp.MaxResponseSize > 0 {
		return rp.MaxResponseSize
	}
	return MaxResponseSize
}

// Check reports whether rp can run a ceremony at all: it fails with
// WebAuthnNotEnabledException when Disabled and
// WebAuthnConfigurationMissingException when RPID is empty (or rp is nil)
// or AppID is set and not an https URL (see AppID).
// Every verification starts with it; a ceremony layer calls it before it
// issues a challenge.
func (rp *RelyingParty) Check() error {
	switch {
	case rp == nil:
		return NewError(ErrConfigurationMissing, stepPolicy, "no RelyingParty is configured", nil)
	case rp.Disabled:
		return NewError(ErrNotEnabled, stepPolicy, "the relying party policy disables passkeys", nil)
	case rp.RPID == "":
		return NewError(ErrConfigurationMissing, stepPolicy, "RelyingParty.RPID is empty", nil)
	case rp.AppID != "" && !rp.appID().ok:
		return NewError(ErrConfigurationMissing, stepPolicy, "RelyingParty.AppID is not an https URL", nil)
	}
	return nil
}

// AcceptsAlgorithm reports whether a credential may use the COSE algorithm a
// under rp.Algorithms (§7.1 step 20): what a ceremony layer may offer in
// pubKeyCredParams.
func (rp *RelyingParty) AcceptsAlgorithm(a cose.Algorithm) bool {
	if len(rp.Algorithms) == 0 {
		return true
	}
	for _, b := range rp.Algorithms {
		if a == b {
			return true
		}
	}
	return false
}

// AcceptsFormat reports whether the policy accepts attestation statements
// of format f (§7.1 step 21): a known format, listed in Formats when that
// is not empty. A ceremony layer checks the attestationFormats it asks for
// with it.
func (p *AttestationPolicy) AcceptsFormat(f attestation.Format) bool { return p.formatAllowed(f) }

// formatAllowed reports whether a known statement format is acceptable.
func (p *AttestationPolicy) formatAllowed(f attestation.Format) bool {
	if f == attestation.FormatUnknown {
		return false
	}
	if len(p.Formats) == 0 {
		return true
	}
	for _, g := range p.Formats {
		if f == g {
			return true
		}
	}
	return false
}

// typeAllowed reports whether an attestation type is acceptable.
func (p *AttestationPolicy) typeAllowed(t attestation.Type) bool {
	if len(p.Types) == 0 {
		return true
	}
	for _, u := range p.Types {
		if t == u {
			return true
		}
	}
	return false
}

// verifyClientData applies §7.1 steps 7-11 (§7.2 steps 10-14) to a parsed
// clientDataJSON: the ceremony's type, the challenge, the origin, crossOrigin
// and topOrigin; steps names them in that order.
func (rp *RelyingParty) verifyClientData(cd *clientdata.ClientData, typ string, challenge []byte, steps *[5]string) error {
	if !cd.TypeIs(typ) {
		return NewError(ErrClientDataType, steps[0], "clientData type is not "+typ, nil)
	}
	if len(challenge) == 0 || !cd.ChallengeEquals(challenge) {
		return NewError(ErrChallengeNotFound, steps[1], "clientData challenge is not the challenge issued", nil)
	}
	ok := false
	for _, o := range rp.Origins {
		if cd.OriginIs(o) {
			ok = true
			break
		}
	}
	if !ok {
		return NewError(ErrOriginNotAllowed, steps[2], "clientData origin is not an allowed origin", nil)
	}
	if cd.CrossOrigin == clientdata.CrossOriginTrue && !rp.AllowCrossOrigin {
		return NewError(ErrOriginNotAllowed, steps[3], "clientData crossOrigin is true and the policy does not allow cross-origin iframes", nil)
	}
	if cd.HasTopOrigin {
		if !rp.AllowCrossOrigin {
			return NewError(ErrOriginNotAllowed, steps[4], "clientData has a topOrigin and the policy does not allow cross-origin iframes", nil)
		}
		ok = false
		for _, o := range rp.TopOrigins {
			if cd.TopOriginIs(o) {
				ok = true
				break
			}
		}
		if !ok {
			return NewError(ErrOriginNotAllowed, steps[4], "clientData topOrigin is not an allowed top-level origin", nil)
		}
	}
	return nil
}
