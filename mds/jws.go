package mds

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strconv"
	"time"

	"github.com/passkeykit/webauthn/internal/jsonx"
	"github.com/passkeykit/webauthn/trust"
)

// MinRSABits is the smallest RSA modulus accepted for the BLOB signing key:
// RFC 7518 §3.3 requires 2048 bits for RS*/PS*.
const MinRSABits = 2048

// jwsHeader holds the JOSE header members Load uses (RFC 7515 §4.1). Others
// are ignored, except crit, which must be absent.
type jwsHeader struct {
	Alg  string          `json:"alg"`
	X5C  []string        `json:"x5c"`
	X5U  string          `json:"x5u"`
	Crit json.RawMessage `json:"crit"`
}

var headerNames = []string{"alg", "x5c", "x5u", "crit"}

// jwsAlg describes a JWA signature algorithm (RFC 7518 §3.1).
type jwsAlg struct {
	hash  crypto.Hash
	kind  byte // 'R' PKCS#1 v1.5, 'P' PSS, 'E' ECDSA
	curve elliptic.Curve
}

func lookupAlg(name string) (jwsAlg, bool) {
	switch name {
	case "RS256":
		return jwsAlg{crypto.SHA256, 'R', nil}, true
	case "RS384":
		return jwsAlg{crypto.SHA384, 'R', nil}, true
	case "RS512":
		return jwsAlg{crypto.SHA512, 'R', nil}, true
	case "PS256":
		return jwsAlg{crypto.SHA256, 'P', nil}, true
	case "PS384":
		return jwsAlg{crypto.SHA384, 'P', nil}, true
	case "PS512":
		return jwsAlg{crypto.SHA512, 'P', nil}, true
	case "ES256":
		return jwsAlg{crypto.SHA256, 'E', elliptic.P256()}, true
	case "ES384":
		return jwsAlg{crypto.SHA384, 'E', elliptic.P384()}, true
	case "ES512":
		return jwsAlg{crypto.SHA512, 'E', elliptic.P521()}, true
	}
	return jwsAlg{}, false
}

// signedBLOB is a JWS whose signature and chain verified.
type signedBLOB struct {
	alg     string
	chain   []*x509.Certificate
	payload []byte
}

// verifyJWS checks the compact JWS blob (RFC 7515 §7.1) and returns its
// payload. See Load for what is rejected.
func verifyJWS(blob []byte, o *LoadOptions, v *trust.Verifier) (*signedBLOB, error) {
	parts := bytes.Split(blob, []byte{'.'})
	if len(parts) != 3 {
		return nil, fail(ErrMalformedJWS, "", nil)
	}
	b64 := base64.RawURLEncoding.Strict()
	hdrJSON, err := b64.DecodeString(string(parts[0]))
	if err != nil {
		return nil, fail(ErrMalformedJWS, "header", err)
	}
	payload, err := b64.DecodeString(string(parts[1]))
	if err != nil {
		return nil, fail(ErrMalformedJWS, "payload", err)
	}
	sig, err := b64.DecodeString(string(parts[2]))
	if err != nil {
		return nil, fail(ErrMalformedJWS, "signature", err)
	}
	if !jsonx.Valid(hdrJSON) || !exactCase(hdrJSON, headerNames) {
		return nil, fail(ErrMalformedJWS, "header", nil)
	}
	var h jwsHeader
	if err := json.Unmarshal(hdrJSON, &h); err != nil {
		return nil, fail(ErrMalformedJWS, "header", err)
	}
	if h.Crit != nil {
		return nil, fail(ErrMalformedJWS, "header.crit", nil)
	}
	alg, ok := lookupAlg(h.Alg)
	if !ok {
		return nil, fail(ErrAlgorithm, "header.alg", nil)
	}
	switch {
	case len(h.X5C) == 0:
		// x5u would need a network fetch; a key from jwk/kid is never trusted.
		return nil, fail(ErrUntrustedBLOB, "header.x5c", nil)
	case len(h.X5C) > trust.MaxChainLen:
		return nil, fail(ErrUntrustedBLOB, "header.x5c", trust.ErrChainTooLong)
	}
	chain := make([]*x509.Certificate, len(h.X5C))
	for i, s := range h.X5C {
		der, err := base64.StdEncoding.Strict().DecodeString(s)
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
	if !issuedTo(leaf, signer) {
		return nil, fail(ErrUntrustedBLOB, "header.x5c[0]", ErrSignerName)
	}
	if err := checkCRLs(chain, o); err != nil {
		return nil, err
	}
	signed := blob[:len(parts[0])+1+len(parts[1])]
	if err := verifySig(alg, leaf.PublicKey, signed, sig); err != nil {
		return nil, err
	}
	return &signedBLOB{alg: h.Alg, chain: chain, payload: payload}, nil
}

var errKeyUsage = jsonErr("signing certificate keyUsage lacks digitalSignature")

// issuedTo reports whether c is issued to name: a dNSName equal to it, or,
// for a certificate without dNSNames, that subject common name. Wildcards are
// not expanded.
func issuedTo(c *x509.Certificate, name string) bool {
	if len(c.DNSNames) == 0 {
		return c.Subject.CommonName == name
	}
	for _, n := range c.DNSNames {
		if n == name {
			return true
		}
	}
	return false
}

// jsonErr is a tiny constant error type, so that causes need no fmt.
type jsonErr string

func (e jsonErr) Error() string { return string(e) }

// verifySig checks a JWS signature (RFC 7518 §3.3-3.5) over signed.
func verifySig(alg jwsAlg, pub crypto.PublicKey, signed, sig []byte) error {
	h := alg.hash.New()
	h.Write(signed)
	digest := h.Sum(nil)
	switch alg.kind {
	case 'R', 'P':
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k.N.BitLen() < MinRSABits {
			return fail(ErrAlgorithm, "header.alg", nil)
		}
		var err error
		if alg.kind == 'R' {
			err = rsa.VerifyPKCS1v15(k, alg.hash, digest, sig)
		} else {
			err = rsa.VerifyPSS(k, alg.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		if err != nil {
			return fail(ErrSignature, "signature", err)
		}
	case 'E':
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != alg.curve {
			return fail(ErrAlgorithm, "header.alg", nil)
		}
		n := (alg.curve.Params().BitSize + 7) / 8
		if len(sig) != 2*n {
			return fail(ErrSignature, "signature", nil)
		}
		r := new(big.Int).SetBytes(sig[:n])
		s := new(big.Int).SetBytes(sig[n:])
		if !ecdsa.Verify(k, digest, r, s) {
			return fail(ErrSignature, "signature", nil)
		}
	}
	return nil
}

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
