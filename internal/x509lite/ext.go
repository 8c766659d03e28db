package x509lite

import (
	"bytes"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Extension OIDs (contents of the OBJECT IDENTIFIER).
var (
	oidSKI         = []byte{0x55, 0x1d, 0x0e} // 2.5.29.14
	oidKeyUsage    = []byte{0x55, 0x1d, 0x0f} // 2.5.29.15
	oidSAN         = []byte{0x55, 0x1d, 0x11} // 2.5.29.17
	oidBasic       = []byte{0x55, 0x1d, 0x13} // 2.5.29.19
	oidNameConstr  = []byte{0x55, 0x1d, 0x1e} // 2.5.29.30
	oidCRLDP       = []byte{0x55, 0x1d, 0x1f} // 2.5.29.31
	oidPolicies    = []byte{0x55, 0x1d, 0x20} // 2.5.29.32
	oidAKI         = []byte{0x55, 0x1d, 0x23} // 2.5.29.35
	oidEKU         = []byte{0x55, 0x1d, 0x25} // 2.5.29.37
	oidAIA         = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01}
	oidFIDOAAGUID  = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x04} // 1.3.6.1.4.1.45724.1.1.4
	oidAppleNonce  = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x08, 0x02}             // 1.2.840.113635.100.8.2
	oidAndroidDesc = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x01, 0x11}       // 1.3.6.1.4.1.11129.2.1.17
	arcCertExt     = []byte{0x55, 0x1d}                                                       // 2.5.29
)

// parseExtensions reads the Extensions SEQUENCE content (RFC 5280 §4.2).
func parseExtensions(exts cryptobyte.String, c *Certificate) error {
	var seen [MaxExtensions][]byte
	n := 0
	for !exts.Empty() {
		var ext, oid, val cryptobyte.String
		critical := false
		if !exts.ReadASN1(&ext, asn1.SEQUENCE) || !readOID(&ext, &oid) {
			return ErrMalformed
		}
		if ext.PeekASN1Tag(asn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical) {
			return ErrMalformed
		}
		if !ext.ReadASN1(&val, asn1.OCTET_STRING) || !ext.Empty() {
			return ErrMalformed
		}
		if n == MaxExtensions {
			return ErrTooLarge
		}
		for _, s := range seen[:n] {
			if bytes.Equal(s, oid) {
				return ErrMalformed
			}
		}
		seen[n] = oid
		n++
		if err := extension(oid, critical, val, c); err != nil {
			return err
		}
	}
	return nil
}

