package webauthn

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"sync"

	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/trust"
)

// Registration is the outcome of a successful registration ceremony: what the
// relying party stores as the credential record (§7.1 step 27) and what it may
// want to know about the authenticator.
//
// Registration owns one buffer holding the decoded response; every byte slice
// field is a view into it. A later VerifyRegistration into the same
// *Registration reuses the buffer and overwrites those bytes, so copy what you
// keep (bytes.Clone, or Clone) before reusing it.
type Registration struct {
	// CredentialID is the credential ID (rawId, equal to the attested
	// credential ID).
	CredentialID []byte
	// PublicKey is the credential public key as the exact COSE_Key bytes of
	// the authenticator data: store these, never a re-encoding.
	PublicKey []byte
	// Algorithm is the COSE algorithm of PublicKey.
	Algorithm cose.Algorithm
	// AAGUID identifies the authenticator model (§6.5.2); all zero for U2F
	// and anonymized "none" attestation. String gives its UUID form.
	AAGUID authdata.AAGUID
	// SignCount is the initial signature counter (§6.1.1).
	SignCount uint32
	// Flags are the authenticator data flags; UserVerified, BackupEligible
	// and BackupState repeat UV, BE and BS (§6.1.3).
	Flags          authdata.Flags
	UserVerified   bool
	BackupEligible bool
	BackupState    bool

	// Transports and Attachment are from the response JSON (§5.8.4, §5.4.5).
	Transports Transports
	Attachment Attachment

	// Format is the attestation statement format, Type the attestation type.
	Format attestation.Format
	Type   attestation.Type
	// TrustPath is the attestation certificate chain, leaf first, as DER
	// (views into AttestationObject, or for android-safetynet into the
	// decoded JWS header); nil for self and none attestation.
	// TrustPathCertificates parses it with crypto/x509.
	TrustPath [][]byte
	// Judged reports whether the chain was verified against an anchor from
	// AttestationPolicy.Anchors; Anchor is that anchor.
	Judged bool
	Anchor *x509.Certificate

	// ClientExtensionResults is the raw clientExtensionResults JSON object
	// (nil when absent); CredPropsRK and HasCredProps are its credProps.rk
	// (§10.1.3), the same as ExtensionOutputs.CredProps.
	ClientExtensionResults []byte
	CredPropsRK            bool
	HasCredProps           bool
	// Extensions is the authenticator extension outputs (§9), the raw CBOR
	// map from the authenticator data, or nil.
	Extensions []byte
	// ExtensionOutputs are the known client and authenticator extension
	// outputs of both, typed (§7.1 step 28).
	ExtensionOutputs ExtensionOutputs

	// AuthData, ClientDataJSON and AttestationObject are the decoded binary
	// members of the response.
	AuthData          []byte
	ClientDataJSON    []byte
	AttestationObject []byte

	buf []byte
}

// Clone returns a deep copy of r that shares no memory with it, so r can be
// reused for another VerifyRegistration.
func (r *Registration) Clone() *Registration {
	c := *r
	c.buf = nil
	c.CredentialID = bytes.Clone(r.CredentialID)
	c.PublicKey = bytes.Clone(r.PublicKey)
	c.ClientExtensionResults = bytes.Clone(r.ClientExtensionResults)
	c.Extensions = bytes.Clone(r.Extensions)
	c.AuthData = bytes.Clone(r.AuthData)
	c.ClientDataJSON = bytes.Clone(r.ClientDataJSON)
	c.AttestationObject = bytes.Clone(r.AttestationObject)
	c.TrustPath = nil
	for _, der := range r.TrustPath {
		c.TrustPath = append(c.TrustPath, bytes.Clone(der))
	}
	return &c
}

// TrustPathCertificates parses TrustPath with crypto/x509 (through
// trust.ParseCertificate, which accepts what the verifier accepted): for
// callers that want the attestation certificates' other fields. The
// verification itself read them without crypto/x509.
func (r *Registration) TrustPathCertificates() ([]*x509.Certificate, error) {
	if len(r.TrustPath) == 0 {
		return nil, nil
	}
	certs := make([]*x509.Certificate, len(r.TrustPath))
	for i, der := range r.TrustPath {
		c, err := trust.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		certs[i] = c
	}
	return certs, nil
}

