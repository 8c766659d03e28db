package webauthn

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
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
	// AAGUID identifies the authenticator model (§6.5.2); all zero for U2F.
	AAGUID [16]byte
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
	// TrustPath is the attestation certificate chain, leaf first; nil for
	// self and none attestation.
	TrustPath []*x509.Certificate
	// Judged reports whether the chain was verified against an anchor from
	// AttestationPolicy.Anchors; Anchor is that anchor.
	Judged bool
	Anchor *x509.Certificate

	// ClientExtensionResults is the raw clientExtensionResults JSON object
	// (nil when absent); CredPropsRK and HasCredProps are its credProps.rk
	// (§10.1.3).
	ClientExtensionResults []byte
	CredPropsRK            bool
	HasCredProps           bool
	// Extensions is the authenticator extension outputs (§9), the raw CBOR
	// map from the authenticator data, or nil.
	Extensions []byte

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
	c.TrustPath = append([]*x509.Certificate(nil), r.TrustPath...)
	return &c
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

// §7.1 step names.
var regClientDataSteps = [5]string{"§7.1 step 7", "§7.1 step 8", "§7.1 step 9", "§7.1 step 10", "§7.1 step 11"}

// VerifyRegistration verifies a registration response (W3C WebAuthn L3 §7.1)
// against the challenge the relying party issued for it and the policy, and
// fills *out with the credential record to store. response is the
// RegistrationResponseJSON exactly as PublicKeyCredential.toJSON() produces it
// (§5.1).
//
// The steps run in the order of §7.1, and the first that fails decides the
// *Error and its Cognito exception (see ../shared/vectors/SCHEMA.md):
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
//     a credential ID over 1023 bytes (step 26), rawId differing from the
//     attested credential ID, a malformed credential public key
//     (InvalidParameterException);
//   - step 14, rpIdHash (WebAuthnRelyingPartyMismatchException);
//   - steps 15-16, UP clear, UV clear when required; step 20, a key type or
//     algorithm not supported or not in Algorithms; step 22, an unknown,
//     wrongly-cased or unacceptable fmt; step 23, any fault inside the
//     attestation statement; steps 24-25, an attestation type not
//     acceptable or an unjudged chain when RequireTrustedAttestation
//     (WebAuthnCredentialNotSupportedException).
//
// Steps the caller owns: issuing and consuming the challenge (§7.1 step 8 is
// checked here against the bytes given), and that the credential ID is not
// registered yet (step 26). On error *out is reset (its buffer is kept for
// reuse). A panic inside is returned as InternalErrorException.
func (rp *RelyingParty) VerifyRegistration(response, challenge []byte, out *Registration) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = NewError(ErrInternal, "§7.1", "internal error", panicError(p))
		}
		if err != nil {
			*out = Registration{buf: out.buf[:0]}
		}
	}()
	return rp.verifyRegistration(response, challenge, out)
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
	hash [sha256.Size]byte
	obj  attestation.Object
	ad   authdata.AuthData
	key  cose.Key
	opts attestation.Options
	in   attestation.Input
	res  attestation.Result
}

var regStates = sync.Pool{New: func() any { return new(regState) }}

