package trust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"slices"
	"testing"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// rsaKey is an RSA-2048 key from the forge's fixed set (no key generation).
func rsaKey(label string) *rsa.PrivateKey {
	return forge.New("trust/chain_test").Key(label, cose.RS256).Private.(*rsa.PrivateKey)
}

func withExt(id asn1.ObjectIdentifier, critical bool, val []byte) func(*x509.Certificate) {
	return func(c *x509.Certificate) {
		c.ExtraExtensions = append(c.ExtraExtensions, pkix.Extension{Id: id, Critical: critical, Value: val})
	}
}

func sigAlg(a x509.SignatureAlgorithm) func(*x509.Certificate) {
	return func(c *x509.Certificate) { c.SignatureAlgorithm = a }
}

func checkIndex(t *testing.T, name string, err, want error, index int) {
	t.Helper()
	var e *Error
	if !errors.Is(err, want) || !errors.As(err, &e) || e.Index != index {
		t.Errorf("%s: err = %v, want %v at index %d", name, err, want, index)
	}
}

func TestChainAppend(t *testing.T) {
	root := mk(t, "Root", true, nil)
	leaf := mk(t, "Leaf", false, root).cert.Raw
	nc := mk(t, "Constrained CA", true, root, func(c *x509.Certificate) {
		c.PermittedDNSDomains = []string{"example.org"}
	}).cert.Raw
	garbage := []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	truncated := leaf[:len(leaf)-1]
	trailing := append(bytes.Clone(leaf), 0)
	for _, tc := range []struct {
		name    string
		ders    [][]byte
		want    error // nil: any error, checked by index only
		index   int   // of the failing certificate; -1: all append
		wantLen int
	}{
		{"MaxChainLen", slices.Repeat([][]byte{leaf}, MaxChainLen), nil, -1, MaxChainLen},
		{"MaxChainLen+1", slices.Repeat([][]byte{leaf}, MaxChainLen+1), ErrChainTooLong, MaxChainLen, MaxChainLen},
		{"garbage first", [][]byte{garbage}, nil, 0, 0},
		{"garbage third", [][]byte{leaf, leaf, garbage, leaf}, nil, 2, 2},
		{"truncated", [][]byte{leaf, truncated}, nil, 1, 1},
		{"trailing byte", [][]byte{leaf, trailing}, nil, 1, 1},
		{"empty", [][]byte{leaf, nil}, nil, 1, 1},
		{"nameConstraints", [][]byte{leaf, nc}, ErrNameConstraints, 1, 1},
	} {
		var ch Chain
		var err error
		i := 0
		for ; i < len(tc.ders); i++ {
			if err = ch.Append(tc.ders[i]); err != nil {
				break
			}
		}
		switch {
		case tc.index < 0 && err != nil:
			t.Errorf("%s: Append %d: %v", tc.name, i, err)
		case tc.index >= 0 && tc.want != nil:
			checkIndex(t, tc.name, err, tc.want, tc.index)
		case tc.index >= 0:
			var e *Error
			if !errors.As(err, &e) || e.Index != tc.index || i != tc.index {
				t.Errorf("%s: Append %d: err = %v, want an *Error at index %d", tc.name, i, err, tc.index)
			}
		}
		if ch.Len() != tc.wantLen {
			t.Errorf("%s: Len = %d, want %d", tc.name, ch.Len(), tc.wantLen)
		}
	}
}