// Record returns the credential record to store for this registration
// (§7.1 step 27): every field a sign-in needs, copied so that r can be
// reused, owned by the account with user handle userHandle (which must be
// the user.id the registration was started with; it is required, since it is
// how a record shows which account it belongs to).
func (r *Registration) Record(userHandle []byte) Credential {
	return Credential{
		ID:             bytes.Clone(r.CredentialID),
		PublicKey:      bytes.Clone(r.PublicKey),
		SignCount:      r.SignCount,
		BackupEligible: r.BackupEligible,
		BackupState:    r.BackupState,
		UserHandle:     bytes.Clone(userHandle),
		Transports:     r.Transports,
	}
}

// grow returns a buffer of length n, reusing *buf's storage when it is large
// enough.
func grow(buf *[]byte, n int) []byte {
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// RegistrationParams are what the relying party asked for in one
// registration ceremony's options (§7.1 step 1, §5.4): the checks of §7.1
// that depend on the options rather than on the RelyingParty.
type RegistrationParams struct {
	// Challenge is the challenge issued in the options (§7.1 step 8).
	Challenge []byte
	// UserVerification requires the UV flag (§7.1 step 16) when the options
	// asked for userVerification "required"; RelyingParty.
	// RequireUserVerification requires it whatever this says.
	UserVerification bool
	// Algorithms are the pubKeyCredParams the options offered (§7.1 step
	// 20): the credential's algorithm must be one of them and be accepted
	// by RelyingParty.Algorithms. Empty: RelyingParty.Algorithms alone.
	Algorithms []cose.Algorithm
	// Conditional says the options were used with mediation "conditional"
	// (§7.1 step 15, §5.1.3): a response with the UP flag clear is then
	// accepted. Only a ceremony started for conditional mediation may set it.
	Conditional bool
}

// §7.1 step names.
var regClientDataSteps = [5]string{"§7.1 step 7", "§7.1 step 8", "§7.1 step 9", "§7.1 step 10", "§7.1 step 11"}

// VerifyRegistration verifies a registration response (W3C WebAuthn L3 §7.1)
// against the challenge the relying party issued for it and the policy, and
// fills *out with the credential record to store. response is the
// RegistrationResponseJSON exactly as PublicKeyCredential.toJSON() produces it
// (§5.1).
//
// The steps run in the order of §7.1, and the first that fails decides the
// *Error and its Cognito exception (the README's Errors table):
//
//   - the policy: Disabled (WebAuthnNotEnabledException), no RPID
//     (WebAuthnConfigurationMissingException);
//   - steps 3-4, the response JSON: larger than MaxResponseSize, malformed,
//     duplicate or wrongly-typed members, a binary member that is not
//     base64url; id that differs from rawId; type other than "public-key"
//     (InvalidParameterException);
//   - steps 5-6, clientDataJSON malformed; step 7, its type not
//     "webauthn.create" (InvalidParameterException);
//   - step 8, the challenge (WebAuthnChallengeNotFoundException);
//   - steps 9-11, origin, crossOrigin, topOrigin (WebAuthnOriginNotAllowedException);
//   - step 13, the attestation object and authenticator data malformed, AT
//     clear, AT or ED disagreeing with the data, BS without BE (step 17),
//     a credential ID over 1023 bytes (step 25), rawId differing from the
//     attested credential ID, a malformed credential public key
//     (InvalidParameterException);
//   - step 14, rpIdHash, which must be SHA-256 of the RP ID, never of
//     RelyingParty.AppID (WebAuthnRelyingPartyMismatchException);
//   - steps 15-16, UP clear, UV clear when required; step 20, a key type or
//     algorithm not supported or not in Algorithms; step 21, an unknown,
//     wrongly-cased or unacceptable fmt; step 22, any fault inside the
//     attestation statement; step 24, an attestation type not acceptable
//     or an unjudged chain when RequireTrustedAttestation
//     (WebAuthnCredentialNotSupportedException); step 23, a trust anchor
//     source that fails (InternalErrorException).
//
// Steps the caller owns: issuing and consuming the challenge (§7.1 step 8 is
// checked here against the bytes given), and that the credential ID is not
// registered yet (step 26). On error *out is reset (its buffer is kept for
// reuse). A panic inside is returned as InternalErrorException.
func (rp *RelyingParty) VerifyRegistration(response, challenge []byte, out *Registration) error {
	p := RegistrationParams{Challenge: challenge}
	return rp.VerifyRegistrationParams(response, &p, out)
}

// VerifyRegistrationParams is VerifyRegistration for a ceremony whose
// options asked for more than the RelyingParty requires: user verification
// (§7.1 step 16), a subset of the algorithms (step 20), or conditional
// mediation (step 15). A ceremony layer that kept the options calls it.
func (rp *RelyingParty) VerifyRegistrationParams(response []byte, p *RegistrationParams, out *Registration) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = NewError(ErrInternal, "§7.1", "internal error", panicError(r))
		}
		if err != nil {
			*out = Registration{buf: out.buf[:0]}
		}
	}()
	return rp.verifyRegistration(response, p, out)
}

