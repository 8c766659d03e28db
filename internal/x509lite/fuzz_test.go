package x509lite_test

import (
	"crypto/x509"
	"encoding/asn1"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// fuzzOIDs are the extensions FuzzExtension places its value under: every
// one the reader or crypto/x509 interprets, plus an unknown one.
var fuzzOIDs = []asn1.ObjectIdentifier{
	{2, 5, 29, 14}, {2, 5, 29, 15}, {2, 5, 29, 17}, {2, 5, 29, 19}, {2, 5, 29, 30},
	{2, 5, 29, 31}, {2, 5, 29, 32}, {2, 5, 29, 33}, {2, 5, 29, 35}, {2, 5, 29, 36},
	{2, 5, 29, 37}, {2, 5, 29, 54}, {1, 3, 6, 1, 5, 5, 7, 1, 1},
	{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}, {1, 2, 840, 113635, 100, 8, 2},
	{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}, {1, 2, 3, 4},
}

// FuzzExtension runs the differential on a certificate whose one extension
// has a fuzzed value, seeded with every extension value of the seed
// certificates: the byte-level fuzzer rarely gets past the outer lengths.
func FuzzExtension(f *testing.F) {
	for _, der := range seeds(f) {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		for _, e := range x.Extensions {
			for i, o := range fuzzOIDs {
				if o.Equal(e.Id) {
					f.Add(uint8(i), e.Critical, e.Value)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, critical bool, value []byte) {
		oid := fuzzOIDs[int(i)%len(fuzzOIDs)]
		der := buildWith(t, &parts{exts: func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oid)
				if critical {
					b.AddASN1Boolean(true)
				}
				b.AddASN1OctetString(value)
			})
		}})
		differential(t, der)
	})
}

// FuzzNameAndTime runs the differential on a certificate whose subject and
// issuer CN has a fuzzed string tag and value and whose notBefore is fuzzed.
func FuzzNameAndTime(f *testing.F) {
	f.Add(uint8(cbasn1.UTF8String), "name", "250101000000Z")
	f.Add(uint8(cbasn1.PrintableString), "a b", "500101000000Z")
	f.Add(uint8(30), "\x00a\x00\x00", "491231235959Z")
	f.Add(uint8(cbasn1.T61String), "\xff", "000229000000Z")
	f.Add(uint8(18), "12 3", "9912312359Z")
	f.Fuzz(func(t *testing.T, tag uint8, value, notBefore string) {
		if tag == 0 || tag&0x1f == 0x1f {
			return // buildWith's default / high-tag-number form
		}
		differential(t, buildWith(t, &parts{nameTag: cbasn1.Tag(tag), nameValue: value, notBefore: notBefore}))
	})
}
