package forge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"math/big"

	"github.com/cloudflare/circl/sign/ed448"
	"github.com/fxamacker/cbor/v2"

	"github.com/passkeykit/webauthn/cose"
)

// enc is CTAP2 canonical CBOR (RFC 8949 §4.2.3 length-first key order).
var enc = func() cbor.EncMode {
	m, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// Marshal encodes v as CTAP2 canonical CBOR and panics on failure.
// Use cbor.RawMessage for values already encoded.
func Marshal(v any) []byte {
	b, err := enc.Marshal(v)
	if err != nil {
		panic("forge: cbor: " + err.Error())
	}
	return b
}

// COSEKey is the parameters of a COSE_Key (RFC 9052 §7) by label, so that a
// test can add, drop or change one before encoding it.
type COSEKey map[int64]any

// COSEParams returns the COSE_Key parameters of k's public key with alg k.Alg.
func (k *Key) COSEParams() COSEKey { return COSEParams(k.Public(), k.Alg) }

// COSE returns the canonical COSE_Key encoding of k's public key with alg k.Alg.
func (k *Key) COSE() []byte { return Marshal(k.COSEParams()) }

// Bytes encodes the key.
func (c COSEKey) Bytes() []byte { return Marshal(map[int64]any(c)) }

// COSEParams returns the COSE_Key parameters of pub: EC2 {1:2, 3:alg, -1:crv,
// -2:x, -3:y} with fixed-length coordinates, OKP {1:1, 3:alg, -1:crv, -2:x},
// RSA {1:3, 3:alg, -1:n, -2:e} with minimal big-endian integers.
func COSEParams(pub crypto.PublicKey, alg cose.Algorithm) COSEKey {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		var crv cose.Curve
		switch p.Curve.Params().Name {
		case "P-256":
			crv = cose.P256
		case "P-384":
			crv = cose.P384
		case "P-521":
			crv = cose.P521
		}
		x, y := ECPoint(p)
		return COSEKey{1: int64(cose.EC2), 3: int64(alg), -1: int64(crv), -2: x, -3: y}
	case ed25519.PublicKey:
		return COSEKey{1: int64(cose.OKP), 3: int64(alg), -1: int64(cose.CurveEd25519), -2: []byte(p)}
	case ed448.PublicKey:
		return COSEKey{1: int64(cose.OKP), 3: int64(alg), -1: int64(cose.CurveEd448), -2: []byte(p)}
	case *rsa.PublicKey:
		return COSEKey{1: int64(cose.RSA), 3: int64(alg), -1: p.N.Bytes(), -2: big.NewInt(int64(p.E)).Bytes()}
	}
	panic("forge: unknown public key type")
}

// ECPoint returns the affine coordinates of p, each the field size long.
func ECPoint(p *ecdsa.PublicKey) (x, y []byte) {
	b, err := p.Bytes()
	if err != nil {
		panic("forge: " + err.Error())
	}
	n := (len(b) - 1) / 2
	return b[1 : 1+n], b[1+n:]
}