// panicError turns a recovered value into an error cause.
func panicError(p any) error {
	if e, ok := p.(error); ok {
		return e
	}
	if s, ok := p.(string); ok {
		return errors.New(s)
	}
	return errors.New("panic")
}

func malformed(step, reason string, cause error) error {
	return NewError(ErrMalformed, step, reason, cause)
}

// regState is the working memory of one registration: the parsed structures
// that attestation.Verify takes by pointer, which would otherwise escape one
// by one. It is pooled; nothing in it outlives the call except what the
// Registration copies out (slices of its buffer, the trust path).
type regState struct {
	d    decoded
	hash [sha256.Size]byte
	obj  attestation.Object
	ad   authdata.AuthData
	key  cose.Key
	opts attestation.Options
	in   attestation.Input
	res  attestation.Result
}

var regStates = sync.Pool{New: func() any { return new(regState) }}

// verifyRegistration is §7.1, one call or check per step; steps 1-2 (the
// options and create()) are the caller's, and the steps the caller owns are
// named where they fall.
func (rp *RelyingParty) verifyRegistration(response []byte, p *RegistrationParams, out *Registration) error {
	st := regStates.Get().(*regState)
	defer func() {
		*st = regState{}
		regStates.Put(st)
	}()
	buf := out.buf[:0]
	*out = Registration{}

	// Steps 3-4: the response and its members (decode), the extension
	// results kept for step 28.
	d := &st.d
	_, err := rp.decode(response, ceremonyRegistration, decodeAll, &buf, d)
	out.buf = buf
	if err != nil {
		return err
	}
	// Steps 5-6: clientDataJSON.
	var cd clientdata.ClientData
	if err := parseClientData(d.clientDataJSON, &regDecodeSteps, &cd); err != nil {
		return err
	}
	// Steps 7-11: type, challenge, origin, crossOrigin, topOrigin.
	if err := rp.verifyClientData(&cd, "webauthn.create", p.Challenge, &regClientDataSteps); err != nil {
		return err
	}
	// Step 12: hash, computed by verifyStatement where step 22 uses it: the
	// "none" procedure (§8.7) reads no hash, and hashing cannot fail.
	// Step 13: the attestation object, the authenticator data, the key.
	keyErr, err := st.parseAttestation(d)
	if err != nil {
		return err
	}
	ad, key := &st.ad, &st.key
	// Step 14: rpIdHash.
	if !rp.rpIDHashIs(ad.RPIDHash) {
		if rp.isAppIDHash(ad.RPIDHash) {
			// §10.1.2: the AppID only excludes; nothing is registered under it.
			return NewError(ErrRPIDMismatch, "§7.1 step 14", "rpIdHash is SHA-256 of the AppID: credentials are registered under the RP ID only", nil)
		}
		return NewError(ErrRPIDMismatch, "§7.1 step 14", "rpIdHash is not SHA-256 of the RP ID", nil)
	}
	// Step 15: UP, unless the ceremony was conditional.
	if !ad.Flags.UserPresent() && !p.Conditional {
		return NewError(ErrCredentialNotSupported, "§7.1 step 15", "user presence (UP) flag is clear", nil)
	}
	// Step 16: UV when required.
	if (rp.RequireUserVerification || p.UserVerification) && !ad.Flags.UserVerified() {
		return NewError(ErrCredentialNotSupported, "§7.1 step 16", "user verification is required and the UV flag is clear", nil)
	}
	// Step 17 (BS without BE) was step 13's (authdata.Parse); steps 18-19
	// (backup policy) are the caller's, from BackupEligible and BackupState.
	// Step 20: the credential algorithm, one the options offered.
	if err := rp.checkAlgorithm(key, keyErr, p.Algorithms); err != nil {
		return err
	}
	// Steps 21-24: format, statement, anchors, trustworthiness.
	if err := rp.verifyStatement(st); err != nil {
		return err
	}
	// Step 25 (credential ID length) was step 13's (authdata.Parse); step
	// 26 (not registered yet) is the caller's. Step 27: the credential
	// record; step 28: extension outputs, reported, not judged.
	out.fill(d, st)
	return nil
}

