package x509lite_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"reflect"
	"testing"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// accepted returns the seeds x509lite accepts.
func accepted(tb testing.TB) [][]byte {
	var out [][]byte
	for _, der := range seeds(tb) {
		var c x509lite.Certificate
		if x509lite.Parse(der, &c) == nil {
			out = append(out, der)
		}
	}
	if len(out) < 20 {
		tb.Fatalf("only %d seeds accepted", len(out))
	}
	return out
}

// TestEveryPrefixFails: no strict prefix of an accepted certificate parses,
// and a failed Parse leaves no partial result.
func TestEveryPrefixFails(t *testing.T) {
	for _, der := range accepted(t) {
		for i := range len(der) {
			c := x509lite.Certificate{Version: 9, Raw: der}
			if err := x509lite.Parse(der[:i], &c); err == nil {
				t.Fatalf("prefix %d of %d bytes accepted", i, len(der))
			}
			if !reflect.DeepEqual(c, x509lite.Certificate{}) {
				t.Fatalf("prefix %d: partial result left: %+v", i, c)
			}
		}
	}
}

// TestAllocations: Parse allocates nothing on every accepted seed.
func TestAllocations(t *testing.T) {
	var c x509lite.Certificate
	for _, der := range accepted(t) {
		if n := testing.AllocsPerRun(10, func() {
			if x509lite.Parse(der, &c) != nil {
				t.Fatal("refused")
			}
		}); n != 0 {
			t.Fatalf("%v allocations for %.32x…", n, der)
		}
	}
}

var testKey = func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}()

// build assembles a v3 certificate (signature bytes are not a real signature:
// the reader does not verify) with the given serial content and extensions.
func build(tb testing.TB, serial []byte, exts func(b *cryptobyte.Builder)) []byte {
	tb.Helper()
	return buildWith(tb, &parts{serial: serial, exts: exts})
}

// parts are the pieces of a test certificate buildWith varies; zero fields
// take a valid default.
type parts struct {
	serial    []byte
	exts      func(b *cryptobyte.Builder)
	nameTag   asn1.Tag // of the CN value; default UTF8String
	nameValue string
	notBefore string // UTCTime content; default 250101000000Z
	version   int64  // DER version; default 2 (v3)
	outerAlg  []int  // outer signatureAlgorithm OID; default = inner
}

func buildWith(tb testing.TB, p *parts) []byte {
	tb.Helper()
	if p.nameTag == 0 {
		p.nameTag, p.nameValue = asn1.UTF8String, "x509lite test"
	}
	if p.notBefore == "" {
		p.notBefore = "250101000000Z"
	}
	if p.version == 0 {
		p.version = 2
	}
	if p.serial == nil {
		p.serial = []byte{1}
	}
	if p.exts == nil {
		p.exts = func(b *cryptobyte.Builder) {}
	}
	serial, exts := p.serial, p.exts
	spki, err := x509.MarshalPKIXPublicKey(&testKey.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	algOID := []int{1, 2, 840, 10045, 4, 3, 2}
	alg := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(algOID) })
	}
	name := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier([]int{2, 5, 4, 3})
					b.AddASN1(p.nameTag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(p.nameValue)) })
				})
			})
		})
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(p.version) })
			b.AddASN1(asn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(serial) })
			alg(b)
			name(b)
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.UTCTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(p.notBefore)) })
				b.AddASN1(asn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte("20500101000000Z")) })
			})
			name(b)
			b.AddBytes(spki)
			b.AddASN1(asn1.Tag(3).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, exts)
			})
		})
		if p.outerAlg != nil {
			algOID = p.outerAlg
		}
		alg(b)
		b.AddASN1BitString(make([]byte, 70))
	})
	return b.BytesOrPanic()
}

func ext(oid []int, val func(b *cryptobyte.Builder)) func(b *cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(asn1.OCTET_STRING, val)
		})
	}
}

func nullValue(b *cryptobyte.Builder) { b.AddASN1NULL() }

// TestLimits: each limit accepts its value and refuses limit+1; crypto/x509
// agrees with every accepted one (differential).
func TestLimits(t *testing.T) {
	serial := func(n int) []byte { // a positive minimal INTEGER content of n bytes
		s := make([]byte, n)
		s[0] = 0
		for i := 1; i < n; i++ {
			s[i] = 0x80
		}
		if n == 1 {
			s[0] = 1
		}
		return s
	}
	noExts := func(b *cryptobyte.Builder) {}
	exts := func(n int) func(b *cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			for i := range n {
				ext([]int{1, 3, 6, 1, 4, 1, 99999, i}, nullValue)(b)
			}
		}
	}
	policies := func(n int) func(b *cryptobyte.Builder) {
		return ext([]int{2, 5, 29, 32}, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for i := range n {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier([]int{1, 2, 3, i}) })
				}
			})
		})
	}
	tests := []struct {
		name string
		der  []byte
		want error
	}{
		{"serial at MaxSerialLen", build(t, serial(x509lite.MaxSerialLen), noExts), nil},
		{"serial at MaxSerialLen+1", build(t, serial(x509lite.MaxSerialLen+1), noExts), x509lite.ErrTooLarge},
		{"MaxExtensions", build(t, []byte{1}, exts(x509lite.MaxExtensions)), nil},
		{"MaxExtensions+1", build(t, []byte{1}, exts(x509lite.MaxExtensions+1)), x509lite.ErrTooLarge},
		{"MaxPolicies", build(t, []byte{1}, policies(x509lite.MaxPolicies)), nil},
		{"MaxPolicies+1", build(t, []byte{1}, policies(x509lite.MaxPolicies+1)), x509lite.ErrMalformed},
		{"MaxCertificateSize+1", make([]byte, x509lite.MaxCertificateSize+1), x509lite.ErrTooLarge},
		{"MaxCertificateSize of junk", make([]byte, x509lite.MaxCertificateSize), x509lite.ErrMalformed},
		{"duplicate extension", build(t, []byte{1}, func(b *cryptobyte.Builder) { exts(1)(b); exts(1)(b) }), x509lite.ErrMalformed},
		{"name constraints", build(t, []byte{1}, ext([]int{2, 5, 29, 30}, nullValue)), x509lite.ErrNameConstraints},
		{"unknown critical", build(t, []byte{1}, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier([]int{1, 2, 3, 4})
				b.AddASN1Boolean(true)
				b.AddASN1(asn1.OCTET_STRING, nullValue)
			})
		}), x509lite.ErrCriticalExtension},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c x509lite.Certificate
			if err := x509lite.Parse(tt.der, &c); !errors.Is(err, tt.want) {
				t.Fatalf("Parse: %v, want %v", err, tt.want)
			}
			differential(t, tt.der)
		})
	}
}
