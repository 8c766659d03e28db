package mds

import (
	"crypto/x509"
	"encoding/json"
	"math/big"
	"strings"

	"github.com/passkeykit/webauthn/internal/jsonx"
	"github.com/passkeykit/webauthn/trust"
)

// Limits on the Android attestation status list.
const (
	// MaxStatusListSize bounds the JSON file: Google's list is tens of
	// kilobytes; 16 MiB bounds memory while leaving room for growth.
	MaxStatusListSize = 16 << 20
	// MaxSerialBytes bounds a listed serial number: RFC 5280 §4.1.2.2 allows
	// 20 octets; 32 tolerates non-conforming issuers and keeps the lookup
	// buffer on the stack.
	MaxSerialBytes = 32
)

// AndroidStatus is the status of a listed Android attestation certificate.
type AndroidStatus uint8

// Statuses of Google's attestation status list. REVOKED is permanent,
// SUSPENDED temporary; both reject.
const (
	AndroidRevoked AndroidStatus = iota + 1
	AndroidSuspended
)

// AndroidEntry is one listed certificate.
type AndroidEntry struct {
	Status AndroidStatus
	// Reason is as written: UNSPECIFIED, KEY_COMPROMISE, CA_COMPROMISE,
	// SUPERSEDED or SOFTWARE_FLAW.
	Reason  string
	Comment string
}

// RevocationList is Google's Android attestation status list
// (https://android.googleapis.com/attestation/status), keyed by certificate
// serial number. It is immutable and safe for concurrent use; a nil list
// lists nothing.
type RevocationList struct {
	bySerial map[string]AndroidEntry // minimal big-endian serial bytes
}

// Len returns the number of listed serials.
func (rl *RevocationList) Len() int {
	if rl == nil {
		return 0
	}
	return len(rl.bySerial)
}

// LoadAndroidRevocations parses the status list: a JSON object whose
// "entries" member maps each serial number, as hexadecimal digits (Google
// writes them lowercase without leading zeros, e.g. BigInteger.toString(16);
// upper case and leading zeros are accepted and normalised), to an object
// with "status" ("REVOKED" or "SUSPENDED"), "reason" and optional members,
// which are ignored. It rejects, with an *Error of kind ErrStatusList, input
// over MaxStatusListSize, JSON that is not strict (jsonx grammar, duplicate
// names), a missing entries object, a key that is empty, not hex, names zero
// or is longer than MaxSerialBytes, two keys naming the same serial, and an
// unknown status.
func LoadAndroidRevocations(data []byte) (*RevocationList, error) {
	if len(data) > MaxStatusListSize {
		return nil, fail(ErrTooLarge, "", nil)
	}
	if !jsonx.Valid(data) {
		return nil, fail(ErrStatusList, "", errNotJSON)
	}
	var doc struct {
		Entries map[string]struct {
			Status  string `json:"status"`
			Reason  string `json:"reason"`
			Comment string `json:"comment"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fail(ErrStatusList, "", err)
	}
	if doc.Entries == nil {
		return nil, fail(ErrStatusList, "entries", nil)
	}
	rl := &RevocationList{bySerial: make(map[string]AndroidEntry, len(doc.Entries))}
	for k, v := range doc.Entries {
		serial, ok := parseSerialHex(k)
		if !ok {
			return nil, fail(ErrStatusList, "entries."+k, nil)
		}
		var st AndroidStatus
		switch v.Status {
		case "REVOKED":
			st = AndroidRevoked
		case "SUSPENDED":
			st = AndroidSuspended
		default:
			return nil, fail(ErrStatusList, "entries."+k+".status", nil)
		}
		if _, dup := rl.bySerial[serial]; dup {
			return nil, fail(ErrStatusList, "entries."+k, errDuplicate)
		}
		rl.bySerial[serial] = AndroidEntry{Status: st, Reason: v.Reason, Comment: v.Comment}
	}
	return rl, nil
}

// parseSerialHex returns the minimal big-endian bytes of a hex serial.
func parseSerialHex(s string) (string, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789abcdefABCDEF") != "" {
		return "", false
	}
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() <= 0 || len(n.Bytes()) > MaxSerialBytes {
		return "", false
	}
	return string(n.Bytes()), true
}

// Lookup returns the list entry for a certificate serial number. It does
// not allocate.
func (rl *RevocationList) Lookup(serial *big.Int) (AndroidEntry, bool) {
	if rl == nil || serial == nil || serial.Sign() <= 0 {
		return AndroidEntry{}, false
	}
	n := (serial.BitLen() + 7) / 8
	if n > MaxSerialBytes {
		return AndroidEntry{}, false
	}
	var buf [MaxSerialBytes]byte
	serial.FillBytes(buf[:n])
	e, ok := rl.bySerial[string(buf[:n])]
	return e, ok
}

// CheckChain rejects a chain (any order) holding a listed certificate:
// ErrAndroidRevoked or ErrAndroidSuspended. Google's list is keyed by serial
// alone, as its own verifier does. It does not allocate; a nil list accepts
// every chain.
func (rl *RevocationList) CheckChain(chain []*x509.Certificate) error {
	for _, c := range chain {
		if c == nil {
			continue
		}
		if e, ok := rl.Lookup(c.SerialNumber); ok {
			if e.Status == AndroidSuspended {
				return ErrAndroidSuspended
			}
			return ErrAndroidRevoked
		}
	}
	return nil
}

// CheckAndroidChain is the ceremony hook: after an attestation verified, call
// it with the statement format and the trust path (attestation.Result.Format
// and TrustPath). It checks the chain with CheckChain for the android-key
// format and accepts every other format.
func (rl *RevocationList) CheckAndroidChain(format string, chain []*x509.Certificate) error {
	if format != trust.FormatAndroidKey {
		return nil
	}
	return rl.CheckChain(chain)
}
