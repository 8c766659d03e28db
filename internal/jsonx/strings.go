package jsonx

import (
	"bytes"
	"hash/maphash"
	"unicode/utf8"
)

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
	return decodesTo(raw, s)
}

// decodesTo reports whether the escaped view raw decodes to exactly s.
func decodesTo[T string | []byte](raw []byte, s T) bool {
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
	switch {
	case !aEscaped && !bEscaped:
		return string(a) == string(b)
	case !aEscaped:
		return decodesTo(b, a)
	case !bEscaped:
		return decodesTo(a, b)
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

// nameSeed keys the member-name hash of Keys. It is random per process, so
// that nobody can choose names that collide in the table (hash flooding).
var nameSeed = maphash.MakeSeed()

// keySlots is the size of the open-addressing table of Keys: a power of two,
// twice MaxMembers, so that the table is at most half full and probe
// sequences stay short.
const keySlots = 2 * MaxMembers

// Keys' table holds member indexes plus one in a uint8.
const _ = uint8(MaxMembers)

// Keys records the names of one object's members to detect duplicates
// without maps or allocation (RFC 8259 §4). The zero value is empty. It holds
// views into the input.
//
// Each name is hashed once, after decoding its escapes (hash/maphash, seeded
// per process), into a small open-addressing table; names are compared in
// full only when their hashes are equal. Checking an object therefore costs
// time linear in the length of its names, however alike they are: comparing
// every pair, as a plain scan would, costs MaxMembers/2 times that when the
// names differ only at the end.
//
// Names, when set before the first Add, lists the member names the caller
// expects (at most MaxKnownNames, distinct): Add compares a name with them
// first, after decoding its escapes, and records a match in a bit set; only
// the other names are hashed into the table. A known name equals no other
// name, so duplicates are refused exactly as without Names, and Known tells
// the caller which name was added without comparing it again.
type Keys struct {
	Names []string
	known uint64 // bit i: Names[i] recorded
	last  uint8  // index+1 in Names of the name last added; 0 for another name
	total int    // names recorded, known or in the table
	n     int    // names in the table
	k     [MaxMembers]struct {
		raw []byte
		esc bool
	}
	h    [MaxMembers]uint64
	slot [keySlots]uint8 // index+1 into k and h; 0 is an empty slot
}

// Add records a member name (a view from ReadKey with its escaped flag). It
// returns false when the name equals an earlier one after decoding escapes
// (so "type" and "\u0074ype" are the same name), or when MaxMembers names are
// already recorded; Len tells the two apart.
func (ks *Keys) Add(raw []byte, escaped bool) bool {
	if ks.total == MaxMembers {
		return false
	}
	names := ks.Names
	if len(names) > MaxKnownNames {
		names = names[:MaxKnownNames]
	}
	for i, name := range names {
		if StringEqual(raw, escaped, name) {
			if ks.known>>i&1 != 0 {
				return false
			}
			ks.known |= 1 << i
			ks.last = uint8(i + 1)
			ks.total++
			return true
		}
	}
	h := hashName(raw, escaped)
	i := h % keySlots
	for ks.slot[i] != 0 {
		j := ks.slot[i] - 1
		if ks.h[j] == h && EqualStrings(ks.k[j].raw, ks.k[j].esc, raw, escaped) {
			return false
		}
		i = (i + 1) % keySlots
	}
	ks.slot[i] = uint8(ks.n + 1)
	ks.h[ks.n] = h
	ks.k[ks.n].raw, ks.k[ks.n].esc = raw, escaped
	ks.n++
	ks.total++
	ks.last = 0
	return true
}

// Len returns the number of names recorded.
func (ks *Keys) Len() int { return ks.total }

// Known returns the index in Names of the name the last successful Add
// recorded, or -1 when it is not one of Names.
func (ks *Keys) Known() int { return int(ks.last) - 1 }

// MaxKnownNames is the most entries of Keys.Names that Add compares: one bit
// each in a uint64. Entries past it are treated as unknown names.
const MaxKnownNames = 64

// hashName hashes the decoded form of a string view. Runs without escapes are
// hashed in place; maphash hashes a byte sequence the same however it is
// split across writes, so a name hashes alike escaped or not. A malformed
// escape (never in a view from ReadString) is hashed undecoded.
func hashName(raw []byte, escaped bool) uint64 {
	if !escaped {
		return maphash.Bytes(nameSeed, raw)
	}
	var h maphash.Hash
	h.SetSeed(nameSeed)
	var buf [utf8.UTFMax]byte
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\\')
		if i < 0 {
			h.Write(raw)
			break
		}
		h.Write(raw[:i])
		raw = raw[i:]
		n, used := unescape(raw, &buf)
		if used == 0 {
			h.Write(raw)
			break
		}
		h.Write(buf[:n])
		raw = raw[used:]
	}
	return h.Sum64()
}

// unescape decodes the escape at the start of s (s[0] == '\\') into buf and
// returns the decoded length and the bytes of s used, or 0 used when the
// escape is malformed.
func unescape(s []byte, buf *[utf8.UTFMax]byte) (n, used int) {
	d := decoder{s: s}
	c, ok := d.next()
	if !ok {
		return 0, 0
	}
	buf[0] = c
	n = 1
	for d.bi < d.bn { // the rest of a multi-byte \u escape
		buf[n] = d.buf[d.bi]
		d.bi++
		n++
	}
	return n, len(s) - len(d.s)
}
