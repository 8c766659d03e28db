// Package jsonx is a strict, allocation-free JSON reader (RFC 8259) in the
// style of golang.org/x/crypto/cryptobyte: a Reader is a byte slice consumed
// from the front, every read returns bool, and results are views into the
// input, which must stay unmodified while they are used.
//
// It is stricter than RFC 8259 requires where the RFC leaves a choice to the
// parser (§4, §8.1, §9), and stricter than encoding/json:
//
//   - invalid UTF-8 anywhere in a string is rejected (RFC 8259 §8.1);
//   - a \u escape of a lone surrogate, or a high surrogate not followed by a
//     low one, is rejected (RFC 8259 §8.2 leaves it undefined);
//   - duplicate member names in any object are rejected, names compared after
//     decoding escapes (RFC 8259 §4 says names SHOULD be unique);
//   - nesting deeper than MaxDepth and objects with more than MaxMembers
//     members are rejected (RFC 8259 §9 permits limits).
//
// The grammar is RFC 8259's: no comments, no trailing commas, no single
// quotes, no NaN or Infinity, no leading zeros or '+' on numbers, no control
// characters in strings, no byte order mark. Whitespace is the four RFC 8259
// §2 characters (space, tab, LF, CR); every Read method skips it first.
package jsonx

import (
	"bytes"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays accepted (the top-level
// value is depth 1). WebAuthn JSON nests at most five levels
// (clientExtensionResults.prf.results.first); the limit bounds recursion.
const MaxDepth = 16

// MaxMembers is the most members an object may have: WebAuthn objects have
// fewer than twenty. It sizes the fixed, stack-allocated duplicate-name table
// of Keys (which hashes each name once, so its cost is linear in the names'
// length) and bounds the hashes compared per name.
const MaxMembers = 64

// Reader is JSON text consumed from the front.
type Reader []byte

// Empty reports whether nothing at all, not even whitespace, remains.
func (r *Reader) Empty() bool { return len(*r) == 0 }

// End skips whitespace and reports whether nothing else remains.
func (r *Reader) End() bool {
	r.skipSpace()
	return len(*r) == 0
}

// spaceMask has bit c set for the four whitespace bytes c of RFC 8259 §2,
// all at most ' '.
const spaceMask = 1<<' ' | 1<<'\t' | 1<<'\n' | 1<<'\r'

func isSpace(c byte) bool { return c <= ' ' && spaceMask>>c&1 != 0 }

func (r *Reader) skipSpace() {
	s := *r
	if len(s) == 0 || s[0] > ' ' {
		return // the common case: no whitespace
	}
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	*r = s[i:]
}

// readByte skips whitespace and consumes c if it comes next.
func (r *Reader) readByte(c byte) bool {
	r.skipSpace()
	if len(*r) == 0 || (*r)[0] != c {
		return false
	}
	*r = (*r)[1:]
	return true
}

// ReadObjectStart consumes '{'.
func (r *Reader) ReadObjectStart() bool { return r.readByte('{') }

// ReadObjectEnd consumes '}' if it comes next, and reports whether it did.
func (r *Reader) ReadObjectEnd() bool { return r.readByte('}') }

// ReadArrayStart consumes '['.
func (r *Reader) ReadArrayStart() bool { return r.readByte('[') }

// ReadArrayEnd consumes ']' if it comes next, and reports whether it did.
func (r *Reader) ReadArrayEnd() bool { return r.readByte(']') }

// ReadComma consumes the ',' between members or elements. Members reads
// an object's separators and names.
func (r *Reader) ReadComma() bool { return r.readByte(',') }

// ReadKey reads a member name (see ReadString) and the ':' after it.
func (r *Reader) ReadKey(raw *[]byte, escaped *bool) bool {
	return r.ReadString(raw, escaped) && r.readByte(':')
}

// Kind is the type of the next value, decided by its first byte.
type Kind uint8

// The kinds of JSON value. KindInvalid is returned at the end of input or
// before a byte that cannot start a value.
const (
	KindInvalid Kind = iota
	KindObject
	KindArray
	KindString
	KindNumber
	KindBool
	KindNull
)

// Peek skips whitespace and returns the kind of the next value without
// consuming it. It does not validate the value.
func (r *Reader) Peek() Kind {
	r.skipSpace()
	if len(*r) == 0 {
		return KindInvalid
	}
	switch c := (*r)[0]; {
	case c == '{':
		return KindObject
	case c == '[':
		return KindArray
	case c == '"':
		return KindString
	case c == '-' || c >= '0' && c <= '9':
		return KindNumber
	case c == 't' || c == 'f':
		return KindBool
	case c == 'n':
		return KindNull
	}
	return KindInvalid
}

// ReadString reads a string (RFC 8259 §7) and sets *raw to the bytes between
// the quotes, escapes undecoded, and *escaped to whether they contain a '\'.
// Use StringEqual, EqualStrings or AppendUnescaped on the view. It rejects
// control characters below U+0020, unknown escapes, \u escapes without four
// hex digits, lone or unpaired surrogate escapes, invalid UTF-8 (including
// overlong forms and encoded surrogates) and an unterminated string.
func (r *Reader) ReadString(raw *[]byte, escaped *bool) bool {
	r.skipSpace()
	s := *r
	if len(s) == 0 || s[0] != '"' {
		return false
	}
	// A string whose first eight bytes are plain is most often long and
	// plain ASCII to its end (the base64url members): find the first quote
	// after them and check the bytes before it in bulk. Anything else, and
	// short strings, take the loop below.
	i := 1
	if len(s) >= 9 && plain8(le64(s[1:9])) {
		if q := bytes.IndexByte(s[9:], '"'); q >= 0 && plainBody(s[9:9+q]) {
			*raw, *escaped, *r = s[1:9+q], false, s[10+q:]
			return true
		}
		i = 9
	}
	esc := false
	for i < len(s) {
		// Runs of plain ASCII (no quote, backslash or control character) are
		// the common case: skip them eight bytes at a time, then one table
		// lookup a byte up to the first byte that needs a look.
		for len(s)-i >= 8 && plain8(le64(s[i:i+8:i+8])) {
			i += 8
		}
		for i < len(s) && plainASCII[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '"':
			*raw, *escaped, *r = s[1:i], esc, s[i+1:]
			return true
		case c == '\\':
			n := escapeLen(s[i:])
			if n == 0 {
				return false
			}
			esc = true
			i += n
		case c < 0x20:
			return false
		case c < utf8.RuneSelf:
			i++
		default:
			ru, size := utf8.DecodeRune(s[i:])
			if ru == utf8.RuneError && size == 1 {
				return false
			}
			i += size
		}
	}
	return false
}

// plainBody reports whether every byte of b is plainASCII given that none is
// '"': no backslash (bytes.IndexByte) and every byte in U+0020-U+007F,
// tested 32 bytes a step as (w − 0x20…) | w, whose lane high bits are all
// clear exactly when every lane is (no lane below 0x20 borrows).
func plainBody(b []byte) bool {
	if bytes.IndexByte(b, '\\') >= 0 {
		return false
	}
	var acc uint64
	for len(b) >= 32 {
		w0, w1, w2, w3 := le64(b[0:8]), le64(b[8:16]), le64(b[16:24]), le64(b[24:32])
		acc |= (w0 - 0x20*lanes01) | w0 | (w1 - 0x20*lanes01) | w1 |
			(w2 - 0x20*lanes01) | w2 | (w3 - 0x20*lanes01) | w3
		b = b[32:]
	}
	for len(b) >= 8 {
		w := le64(b[:8])
		acc |= (w - 0x20*lanes01) | w
		b = b[8:]
	}
	for _, c := range b {
		acc |= uint64(c-0x20) | uint64(c)
	}
	return acc&lanes80 == 0
}

// Byte-lane constants of plain8.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)

// plain8 reports whether all eight bytes of w are plainASCII: none has the
// high bit set, is below 0x20, or is '"' or '\\'. The lane tests are the
// exact "has a zero byte" and "has a byte below n" bit tricks (no false
// negatives); a false positive only sends the bytes to the byte loop.
func plain8(w uint64) bool {
	q, b := w^'"'*lanes01, w^'\\'*lanes01 // zero lanes where w has '"' or '\\'
	ctl := (w - 0x20*lanes01) &^ w        // a lane below 0x20 (or ≥ 0x80, caught by w)
	quote := (q - lanes01) &^ q
	bslash := (b - lanes01) &^ b
	return (ctl|quote|bslash|w)&lanes80 == 0
}

// le64 reads 8 bytes little-endian (encoding/binary would bring in reflect,
// which clientdata's TestDeps keeps out).
func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// plainASCII marks the bytes a string may hold as they are and that need no
// further look: U+0020-U+007F except '"' and '\\'.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// hex4 decodes four hex digits, or returns -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var v rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		v = v<<4 | rune(c)
	}
	return v
}

