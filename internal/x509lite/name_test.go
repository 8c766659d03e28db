package x509lite_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	encasn1 "encoding/asn1"
	"slices"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// oidContent returns the OBJECT IDENTIFIER content of the arcs.
func oidContent(tb testing.TB, arcs ...int) []byte {
	tb.Helper()
	var b cryptobyte.Builder
	b.AddASN1ObjectIdentifier(encasn1.ObjectIdentifier(arcs))
	s := cryptobyte.String(b.BytesOrPanic())
	var c cryptobyte.String
	if !s.ReadASN1(&c, asn1.OBJECT_IDENTIFIER) {
		tb.Fatalf("OID %v", arcs)
	}
	return c
}

// decode is the test's own decoding of a string value (crypto/x509
// parseASN1String for valid values).
func decode(tag asn1.Tag, v []byte) string {
	switch tag {
	case asn1.T61String:
		var b []byte
		for _, c := range v {
			b = utf8.AppendRune(b, rune(c))
		}
		return string(b)
	case asn1.Tag(30):
		if l := len(v); l >= 2 && v[l-1] == 0 && v[l-2] == 0 {
			v = v[:l-2]
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
		}
		return string(utf16.Decode(u))
	}
	return string(v)
}

// nameFields is the part of pkix.Name the attestation checks read.
type nameFields struct {
	Country, Organization, OrganizationalUnit []string
	CommonName                                string
}

// TestNameAttributesDifferential: on every seed crypto/x509 and x509lite
// accept, the iterator yields crypto/x509's Subject.Names and Issuer.Names in
// order, StringEqual matches each decoded value (and not a one-byte
// longer or shorter one), and the Country, Organization, OrganizationalUnit
// lists and the last CommonName rebuilt from it equal crypto/x509's.
func TestNameAttributesDifferential(t *testing.T) {
	oids := map[string][]byte{
		"C": x509lite.OIDCountry, "O": x509lite.OIDOrganization,
		"OU": x509lite.OIDOrganizationalUnit, "CN": x509lite.OIDCommonName,
	}
	for k, arcs := range map[string][]int{"C": {2, 5, 4, 6}, "O": {2, 5, 4, 10}, "OU": {2, 5, 4, 11}, "CN": {2, 5, 4, 3}} {
		if !bytes.Equal(oids[k], oidContent(t, arcs...)) {
			t.Fatalf("OID %s is %x", k, oids[k])
		}
	}
	attrs, nonEmptyOU := 0, 0
	for _, der := range accepted(t) {
		var c x509lite.Certificate
		if err := x509lite.Parse(der, &c); err != nil {
			t.Fatal(err)
		}
		x, err := x509.ParseCertificate(der)
		if err != nil {
			continue // a negative serial
		}
		for _, n := range []struct {
			what string
			raw  []byte
			want pkix.Name
		}{{"subject", c.RawSubject, x.Subject}, {"issuer", c.RawIssuer, x.Issuer}} {
			var got nameFields
			var oid, v []byte
			var tag asn1.Tag
			it := x509lite.NameAttributes(n.raw)
			i := 0
			for ; it.Next(&oid, &tag, &v); i++ {
				attrs++
				if i >= len(n.want.Names) {
					t.Fatalf("%s: more attributes than crypto/x509's %d", n.what, len(n.want.Names))
				}
				wa := n.want.Names[i]
				ws, _ := wa.Value.(string)
				if !bytes.Equal(oid, oidContent(t, wa.Type...)) {
					t.Errorf("%s attribute %d: OID %x, crypto/x509 %v", n.what, i, oid, wa.Type)
				}
				if d := decode(tag, v); d != ws {
					t.Errorf("%s attribute %d: test decoding %q, crypto/x509 %q", n.what, i, d, ws)
				}
				if !x509lite.StringEqual(tag, v, ws) {
					t.Errorf("%s attribute %d: StringEqual(%v, %x, %q) false", n.what, i, tag, v, ws)
				}
				if x509lite.StringEqual(tag, v, ws+"x") || ws != "" && x509lite.StringEqual(tag, v, ws[:len(ws)-1]) {
					t.Errorf("%s attribute %d: StringEqual matches a string of another length than %q", n.what, i, ws)
				}
				if x509lite.StringEmpty(tag, v) != (ws == "") {
					t.Errorf("%s attribute %d: StringEmpty(%x) = %v", n.what, i, v, !(ws == ""))
				}
				d := decode(tag, v)
				switch {
				case bytes.Equal(oid, x509lite.OIDCountry):
					got.Country = append(got.Country, d)
				case bytes.Equal(oid, x509lite.OIDOrganization):
					got.Organization = append(got.Organization, d)
				case bytes.Equal(oid, x509lite.OIDOrganizationalUnit):
					got.OrganizationalUnit = append(got.OrganizationalUnit, d)
					nonEmptyOU++
				case bytes.Equal(oid, x509lite.OIDCommonName):
					got.CommonName = d
				}
			}
			if it.Malformed() || i != len(n.want.Names) {
				t.Errorf("%s: %d attributes (malformed %v), crypto/x509 %d", n.what, i, it.Malformed(), len(n.want.Names))
			}
			want := nameFields{n.want.Country, n.want.Organization, n.want.OrganizationalUnit, n.want.CommonName}
			if !slices.Equal(got.Country, want.Country) || !slices.Equal(got.Organization, want.Organization) ||
				!slices.Equal(got.OrganizationalUnit, want.OrganizationalUnit) || got.CommonName != want.CommonName {
				t.Errorf("%s: rebuilt %+v, crypto/x509 %+v", n.what, got, want)
			}
		}
	}
	if attrs < 100 || nonEmptyOU == 0 {
		t.Fatalf("only %d attributes, %d OU in the seeds", attrs, nonEmptyOU)
	}
}

