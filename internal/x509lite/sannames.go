package x509lite

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// GeneralNames iterates over the GeneralName entries of a SubjectAltName
// extension value (RFC 5280 §4.2.1.6) without allocating.
type GeneralNames struct {
	s   cryptobyte.String
	bad bool
}

// SANNames returns an iterator over san, a Certificate.SubjectAltName value;
// nil (no extension) yields nothing.
func SANNames(san []byte) GeneralNames {
	v := cryptobyte.String(san)
	var seq cryptobyte.String
	if len(san) == 0 {
		return GeneralNames{}
	}
	if !v.ReadASN1(&seq, asn1.SEQUENCE) || !v.Empty() {
		return GeneralNames{bad: true}
	}
	return GeneralNames{s: seq}
}

// Next reads the next GeneralName: its context-specific tag (dNSName is
// asn1.Tag(2).ContextSpecific()) and its content bytes. It reports false at
// the end or on malformed input (Parse has validated the SAN of a parsed
// certificate).
func (g *GeneralNames) Next(tag *asn1.Tag, value *[]byte) bool {
	if g.bad || g.s.Empty() {
		return false
	}
	var v cryptobyte.String
	if !g.s.ReadAnyASN1(&v, tag) {
		g.bad = true
		return false
	}
	*value = v
	return true
}

// Malformed reports whether iteration stopped on malformed input rather than
// at the end.
func (g *GeneralNames) Malformed() bool { return g.bad }
