// Package conformance runs one shared test vector (../shared/vectors/SCHEMA.md)
// through the public API of package webauthn and says whether the verdict is
// the expected one. The root package's tests, the webauthn command and
// fido_test/ share it so that the mapping from a vector to a RelyingParty is
// written once.
package conformance

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/trust"
)

// RelyingParty builds the policy a vector describes: rpId, origins,
// topOrigins, allowCrossOrigin, algorithms, requireUserVerification, the
// trust anchors (in trust.Static ByFormat[v.Fmt]) and a Clock fixed at
// verifyAt.
func RelyingParty(v *vectors.Vector) (*webauthn.RelyingParty, error) {
	rp := &webauthn.RelyingParty{
		RPID:                    v.RPID,
		Origins:                 v.Origins,
		TopOrigins:              v.TopOrigins,
		AllowCrossOrigin:        v.AllowCrossOrigin,
		RequireUserVerification: v.RequireUserVerification,
	}
	for _, a := range v.Algorithms {
		rp.Algorithms = append(rp.Algorithms, cose.Algorithm(a))
	}
	if at := v.Time(); !at.IsZero() {
		rp.Clock = func() time.Time { return at }
	} else if v.VerifyAt != "" {
		return nil, errors.New("conformance: verifyAt is not RFC 3339: " + v.VerifyAt)
	}
	pems, err := v.AnchorPEMs()
	if err != nil {
		return nil, err
	}
	if len(pems) > 0 {
		var pool *trust.Pool
		for _, p := range pems {
			if pool, err = pool.AppendPEM(p); err != nil {
				return nil, err
			}
		}
		rp.Attestation.Anchors = &trust.Static{ByFormat: map[string]*trust.Pool{v.Fmt: pool}}
	}
	return rp, nil
}

// Credential builds the stored credential record of an authentication
// vector: the ID (expect.credentialId, else the response's rawId), the
// credentialPublicKey and SignCount 0. A vector does not state the record's
// backup eligibility, and it is never taken from the assertion being judged:
// when the registration vector of the same ceremony pair is beside it
// (…-authentication.json beside …-registration.json), BackupEligible is the
// BE flag of that registration's authenticator data, as §7.1 step 27 stores
// it; otherwise the record does not know it (BackupEligibleUnknown), and the
// BE comparison, which §7.2 applies only when the relying party keeps the
// backup state, is skipped.
func Credential(v *vectors.Vector) (*webauthn.Credential, error) {
	c := &webauthn.Credential{}
	f := v.Fields()
	switch {
	case v.Expect.CredentialID != "":
		c.ID = vectors.B64(v.Expect.CredentialID)
	case f != nil:
		c.ID = vectors.B64(f.RawID)
	}
	c.PublicKey = vectors.B64(v.CredentialPublicKey)
	if c.PublicKey == nil {
		return nil, errors.New("conformance: authentication vector without credentialPublicKey")
	}
	if be, ok := pairedBackupEligible(v); ok {
		c.BackupEligible = be
	} else {
		c.BackupEligibleUnknown = true
	}
	return c, nil
}

// pairedBackupEligible reads the BE flag of the registration vector paired
// with an authentication vector, if there is one.
func pairedBackupEligible(v *vectors.Vector) (be, ok bool) {
	if !strings.HasSuffix(v.Path, "-authentication.json") {
		return false, false
	}
	p := strings.TrimSuffix(v.Path, "-authentication.json") + "-registration.json"
	if _, err := os.Stat(p); err != nil {
		return false, false
	}
	rv, err := vectors.Load(p, v.Dir)
	if err != nil || rv.Ceremony != "registration" {
		return false, false
	}
	var obj attestation.Object
	var ad authdata.AuthData
	if attestation.ParseObject(rv.AttestationObject(), &obj) != nil || authdata.Parse(obj.AuthData, &ad) != nil {
		return false, false
	}
	return ad.Flags.BackupEligible(), true
}

// Verify runs the vector through VerifyRegistration or VerifyAuthentication
// and returns the outcome: the *webauthn.Error (nil on success) and, on
// success, the result (exactly one of reg and as is set). err reports a
// vector that cannot be run.
func Verify(v *vectors.Vector) (reg *webauthn.Registration, as *webauthn.Assertion, verr error, err error) {
	rp, err := RelyingParty(v)
	if err != nil {
		return nil, nil, nil, err
	}
	challenge := vectors.B64(v.Challenge)
	switch v.Ceremony {
	case "registration":
		reg = new(webauthn.Registration)
		verr = rp.VerifyRegistration(v.Response, challenge, reg)
	case "authentication":
		cred, err := Credential(v)
		if err != nil {
			return nil, nil, nil, err
		}
		as = new(webauthn.Assertion)
		verr = rp.VerifyAuthentication(v.Response, challenge, cred, as)
	default:
		return nil, nil, nil, errors.New("conformance: unknown ceremony " + strconv.Quote(v.Ceremony))
	}
	return reg, as, verr, nil
}

// Run verifies one vector and compares the verdict with expect: ok reports a
// match; exception is the exception reached ("" on success); detail says
// what differed, or the error text. err reports a vector that cannot be run.
func Run(v *vectors.Vector) (ok bool, exception string, detail string, err error) {
	reg, as, verr, err := Verify(v)
	if err != nil {
		return false, "", "", err
	}
	if verr != nil {
		exception = webauthn.ExceptionName(verr)
		if exception == "" {
			return false, "", "error is not a *webauthn.Error: " + verr.Error(), nil
		}
		if v.Expect.OK {
			return false, exception, "expected success, got " + verr.Error(), nil
		}
		if exception != v.Expect.Exception {
			return false, exception, "expected " + v.Expect.Exception + ", got " + verr.Error(), nil
		}
		return true, exception, verr.Error(), nil
	}
	if !v.Expect.OK {
		return false, "", "expected " + v.Expect.Exception + " (" + v.Expect.Reason + "), got success", nil
	}
	var diffs []string
	e := &v.Expect
	var credID []byte
	var signCount uint32
	if reg != nil {
		credID, signCount = reg.CredentialID, reg.SignCount
		if got := reg.AAGUID.String(); e.AAGUID != "" && got != strings.ToLower(e.AAGUID) {
			diffs = append(diffs, "aaguid "+got+" != "+e.AAGUID)
		}
		if e.Alg != nil && int64(reg.Algorithm) != *e.Alg {
			diffs = append(diffs, "alg "+strconv.FormatInt(int64(reg.Algorithm), 10)+" != "+strconv.FormatInt(*e.Alg, 10))
		}
		if e.AttestationType != "" && reg.Type.String() != e.AttestationType {
			diffs = append(diffs, "attestationType "+reg.Type.String()+" != "+e.AttestationType)
		}
	} else {
		credID, signCount = as.CredentialID, as.SignCount
	}
	if e.CredentialID != "" {
		if got := base64.RawURLEncoding.EncodeToString(credID); got != strings.TrimRight(e.CredentialID, "=") {
			diffs = append(diffs, "credentialId "+got+" != "+e.CredentialID)
		}
	}
	if e.SignCount != nil && signCount != *e.SignCount {
		diffs = append(diffs, "signCount "+strconv.FormatUint(uint64(signCount), 10)+" != "+strconv.FormatUint(uint64(*e.SignCount), 10))
	}
	if len(diffs) > 0 {
		return false, "", strings.Join(diffs, "; "), nil
	}
	return true, "", "", nil
}

// Name returns the vector's name, or its file name.
func Name(v *vectors.Vector) string {
	if v.Name != "" {
		return v.Name
	}
	return filepath.Base(v.Path)
}
