package tpm

// reader is a big-endian TPM wire-format reader in the style of
// golang.org/x/crypto/cryptobyte.String: every read consumes from the front,
// returns false when the input is short, and results alias the input.
type reader []byte

func (r *reader) u8(out *uint8) bool {
	if len(*r) < 1 {
		return false
	}
	*out = (*r)[0]
	*r = (*r)[1:]
	return true
}

func (r *reader) u16(out *uint16) bool {
	if len(*r) < 2 {
		return false
	}
	b := *r
	*out = uint16(b[0])<<8 | uint16(b[1])
	*r = b[2:]
	return true
}

func (r *reader) u32(out *uint32) bool {
	if len(*r) < 4 {
		return false
	}
	b := *r
	*out = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	*r = b[4:]
	return true
}

func (r *reader) u64(out *uint64) bool {
	var hi, lo uint32
	if !r.u32(&hi) || !r.u32(&lo) {
		return false
	}
	*out = uint64(hi)<<32 | uint64(lo)
	return true
}

// tpm2b reads a TPM2B: a uint16 size followed by that many bytes, which must
// not exceed max. The result is a view into the input.
func (r *reader) tpm2b(out *[]byte, max int) bool {
	var n uint16
	if !r.u16(&n) || int(n) > max || int(n) > len(*r) {
		return false
	}
	*out = (*r)[:n:n]
	*r = (*r)[n:]
	return true
}

func (r *reader) empty() bool { return len(*r) == 0 }
