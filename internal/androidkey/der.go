package androidkey

// der is a DER reader (ITU-T X.690 §8, §10) in the style of
// golang.org/x/crypto/cryptobyte.String. It is hand-written for two reasons:
// cryptobyte imports fmt and reflect, which parsers here must not depend on,
// and cryptobyte rejects high-tag-number identifiers (X.690 §8.1.2.4), which
// AuthorizationList uses ([600], [702], [704], ...).
type der []byte

// Identifier classes and universal tags used here.
const (
	classUniversal   = 0x00
	classContext     = 0x80
	constructed      = 0x20
	tagBoolean       = 1
	tagInteger       = 2
	tagOctetString   = 4
	tagNull          = 5
	tagEnumerated    = 10
	tagSequence      = 16
	tagSet           = 17
	maxTagNumberBits = 28 // tag numbers are read into a uint32; four base-128 octets suffice for Keymaster's 28-bit tag IDs
)

// ident is a decoded identifier: class bits, constructed flag and tag number.
type ident struct {
	class       byte
	constructed bool
	number      uint32
}

// element reads one element: identifier, definite length, contents. It
// rejects a high-tag-number form for numbers below 31 or with a leading 0x80
// octet (X.690 §8.1.2.4.2 c), numbers over maxTagNumberBits, indefinite,
// non-minimal or over-four-octet lengths, and lengths past the input.
func (d *der) element(id *ident, contents *[]byte) bool {
	b := *d
	if len(b) < 2 {
		return false
	}
	id.class = b[0] & 0xc0
	id.constructed = b[0]&constructed != 0
	id.number = uint32(b[0] & 0x1f)
	i := 1
	if id.number == 0x1f {
		id.number = 0
		if b[1] == 0x80 {
			return false
		}
		for {
			if i >= len(b) || i > maxTagNumberBits/7 {
				return false
			}
			c := b[i]
			i++
			id.number = id.number<<7 | uint32(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
		if id.number < 0x1f {
			return false
		}
	}
	if i >= len(b) {
		return false
	}
	n := int(b[i])
	i++
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < i+k || b[i] == 0 {
			return false
		}
		n = 0
		for _, c := range b[i : i+k] {
			n = n<<8 | int(c)
		}
		if n < 0x80 {
			return false
		}
		i += k
	}
	if n > len(b)-i {
		return false
	}
	*contents = b[i : i+n : i+n]
	*d = b[i+n:]
	return true
}

// read reads one element with the given universal tag number and form.
func (d *der) read(number uint32, cons bool, contents *[]byte) bool {
	var id ident
	saved := *d
	if !d.element(&id, contents) || id.class != classUniversal || id.number != number || id.constructed != cons {
		*d = saved
		return false
	}
	return true
}

// integer reads an INTEGER or ENUMERATED (by number) that fits an int64,
// rejecting empty and non-minimal encodings (X.690 §8.3.2).
func (d *der) integer(number uint32, out *int64) bool {
	var c []byte
	if !d.read(number, false, &c) || !validInteger(c) || len(c) > 8 {
		return false
	}
	v := int64(int8(c[0]))
	for _, x := range c[1:] {
		v = v<<8 | int64(x)
	}
	*out = v
	return true
}

func validInteger(c []byte) bool {
	if len(c) == 0 {
		return false
	}
	if len(c) > 1 && (c[0] == 0 && c[1]&0x80 == 0 || c[0] == 0xff && c[1]&0x80 != 0) {
		return false
	}
	return true
}

func (d *der) empty() bool { return len(*d) == 0 }

// validElement checks the framing of one element with contents c and, for
// universal types, the DER rules this package can check without knowing the
// schema: INTEGER and ENUMERATED minimal, BOOLEAN 0x00 or 0xFF, NULL empty,
// SEQUENCE and SET constructed, every other universal type primitive (DER
// forbids constructed strings, X.690 §10.2). Constructed contents are checked
// recursively down to MaxDepth.
func validElement(id ident, c []byte, depth int) bool {
	if id.class == classUniversal {
		switch id.number {
		case tagSequence, tagSet:
			if !id.constructed {
				return false
			}
		default:
			if id.constructed {
				return false
			}
		}
		switch id.number {
		case 0:
			return false // end-of-contents: indefinite lengths are not DER
		case tagInteger, tagEnumerated:
			return validInteger(c)
		case tagBoolean:
			return len(c) == 1 && (c[0] == 0 || c[0] == 0xff)
		case tagNull:
			return len(c) == 0
		}
	}
	if !id.constructed {
		return true
	}
	if depth >= MaxDepth {
		return false
	}
	s := der(c)
	for !s.empty() {
		var cid ident
		var cc []byte
		if !s.element(&cid, &cc) || !validElement(cid, cc, depth+1) {
			return false
		}
	}
	return true
}
