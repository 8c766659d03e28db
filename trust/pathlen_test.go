package trust

import (
	"crypto/x509"
	"errors"
	"testing"
)

// pathLen sets basicConstraints pathLenConstraint to n. zero must be true for
// n == 0 to be encoded: crypto/x509 reads MaxPathLen 0 without MaxPathLenZero
// as "no constraint" and omits the field.
func pathLen(n int, zero bool) func(*x509.Certificate) {
	return func(c *x509.Certificate) { c.MaxPathLen, c.MaxPathLenZero = n, zero }
}

// TestPathLenConstraint: RFC 5280 §6.1.4 (l)/(m). A CA whose pathLenConstraint
// is n may have at most n intermediate certificates below it in the path; a
// CA constrained to issue only leaves (pathLen 0) must not be able to mint a
// sub-CA whose leaves are accepted. The check runs on every call, warm link
// cache or not, in Verify and VerifySignatures, for chain certificates and for
// an anchor outside the chain.
func TestPathLenConstraint(t *testing.T) {
	root := mk(t, "Root", true, nil)
	zero := mk(t, "Inter pathLen 0", true, root, pathLen(0, true))
	sub := mk(t, "Sub-CA", true, zero)
	leafOfZero := mk(t, "Leaf", false, zero)
	leafOfSub := mk(t, "Leaf", false, sub)

	// MaxPathLen 0 without MaxPathLenZero: no constraint is encoded.
	unset := mk(t, "Inter unset", true, root, pathLen(0, false))
	subOfUnset := mk(t, "Sub-CA", true, unset)
	leafOfSubOfUnset := mk(t, "Leaf", false, subOfUnset)
	sub2OfUnset := mk(t, "Sub-CA 2", true, subOfUnset)
	leafOfSub2OfUnset := mk(t, "Leaf", false, sub2OfUnset)

	one := mk(t, "Inter pathLen 1", true, root, pathLen(1, false))
	subOfOne := mk(t, "Sub-CA", true, one)
	leafOfSubOfOne := mk(t, "Leaf", false, subOfOne)
	sub2OfOne := mk(t, "Sub-CA 2", true, subOfOne)
	leafOfSub2OfOne := mk(t, "Leaf", false, sub2OfOne)

	// A root constrained to pathLen 0, as an anchor outside and inside x5c.
	root0 := mk(t, "Root pathLen 0", true, nil, pathLen(0, true))
	interOfRoot0 := mk(t, "Inter", true, root0)
	leafOfInterOfRoot0 := mk(t, "Leaf", false, interOfRoot0)
	leafOfRoot0 := mk(t, "Leaf", false, root0)

	if zero.cert.MaxPathLen != 0 || !zero.cert.MaxPathLenZero || unset.cert.MaxPathLen != -1 || one.cert.MaxPathLen != 1 {
		t.Fatalf("test certificates: pathLen %d/%v, %d, %d", zero.cert.MaxPathLen, zero.cert.MaxPathLenZero, unset.cert.MaxPathLen, one.cert.MaxPathLen)
	}

	rootPool := NewPool(root.cert)
	cases := []struct {
		name    string
		chain   []*x509.Certificate
		anchors *Pool
		want    error
		index   int // *Error.Index (the constrained CA) or AnchorIndex
	}{
		{"pathLen 0, leaf", certs(leafOfZero, zero), rootPool, nil, 2},
		{"pathLen 0, leaf, root in x5c", certs(leafOfZero, zero, root), rootPool, nil, 2},
		{"pathLen 0, sub-CA, leaf", certs(leafOfSub, sub, zero), rootPool, ErrPathLen, 2},
		{"pathLen 0, sub-CA, leaf, root in x5c", certs(leafOfSub, sub, zero, root), rootPool, ErrPathLen, 2},
		{"pathLen 0, sub-CA, leaf, constrained CA is the anchor", certs(leafOfSub, sub, zero), NewPool(zero.cert), ErrPathLen, 2},
		{"pathLen 0, sub-CA, leaf, constrained CA outside x5c", certs(leafOfSub, sub), NewPool(zero.cert), ErrPathLen, 2},
		{"pathLen 0 sub-CA as leaf", certs(sub, zero), rootPool, nil, 2},

		{"pathLen unset (MaxPathLen 0, !MaxPathLenZero), sub-CA", certs(leafOfSubOfUnset, subOfUnset, unset), rootPool, nil, 3},
		{"pathLen unset, two sub-CAs", certs(leafOfSub2OfUnset, sub2OfUnset, subOfUnset, unset), rootPool, nil, 4},

		{"pathLen 1, sub-CA", certs(leafOfSubOfOne, subOfOne, one), rootPool, nil, 3},
		{"pathLen 1, two sub-CAs", certs(leafOfSub2OfOne, sub2OfOne, subOfOne, one), rootPool, ErrPathLen, 3},

		{"root pathLen 0 outside x5c, leaf", certs(leafOfRoot0), NewPool(root0.cert), nil, 1},
		{"root pathLen 0 outside x5c, intermediate", certs(leafOfInterOfRoot0, interOfRoot0), NewPool(root0.cert), ErrPathLen, 2},
		{"root pathLen 0 in x5c, intermediate", certs(leafOfInterOfRoot0, interOfRoot0, root0), NewPool(root0.cert), ErrPathLen, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, v := range []*Verifier{{}, {Cache: NewCache(0)}} {
				for pass := 0; pass < 2; pass++ { // the second pass runs on a warm cache
					res, err := v.Verify(c.chain, c.anchors, t0, nil)
					checkResult(t, res, err, c.want, c.index)
				}
			}
			if got := oracle(c.chain, c.anchors, t0); got != (c.want == nil) {
				t.Errorf("x509 oracle accepts=%v, want %v", got, c.want == nil)
			}
			// VerifySignatures applies the constraints of the chain's own
			// certificates (an anchor outside the chain is not consulted).
			want := c.want
			if c.index >= len(c.chain) {
				want = nil
			}
			if _, err := (&Verifier{}).VerifySignatures(c.chain, t0, nil); (want == nil) != (err == nil) || !errors.Is(err, want) {
				t.Errorf("VerifySignatures err = %v, want %v", err, want)
			}
		})
	}
}

