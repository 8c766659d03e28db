package attestation

import (
	"crypto"
	"crypto/sha1"
	"errors"

	"github.com/passkeykit/webauthn/trust"
)

// parseX5C reads the x5c certificates, leaf first, into ch: once per call,
// without copies (trust.Chain). More than trust.MaxChainLen certificates are
// rejected before any is read.
func parseX5C(f Format, step string, it Certs, ch *trust.Chain) error {
	if it.Len() > trust.MaxChainLen {
		return fail(f, step, ErrCertificate, trust.ErrChainTooLong)
	}
	var der []byte
	for it.Next(&der) {
		if err := ch.Append(der); err != nil {
			return fail(f, step, ErrCertificate, err)
		}
	}
	if ch.Len() == 0 {
		return fail(f, step, ErrCertificate, trust.ErrEmptyChain)
	}
	return nil
}

// leafKey returns the public key of ch's leaf, through the verifier's key
// cache.
func leafKey(in *Input, f Format, step string, ch *trust.Chain) (crypto.PublicKey, error) {
	k, err := in.Options.verifier().PublicKey(ch, 0)
	if err != nil {
		return nil, fail(f, step, ErrCertificate, err)
	}
	return k, nil
}

// judgeChain verifies ch (leaf first) at in.Time (§7.1 steps 23-24): against
// the anchors Options.Anchors supplies for the format and AAGUID when there are
// any (out.Judged), and otherwise every link's signature and validity only.
// Anchors never come from x5c. out.TrustPath is set to the chain's DER.
func judgeChain(in *Input, f Format, step string, ch *trust.Chain, opts *trust.ChainOptions, out *Result) error {
	v := in.Options.verifier()
	var pool *trust.Pool
	if in.Options != nil && in.Options.Anchors != nil {
		q := trust.Query{Format: f.String()}
		if in.AuthData != nil {
			q.AAGUID = in.AuthData.AAGUID
		}
		// The key identifier of the attestation certificate (FIDO MDS
		// attestationCertificateKeyIdentifiers): SHA-1 of its subjectPublicKey.
		keyID := sha1.Sum(ch.Certificate(0).PublicKeyBytes)
		q.KeyID = keyID[:]
		var err error
		if pool, err = in.Options.Anchors.Anchors(&q); err != nil {
			if errors.Is(err, trust.ErrRejected) {
				return fail(f, step, ErrUntrusted, err)
			}
			return fail(f, step, ErrAnchors, err)
		}
	}
	var res trust.Result
	var err error
	if pool != nil && pool.Len() > 0 {
		res, err = v.VerifyChain(ch, pool, in.Time, opts)
	} else {
		res, err = v.VerifyChainSignatures(ch, in.Time, opts)
	}
	if err != nil {
		return fail(f, step, ErrUntrusted, err)
	}
	path := make([][]byte, ch.Len())
	for i := range path {
		path[i] = ch.DER(i)
	}
	out.TrustPath = path
	out.Judged = res.Judged
	out.Anchor = res.Anchor
	return nil
}
