package tpm

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
)

// NameMatches reports whether name is the TPM Name of the object whose
// TPMT_PUBLIC is pubArea (TPM 2.0 Part 1 §16, Part 2 §10.5.3): nameAlg as two
// big-endian bytes followed by H_nameAlg(pubArea), hashed over the raw bytes,
// never a re-encoding. This is the certInfo.attested.name check of WebAuthn
// §8.3.
//
// It returns false when name's algorithm is not SHA-1, SHA-256, SHA-384 or
// SHA-512, when it differs from the nameAlg field of pubArea, when pubArea is
// too short to hold a nameAlg, and when the digest differs. It does not parse
// pubArea beyond its first four bytes and does not allocate.
func NameMatches(name []byte, pubArea []byte) bool {
	if len(name) < 2 || len(pubArea) < 4 {
		return false
	}
	alg := uint16(name[0])<<8 | uint16(name[1])
	if alg != uint16(pubArea[2])<<8|uint16(pubArea[3]) {
		return false
	}
	d := name[2:]
	switch alg {
	case AlgSHA1:
		h := sha1.Sum(pubArea)
		return bytes.Equal(d, h[:])
	case AlgSHA256:
		h := sha256.Sum256(pubArea)
		return bytes.Equal(d, h[:])
	case AlgSHA384:
		h := sha512.Sum384(pubArea)
		return bytes.Equal(d, h[:])
	case AlgSHA512:
		h := sha512.Sum512(pubArea)
		return bytes.Equal(d, h[:])
	}
	return false
}
