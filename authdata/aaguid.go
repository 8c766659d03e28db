package authdata

// AAGUID is the Authenticator Attestation GUID of the attested credential
// data (W3C WebAuthn L3 §6.5.2): 16 bytes naming the authenticator model, all
// zero when the authenticator does not identify itself (U2F, "none"
// attestation with anonymization).
type AAGUID [16]byte

// aaguidTextLen is the length of the RFC 9562 §4 string form: 32 hex digits
// and four hyphens, 8-4-4-4-12.
const aaguidTextLen = 36

const hexDigits = "0123456789abcdef"

// IsZero reports whether a is all zero: no AAGUID (§6.5.2).
func (a AAGUID) IsZero() bool { return a == AAGUID{} }

// String returns the canonical RFC 9562 §4 string form: lower-case hex digits
// grouped 8-4-4-4-12, such as "f8a011f3-8c0a-4d15-8006-17111f9edc7d". It
// allocates the string; AppendText does not allocate when dst has room.
func (a AAGUID) String() string {
	var buf [aaguidTextLen]byte
	return string(a.AppendText(buf[:0]))
}

// AppendText appends the String form of a to dst.
func (a AAGUID) AppendText(dst []byte) []byte {
	for i, b := range a {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[b>>4], hexDigits[b&0x0f])
	}
	return dst
}

// ParseAAGUID reads the RFC 9562 §4 string form, 8-4-4-4-12 hex digits of
// either case with hyphens at positions 8, 13, 18 and 23, as metadata (FIDO
// MDS3 aaguid) writes it. It rejects any other length, separator or digit,
// braces and the "urn:uuid:" prefix.
func ParseAAGUID(s string, out *AAGUID) bool {
	if len(s) != aaguidTextLen {
		return false
	}
	var a AAGUID
	j := 0
	for i := 0; i < len(s); {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
			i++
			continue
		}
		hi, ok1 := fromHex(s[i])
		lo, ok2 := fromHex(s[i+1])
		if !ok1 || !ok2 {
			return false
		}
		a[j] = hi<<4 | lo
		i, j = i+2, j+1
	}
	*out = a
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
