package trust

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"time"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/internal/x509lite/x509sig"
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
// (WebAuthn L3 §7.1 steps 23-24). The certificates are read again from their
// DER by the Chain reader, so a certificate the reader refuses (see Chain)
// fails here even though crypto/x509 parsed it. Every certificate must be
// valid at at (NotBefore <= at <= NotAfter, else ErrNotYetValid / ErrExpired)
// and carry no critical extension that crypto/x509 would leave unhandled and
// that is outside opts.HandledCriticalExtensions (ErrUnhandledCritical: a
// subjectAltName holding no DNS, email, IP or URI name, the FIDO AAGUID, Apple
// nonce and Android key description extensions; the reader refuses other
// unknown critical extensions). Every link chain[i] -> chain[i+1]
// must have chain[i]'s raw issuer equal to chain[i+1]'s raw subject
// (ErrIssuerMismatch), an issuer with basicConstraints cA=TRUE (ErrNotCA) and,
// when keyUsage is present, keyCertSign (ErrNoCertSign), and a signature that
// verifies (ErrBadSignature; only RSA PKCS #1 v1.5, ECDSA and Ed25519
// signatures are read, and SHA-1 ones, which crypto/x509 refuses, are
// verified here unless v.RejectSHA1Signatures is set). A CA whose
// basicConstraints carry a
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
// anchor's validity error. Result.Anchor is always the pool's certificate.
// A nil or empty anchors pool fails with
// ErrUntrusted: use VerifySignatures to check a chain without anchors.
// Chains that are empty (ErrEmptyChain), longer than MaxChainLen
// (ErrChainTooLong) or hold a nil certificate (ErrNilCertificate) are
// rejected. Every certificate is checked, even above the anchor. Errors other
// than ErrEmptyChain are *Error.
func (v *Verifier) Verify(chain []*x509.Certificate, anchors *Pool, at time.Time, opts *ChainOptions) (Result, error) {
	var ch Chain
	if err := ch.appendCertificates(chain); err != nil {
		return Result{}, err
	}
	return v.verify(&ch, anchors, true, at, opts)
}

// VerifySignatures performs every check of Verify except the anchor check: it
// is for callers that have no anchors for this authenticator and must still
// know the chain is internally sound. The Result has Judged == false.
func (v *Verifier) VerifySignatures(chain []*x509.Certificate, at time.Time, opts *ChainOptions) (Result, error) {
	var ch Chain
	if err := ch.appendCertificates(chain); err != nil {
		return Result{}, err
	}
	return v.verify(&ch, nil, false, at, opts)
}

// VerifyChain is Verify on a Chain read from x5c: the attestation formats'
// path (WebAuthn L3 §7.1 steps 23-24), which parses each certificate once,
// without copies, and each public key only when a signature needs it.
func (v *Verifier) VerifyChain(ch *Chain, anchors *Pool, at time.Time, opts *ChainOptions) (Result, error) {
	return v.verify(ch, anchors, true, at, opts)
}

// VerifyChainSignatures is VerifySignatures on a Chain.
func (v *Verifier) VerifyChainSignatures(ch *Chain, at time.Time, opts *ChainOptions) (Result, error) {
	return v.verify(ch, nil, false, at, opts)
}

// appendCertificates reads chain into ch from the certificates' DER.
func (ch *Chain) appendCertificates(chain []*x509.Certificate) error {
	switch {
	case len(chain) == 0:
		return ErrEmptyChain
	case len(chain) > MaxChainLen:
		return errAt(MaxChainLen, ErrChainTooLong)
	}
	for i, c := range chain {
		if c == nil {
			return errAt(i, ErrNilCertificate)
		}
		if err := ch.Append(c.Raw); err != nil {
			return err
		}
	}
	return nil
}

