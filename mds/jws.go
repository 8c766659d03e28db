package mds

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strconv"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/jws"
	"github.com/passkeykit/webauthn/trust"
)

// MinRSABits is the smallest RSA modulus accepted for the BLOB signing key:
// RFC 7518 §3.3 requires 2048 bits for RS*/PS*. Keys above cose.MaxRSABits
// are refused too.
const MinRSABits = cose.MinRSABits

// signedBLOB is a JWS whose signature and chain verified.
type signedBLOB struct {
	alg     string
	chain   []*x509.Certificate
	payload []byte
}

// verifyJWS checks the compact JWS blob (RFC 7515 §7.1) with internal/jws and
// returns its payload. See Load for what is rejected.
func verifyJWS(blob []byte, o *LoadOptions, v *trust.Verifier) (*signedBLOB, error) {
	var parts jws.Parts
	if err := jws.Split(blob, &parts); err != nil {
		return nil, fail(ErrMalformedJWS, "", err)
	}
	hdrJSON, err := decodePart(parts.Header)
	if err != nil {
		return nil, fail(ErrMalformedJWS, "header", err)
	}
	payload, err := decodePart(parts.Payload)
	if err != nil {
		return nil, fail(ErrMalformedJWS, "payload", err)
	}
	sig, err := decodePart(parts.Signature)
	if err != nil {
		return nil, fail(ErrMalformedJWS, "signature", err)
	}
	var h jws.Header
	switch err := jws.ParseHeader(hdrJSON, &h); err {
	case nil:
	case jws.ErrAlgorithm:
		return nil, fail(ErrAlgorithm, "header.alg", err)
	case jws.ErrNoX5C:
		// x5u would need a network fetch; a key from jwk/kid is never trusted.
		return nil, fail(ErrUntrustedBLOB, "header.x5c", err)
	case trust.ErrChainTooLong:
		return nil, fail(ErrUntrustedBLOB, "header.x5c", err)
	default:
		return nil, fail(ErrMalformedJWS, "header", err)
	}
	chain := make([]*x509.Certificate, h.NumX5C())
	for i := range chain {
		der, err := h.Certificate(i)
		if err == nil {
			chain[i], err = x509.ParseCertificate(der)
		}
		if err != nil {
			return nil, fail(ErrMalformedJWS, "header.x5c["+strconv.Itoa(i)+"]", err)
		}
	}
	if _, err := v.Verify(chain, o.Roots, o.At, nil); err != nil {
		return nil, fail(ErrUntrustedBLOB, "header.x5c", err)
	}
	leaf := chain[0]
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fail(ErrUntrustedBLOB, "header.x5c[0]", errKeyUsage)
	}
	signer := o.Signer
	if signer == "" {
		signer = DefaultSigner
	}
	if !jws.IssuedTo(leaf, signer) {
		return nil, fail(ErrUntrustedBLOB, "header.x5c[0]", ErrSignerName)
	}
	if err := checkCRLs(chain, o); err != nil {
		return nil, err
	}
	if err := jws.Verify(h.Alg, leaf.PublicKey, sig, parts.Signed); err != nil {
		if errors.Is(err, cosesig.ErrSignature) {
			return nil, fail(ErrSignature, "signature", err)
		}
		return nil, fail(ErrAlgorithm, "header.alg", err)
	}
	return &signedBLOB{alg: jws.AlgorithmName(h.Alg), chain: chain, payload: payload}, nil
}

// decodePart decodes one base64url part of the BLOB into a new buffer.
func decodePart(text []byte) ([]byte, error) {
	n, err := jws.DecodedLen(text)
	if err != nil {
		return nil, err
	}
	return jws.Decode(make([]byte, n), text)
}

var errKeyUsage = jsonErr("signing certificate keyUsage lacks digitalSignature")

// jsonErr is a tiny constant error type, so that causes need no fmt.
type jsonErr string