// extension reads one extension value. Extensions crypto/x509 parses are
// validated at least as strictly as it does; other non-critical ones are
// skipped; other critical ones are refused.
func extension(oid []byte, critical bool, v cryptobyte.String, c *Certificate) error {
	switch {
	case bytes.Equal(oid, oidKeyUsage):
		var b cryptobyte.String
		if !v.ReadASN1(&b, asn1.BIT_STRING) || !v.Empty() || !validBitString(b) {
			return ErrMalformed
		}
		c.KeyUsage, c.HasKeyUsage = keyUsage(b), true
	case bytes.Equal(oid, oidBasic):
		var seq cryptobyte.String
		if !v.ReadASN1(&seq, asn1.SEQUENCE) || !v.Empty() {
			return ErrMalformed
		}
		isCA := false
		if seq.PeekASN1Tag(asn1.BOOLEAN) && !seq.ReadASN1Boolean(&isCA) {
			return ErrMalformed
		}
		pathLen := -1
		if seq.PeekASN1Tag(asn1.INTEGER) && !readSmallUint(&seq, asn1.INTEGER, &pathLen) {
			return ErrMalformed
		}
		if !seq.Empty() {
			return ErrMalformed
		}
		c.BasicConstraintsValid, c.IsCA, c.MaxPathLen, c.MaxPathLenZero = true, isCA, pathLen, pathLen == 0
	case bytes.Equal(oid, oidSAN):
		if !validSAN(v) {
			return ErrMalformed
		}
		c.SubjectAltName, c.SubjectAltNameCritical = v, critical
	case bytes.Equal(oid, oidEKU):
		var seq, p cryptobyte.String
		if c.ExtKeyUsage = v; !v.ReadASN1(&seq, asn1.SEQUENCE) || !v.Empty() {
			return ErrMalformed
		}
		for !seq.Empty() {
			if !readOID(&seq, &p) {
				return ErrMalformed
			}
		}
	case bytes.Equal(oid, oidSKI):
		var id cryptobyte.String
		if critical || !v.ReadASN1(&id, asn1.OCTET_STRING) || !v.Empty() {
			return ErrMalformed
		}
		c.SubjectKeyID = id
	case bytes.Equal(oid, oidAKI):
		var seq, id cryptobyte.String
		if critical || !v.ReadASN1(&seq, asn1.SEQUENCE) || !v.Empty() {
			return ErrMalformed
		}
		if seq.PeekASN1Tag(asn1.Tag(0).ContextSpecific()) {
			if !seq.ReadASN1(&id, asn1.Tag(0).ContextSpecific()) {
				return ErrMalformed
			}
			c.AuthorityKeyID = id
		}
	case bytes.Equal(oid, oidNameConstr):
		return ErrNameConstraints
	case bytes.Equal(oid, oidCRLDP):
		if critical || !validCRLDP(v) {
			return ErrMalformed
		}
	case bytes.Equal(oid, oidPolicies):
		// TPM AIK certificates mark it critical (TCG EK/AIK profile); crypto/x509 allows that.
		if !validPolicies(v) {
			return ErrMalformed
		}
	case bytes.Equal(oid, oidAIA):
		if critical || !validAIA(v) {
			return ErrMalformed
		}
	case bytes.Equal(oid, oidFIDOAAGUID):
		c.FIDOAAGUID, c.FIDOAAGUIDCritical = v, critical
	case bytes.Equal(oid, oidAppleNonce):
		c.AppleNonce, c.AppleNonceCritical = v, critical
	case bytes.Equal(oid, oidAndroidDesc):
		c.AndroidKeyDescription, c.AndroidKeyDescriptionCritical = v, critical
	case len(oid) == 3 && bytes.Equal(oid[:2], arcCertExt) && (oid[2] == 33 || oid[2] == 36 || oid[2] == 54):
		// policyMappings, policyConstraints, inhibitAnyPolicy: parsed by
		// crypto/x509, used by no attestation format; refused.
		return ErrUnsupported
	default:
		if critical {
			return ErrCriticalExtension
		}
	}
	return nil
}

// validBitString reports whether b is a DER BIT STRING content: an
// unused-bits count 0-7, zero when empty, and zero padding bits.
func validBitString(b []byte) bool {
	if len(b) == 0 || b[0] > 7 || len(b) == 1 && b[0] != 0 {
		return false
	}
	return b[len(b)-1]&(1<<b[0]-1) == 0
}

// keyUsage reads bits 0-8 of a keyUsage BIT STRING content (RFC 5280 §4.2.1.3).
func keyUsage(b []byte) KeyUsage {
	var u KeyUsage
	bits := (len(b)-1)*8 - int(b[0])
	for i := 0; i < 9 && i < bits; i++ {
		if b[1+i/8]&(0x80>>(i%8)) != 0 {
			u |= 1 << i
		}
	}
	return u
}

// validSAN checks GeneralNames (RFC 5280 §4.2.1.6) as crypto/x509 does:
// rfc822Name and dNSName ASCII, iPAddress 4 or 16 bytes; a
// uniformResourceIdentifier is refused (crypto/x509 runs url.Parse on it).
func validSAN(v cryptobyte.String) bool {
	if len(v) == 0 {
		return false
	}
	names := SANNames(v)
	var tag asn1.Tag
	var gn []byte
	for names.Next(&tag, &gn) {
		switch tag {
		case asn1.Tag(1).ContextSpecific(), asn1.Tag(2).ContextSpecific():
			if !ascii(gn) {
				return false
			}
		case asn1.Tag(6).ContextSpecific():
			return false
		case asn1.Tag(7).ContextSpecific():
			if len(gn) != 4 && len(gn) != 16 {
				return false
			}
		}
	}
	return !names.Malformed()
}