func (v *Verifier) verify(ch *Chain, anchors *Pool, judge bool, at time.Time, opts *ChainOptions) (Result, error) {
	n := ch.n
	if n == 0 {
		return Result{}, ErrEmptyChain
	}
	for i := range n {
		c := &ch.certs[i]
		if err := checkWindow(c.NotBefore, c.NotAfter, at); err != nil {
			return Result{}, errAt(i, err)
		}
		if err := checkCritical(c, opts); err != nil {
			return Result{}, errAt(i, err)
		}
	}
	var links [MaxChainLen]linkKey
	for i := 0; i+1 < n; i++ {
		k, err := v.checkLink(ch, i, at)
		if err != nil {
			return Result{}, errAt(i, err)
		}
		// Outside checkLink and its cache: a link verified on another path
		// says nothing about this path's length.
		if p := &ch.certs[i+1]; !pathLenAllows(p.BasicConstraintsValid, p.MaxPathLen, i) {
			return Result{}, errAt(i+1, ErrPathLen)
		}
		links[i] = k
	}
	res := Result{Judged: judge}
	if judge {
		if err := v.findAnchor(ch, anchors, at, &res); err != nil {
			return Result{}, err
		}
	}
	if v.Cache != nil {
		for i := 0; i+1 < n; i++ {
			c, p := &ch.certs[i], &ch.certs[i+1]
			v.Cache.putLink(links[i], window(c.NotBefore, c.NotAfter, p.NotBefore, p.NotAfter))
		}
	}
	return res, nil
}

// checkWindow checks that at lies in [notBefore, notAfter].
func checkWindow(notBefore, notAfter, at time.Time) error {
	switch {
	case at.Before(notBefore):
		return ErrNotYetValid
	case at.After(notAfter):
		return ErrExpired
	}
	return nil
}

func checkValidity(c *x509.Certificate, at time.Time) error {
	return checkWindow(c.NotBefore, c.NotAfter, at)
}

// Critical extension OIDs the reader returns rather than refuses, which
// crypto/x509 would list as unhandled.
var (
	oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidFIDOAAGUID     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}
	oidAppleNonce     = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 8, 2}
	oidAndroidKeyDesc = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}
)

// checkCritical refuses a critical extension crypto/x509 would leave
// unhandled and opts does not handle: a subjectAltName without any DNS,
// email, IP or URI name (TPM AIK certificates carry only a directoryName),
// and the FIDO AAGUID, Apple nonce and Android key description extensions.
// The reader refuses every other unknown critical extension.
func checkCritical(c *x509lite.Certificate, opts *ChainOptions) error {
	switch {
	case c.SubjectAltNameCritical && !x509lite.SANHasStdNames(c.SubjectAltName) && !opts.handles(oidSubjectAltName),
		c.FIDOAAGUIDCritical && !opts.handles(oidFIDOAAGUID),
		c.AppleNonceCritical && !opts.handles(oidAppleNonce),
		c.AndroidKeyDescriptionCritical && !opts.handles(oidAndroidKeyDesc):
		return ErrUnhandledCritical
	}
	return nil
}

// handles reports whether opts lists oid as handled by the caller.
func (opts *ChainOptions) handles(oid asn1.ObjectIdentifier) bool {
	if opts == nil {
		return false
	}
	for _, h := range opts.HandledCriticalExtensions {
		if oid.Equal(h) {
			return true
		}
	}
	return false
}

// checkIssuer checks that issuer may have issued child, apart from the
// signature.
func checkIssuer(child, issuer *x509lite.Certificate) error {
	return issuerMay(child.RawIssuer, issuer.RawSubject, issuer.Version, issuer.BasicConstraintsValid, issuer.IsCA,
		issuer.KeyUsage != 0 && issuer.KeyUsage&x509lite.KeyUsageCertSign == 0)
}

// checkAnchorIssuer is checkIssuer for an anchor outside the chain.
func checkAnchorIssuer(child *x509lite.Certificate, issuer *x509.Certificate) error {
	return issuerMay(child.RawIssuer, issuer.RawSubject, issuer.Version, issuer.BasicConstraintsValid, issuer.IsCA,
		issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCertSign == 0)
}

