package mds

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/trust"
)

func mustLoad(t *testing.T, blob []byte, o *LoadOptions) *Index {
	t.Helper()
	idx, err := Load(blob, o)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return idx
}

func TestLoadValid(t *testing.T) {
	p := testPKI()
	vendor := issue("Vendor Root A", true, nil, nil)
	u2fRoot := issue("U2F Root", true, nil, nil)
	keyID := bytes.Repeat([]byte{0x7c}, 20)
	e1 := fido2Entry(aaguidN(1), []*cert{vendor})
	e1["futureMember"] = obj{"nested": []int{1, 2}}
	e1["metadataStatement"].(obj)["newStatementMember"] = "ignored"
	u2f := obj{
		"attestationCertificateKeyIdentifiers": []string{hex.EncodeToString(keyID)},
		"metadataStatement": obj{
			"description": "U2F key", "attestationTypes": []string{"basic_full"},
			"attestationRootCertificates": x5c(u2fRoot), "protocolFamily": "u2f",
		},
		"statusReports":          []obj{{"status": "FIDO_CERTIFIED", "effectiveDate": "2019-01-01", "certificateNumber": "U2F1"}},
		"timeOfLastStatusChange": "2019-01-01",
	}
	uaf := obj{"aaid": "4e4e#4005", "statusReports": []obj{{"status": "NOT_FIDO_CERTIFIED"}}, "timeOfLastStatusChange": "2019-01-01"}
	pl := payload(42, "2026-04-01", e1, u2f, uaf)
	pl["futureTopLevel"] = true
	blob := p.signBLOB(t, pl)
	idx := mustLoad(t, append(blob, '\n'), p.opts())

	if idx.No != 42 || idx.Stale || idx.Alg != "ES256" || len(idx.Signer) != 2 || len(idx.Entries) != 3 || len(idx.Skipped) != 0 {
		t.Fatalf("index: no=%d stale=%v alg=%s signer=%d entries=%d skipped=%v", idx.No, idx.Stale, idx.Alg, len(idx.Signer), len(idx.Entries), idx.Skipped)
	}
	e := idx.Lookup(&trust.Query{AAGUID: aaguidN(1)})
	if e == nil || e.Statement.Description != "Test Key a0000000" || e.Statement.AuthenticatorVersion != 5 ||
		len(e.Statement.UserVerificationDetails) != 2 || e.Statement.UserVerificationDetails[1][0] != "passcode_external" ||
		e.Statement.KeyProtection[1] != "secure_element" || e.Statement.Icon == "" || !e.Roots.Contains(vendor.c) {
		t.Fatalf("entry: %+v", e)
	}
	pool, err := idx.Anchors(&trust.Query{KeyID: keyID})
	if err != nil || !pool.Contains(u2fRoot.c) {
		t.Fatalf("U2F anchors: %v %v", pool, err)
	}
	if pool, err := idx.Anchors(&trust.Query{AAGUID: aaguidN(99)}); pool != nil || err != nil {
		t.Fatalf("unknown: %v %v", pool, err)
	}
	name, status, ok := idx.Describe(aaguidN(1))
	if !ok || name != "Test Key a0000000" || status != "FIDO_CERTIFIED_L1" {
		t.Fatalf("Describe: %q %q %v", name, status, ok)
	}
	if _, _, ok := idx.Describe(aaguidN(2)); ok {
		t.Fatal("Describe unknown: ok")
	}
	s := Summary(idx)
	for _, want := range []string{"no: 42", "nextUpdate: 2026-04-01", "signature: verified ES256 by Test MDS Signer <- Test MDS CA", "entries: 3 (aaguid 1, u2f key ids 1, uaf only 1)", "status FIDO_CERTIFIED: 1", "skipped: 0"} {
		if !strings.Contains(s, want) {
			t.Errorf("Summary lacks %q:\n%s", want, s)
		}
	}
}

func TestLoadRSA(t *testing.T) {
	k := testRSAKey()
	root := issue("RSA MDS Root", true, nil, nil)
	leaf := issue("RSA MDS Signer", false, root, k)
	o := &LoadOptions{Roots: trust.NewPool(root.c), At: testAt, Signer: "RSA MDS Signer"}
	pl, _ := json.Marshal(payload(1, "2026-04-01"))
	for _, alg := range []string{"RS256", "PS256"} {
		blob := signJWS(t, obj{"alg": alg, "x5c": x5c(leaf, root)}, pl, k)
		if _, err := Load(blob, o); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
	}
	// An RSA key under an ES256 header.
	blob := signJWS(t, obj{"alg": "RS256", "x5c": x5c(leaf, root)}, pl, k)
	parts := strings.Split(string(blob), ".")
	h, _ := json.Marshal(obj{"alg": "ES256", "x5c": x5c(leaf, root)})
	parts[0] = base64.RawURLEncoding.EncodeToString(h)
	if _, err := Load([]byte(strings.Join(parts, ".")), o); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("alg mismatch: %v", err)
	}
}

