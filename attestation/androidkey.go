package attestation

import (
	"crypto/subtle"
	"errors"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/androidkey"
	"github.com/passkeykit/webauthn/trust"
)

// Causes of android-key failures, wrapped in *Error beside the class sentinel.
var (
	ErrAndroidKeyUnknownMember   = errors.New("attestation: android-key statement has a member other than alg, sig and x5c")
	ErrAndroidKeyNoX5C           = errors.New("attestation: android-key statement lacks x5c")
	ErrAndroidKeyNoExtension     = errors.New("attestation: android-key leaf certificate lacks the key description extension (1.3.6.1.4.1.11129.2.1.17)")
	ErrAndroidKeyChallenge       = errors.New("attestation: android-key attestationChallenge is not clientDataHash")
	ErrAndroidKeyAllApplications = errors.New("attestation: android-key authorization list has allApplications")
	ErrAndroidKeyOrigin          = errors.New("attestation: android-key origin is not KM_ORIGIN_GENERATED in the enforced list")
	ErrAndroidKeyPurpose         = errors.New("attestation: android-key purpose lacks KM_PURPOSE_SIGN in the enforced list")
	ErrAndroidKeyLeafKey         = errors.New("attestation: android-key leaf certificate key is not the credential public key")
)

// verifyAndroidKey is the android-key verification procedure (§8.4). It
// rejects a statement other than {alg, sig, x5c}; a sig that the leaf
// certificate's key does not verify over authenticatorData||clientDataHash
// with alg; a leaf key that is not the credential public key; a leaf without
// a well-formed key description extension; an attestationChallenge other than
// clientDataHash; allApplications in either authorization list; and, unless
// Options.InsecureAllowSoftwareAndroidKey, an origin other than
// KM_ORIGIN_GENERATED or a purpose set without KM_PURPOSE_SIGN in the
// teeEnforced (hardware) list (with the option, in either list); and a chain
// that does not verify at in.Time against the caller's anchors. Anchors never
// come from x5c. It returns the Basic type.
func verifyAndroidKey(in *Input, s Statement, out *Result) error {
	const f = FormatAndroidKey
	var alg cose.Algorithm
	var sig []byte
	var x5c Certs
	if err := readAndroidKey(s, &alg, &sig, &x5c); err != nil {
		return err
	}
	var chain trust.Chain
	if err := parseX5C(f, "§8.4 step 2", x5c, &chain); err != nil {
		return err
	}
	pub, err := leafKey(in, f, "§8.4 step 2", &chain)
	if err != nil {
		return err
	}
	// Step 2: sig over authenticatorData||clientDataHash with the leaf key.
	if err := cosesig.VerifyPublicKey(alg, pub, sig, in.Object.AuthData, in.ClientDataHash); err != nil {
		return fail(f, "§8.4 step 2", sigKind(err), err)
	}
	// Step 3: the leaf key is the credential public key.
	if in.CredentialKey == nil || !cosesig.Equal(in.CredentialKey, pub) {
		return fail(f, "§8.4 step 3", ErrKeyMismatch, ErrAndroidKeyLeafKey)
	}
	// Steps 4-5: the key description extension (the reader refuses a
	// duplicate extension).
	ext := chain.Certificate(0).AndroidKeyDescription
	if ext == nil {
		return fail(f, "§8.4 step 4", ErrCertificate, ErrAndroidKeyNoExtension)
	}
	var kd androidkey.KeyDescription
	allowSW := in.Options != nil && in.Options.InsecureAllowSoftwareAndroidKey
	if err := checkKeyDescription(ext, in.ClientDataHash, allowSW, &kd); err != nil {
		return err
	}
	if err := judgeChain(in, f, "§8.4 step 6", &chain, nil, out); err != nil {
		return err
	}
	out.Type = TypeBasic
	return nil
}

// readAndroidKey reads the android-key syntax (§8.4 step 1): exactly the
// members alg (integer), sig (bytes) and x5c (non-empty array of bytes).
func readAndroidKey(s Statement, alg *cose.Algorithm, sig *[]byte, x5c *Certs) error {
	const f = FormatAndroidKey
	m := s.Members()
	var key, val []byte
	for m.Next(&key, &val) {
		switch string(key) {
		case "alg", "sig", "x5c":
		default:
			return fail(f, "§8.4 step 1", ErrInvalidStatement, ErrAndroidKeyUnknownMember)
		}
	}
	if err := m.Err(); err != nil {
		return fail(f, "§8.4 step 1", ErrInvalidStatement, err)
	}
	a, err := s.Alg()
	if err != nil {
		return fail(f, "§8.4 step 1", ErrInvalidStatement, err)
	}
	*alg = cose.Algorithm(a)
	if *sig, err = s.Sig(); err != nil {
		return fail(f, "§8.4 step 1", ErrInvalidStatement, err)
	}
	it, present, err := s.X5C()
	if err != nil {
		return fail(f, "§8.4 step 1", ErrInvalidStatement, err)
	}
	if !present {
		return fail(f, "§8.4 step 1", ErrInvalidStatement, ErrAndroidKeyNoX5C)
	}
	*x5c = it
	return nil
}

// checkKeyDescription parses the key description extension value ext and
// applies §8.4 steps 4 and 5: attestationChallenge equals clientDataHash;
// allApplications is in neither list; origin is KM_ORIGIN_GENERATED and purpose
// contains KM_PURPOSE_SIGN in teeEnforced, or, when allowSoftware, in either
// list. It does not allocate.
func checkKeyDescription(ext, clientDataHash []byte, allowSoftware bool, kd *androidkey.KeyDescription) error {
	const f = FormatAndroidKey
	if err := androidkey.Parse(ext, kd); err != nil {
		return fail(f, "§8.4 step 4", ErrCertificate, err)
	}
	if len(kd.AttestationChallenge) != len(clientDataHash) ||
		subtle.ConstantTimeCompare(kd.AttestationChallenge, clientDataHash) != 1 {
		return fail(f, "§8.4 step 4", ErrNonceMismatch, ErrAndroidKeyChallenge)
	}
	sw, hw := &kd.SoftwareEnforced, &kd.TeeEnforced
	if sw.AllApplications || hw.AllApplications {
		return fail(f, "§8.4 step 5", ErrCertificate, ErrAndroidKeyAllApplications)
	}
	generated := hw.HasOrigin && hw.Origin == androidkey.OriginGenerated
	sign := hw.HasPurpose(androidkey.PurposeSign)
	if allowSoftware {
		generated = generated || sw.HasOrigin && sw.Origin == androidkey.OriginGenerated
		sign = sign || sw.HasPurpose(androidkey.PurposeSign)
	}
	if !generated {
		return fail(f, "§8.4 step 5", ErrCertificate, ErrAndroidKeyOrigin)
	}
	if !sign {
		return fail(f, "§8.4 step 5", ErrCertificate, ErrAndroidKeyPurpose)
	}
	return nil
}
