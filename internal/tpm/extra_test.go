package tpm

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// attr is one AttributeTypeAndValue for sanBytes.
type attr struct {
	oid asn1.ObjectIdentifier
	tag cbasn1.Tag
	val string
}

var (
	oidManu  = asn1.ObjectIdentifier{2, 23, 133, 2, 1}
	oidModel = asn1.ObjectIdentifier{2, 23, 133, 2, 2}
	oidVer   = asn1.ObjectIdentifier{2, 23, 133, 2, 3}
)

// sanBytes builds a subjectAltName with cryptobyte (test-only): one
// directoryName whose RDNs are the given groups of attributes.
func sanBytes(t testing.TB, before bool, rdns ...[]attr) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if before {
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte("example.com")) })
		}
		b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, rdn := range rdns {
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
						for _, a := range rdn {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1ObjectIdentifier(a.oid)
								b.AddASN1(a.tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(a.val)) })
							})
						}
					})
				}
			})
		})
	})
	return b.BytesOrPanic()
}

func TestSubjectAltName(t *testing.T) {
	m := attr{oidManu, cbasn1.UTF8String, "id:414D4400"}
	mo := attr{oidModel, cbasn1.UTF8String, "model"}
	v := attr{oidVer, cbasn1.PrintableString, "id:13"}
	cn := attr{asn1.ObjectIdentifier{2, 5, 4, 3}, cbasn1.UTF8String, "x"}
	good := sanBytes(t, false, []attr{m, mo, v})
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"one SET", good, nil},
		{"three SETs", sanBytes(t, false, []attr{m}, []attr{mo}, []attr{v}), nil},
		{"other GeneralName and attribute", sanBytes(t, true, []attr{cn}, []attr{v, m}, []attr{mo}), nil},
		{"missing version", sanBytes(t, false, []attr{m, mo}), ErrSANMissingAttribute},
		{"missing all", sanBytes(t, true), ErrSANMissingAttribute},
		{"duplicate", sanBytes(t, false, []attr{m, mo, v}, []attr{m}), ErrSANDuplicate},
		{"IA5String value", sanBytes(t, false, []attr{{oidManu, cbasn1.IA5String, "id:414D4400"}, mo, v}), ErrSANMalformed},
		{"invalid UTF-8", sanBytes(t, false, []attr{{oidManu, cbasn1.UTF8String, "\xff"}, mo, v}), ErrSANMalformed},
		{"bad PrintableString", sanBytes(t, false, []attr{m, mo, {oidVer, cbasn1.PrintableString, "a*"}}), ErrSANMalformed},
		{"empty SET", sanBytes(t, false, []attr{m, mo, v}, []attr{}), ErrSANMalformed},
		{"empty GeneralNames", []byte{0x30, 0x00}, ErrSANMalformed},
		{"trailing byte", append(bytes.Clone(good), 0), ErrSANMalformed},
		{"non-minimal length", append([]byte{0x30, 0x81, byte(len(good) - 2)}, good[2:]...), ErrSANMalformed},
		{"indefinite length", append(append([]byte{0x30, 0x80}, good[2:]...), 0, 0), ErrSANMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DeviceAttributes{Model: []byte("x")}
			err := ParseSubjectAltName(tt.b, &d)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				if d.Manufacturer != nil || d.Model != nil || d.Version != nil {
					t.Fatalf("partial result: %+v", d)
				}
				return
			}
			if string(d.Manufacturer) != "id:414D4400" || string(d.Model) != "model" || string(d.Version) != "id:13" {
				t.Fatalf("%q %q %q", d.Manufacturer, d.Model, d.Version)
			}
		})
	}
	for i := range len(good) {
		if ParseSubjectAltName(good[:i], new(DeviceAttributes)) == nil {
			t.Fatalf("prefix %d accepted", i)
		}
	}
}

// TestDERAgainstCryptobyte checks der.element against cryptobyte's reader on
// every prefix and byte flip of a real SAN.
func TestDERAgainstCryptobyte(t *testing.T) {
	for _, s := range loadStatements(t) {
		for i := range len(s.san) {
			for _, x := range []byte{0, 1, 0x80, 0xff} {
				m := bytes.Clone(s.san)
				m[i] ^= x
				for _, in := range [][]byte{m, m[:i]} {
					d := der(in)
					var tag byte
					var c1 []byte
					ok1 := d.element(&tag, &c1)
					cs := cryptobyte.String(in)
					var c2 cryptobyte.String
					var tag2 cbasn1.Tag
					ok2 := cs.ReadAnyASN1(&c2, &tag2)
					if ok1 != ok2 || ok1 && (tag != byte(tag2) || !bytes.Equal(c1, c2) || len(d) != len(cs)) {
						t.Fatalf("der vs cryptobyte on %x: %v %v", in, ok1, ok2)
					}
				}
			}
		}
	}
}

