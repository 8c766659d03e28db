package trust

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"
)

// TestNameConstraintsRejected: the verifier does not evaluate nameConstraints
// (RFC 5280 §4.2.1.10), so it fails closed on any path certificate that
// carries the extension, critical or not, whether crypto/x509 would have
// enforced the constraint or not.
func TestNameConstraintsRejected(t *testing.T) {
	permitDNS := func(critical bool) func(*x509.Certificate) {
		return func(c *x509.Certificate) {
			c.PermittedDNSDomains, c.PermittedDNSDomainsCritical = []string{"example.com"}, critical
		}
	}
	// A directoryName subtree, which crypto/x509 parses but does not enforce.
	dn, err := asn1.Marshal(pkix.Name{CommonName: "Allowed"}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	base, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: dn})
	if err != nil {
		t.Fatal(err)
	}
	subtree, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: base})
	permitted, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: subtree})
	nc, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: permitted})
	permitDN := func(critical bool) func(*x509.Certificate) {
		return func(c *x509.Certificate) {
			c.ExtraExtensions = append(c.ExtraExtensions, pkix.Extension{Id: oidNameConstraints, Critical: critical, Value: nc})
		}
	}

	root := mk(t, "Root", true, nil)
	rootPool := NewPool(root.cert)
	for _, c := range []struct {
		name string
		edit func(*x509.Certificate)
	}{
		{"critical dNSName subtree", permitDNS(true)},
		{"non-critical dNSName subtree", permitDNS(false)},
		{"non-critical directoryName subtree", permitDN(false)},
	} {
		t.Run(c.name, func(t *testing.T) {
			inter := mk(t, "Constrained Inter", true, root, c.edit)
			leaf := mk(t, "Leaf", false, inter)
			if !hasNameConstraints(inter.cert) {
				t.Fatal("test certificate carries no nameConstraints")
			}
			for _, v := range []*Verifier{{}, {Cache: NewCache(0)}} {
				for pass := 0; pass < 2; pass++ {
					res, err := v.Verify(certs(leaf, inter), rootPool, t0, nil)
					checkResult(t, res, err, ErrNameConstraints, 1)
					// The constrained CA as an anchor outside the chain.
					res, err = v.Verify(certs(leaf), NewPool(inter.cert), t0, nil)
					checkResult(t, res, err, ErrNameConstraints, 1)
				}
				if _, err := v.VerifySignatures(certs(leaf, inter), t0, nil); !errors.Is(err, ErrNameConstraints) {
					t.Errorf("VerifySignatures err = %v, want ErrNameConstraints", err)
				}
			}
		})
	}
	// A critical directoryName constraint (which crypto/x509 leaves
	// unhandled) is refused as nameConstraints too, whether or not the
	// caller claims to handle it: the chain reader never evaluates them.
	inter := mk(t, "Constrained Inter", true, root, permitDN(true))
	leaf := mk(t, "Leaf", false, inter)
	var v Verifier
	res, err := v.Verify(certs(leaf, inter), rootPool, t0, nil)
	checkResult(t, res, err, ErrNameConstraints, 1)
	opts := &ChainOptions{HandledCriticalExtensions: []asn1.ObjectIdentifier{oidNameConstraints}}
	res, err = v.Verify(certs(leaf, inter), rootPool, t0, opts)
	checkResult(t, res, err, ErrNameConstraints, 1)
}