func TestLoadRejects(t *testing.T) {
	p := testPKI()
	pl, _ := json.Marshal(payload(7, "2026-04-01"))
	good := p.signBLOB(t, pl)
	other := issue("Other Root", true, nil, nil)
	otherLeaf := issue("Other Signer", false, other, nil)
	fakeRoot := issue("Test MDS Root", true, nil, testKey("attacker")) // same name, other key
	fakeInter := issue("Test MDS CA", true, fakeRoot, testKey("attacker-ca"))
	fakeLeaf := issue("Test MDS Signer", false, fakeInter, testKey("attacker-leaf"))
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		if c[i] == 'A' {
			c[i] = 'B'
		} else {
			c[i] = 'A'
		}
		return c
	}
	dot := bytes.LastIndexByte(good, '.')
	firstDot := bytes.IndexByte(good, '.')
	cases := []struct {
		name string
		blob []byte
		o    *LoadOptions
		want error
	}{
		{"bad signature", flip(good, dot+5), nil, ErrSignature},
		{"payload altered", flip(good, firstDot+5), nil, ErrSignature},
		{"two parts", good[:dot], nil, ErrMalformedJWS},
		{"padded signature", append(bytes.Clone(good), '='), nil, ErrMalformedJWS},
		{"untrusted root", signJWS(t, obj{"alg": "ES256", "x5c": x5c(otherLeaf, other)}, pl, otherLeaf.key), nil, ErrUntrustedBLOB},
		{"root only in header", signJWS(t, obj{"alg": "ES256", "x5c": x5c(fakeLeaf, fakeInter, fakeRoot)}, pl, fakeLeaf.key), nil, ErrUntrustedBLOB},
		{"no x5c", signJWS(t, obj{"alg": "ES256", "x5u": "https://mds3.fidoalliance.org/x5u"}, pl, p.leaf.key), nil, ErrUntrustedBLOB},
		{"x5c not leaf first", signJWS(t, obj{"alg": "ES256", "x5c": x5c(p.inter, p.leaf)}, pl, p.leaf.key), nil, ErrUntrustedBLOB},
		{"alg none", signJWS(t, obj{"alg": "none", "x5c": x5c(p.leaf, p.inter)}, pl, p.leaf.key), nil, ErrAlgorithm},
		{"alg HS256", signJWS(t, obj{"alg": "HS256", "x5c": x5c(p.leaf, p.inter)}, pl, p.leaf.key), nil, ErrAlgorithm},
		{"alg ES384 with P-256", signJWS(t, obj{"alg": "ES384", "x5c": x5c(p.leaf, p.inter)}, pl, p.leaf.key), nil, ErrAlgorithm},
		{"crit", signJWS(t, obj{"alg": "ES256", "crit": []string{"b64"}, "x5c": x5c(p.leaf, p.inter)}, pl, p.leaf.key), nil, ErrMalformedJWS},
		{"miscased alg", signJWS(t, obj{"ALG": "none", "alg": "ES256", "x5c": x5c(p.leaf, p.inter)}, pl, p.leaf.key), nil, ErrMalformedJWS},
		{"x5c url-safe base64", signJWS(t, obj{"alg": "ES256", "x5c": []string{strings.NewReplacer("+", "-", "/", "_").Replace(x5c(p.leaf)[0]) + "-_"}}, pl, p.leaf.key), nil, ErrMalformedJWS},
		{"no At", good, &LoadOptions{Roots: trust.NewPool(p.root.c)}, ErrNoTime},
		{"nil options", good, nil, ErrNoTime},
		{"no roots", good, &LoadOptions{At: testAt}, ErrNoRoots},
		{"signer expired", good, &LoadOptions{Roots: trust.NewPool(p.root.c), At: certEnd.Add(time.Hour)}, ErrUntrustedBLOB},
		{"rollback", good, &LoadOptions{Roots: trust.NewPool(p.root.c), At: testAt, MinNo: 8}, ErrRollback},
		{"payload not JSON", p.signBLOB(t, []byte("{\"no\":1,")), nil, ErrPayload},
		{"payload duplicate member", p.signBLOB(t, []byte(`{"no":1,"no":2,"nextUpdate":"2026-04-01","entries":[]}`)), nil, ErrPayload},
		{"payload miscased member", p.signBLOB(t, []byte(`{"No":1,"no":2,"nextUpdate":"2026-04-01","entries":[]}`)), nil, ErrPayload},
		{"payload no no", p.signBLOB(t, []byte(`{"nextUpdate":"2026-04-01","entries":[]}`)), nil, ErrPayload},
		{"payload bad nextUpdate", p.signBLOB(t, []byte(`{"no":1,"nextUpdate":"01/04/2026","entries":[]}`)), nil, ErrPayload},
		{"payload no entries", p.signBLOB(t, []byte(`{"no":1,"nextUpdate":"2026-04-01"}`)), nil, ErrPayload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.o
			if o == nil && c.name != "nil options" {
				o = p.opts()
			}
			idx, err := Load(c.blob, o)
			if !errors.Is(err, c.want) || idx != nil {
				t.Fatalf("got %v, %v; want %v", idx, err, c.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T is not *Error", err)
			}
		})
	}
	if _, err := Load(good, p.opts()); err != nil {
		t.Fatalf("good: %v", err)
	}
	// The caller may trust the intermediate directly, and x5c may carry the root.
	withRoot := signJWS(t, obj{"alg": "ES256", "x5c": x5c(p.leaf, p.inter, p.root)}, pl, p.leaf.key)
	if _, err := Load(withRoot, &LoadOptions{Roots: trust.NewPool(p.inter.c), At: testAt}); err != nil {
		t.Fatalf("intermediate as MDS root: %v", err)
	}
}

