package bench

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
)

// The floor: only the standard-library work any verifier must do for a
// vector, with everything else (JSON, base64url, CBOR, authenticator data,
// COSE key decoding, extension parsing, policy) done once outside the loop.
// Per statement that is: SHA-256 of clientDataJSON; x509.ParseCertificate of
// every certificate in x5c; each statement signature check (ecdsa.VerifyASN1,
// rsa.VerifyPKCS1v15 / VerifyPSS, ed25519.Verify, ed448.Verify) with the hash
// it needs; CheckSignatureFrom along x5c and, where the vector names anchors,
// to the anchor; for tpm also the pubArea name hash; for apple the nonce hash.
// For none it is SHA-256 of clientDataJSON alone.

var errFloor = errors.New("bench: floor check failed")

// digest hashes msg with h into buf and returns the digest.
func digest(h crypto.Hash, msg []byte, buf *[64]byte) []byte {
	switch h {
	case crypto.SHA1:
		*(*[20]byte)(buf[:20]) = sha1.Sum(msg)
		return buf[:20]
	case crypto.SHA256:
		*(*[32]byte)(buf[:32]) = sha256.Sum256(msg)
		return buf[:32]
	case crypto.SHA384:
		*(*[48]byte)(buf[:48]) = sha512.Sum384(msg)
		return buf[:48]
	case crypto.SHA512:
		*buf = sha512.Sum512(msg)
		return buf[:64]
	}
	return nil
}

// verifySig is the bare stdlib (or circl, for Ed448) signature check of sig
// over msg with pub under alg.
func verifySig(pub crypto.PublicKey, alg cose.Algorithm, msg, sig []byte) bool {
	var buf [64]byte
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, digest(cosesig.Hash(alg), msg, &buf), sig)
	case *rsa.PublicKey:
		h := cosesig.Hash(alg)
		switch alg {
		case cose.PS256, cose.PS384, cose.PS512:
			return rsa.VerifyPSS(k, h, digest(h, msg, &buf), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(k, h, digest(h, msg, &buf), sig) == nil
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	case ed448.PublicKey:
		return ed448.Verify(k, msg, sig, "")
	}
	return false
}

// floorChain is the chain part of the floor: parse every x5c certificate,
// check each link, and the last certificate against the anchor (nil: none).
type floorChain struct {
	der    [][]byte
	anchor *x509.Certificate
	certs  []*x509.Certificate // scratch, reused
}

func newFloorChain(s attestation.Statement, anchors []*x509.Certificate) (*floorChain, error) {
	it, present, err := s.X5C()
	if err != nil || !present {
		return nil, err
	}
	fc := &floorChain{}
	var der []byte
	for it.Next(&der) {
		fc.der = append(fc.der, bytes.Clone(der))
	}
	if len(fc.der) == 0 {
		return nil, errFloor
	}
	last, err := x509.ParseCertificate(fc.der[len(fc.der)-1])
	if err != nil {
		return nil, err
	}
	for _, a := range anchors {
		if bytes.Equal(a.Raw, last.Raw) {
			break // x5c carries the anchor itself: its links are checked already
		}
		if last.CheckSignatureFrom(a) == nil {
			fc.anchor = a
			break
		}
	}
	if len(anchors) > 0 && fc.anchor == nil && !bytes.Equal(anchors[0].Raw, last.Raw) {
		return nil, errors.New("bench: floor: no anchor signs the last x5c certificate")
	}
	fc.certs = make([]*x509.Certificate, len(fc.der))
	return fc, nil
}

// run parses and links the chain; it returns the leaf.
func (fc *floorChain) run() (*x509.Certificate, error) {
	for i, d := range fc.der {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, err
		}
		fc.certs[i] = c
	}
	for i := 0; i+1 < len(fc.certs); i++ {
		if err := fc.certs[i].CheckSignatureFrom(fc.certs[i+1]); err != nil {
			return nil, err
		}
	}
	if fc.anchor != nil {
		if err := fc.certs[len(fc.certs)-1].CheckSignatureFrom(fc.anchor); err != nil {
			return nil, err
		}
	}
	return fc.certs[0], nil
}

