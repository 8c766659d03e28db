// Package cbor is a strict, allocation-free reader for the subset of CBOR
// (RFC 8949) that WebAuthn uses: the attestationObject (W3C WebAuthn L3 §6.5),
// COSE keys (RFC 9052 §7) and authenticator extension outputs (§9).
//
// A Reader is consumed from the front, in the style of
// golang.org/x/crypto/cryptobyte: every Read method returns false and leaves
// the Reader unspecified when the input does not hold what was asked for, and
// every result is a view into the input, which must stay unmodified while the
// results are used.
//
// What is rejected everywhere: indefinite lengths (additional information 31),
// the reserved additional information values 28-30, tags (major type 6),
// two-byte simple values below 32 (not well-formed), lengths or counts larger
// than what remains of the input, invalid UTF-8 in text strings, nesting deeper
// than MaxDepth, maps with more than MaxMapPairs pairs, and duplicate map keys.
// Non-minimal length encodings are accepted, as by most decoders, and keys are
// compared by value so that 0x01 and 0x18 0x01 are the same key.
package cbor

import (
	"bytes"
	"math"
	"unicode/utf8"
)

// Major types (RFC 8949 §3.1).
const (
	MajorUint   = 0
	MajorNegInt = 1
	MajorBytes  = 2
	MajorText   = 3
	MajorArray  = 4
	MajorMap    = 5
	MajorTag    = 6
	MajorSimple = 7
)

// MaxDepth bounds nesting. WebAuthn's deepest structure is a compound
// attestation statement (attObj → attStmt → array → statement → x5c array → bytes: 5);
// 16 leaves room for extension outputs while keeping recursion shallow.
const MaxDepth = 16

// MaxMapPairs bounds the pairs of one map. Duplicate detection compares every key
// with every earlier one without allocating (quadratic), so the bound keeps a
// hostile map to at most MaxMapPairs²/2 key comparisons; no WebAuthn map has
// more than a dozen members.
const MaxMapPairs = 256

// MaxInputLen bounds what SkipItem walks: key positions are kept as 32-bit
// offsets, and no WebAuthn message comes near 4 GiB.
const MaxInputLen = math.MaxUint32

// Reader consumes CBOR items from the front of a byte slice.
type Reader []byte

// Empty reports whether the Reader has been fully consumed.
func (r *Reader) Empty() bool { return len(*r) == 0 }

// head reads an item head: major type and argument. For majors 2-5 the argument
// is a length or count; for major 7 it is the simple value or the float bits.
func (r *Reader) head(major *byte, arg *uint64) bool {
	b := *r
	if len(b) == 0 {
		return false
	}
	m, ai := b[0]>>5, b[0]&0x1f
	var v uint64
	var n int
	switch {
	case ai < 24:
		v, n = uint64(ai), 1
	case ai == 24:
		if len(b) < 2 {
			return false
		}
		v, n = uint64(b[1]), 2
		if m == MajorSimple && v < 32 {
			return false // RFC 8949 §3.3: not well-formed
		}
	case ai == 25:
		if len(b) < 3 {
			return false
		}
		v, n = uint64(b[1])<<8|uint64(b[2]), 3
	case ai == 26:
		if len(b) < 5 {
			return false
		}
		v, n = uint64(b[1])<<24|uint64(b[2])<<16|uint64(b[3])<<8|uint64(b[4]), 5
	case ai == 27:
		if len(b) < 9 {
			return false
		}
		v = uint64(b[1])<<56 | uint64(b[2])<<48 | uint64(b[3])<<40 | uint64(b[4])<<32 |
			uint64(b[5])<<24 | uint64(b[6])<<16 | uint64(b[7])<<8 | uint64(b[8])
		n = 9
	default: // 28-30 reserved, 31 indefinite length or break
		return false
	}
	if m == MajorTag {
		return false
	}
	*major, *arg = m, v
	*r = b[n:]
	return true
}

// PeekMajor reports the major type of the next item without consuming it.
func (r *Reader) PeekMajor(major *byte) bool {
	if len(*r) == 0 {
		return false
	}
	*major = (*r)[0] >> 5
	return true
}

// ReadUint reads an unsigned integer (major type 0).
func (r *Reader) ReadUint(out *uint64) bool {
	s := *r
	var m byte
	var v uint64
	if !s.head(&m, &v) || m != MajorUint {
		return false
	}
	*r, *out = s, v
	return true
}