// parseAttestation is §7.1 step 13: CBOR-decode the attestation object, the
// authenticator data (which also rejects BS without BE, step 17, and a
// credential ID over 1023 bytes, step 25) and the credential public key. A
// well-formed key of a type or algorithm package cose does not support is
// returned as keyErr, for step 20 to refuse after steps 14-16.
func (st *regState) parseAttestation(d *decoded) (keyErr, err error) {
	if err := attestation.ParseObject(d.attestationObject, &st.obj); err != nil {
		return nil, malformed("§7.1 step 13", "attestationObject is malformed", err)
	}
	ad := &st.ad
	if err := authdata.Parse(st.obj.AuthData, ad); err != nil {
		switch {
		case errors.Is(err, authdata.ErrCredentialIDTooLong):
			return nil, malformed("§7.1 step 25", "credential ID is longer than 1023 bytes", err)
		case errors.Is(err, authdata.ErrBackupStateWithoutBE):
			return nil, malformed("§7.1 step 17", "BS flag set while BE is clear", err)
		}
		return nil, malformed("§7.1 step 13", "authData is malformed", err)
	}
	if !ad.Flags.HasAttestedCredentialData() {
		return nil, malformed("§7.1 step 13", "authData has no attested credential data (AT clear)", authdata.ErrAttestedDataMissing)
	}
	if !bytes.Equal(d.rawID, ad.CredentialID) {
		return nil, NewError(ErrIDMismatch, "§7.1 step 13", "rawId is not the attested credential ID", nil)
	}
	keyErr = cose.ParseKey(ad.CredentialPublicKey, &st.key)
	if keyErr != nil && !cose.IsUnsupported(keyErr) {
		return nil, malformed("§7.1 step 13", "credential public key is malformed", keyErr)
	}
	return keyErr, nil
}

// checkAlgorithm is §7.1 step 20: the credential public key is of a
// supported type and its algorithm is one rp accepts and the options
// offered.
func (rp *RelyingParty) checkAlgorithm(key *cose.Key, keyErr error, offeredAlgs []cose.Algorithm) error {
	if keyErr != nil {
		return NewError(ErrCredentialNotSupported, "§7.1 step 20", "credential public key type or algorithm is not supported", keyErr)
	}
	if !rp.AcceptsAlgorithm(key.Alg) || !offered(offeredAlgs, key.Alg) {
		return NewError(ErrCredentialNotSupported, "§7.1 step 20", "credential algorithm "+key.Alg.String()+" is not one the relying party offered", nil)
	}
	return nil
}

