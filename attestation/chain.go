package attestation

import (
	"crypto/sha1"
	"crypto/x509"
	"errors"

	"github.com/passkeykit/webauthn/trust"
)

// parseX5C parses the x5c certificates, leaf first, once per call: through the
// verifier's cache, so a batch attestation certificate seen before is not parsed
// again. More than trust.MaxChainLen certificates are rejected before any is parsed.
func parseX5C(in *Input, f Format, step string, it Certs) ([]*x509.Certificate, error) {
	if it.Len() > trust.MaxChainLen {
		return nil, fail(f, step, ErrCertificate, trust.ErrChainTooLong)
	}
	v := in.Options.verifier()
	certs := make([]*x509.Certificate, 0, it.Len())
	var der []byte
	for it.Next(&der) {
		var c *x509.Certificate
		var err error
		if v.Cache != nil {
			c, err = v.Cache.ParseCertificate(der)
		} else {
			c, err = trust.ParseCertificate(der)
		}
		if err != nil {
			return nil, fail(f, step, ErrCertificate, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// judgeChain verifies certs (leaf first) at in.Time (§7.1 steps 23-24): against
// the anchors Options.Anchors supplies for the format and AAGUID when there are
// any (out.Judged), and otherwise every link's signature and validity only.
// Anchors never come from x5c.
func judgeChain(in *Input, f Format, step string, certs []*x509.Certificate, opts *trust.ChainOptions, out *Result) error {
	v := in.Options.verifier()
	var pool *trust.Pool
	if in.Options != nil && in.Options.Anchors != nil {
		q := trust.Query{Format: f.String()}
		if in.AuthData != nil {
			q.AAGUID = in.AuthData.AAGUID
		}
		var keyID [sha1.Size]byte
		if trust.KeyID(certs[0], &keyID) {
			q.KeyID = keyID[:]
		}
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
		res, err = v.Verify(certs, pool, in.Time, opts)
	} else {
		res, err = v.VerifySignatures(certs, in.Time, opts)
	}
	if err != nil {
		return fail(f, step, ErrUntrusted, err)
	}
	out.TrustPath = certs
	out.Judged = res.Judged
	out.Anchor = res.Anchor
	return nil
}
