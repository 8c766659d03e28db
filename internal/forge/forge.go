// Package forge builds deterministic WebAuthn credentials and attestations for
// tests, the testdata vector generator and benchmarks: keys derived from a seed,
// certificates with fixed validity, authenticator data, client data, attestation
// objects and the statements of every format, with knobs that break exactly one
// check so negative tests can aim at one step of a verification procedure.
//
// forge is test support. It uses encoding/json, fmt-free but heavy encoders
// (fxamacker/cbor, crypto/x509) and panics on misuse; library code must never
// import it.
//
// Determinism: ECDSA keys are scalars derived from SHA-512(seed ‖ label) and
// sign with RFC 6979 (ecdsa.PrivateKey.Sign with a nil reader); Ed25519 and
// Ed448 keys come from seeds derived the same way; RSA keys cannot be derived
// from a seed since Go 1.26 ignores the reader of rsa.GenerateKey, so they are
// picked by label from fixed PEM keys embedded from testdata/, and PSS salts
// are derived from the message. Certificates get derived serials and the fixed
// validity [Epoch, Epoch+20y).
package forge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"embed"
	"encoding/binary"
	"encoding/pem"
	"io"
	"math/big"
	"sort"
	"sync"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
)

// Forge derives every key, identifier and serial number from its seed.
type Forge struct {
	seed []byte
}

// New returns a Forge for seed. Equal seeds give byte-identical output.
func New(seed string) *Forge { return &Forge{seed: []byte(seed)} }

// Bytes returns n bytes derived from the seed and label (SHA-512 in counter mode).
func (f *Forge) Bytes(label string, n int) []byte {
	out := make([]byte, 0, n+sha512.Size)
	var ctr [4]byte
	for i := uint32(0); len(out) < n; i++ {
		binary.BigEndian.PutUint32(ctr[:], i)
		h := sha512.New()
		h.Write([]byte("forge\x00"))
		h.Write(f.seed)
		h.Write([]byte{0})
		h.Write([]byte(label))
		h.Write([]byte{0})
		h.Write(ctr[:])
		out = h.Sum(out)
	}
	return out[:n]
}

// AAGUID returns a 16-byte AAGUID derived from label.
func (f *Forge) AAGUID(label string) authdata.AAGUID {
	var a authdata.AAGUID
	copy(a[:], f.Bytes("aaguid/"+label, 16))
	return a
}

// Key is a private key with the COSE algorithm it signs with. Private is an
// *ecdsa.PrivateKey, ed25519.PrivateKey, ed448.PrivateKey or *rsa.PrivateKey.
// Alg and Private may be set independently to build mismatched keys.
type Key struct {
	Alg     cose.Algorithm
	Private crypto.PrivateKey
}

// Key derives the key named label for alg: EC2 on the curve alg names for
// ES*/ESP*, Ed25519 for EdDSA and Ed25519, Ed448 for Ed448, RSA-2048 for
// RS*, PS* and RS1.
func (f *Forge) Key(label string, alg cose.Algorithm) *Key {
	k := &Key{Alg: alg}
	switch alg {
	case cose.ES256, cose.ESP256:
		k.Private = f.ecdsaKey(label, elliptic.P256())
	case cose.ES384, cose.ESP384:
		k.Private = f.ecdsaKey(label, elliptic.P384())
	case cose.ES512, cose.ESP512:
		k.Private = f.ecdsaKey(label, elliptic.P521())
	case cose.EdDSA, cose.Ed25519:
		k.Private = ed25519.NewKeyFromSeed(f.Bytes("ed25519/"+label, ed25519.SeedSize))
	case cose.Ed448:
		k.Private = ed448.NewKeyFromSeed(f.Bytes("ed448/"+label, ed448.SeedSize))
	case cose.RS256, cose.RS384, cose.RS512, cose.PS256, cose.PS384, cose.PS512, cose.RS1:
		keys := rsaKeys()
		k.Private = keys[int(binary.BigEndian.Uint32(f.Bytes("rsa/"+label, 4))%uint32(len(keys)))]
	default:
		panic("forge: no key type for algorithm " + alg.String())
	}
	return k
}

// ECDSAKey derives an ECDSA key on curve c (P-256, P-384 or P-521).
func (f *Forge) ECDSAKey(label string, c elliptic.Curve) *ecdsa.PrivateKey {
	return f.ecdsaKey(label, c)
}

func (f *Forge) ecdsaKey(label string, c elliptic.Curve) *ecdsa.PrivateKey {
	size := (c.Params().BitSize + 7) / 8
	// 16 extra bytes make the bias of the reduction negligible.
	d := new(big.Int).SetBytes(f.Bytes("ecdsa/"+c.Params().Name+"/"+label, size+16))
	nm1 := new(big.Int).Sub(c.Params().N, big.NewInt(1))
	d.Mod(d, nm1).Add(d, big.NewInt(1))
	k, err := ecdsa.ParseRawPrivateKey(c, d.FillBytes(make([]byte, size)))
	if err != nil {
		panic("forge: " + err.Error())
	}
	return k
}