// TestStringEqual: hand cases for every string type, each also checked
// against crypto/x509 on a certificate whose subject CN carries the value:
// when crypto/x509 refuses it, StringEqual matches nothing; otherwise it
// matches crypto/x509's CommonName.
func TestStringEqual(t *testing.T) {
	bmp := asn1.Tag(30)
	numeric := asn1.Tag(18)
	tests := []struct {
		name  string
		tag   asn1.Tag
		value string
		s     string
		want  bool
	}{
		{"printable equal", asn1.PrintableString, "FIDO Alliance", "FIDO Alliance", true},
		{"printable one char differs", asn1.PrintableString, "FIDO Alliance", "FIDO Alliancf", false},
		{"printable longer", asn1.PrintableString, "abc", "abcd", false},
		{"printable shorter", asn1.PrintableString, "abc", "ab", false},
		{"printable invalid char", asn1.PrintableString, "a@b", "a@b", false},
		{"utf8 equal", asn1.UTF8String, "Authenticator Attestation", "Authenticator Attestation", true},
		{"utf8 non-ASCII", asn1.UTF8String, "Zürich", "Zürich", true},
		{"utf8 invalid", asn1.UTF8String, "\xff", "\xff", false},
		{"ia5 equal", asn1.IA5String, "a@b.c", "a@b.c", true},
		{"ia5 non-ASCII", asn1.IA5String, "\x80", "\x80", false},
		{"numeric equal", numeric, "12 34", "12 34", true},
		{"numeric invalid", numeric, "12a", "12a", false},
		{"t61 ASCII", asn1.T61String, "US", "US", true},
		{"t61 latin-1", asn1.T61String, "Z\xfcrich \xff", "Zürich ÿ", true},
		{"t61 raw byte is not latin-1", asn1.T61String, "Z\xfcrich", "Z\xfcrich", false},
		{"t61 one char differs", asn1.T61String, "Z\xfcrich", "Zürici", false},
		{"t61 shorter string", asn1.T61String, "\xe9\xe9", "é", false},
		{"t61 longer string", asn1.T61String, "\xe9", "éé", false},
		{"t61 string cut inside a rune", asn1.T61String, "\xe9", "\xc3", false},
		{"bmp ASCII", bmp, "\x00A\x00b", "Ab", true},
		{"bmp latin-1 and euro", bmp, "\x00\xe9\x20\xac", "é€", true},
		{"bmp terminator stripped", bmp, "\x00A\x00\x00", "A", true},
		{"bmp one terminator only", bmp, "\x00A\x00\x00\x00\x00", "A\x00", true},
		{"bmp one char differs", bmp, "\x00A\x00b", "Ac", false},
		{"bmp shorter string", bmp, "\x00A\x00b", "A", false},
		{"bmp longer string", bmp, "\x00A", "AB", false},
		{"bmp odd length", bmp, "\x00A\x00", "A", false},
		{"bmp surrogate", bmp, "\xd8\x00", "\ufffd", false},
		{"bmp noncharacter", bmp, "\xff\xfe", "\ufffe", false},
		{"bmp as UTF-16 bytes is not the string", bmp, "\x00A", "\x00A", false},
		{"unknown tag", asn1.OCTET_STRING, "abc", "abc", false},
		{"empty utf8", asn1.UTF8String, "", "", true},
		{"empty vs non-empty", asn1.UTF8String, "", "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := []byte(tt.value)
			if got := x509lite.StringEqual(tt.tag, v, tt.s); got != tt.want {
				t.Fatalf("StringEqual(%v, %x, %q) = %v, want %v", tt.tag, v, tt.s, got, tt.want)
			}
			der := buildWith(t, &parts{nameTag: tt.tag, nameValue: tt.value})
			x, err := x509.ParseCertificate(der)
			if err != nil {
				if tt.want {
					t.Fatalf("crypto/x509 refuses the value: %v", err)
				}
				var c x509lite.Certificate
				if x509lite.Parse(der, &c) == nil {
					t.Fatal("x509lite accepts the value crypto/x509 refuses")
				}
				return
			}
			if !x509lite.StringEqual(tt.tag, v, x.Subject.CommonName) {
				t.Fatalf("StringEqual false for crypto/x509's decoding %q", x.Subject.CommonName)
			}
			if (x.Subject.CommonName == tt.s) != tt.want {
				t.Fatalf("crypto/x509 decodes %q: the case's want is wrong", x.Subject.CommonName)
			}
		})
	}
}

