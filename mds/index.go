package mds

import (
	"errors"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/trust"
)

// Policy is the relying party's use of the metadata beyond trust anchors. The
// zero value is safe: unknown authenticators get no anchors (their chains are
// not judged, attestation.Result.Judged is false, and the ceremony's own
// policy decides), every rejecting status applies, and no certification
// level is required.
type Policy struct {
	// RequireKnown rejects an authenticator the BLOB does not list with
	// ErrUnknownAuthenticator, from Check and from the Source wrapper (the
	// attestation layer turns a Source error into an attestation failure,
	// which the ceremony reports as CredentialNotSupported).
	RequireKnown bool
	// MinCertification, when not StatusNone, requires the current
	// certification status to be this level or higher (see Status.Level);
	// FIDO_CERTIFIED counts as FIDO_CERTIFIED_L1.
	MinCertification Status
}

// Lookup returns the entry for q: by AAGUID when it is non-zero, else by KeyID
// (the SHA-1 of the attestation leaf's subjectPublicKey, U2F); nil when the
// BLOB lists neither. It does not allocate.
func (idx *Index) Lookup(q *trust.Query) *Entry {
	if idx == nil || q == nil {
		return nil
	}
	return idx.lookup(q.AAGUID, q.KeyID)
}

func (idx *Index) lookup(aaguid authdata.AAGUID, keyID []byte) *Entry {
	if !aaguid.IsZero() {
		if e := idx.byAAGUID[aaguid]; e != nil {
			return e
		}
	}
	if len(keyID) != 0 {
		return idx.byKeyID[string(keyID)]
	}
	return nil
}

// ByAAGUID returns the entry listing aaguid, or nil.
func (idx *Index) ByAAGUID(aaguid authdata.AAGUID) *Entry {
	if idx == nil {
		return nil
	}
	return idx.byAAGUID[aaguid]
}

// Anchors implements trust.Source with no policy and no status: the entry's
// attestationRootCertificates as anchors (they may be intermediates, and are
// anchors as given), or a nil pool and nil error for an authenticator the
// BLOB does not list. It never returns an error and does not allocate. Use
// Source to apply the Policy, and Check after verification.
func (idx *Index) Anchors(q *trust.Query) (*trust.Pool, error) {
	if e := idx.Lookup(q); e != nil {
		return e.Roots, nil
	}
	return nil, nil
}

// Source returns a trust.Source that applies the index's Policy at time at:
// Anchors fails with ErrUnknownAuthenticator under RequireKnown, with the
// status errors of Check for a listed authenticator whose current status
// rejects it, and otherwise returns the entry's anchors as Index.Anchors does.
// It cannot check the attestation type, which the anchors are needed to
// establish: call Check after verification.
func (idx *Index) Source(at time.Time) trust.Source {
	return &policySource{idx: idx, at: at}
}

type policySource struct {
	idx *Index
	at  time.Time
}

func (s *policySource) Anchors(q *trust.Query) (*trust.Pool, error) {
	if s.idx == nil {
		return nil, ErrNilIndex
	}
	var aaguid authdata.AAGUID
	var keyID []byte
	if q != nil {
		aaguid, keyID = q.AAGUID, q.KeyID
	}
	e, err := s.idx.judge(aaguid, keyID, s.at)
	if err != nil {
		// A status or policy rejection, not a failure of the index.
		return nil, errors.Join(trust.ErrRejected, err)
	}
	if e == nil {
		return nil, nil
	}
	return e.Roots, nil
}

// Check is the registration-time metadata check (WebAuthn L3 §7.1 steps 23-24,
// MDS3 §3.1.3-3.1.4), to call after the attestation statement verified. The
// authenticator is looked up by aaguid when non-zero, else by keyID (see
// Lookup). Check returns:
//   - ErrUnknownAuthenticator when it is not listed and Policy.RequireKnown
//     is set (otherwise nil: there is nothing to check);
//   - for the report current at at (see StatusReport; a report effective
//     after at does not apply yet, and the latest applicable one wins):
//     ErrRevoked for REVOKED, ErrCompromised for ATTESTATION_KEY_COMPROMISE,
//     USER_KEY_REMOTE_COMPROMISE and USER_KEY_PHYSICAL_COMPROMISE,
//     ErrUVBypass for USER_VERIFICATION_BYPASS. An ATTESTATION_KEY_COMPROMISE
//     report naming a batch certificate is applied to the whole model: Check
//     does not see the chain;
//   - ErrNotCertified when Policy.MinCertification is set and the latest
//     applicable certification status (FIDO_CERTIFIED*, NOT_FIDO_CERTIFIED,
//     SELF_ASSERTION_SUBMITTED) is below it or absent;
//   - ErrAttestationType when attestationType is not among the statement's
//     attestationTypes (or there is no statement). attestationType is the MDS
//     spelling ("basic_full", "basic_surrogate", "attca", "anonca", "none")
//     or the attestation package's ("basic", "self", "attca", "anonca",
//     "none"), which maps basic to basic_full and self to basic_surrogate.
//
// Check does not allocate.
func (idx *Index) Check(aaguid authdata.AAGUID, keyID []byte, at time.Time, attestationType string) error {
	if idx == nil {
		return ErrNilIndex
	}
	e, err := idx.judge(aaguid, keyID, at)
	if err != nil || e == nil {
		return err
	}
	switch attestationType {
	case "basic":
		attestationType = "basic_full"
	case "self":
		attestationType = "basic_surrogate"
	}
	if e.Statement != nil {
		for _, t := range e.Statement.AttestationTypes {
			if t == attestationType {
				return nil
			}
		}
	}
	return ErrAttestationType
}

