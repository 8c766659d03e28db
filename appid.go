package webauthn

import (
	"bytes"
	"crypto/sha256"
	"net/url"
	"strings"

	"github.com/passkeykit/webauthn/internal/jsonx"
)

// This file is the FIDO AppID extensions (W3C WebAuthn L3 §10.1.1 appid,
// §10.1.2 appidExclude) on the verifier side: the configured AppID, its
// hash, and the rpIdHash of §7.2 step 15 and §7.1 step 14 judged with it.

// appIDSum is an AppID, its SHA-256 and whether Check accepts it, computed
// once per RelyingParty like rpIDSum.
type appIDSum struct {
	id  string
	sum [sha256.Size]byte
	ok  bool
}

// appID returns rp.AppID's hash and validity, or nil when rp has no AppID.
func (rp *RelyingParty) appID() *appIDSum {
	if rp.AppID == "" {
		return nil
	}
	c := rp.appIDCache.Load()
	if c == nil || c.id != rp.AppID {
		c = &appIDSum{id: rp.AppID, sum: sha256.Sum256([]byte(rp.AppID)), ok: validAppID(rp.AppID)}
		rp.appIDCache.Store(c)
	}
	return c
}

// isAppIDHash reports whether h is SHA-256 of rp.AppID (false without one).
func (rp *RelyingParty) isAppIDHash(h []byte) bool {
	a := rp.appID()
	return a != nil && bytes.Equal(h, a.sum[:])
}

// validAppID reports whether s is an AppID Check accepts: an absolute https
// URL spelt with a lower-case "https://", with a host, without user info or
// fragment, in printable ASCII (the FIDO AppID and Facet Specification's
// AppID is an https URL; browsers refuse any other scheme, §10.1.1 client
// extension processing step 3).
func validAppID(s string) bool {
	if !strings.HasPrefix(s, "https://") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Opaque == "" && u.User == nil &&
		u.Hostname() != "" && !strings.Contains(s, "#")
}

// appIDOutput reads the appid client extension output (§10.1.1) from the
// raw clientExtensionResults object ext (nil when absent): used is its
// value, false when absent; ok is false when appid is not a boolean. It
// allocates nothing.
func appIDOutput(ext []byte) (used, ok bool) {
	if ext == nil {
		return false, true
	}
	r := jsonx.Reader(ext)
	if !r.ReadObjectStart() {
		return false, false
	}
	var k, raw []byte
	var esc bool
	var m jsonx.Members
	for m.Next(&r, &k, &esc) {
		if !jsonx.StringEqual(k, esc, "appid") {
			if !r.SkipNested(2, &raw) {
				return false, false
			}
			continue
		}
		if r.Peek() != jsonx.KindBool || !r.ReadBool(&used) {
			return false, false
		}
	}
	if m.Code() != jsonx.CodeOK {
		return false, false
	}
	return used, true
}

// checkAssertionRPIDHash is §7.2 step 15 with the appid extension (§10.1.1):
// when clientExtensionResults.appid is true the relying party "MUST expect
// the rpIdHash to be the hash of the AppID, not the RP ID", and otherwise
// the RP ID's. It fails closed, with WebAuthnRelyingPartyMismatchException,
// for appid true when rp has no AppID, when the options did not ask for the
// extension (p.AppID) or when the record was not registered under the AppID
// (cred.AppID); for an rpIdHash that is not the expected hash, in
// particular the AppID's without appid true. An appid output that is not a
// boolean is InvalidParameterException. It reports whether the AppID was
// used.
func (rp *RelyingParty) checkAssertionRPIDHash(rpIDHash, ext []byte, p *AuthenticationParams, cred *Credential) (appIDUsed bool, err error) {
	const step = "§7.2 step 15"
	used, ok := appIDOutput(ext)
	if !ok {
		return false, malformed(step, "clientExtensionResults.appid is not a boolean", ErrResponseFieldType)
	}
	if !used {
		switch {
		case rp.rpIDHashIs(rpIDHash):
			return false, nil
		case rp.isAppIDHash(rpIDHash):
			return false, NewError(ErrRPIDMismatch, step, "rpIdHash is SHA-256 of the AppID but clientExtensionResults.appid is not true", nil)
		}
		return false, NewError(ErrRPIDMismatch, step, "rpIdHash is not SHA-256 of the RP ID", nil)
	}
	switch a := rp.appID(); {
	case a == nil:
		return false, NewError(ErrRPIDMismatch, step, "clientExtensionResults.appid is true but RelyingParty.AppID is not configured", nil)
	case !p.AppID:
		return false, NewError(ErrRPIDMismatch, step, "clientExtensionResults.appid is true but the options did not ask for the appid extension", nil)
	case !cred.AppID:
		return false, NewError(ErrRPIDMismatch, step, "clientExtensionResults.appid is true but the credential record was not registered under the AppID (Credential.AppID)", nil)
	case !bytes.Equal(rpIDHash, a.sum[:]):
		return false, NewError(ErrRPIDMismatch, step, "clientExtensionResults.appid is true but rpIdHash is not SHA-256 of the AppID", nil)
	}
	return true, nil
}