// escapeLen returns the length of the escape sequence at the start of s
// (s[0] == '\\'), with a surrogate pair counted as one sequence, or 0 when it
// is invalid.
func escapeLen(s []byte) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		_, n := decodeU(s)
		return n
	}
	return 0
}

// decodeU decodes a \u escape at the start of s, joining a surrogate pair,
// and returns the code point and the bytes used, or 0 bytes when invalid.
func decodeU(s []byte) (rune, int) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, 0
	}
	hi := hex4(s[2:])
	switch {
	case hi < 0:
		return 0, 0
	case hi >= 0xdc00 && hi <= 0xdfff:
		return 0, 0
	case hi < 0xd800 || hi > 0xdbff:
		return hi, 6
	}
	if len(s) < 12 || s[6] != '\\' || s[7] != 'u' {
		return 0, 0
	}
	lo := hex4(s[8:])
	if lo < 0xdc00 || lo > 0xdfff {
		return 0, 0
	}
	return 0x10000 + (hi-0xd800)<<10 + (lo - 0xdc00), 12
}

// ReadBool reads true or false.
func (r *Reader) ReadBool(out *bool) bool {
	r.skipSpace()
	s := *r
	switch {
	case len(s) >= 4 && string(s[:4]) == "true":
		*out, *r = true, s[4:]
		return true
	case len(s) >= 5 && string(s[:5]) == "false":
		*out, *r = false, s[5:]
		return true
	}
	return false
}

