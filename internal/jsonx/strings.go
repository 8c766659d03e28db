package jsonx

import "unicode/utf8"

// decoder yields the bytes of a string view with its escapes decoded, as UTF-8.
// It is given views that ReadString accepted; on anything else it stops with
// bad set rather than panicking.
type decoder struct {
	s      []byte
	buf    [utf8.UTFMax]byte
	bi, bn int
	bad    bool
}

func (d *decoder) next() (byte, bool) {
	if d.bi < d.bn {
		c := d.buf[d.bi]
		d.bi++
		return c, true
	}
	if len(d.s) == 0 || d.bad {
		return 0, false
	}
	c := d.s[0]
	if c != '\\' {
		d.s = d.s[1:]
		return c, true
	}
	if len(d.s) < 2 {
		d.bad = true
		return 0, false
	}
	switch d.s[1] {
	case '"', '\\', '/':
		c = d.s[1]
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		cp, n := decodeU(d.s)
		if n == 0 {
			d.bad = true
			return 0, false
		}
		d.s = d.s[n:]
		d.bn = utf8.EncodeRune(d.buf[:], cp)
		d.bi = 1
		return d.buf[0], true
	default:
		d.bad = true
		return 0, false
	}
	d.s = d.s[2:]
	return c, true
}

// StringEqual reports whether the string view raw (from ReadString or ReadKey,
// with its escaped flag) decodes to exactly s. It allocates nothing: escapes,
// including \uXXXX and surrogate pairs, are decoded on the fly. A view with a
// malformed escape is equal to nothing.
func StringEqual(raw []byte, escaped bool, s string) bool {
	if !escaped {
		return string(raw) == s
	}
	d := decoder{s: raw}
	for i := 0; i < len(s); i++ {
		c, ok := d.next()
		if !ok || c != s[i] {
			return false
		}
	}
	_, more := d.next()
	return !more && !d.bad
}

// EqualStrings reports whether two string views decode to the same string,
// without allocating. Views with malformed escapes are equal to nothing.
func EqualStrings(a []byte, aEscaped bool, b []byte, bEscaped bool) bool {
	if !aEscaped && !bEscaped {
		return string(a) == string(b)
	}
	if !aEscaped {
		return StringEqual(b, true, string(a))
	}
	if !bEscaped {
		return StringEqual(a, true, string(b))
	}
	da, db := decoder{s: a}, decoder{s: b}
	for {
		ca, oka := da.next()
		cb, okb := db.next()
		if oka != okb || ca != cb {
			return false
		}
		if !oka {
			return !da.bad && !db.bad
		}
	}
}

// AppendUnescaped appends the decoded form of the string view raw (from
// ReadString or ReadKey) to dst. A view without escapes is appended as is.
// Bytes from a malformed escape onwards, which ReadString never returns, are
// appended undecoded.
func AppendUnescaped(dst, raw []byte) []byte {
	d := decoder{s: raw}
	for {
		c, ok := d.next()
		if !ok {
			break
		}
		dst = append(dst, c)
	}
	if d.bad {
		dst = append(dst, d.s...)
	}
	return dst
}

// Keys records the names of one object's members to detect duplicates
// without maps or allocation (RFC 8259 §4). The zero value is empty. It holds
// views into the input.
type Keys struct {
	n int
	k [MaxMembers]struct {
		raw []byte
		esc bool
	}
}

// Add records a member name (a view from ReadKey with its escaped flag). It
// returns false when the name equals an earlier one after decoding escapes
// (so "type" and "\u0074ype" are the same name), or when MaxMembers names are
// already recorded; Len tells the two apart.
func (ks *Keys) Add(raw []byte, escaped bool) bool {
	if ks.n == MaxMembers {
		return false
	}
	for i := 0; i < ks.n; i++ {
		k := &ks.k[i]
		if !escaped && !k.esc {
			if string(k.raw) == string(raw) {
				return false
			}
			continue
		}
		if EqualStrings(k.raw, k.esc, raw, escaped) {
			return false
		}
	}
	ks.k[ks.n].raw, ks.k[ks.n].esc = raw, escaped
	ks.n++
	return true
}

// Len returns the number of names recorded.
func (ks *Keys) Len() int { return ks.n }
