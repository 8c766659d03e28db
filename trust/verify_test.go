package trust

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	root := mk(t, "Root", true, nil)
	inter := mk(t, "Inter", true, root)
	leaf := mk(t, "Leaf", false, inter)
	direct := mk(t, "Direct", false, root)

	// An attacker's hierarchy under a root with the real root's name.
	evilRoot := mk(t, "Root", true, nil)
	evilInter := mk(t, "Inter", true, evilRoot)
	evilLeaf := mk(t, "Leaf", false, evilInter)
	// A leaf naming the real intermediate as issuer, signed by another key.
	forged := mk(t, "Forged", false, evilInter)

	expLeaf := mk(t, "Leaf", false, inter, validity(t0.AddDate(-2, 0, 0), t0.Add(-time.Second)))
	futLeaf := mk(t, "Leaf", false, inter, validity(t0.Add(time.Second), t0.AddDate(1, 0, 0)))
	expInter := mk(t, "Inter", true, root, validity(t0.AddDate(-2, 0, 0), t0.Add(-time.Second)))
	leafOfExpInter := mk(t, "Leaf", false, expInter)
	expRoot := mk(t, "OldRoot", true, nil, validity(t0.AddDate(-2, 0, 0), t0.Add(-time.Second)))
	interOfExpRoot := mk(t, "Inter", true, expRoot)
	leafOfExpRootInter := mk(t, "Leaf", false, interOfExpRoot)

	noCA := mk(t, "NoCA", false, root, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageCertSign })
	leafOfNoCA := mk(t, "Leaf", false, noCA)
	noBC := mk(t, "NoBC", true, root, func(c *x509.Certificate) { c.BasicConstraintsValid, c.IsCA = false, false })
	leafOfNoBC := mk(t, "Leaf", false, noBC)
	noKU := mk(t, "NoKU", true, root, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDigitalSignature })
	leafOfNoKU := mk(t, "Leaf", false, noKU)

	aik := mk(t, "", false, inter, tpmSAN(t))
	other := mk(t, "Other", true, nil)

	rootPool := NewPool(root.cert)
	sanOpts := &ChainOptions{HandledCriticalExtensions: []asn1.ObjectIdentifier{oidSAN}}

	type tc struct {
		name    string
		chain   []*x509.Certificate
		anchors *Pool
		at      time.Time
		opts    *ChainOptions
		want    error // nil: accept
		index   int   // *Error.Index when want != nil; AnchorIndex when accepted
		oracle  bool  // x509.Certificate.Verify must agree
	}
	cases := []tc{
		{name: "root in x5c", chain: certs(leaf, inter, root), anchors: rootPool, index: 2, oracle: true},
		{name: "root outside x5c", chain: certs(leaf, inter), anchors: rootPool, index: 2, oracle: true},
		{name: "intermediate anchor in x5c", chain: certs(leaf, inter), anchors: NewPool(inter.cert), index: 1, oracle: true},
		{name: "intermediate anchor outside x5c", chain: certs(leaf), anchors: NewPool(inter.cert), index: 1, oracle: true},
		{name: "intermediate anchor below root in x5c", chain: certs(leaf, inter, root), anchors: NewPool(inter.cert), index: 1},
		{name: "leaf signed by anchor", chain: certs(direct), anchors: rootPool, index: 1, oracle: true},
		{name: "leaf is anchor", chain: certs(direct), anchors: NewPool(direct.cert), index: 0},
		{name: "at NotAfter exactly", chain: certs(leaf, inter), anchors: rootPool, at: leaf.cert.NotAfter, index: 2, oracle: true},
		{name: "at NotBefore exactly", chain: certs(leaf, inter), anchors: rootPool, at: leaf.cert.NotBefore, index: 2, oracle: true},

		{name: "self-signed root in x5c", chain: certs(evilLeaf, evilInter, evilRoot), anchors: rootPool, want: ErrUntrusted, index: 3, oracle: true},
		{name: "same-name root, other key", chain: certs(evilLeaf, evilInter), anchors: rootPool, want: ErrUntrusted, index: 2, oracle: true},
		{name: "no anchors", chain: certs(leaf, inter, root), anchors: nil, want: ErrUntrusted, index: 3},
		{name: "empty pool", chain: certs(leaf, inter, root), anchors: NewPool(), want: ErrUntrusted, index: 3},
		{name: "unrelated anchor", chain: certs(leaf, inter), anchors: NewPool(other.cert), want: ErrUntrusted, index: 2, oracle: true},
		{name: "forged signature", chain: certs(forged, inter), anchors: rootPool, want: ErrBadSignature, index: 0, oracle: true},
		{name: "issuer mismatch", chain: certs(leaf, other), anchors: NewPool(other.cert), want: ErrIssuerMismatch, index: 0, oracle: true},

		{name: "expired leaf", chain: certs(expLeaf, inter), anchors: rootPool, want: ErrExpired, index: 0, oracle: true},
		{name: "not yet valid leaf", chain: certs(futLeaf, inter), anchors: rootPool, want: ErrNotYetValid, index: 0, oracle: true},
		{name: "expired intermediate", chain: certs(leafOfExpInter, expInter), anchors: rootPool, want: ErrExpired, index: 1, oracle: true},
		{name: "expired anchor outside x5c", chain: certs(leafOfExpRootInter, interOfExpRoot), anchors: NewPool(expRoot.cert), want: ErrExpired, index: 2, oracle: true},
		{name: "expired anchor in x5c", chain: certs(leafOfExpRootInter, interOfExpRoot, expRoot), anchors: NewPool(expRoot.cert), want: ErrExpired, index: 2, oracle: true},
		{name: "before everything", chain: certs(leaf, inter), anchors: rootPool, at: t0.AddDate(-5, 0, 0), want: ErrNotYetValid, index: 0, oracle: true},

		{name: "intermediate without CA bit", chain: certs(leafOfNoCA, noCA), anchors: rootPool, want: ErrNotCA, index: 0, oracle: true},
		{name: "intermediate without basicConstraints", chain: certs(leafOfNoBC, noBC), anchors: rootPool, want: ErrNotCA, index: 0, oracle: true},
		{name: "keyUsage without certSign", chain: certs(leafOfNoKU, noKU), anchors: rootPool, want: ErrNoCertSign, index: 0, oracle: true},
		{name: "anchor without CA bit", chain: certs(leafOfNoCA), anchors: NewPool(noCA.cert), want: ErrNotCA, index: 1},

		{name: "unhandled critical extension", chain: certs(aik, inter), anchors: rootPool, want: ErrUnhandledCritical, index: 0, oracle: true},
		{name: "critical extension handled by caller", chain: certs(aik, inter), anchors: rootPool, opts: sanOpts, index: 2},
		{name: "other OID handled", chain: certs(aik, inter), anchors: rootPool, opts: &ChainOptions{HandledCriticalExtensions: []asn1.ObjectIdentifier{{1, 2, 3}}}, want: ErrUnhandledCritical, index: 0},

		{name: "empty chain", chain: nil, anchors: rootPool, want: ErrEmptyChain, index: -1},
		{name: "nil certificate", chain: []*x509.Certificate{leaf.cert, nil}, anchors: rootPool, want: ErrNilCertificate, index: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at := c.at
			if at.IsZero() {
				at = t0
			}
			for _, v := range []*Verifier{{}, {Cache: NewCache(0)}} {
				for pass := 0; pass < 2; pass++ { // second pass exercises the warm cache
					res, err := v.Verify(c.chain, c.anchors, at, c.opts)
					checkResult(t, res, err, c.want, c.index)
				}
			}
			if c.oracle {
				got := oracle(c.chain, c.anchors, at)
				if got != (c.want == nil) {
					t.Errorf("x509 oracle accepts=%v, want %v", got, c.want == nil)
				}
			}
		})
	}
}