// ReadInt reads an integer (major type 0 or 1) that fits in an int64.
func (r *Reader) ReadInt(out *int64) bool {
	s := *r
	var m byte
	var v uint64
	if !s.head(&m, &v) || (m != MajorUint && m != MajorNegInt) || v > math.MaxInt64 {
		return false
	}
	if m == MajorUint {
		*out = int64(v)
	} else {
		*out = -1 - int64(v)
	}
	*r = s
	return true
}

// readString reads a byte or text string of the given major type.
func (r *Reader) readString(major byte, out *[]byte) bool {
	s := *r
	var m byte
	var n uint64
	if !s.head(&m, &n) || m != major || n > uint64(len(s)) {
		return false
	}
	v := s[:n:n]
	if major == MajorText && !utf8.Valid(v) {
		return false
	}
	*out, *r = v, s[n:]
	return true
}

// ReadBytes reads a byte string (major type 2); out is a view into the input.
func (r *Reader) ReadBytes(out *[]byte) bool { return r.readString(MajorBytes, out) }

// ReadText reads a UTF-8 text string (major type 3); out is a view into the input.
func (r *Reader) ReadText(out *[]byte) bool { return r.readString(MajorText, out) }

// ReadArray reads an array header (major type 4). The count is checked against
// what remains (every item takes at least one byte); the items follow.
func (r *Reader) ReadArray(n *int) bool {
	s := *r
	var m byte
	var v uint64
	if !s.head(&m, &v) || m != MajorArray || v > uint64(len(s)) {
		return false
	}
	*n, *r = int(v), s
	return true
}

// ReadMap reads a map header (major type 5). The pair count is checked against
// what remains and against MaxMapPairs; the pairs follow. ReadMap does not check
// the keys: SkipItem and Valid do.
func (r *Reader) ReadMap(n *int) bool {
	s := *r
	var m byte
	var v uint64
	if !s.head(&m, &v) || m != MajorMap || v > MaxMapPairs || 2*v > uint64(len(s)) {
		return false
	}
	*n, *r = int(v), s
	return true
}

// ReadBool reads true or false (major type 7, simple values 20 and 21).
func (r *Reader) ReadBool(out *bool) bool {
	s := *r
	if len(s) == 0 || (s[0] != 0xf4 && s[0] != 0xf5) {
		return false
	}
	*out, *r = s[0] == 0xf5, s[1:]
	return true
}

// SkipItem consumes one complete, well-formed item and, when raw is not nil,
// sets it to the item's exact bytes. Nested items are validated as described in
// the package documentation, including duplicate map keys at every depth.
func (r *Reader) SkipItem(raw *[]byte) bool {
	// An integer or simple value with a one-byte head, or a byte string with a
	// head of one or two bytes (the members of a COSE key), is taken without
	// the walk.
	s := *r
	if len(s) == 0 {
		return false
	}
	var n int
	switch c := s[0]; {
	case c < 0x18 || (c >= 0x20 && c < 0x38) || (c >= 0xe0 && c < 0xf8):
		n = 1
	case c >= 0x40 && c < 0x58:
		n = 1 + int(c-0x40)
	case c == 0x58 && len(s) >= 2:
		n = 2 + int(s[1])
	default:
		return r.SkipNested(0, raw)
	}
	if n > len(s) {
		return false
	}
	if raw != nil {
		*raw = s[:n:n]
	}
	*r = s[n:]
	return true
}

// SkipNested is SkipItem for an item that sits inside depth containers the
// caller has read by hand: the item's own nesting counts from depth, so that
// it is held to MaxDepth exactly as when SkipItem walks the outermost item.
func (r *Reader) SkipNested(depth int, raw *[]byte) bool {
	start := *r
	s := *r
	if uint64(len(s)) > MaxInputLen || depth < 0 || !s.skip(depth) {
		return false
	}
	if raw != nil {
		n := len(start) - len(s)
		*raw = start[:n:n]
	}
	*r = s
	return true
}

