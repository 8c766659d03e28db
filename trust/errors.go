package trust

import (
	"errors"
	"strconv"
)

// Sentinel errors. Verification failures are returned wrapped in an [*Error]
// that names the certificate; errors.Is sees through it.
var (
	ErrEmptyChain        = errors.New("trust: empty certificate chain")
	ErrChainTooLong      = errors.New("trust: certificate chain longer than MaxChainLen")
	ErrNilCertificate    = errors.New("trust: nil certificate")
	ErrExpired           = errors.New("trust: certificate expired")
	ErrNotYetValid       = errors.New("trust: certificate not yet valid")
	ErrIssuerMismatch    = errors.New("trust: issuer name does not match the next certificate's subject")
	ErrNotCA             = errors.New("trust: issuer is not a CA (basicConstraints)")
	ErrNoCertSign        = errors.New("trust: issuer keyUsage lacks keyCertSign")
	ErrBadSignature      = errors.New("trust: certificate signature does not verify")
	ErrUnhandledCritical = errors.New("trust: unhandled critical extension")
	ErrPathLen           = errors.New("trust: more intermediate certificates below a CA than its pathLenConstraint allows")
	ErrNameConstraints   = errors.New("trust: certificate carries nameConstraints, which the verifier does not evaluate")
	ErrUntrusted         = errors.New("trust: chain does not end at a trust anchor")
	ErrNoCertificates    = errors.New("trust: no certificates in PEM input")
	ErrBadPEM            = errors.New("trust: malformed PEM input")
)

// Error is a chain verification failure. Index is the position of the
// certificate at fault in the chain passed to the verifier (0 is the leaf);
// Index == len(chain) means the anchor outside the chain. For PEM input, Index
// is the position of the PEM block.
type Error struct {
	Index int
	Err   error
}

func (e *Error) Error() string {
	return "trust: certificate " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

func errAt(i int, err error) error { return &Error{Index: i, Err: err} }
