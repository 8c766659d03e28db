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

// Keys.esc holds a bit per entry in a uint64.
const _ = uint64(1) << (64 - MaxMembers)

// keyEntry is a name Keys recorded outside Names: a 32-bit filter of its
// hash, and where its bytes are: base[off:off+n] or, for a foreign name,
// foreign[off] (n == foreignLen).
type keyEntry struct {
	h, off, n uint32
}

// foreignLen marks a keyEntry whose name is in Keys.foreign.
const foreignLen = 1<<32 - 1

// Keys records the names of one object's members to detect duplicates
// without maps (RFC 8259 §4), and without allocation for names from one
// input (see Add). The zero value is empty. It holds
// views into the input.
//
// Each name is hashed once, after decoding its escapes (hash/maphash, seeded
// per process); names are compared in full only when their hashes agree in
// 32 bits. Checking an object therefore costs time linear in the length of
// its names, however alike they are: comparing every pair, as a plain scan
// would, costs MaxMembers/2 times that when the names differ only at the end.
//
// A recorded name is kept as its offset and length in the input of the first
// name recorded (all names ReadKey gives for one object are views into the
// same input, later ones further on), 12 bytes, so that a Keys, declared
// and so cleared once per object, stays small.
//
// Names, when set before the first Add, lists the member names the caller
// expects (at most MaxKnownNames, distinct): Add compares a name with them
// first, after decoding its escapes, and records a match in a bit set; only
// the other names are hashed. A known name equals no other name, so
// duplicates are refused exactly as without Names, and Known tells the
// caller which name was added without comparing it again.
type Keys struct {
	Names   []string
	known   uint64   // bit i: Names[i] recorded
	esc     uint64   // bit j: entry j's name has escapes
	last    uint8    // index+1 in Names of the name last added; 0 for another name
	total   int      // names recorded, known or in e
	n       int      // names in e
	base    []byte   // the first name in e with its capacity: e's names are in it
	foreign [][]byte // names not in base (Add by hand from other buffers)
	e       [MaxMembers]keyEntry
}

// Add records a member name (a view from ReadKey with its escaped flag). It
// returns false when the name equals an earlier one after decoding escapes
// (so "type" and "\u0074ype" are the same name), or when MaxMembers names are
// already recorded; Len tells the two apart. It allocates only for a name
// that is not a view into the input of the first name recorded (never for
// names from one Reader), to keep that name's view.
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
	h := uint32(hashName(raw, escaped))
	for j := 0; j < ks.n; j++ {
		if ks.e[j].h == h && EqualStrings(ks.name(j), ks.esc>>j&1 != 0, raw, escaped) {
			return false
		}
	}
	e := &ks.e[ks.n]
	e.h = h
	ks.place(e, raw)
	ks.esc |= b2u(escaped) << ks.n
	ks.n++
	ks.total++
	ks.last = 0
	return true
}

// place sets e.off and e.n to where raw is: in base, or in foreign.
func (ks *Keys) place(e *keyEntry, raw []byte) {
	if len(raw) == 0 {
		e.off, e.n = 0, 0
		return
	}
	if ks.base == nil {
		ks.base = raw[:cap(raw)]
	}
	if c := cap(ks.base); cap(raw) <= c && uint64(c) < foreignLen {
		off := c - cap(raw)
		if &ks.base[off] == &raw[0] {
			e.off, e.n = uint32(off), uint32(len(raw))
			return
		}
	}
	e.off, e.n = uint32(len(ks.foreign)), foreignLen
	ks.foreign = append(ks.foreign, raw)
}

// name returns the name of entry j.
func (ks *Keys) name(j int) []byte {
	e := ks.e[j]
	if e.n == foreignLen {
		return ks.foreign[e.off]
	}
	return ks.base[e.off : e.off+e.n]
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
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