func (rp *RelyingParty) verifyRegistration(response, challenge []byte, out *Registration) error {
	if err := rp.check("§7.1"); err != nil {
		return err
	}
	st := regStates.Get().(*regState)
	defer func() {
		*st = regState{}
		regStates.Put(st)
	}()
	buf := out.buf[:0]
	*out = Registration{buf: buf}

	// Steps 3-4: the response is an AuthenticatorAttestationResponse, its
	// members well-formed.
	if len(response) > rp.maxResponseSize() {
		return malformed("§7.1 step 3", "response JSON too large", ErrResponseTooLarge)
	}
	var js responseJSON
	if err := parseResponse(response, ceremonyRegistration, &js); err != nil {
		return malformed("§7.1 step 3", "response JSON is not a RegistrationResponseJSON", err)
	}
	n := len(js.extensions)
	for _, s := range [...]*jstr{&js.clientDataJSON, &js.attestationObject, &js.rawID, &js.id} {
		m, ok := decodedSize(s)
		if !ok {
			return malformed("§7.1 step 3", "a binary member is not base64url", ErrResponseBase64)
		}
		n += m
	}
	rest := grow(&buf, n)
	out.buf = buf
	var cdj, attObj, rawID, id []byte
	var ok bool
	if cdj, ok = decodeB64(&rest, &js.clientDataJSON); !ok {
		return malformed("§7.1 step 5", "response.clientDataJSON is not base64url", ErrResponseBase64)
	}
	if attObj, ok = decodeB64(&rest, &js.attestationObject); !ok {
		return malformed("§7.1 step 13", "response.attestationObject is not base64url", ErrResponseBase64)
	}
	if rawID, ok = decodeB64(&rest, &js.rawID); !ok {
		return malformed("§7.1 step 3", "rawId is not base64url", ErrResponseBase64)
	}
	if id, ok = decodeB64(&rest, &js.id); !ok {
		return malformed("§7.1 step 3", "id is not base64url", ErrResponseBase64)
	}
	if !bytes.Equal(id, rawID) {
		return NewError(ErrIDMismatch, "§7.1 step 3", "id is not the base64url encoding of rawId", nil)
	}
	if !js.typ.is("public-key") {
		return NewError(ErrCredentialType, "§7.1 step 3", `credential type is not "public-key"`, nil)
	}
	if js.extensions != nil {
		out.ClientExtensionResults = rest[:len(js.extensions):len(js.extensions)]
		copy(out.ClientExtensionResults, js.extensions)
		out.CredPropsRK, out.HasCredProps = credProps(js.extensions)
	}
	out.Transports = parseTransports(js.transports)
	out.Attachment = parseAttachment(&js.attachment)

	// Steps 5-6: parse clientDataJSON (§5.8.1).
	var cd clientdata.ClientData
	if err := clientdata.Parse(cdj, &cd); err != nil {
		return malformed("§7.1 step 6", "clientDataJSON is malformed", err)
	}
	// Steps 7-11: type, challenge, origin, crossOrigin, topOrigin.
	if err := rp.verifyClientData(&cd, "webauthn.create", challenge, &regClientDataSteps); err != nil {
		return err
	}
	// Step 12: hash.
	st.hash = sha256.Sum256(cdj)

	// Step 13: decode the attestation object and the authenticator data.
	obj := &st.obj
	if err := attestation.ParseObject(attObj, obj); err != nil {
		return malformed("§7.1 step 13", "attestationObject is malformed", err)
	}
	ad := &st.ad
	if err := authdata.Parse(obj.AuthData, ad); err != nil {
		return malformed("§7.1 step 13", "authData is malformed", err)
	}
	if !ad.Flags.HasAttestedCredentialData() {
		return malformed("§7.1 step 13", "authData has no attested credential data (AT clear)", authdata.ErrAttestedDataMissing)
	}
	if !bytes.Equal(rawID, ad.CredentialID) {
		return NewError(ErrIDMismatch, "§7.1 step 13", "rawId is not the attested credential ID", nil)
	}
	key := &st.key
	keyErr := cose.ParseKey(ad.CredentialPublicKey, key)
	if keyErr != nil && !cose.IsUnsupported(keyErr) {
		return malformed("§7.1 step 13", "credential public key is malformed", keyErr)
	}

	// Step 14: rpIdHash.
	if !rpIDHashIs(ad.RPIDHash, rp.RPID) {
		return NewError(ErrRPIDMismatch, "§7.1 step 14", "rpIdHash is not SHA-256 of the RP ID", nil)
	}
	// Steps 15-16: UP, UV.
	if !ad.Flags.UserPresent() {
		return NewError(ErrCredentialNotSupported, "§7.1 step 15", "user presence (UP) flag is clear", nil)
	}
	if rp.RequireUserVerification && !ad.Flags.UserVerified() {
		return NewError(ErrCredentialNotSupported, "§7.1 step 16", "user verification is required and the UV flag is clear", nil)
	}
	// Step 17 (BS without BE) was rejected by authdata.Parse; steps 18-19
	// (backup policy) are the caller's, from BackupEligible and BackupState.

	// Step 20: the credential algorithm.
	if keyErr != nil {
		return NewError(ErrCredentialNotSupported, "§7.1 step 20", "credential public key type or algorithm is not supported", keyErr)
	}
	if !rp.algorithmAllowed(key.Alg) {
		return NewError(ErrCredentialNotSupported, "§7.1 step 20", "credential algorithm "+key.Alg.String()+" is not one the relying party accepts", nil)
	}
	// Step 21: extension outputs are reported, not judged.

	// Step 22: the attestation statement format.
	if obj.Format == attestation.FormatUnknown {
		return NewError(ErrCredentialNotSupported, "§7.1 step 22", "attestation format is unknown (formats are matched case-sensitively)", attestation.ErrUnsupportedFormat)
	}
	if !rp.Attestation.formatAllowed(obj.Format) {
		return NewError(ErrCredentialNotSupported, "§7.1 step 22", "attestation format "+obj.Format.String()+" is not acceptable", nil)
	}
	// Step 23: the statement's verification procedure.
	st.opts = attestation.Options{
		Anchors:                         rp.Attestation.Anchors,
		Verifier:                        rp.chainVerifier(),
		InsecureAllowSoftwareAndroidKey: rp.Attestation.InsecureAllowSoftwareAndroidKey,
		SafetyNetWindow:                 rp.Attestation.SafetyNetWindow,
	}
	st.in = attestation.Input{
		Object:         obj,
		AuthData:       ad,
		ClientDataHash: st.hash[:],
		CredentialKey:  key,
		Time:           rp.now(),
		Options:        &st.opts,
	}
	res := &st.res
	if err := attestation.Verify(&st.in, res); err != nil {
		if errors.Is(err, attestation.ErrAnchors) {
			return NewError(ErrInternal, "§7.1 step 24", "the trust anchor source failed", err)
		}
		return NewError(ErrCredentialNotSupported, "§7.1 step 23", "attestation statement does not verify", err)
	}
	// Step 22 again for compound statements (§8.9): every sub-statement's
	// format must be acceptable too, or "compound" would smuggle in any format.
	for i := range res.Compound {
		if f := res.Compound[i].Format; !rp.Attestation.formatAllowed(f) {
			return NewError(ErrCredentialNotSupported, "§7.1 step 22", "attestation format "+f.String()+" inside a compound statement is not acceptable", nil)
		}
	}
	// Steps 24-25: trustworthiness.
	if !rp.Attestation.typeAllowed(res.Type) {
		return NewError(ErrCredentialNotSupported, "§7.1 step 25", "attestation type "+res.Type.String()+" is not acceptable", nil)
	}
	if rp.Attestation.RequireTrustedAttestation && !res.Judged {
		return NewError(ErrCredentialNotSupported, "§7.1 step 25", "attestation is not trusted: the chain was not verified against a trust anchor", nil)
	}

	// Step 27: the credential record.
	out.CredentialID = rawID
	out.PublicKey = ad.CredentialPublicKey
	out.Algorithm = key.Alg
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
	out.ClientDataJSON = cdj
	out.AttestationObject = attObj
	return nil
}

// rpIDHashIs reports whether h is SHA-256 of the RP ID (§7.1 step 14, §7.2 step 16).
func rpIDHashIs(h []byte, rpID string) bool {
	want := rpIDHash(rpID)
	return bytes.Equal(h, want[:])
}

// rpIDSum is the last RP ID hashed and its SHA-256: a relying party verifies
// under one RP ID, so the hash is computed once rather than on every call.
type rpIDSum struct {
	id  string
	sum [sha256.Size]byte
}

var lastRPIDSum atomic.Pointer[rpIDSum]

// rpIDHash returns SHA-256 of rpID, from lastRPIDSum when it is the same ID.
func rpIDHash(rpID string) [sha256.Size]byte {
	if c := lastRPIDSum.Load(); c != nil && c.id == rpID {
		return c.sum
	}
	c := &rpIDSum{id: rpID, sum: sha256.Sum256([]byte(rpID))}
	lastRPIDSum.Store(c)
	return c.sum
}
