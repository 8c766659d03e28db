package bench

// This file reaches into go-webauthn v0.18.2 through //go:linkname so that
// its verifiers can be run on the same inputs as ours: it takes no clock and
// no trust anchors, and the shared vectors' certificates are judged at their
// verifyAt and against the anchors they name. Nothing here changes what
// go-webauthn checks; it only supplies the time and the roots it hard-codes.
// Pinned to v0.18.2: the names below are unexported there.

import (
	"crypto/x509"
	"time"
	_ "unsafe" // for go:linkname

	"github.com/go-webauthn/webauthn/protocol"
)

// gwTPMAt is protocol.attestationFormatValidationTPM, its TPM verification
// procedure with the AIK validity judged at now.
//
//go:linkname gwTPMAt github.com/go-webauthn/webauthn/protocol.attestationFormatValidationTPM
func gwTPMAt(att protocol.AttestationObject, clientDataHash []byte, signature protocol.SignaturePolicy, now time.Time) (attestationType string, x5cs []any, err error)

// gwAppleRoots and gwAndroidKeyRoots are the only roots go-webauthn judges
// chains against (its built-in Apple and Google hardware roots).
//
//go:linkname gwAppleRoots github.com/go-webauthn/webauthn/protocol.attAppleHardwareRootsCertPool
var gwAppleRoots *x509.CertPool

//go:linkname gwAndroidKeyRoots github.com/go-webauthn/webauthn/protocol.attAndroidKeyHardwareRootsCertPool
var gwAndroidKeyRoots *x509.CertPool

// gwTPMParseAIKAttCA is go-webauthn's preparation of a TPM AIK certificate
// for its metadata trust anchor check.
//
//go:linkname gwTPMParseAIKAttCA github.com/go-webauthn/webauthn/protocol.tpmParseAIKAttCA
func gwTPMParseAIKAttCA(x5c *x509.Certificate, x5cis []*x509.Certificate) (*x509.Certificate, []*x509.Certificate, *protocol.Error)
