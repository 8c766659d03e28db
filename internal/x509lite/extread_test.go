package x509lite_test

import (
	"crypto/x509"
	encasn1 "encoding/asn1"
	"slices"
	"testing"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// critExt encodes an extension with an explicit criticality.
func critExt(oid []int, critical bool, val func(b *cryptobyte.Builder)) func(b *cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			if critical {
				b.AddASN1Boolean(true)
			}
			b.AddASN1(asn1.OCTET_STRING, val)
		})
	}
}

// TestExtensionCriticality: the …Critical fields follow the extension's
// critical flag (and crypto/x509, through differential).
func TestExtensionCriticality(t *testing.T) {
	aaguid := []int{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}
	apple := []int{1, 2, 840, 113635, 100, 8, 2}
	android := []int{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}
	octets := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 16)) })
	}
	field := map[string]func(c *x509lite.Certificate) (present, critical bool){
		"aaguid": func(c *x509lite.Certificate) (bool, bool) { return c.FIDOAAGUID != nil, c.FIDOAAGUIDCritical },
		"apple":  func(c *x509lite.Certificate) (bool, bool) { return c.AppleNonce != nil, c.AppleNonceCritical },
		"android": func(c *x509lite.Certificate) (bool, bool) {
			return c.AndroidKeyDescription != nil, c.AndroidKeyDescriptionCritical
		},
	}
	tests := []struct {
		name     string
		oid      []int
		field    string
		critical bool
	}{
		{"aaguid critical", aaguid, "aaguid", true},
		{"aaguid not critical", aaguid, "aaguid", false},
		{"apple nonce critical", apple, "apple", true},
		{"apple nonce not critical", apple, "apple", false},
		{"android key description critical", android, "android", true},
		{"android key description not critical", android, "android", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der := build(t, []byte{1}, critExt(tt.oid, tt.critical, octets))
			var c x509lite.Certificate
			if err := x509lite.Parse(der, &c); err != nil {
				t.Fatal(err)
			}
			for name, f := range field {
				present, critical := f(&c)
				if present != (name == tt.field) || critical != (name == tt.field && tt.critical) {
					t.Errorf("%s: present %v critical %v", name, present, critical)
				}
			}
			if !differential(t, der) {
				t.Fatal("refused")
			}
		})
	}
}

// hasStdNames is crypto/x509's reading of a SAN: whether it parsed any name.
func hasStdNames(x *x509.Certificate) bool {
	return len(x.DNSNames)+len(x.EmailAddresses)+len(x.IPAddresses)+len(x.URIs) > 0
}

func unhandledSAN(x *x509.Certificate) bool {
	return slices.ContainsFunc(x.UnhandledCriticalExtensions, func(id encasn1.ObjectIdentifier) bool {
		return id.Equal(encasn1.ObjectIdentifier{2, 5, 29, 17})
	})
}

// TestSANHasStdNamesSeeds: on every seed with a subjectAltName,
// SANHasStdNames agrees with the names crypto/x509 parsed, and for a
// critical one with crypto/x509 listing it as unhandled.
func TestSANHasStdNamesSeeds(t *testing.T) {
	critical := 0
	for _, der := range accepted(t) {
		var c x509lite.Certificate
		if err := x509lite.Parse(der, &c); err != nil {
			t.Fatal(err)
		}
		x, err := x509.ParseCertificate(der)
		if err != nil || c.SubjectAltName == nil {
			continue
		}
		got := x509lite.SANHasStdNames(c.SubjectAltName)
		if got != hasStdNames(x) {
			t.Errorf("SANHasStdNames %v, crypto/x509 names %v %v %v %v", got, x.DNSNames, x.EmailAddresses, x.IPAddresses, x.URIs)
		}
		if c.SubjectAltNameCritical {
			critical++
			if unhandledSAN(x) != !got {
				t.Errorf("critical SAN: SANHasStdNames %v, crypto/x509 unhandled %v", got, unhandledSAN(x))
			}
		}
	}
	if critical == 0 {
		t.Fatal("no seed holds a critical SAN: the test compares nothing")
	}
}