func TestStale(t *testing.T) {
	p := testPKI()
	blob := p.signBLOB(t, payload(3, "2026-02-28"))
	idx := mustLoad(t, blob, p.opts())
	if !idx.Stale || !strings.Contains(Summary(idx), "STALE") {
		t.Fatalf("Stale = %v", idx.Stale)
	}
	o := p.opts()
	o.RejectStale = true
	if _, err := Load(blob, o); !errors.Is(err, ErrStale) {
		t.Fatalf("RejectStale: %v", err)
	}
	fresh := p.signBLOB(t, payload(3, "2026-03-02"))
	if idx := mustLoad(t, fresh, o); idx.Stale {
		t.Fatal("fresh BLOB reported stale")
	}
}

func TestMalformedEntrySkipped(t *testing.T) {
	p := testPKI()
	root := issue("Vendor Root B", true, nil, nil)
	good := fido2Entry(aaguidN(1), []*cert{root})
	badAAGUID := fido2Entry(aaguidN(2), []*cert{root})
	badAAGUID["aaguid"] = "a0000000-0000-0000-0000-00000000000"
	badRoot := fido2Entry(aaguidN(3), []*cert{root})
	badRoot["metadataStatement"].(obj)["attestationRootCertificates"] = []string{"bm90IGEgY2VydA=="}
	urlRoot := fido2Entry(aaguidN(4), []*cert{root})
	urlRoot["metadataStatement"].(obj)["attestationRootCertificates"] = []string{strings.TrimRight(base64.URLEncoding.EncodeToString(root.c.Raw), "=")}
	mismatch := fido2Entry(aaguidN(5), []*cert{root})
	mismatch["metadataStatement"].(obj)["aaguid"] = aaguidN(6).String()
	noStatus := fido2Entry(aaguidN(7), []*cert{root})
	delete(noStatus, "statusReports")
	dup := fido2Entry(aaguidN(1), []*cert{root})
	badKeyID := obj{"attestationCertificateKeyIdentifiers": []string{"abcd"}, "statusReports": []obj{{"status": "FIDO_CERTIFIED"}}}
	badDate := fido2Entry(aaguidN(8), []*cert{root}, obj{"status": "REVOKED", "effectiveDate": "yesterday"})
	noID := obj{"statusReports": []obj{{"status": "FIDO_CERTIFIED"}}}
	entries := []any{good, badAAGUID, badRoot, urlRoot, mismatch, noStatus, dup, badKeyID, badDate, noID}
	// Raw entries encoding/json would accept: duplicate and miscased names.
	raw := []string{
		`{"aaguid":"a0000000-0000-0000-0000-000000000009","aaguid":"a0000000-0000-0000-0000-000000000001","statusReports":[{"status":"FIDO_CERTIFIED"}]}`,
		`{"AAGUID":"a0000000-0000-0000-0000-00000000000a","statusReports":[{"status":"FIDO_CERTIFIED"}]}`,
		`{"aaguid":"a0000000-0000-0000-0000-00000000000b","statusReports":[{"Status":"REVOKED","status":"FIDO_CERTIFIED"}]}`,
	}
	pl, _ := json.Marshal(payload(1, "2026-04-01", entries...))
	pl = bytes.Replace(pl, []byte(`"entries":[`), []byte(`"entries":[`+strings.Join(raw, ",")+`,`), 1)
	idx := mustLoad(t, p.signBLOB(t, pl), p.opts())
	if len(idx.Entries) != 1 || idx.ByAAGUID(aaguidN(1)) == nil {
		t.Fatalf("entries kept: %d", len(idx.Entries))
	}
	wantSkipped := map[int]string{0: "", 1: "", 2: "", 4: "aaguid", 5: "attestationRootCertificates[0]", 6: "attestationRootCertificates[0]",
		7: "metadataStatement.aaguid", 8: "statusReports", 9: "aaguid", 10: "attestationCertificateKeyIdentifiers", 11: "effectiveDate", 12: ""}
	if len(idx.Skipped) != len(wantSkipped) {
		t.Fatalf("skipped %d, want %d: %v", len(idx.Skipped), len(wantSkipped), idx.Skipped)
	}
	for _, s := range idx.Skipped {
		field, ok := wantSkipped[s.Index]
		var e *Error
		if !ok || !errors.Is(s.Reason, ErrMalformedEntry) || !errors.As(s.Reason, &e) || !strings.Contains(e.Field, field) {
			t.Errorf("skipped entries[%d] %q: %v (want field %q)", s.Index, s.ID, s.Reason, field)
		}
	}
	if !strings.Contains(Summary(idx), "skipped: 12") {
		t.Errorf("Summary:\n%s", Summary(idx))
	}
}

