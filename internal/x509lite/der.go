package x509lite

import (
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// validOID reports whether b is the content of an OBJECT IDENTIFIER that
// cryptobyte's ReadASN1ObjectIdentifier accepts (X.690 §8.19): non-empty,
// every arc minimally encoded in at most 5 bytes and below 2^31.
func validOID(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	arcs := 0
	for len(b) > 0 {
		v, i := 0, 0
		for {
			if i == 5 || i == len(b) || v >= 1<<(31-7) {
				return false
			}
			c := b[i]
			if i == 0 && c == 0x80 {
				return false
			}
			v = v<<7 | int(c&0x7f)
			i++
			if c&0x80 == 0 {
				break
			}
		}
		b = b[i:]
		arcs++
	}
	return arcs > 0
}

// readOID reads one OBJECT IDENTIFIER element and returns its content.
func readOID(s *cryptobyte.String, out *cryptobyte.String) bool {
	return s.ReadASN1(out, asn1.OBJECT_IDENTIFIER) && validOID(*out)
}

// readSmallUint reads a non-negative, minimally encoded INTEGER below 2^31.
func readSmallUint(s *cryptobyte.String, tag asn1.Tag, out *int) bool {
	var b cryptobyte.String
	if !s.ReadASN1(&b, tag) || !minimalInteger(b) || b[0]&0x80 != 0 {
		return false
	}
	if b[0] == 0 {
		b = b[1:]
	}
	if len(b) > 4 || len(b) == 4 && b[0]&0x80 != 0 {
		return false
	}
	v := 0
	for _, c := range b {
		v = v<<8 | int(c)
	}
	*out = v
	return true
}

// minimalInteger reports whether b is a DER INTEGER content (X.690 §8.3.2).
func minimalInteger(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if len(b) > 1 && (b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 != 0) {
		return false
	}
	return true
}

// readTime reads a UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime
// (YYYYMMDDHHMMSSZ), the only forms RFC 5280 §4.1.2.5.1-2 allows: no
// fractional seconds, no offsets, seconds present.
func readTime(s *cryptobyte.String, out *time.Time) bool {
	var b cryptobyte.String
	year := 0
	switch {
	case s.PeekASN1Tag(asn1.UTCTime):
		if !s.ReadASN1(&b, asn1.UTCTime) || len(b) != 13 {
			return false
		}
		yy, ok := digits(b[:2])
		if !ok {
			return false
		}
		year = 2000 + yy
		if yy >= 50 {
			year = 1900 + yy
		}
		b = b[2:]
	case s.PeekASN1Tag(asn1.GeneralizedTime):
		if !s.ReadASN1(&b, asn1.GeneralizedTime) || len(b) != 15 {
			return false
		}
		var ok bool
		if year, ok = digits(b[:4]); !ok {
			return false
		}
		b = b[4:]
	default:
		return false
	}
	mo, ok1 := digits(b[0:2])
	d, ok2 := digits(b[2:4])
	h, ok3 := digits(b[4:6])
	mi, ok4 := digits(b[6:8])
	sec, ok5 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || b[10] != 'Z' {
		return false
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, year) || h > 23 || mi > 59 || sec > 59 {
		return false
	}
	*out = time.Date(year, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	return true
}

func digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validName reports whether b (the content of a Name SEQUENCE) is an
// RDNSequence whose every attribute value is a string type crypto/x509
// accepts, valid for its type (RFC 5280 §4.1.2.4).
func validName(b cryptobyte.String) bool {
	for !b.Empty() {
		var set cryptobyte.String
		if !b.ReadASN1(&set, asn1.SET) {
			return false
		}
		for !set.Empty() {
			var atav, oid, v cryptobyte.String
			var tag asn1.Tag
			if !set.ReadASN1(&atav, asn1.SEQUENCE) || !readOID(&atav, &oid) ||
				!atav.ReadAnyASN1(&v, &tag) || !atav.Empty() || !validString(tag, v) {
				return false
			}
		}
	}
	return true
}

const (
	tagBMPString     = asn1.Tag(30)
	tagNumericString = asn1.Tag(18)
)

func validString(tag asn1.Tag, v []byte) bool {
	switch tag {
	case asn1.T61String:
		return true
	case asn1.PrintableString:
		for _, c := range v {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
				'\'' <= c && c <= ')' || '+' <= c && c <= '/' ||
				c == ' ' || c == ':' || c == '=' || c == '?' || c == '*' || c == '&') {
				return false
			}
		}
		return true
	case asn1.UTF8String:
		return utf8.Valid(v)
	case tagBMPString:
		if len(v)%2 != 0 {
			return false
		}
		if l := len(v); l >= 2 && v[l-1] == 0 && v[l-2] == 0 {
			v = v[:l-2]
		}
		for ; len(v) > 0; v = v[2:] {
			p := uint16(v[0])<<8 | uint16(v[1])
			if p == 0xfffe || p == 0xffff || p >= 0xfdd0 && p <= 0xfdef || p >= 0xd800 && p <= 0xdfff {
				return false
			}
		}
		return true
	case asn1.IA5String:
		return ascii(v)
	case tagNumericString:
		for _, c := range v {
			if !('0' <= c && c <= '9' || c == ' ') {
				return false
			}
		}
		return true
	}
	return false
}

// ascii reports whether every rune of b (read as UTF-8, as crypto/x509's
// isIA5String does) is ASCII. Invalid UTF-8 decodes to U+FFFD, not ASCII.
func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
