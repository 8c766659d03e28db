//go:build !cosecircl

// Without -tags cosecircl, Ed448 and ML-DSA are not compiled in (see circl.go):
// keys of those algorithms still parse, but verifying with them returns
// ErrUnsupportedAlgorithm.

package cosesig

import (
	"crypto"

	"github.com/passkeykit/webauthn/cose"
)

const circlBuilt = false

func verifyEd448Key(*cose.Key, []byte, [][]byte) error { return ErrUnsupportedAlgorithm }

func verifyMLDSAKey(cose.Algorithm, *cose.Key, []byte, [][]byte) error {
	return ErrUnsupportedAlgorithm
}

func verifyPubCircl(cose.Algorithm, crypto.PublicKey, []byte, [][]byte) error {
	return ErrUnsupportedAlgorithm
}

func publicKeyCircl(*cose.Key) (crypto.PublicKey, error) { return nil, ErrUnsupportedAlgorithm }
