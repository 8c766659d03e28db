package x509lite_test

import (
	"crypto/x509"
	"testing"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// TestRefusedByBoth: certificates crypto/x509 refuses for a reason x509lite
// mirrors; each must be refused by both (the control case accepted by both).
func TestRefusedByBoth(t *testing.T) {
	raw := func(oid []int, critical bool, value []byte) func(b *cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oid)
				if critical {
					b.AddASN1Boolean(true)
				}
				b.AddASN1OctetString(value)
			})
		}
	}
	san := func(general ...byte) func(b *cryptobyte.Builder) {
		return raw([]int{2, 5, 29, 17}, false, append([]byte{0x30, byte(len(general))}, general...))
	}
	tests := []struct {
		name   string
		p      parts
		accept bool
	}{
		{"control", parts{}, true},
		{"control SAN dNSName and IP", parts{exts: san(0x82, 1, 'a', 0x87, 4, 1, 2, 3, 4)}, true},
		{"PrintableString with @", parts{nameTag: asn1.PrintableString, nameValue: "a@b"}, false},
		{"UTF8String invalid", parts{nameTag: asn1.UTF8String, nameValue: "\xff"}, false},
		{"IA5String non-ASCII", parts{nameTag: asn1.IA5String, nameValue: "\xc3\xa9"}, false},
		{"NumericString letter", parts{nameTag: asn1.Tag(18), nameValue: "12a"}, false},
		{"BMPString odd length", parts{nameTag: asn1.Tag(30), nameValue: "abc"}, false},
		{"BMPString surrogate", parts{nameTag: asn1.Tag(30), nameValue: "\xd8\x00"}, false},
		{"OCTET STRING as name value", parts{nameTag: asn1.OCTET_STRING, nameValue: "x"}, false},
		{"month 13", parts{notBefore: "251301000000Z"}, false},
		{"February 30", parts{notBefore: "250230000000Z"}, false},
		{"second 60", parts{notBefore: "250101000060Z"}, false},
		{"version 4", parts{version: 3}, false},
		{"inner and outer algorithms differ", parts{outerAlg: []int{1, 2, 840, 10045, 4, 3, 3}}, false},
		{"SAN dNSName non-ASCII", parts{exts: san(0x82, 2, 0xc3, 0xa9)}, false},
		{"SAN iPAddress of 5 bytes", parts{exts: san(0x87, 5, 1, 2, 3, 4, 5)}, false},
		{"SKI critical", parts{exts: raw([]int{2, 5, 29, 14}, true, []byte{4, 1, 1})}, false},
		{"AKI critical", parts{exts: raw([]int{2, 5, 29, 35}, true, []byte{0x30, 0})}, false},
		{"AIA critical", parts{exts: raw([]int{1, 3, 6, 1, 5, 5, 7, 1, 1}, true, []byte{0x30, 0})}, false},
		{"policies duplicate", parts{exts: raw([]int{2, 5, 29, 32}, false, []byte{0x30, 8, 0x30, 2, 6, 0, 0x30, 2, 6, 0})}, false},
		{"key usage padding bits set", parts{exts: raw([]int{2, 5, 29, 15}, false, []byte{3, 2, 7, 0x81})}, false},
		{"basic constraints negative pathLen", parts{exts: raw([]int{2, 5, 29, 19}, false, []byte{0x30, 6, 1, 1, 0xff, 2, 1, 0xff})}, false},
		{"duplicate extension", parts{exts: func(b *cryptobyte.Builder) {
			raw([]int{1, 2, 3}, false, nil)(b)
			raw([]int{1, 2, 3}, false, nil)(b)
		}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der := buildWith(t, &tt.p)
			_, xerr := x509.ParseCertificate(der)
			var c x509lite.Certificate
			err := x509lite.Parse(der, &c)
			if (xerr == nil) != tt.accept || (err == nil) != tt.accept {
				t.Fatalf("crypto/x509: %v; x509lite: %v; want accepted=%v", xerr, err, tt.accept)
			}
			differential(t, der)
		})
	}
}