// TestPathLenConstraintCachedLinks: every link of a chain that violates a
// pathLenConstraint was verified and cached by calls on which it was fine;
// the warm cache must not let the chain skip the path-length check.
func TestPathLenConstraintCachedLinks(t *testing.T) {
	root := mk(t, "Root", true, nil)
	zero := mk(t, "Inter pathLen 0", true, root, pathLen(0, true))
	sub := mk(t, "Sub-CA", true, zero)
	leaf := mk(t, "Leaf", false, sub)
	v := &Verifier{Cache: NewCache(0)}
	rootPool := NewPool(root.cert)

	warm := [][]*x509.Certificate{
		certs(sub, zero),  // sub-CA as an end certificate: links sub -> zero, zero -> root
		certs(leaf, sub),  // leaf -> sub, judged against sub
		certs(zero, root), // zero -> root
	}
	anchorsFor := []*Pool{rootPool, NewPool(sub.cert), rootPool}
	for i, ch := range warm {
		if _, err := v.Verify(ch, anchorsFor[i], t0, nil); err != nil {
			t.Fatalf("warming chain %d: %v", i, err)
		}
	}
	if links, _ := v.Cache.len(); links < 3 {
		t.Fatalf("cache holds %d links, want the 3 links of the chain", links)
	}
	for _, ch := range [][]*x509.Certificate{certs(leaf, sub, zero), certs(leaf, sub, zero, root)} {
		res, err := v.Verify(ch, rootPool, t0, nil)
		checkResult(t, res, err, ErrPathLen, 2)
		if _, err := v.VerifySignatures(ch, t0, nil); !errors.Is(err, ErrPathLen) {
			t.Errorf("VerifySignatures on a warm cache: err = %v, want ErrPathLen", err)
		}
	}
}