func TestAllocations(t *testing.T) {
	var st tpmStatement
	for _, s := range loadStatements(t) {
		if s.ok && s.san != nil {
			st = s
			break
		}
	}
	if st.certInfo == nil {
		t.Fatal("no tpm vector expected to verify with a subjectAltName: nothing to measure")
	}
	var a Attest
	var p Public
	var d DeviceAttributes
	ecc := synthPublics()[6].b
	for name, f := range map[string]func(){
		"ParseAttest": func() { _ = ParseAttest(st.certInfo, &a) },
		"ParsePublic": func() { _ = ParsePublic(st.pubArea, &p); _ = ParsePublic(ecc, &p) },
		"NameMatches": func() { _ = NameMatches(a.Name, st.pubArea) },
		"ParseSubjectAltName": func() {
			_ = ParseSubjectAltName(st.san, &d)
		},
		"KnownManufacturer": func() { _ = KnownManufacturer("id:FFFFF1D0") },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

func FuzzParseAttest(f *testing.F) {
	for _, s := range loadStatements(f) {
		f.Add(s.certInfo)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Attest
		if err := ParseAttest(b, &a); err != nil {
			if a.Magic != 0 || a.Name != nil || a.ExtraData != nil {
				t.Fatal("partial result")
			}
			return
		}
		if ParseAttest(append(bytes.Clone(b), 0), new(Attest)) == nil || ParseAttest(b[:len(b)-1], new(Attest)) == nil {
			t.Fatal("accepted with a byte added or removed")
		}
	})
}

func FuzzParsePublic(f *testing.F) {
	for _, s := range loadStatements(f) {
		f.Add(s.pubArea)
	}
	for _, c := range synthPublics() {
		f.Add(c.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Public
		if err := ParsePublic(b, &p); err != nil {
			if p.Type != 0 || p.Modulus != nil || p.X != nil {
				t.Fatal("partial result")
			}
			return
		}
		if p.Type != AlgRSA && p.Type != AlgECC {
			t.Fatal("bad type accepted")
		}
		if ParsePublic(append(bytes.Clone(b), 0), new(Public)) == nil || ParsePublic(b[:len(b)-1], new(Public)) == nil {
			t.Fatal("accepted with a byte added or removed")
		}
	})
}

func FuzzParseSubjectAltName(f *testing.F) {
	for _, s := range loadStatements(f) {
		if s.san != nil {
			f.Add(s.san)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d DeviceAttributes
		if err := ParseSubjectAltName(b, &d); err != nil {
			if d.Manufacturer != nil || d.Model != nil || d.Version != nil {
				t.Fatal("partial result")
			}
			return
		}
		if d.Manufacturer == nil || d.Model == nil || d.Version == nil {
			t.Fatal("accepted without all attributes")
		}
	})
}

func BenchmarkParseAttest(b *testing.B) {
	s := loadStatements(b)[1]
	var a Attest
	b.ReportAllocs()
	b.SetBytes(int64(len(s.certInfo)))
	for b.Loop() {
		if err := ParseAttest(s.certInfo, &a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePublic(b *testing.B) {
	s := loadStatements(b)[1]
	var p Public
	b.ReportAllocs()
	b.SetBytes(int64(len(s.pubArea)))
	for b.Loop() {
		if err := ParsePublic(s.pubArea, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNameMatches is dominated by the stdlib hash over pubArea.
func BenchmarkNameMatches(b *testing.B) {
	s := loadStatements(b)[1]
	var a Attest
	if err := ParseAttest(s.certInfo, &a); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !NameMatches(a.Name, s.pubArea) {
			b.Fatal("mismatch")
		}
	}
}

func BenchmarkParseSubjectAltName(b *testing.B) {
	s := loadStatements(b)[1]
	var d DeviceAttributes
	b.ReportAllocs()
	for b.Loop() {
		if err := ParseSubjectAltName(s.san, &d); err != nil {
			b.Fatal(err)
		}
	}
}