func TestCRL(t *testing.T) {
	p := testPKI()
	blob := p.signBLOB(t, payload(1, "2026-04-01"))
	crl := func(issuer *cert, serials ...*big.Int) []byte {
		tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: testAt.Add(-24 * time.Hour), NextUpdate: testAt.Add(7 * 24 * time.Hour)}
		for _, s := range serials {
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: testAt.Add(-48 * time.Hour)})
		}
		der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer.c, issuer.key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	staleCRL := func() []byte {
		tmpl := &x509.RevocationList{Number: big.NewInt(2), ThisUpdate: testAt.Add(-30 * 24 * time.Hour), NextUpdate: testAt.Add(-24 * time.Hour)}
		der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.inter.c, p.inter.key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}()
	impostor := &cert{c: p.inter.c, key: testKey("not the CA key")}
	cases := []struct {
		name string
		crls [][]byte
		want error
	}{
		{"clean", [][]byte{crl(p.inter, big.NewInt(1)), crl(p.root)}, nil},
		{"leaf revoked", [][]byte{crl(p.inter, p.leaf.c.SerialNumber)}, ErrSignerRevoked},
		{"intermediate revoked by root", [][]byte{crl(p.root, p.inter.c.SerialNumber)}, ErrSignerRevoked},
		{"PEM", [][]byte{pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl(p.inter, p.leaf.c.SerialNumber)})}, ErrSignerRevoked},
		{"wrong signer", [][]byte{crl(impostor, big.NewInt(5))}, ErrCRL},
		{"unrelated issuer", [][]byte{crl(issue("Elsewhere CA", true, nil, nil))}, ErrCRL},
		{"garbage", [][]byte{[]byte("not a crl")}, ErrCRL},
		{"stale", [][]byte{staleCRL}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := p.opts()
			o.CRLs = c.crls
			idx, err := Load(blob, o)
			if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.name == "stale" {
				if !idx.StaleCRL {
					t.Fatal("StaleCRL not reported")
				}
				o.RejectStale = true
				if _, err := Load(blob, o); !errors.Is(err, ErrStale) {
					t.Fatalf("RejectStale: %v", err)
				}
			}
		})
	}
}

func TestLimits(t *testing.T) {
	p := testPKI()
	if _, err := Load(make([]byte, MaxBLOBSize+1), p.opts()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBLOBSize+1: %v", err)
	}
	many := `{"no":1,"nextUpdate":"2026-04-01","entries":[` + strings.Repeat("{},", MaxEntries) + `{}]}`
	if _, err := Load(p.signBLOB(t, []byte(many)), p.opts()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxEntries+1: %v", err)
	}
	root := issue("Vendor Root C", true, nil, nil)
	roots := make([]*cert, MaxRootsPerEntry+1)
	for i := range roots {
		roots[i] = root
	}
	reports := make([]obj, MaxStatusReports+1)
	for i := range reports {
		reports[i] = obj{"status": "FIDO_CERTIFIED"}
	}
	atLimit := fido2Entry(aaguidN(1), roots[:MaxRootsPerEntry], reports[:MaxStatusReports]...)
	overRoots := fido2Entry(aaguidN(2), roots)
	overReports := fido2Entry(aaguidN(3), nil, reports...)
	idx := mustLoad(t, p.signBLOB(t, payload(1, "2026-04-01", atLimit, overRoots, overReports)), p.opts())
	if len(idx.Entries) != 1 || len(idx.Skipped) != 2 {
		t.Fatalf("kept %d skipped %v", len(idx.Entries), idx.Skipped)
	}
}