// issuerMay is the rule of checkIssuer on the fields both certificate types
// carry: names chain, and the issuer is a CA that may sign certificates.
func issuerMay(childIssuer, issuerSubject []byte, version int, bcValid, isCA, noCertSign bool) error {
	switch {
	case !bytes.Equal(childIssuer, issuerSubject):
		return ErrIssuerMismatch
	case version == 3 && !bcValid, bcValid && !isCA:
		// RFC 5280 §6.1.4 (k): a v3 issuer must assert cA; v1 and v2
		// certificates predate extensions and may issue (as in crypto/x509's
		// CheckSignatureFrom), which matters for configured v1 roots.
		return ErrNotCA
	case noCertSign:
		return ErrNoCertSign
	}
	return nil
}

// checkLink checks ch[i] -> ch[i+1] and returns the link's cache key.
func (v *Verifier) checkLink(ch *Chain, i int, at time.Time) (linkKey, error) {
	child, issuer := &ch.certs[i], &ch.certs[i+1]
	if err := checkIssuer(child, issuer); err != nil {
		return linkKey{}, err
	}
	if v.sha1Refused(child) {
		return linkKey{}, ErrBadSignature
	}
	var k linkKey
	if v.Cache != nil {
		k = linkKey{child: sha256.Sum256(child.Raw), issuerKey: sha256.Sum256(issuer.RawSPKI)}
		if v.Cache.linkOK(k, at) {
			return k, nil
		}
	}
	key, err := v.PublicKey(ch, i+1)
	if err != nil || !v.signed(child, key) {
		return linkKey{}, ErrBadSignature
	}
	return k, nil
}

// sha1Refused reports whether v refuses c's signature algorithm outright.
// It is asked before the link cache, which a Verifier accepting SHA-1 may
// have filled when the Cache is shared.
func (v *Verifier) sha1Refused(c *x509lite.Certificate) bool {
	return v.RejectSHA1Signatures &&
		(c.SignatureAlgorithm == x509lite.SHA1WithRSA || c.SignatureAlgorithm == x509lite.ECDSAWithSHA1)
}

// signed reports whether key signed c: MD5 is never read, SHA-1 is accepted
// unless v.RejectSHA1Signatures.
func (v *Verifier) signed(c *x509lite.Certificate, key crypto.PublicKey) bool {
	return x509sig.Verify(c, key, !v.RejectSHA1Signatures) == nil
}

func (v *Verifier) findAnchor(ch *Chain, anchors *Pool, at time.Time, res *Result) error {
	n := ch.n
	for i := range n {
		c := &ch.certs[i]
		if a := anchors.find(c.RawSubject, c.Raw); a != nil {
			res.Anchor, res.AnchorIndex = a, i
			return nil
		}
	}
	last := &ch.certs[n-1]
	var firstErr error
	for _, a := range anchors.issuersOf(last.RawIssuer, last.AuthorityKeyID) {
		err := checkAnchorIssuer(last, a)
		if err == nil {
			err = checkValidity(a, at)
		}
		if err == nil {
			err = checkNames(a)
		}
		if err == nil {
			err = checkPathLen(a, n-1)
		}
		if err == nil && v.sha1Refused(last) {
			err = ErrUntrusted // the anchor's name, but a signature v refuses
		}
		if err == nil {
			k := linkKey{}
			if v.Cache != nil {
				k = linkKey{child: sha256.Sum256(last.Raw), issuerKey: sha256.Sum256(a.RawSubjectPublicKeyInfo)}
			}
			if v.Cache != nil && v.Cache.linkOK(k, at) || v.signed(last, a.PublicKey) {
				if v.Cache != nil {
					v.Cache.putLink(k, window(last.NotBefore, last.NotAfter, a.NotBefore, a.NotAfter))
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

// window returns the time span in which both a child and its issuer are valid.
func window(childFrom, childTo, issuerFrom, issuerTo time.Time) linkWindow {
	w := linkWindow{childFrom, childTo}
	if issuerFrom.After(w.notBefore) {
		w.notBefore = issuerFrom
	}
	if issuerTo.Before(w.notAfter) {
		w.notAfter = issuerTo
	}
	return w
}