// skip consumes one item nested inside depth containers.
func (r *Reader) skip(depth int) bool {
	var m byte
	var v uint64
	if b := *r; len(b) > 0 && b[0]&0x1f < 24 && b[0]>>5 != MajorTag {
		// A one-byte head, as head would read it.
		m, v = b[0]>>5, uint64(b[0]&0x1f)
		*r = b[1:]
	} else if !r.head(&m, &v) {
		return false
	}
	switch m {
	case MajorUint, MajorNegInt, MajorSimple:
		// The head is the whole item; floats' bits are the argument.
		return true
	case MajorBytes, MajorText:
		if v > uint64(len(*r)) {
			return false
		}
		if m == MajorText && !utf8.Valid((*r)[:v]) {
			return false
		}
		*r = (*r)[v:]
		return true
	case MajorArray:
		if depth+1 > MaxDepth || v > uint64(len(*r)) {
			return false
		}
		for i := uint64(0); i < v; i++ {
			if !r.skip(depth + 1) {
				return false
			}
		}
		return true
	case MajorMap:
		if depth+1 > MaxDepth || v > MaxMapPairs || 2*v > uint64(len(*r)) {
			return false
		}
		if v <= smallMapPairs {
			var keys [smallMapPairs][2]uint32
			return r.skipPairs(depth, keys[:v])
		}
		return r.skipLargeMap(depth, v)
	}
	return false
}

// smallMapPairs is how many pairs a map may have for skip to keep its key
// positions in a table on its own stack frame; larger maps (up to MaxMapPairs)
// use skipLargeMap's table. It is not a limit: it keeps the table that
// every map walk zeroes small, since WebAuthn maps have a dozen pairs at most.
const smallMapPairs = 16

// skipLargeMap is skip's map case for a map of more than smallMapPairs pairs,
// kept out of line so that skip's recursive frames stay small.
//
//go:noinline
func (r *Reader) skipLargeMap(depth int, n uint64) bool {
	var keys [MaxMapPairs][2]uint32
	return r.skipPairs(depth, keys[:n])
}

// skipPairs consumes len(keys) key-value pairs of a map nested inside depth
// containers, rejecting a key equal to an earlier one.
func (r *Reader) skipPairs(depth int, keys [][2]uint32) bool {
	// Key positions as lengths of what remained before and after each key, so
	// that a key is body[len(body)-start:len(body)-end]; kept on the stack, a
	// map costs no allocation and duplicate checks never re-walk values.
	//
	// Integer keys whose value is below 24 (most keys of COSE maps) are
	// checked in a bit set instead: by value such a key equals only another
	// integer of the same sign and value, never a key kept in the table.
	//
	// A key that is an integer with a one-byte head, and a value that is an
	// integer or simple value with a one-byte head or a byte string with a
	// head of one or two bytes (the pairs of a COSE key), are taken inline,
	// as skip would take them, without its call.
	body := *r
	var small uint64
	nt := 0
	for range keys {
		if s := *r; len(s) > 0 && (s[0] < 0x18 || s[0] >= 0x20 && s[0] < 0x38) {
			bit := uint64(1) << (uint64(s[0]>>5)*24 + uint64(s[0]&0x1f)) // smallIntKey
			if small&bit != 0 {
				return false
			}
			small |= bit
			*r = s[1:]
			if !r.skipFlat(depth) {
				return false
			}
			continue
		}
		start := len(*r)
		if !r.skip(depth + 1) {
			return false
		}
		end := len(*r)
		k := body[len(body)-start : len(body)-end]
		if bit := smallIntKey(k); bit != 0 {
			if small&bit != 0 {
				return false
			}
			small |= bit
		} else {
			for j := 0; j < nt; j++ {
				if keyEqual(keyAt(body, keys[j]), k) {
					return false
				}
			}
			keys[nt] = [2]uint32{uint32(start), uint32(end)}
			nt++
		}
		if !r.skipFlat(depth) {
			return false
		}
	}
	return true
}

// skipFlat is skip(depth+1) for a map value: an integer or simple value with
// a one-byte head, or a byte string with a head of one or two bytes, is
// taken inline (no depth applies to it); anything else goes to skip.
func (r *Reader) skipFlat(depth int) bool {
	s := *r
	if len(s) > 0 {
		n := 0
		switch c := s[0]; {
		case c < 0x18 || (c >= 0x20 && c < 0x38) || (c >= 0xe0 && c < 0xf8):
			n = 1
		case c >= 0x40 && c < 0x58:
			n = 1 + int(c-0x40)
		case c == 0x58 && len(s) >= 2:
			n = 2 + int(s[1])
		}
		if n > 0 {
			if n > len(s) {
				return false
			}
			*r = s[n:]
			return true
		}
	}
	return r.skip(depth + 1)
}

