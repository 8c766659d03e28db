package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"time"
)

// MaxChainLen is the longest x5c accepted. Real attestation chains have at
// most 5 certificates (android-key with a remotely provisioned attestation
// key: leaf, attest key, 2 intermediates, root); 8 leaves room and bounds the
// signature checks an attacker can make one ceremony cost.
const MaxChainLen = 8

// ChainOptions are the caller's adjustments to the path check. A nil
// *ChainOptions is the strictest setting.
type ChainOptions struct {
	// HandledCriticalExtensions lists critical extension OIDs the caller
	// checks itself, e.g. subjectAltName (2.5.29.17) on TPM AIK certificates
	// (TPMv2 profile §3.2.9), which crypto/x509 leaves unhandled because the
	// subject is empty. Any other critical extension crypto/x509 did not
	// handle, in any chain certificate, fails with ErrUnhandledCritical.
	HandledCriticalExtensions []asn1.ObjectIdentifier
}

// Result describes a chain that verified.
type Result struct {
	// Judged is true when the chain was checked against anchors (Verify) and
	// false when only its signatures and validity were (VerifySignatures).
	Judged bool
	// Anchor is the anchor the chain ends at; nil when !Judged.
	Anchor *x509.Certificate
	// AnchorIndex is the position of Anchor in the chain, or len(chain) when
	// the anchor is outside the chain and signed its last certificate.
	AnchorIndex int
}

// Verifier checks attestation certificate chains. The zero value is ready to
// use and caches nothing; set Cache to share verified links across calls. A
// Verifier is safe for concurrent use.
type Verifier struct {
	Cache *Cache
	// RejectSHA1Signatures refuses certificates signed with SHA-1. Off by
	// default: crypto/x509 refuses them outright, but attestation PKI in the
	// field still carries them (the FIDO conformance roots, older TPM vendor
	// chains) and an attestation certificate is not a TLS server certificate.
	RejectSHA1Signatures bool
}

// Verify checks chain (x5c order: leaf first) against anchors at time at
// (WebAuthn L3 §7.1 steps 23-24). Every certificate must be valid at at
// (NotBefore <= at <= NotAfter, else ErrNotYetValid / ErrExpired) and carry no
// critical extension outside opts.HandledCriticalExtensions that crypto/x509
// left unhandled (ErrUnhandledCritical). Every link chain[i] -> chain[i+1]
// must have chain[i]'s raw issuer equal to chain[i+1]'s raw subject
// (ErrIssuerMismatch), an issuer with basicConstraints cA=TRUE (ErrNotCA) and,
// when keyUsage is present, keyCertSign (ErrNoCertSign), and a signature that
// verifies (ErrBadSignature; MD5 signatures are rejected as by
// x509.Certificate.CheckSignatureFrom, while SHA-1 signatures, which
// crypto/x509 refuses, are verified here unless v.RejectSHA1Signatures is
// set). A CA whose basicConstraints carry a
// pathLenConstraint, in the chain or the anchor outside it, may have at most
// that many certificates between itself and the leaf, self-issued ones
// included (RFC 5280 §6.1.4 (l)/(m); ErrPathLen, Index the constrained CA).
// A chain certificate or the anchor outside it that carries nameConstraints,
// critical or not, fails with ErrNameConstraints: they are not evaluated.
// The link cache holds signatures only; every other check runs on every
// call. Finally the chain must reach an
// anchor: some chain certificate is byte-equal to an anchor, or the last one
// is signed by an anchor whose subject matches its issuer and that is itself
// a CA valid at at. Otherwise it fails with ErrUntrusted, or with the
// anchor's validity error. A nil or empty anchors pool fails with
// ErrUntrusted: use VerifySignatures to check a chain without anchors.
// Chains that are empty (ErrEmptyChain), longer than MaxChainLen
// (ErrChainTooLong) or hold a nil certificate (ErrNilCertificate) are
// rejected. Every certificate is checked, even above the anchor. Errors other
// than ErrEmptyChain are *Error.
func (v *Verifier) Verify(chain []*x509.Certificate, anchors *Pool, at time.Time, opts *ChainOptions) (Result, error) {
	return v.verify(chain, anchors, true, at, opts)
}

// VerifySignatures performs every check of Verify except the anchor check: it
// is for callers that have no anchors for this authenticator and must still
// know the chain is internally sound. The Result has Judged == false.
func (v *Verifier) VerifySignatures(chain []*x509.Certificate, at time.Time, opts *ChainOptions) (Result, error) {
	return v.verify(chain, nil, false, at, opts)
}

