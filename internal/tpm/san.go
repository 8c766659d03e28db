package tpm

import (
	"bytes"
	"errors"
	"unicode/utf8"
)

// Errors returned by ParseSubjectAltName.
var (
	ErrSANMalformed        = errors.New("tpm: malformed subjectAltName")
	ErrSANMissingAttribute = errors.New("tpm: subjectAltName lacks a TPM device attribute")
	ErrSANDuplicate        = errors.New("tpm: subjectAltName repeats a TPM device attribute")
)

// DER contents of the TCG attribute OIDs (TCG EK Credential Profile §3.2.9,
// TCG Infrastructure WG OIDs): tcpaTpmManufacturer 2.23.133.2.1,
// tcpaTpmModel 2.23.133.2.2, tcpaTpmVersion 2.23.133.2.3.
var (
	oidTPMManufacturer = []byte{0x67, 0x81, 0x05, 0x02, 0x01}
	oidTPMModel        = []byte{0x67, 0x81, 0x05, 0x02, 0x02}
	oidTPMVersion      = []byte{0x67, 0x81, 0x05, 0x02, 0x03}
)

// DeviceAttributes are the TPM device attributes of an AIK certificate's
// subjectAltName directoryName. Each is a view of the string value's contents,
// e.g. Manufacturer "id:4D534654".
type DeviceAttributes struct {
	Manufacturer []byte // tcpaTpmManufacturer
	Model        []byte // tcpaTpmModel
	Version      []byte // tcpaTpmVersion
}

// ParseSubjectAltName parses b, the extnValue contents of an AIK
// certificate's subjectAltName extension (RFC 5280 §4.2.1.6; WebAuthn §8.3.1
// "TPM Attestation Statement Certificate Requirements"), and extracts the TPM
// device attributes from its directoryName.
//
// The directoryName's RDNSequence may hold the three attributes in one
// multi-valued RDN (one SET) or in one RDN each; other attributes and other
// GeneralNames are skipped after their DER framing is checked. Values must be
// a UTF8String (valid UTF-8) or a PrintableString.
//
// It rejects malformed DER (indefinite or non-minimal lengths, high tag
// numbers), an empty GeneralNames, a missing attribute, an attribute given
// twice, a value of another string type and trailing data after the
// GeneralNames. On error *out is zeroed. The fields of out alias b.
func ParseSubjectAltName(b []byte, out *DeviceAttributes) error {
	*out = DeviceAttributes{}
	err := parseSAN(b, out)
	if err != nil {
		*out = DeviceAttributes{}
	}
	return err
}

func parseSAN(b []byte, out *DeviceAttributes) error {
	in := der(b)
	var names []byte
	if !in.read(tagSequence, &names) || !in.empty() || len(names) == 0 {
		return ErrSANMalformed
	}
	gn := der(names)
	for !gn.empty() {
		var tag byte
		var v []byte
		if !gn.element(&tag, &v) {
			return ErrSANMalformed
		}
		if tag != tagDirectoryName {
			continue
		}
		// directoryName is [4] EXPLICIT Name; Name is CHOICE { rdnSequence }.
		outer := der(v)
		var rdns []byte
		if !outer.read(tagSequence, &rdns) || !outer.empty() {
			return ErrSANMalformed
		}
		if err := parseRDNs(rdns, out); err != nil {
			return err
		}
	}
	if out.Manufacturer == nil || out.Model == nil || out.Version == nil {
		return ErrSANMissingAttribute
	}
	return nil
}

func parseRDNs(rdns []byte, out *DeviceAttributes) error {
	s := der(rdns)
	for !s.empty() {
		var set []byte
		if !s.read(tagSet, &set) || len(set) == 0 {
			return ErrSANMalformed
		}
		atvs := der(set)
		for !atvs.empty() {
			var atv, oid, val []byte
			var vtag byte
			if !atvs.read(tagSequence, &atv) {
				return ErrSANMalformed
			}
			a := der(atv)
			if !a.read(tagOID, &oid) || !a.element(&vtag, &val) || !a.empty() {
				return ErrSANMalformed
			}
			var dst *[]byte
			switch {
			case bytes.Equal(oid, oidTPMManufacturer):
				dst = &out.Manufacturer
			case bytes.Equal(oid, oidTPMModel):
				dst = &out.Model
			case bytes.Equal(oid, oidTPMVersion):
				dst = &out.Version
			default:
				continue
			}
			if *dst != nil {
				return ErrSANDuplicate
			}
			if !validString(vtag, val) {
				return ErrSANMalformed
			}
			*dst = val
		}
	}
	return nil
}

// validString accepts a UTF8String holding valid UTF-8 or a PrintableString
// (X.680 §41.4).
func validString(tag byte, val []byte) bool {
	switch tag {
	case tagUTF8String:
		return utf8.Valid(val)
	case tagPrintableString:
		for _, c := range val {
			if !printable(c) {
				return false
			}
		}
		return true
	}
	return false
}

func printable(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case ' ', '\'', '(', ')', '+', ',', '-', '.', '/', ':', '=', '?':
		return true
	}
	return false
}