func (e jsonErr) Error() string { return string(e) }

// checkCRLs applies o.CRLs to the signing chain (RFC 5280 §6.3, simplified to
// complete CRLs issued by the certificate's own issuer). Every CRL must be
// DER or PEM "X509 CRL", be issued and signed by a certificate of the chain
// or by a caller root, and have thisUpdate <= At; a serial it lists that
// belongs to a chain certificate issued by the CRL's issuer fails the load
// with ErrSignerRevoked. A CRL past its nextUpdate still applies its
// revocations; it is reported through staleCRL (and rejected with ErrStale
// under RejectStale) because it no longer proves non-revocation.
func checkCRLs(chain []*x509.Certificate, o *LoadOptions) error {
	issuers := append(append([]*x509.Certificate(nil), chain...), o.Roots.Certificates()...)
	for i, raw := range o.CRLs {
		field := "CRLs[" + strconv.Itoa(i) + "]"
		der := raw
		if b, rest := pem.Decode(raw); b != nil {
			if b.Type != "X509 CRL" || len(bytes.TrimSpace(rest)) != 0 {
				return fail(ErrCRL, field, nil)
			}
			der = b.Bytes
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return fail(ErrCRL, field, err)
		}
		var issuer *x509.Certificate
		for _, c := range issuers {
			if bytes.Equal(c.RawSubject, crl.RawIssuer) && crl.CheckSignatureFrom(c) == nil {
				issuer = c
				break
			}
		}
		if issuer == nil {
			return fail(ErrCRL, field, errCRLIssuer)
		}
		if crl.ThisUpdate.After(o.At) {
			return fail(ErrCRL, field, errCRLNotYetValid)
		}
		if !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(o.At) {
			if o.RejectStale {
				return fail(ErrStale, field, nil)
			}
			o.staleCRL = true
		}
		for j, c := range chain {
			if !bytes.Equal(c.RawIssuer, crl.RawIssuer) || !bytes.Equal(c.AuthorityKeyId, issuer.SubjectKeyId) && len(c.AuthorityKeyId) != 0 && len(issuer.SubjectKeyId) != 0 {
				continue
			}
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(c.SerialNumber) == 0 && !e.RevocationTime.After(o.At) {
					return fail(ErrSignerRevoked, "header.x5c["+strconv.Itoa(j)+"]", nil)
				}
			}
		}
	}
	return nil
}

var (
	errCRLIssuer      = jsonErr("CRL issuer is not in the signing chain or the roots, or its signature does not verify")
	errCRLNotYetValid = jsonErr("CRL thisUpdate is after At")
)

// parseDate reads an MDS date: "YYYY-MM-DD" (ISO 8601 calendar date, taken as
// 00:00 UTC) or an RFC 3339 date-time.
func parseDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil && len(s) == len(time.DateOnly) {
		return t, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// openBLOB is what loading any metadata BLOB starts with, Load's and
// LoadConvenience's alike: the options name a time and roots, the BLOB is
// within MaxBLOBSize, and its JWS verifies (verifyJWS) with opts.Verifier or
// a Verifier without a cache. It returns the signed BLOB and the copy of
// opts that verifyJWS annotated (staleCRL).
func openBLOB(blob []byte, opts *LoadOptions) (*signedBLOB, *LoadOptions, error) {
	if opts == nil || opts.At.IsZero() {
		return nil, nil, fail(ErrNoTime, "", nil)
	}
	if opts.Roots.Len() == 0 {
		return nil, nil, fail(ErrNoRoots, "", nil)
	}
	if len(blob) > MaxBLOBSize {
		return nil, nil, fail(ErrTooLarge, "", nil)
	}
	o := *opts
	v := o.Verifier
	if v == nil {
		v = &trust.Verifier{}
	}
	sb, err := verifyJWS(bytes.TrimSpace(blob), &o, v)
	if err != nil {
		return nil, nil, err
	}
	return sb, &o, nil
}