// SANHasStdNames reports whether san, a SubjectAltName extension value
// (Certificate.SubjectAltName), holds at least one rfc822Name, dNSName,
// uniformResourceIdentifier or iPAddress (RFC 5280 §4.2.1.6). crypto/x509
// reads only those four kinds; when a critical subjectAltName holds none of
// them it lists the extension in UnhandledCriticalExtensions, so a caller
// reproducing crypto/x509's verification treats a critical SAN for which this
// is false as an unhandled critical extension (a TPM AIK certificate's SAN
// holds only a directoryName, W3C WebAuthn Level 3 §8.3.1). Malformed input
// holds none.
func SANHasStdNames(san []byte) bool {
	found := false
	names := SANNames(san)
	var tag asn1.Tag
	var gn []byte
	for names.Next(&tag, &gn) {
		switch tag {
		case asn1.Tag(1).ContextSpecific(), asn1.Tag(2).ContextSpecific(),
			asn1.Tag(6).ContextSpecific(), asn1.Tag(7).ContextSpecific():
			found = true
		}
	}
	return found && !names.Malformed()
}

// OIDTCGKPAIKCertificate is tcg-kp-AIKCertificate (2.23.133.8.3), the
// KeyPurposeId a TPM attestation certificate's extended key usage must hold
// (W3C WebAuthn Level 3 §8.3.1), as OBJECT IDENTIFIER content.
var OIDTCGKPAIKCertificate = []byte{0x67, 0x81, 0x05, 0x08, 0x03}

// HasExtKeyUsage reports whether the certificate's extended key usage
// extension (RFC 5280 §4.2.1.12) holds the KeyPurposeId oid (OBJECT
// IDENTIFIER content, e.g. OIDTCGKPAIKCertificate). False when the extension
// is absent. It does not allocate.
func (c *Certificate) HasExtKeyUsage(oid []byte) bool {
	v := cryptobyte.String(c.ExtKeyUsage)
	var seq, p cryptobyte.String
	if !v.ReadASN1(&seq, asn1.SEQUENCE) || !v.Empty() {
		return false
	}
	for !seq.Empty() {
		if !readOID(&seq, &p) {
			return false
		}
		if bytes.Equal(p, oid) {
			return true
		}
	}
	return false
}

// validCRLDP checks cRLDistributionPoints as crypto/x509 reads it.
func validCRLDP(v cryptobyte.String) bool {
	var seq cryptobyte.String
	if !v.ReadASN1(&seq, asn1.SEQUENCE) || !v.Empty() {
		return false
	}
	for !seq.Empty() {
		var dp, name cryptobyte.String
		var present bool
		if !seq.ReadASN1(&dp, asn1.SEQUENCE) ||
			!dp.ReadOptionalASN1(&name, &present, asn1.Tag(0).Constructed().ContextSpecific()) {
			return false
		}
		if !present {
			continue
		}
		if !name.ReadASN1(&name, asn1.Tag(0).Constructed().ContextSpecific()) {
			return false
		}
		for !name.Empty() && name.PeekASN1Tag(asn1.Tag(6).ContextSpecific()) {
			var uri cryptobyte.String
			if !name.ReadASN1(&uri, asn1.Tag(6).ContextSpecific()) {
				return false
			}
		}
	}
	return true
}

// validPolicies checks certificatePolicies as crypto/x509 reads it: policy
// OIDs valid and distinct.
func validPolicies(v cryptobyte.String) bool {
	var seq cryptobyte.String
	if !v.ReadASN1(&seq, asn1.SEQUENCE) || !v.Empty() {
		return false
	}
	var seen [MaxPolicies][]byte
	n := 0
	for !seq.Empty() {
		var pi, oid cryptobyte.String
		if n == MaxPolicies || !seq.ReadASN1(&pi, asn1.SEQUENCE) || !readOID(&pi, &oid) {
			return false
		}
		for _, s := range seen[:n] {
			if bytes.Equal(s, oid) {
				return false
			}
		}
		seen[n] = oid
		n++
	}
	return true
}

// validAIA checks authorityInfoAccess as crypto/x509 reads it.
func validAIA(v cryptobyte.String) bool {
	var seq cryptobyte.String
	if !v.ReadASN1(&seq, asn1.SEQUENCE) || !v.Empty() {
		return false
	}
	for !seq.Empty() {
		var ad, method, loc cryptobyte.String
		if !seq.ReadASN1(&ad, asn1.SEQUENCE) || !readOID(&ad, &method) {
			return false
		}
		if ad.PeekASN1Tag(asn1.Tag(6).ContextSpecific()) && !ad.ReadASN1(&loc, asn1.Tag(6).ContextSpecific()) {
			return false
		}
	}
	return true
}
