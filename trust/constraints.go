package trust

import (
	"crypto/x509"
	"encoding/asn1"
)

// oidNameConstraints is id-ce-nameConstraints (RFC 5280 §4.2.1.10).
var oidNameConstraints = asn1.ObjectIdentifier{2, 5, 29, 30}

// hasNameConstraints reports whether c carries a nameConstraints extension,
// critical or not.
func hasNameConstraints(c *x509.Certificate) bool {
	for i := range c.Extensions {
		if c.Extensions[i].Id.Equal(oidNameConstraints) {
			return true
		}
	}
	return false
}

// checkPathLen checks RFC 5280 §6.1.4 (l)/(m) for issuer, a CA with below
// intermediate certificates between it and the end certificate of the path:
// a basicConstraints pathLenConstraint smaller than below fails with
// ErrPathLen. crypto/x509 parses an absent pathLenConstraint as MaxPathLen
// -1 and a present one as its value (MaxPathLenZero set for 0), so
// MaxPathLen >= 0 with basicConstraints present is exactly "constrained".
// Self-issued intermediates count like any other (the RFC exempts them; as in
// crypto/x509, this verifier does not), which can only reject more.
func checkPathLen(issuer *x509.Certificate, below int) error {
	if !pathLenAllows(issuer.BasicConstraintsValid, issuer.MaxPathLen, below) {
		return ErrPathLen
	}
	return nil
}

// pathLenAllows reports whether a CA with these basicConstraints fields
// (crypto/x509's encoding, which x509lite shares: MaxPathLen -1 for no
// pathLenConstraint) may have below certificates between itself and the leaf.
func pathLenAllows(bcValid bool, maxPathLen, below int) bool {
	return !bcValid || maxPathLen < 0 || below <= maxPathLen
}

// checkNames fails closed on nameConstraints (ErrNameConstraints): the
// verifier does not evaluate them, so a certificate carrying them, critical or
// not, is rejected rather than trusted beyond its constraints.
func checkNames(c *x509.Certificate) error {
	if hasNameConstraints(c) {
		return ErrNameConstraints
	}
	return nil
}
