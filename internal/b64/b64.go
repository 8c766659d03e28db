// Package b64 decodes and encodes base64url (RFC 4648 §5) under the project's
// contract for WebAuthn binary fields (WebAuthn L3 §5.1, "Base64url encoding";
// ../shared/vectors/SCHEMA.md):
//
//   - the unpadded form is canonical;
//   - trailing '=' padding is accepted, but only the exact amount RFC 4648 §4
//     prescribes for the length (one '=' after 3 characters of a final group,
//     two after 2);
//   - the standard alphabet ('+', '/'), whitespace and any other byte outside
//     the URL-safe alphabet are rejected;
//   - non-zero unused bits in the last character are rejected (RFC 4648 §3.5),
//     so every byte string has exactly one accepted unpadded text.
//
// Nothing here allocates except AppendEncode growing dst.
package b64

// invalid marks bytes outside the base64url alphabet in decodeMap.
const invalid = 0xff

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// decodeMap maps a byte to its 6-bit value, or invalid.
var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = invalid
	}
	for i := 0; i < len(alphabet); i++ {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// invalid4 marks a byte outside the alphabet in shifted: above the 24 bits
// that four characters decode to.
const invalid4 = 1 << 31

// shifted[k] maps a byte to its 6-bit value placed for position k of a group
// of four characters (shifted left 18, 12, 6, 0), or invalid4, so that a
// group decodes with four lookups ORed together.
var shifted = func() (t [4][256]uint32) {
	for k := range t {
		for c := range t[k] {
			v := decodeMap[c]
			if v == invalid {
				t[k][c] = invalid4
				continue
			}
			t[k][c] = uint32(v) << (18 - 6*k)
		}
	}
	return t
}()

// unpadded returns the number of alphabet characters in src once the trailing
// padding is removed, and false when the length or the padding is invalid:
// a final group of one character, more than two '=', or a padding amount that
// does not complete the final group to four characters.
func unpadded(src []byte) (int, bool) {
	n := len(src)
	pad := 0
	for pad < 2 && n > 0 && src[n-1] == '=' {
		n--
		pad++
	}
	if n > 0 && src[n-1] == '=' {
		return 0, false
	}
	if n%4 == 1 {
		return 0, false
	}
	if pad > 0 && (n+pad)%4 != 0 {
		return 0, false
	}
	return n, true
}

// decodedLen returns the decoded size of n unpadded characters (n%4 != 1).
func decodedLen(n int) int {
	return n/4*3 + (n%4*3)/4
}

// DecodedLen returns the number of bytes Decode writes for src, and false when
// the length or the '=' padding of src is invalid (see the package comment).
// It does not check the alphabet; Decode does.
func DecodedLen(src []byte) (int, bool) {
	n, ok := unpadded(src)
	if !ok {
		return 0, false
	}
	return decodedLen(n), true
}

// Decode decodes base64url text src into dst and returns the number of bytes
// written. It returns false, with dst's contents unspecified, when src is not
// accepted by the package contract (wrong padding, a byte outside the URL-safe
// alphabet including '+', '/' and whitespace, non-zero unused bits) or when dst
// is shorter than DecodedLen(src).
func Decode(dst, src []byte) (n int, ok bool) {
	m, ok := unpadded(src)
	if !ok {
		return 0, false
	}
	dl := decodedLen(m)
	if len(dst) < dl {
		return 0, false
	}
	src = src[:m]
	i, j := 0, 0
	// Eight characters at a time into six bytes, each group of four by four
	// lookups in shifted ORed together, written as one 8-byte store while
	// the decoded output has two more bytes after them, which the next
	// group or the tail overwrites: nothing past dst[:dl] is touched. A
	// byte outside the alphabet sets invalid4 in bad4.
	var bad4 uint32
	for ; len(src)-i >= 8 && dl-j >= 8; i, j = i+8, j+6 {
		s := src[i : i+8 : i+8]
		x := shifted[0][s[0]] | shifted[1][s[1]] | shifted[2][s[2]] | shifted[3][s[3]]
		y := shifted[0][s[4]] | shifted[1][s[5]] | shifted[2][s[6]] | shifted[3][s[7]]
		bad4 |= x | y
		// Bit 31 (invalid) falls off the top of each.
		putBE64(dst[j:j+8:j+8], uint64(x)<<40|uint64(y<<8)<<8)
	}
	for ; i+4 <= len(src); i, j = i+4, j+3 {
		v := shifted[0][src[i]] | shifted[1][src[i+1]] | shifted[2][src[i+2]] | shifted[3][src[i+3]]
		bad4 |= v
		dst[j], dst[j+1], dst[j+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	var tail [2]byte
	tn, tok := decodeTail(&tail, src[i:])
	if !tok {
		return 0, false
	}
	copy(dst[j:], tail[:tn])
	if bad4&invalid4 != 0 {
		return 0, false
	}
	return dl, true
}

// putBE64 stores v big-endian in b[:8] (encoding/binary would bring in
// reflect, which clientdata's TestDeps keeps out).
func putBE64(b []byte, v uint64) {
	_ = b[7]
	b[0], b[1], b[2], b[3] = byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32)
	b[4], b[5], b[6], b[7] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// decodeTail decodes a final group of 0, 2 or 3 characters into out, rejecting
// bytes outside the alphabet and non-zero unused bits.
func decodeTail(out *[2]byte, t []byte) (int, bool) {
	switch len(t) {
	case 0:
		return 0, true
	case 2:
		a, b := decodeMap[t[0]], decodeMap[t[1]]
		if (a|b)&0xc0 != 0 || b&0x0f != 0 {
			return 0, false
		}
		out[0] = a<<2 | b>>4
		return 1, true
	case 3:
		a, b, c := decodeMap[t[0]], decodeMap[t[1]], decodeMap[t[2]]
		if (a|b|c)&0xc0 != 0 || c&0x03 != 0 {
			return 0, false
		}
		out[0] = a<<2 | b>>4
		out[1] = b<<4 | c>>2
		return 2, true
	}
	return 0, false
}

// EqualDecoded reports whether base64url text decodes, under the package
// contract, to exactly want. Text the contract rejects (see Decode) is never
// equal to anything. It allocates nothing; the comparison of the decoded
// bytes does not stop at the first difference.
func EqualDecoded(text, want []byte) bool {
	m, ok := unpadded(text)
	if !ok || decodedLen(m) != len(want) {
		return false
	}
	text = text[:m]
	var bad uint32
	var diff byte
	i, j := 0, 0
	for ; i+4 <= len(text); i, j = i+4, j+3 {
		v := shifted[0][text[i]] | shifted[1][text[i+1]] | shifted[2][text[i+2]] | shifted[3][text[i+3]]
		bad |= v
		// Parenthesised: ^ and | share a precedence and group left to right.
		diff |= (want[j] ^ byte(v>>16)) | (want[j+1] ^ byte(v>>8)) | (want[j+2] ^ byte(v))
	}
	var tail [2]byte
	tn, tok := decodeTail(&tail, text[i:])
	if !tok {
		return false
	}
	for k := 0; k < tn; k++ {
		diff |= want[j+k] ^ tail[k]
	}
	return bad&invalid4 == 0 && diff == 0
}

// AppendEncode appends the canonical (unpadded) base64url encoding of src to dst.
func AppendEncode(dst, src []byte) []byte {
	for len(src) >= 3 {
		v := uint32(src[0])<<16 | uint32(src[1])<<8 | uint32(src[2])
		dst = append(dst, alphabet[v>>18&0x3f], alphabet[v>>12&0x3f], alphabet[v>>6&0x3f], alphabet[v&0x3f])
		src = src[3:]
	}
	switch len(src) {
	case 1:
		v := uint32(src[0]) << 16
		dst = append(dst, alphabet[v>>18&0x3f], alphabet[v>>12&0x3f])
	case 2:
		v := uint32(src[0])<<16 | uint32(src[1])<<8
		dst = append(dst, alphabet[v>>18&0x3f], alphabet[v>>12&0x3f], alphabet[v>>6&0x3f])
	}
	return dst
}