// TestSANHasStdNames: hand-built SANs, each placed critical in a certificate
// crypto/x509 parses when it can: SANHasStdNames is false exactly when
// crypto/x509 leaves the SAN unhandled. Malformed cases (which Parse
// refuses; crypto/x509 ignores bytes after the GeneralNames) hold none.
func TestSANHasStdNames(t *testing.T) {
	dirName := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddBytes(buildName([]attr{{[]int{2, 23, 133, 2, 1}, asn1.UTF8String, "id:FFFFF1D0"}}))
		})
	}
	prim := func(n uint8, v string) func(b *cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.Tag(n).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
		}
	}
	san := func(names ...func(b *cryptobyte.Builder)) []byte {
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, n := range names {
				n(b)
			}
		})
		return b.BytesOrPanic()
	}
	otherName := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier([]int{1, 2, 3})
			b.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1NULL() })
		})
	}
	constructedDNS := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte("x")) })
	}
	tests := []struct {
		name      string
		san       []byte
		want      bool
		malformed bool
	}{
		{"directoryName only (TPM)", san(dirName), false, false},
		{"empty", san(), false, false},
		{"otherName", san(otherName), false, false},
		{"registeredID", san(func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.Tag(8).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x2a, 0x03}) })
		}), false, false},
		{"constructed [2] is not a dNSName", san(constructedDNS), false, false},
		{"dNSName", san(prim(2, "example.com")), true, false},
		{"empty dNSName", san(prim(2, "")), true, false},
		{"rfc822Name", san(prim(1, "a@example.com")), true, false},
		{"iPAddress", san(prim(7, "\x7f\x00\x00\x01")), true, false},
		{"uniformResourceIdentifier", san(prim(6, "https://example.com/")), true, false},
		{"directoryName then dNSName", san(dirName, prim(2, "example.com")), true, false},
		{"trailing bytes", append(san(prim(2, "example.com")), 0), false, true},
		{"truncated", san(prim(2, "example.com"))[:5], false, true},
		{"not a SEQUENCE", []byte{0x31, 0x00}, false, true},
		{"nil", nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x509lite.SANHasStdNames(tt.san); got != tt.want {
				t.Fatalf("SANHasStdNames = %v, want %v", got, tt.want)
			}
			der := build(t, []byte{1}, critExt([]int{2, 5, 29, 17}, true, func(b *cryptobyte.Builder) { b.AddBytes(tt.san) }))
			if tt.malformed {
				var c x509lite.Certificate
				if x509lite.Parse(der, &c) == nil {
					t.Fatal("Parse accepts the malformed SAN")
				}
				return
			}
			x, err := x509.ParseCertificate(der)
			if err != nil {
				if tt.want {
					t.Fatalf("crypto/x509 refuses: %v", err)
				}
				return
			}
			if unhandledSAN(x) != !tt.want {
				t.Fatalf("crypto/x509 unhandled %v, want %v", unhandledSAN(x), !tt.want)
			}
			var c x509lite.Certificate
			if x509lite.Parse(der, &c) == nil && x509lite.SANHasStdNames(c.SubjectAltName) != tt.want {
				t.Fatal("SANHasStdNames on the parsed certificate differs")
			}
		})
	}
}

var ekuOIDs = map[x509.ExtKeyUsage][]int{
	x509.ExtKeyUsageAny:             {2, 5, 29, 37, 0},
	x509.ExtKeyUsageServerAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 1},
	x509.ExtKeyUsageClientAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 2},
	x509.ExtKeyUsageCodeSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 3},
	x509.ExtKeyUsageEmailProtection: {1, 3, 6, 1, 5, 5, 7, 3, 4},
	x509.ExtKeyUsageTimeStamping:    {1, 3, 6, 1, 5, 5, 7, 3, 8},
	x509.ExtKeyUsageOCSPSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 9},
}

