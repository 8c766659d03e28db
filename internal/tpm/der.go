package tpm

// der is a minimal DER reader (ITU-T X.690 §8, §10) in the style of
// golang.org/x/crypto/cryptobyte.String. It is hand-written because
// cryptobyte imports fmt and reflect, which parsers here must not depend on.
// Only low-tag-number identifiers (tag number < 31) are accepted, which is all
// a subjectAltName holds.
type der []byte

// DER identifier octets used in the subjectAltName.
const (
	tagOID             = 0x06
	tagUTF8String      = 0x0c
	tagPrintableString = 0x13
	tagSequence        = 0x30
	tagSet             = 0x31
	tagDirectoryName   = 0xa4 // [4] constructed, GeneralName.directoryName (RFC 5280 §4.2.1.6)
)

// element reads one element, returning its identifier octet and contents.
// It rejects high-tag-number identifiers, indefinite and non-minimal lengths,
// lengths over four octets and lengths past the end of the input.
func (d *der) element(tag *byte, contents *[]byte) bool {
	b := *d
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return false
	}
	*tag = b[0]
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k || b[2] == 0 {
			return false
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		if n < 0x80 {
			return false
		}
		hdr += k
	}
	if n > len(b)-hdr {
		return false
	}
	*contents = b[hdr : hdr+n : hdr+n]
	*d = b[hdr+n:]
	return true
}

// read reads one element that must have identifier tag.
func (d *der) read(tag byte, contents *[]byte) bool {
	var t byte
	saved := *d
	if !d.element(&t, contents) || t != tag {
		*d = saved
		return false
	}
	return true
}

func (d *der) empty() bool { return len(*d) == 0 }
