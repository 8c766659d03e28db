package trust

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"slices"
)

// Pool is an immutable set of trust anchors. Anchors may be self-signed roots
// or intermediates (FIDO MDS attestationRootCertificates and Android key
// attestation chains sometimes stop at an intermediate). A Pool is safe for
// concurrent use; a nil *Pool is an empty pool.
type Pool struct {
	certs     []*x509.Certificate
	bySubject map[string][]*x509.Certificate // RawSubject -> anchors
}

// NewPool returns a pool of certs. Nil entries and byte-equal duplicates are
// dropped. The certificates are shared, not copied: they must not be modified.
func NewPool(certs ...*x509.Certificate) *Pool {
	return (*Pool)(nil).with(certs)
}

func (p *Pool) with(add []*x509.Certificate) *Pool {
	q := &Pool{bySubject: make(map[string][]*x509.Certificate)}
	for _, c := range slices.Concat(p.Certificates(), add) {
		if c == nil || q.Contains(c) {
			continue
		}
		q.certs = append(q.certs, c)
		k := string(c.RawSubject)
		q.bySubject[k] = append(q.bySubject[k], c)
	}
	return q
}

// ParsePEM returns a pool of the certificates in pemData. See [Pool.AppendPEM]
// for what is rejected.
func ParsePEM(pemData []byte) (*Pool, error) {
	return (*Pool)(nil).AppendPEM(pemData)
}

// AppendPEM returns a new pool holding p's anchors and the certificates in
// pemData; p is unchanged. It rejects input with no certificate
// ([ErrNoCertificates]), a block that is not "CERTIFICATE" or carries headers,
// non-whitespace text between or around blocks ([ErrBadPEM]), and DER that
// x509.ParseCertificate rejects. Errors are [*Error] with the block index.
func (p *Pool) AppendPEM(pemData []byte) (*Pool, error) {
	var add []*x509.Certificate
	rest := pemData
	for i := 0; ; i++ {
		start := bytes.Index(rest, []byte("-----BEGIN "))
		if start < 0 {
			if len(bytes.TrimSpace(rest)) != 0 {
				return nil, errAt(i, ErrBadPEM)
			}
			break
		}
		if len(bytes.TrimSpace(rest[:start])) != 0 {
			return nil, errAt(i, ErrBadPEM)
		}
		var b *pem.Block
		b, rest = pem.Decode(rest[start:])
		if b == nil || b.Type != "CERTIFICATE" || len(b.Headers) != 0 {
			return nil, errAt(i, ErrBadPEM)
		}
		c, err := ParseCertificate(b.Bytes)
		if err != nil {
			return nil, &Error{Index: i, Err: err}
		}
		add = append(add, c)
	}
	if len(add) == 0 {
		return nil, ErrNoCertificates
	}
	return p.with(add), nil
}

// Len returns the number of anchors.
func (p *Pool) Len() int {
	if p == nil {
		return 0
	}
	return len(p.certs)
}

// Certificates returns a copy of the anchor list, in insertion order.
func (p *Pool) Certificates() []*x509.Certificate {
	if p == nil {
		return nil
	}
	return slices.Clone(p.certs)
}

// Contains reports whether c is byte-equal (Raw) to an anchor in p.
func (p *Pool) Contains(c *x509.Certificate) bool {
	return c != nil && p.find(c.RawSubject, c.Raw) != nil
}

// find returns the anchor whose DER is raw (and whose subject is subject),
// or nil.
func (p *Pool) find(subject, raw []byte) *x509.Certificate {
	if p == nil {
		return nil
	}
	for _, a := range p.bySubject[string(subject)] {
		if bytes.Equal(a.Raw, raw) {
			return a
		}
	}
	return nil
}

// issuersOf returns the anchors whose subject equals child's raw issuer and,
// when both key identifiers are present, whose subjectKeyId equals child's
// authorityKeyId. The result aliases the pool and must not be modified.
func (p *Pool) issuersOf(rawIssuer, authorityKeyID []byte) []*x509.Certificate {
	if p == nil {
		return nil
	}
	cands := p.bySubject[string(rawIssuer)]
	if len(authorityKeyID) == 0 {
		return cands
	}
	for _, a := range cands {
		if len(a.SubjectKeyId) != 0 && !bytes.Equal(a.SubjectKeyId, authorityKeyID) {
			// At least one anchor is ruled out: filter into a new slice.
			var out []*x509.Certificate
			for _, b := range cands {
				if len(b.SubjectKeyId) == 0 || bytes.Equal(b.SubjectKeyId, authorityKeyID) {
					out = append(out, b)
				}
			}
			return out
		}
	}
	return cands
}
