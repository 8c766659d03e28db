package x509lite

import (
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Attribute type OIDs of a Name (contents of the OBJECT IDENTIFIER, RFC 5280
// §4.1.2.4, X.520): the attributes the attestation statement formats check
// in the attestation certificate subject (W3C WebAuthn Level 3 §8.2.1).
var (
	OIDCommonName         = []byte{0x55, 0x04, 0x03} // 2.5.4.3
	OIDCountry            = []byte{0x55, 0x04, 0x06} // 2.5.4.6
	OIDOrganization       = []byte{0x55, 0x04, 0x0a} // 2.5.4.10
	OIDOrganizationalUnit = []byte{0x55, 0x04, 0x0b} // 2.5.4.11
)

// Attributes iterates over the AttributeTypeAndValue entries of a Name
// without allocating. Make one with NameAttributes; the zero value is at its
// end.
type Attributes struct {
	rdns      cryptobyte.String // the RelativeDistinguishedName SETs not read yet
	set       cryptobyte.String // the rest of the current SET
	malformed bool
}

// NameAttributes returns an iterator over the attributes of rawName, a whole
// Name element (Certificate.RawSubject or RawIssuer: the SEQUENCE OF SET OF
// AttributeTypeAndValue, RFC 5280 §4.1.2.4). Bytes after the Name are
// malformed.
func NameAttributes(rawName []byte) Attributes {
	s := cryptobyte.String(rawName)
	var a Attributes
	if !s.ReadASN1(&a.rdns, asn1.SEQUENCE) || !s.Empty() {
		return Attributes{malformed: true}
	}
	return a
}

// Next reads the next attribute in encoding order (RDN by RDN, within an RDN
// SET in the order of its elements, the order crypto/x509 fills pkix.Name in):
// oid is the attribute type's OBJECT IDENTIFIER content, tag the ASN.1 tag of
// the value, value its content; all alias the name. It returns false at the
// end and on malformed input (see Malformed): a value must be a string type
// crypto/x509 accepts, valid for its type, as Parse requires, so StringEqual
// and StringEmpty decode it as crypto/x509 does. After false, Next keeps
// returning false.
func (a *Attributes) Next(oid *[]byte, tag *asn1.Tag, value *[]byte) bool {
	for a.set.Empty() {
		if a.rdns.Empty() {
			return false
		}
		if !a.rdns.ReadASN1(&a.set, asn1.SET) {
			return a.fail()
		}
	}
	var atav, o, v cryptobyte.String
	var t asn1.Tag
	if !a.set.ReadASN1(&atav, asn1.SEQUENCE) || !readOID(&atav, &o) ||
		!atav.ReadAnyASN1(&v, &t) || !atav.Empty() || !validString(t, v) {
		return a.fail()
	}
	*oid, *tag, *value = o, t, v
	return true
}

func (a *Attributes) fail() bool {
	*a = Attributes{malformed: true}
	return false
}

// Malformed reports whether the iteration stopped on malformed input rather
// than at the end of the name. Names of a parsed Certificate are never
// malformed; a caller reading one still treats Malformed as a failure.
func (a *Attributes) Malformed() bool { return a.malformed }

// StringEqual reports whether the string attribute value of the given tag
// and content decodes to exactly s, decoded as crypto/x509 fills pkix.Name:
// T61String as Latin-1, BMPString as UCS-2 (big-endian, one trailing NUL
// code point stripped), PrintableString, IA5String, NumericString and
// UTF8String as their bytes. A value crypto/x509 would refuse (an unknown
// tag, or bytes invalid for the type) equals no string. It does not allocate.
func StringEqual(tag asn1.Tag, value []byte, s string) bool {
	if !validString(tag, value) {
		return false
	}
	switch tag {
	case asn1.T61String:
		for _, c := range value {
			if c < utf8.RuneSelf {
				if len(s) < 1 || s[0] != c {
					return false
				}
				s = s[1:]
				continue
			}
			// U+0080-U+00FF: two UTF-8 bytes.
			if len(s) < 2 || s[0] != 0xc0|c>>6 || s[1] != 0x80|c&0x3f {
				return false
			}
			s = s[2:]
		}
		return s == ""
	case tagBMPString:
		value = trimBMPTerminator(value)
		var buf [utf8.UTFMax]byte
		for ; len(value) > 0; value = value[2:] {
			// validString refused the surrogates: every code unit is one rune.
			n := utf8.EncodeRune(buf[:], rune(value[0])<<8|rune(value[1]))
			if len(s) < n || s[:n] != string(buf[:n]) {
				return false
			}
			s = s[n:]
		}
		return s == ""
	}
	return string(value) == s
}

// StringEmpty reports whether the string attribute value decodes to "" (see
// StringEqual); a value crypto/x509 would refuse is not empty.
func StringEmpty(tag asn1.Tag, value []byte) bool {
	return StringEqual(tag, value, "")
}

// trimBMPTerminator strips one trailing NUL code point, as crypto/x509 does.
func trimBMPTerminator(v []byte) []byte {
	if l := len(v); l >= 2 && v[l-1] == 0 && v[l-2] == 0 {
		return v[:l-2]
	}
	return v
}
