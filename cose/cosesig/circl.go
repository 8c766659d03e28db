// Ed448 and ML-DSA verification through circl (github.com/cloudflare/circl).

package cosesig

import (
	"crypto"

	"github.com/cloudflare/circl/sign/ed448"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"

	"github.com/passkeykit/webauthn/cose"
)

func verifyEd448Key(k *cose.Key, sig []byte, data [][]byte) error {
	return verifyEd448(ed448.PublicKey(k.X), sig, data)
}

func verifyMLDSAKey(alg cose.Algorithm, k *cose.Key, sig []byte, data [][]byte) error {
	pub, err := mldsaKey(k)
	if err != nil {
		return err
	}
	return verifyMLDSA(alg, pub, sig, data)
}

// verifyPubCircl is VerifyPublicKey for ed448.PublicKey and ML-DSA keys.
func verifyPubCircl(alg cose.Algorithm, pub crypto.PublicKey, sig []byte, data [][]byte) error {
	switch p := pub.(type) {
	case ed448.PublicKey:
		if (alg != cose.EdDSA && alg != cose.Ed448) || len(p) != ed448.PublicKeySize {
			return ErrAlgorithmMismatch
		}
		return verifyEd448(p, sig, data)
	case *mldsa44.PublicKey:
		if alg != cose.MLDSA44 {
			return ErrAlgorithmMismatch
		}
	case *mldsa65.PublicKey:
		if alg != cose.MLDSA65 {
			return ErrAlgorithmMismatch
		}
	case *mldsa87.PublicKey:
		if alg != cose.MLDSA87 {
			return ErrAlgorithmMismatch
		}
	default:
		return ErrAlgorithmMismatch
	}
	return verifyMLDSA(alg, pub, sig, data)
}

func publicKeyCircl(k *cose.Key) (crypto.PublicKey, error) {
	if k.Type == cose.OKP {
		return ed448.PublicKey(k.X), nil
	}
	return mldsaKey(k)
}

func mldsaKey(k *cose.Key) (crypto.PublicKey, error) {
	switch k.Alg {
	case cose.MLDSA44:
		pub := new(mldsa44.PublicKey)
		if len(k.Pub) != mldsa44.PublicKeySize || pub.UnmarshalBinary(k.Pub) != nil {
			return nil, ErrInvalidKey
		}
		return pub, nil
	case cose.MLDSA65:
		pub := new(mldsa65.PublicKey)
		if len(k.Pub) != mldsa65.PublicKeySize || pub.UnmarshalBinary(k.Pub) != nil {
			return nil, ErrInvalidKey
		}
		return pub, nil
	case cose.MLDSA87:
		pub := new(mldsa87.PublicKey)
		if len(k.Pub) != mldsa87.PublicKeySize || pub.UnmarshalBinary(k.Pub) != nil {
			return nil, ErrInvalidKey
		}
		return pub, nil
	}
	return nil, ErrInvalidKey
}

func verifyEd448(pub ed448.PublicKey, sig []byte, data [][]byte) error {
	var buf [MaxStackMessage]byte
	if !ed448.Verify(pub, message(&buf, data), sig, "") {
		return ErrSignature
	}
	return nil
}

func verifyMLDSA(alg cose.Algorithm, pub crypto.PublicKey, sig []byte, data [][]byte) error {
	// m is a copy, never a view of data: circl's Verify lets its message
	// escape, and a view would make every caller's data escape with it
	// (moving the ceremonies' hashes and parsed structures to the heap).
	n := 0
	for _, p := range data {
		n += len(p)
	}
	m := make([]byte, 0, n)
	for _, p := range data {
		m = append(m, p...)
	}
	var ok bool
	switch p := pub.(type) {
	case *mldsa44.PublicKey:
		ok = alg == cose.MLDSA44 && mldsa44.Verify(p, m, nil, sig)
	case *mldsa65.PublicKey:
		ok = alg == cose.MLDSA65 && mldsa65.Verify(p, m, nil, sig)
	case *mldsa87.PublicKey:
		ok = alg == cose.MLDSA87 && mldsa87.Verify(p, m, nil, sig)
	}
	if !ok {
		return ErrSignature
	}
	return nil
}