func TestStringEmpty(t *testing.T) {
	tests := []struct {
		name  string
		tag   asn1.Tag
		value string
		want  bool
	}{
		{"utf8 empty", asn1.UTF8String, "", true},
		{"printable empty", asn1.PrintableString, "", true},
		{"t61 empty", asn1.T61String, "", true},
		{"bmp empty", asn1.Tag(30), "", true},
		{"bmp terminator only", asn1.Tag(30), "\x00\x00", true},
		{"bmp two NULs", asn1.Tag(30), "\x00\x00\x00\x00", false},
		{"utf8 space", asn1.UTF8String, " ", false},
		{"t61 NUL", asn1.T61String, "\x00", false},
		{"unknown tag empty", asn1.OCTET_STRING, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x509lite.StringEmpty(tt.tag, []byte(tt.value)); got != tt.want {
				t.Fatalf("StringEmpty = %v, want %v", got, tt.want)
			}
		})
	}
}

type attr struct {
	oid   []int
	tag   asn1.Tag
	value string
}

// buildName encodes a Name: one SET per RDN, the attributes in the order given.
func buildName(rdns ...[]attr) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, rdn := range rdns {
			b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
				for _, a := range rdn {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(a.oid)
						b.AddASN1(a.tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(a.value)) })
					})
				}
			})
		}
	})
	return b.BytesOrPanic()
}

// TestNameAttributes: the iterator's order (multi-valued RDNs in encoding
// order, empty RDNs skipped) and its refusal of malformed names.
func TestNameAttributes(t *testing.T) {
	cn, o := []int{2, 5, 4, 3}, []int{2, 5, 4, 10}
	utf := asn1.UTF8String
	tests := []struct {
		name      string
		raw       []byte
		want      []attr // with oid/tag/value as read
		malformed bool
	}{
		{"empty name", buildName(), nil, false},
		{"multi-valued RDN and an empty RDN", buildName([]attr{{cn, utf, "b"}, {cn, utf, "a"}}, nil, []attr{{o, asn1.PrintableString, "O"}}),
			[]attr{{cn, utf, "b"}, {cn, utf, "a"}, {o, asn1.PrintableString, "O"}}, false},
		{"bad string after a good attribute", buildName([]attr{{cn, utf, "a"}}, []attr{{o, asn1.PrintableString, "a@b"}}),
			[]attr{{cn, utf, "a"}}, true},
		{"unknown string tag", buildName([]attr{{cn, asn1.OCTET_STRING, "a"}}), nil, true},
		{"trailing bytes after the name", append(buildName([]attr{{cn, utf, "a"}}), 0), nil, true},
		{"not a SEQUENCE", []byte{0x31, 0x00}, nil, true},
		{"nil", nil, nil, true},
		{"RDN not a SET", []byte{0x30, 0x02, 0x30, 0x00}, nil, true},
		{"attribute not a SEQUENCE", []byte{0x30, 0x04, 0x31, 0x02, 0x04, 0x00}, nil, true},
		{"non-minimal OID", []byte{0x30, 0x0a, 0x31, 0x08, 0x30, 0x06, 0x06, 0x02, 0x80, 0x01, 0x0c, 0x00}, nil, true},
		{"no value", []byte{0x30, 0x09, 0x31, 0x07, 0x30, 0x05, 0x06, 0x03, 0x55, 0x04, 0x03}, nil, true},
		{"two values", []byte{0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x00, 0x0c, 0x00}, nil, true},
		{"truncated", buildName([]attr{{cn, utf, "abc"}})[:10], nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := x509lite.NameAttributes(tt.raw)
			var oid, v []byte
			var tag asn1.Tag
			i := 0
			for ; it.Next(&oid, &tag, &v); i++ {
				if i >= len(tt.want) {
					t.Fatalf("attribute %d beyond the %d expected", i, len(tt.want))
				}
				w := tt.want[i]
				if !bytes.Equal(oid, oidContent(t, w.oid...)) || tag != w.tag || string(v) != w.value {
					t.Fatalf("attribute %d: %x %v %q, want %v %v %q", i, oid, tag, v, w.oid, w.tag, w.value)
				}
			}
			if i != len(tt.want) || it.Malformed() != tt.malformed {
				t.Fatalf("%d attributes, malformed %v; want %d, %v", i, it.Malformed(), len(tt.want), tt.malformed)
			}
			if it.Next(&oid, &tag, &v) {
				t.Fatal("Next true after false")
			}
		})
	}
	var zero x509lite.Attributes
	var oid, v []byte
	var tag asn1.Tag
	if zero.Next(&oid, &tag, &v) || zero.Malformed() {
		t.Fatal("the zero Attributes is not at its end")
	}
}

