package mds

import (
	"crypto/x509"
	"time"
)

// Status is an AuthenticatorStatus (MDS3 §3.1.4). The zero value, StatusNone,
// means "no applicable status report"; StatusOther is a status string this
// package does not know, kept so that a future value neither rejects nor
// certifies.
type Status uint8

// AuthenticatorStatus values (MDS3 §3.1.4).
const (
	StatusNone Status = iota
	StatusOther
	StatusNotFIDOCertified
	StatusFIDOCertified
	StatusUserVerificationBypass
	StatusAttestationKeyCompromise
	StatusUserKeyRemoteCompromise
	StatusUserKeyPhysicalCompromise
	StatusUpdateAvailable
	StatusRevoked
	StatusSelfAssertionSubmitted
	StatusFIDOCertifiedL1
	StatusFIDOCertifiedL1Plus
	StatusFIDOCertifiedL2
	StatusFIDOCertifiedL2Plus
	StatusFIDOCertifiedL3
	StatusFIDOCertifiedL3Plus
	numStatus
)

var statusNames = [numStatus]string{
	StatusNone:                      "",
	StatusOther:                     "OTHER",
	StatusNotFIDOCertified:          "NOT_FIDO_CERTIFIED",
	StatusFIDOCertified:             "FIDO_CERTIFIED",
	StatusUserVerificationBypass:    "USER_VERIFICATION_BYPASS",
	StatusAttestationKeyCompromise:  "ATTESTATION_KEY_COMPROMISE",
	StatusUserKeyRemoteCompromise:   "USER_KEY_REMOTE_COMPROMISE",
	StatusUserKeyPhysicalCompromise: "USER_KEY_PHYSICAL_COMPROMISE",
	StatusUpdateAvailable:           "UPDATE_AVAILABLE",
	StatusRevoked:                   "REVOKED",
	StatusSelfAssertionSubmitted:    "SELF_ASSERTION_SUBMITTED",
	StatusFIDOCertifiedL1:           "FIDO_CERTIFIED_L1",
	StatusFIDOCertifiedL1Plus:       "FIDO_CERTIFIED_L1plus",
	StatusFIDOCertifiedL2:           "FIDO_CERTIFIED_L2",
	StatusFIDOCertifiedL2Plus:       "FIDO_CERTIFIED_L2plus",
	StatusFIDOCertifiedL3:           "FIDO_CERTIFIED_L3",
	StatusFIDOCertifiedL3Plus:       "FIDO_CERTIFIED_L3plus",
}

// String returns the MDS spelling ("FIDO_CERTIFIED_L1plus", ...), "OTHER"
// for StatusOther and "" for StatusNone.
func (s Status) String() string {
	if s < numStatus {
		return statusNames[s]
	}
	return "OTHER"
}

// parseStatus maps the exact-case MDS spelling; anything else is StatusOther.
func parseStatus(s string) Status {
	for i := StatusNotFIDOCertified; i < numStatus; i++ {
		if statusNames[i] == s {
			return i
		}
	}
	return StatusOther
}

// Level returns the certification level a status states, ordered so that a
// higher level satisfies a lower requirement: 0 for NOT_FIDO_CERTIFIED and
// SELF_ASSERTION_SUBMITTED, 1 for FIDO_CERTIFIED (phased out in favour of, and
// equivalent to, FIDO_CERTIFIED_L1), 2 for L1plus, 3 for L2, 4 for L2plus,
// 5 for L3, 6 for L3plus; -1 for statuses that say nothing about
// certification.
func (s Status) Level() int {
	switch s {
	case StatusNotFIDOCertified, StatusSelfAssertionSubmitted:
		return 0
	case StatusFIDOCertified, StatusFIDOCertifiedL1:
		return 1
	case StatusFIDOCertifiedL1Plus:
		return 2
	case StatusFIDOCertifiedL2:
		return 3
	case StatusFIDOCertifiedL2Plus:
		return 4
	case StatusFIDOCertifiedL3:
		return 5
	case StatusFIDOCertifiedL3Plus:
		return 6
	}
	return -1
}

// StatusReport is one entry of statusReports (MDS3 §3.1.3). Members this
// package does not use (certificationDescriptor, certificateNumber, ...) are
// ignored.
type StatusReport struct {
	Status Status
	// Name is the status as spelled in the BLOB (useful for StatusOther).
	Name string
	// EffectiveDate is when the status became effective; zero when the
	// report has none ("effective while present").
	EffectiveDate time.Time
	// AuthenticatorVersion is the firmware version the report applies to
	// (0 when absent).
	AuthenticatorVersion uint32
	// Certificate is the parsed "certificate" member (for
	// ATTESTATION_KEY_COMPROMISE: the compromised batch certificate), or nil.
	Certificate *x509.Certificate
	URL         string
}

// currentStatus returns the report that is current at at (MDS3 §3.1.3: "the
// latest StatusReport entry MUST reflect the current status"; a report with
// an effectiveDate after at does not apply yet, one without a date is
// effective while present). Among the applicable reports whose status passes
// keep, the latest wins: reports are ordered by effectiveDate, an undated
// report taking the date of the applicable report before it in the array (the
// MDS appends new reports), and equal dates by array position. It returns
// nil when no report applies.
func currentStatus(reports []StatusReport, at time.Time, keep func(Status) bool) *StatusReport {
	var best *StatusReport
	var bestKey, prev time.Time
	for i := range reports {
		r := &reports[i]
		key := prev
		if !r.EffectiveDate.IsZero() {
			if r.EffectiveDate.After(at) {
				continue
			}
			key = r.EffectiveDate
		}
		prev = key
		if keep != nil && !keep(r.Status) {
			continue
		}
		if best == nil || !key.Before(bestKey) {
			best, bestKey = r, key
		}
	}
	return best
}

func isCertification(s Status) bool { return s.Level() >= 0 }