// ReadNull reads null.
func (r *Reader) ReadNull() bool {
	r.skipSpace()
	s := *r
	if len(s) >= 4 && string(s[:4]) == "null" {
		*r = s[4:]
		return true
	}
	return false
}

func digits(s []byte, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// ReadNumber reads a number (RFC 8259 §6) and sets *raw to its text. It
// checks the grammar only: '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?,
// so leading zeros, a leading '+' or '.', a trailing '.', hex, NaN and
// Infinity are rejected. The value's range is the caller's concern.
func (r *Reader) ReadNumber(raw *[]byte) bool {
	r.skipSpace()
	s := *r
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	*raw, *r = s[:i], s[i:]
	return true
}

// SkipValue reads one complete value of any kind and sets *raw to its text
// (without surrounding whitespace). Objects and arrays are checked in full:
// the grammar, every string as ReadString does, every number as ReadNumber
// does, nesting no deeper than MaxDepth counting the value itself as depth 1,
// at most MaxMembers members per object, and no duplicate names in any object.
func (r *Reader) SkipValue(raw *[]byte) bool {
	return r.SkipNested(1, raw)
}

// SkipNested is SkipValue for a value at the given depth of the document, so
// that MaxDepth counts from the document's top: a member of the top-level
// object is at depth 2.
func (r *Reader) SkipNested(depth int, raw *[]byte) bool {
	r.skipSpace()
	start := *r
	if skip(r, depth) != CodeOK {
		return false
	}
	*raw = start[:len(start)-len(*r)]
	return true
}

// Code says why a value was rejected.
type Code uint8

// The outcomes of Diagnose.
const (
	CodeOK             Code = iota
	CodeSyntax              // not RFC 8259 grammar, or bad UTF-8 or escapes
	CodeDuplicateKey        // two names in one object are equal after decoding
	CodeTooDeep             // nesting deeper than MaxDepth
	CodeTooManyMembers      // an object with more than MaxMembers members
)

// Diagnose reads one value at the given depth (1 for a document's top-level
// value) from the front of b like SkipNested and says why it is rejected, or
// CodeOK. Bytes after the value are ignored. It is meant for error paths: a
// caller whose SkipNested failed learns the cause.
func Diagnose(b []byte, depth int) Code {
	r := Reader(b)
	r.skipSpace()
	return skip(&r, depth)
}

// Valid reports whether b is exactly one value accepted by SkipValue, with
// only whitespace around it.
func Valid(b []byte) bool {
	r := Reader(b)
	var raw []byte
	return r.SkipValue(&raw) && r.End()
}

func skip(r *Reader, depth int) Code {
	var raw []byte
	var esc, bl bool
	switch r.Peek() {
	case KindObject:
		if depth > MaxDepth {
			return CodeTooDeep
		}
		*r = (*r)[1:]
		var keys Keys
		m := Members{Keys: &keys}
		for m.Next(r, &raw, &esc) {
			if c := skip(r, depth+1); c != CodeOK {
				return c
			}
		}
		return m.Code()
	case KindArray:
		if depth > MaxDepth {
			return CodeTooDeep
		}
		*r = (*r)[1:]
		for i := 0; !r.ReadArrayEnd(); i++ {
			if i > 0 && !r.ReadComma() {
				return CodeSyntax
			}
			if c := skip(r, depth+1); c != CodeOK {
				return c
			}
		}
		return CodeOK
	case KindString:
		if r.ReadString(&raw, &esc) {
			return CodeOK
		}
	case KindNumber:
		if r.ReadNumber(&raw) {
			return CodeOK
		}
	case KindBool:
		if r.ReadBool(&bl) {
			return CodeOK
		}
	case KindNull:
		if r.ReadNull() {
			return CodeOK
		}
	}
	return CodeSyntax
}