func checkResult(t *testing.T, res Result, err, want error, index int) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if !res.Judged || res.Anchor == nil || res.AnchorIndex != index {
			t.Fatalf("result = %+v, want judged, anchor at %d", res, index)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("Verify err = %v, want %v", err, want)
	}
	if res != (Result{}) {
		t.Fatalf("result on error = %+v, want zero", res)
	}
	var e *Error
	if index < 0 {
		if errors.As(err, &e) {
			t.Fatalf("err is *Error %v, want bare sentinel", err)
		}
		return
	}
	if !errors.As(err, &e) || e.Index != index {
		t.Fatalf("err = %#v, want *Error at index %d", err, index)
	}
}

// oracle runs crypto/x509's verifier on the same question.
func oracle(chain []*x509.Certificate, anchors *Pool, at time.Time) bool {
	if len(chain) == 0 || anchors.Len() == 0 {
		return false
	}
	for _, c := range chain {
		if c == nil {
			return false
		}
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	for _, a := range anchors.Certificates() {
		roots.AddCert(a)
	}
	for _, c := range chain[1:] {
		inters.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inters, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err == nil
}

func TestVerifySignatures(t *testing.T) {
	root := mk(t, "Root", true, nil)
	inter := mk(t, "Inter", true, root)
	leaf := mk(t, "Leaf", false, inter)
	evilInter := mk(t, "Inter", true, mk(t, "Root", true, nil))
	forged := mk(t, "Leaf", false, evilInter)

	var v Verifier
	res, err := v.VerifySignatures(certs(leaf, inter, root), t0, nil)
	if err != nil || res.Judged || res.Anchor != nil {
		t.Fatalf("VerifySignatures = %+v, %v; want unjudged success", res, err)
	}
	// An untrusted but internally sound chain passes, unjudged.
	if _, err := v.VerifySignatures(certs(evilInter), t0, nil); err != nil {
		t.Fatalf("VerifySignatures(self-consistent attacker chain) = %v", err)
	}
	for _, c := range []struct {
		name  string
		chain []*x509.Certificate
		at    time.Time
		want  error
	}{
		{"bad link", certs(forged, inter), t0, ErrBadSignature},
		{"expired", certs(leaf, inter), t0.AddDate(2, 0, 0), ErrExpired},
		{"not yet valid", certs(leaf, inter), t0.AddDate(-2, 0, 0), ErrNotYetValid},
		{"empty", nil, t0, ErrEmptyChain},
	} {
		if _, err := v.VerifySignatures(c.chain, c.at, nil); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestMaxChainLen(t *testing.T) {
	root := mk(t, "Root", true, nil)
	chain := []*tcert{root}
	for i := 0; i < MaxChainLen; i++ {
		chain = append([]*tcert{mk(t, "CA", true, chain[0])}, chain...)
	}
	// chain is now MaxChainLen CAs above root, leaf-first, plus root: limit+1.
	full := certs(chain...)
	if len(full) != MaxChainLen+1 {
		t.Fatalf("built %d certificates", len(full))
	}
	var v Verifier
	pool := NewPool(root.cert)
	if _, err := v.Verify(full[:MaxChainLen], pool, t0, nil); err != nil {
		t.Fatalf("chain of MaxChainLen: %v", err)
	}
	_, err := v.Verify(full, pool, t0, nil)
	var e *Error
	if !errors.Is(err, ErrChainTooLong) || !errors.As(err, &e) || e.Index != MaxChainLen {
		t.Fatalf("chain of MaxChainLen+1: err = %v, want ErrChainTooLong at %d", err, MaxChainLen)
	}
	if _, err := v.VerifySignatures(full, t0, nil); !errors.Is(err, ErrChainTooLong) {
		t.Fatalf("VerifySignatures(MaxChainLen+1) = %v", err)
	}
}

func TestAuthorityKeyIDLookup(t *testing.T) {
	// Two anchors with the same subject: the child's authorityKeyId picks one.
	a := mk(t, "Twin", true, nil)
	b := mk(t, "Twin", true, nil)
	leaf := mk(t, "Leaf", false, b)
	p := NewPool(a.cert, b.cert)
	got := p.issuersOf(leaf.cert.RawIssuer, leaf.cert.AuthorityKeyId)
	if len(got) != 1 || got[0] != b.cert {
		t.Fatalf("issuersOf = %d anchors, want only b", len(got))
	}
	var v Verifier
	res, err := v.Verify(certs(leaf), p, t0, nil)
	if err != nil || res.Anchor != b.cert {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Index: 2, Err: ErrExpired}
	if got, want := e.Error(), "trust: certificate 2: trust: certificate expired"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