// floorRegistration returns the floor work for a registration vector.
func floorRegistration(v *vector) (func() error, error) {
	var obj attestation.Object
	if err := attestation.ParseObject(v.attestationObject, &obj); err != nil {
		return nil, err
	}
	var ad authdata.AuthData
	if err := authdata.Parse(obj.AuthData, &ad); err != nil {
		return nil, err
	}
	var key cose.Key
	if err := cose.ParseKey(ad.CredentialPublicKey, &key); err != nil {
		return nil, err
	}
	cdj := v.clientDataJSON
	s := obj.AttStmt
	// signed is authData || clientDataHash, rebuilt in place each run.
	signed := make([]byte, len(obj.AuthData), len(obj.AuthData)+32)
	copy(signed, obj.AuthData)
	withHash := func() []byte {
		h := sha256.Sum256(cdj)
		return append(signed[:len(obj.AuthData)], h[:]...)
	}
	chain, err := newFloorChain(s, v.anchors)
	if err != nil {
		return nil, err
	}
	var sig []byte
	var alg cose.Algorithm
	if s.Has("sig") {
		if sig, err = s.Sig(); err != nil {
			return nil, err
		}
	}
	if s.Has("alg") {
		a, err := s.Alg()
		if err != nil {
			return nil, err
		}
		alg = cose.Algorithm(a)
	}
	switch obj.Format {
	case attestation.FormatNone:
		return func() error {
			_ = sha256.Sum256(cdj)
			return nil
		}, nil

	case attestation.FormatPacked, attestation.FormatAndroidKey:
		if chain == nil { // self attestation: the credential key signs
			pub, err := cosesig.PublicKey(&key)
			if err != nil {
				return nil, err
			}
			return func() error {
				if !verifySig(pub, alg, withHash(), sig) {
					return errFloor
				}
				return nil
			}, nil
		}
		return func() error {
			leaf, err := chain.run()
			if err != nil {
				return err
			}
			if !verifySig(leaf.PublicKey, alg, withHash(), sig) {
				return errFloor
			}
			return nil
		}, nil

	case attestation.FormatFIDOU2F:
		// verificationData = 0x00 || rpIdHash || clientDataHash || credentialId || 0x04 || x || y
		prefix := append([]byte{0}, ad.RPIDHash...)
		suffix := append(bytes.Clone(ad.CredentialID), 4)
		suffix = append(append(suffix, key.X...), key.Y...)
		buf := make([]byte, 0, len(prefix)+32+len(suffix))
		return func() error {
			leaf, err := chain.run()
			if err != nil {
				return err
			}
			h := sha256.Sum256(cdj)
			m := append(append(append(buf[:0], prefix...), h[:]...), suffix...)
			if !verifySig(leaf.PublicKey, cose.ES256, m, sig) {
				return errFloor
			}
			return nil
		}, nil

	case attestation.FormatApple:
		// nonce = SHA-256(authData || clientDataHash), compared with the
		// leaf's extension (located outside the loop: that is parsing).
		return func() error {
			if _, err := chain.run(); err != nil {
				return err
			}
			_ = sha256.Sum256(withHash())
			return nil
		}, nil

	case attestation.FormatTPM:
		certInfo, err := s.CertInfo()
		if err != nil {
			return nil, err
		}
		pubArea, err := s.PubArea()
		if err != nil {
			return nil, err
		}
		// extraData = hash_alg(authData || clientDataHash); the name is
		// nameAlg(pubArea), SHA-256 for every vector here.
		return func() error {
			leaf, err := chain.run()
			if err != nil {
				return err
			}
			var buf [64]byte
			_ = digest(cosesig.Hash(alg), withHash(), &buf)
			_ = sha256.Sum256(pubArea)
			if !verifySig(leaf.PublicKey, alg, certInfo, sig) {
				return errFloor
			}
			return nil
		}, nil
	}
	return nil, errors.New("bench: floor: format not covered: " + obj.Format.String())
}

// floorAuthentication returns the floor work for an authentication vector:
// SHA-256 of clientDataJSON and the signature over authData || hash with the
// stored credential key (decoded outside the loop).
func floorAuthentication(v *vector) (func() error, error) {
	var key cose.Key
	if err := cose.ParseKey(v.credKey, &key); err != nil {
		return nil, err
	}
	pub, err := cosesig.PublicKey(&key)
	if err != nil {
		return nil, err
	}
	cdj, ad, sig := v.clientDataJSON, v.authenticatorData, v.signature
	signed := make([]byte, len(ad), len(ad)+32)
	copy(signed, ad)
	return func() error {
		h := sha256.Sum256(cdj)
		if !verifySig(pub, key.Alg, append(signed[:len(ad)], h[:]...), sig) {
			return errFloor
		}
		return nil
	}, nil
}