// TestChainReuse checks that Reset makes a Chain reusable, and that DER and
// Certificate are views of the appended bytes.
func TestChainReuse(t *testing.T) {
	root := mk(t, "Root", true, nil)
	a, b := mk(t, "A", false, root).cert.Raw, mk(t, "B", false, root).cert.Raw
	var ch Chain
	for range MaxChainLen {
		if err := ch.Append(a); err != nil {
			t.Fatal(err)
		}
	}
	ch.Reset()
	if ch.Len() != 0 {
		t.Fatalf("Len after Reset = %d", ch.Len())
	}
	for _, der := range [][]byte{b, root.cert.Raw} {
		if err := ch.Append(der); err != nil {
			t.Fatalf("Append after Reset: %v", err)
		}
	}
	for i, der := range [][]byte{b, root.cert.Raw} {
		got := ch.DER(i)
		if len(got) != len(der) || &got[0] != &der[0] {
			t.Errorf("DER(%d) is not a view of the appended bytes", i)
		}
		if c := ch.Certificate(i); &c.Raw[0] != &der[0] || !bytes.Equal(c.RawSubject, mustParse(t, der).RawSubject) {
			t.Errorf("Certificate(%d) is not the appended certificate", i)
		}
	}
	if _, err := (&Verifier{}).VerifyChain(&ch, NewPool(root.cert), t0, nil); err != nil {
		t.Fatalf("reused chain: %v", err)
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestChainYubicoUnusedBits: none of the shared or generated vectors holds
// one of the six Yubico certificates unusedBitsFix lists (checked by SHA-256
// over testenv.Certificates), so a forged RSA-2048-signed certificate stands
// in: with a non-zero unused-bits byte before its signature it is refused;
// with its digest put in the list for the test, Append mends it and the
// signature verifies.
func TestChainYubicoUnusedBits(t *testing.T) {
	root := mkSigner(t, "RSA Root", true, rsaKey("root"), nil)
	leaf := mkSigner(t, "Leaf", false, mk(t, "k", false, nil).key, root)
	der := bytes.Clone(leaf.cert.Raw)
	const fromEnd = 257
	if der[len(der)-fromEnd] != 0 || der[len(der)-fromEnd-1] != 1 {
		t.Fatalf("test certificate layout: %x", der[len(der)-fromEnd-4:len(der)-fromEnd+1])
	}
	der[len(der)-fromEnd] = 1 // "1 unused bit", as in the early Yubico certificates
	anchors := NewPool(root.cert)

	var ch Chain
	if err := ch.Append(der); err == nil || ch.Len() != 0 {
		t.Fatalf("unlisted certificate with unused bits: err = %v, Len %d", err, ch.Len())
	}

	saved := unusedBitsFix[0]
	unusedBitsFix[0] = sha256.Sum256(der)
	defer func() { unusedBitsFix[0] = saved }()
	if err := ch.Append(der); err != nil {
		t.Fatalf("listed certificate: %v", err)
	}
	if got := ch.DER(0); got[len(got)-fromEnd] != 0 || der[len(der)-fromEnd] != 1 {
		t.Fatal("the mend did not work on a copy")
	}
	if _, err := (&Verifier{}).VerifyChain(&ch, anchors, t0, nil); err != nil {
		t.Fatalf("mended certificate: %v", err)
	}
}

func TestVerifierPublicKey(t *testing.T) {
	leaf := mk(t, "Leaf", false, nil)
	chainOf := func(der []byte) *Chain {
		var ch Chain
		if err := ch.Append(der); err != nil {
			t.Fatal(err)
		}
		return &ch
	}
	for _, v := range []*Verifier{{Cache: NewCache(0)}, {}} {
		c1, c2 := chainOf(leaf.cert.Raw), chainOf(bytes.Clone(leaf.cert.Raw))
		k1, err := v.PublicKey(c1, 0)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := v.PublicKey(c2, 0)
		if err != nil {
			t.Fatal(err)
		}
		p1, ok1 := k1.(*ecdsa.PublicKey)
		p2, ok2 := k2.(*ecdsa.PublicKey)
		if !ok1 || !ok2 || !p1.Equal(leaf.cert.PublicKey) || !p2.Equal(leaf.cert.PublicKey) {
			t.Fatalf("cache %v: keys %T, %T differ from the certificate's", v.Cache != nil, k1, k2)
		}
		if again, _ := v.PublicKey(c1, 0); again.(*ecdsa.PublicKey) != p1 {
			t.Errorf("cache %v: the Chain parsed its key twice", v.Cache != nil)
		}
		if shared := p1 == p2; shared != (v.Cache != nil) {
			t.Errorf("cache %v: byte-equal certificates share the key pointer: %v", v.Cache != nil, shared)
		}
	}

	// An off-curve point: the reader takes it, PublicKey refuses it, and the
	// cache does not keep it.
	bad := bytes.Clone(leaf.cert.Raw)
	pt := mustPoint(t, leaf.cert)
	off := bytes.Index(bad, pt)
	if off < 0 {
		t.Fatal("point not found in the DER")
	}
	bad[off+len(pt)-1] ^= 1
	for _, v := range []*Verifier{{Cache: NewCache(0)}, {}} {
		ch := chainOf(bad)
		k, err := v.PublicKey(ch, 0)
		var e *Error
		if err == nil || !errors.As(err, &e) || e.Index != 0 || k != nil {
			t.Errorf("cache %v: off-curve point: key %v, err %v", v.Cache != nil, k, err)
		}
		if v.Cache != nil {
			if _, keys := v.Cache.len(); keys != 0 {
				t.Errorf("off-curve key cached")
			}
		}
	}
}

// mustPoint returns the uncompressed point of c's P-256 key.
func mustPoint(t *testing.T, c *x509.Certificate) []byte {
	t.Helper()
	pt, err := c.PublicKey.(*ecdsa.PublicKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

func TestCheckCritical(t *testing.T) {
	mustDER := func(v any) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nonce := mustDER(struct {
		Nonce []byte `asn1:"explicit,tag:1"`
	}{make([]byte, 32)})
	keyDesc := mustDER(struct{ Version, SecurityLevel int }{3, 1})
	dnsSAN := mustDER([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte("example.org")}})
	aaguid := forge.AAGUIDExtension(make([]byte, 16), true)

	for _, tc := range []struct {
		name  string
		oid   asn1.ObjectIdentifier // nil: passes without options
		index int                   // 0: on the leaf, 1: on the intermediate
		edit  func(*x509.Certificate)
	}{
		{"FIDO AAGUID on the intermediate", oidFIDOAAGUID, 1, withExt(aaguid.Id, true, aaguid.Value)},
		{"Apple nonce", oidAppleNonce, 0, withExt(oidAppleNonce, true, nonce)},
		{"Android key description", oidAndroidKeyDesc, 0, withExt(oidAndroidKeyDesc, true, keyDesc)},
		{"SAN with a directoryName only", oidSubjectAltName, 0, tpmSAN(t)},
		{"SAN with a dNSName", nil, 0, withExt(oidSAN, true, dnsSAN)},
	} {
		root := mk(t, "Root", true, nil)
		var leafEdit, interEdit []func(*x509.Certificate)
		if tc.index == 0 {
			leafEdit = append(leafEdit, tc.edit)
		} else {
			interEdit = append(interEdit, tc.edit)
		}
		inter := mk(t, "Inter", true, root, interEdit...)
		leaf := mk(t, "Leaf", false, inter, leafEdit...)
		// crypto/x509 agrees on what it leaves unhandled.
		if got := len(certs(leaf, inter)[tc.index].UnhandledCriticalExtensions) != 0; got != (tc.oid != nil) {
			t.Errorf("%s: crypto/x509 leaves it unhandled: %v", tc.name, got)
		}
		var ch Chain
		for _, der := range [][]byte{leaf.cert.Raw, inter.cert.Raw} {
			if err := ch.Append(der); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		v, anchors := &Verifier{}, NewPool(root.cert)
		if tc.oid == nil {
			if _, err := v.VerifyChain(&ch, anchors, t0, nil); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		other := &ChainOptions{HandledCriticalExtensions: []asn1.ObjectIdentifier{{2, 5, 29, 99}, {1, 2, 3}}}
		for _, opts := range []*ChainOptions{nil, {}, other} {
			_, err := v.VerifyChain(&ch, anchors, t0, opts)
			checkIndex(t, tc.name, err, ErrUnhandledCritical, tc.index)
		}
		handled := &ChainOptions{HandledCriticalExtensions: append(other.HandledCriticalExtensions, tc.oid)}
		if _, err := v.VerifyChain(&ch, anchors, t0, handled); err != nil {
			t.Errorf("%s, handled: %v", tc.name, err)
		}
	}
}

// TestSHA1Signatures: an intermediate signed with ECDSA-with-SHA1 or
// sha1WithRSAEncryption verifies by default and fails with
// RejectSHA1Signatures.
func TestSHA1Signatures(t *testing.T) {
	ecRoot := mk(t, "EC Root", true, nil).signer()
	rsaRoot := mkSigner(t, "RSA Root", true, rsaKey("root"), nil)
	for _, tc := range []struct {
		name string
		root *scert
		alg  x509.SignatureAlgorithm
	}{
		{"ECDSA-with-SHA1", ecRoot, x509.ECDSAWithSHA1},
		{"sha1WithRSAEncryption", rsaRoot, x509.SHA1WithRSA},
	} {
		inter := mkSigner(t, "Inter", true, mk(t, "k", false, nil).key, tc.root, sigAlg(tc.alg))
		if inter.cert.SignatureAlgorithm != tc.alg {
			t.Fatalf("%s: intermediate signed with %v", tc.name, inter.cert.SignatureAlgorithm)
		}
		leaf := mkSigner(t, "Leaf", false, mk(t, "k", false, nil).key, inter)
		var ch Chain
		for _, der := range [][]byte{leaf.cert.Raw, inter.cert.Raw, tc.root.cert.Raw} {
			if err := ch.Append(der); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		anchors := NewPool(tc.root.cert)
		if _, err := (&Verifier{}).VerifyChain(&ch, anchors, t0, nil); err != nil {
			t.Errorf("%s, default: %v", tc.name, err)
		}
		strict := &Verifier{RejectSHA1Signatures: true}
		_, err := strict.VerifyChain(&ch, anchors, t0, nil)
		checkIndex(t, tc.name+", RejectSHA1Signatures", err, ErrBadSignature, 1)
		_, err = strict.VerifyChainSignatures(&ch, t0, nil)
		checkIndex(t, tc.name+", RejectSHA1Signatures, no anchors", err, ErrBadSignature, 1)
		// The root outside the chain: refused as well (the anchor did not
		// sign the intermediate by the rules in force).
		ch.Reset()
		for _, der := range [][]byte{leaf.cert.Raw, inter.cert.Raw} {
			if err := ch.Append(der); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := strict.VerifyChain(&ch, anchors, t0, nil); err == nil {
			t.Errorf("%s, RejectSHA1Signatures, anchor outside: verified", tc.name)
		}
		// One Cache shared by a lenient and a strict Verifier: the links the
		// lenient one verified (and cached) with SHA-1 are still refused by
		// the strict one, in the chain and to the anchor outside it.
		shared := NewCache(0)
		if _, err := (&Verifier{Cache: shared}).VerifyChain(&ch, anchors, t0, nil); err != nil {
			t.Fatalf("%s, lenient with a cache: %v", tc.name, err)
		}
		strictShared := &Verifier{Cache: shared, RejectSHA1Signatures: true}
		if _, err := strictShared.VerifyChain(&ch, anchors, t0, nil); err == nil {
			t.Errorf("%s, RejectSHA1Signatures with a cache the lenient verifier filled: verified", tc.name)
		}
		full := ch
		full.Reset()
		for _, der := range [][]byte{leaf.cert.Raw, inter.cert.Raw, tc.root.cert.Raw} {
			if err := full.Append(der); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := (&Verifier{Cache: shared}).VerifyChain(&full, anchors, t0, nil); err != nil {
			t.Fatalf("%s, lenient with a cache, root in x5c: %v", tc.name, err)
		}
		_, err = strictShared.VerifyChain(&full, anchors, t0, nil)
		checkIndex(t, tc.name+", RejectSHA1Signatures with a filled shared cache", err, ErrBadSignature, 1)
	}
}

// TestWarmVerifyChainAllocations: reading an x5c into a local Chain and
// verifying it allocates nothing once every link, including the one to the
// anchor outside the chain, is cached.
func TestWarmVerifyChainAllocations(t *testing.T) {
	root := mk(t, "Root", true, nil)
	inter := mk(t, "Inter", true, root)
	leaf := mk(t, "Leaf", false, inter)
	x5c := [][]byte{leaf.cert.Raw, inter.cert.Raw}
	pool := NewPool(root.cert)
	v := Verifier{Cache: NewCache(0)}
	run := func() {
		var ch Chain
		for _, der := range x5c {
			if err := ch.Append(der); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := v.VerifyChain(&ch, pool, t0, nil); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if links, _ := v.Cache.len(); links != len(x5c) {
		t.Fatalf("%d links cached, want %d", links, len(x5c))
	}
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("warm Append + VerifyChain allocates %v times", n)
	}
}