// smallIntKey returns, for an encoded, well-formed integer key whose value is
// below 24 (0..23 or -1..-24, whatever the width of its head), a bit of its
// own among 48; for any other key, 0.
func smallIntKey(k []byte) uint64 {
	m := k[0] >> 5
	if m > MajorNegInt {
		return 0
	}
	v := uint64(k[0] & 0x1f)
	if v >= 24 {
		h := Reader(k)
		if !h.head(&m, &v) || v >= 24 {
			return 0
		}
	}
	return 1 << (uint64(m)*24 + v)
}

// keyAt recovers a key from body given its offsets measured from the end of the input.
func keyAt(body []byte, k [2]uint32) []byte {
	return body[len(body)-int(k[0]) : len(body)-int(k[1])]
}

// keyEqual compares two encoded, well-formed keys by value: integers and simple
// values by major type and argument, strings by major type and content, and
// anything else by its bytes.
func keyEqual(a, b []byte) bool {
	if a[0]&0x1f < 24 && b[0]&0x1f < 24 {
		// Both heads are one byte, which is then the major type and the
		// argument: the keys are equal by value exactly when their bytes are.
		return bytes.Equal(a, b)
	}
	ra, rb := Reader(a), Reader(b)
	var ma, mb byte
	var va, vb uint64
	if !ra.head(&ma, &va) || !rb.head(&mb, &vb) || ma != mb {
		return false
	}
	switch ma {
	case MajorUint, MajorNegInt:
		return va == vb
	case MajorBytes, MajorText:
		return bytes.Equal(ra, rb)
	case MajorSimple:
		if a[0]&0x1f >= 25 && b[0]&0x1f >= 25 {
			// Floats compare by value, whatever their width.
			return toFloat(a[0]&0x1f, va) == toFloat(b[0]&0x1f, vb)
		}
		return bytes.Equal(a, b)
	}
	return bytes.Equal(a, b)
}

// Valid reports whether b is exactly one well-formed item with nothing after it.
func Valid(b []byte) bool {
	r := Reader(b)
	return r.SkipItem(nil) && r.Empty()
}

// LookupText returns the value stored under the text key in the encoded map m
// (which must be a whole, well-formed map; use Valid first). ok is false when the
// key is absent or m is not a map.
func LookupText(m []byte, key string) (val []byte, ok bool) {
	return lookup(m, true, key, 0)
}

// LookupInt returns the value stored under the integer key in the encoded map m
// (which must be a whole, well-formed map). ok is false when absent.
func LookupInt(m []byte, key int64) (val []byte, ok bool) {
	return lookup(m, false, "", key)
}

// lookup scans the pairs of m for a text key (text) or an integer key (num).
func lookup(m []byte, isText bool, text string, num int64) ([]byte, bool) {
	r := Reader(m)
	var n int
	if !r.ReadMap(&n) {
		return nil, false
	}
	for i := 0; i < n; i++ {
		kr := r
		var k []byte
		var ki int64
		if (isText && kr.ReadText(&k) && string(k) == text) || (!isText && kr.ReadInt(&ki) && ki == num) {
			var v []byte
			if !kr.SkipItem(&v) {
				return nil, false
			}
			return v, true
		}
		if !r.SkipItem(nil) { // the key
			return nil, false
		}
		if !r.SkipItem(nil) { // its value
			return nil, false
		}
	}
	return nil, false
}

// toFloat widens a half, single or double precision float (RFC 8949 §3.3) to float64.
func toFloat(ai byte, bits uint64) float64 {
	switch ai {
	case 25:
		h := uint16(bits)
		sign := uint64(h>>15) << 63
		exp := uint64(h>>10) & 0x1f
		frac := uint64(h) & 0x3ff
		switch {
		case exp == 0x1f:
			return math.Float64frombits(sign | 0x7ff<<52 | frac<<42)
		case exp == 0:
			f := math.Ldexp(float64(frac), -24)
			if sign != 0 {
				f = -f
			}
			return f
		}
		return math.Float64frombits(sign | (exp-15+1023)<<52 | frac<<42)
	case 26:
		return float64(math.Float32frombits(uint32(bits)))
	}
	return math.Float64frombits(bits)
}