// verifyStatement is §7.1 steps 21-24: the format is known and acceptable
// (21), the statement verifies by its format's procedure (22), which
// obtains the anchors (23) and judges the chain to them, and the result is
// trustworthy under the policy (24).
func (rp *RelyingParty) verifyStatement(st *regState) error {
	obj := &st.obj
	if obj.Format == attestation.FormatUnknown {
		return NewError(ErrCredentialNotSupported, "§7.1 step 21", "attestation format is unknown (formats are matched case-sensitively)", attestation.ErrUnsupportedFormat)
	}
	if !rp.Attestation.formatAllowed(obj.Format) {
		return NewError(ErrCredentialNotSupported, "§7.1 step 21", "attestation format "+obj.Format.String()+" is not acceptable", nil)
	}
	st.opts = attestation.Options{
		Anchors:                          rp.Attestation.Anchors,
		Verifier:                         rp.chainVerifier(),
		InsecureAllowSoftwareAndroidKey:  rp.Attestation.InsecureAllowSoftwareAndroidKey,
		SafetyNetWindow:                  rp.Attestation.SafetyNetWindow,
		RequireRegisteredTPMManufacturer: rp.Attestation.RequireRegisteredTPMManufacturer,
	}
	// Step 12: hash, for every procedure but "none" (§8.7), which reads
	// none; it gets a nil hash, so that any use of it would fail closed.
	var hash []byte
	if obj.Format != attestation.FormatNone {
		st.hash = sha256.Sum256(st.d.clientDataJSON)
		hash = st.hash[:]
	}
	st.in = attestation.Input{
		Object:         obj,
		AuthData:       &st.ad,
		ClientDataHash: hash,
		CredentialKey:  &st.key,
		Time:           rp.Now(),
		Options:        &st.opts,
	}
	res := &st.res
	if err := attestation.Verify(&st.in, res); err != nil {
		if errors.Is(err, attestation.ErrAnchors) {
			return NewError(ErrInternal, "§7.1 step 23", "the trust anchor source failed", err)
		}
		return NewError(ErrCredentialNotSupported, "§7.1 step 22", "attestation statement does not verify", err)
	}
	// Step 21 again for compound statements (§8.9): every sub-statement's
	// format must be acceptable too, or "compound" would smuggle in any format.
	for i := range res.Compound {
		if f := res.Compound[i].Format; !rp.Attestation.formatAllowed(f) {
			return NewError(ErrCredentialNotSupported, "§7.1 step 21", "attestation format "+f.String()+" inside a compound statement is not acceptable", nil)
		}
	}
	if !rp.Attestation.typeAllowed(res.Type) {
		return NewError(ErrCredentialNotSupported, "§7.1 step 24", "attestation type "+res.Type.String()+" is not acceptable", nil)
	}
	if rp.Attestation.RequireTrustedAttestation && !res.Judged {
		return NewError(ErrCredentialNotSupported, "§7.1 step 24", "attestation is not trusted: the chain was not verified against a trust anchor", nil)
	}
	return nil
}

// fill is §7.1 steps 27-28: the credential record and what the relying
// party may want to know, from the decoded response and the verified state.
func (out *Registration) fill(d *decoded, st *regState) {
	ad, res := &st.ad, &st.res
	out.CredentialID = d.rawID
	out.PublicKey = ad.CredentialPublicKey
	out.Algorithm = st.key.Alg
	out.AAGUID = ad.AAGUID
	out.SignCount = ad.SignCount
	out.Flags = ad.Flags
	out.UserVerified = ad.Flags.UserVerified()
	out.BackupEligible = ad.Flags.BackupEligible()
	out.BackupState = ad.Flags.BackedUp()
	out.Format = res.Format
	out.Type = res.Type
	out.TrustPath = res.TrustPath
	out.Judged = res.Judged
	out.Anchor = res.Anchor
	out.Extensions = ad.Extensions
	out.AuthData = ad.Raw
	out.ClientDataJSON = d.clientDataJSON
	out.AttestationObject = d.attestationObject
	out.ClientExtensionResults = d.extensions
	out.readExtensions(d.extensions, ad.Extensions)
	out.Transports = parseTransports(d.js.transports)
	out.Attachment = parseAttachment(&d.js.attachment)
}

// offered reports whether a is among the algorithms the options offered;
// an empty list leaves the choice to RelyingParty.Algorithms.
func offered(algs []cose.Algorithm, a cose.Algorithm) bool {
	if len(algs) == 0 {
		return true
	}
	for _, b := range algs {
		if a == b {
			return true
		}
	}
	return false
}