// TestHasExtKeyUsageSeeds: on every seed HasExtKeyUsage agrees with
// crypto/x509's ExtKeyUsage and UnknownExtKeyUsage, in particular for
// tcg-kp-AIKCertificate on the TPM AIK certificates.
func TestHasExtKeyUsageSeeds(t *testing.T) {
	aik := encasn1.ObjectIdentifier{2, 23, 133, 8, 3}
	if got := oidContent(t, aik...); string(got) != string(x509lite.OIDTCGKPAIKCertificate) {
		t.Fatalf("OIDTCGKPAIKCertificate %x, want %x", x509lite.OIDTCGKPAIKCertificate, got)
	}
	aiks := 0
	for _, der := range accepted(t) {
		var c x509lite.Certificate
		if err := x509lite.Parse(der, &c); err != nil {
			t.Fatal(err)
		}
		x, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		wantAIK := slices.ContainsFunc(x.UnknownExtKeyUsage, aik.Equal)
		if c.HasExtKeyUsage(x509lite.OIDTCGKPAIKCertificate) != wantAIK {
			t.Errorf("AIK: HasExtKeyUsage %v, crypto/x509 %v", !wantAIK, wantAIK)
		}
		if wantAIK {
			aiks++
			if c.HasExtKeyUsage(x509lite.OIDTCGKPAIKCertificate[:4]) {
				t.Error("a prefix of the AIK OID matches")
			}
		}
		for _, u := range x.UnknownExtKeyUsage {
			if !c.HasExtKeyUsage(oidContent(t, u...)) {
				t.Errorf("HasExtKeyUsage(%v) false", u)
			}
		}
		for u, arcs := range ekuOIDs {
			want := slices.Contains(x.ExtKeyUsage, u)
			if c.HasExtKeyUsage(oidContent(t, arcs...)) != want {
				t.Errorf("HasExtKeyUsage(%v) = %v", arcs, !want)
			}
		}
		if n := testing.AllocsPerRun(10, func() { c.HasExtKeyUsage(x509lite.OIDTCGKPAIKCertificate) }); n != 0 {
			t.Fatalf("%v allocations", n)
		}
	}
	if aiks == 0 {
		t.Fatal("no AIK seed: the test compares too little")
	}
}

// TestHasExtKeyUsage: hand cases, including an absent extension.
func TestHasExtKeyUsage(t *testing.T) {
	eku := func(oids ...[]int) func(b *cryptobyte.Builder) {
		return ext([]int{2, 5, 29, 37}, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, o := range oids {
					b.AddASN1ObjectIdentifier(o)
				}
			})
		})
	}
	aik := []int{2, 23, 133, 8, 3}
	tests := []struct {
		name string
		exts func(b *cryptobyte.Builder)
		want bool
	}{
		{"absent", func(b *cryptobyte.Builder) {}, false},
		{"empty", eku(), false},
		{"AIK only", eku(aik), true},
		{"AIK after serverAuth", eku(ekuOIDs[x509.ExtKeyUsageServerAuth], aik), true},
		{"serverAuth", eku(ekuOIDs[x509.ExtKeyUsageServerAuth]), false},
		{"longer OID", eku([]int{2, 23, 133, 8, 3, 1}), false},
		{"other", eku(ekuOIDs[x509.ExtKeyUsageAny]), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der := build(t, []byte{1}, tt.exts)
			var c x509lite.Certificate
			if err := x509lite.Parse(der, &c); err != nil {
				t.Fatal(err)
			}
			if got := c.HasExtKeyUsage(x509lite.OIDTCGKPAIKCertificate); got != tt.want {
				t.Fatalf("HasExtKeyUsage = %v, want %v", got, tt.want)
			}
			x, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(x.UnknownExtKeyUsage, encasn1.ObjectIdentifier(aik).Equal) != tt.want {
				t.Fatal("crypto/x509 disagrees")
			}
			for u, arcs := range ekuOIDs {
				if c.HasExtKeyUsage(oidContent(t, arcs...)) != slices.Contains(x.ExtKeyUsage, u) {
					t.Errorf("HasExtKeyUsage(%v) disagrees with crypto/x509 %v", arcs, x.ExtKeyUsage)
				}
			}
		})
	}
	var zero x509lite.Certificate
	if zero.HasExtKeyUsage(x509lite.OIDTCGKPAIKCertificate) {
		t.Fatal("zero Certificate")
	}
}