// TestNameAllocations: iterating a name and comparing every value with
// StringEqual and StringEmpty allocates nothing, on the seeds and on names of
// every string type.
func TestNameAllocations(t *testing.T) {
	cn := []int{2, 5, 4, 3}
	names := [][]byte{buildName(
		[]attr{{cn, asn1.T61String, "Z\xfcrich"}, {cn, asn1.Tag(30), "\x00\xe9\x20\xac\x00\x00"}},
		[]attr{{cn, asn1.PrintableString, "FIDO"}, {cn, asn1.UTF8String, "é€"}, {cn, asn1.IA5String, "a"}, {cn, asn1.Tag(18), "1"}},
	)}
	for _, der := range accepted(t) {
		var c x509lite.Certificate
		if err := x509lite.Parse(der, &c); err != nil {
			t.Fatal(err)
		}
		names = append(names, c.RawSubject, c.RawIssuer)
	}
	matches := 0
	for _, raw := range names {
		if n := testing.AllocsPerRun(10, func() {
			it := x509lite.NameAttributes(raw)
			var oid, v []byte
			var tag asn1.Tag
			for it.Next(&oid, &tag, &v) {
				if x509lite.StringEqual(tag, v, "Zürich") || x509lite.StringEqual(tag, v, "é€") || x509lite.StringEmpty(tag, v) {
					matches++
				}
			}
		}); n != 0 {
			t.Fatalf("%v allocations for %x", n, raw)
		}
	}
	if matches == 0 {
		t.Fatal("no value matched: the loop compared nothing")
	}
}

// FuzzStringEqual: for any tag and value in a subject CN, StringEqual matches
// crypto/x509's decoding when crypto/x509 accepts the certificate (and no
// longer string), and matches nothing when it refuses; the iterator reads the
// one attribute back.
func FuzzStringEqual(f *testing.F) {
	for _, s := range []struct {
		tag   asn1.Tag
		value string
	}{{asn1.T61String, "Z\xfcrich"}, {asn1.Tag(30), "\x00A\x00\x00"}, {asn1.PrintableString, "US"}, {asn1.UTF8String, "é"}, {asn1.IA5String, "a"}, {asn1.Tag(18), "1 2"}} {
		f.Add(uint8(s.tag), []byte(s.value))
	}
	f.Fuzz(func(t *testing.T, tag uint8, v []byte) {
		if tag == 0 || tag&0x1f == 0x1f {
			return // 0 is buildWith's default; the builder does not encode high tag numbers
		}
		at := asn1.Tag(tag)
		der := buildWith(t, &parts{nameTag: at, nameValue: string(v)})
		var c x509lite.Certificate
		perr := x509lite.Parse(der, &c)
		x, err := x509.ParseCertificate(der)
		if err != nil {
			if perr == nil {
				t.Fatalf("x509lite accepts a name crypto/x509 refuses (%v)", err)
			}
			if x509lite.StringEqual(at, v, decode(at, v)) || x509lite.StringEqual(at, v, string(v)) {
				t.Fatalf("StringEqual matches a value crypto/x509 refuses (%v)", err)
			}
			return
		}
		cn := x.Subject.CommonName
		if !x509lite.StringEqual(at, v, cn) || x509lite.StringEqual(at, v, cn+"\x00") || x509lite.StringEmpty(at, v) != (cn == "") {
			t.Fatalf("StringEqual/StringEmpty disagree with crypto/x509's %q", cn)
		}
		if perr != nil {
			return
		}
		it := x509lite.NameAttributes(c.RawSubject)
		var oid, got []byte
		var gt asn1.Tag
		if !it.Next(&oid, &gt, &got) || gt != at || !bytes.Equal(got, v) || it.Next(&oid, &gt, &got) || it.Malformed() {
			t.Fatal("the iterator does not read the one attribute back")
		}
	})
}
