package trust

import (
	"crypto"
	"crypto/sha256"
	"errors"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/internal/x509lite/x509sig"
)

// Chain is an attestation certificate chain (x5c order: leaf first) read
// without copies: each certificate is a view into the DER it was appended
// from, read by a strict reader of exactly the fields chain verification and
// the attestation statement formats use (WebAuthn L3 §8.2.1, §8.3.1, §8.4,
// §8.8). The DER must stay unmodified while the Chain is used. The zero value
// is an empty chain. A Chain holds MaxChainLen certificates inline, so it is
// meant for the stack or per-call state; it is not safe for concurrent use.
//
// The reader accepts a subset of what crypto/x509 accepts (plus negative
// serial numbers and the six early Yubico certificates ParseCertificate also
// mends): besides malformed input it refuses signature algorithms other than
// RSA PKCS #1 v1.5 with SHA-1/256/384/512, ECDSA with SHA-1/256/384/512 and
// Ed25519, keys other than RSA, ECDSA P-256/384/521 and Ed25519, unknown
// critical extensions, and certificates carrying nameConstraints
// (ErrNameConstraints), policyMappings, policyConstraints or inhibitAnyPolicy.
type Chain struct {
	n     int
	certs [MaxChainLen]x509lite.Certificate
	keys  [MaxChainLen]crypto.PublicKey
}

// Append reads der as the next certificate of the chain. It fails with
// ErrChainTooLong past MaxChainLen certificates, ErrNameConstraints for a
// certificate carrying nameConstraints, and the reader's error otherwise, each
// in an *Error naming the certificate's index.
func (ch *Chain) Append(der []byte) error {
	if ch.n == MaxChainLen {
		return errAt(MaxChainLen, ErrChainTooLong)
	}
	c := &ch.certs[ch.n]
	err := x509lite.Parse(der, c)
	if err != nil {
		if fixed, ok := fixYubicoUnusedBits(der); ok {
			err = x509lite.Parse(fixed, c)
		}
	}
	switch {
	case errors.Is(err, x509lite.ErrNameConstraints):
		return errAt(ch.n, ErrNameConstraints)
	case err != nil:
		return errAt(ch.n, err)
	}
	ch.keys[ch.n] = nil
	ch.n++
	return nil
}

// Reset empties the chain for reuse.
func (ch *Chain) Reset() { ch.n = 0 }

// Len returns the number of certificates.
func (ch *Chain) Len() int { return ch.n }

// DER returns certificate i's DER encoding, a view into the appended bytes
// (for one of the six mended Yubico certificates, into the mended copy).
func (ch *Chain) DER(i int) []byte { return ch.certs[i].Raw }

// Certificate returns certificate i as read. The result aliases the Chain.
func (ch *Chain) Certificate(i int) *x509lite.Certificate { return &ch.certs[i] }

// PublicKey returns certificate i's subject public key: *ecdsa.PublicKey (on
// its curve), *rsa.PublicKey or ed25519.PublicKey. It is parsed once per Chain
// and, with v.Cache set, once per Cache for byte-equal SubjectPublicKeyInfo
// (the batch attestation key every device of a model carries).
func (v *Verifier) PublicKey(ch *Chain, i int) (crypto.PublicKey, error) {
	if k := ch.keys[i]; k != nil {
		return k, nil
	}
	c := &ch.certs[i]
	var sum [sha256.Size]byte
	if v.Cache != nil {
		sum = sha256.Sum256(c.RawSPKI)
		if k := v.Cache.key(sum, c.RawSPKI); k != nil {
			ch.keys[i] = k
			return k, nil
		}
	}
	k, err := x509sig.PublicKey(c)
	if err != nil {
		return nil, errAt(i, err)
	}
	if v.Cache != nil {
		v.Cache.putKey(sum, c.RawSPKI, k)
	}
	ch.keys[i] = k
	return k, nil
}
