package redis

import (
	"encoding/binary"

	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
)

// recordVersion is the first byte of every record. A record of another
// version (version 1, which had no AppID flag, or the JSON an older release
// wrote) is unreadable: Consume deletes it and fails, never returning a
// challenge it cannot read exactly. Challenges live minutes, so a deployment
// that changes the version loses only the ceremonies in flight.
const recordVersion = 2

// The bits of the flags byte.
const (
	flagConditional = 1 << iota // Challenge.Conditional
	flagAppID                   // Challenge.AppID
	flagsKnown      = flagConditional | flagAppID
)

// appendRecord appends to b the fields of c that neither the key nor the
// hash's own fields ("c" client ID, "s"/"n" expiry) hold:
//
//	version (1 byte) | userVerification (1) | flags (1: conditional, appid)
//	| uvarint count | count × varint algorithm
//	| uvarint count | count × (uvarint length | credential ID)
func appendRecord(b []byte, c *ceremony.Challenge) []byte {
	var flags byte
	if c.Conditional {
		flags |= flagConditional
	}
	if c.AppID {
		flags |= flagAppID
	}
	b = append(b, recordVersion, byte(c.UserVerification), flags)
	b = binary.AppendUvarint(b, uint64(len(c.Algorithms)))
	for _, a := range c.Algorithms {
		b = binary.AppendVarint(b, int64(a))
	}
	b = binary.AppendUvarint(b, uint64(len(c.AllowCredentials)))
	for _, id := range c.AllowCredentials {
		b = binary.AppendUvarint(b, uint64(len(id)))
		b = append(b, id...)
	}
	return b
}

// parseRecord reads a record written by appendRecord into c's
// UserVerification, Conditional, AppID, Algorithms and AllowCredentials. It
// rejects another version, a flags byte with a bit it does not know, a
// count or length beyond the bytes left, a non-minimal or overlong varint,
// and trailing bytes. The credential IDs are views into d
// (capacity-limited, so appending to one never overwrites the next): d must
// stay unmodified while c is used. On false, c may be partly filled in and
// must be discarded.
func parseRecord(d []byte, c *ceremony.Challenge) bool {
	if len(d) < 3 || d[0] != recordVersion || d[2]&^flagsKnown != 0 {
		return false
	}
	c.UserVerification = ceremony.UserVerification(d[1])
	c.Conditional = d[2]&flagConditional != 0
	c.AppID = d[2]&flagAppID != 0
	d = d[3:]

	// Every algorithm and every credential takes at least one byte, so a
	// count above len(d) is refused before anything is allocated.
	n, ok := readUvarint(&d)
	if !ok || n > uint64(len(d)) {
		return false
	}
	c.Algorithms = nil
	if n > 0 {
		c.Algorithms = make([]cose.Algorithm, n)
	}
	for i := range c.Algorithms {
		a, ok := readVarint(&d)
		if !ok {
			return false
		}
		c.Algorithms[i] = cose.Algorithm(a)
	}

	if n, ok = readUvarint(&d); !ok || n > uint64(len(d)) {
		return false
	}
	c.AllowCredentials = nil
	if n > 0 {
		c.AllowCredentials = make([][]byte, n)
	}
	for i := range c.AllowCredentials {
		l, ok := readUvarint(&d)
		if !ok || l > uint64(len(d)) {
			return false
		}
		c.AllowCredentials[i] = d[:l:l]
		d = d[l:]
	}
	return len(d) == 0
}

// readUvarint reads a minimally encoded uvarint from the front of *d: a
// last group of 0x00 after the first (a value padded with zeros) is refused,
// so each value has one encoding.
func readUvarint(d *[]byte) (uint64, bool) {
	v, k := binary.Uvarint(*d)
	if k <= 0 || (k > 1 && (*d)[k-1] == 0) {
		return 0, false
	}
	*d = (*d)[k:]
	return v, true
}

// readVarint is readUvarint for a zig-zag encoded signed varint, whose
// encoding is the uvarint of the zig-zag value.
func readVarint(d *[]byte) (int64, bool) {
	v, k := binary.Varint(*d)
	if k <= 0 || (k > 1 && (*d)[k-1] == 0) {
		return 0, false
	}
	*d = (*d)[k:]
	return v, true
}