func (v *Verifier) verify(chain []*x509.Certificate, anchors *Pool, judge bool, at time.Time, opts *ChainOptions) (Result, error) {
	n := len(chain)
	switch {
	case n == 0:
		return Result{}, ErrEmptyChain
	case n > MaxChainLen:
		return Result{}, errAt(MaxChainLen, ErrChainTooLong)
	}
	for i, c := range chain {
		if c == nil {
			return Result{}, errAt(i, ErrNilCertificate)
		}
		if err := checkValidity(c, at); err != nil {
			return Result{}, errAt(i, err)
		}
		if err := checkCritical(c, opts); err != nil {
			return Result{}, errAt(i, err)
		}
		if err := checkNames(c); err != nil {
			return Result{}, errAt(i, err)
		}
	}
	var links [MaxChainLen]linkKey
	for i := 0; i+1 < n; i++ {
		k, err := v.checkLink(chain[i], chain[i+1], at)
		if err != nil {
			return Result{}, errAt(i, err)
		}
		// Outside checkLink and its cache: a link verified on another path
		// says nothing about this path's length.
		if err := checkPathLen(chain[i+1], i); err != nil {
			return Result{}, errAt(i+1, err)
		}
		links[i] = k
	}
	res := Result{Judged: judge}
	if judge {
		if err := v.findAnchor(chain, anchors, at, &res); err != nil {
			return Result{}, err
		}
	}
	if v.Cache != nil {
		for i := 0; i+1 < n; i++ {
			v.Cache.putLink(links[i], window(chain[i], chain[i+1]))
		}
	}
	return res, nil
}

func checkValidity(c *x509.Certificate, at time.Time) error {
	switch {
	case at.Before(c.NotBefore):
		return ErrNotYetValid
	case at.After(c.NotAfter):
		return ErrExpired
	}
	return nil
}

func checkCritical(c *x509.Certificate, opts *ChainOptions) error {
	for _, oid := range c.UnhandledCriticalExtensions {
		handled := false
		if opts != nil {
			for _, h := range opts.HandledCriticalExtensions {
				if oid.Equal(h) {
					handled = true
					break
				}
			}
		}
		if !handled {
			return ErrUnhandledCritical
		}
	}
	return nil
}

// checkIssuer checks that issuer may have issued child, apart from the
// signature.
func checkIssuer(child, issuer *x509.Certificate) error {
	switch {
	case !bytes.Equal(child.RawIssuer, issuer.RawSubject):
		return ErrIssuerMismatch
	case issuer.Version == 3 && !issuer.BasicConstraintsValid, issuer.BasicConstraintsValid && !issuer.IsCA:
		// RFC 5280 §6.1.4 (k): a v3 issuer must assert cA; v1 and v2
		// certificates predate extensions and may issue (as in crypto/x509's
		// CheckSignatureFrom), which matters for configured v1 roots.
		return ErrNotCA
	case issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCertSign == 0:
		return ErrNoCertSign
	}
	return nil
}

// checkLink checks child -> issuer and returns the link's cache key.
func (v *Verifier) checkLink(child, issuer *x509.Certificate, at time.Time) (linkKey, error) {
	if err := checkIssuer(child, issuer); err != nil {
		return linkKey{}, err
	}
	k, ok := v.checkSignature(child, issuer, at)
	if !ok {
		return linkKey{}, ErrBadSignature
	}
	return k, nil
}

// checkSignature reports whether issuer's key signed child, consulting the
// link cache first, and returns the link's cache key (zero without a cache).
func (v *Verifier) checkSignature(child, issuer *x509.Certificate, at time.Time) (linkKey, bool) {
	var k linkKey
	if v.Cache != nil {
		k = linkKey{child: sha256.Sum256(child.Raw), issuerKey: sha256.Sum256(issuer.RawSubjectPublicKeyInfo)}
		if v.Cache.linkOK(k, at) {
			return k, true
		}
	}
	if child.CheckSignatureFrom(issuer) == nil {
		return k, true
	}
	return k, !v.RejectSHA1Signatures && checkSHA1Signature(child, issuer)
}

func (v *Verifier) findAnchor(chain []*x509.Certificate, anchors *Pool, at time.Time, res *Result) error {
	n := len(chain)
	for i, c := range chain {
		if anchors.Contains(c) {
			res.Anchor, res.AnchorIndex = c, i
			return nil
		}
	}
	last := chain[n-1]
	var firstErr error
	for _, a := range anchors.issuersOf(last) {
		err := checkIssuer(last, a)
		if err == nil {
			err = checkValidity(a, at)
		}
		if err == nil {
			err = checkNames(a)
		}
		if err == nil {
			err = checkPathLen(a, n-1)
		}
		if err == nil {
			k, ok := v.checkSignature(last, a, at)
			if ok {
				if v.Cache != nil {
					v.Cache.putLink(k, window(last, a))
				}
				res.Anchor, res.AnchorIndex = a, n
				return nil
			}
			err = ErrUntrusted // right name, another key
		}
		if firstErr == nil || firstErr == ErrUntrusted {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = ErrUntrusted
	}
	return errAt(n, firstErr)
}

// window returns the time span in which both child and issuer are valid.
func window(child, issuer *x509.Certificate) linkWindow {
	w := linkWindow{child.NotBefore, child.NotAfter}
	if issuer.NotBefore.After(w.notBefore) {
		w.notBefore = issuer.NotBefore
	}
	if issuer.NotAfter.Before(w.notAfter) {
		w.notAfter = issuer.NotAfter
	}
	return w
}
