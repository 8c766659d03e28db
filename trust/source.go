package trust

import "errors"

// Attestation statement format identifiers (WebAuthn L3 §8), as registered in
// the IANA "WebAuthn Attestation Statement Format Identifiers" registry. They
// are strings so that this package does not import the attestation package.
const (
	FormatPacked           = "packed"
	FormatTPM              = "tpm"
	FormatAndroidKey       = "android-key"
	FormatAndroidSafetyNet = "android-safetynet"
	FormatFIDOU2F          = "fido-u2f"
	FormatApple            = "apple"
	FormatCompound         = "compound"
)

// ErrRejected marks a Source error that rejects the authenticator itself (a
// metadata status such as REVOKED, an authenticator a policy requires to be
// listed, a certification level below the policy's) rather than a failure of
// the source. Wrap it (errors.Join(ErrRejected, cause)) so that callers treat
// the attestation as untrusted, not the source as broken.
var ErrRejected = errors.New("trust: the anchor source rejects this authenticator")

// Query says which authenticator the anchors are wanted for.
type Query struct {
	// Format is the attestation statement format identifier (FormatPacked, ...).
	Format string
	// AAGUID is the authenticator's AAGUID from the attested credential data;
	// all zero for U2F authenticators.
	AAGUID [16]byte
	// KeyID is the SHA-1 of the attestation leaf's subjectPublicKey (the
	// attestationCertificateKeyIdentifiers of FIDO MDS), used for U2F lookups.
	// It may be nil.
	KeyID []byte
}

// Source supplies trust anchors for an attestation. A relying party
// implements it directly or uses [Static]; a FIDO Metadata Service package
// implements it from the MDS BLOB. Anchors returns a nil or empty pool, and a
// nil error, when it has no anchors for q; an error means the source itself
// failed (for example a metadata BLOB that could not be loaded) and the caller
// must not treat the attestation as merely untrusted.
type Source interface {
	Anchors(q *Query) (*Pool, error)
}

// Static is a [Source] backed by maps, configured before first use and not
// modified afterwards. The most specific match wins: ByAAGUID for a non-zero
// AAGUID, then ByKeyID for a non-empty KeyID, then ByFormat. The zero value,
// and a nil *Static, supply no anchors.
type Static struct {
	ByFormat map[string]*Pool
	ByAAGUID map[[16]byte]*Pool
	// ByKeyID is keyed by string(KeyID) (the raw 20 SHA-1 bytes, not hex).
	ByKeyID map[string]*Pool
}

// Anchors implements [Source]. It never returns an error.
func (s *Static) Anchors(q *Query) (*Pool, error) {
	if s == nil || q == nil {
		return nil, nil
	}
	if q.AAGUID != ([16]byte{}) {
		if p, ok := s.ByAAGUID[q.AAGUID]; ok {
			return p, nil
		}
	}
	if len(q.KeyID) != 0 {
		if p, ok := s.ByKeyID[string(q.KeyID)]; ok {
			return p, nil
		}
	}
	return s.ByFormat[q.Format], nil
}