//go:embed testdata/rsa2048-*.pem
var rsaPEM embed.FS

var rsaKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	ents, err := rsaPEM.ReadDir("testdata")
	if err != nil {
		panic(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []*rsa.PrivateKey
	for _, n := range names {
		b, err := rsaPEM.ReadFile("testdata/" + n)
		if err != nil {
			panic(err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			panic("forge: bad PEM " + n)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			panic(err)
		}
		out = append(out, k.(*rsa.PrivateKey))
	}
	return out
})

// Public returns the public key.
func (k *Key) Public() crypto.PublicKey {
	switch p := k.Private.(type) {
	case *ecdsa.PrivateKey:
		return &p.PublicKey
	case ed25519.PrivateKey:
		return p.Public()
	case ed448.PrivateKey:
		return p.Public()
	case *rsa.PrivateKey:
		return &p.PublicKey
	}
	panic("forge: unknown private key type")
}

// Signer returns a crypto.Signer that signs deterministically (RFC 6979 for
// ECDSA), for crypto/x509. Ed448 is not supported by crypto/x509.
func (k *Key) Signer() crypto.Signer { return detSigner{k} }

type detSigner struct{ k *Key }

func (s detSigner) Public() crypto.PublicKey { return s.k.Public() }

func (s detSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	switch p := s.k.Private.(type) {
	case *ecdsa.PrivateKey:
		return p.Sign(nil, digest, opts)
	case ed25519.PrivateKey:
		return p.Sign(nil, digest, opts)
	case *rsa.PrivateKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			return signPSS(p, pss.Hash, digest), nil
		}
		return rsa.SignPKCS1v15(nil, p, opts.HashFunc(), digest)
	}
	panic("forge: key type cannot sign certificates")
}

func digest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA1:
		d := sha1.Sum(msg)
		return d[:]
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(msg)
		return d[:]
	}
	panic("forge: no hash")
}

// Sign signs the concatenation of data with k.Alg, deterministically. The
// algorithm decides the scheme; the key must be of a matching type, except that
// an ECDSA algorithm signs with whatever curve the key has (for mismatch tests).
func (k *Key) Sign(data ...[]byte) []byte {
	var msg []byte
	for _, d := range data {
		msg = append(msg, d...)
	}
	var sig []byte
	var err error
	switch p := k.Private.(type) {
	case *ecdsa.PrivateKey:
		h := cosesig.Hash(k.Alg)
		if h == 0 {
			h = crypto.SHA256
		}
		sig, err = p.Sign(nil, digest(h, msg), h)
	case ed25519.PrivateKey:
		sig = ed25519.Sign(p, msg)
	case ed448.PrivateKey:
		sig = ed448.Sign(p, msg, "")
	case *rsa.PrivateKey:
		h := cosesig.Hash(k.Alg)
		switch k.Alg {
		case cose.PS256, cose.PS384, cose.PS512:
			sig = signPSS(p, h, digest(h, msg))
		default:
			if h == 0 {
				h = crypto.SHA256
			}
			sig, err = rsa.SignPKCS1v15(nil, p, h, digest(h, msg))
		}
	default:
		panic("forge: unknown private key type")
	}
	if err != nil {
		panic("forge: " + err.Error())
	}
	return sig
}

// signPSS is RSASSA-PSS (RFC 8017 §8.1, EMSA-PSS §9.1.1) with MGF1 of h and a
// salt as long as the hash, derived from the digest so that output is
// deterministic (crypto/rsa ignores the caller's reader since Go 1.26).
func signPSS(p *rsa.PrivateKey, h crypto.Hash, mHash []byte) []byte {
	hLen := h.Size()
	sd := sha256.Sum256(append([]byte("forge-pss-salt"), mHash...))
	salt := make([]byte, hLen)
	for i := range salt {
		salt[i] = sd[i%len(sd)] ^ byte(i)
	}
	emBits := p.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	mp := make([]byte, 8, 8+2*hLen)
	mp = append(append(mp, mHash...), salt...)
	hh := digest(h, mp)
	db := make([]byte, emLen-hLen-1)
	db[len(db)-hLen-1] = 1
	copy(db[len(db)-hLen:], salt)
	// MGF1
	var mask []byte
	var ctr [4]byte
	for i := uint32(0); len(mask) < len(db); i++ {
		binary.BigEndian.PutUint32(ctr[:], i)
		mask = append(mask, digest(h, append(append([]byte{}, hh...), ctr[:]...))...)
	}
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0xff >> (8*emLen - emBits)
	em := append(append(db, hh...), 0xbc)
	m := new(big.Int).SetBytes(em)
	s := new(big.Int).Exp(m, p.D, p.N)
	return s.FillBytes(make([]byte, (p.N.BitLen()+7)/8))
}