// judge looks the authenticator up (see Lookup) and applies the policy at
// at: an identifier of a skipped entry is ErrMalformedEntry; the entry found
// must pass checkEntry; and when the key identifier names another entry than
// the AAGUID's, that entry's status must not reject either (an attestation
// key reported compromised under its U2F entry stays compromised when the
// same key attests a listed AAGUID).
func (idx *Index) judge(aaguid authdata.AAGUID, keyID []byte, at time.Time) (*Entry, error) {
	if _, bad := idx.badAAGUID[aaguid]; bad && !aaguid.IsZero() {
		return nil, ErrMalformedEntry
	}
	if _, bad := idx.badKeyID[string(keyID)]; bad && len(keyID) != 0 {
		return nil, ErrMalformedEntry
	}
	e := idx.lookup(aaguid, keyID)
	if err := idx.checkEntry(e, at); err != nil {
		return nil, err
	}
	if len(keyID) != 0 {
		if k := idx.byKeyID[string(keyID)]; k != nil && k != e {
			if err := rejectingStatus(k, at); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

func (idx *Index) checkEntry(e *Entry, at time.Time) error {
	if e == nil {
		if idx.policy.RequireKnown {
			return ErrUnknownAuthenticator
		}
		return nil
	}
	if err := rejectingStatus(e, at); err != nil {
		return err
	}
	if min := idx.policy.MinCertification; min != StatusNone {
		r := currentStatus(e.StatusReports, at, isCertification)
		if r == nil || r.Status.Level() < min.Level() {
			return ErrNotCertified
		}
	}
	return nil
}

// StatusAt returns the status report current at at (see Check), or nil.
func (e *Entry) StatusAt(at time.Time) *StatusReport {
	return currentStatus(e.StatusReports, at, nil)
}

// CertificationAt returns the latest certification status applicable at at,
// or StatusNone.
func (e *Entry) CertificationAt(at time.Time) Status {
	if r := currentStatus(e.StatusReports, at, isCertification); r != nil {
		return r.Status
	}
	return StatusNone
}

// Describe returns the statement description and the status current at the
// index's load time for aaguid; ok is false when the BLOB does not list it.
func (idx *Index) Describe(aaguid authdata.AAGUID) (name, status string, ok bool) {
	e := idx.ByAAGUID(aaguid)
	if e == nil {
		return "", "", false
	}
	if e.Statement != nil {
		name = e.Statement.Description
	}
	if r := e.StatusAt(idx.LoadedAt); r != nil {
		status = r.Name
	}
	return name, status, true
}

// rejectingStatus returns the rejection e's reports make at at (reports
// effective by then, or undated): ErrRevoked when any applicable report is
// REVOKED, else ErrCompromised when any is ATTESTATION_KEY_COMPROMISE,
// USER_KEY_REMOTE_COMPROMISE or USER_KEY_PHYSICAL_COMPROMISE: these stick,
// since no later report (UPDATE_AVAILABLE, a new certification, a status
// this package does not know) makes the keys and units already in the field
// trustworthy again. USER_VERIFICATION_BYPASS (ErrUVBypass) rejects while
// it is the current status (MDS3 §3.1.3: the latest report reflects it),
// where a status this package does not know is skipped, neither lifting
// nor causing a rejection: a later UPDATE_AVAILABLE or certification lifts
// it, an unknown status does not.
func rejectingStatus(e *Entry, at time.Time) error {
	var worst error
	for i := range e.StatusReports {
		r := &e.StatusReports[i]
		if !r.EffectiveDate.IsZero() && r.EffectiveDate.After(at) {
			continue
		}
		switch r.Status {
		case StatusRevoked:
			return ErrRevoked
		case StatusAttestationKeyCompromise, StatusUserKeyRemoteCompromise, StatusUserKeyPhysicalCompromise:
			worst = ErrCompromised
		}
	}
	if worst != nil {
		return worst
	}
	if r := currentStatus(e.StatusReports, at, isKnown); r != nil && r.Status == StatusUserVerificationBypass {
		return ErrUVBypass
	}
	return nil
}

func isKnown(s Status) bool { return s != StatusOther }
