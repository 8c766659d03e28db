package mds

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestSignerPinned: a certificate chaining to the MDS root is not enough; the
// BLOB must be signed by the MDS signer. The recommended root (GlobalSign Root
// CA - R3) also issues ordinary TLS certificates, so any of them could
// otherwise sign a BLOB that Load accepts (issue 13 item 9).
func TestSignerPinned(t *testing.T) {
	p := testPKI()
	pl, _ := json.Marshal(payload(1, "2026-04-01"))
	sign := func(leaf *cert) []byte {
		return signJWS(t, obj{"alg": "ES256", "x5c": x5c(leaf, p.inter)}, pl, leaf.key)
	}
	cnOnly := issue(DefaultSigner, false, p.inter, nil)
	conformance := issue("FAKE Metadata 3 BLOB Signer", false, p.inter, nil)
	cases := []struct {
		name   string
		leaf   *cert
		signer string
		want   error
	}{
		{"production name in SAN", p.leaf, "", nil},
		{"production name as CN, no SAN", cnOnly, "", nil},
		{"default spelled out", p.leaf, DefaultSigner, nil},
		{"other TLS certificate under the same CA", issue("www.example.com", false, p.inter, nil, "www.example.com"), "", ErrSignerName},
		{"no name", issue("", false, p.inter, nil), "", ErrSignerName},
		{"wildcard SAN", issue("wild", false, p.inter, nil, "*.fidoalliance.org"), "", ErrSignerName},
		{"other case", issue("upper", false, p.inter, nil, "MDS.FIDOALLIANCE.ORG"), "", ErrSignerName},
		{"suffix", issue("suffix", false, p.inter, nil, "mds.fidoalliance.org.example.com"), "", ErrSignerName},
		{"CN matches but SAN does not", issue(DefaultSigner, false, p.inter, nil, "www.example.com"), "", ErrSignerName},
		{"one of several SANs", issue("multi", false, p.inter, nil, "www.example.com", DefaultSigner), "", nil},
		{"configured signer", conformance, "FAKE Metadata 3 BLOB Signer", nil},
		{"configured signer refuses production", p.leaf, "FAKE Metadata 3 BLOB Signer", ErrSignerName},
		{"default refuses the configured one", conformance, "", ErrSignerName},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := p.opts()
			o.Signer = c.signer
			idx, err := Load(sign(c.leaf), o)
			if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
				t.Fatalf("Load: %v, want %v", err, c.want)
			}
			if err != nil {
				var e *Error
				if !errors.Is(err, ErrUntrustedBLOB) || !errors.As(err, &e) || e.Field != "header.x5c[0]" {
					t.Fatalf("Load: %v, want ErrUntrustedBLOB at header.x5c[0]", err)
				}
				return
			}
			if !idx.Signer[0].Equal(c.leaf.c) {
				t.Fatal("Index.Signer is not the signing chain")
			}
		})
	}
}
