package androidkey

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/passkeykit/webauthn/internal/testenv"
)

var oidKeyDescription = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}

type vectorExt struct {
	name string
	ext  []byte
}

// loadExtensions pulls the key attestation extension out of the leaf
// certificate of every android-key registration vector (fxamacker/cbor and
// crypto/x509 are test-only here).
func loadExtensions(tb testing.TB) []vectorExt {
	tb.Helper()
	var out []vectorExt
	for _, v := range testenv.Vectors(tb) {
		if v.Fmt != "android-key" || v.Ceremony != "registration" {
			continue
		}
		var obj struct {
			AttStmt struct {
				X5c [][]byte `cbor:"x5c"`
			} `cbor:"attStmt"`
		}
		if err := cbor.Unmarshal(v.AttestationObject(), &obj); err != nil || len(obj.AttStmt.X5c) == 0 {
			tb.Fatalf("%s: %v", v.Path, err)
		}
		c, err := x509.ParseCertificate(obj.AttStmt.X5c[0])
		if err != nil {
			tb.Fatalf("%s: %v", v.Path, err)
		}
		for _, e := range c.Extensions {
			if e.Id.Equal(oidKeyDescription) {
				out = append(out, vectorExt{filepath.Base(v.Path), e.Value})
			}
		}
	}
	if len(out) == 0 {
		tb.Fatal("no android-key vectors")
	}
	return out
}

func TestVectors(t *testing.T) {
	for _, v := range loadExtensions(t) {
		t.Run(v.name, func(t *testing.T) {
			var kd KeyDescription
			if err := Parse(v.ext, &kd); err != nil {
				t.Fatal(err)
			}
			if len(kd.AttestationChallenge) != 32 {
				t.Errorf("challenge %d bytes", len(kd.AttestationChallenge))
			}
			hw, sw := &kd.TeeEnforced, &kd.SoftwareEnforced
			if !hw.HasPurpose(PurposeSign) && !sw.HasPurpose(PurposeSign) {
				t.Errorf("no sign purpose")
			}
			if hw.AllApplications || sw.AllApplications {
				t.Errorf("allApplications")
			}
			t.Logf("version %d/%d levels %d/%d hw purposes %v origin %v/%d",
				kd.AttestationVersion, kd.KeymasterVersion, kd.AttestationSecurityLevel, kd.KeymasterSecurityLevel,
				hw.Purposes[:hw.NumPurposes], hw.HasOrigin, hw.Origin)
		})
	}
}

// --- synthesis (test-only) ---

func length(n int) []byte {
	switch {
	case n < 0x80:
		return []byte{byte(n)}
	case n < 0x100:
		return []byte{0x81, byte(n)}
	default:
		return []byte{0x82, byte(n >> 8), byte(n)}
	}
}

func tlv(id []byte, parts ...[]byte) []byte {
	c := bytes.Join(parts, nil)
	return append(append(bytes.Clone(id), length(len(c))...), c...)
}

// ctx is an explicit context-specific constructed tag, high-tag form when >= 31.
func ctx(tag int, inner ...[]byte) []byte {
	if tag < 31 {
		return tlv([]byte{0xa0 | byte(tag)}, inner...)
	}
	var num []byte
	for t := tag; t > 0; t >>= 7 {
		num = append([]byte{byte(t&0x7f) | 0x80}, num...)
	}
	num[len(num)-1] &^= 0x80
	return tlv(append([]byte{0xbf}, num...), inner...)
}

func integer(v int64) []byte {
	b, _ := asn1.Marshal(v)
	return b
}

func enumerated(v int64) []byte {
	b := integer(v)
	b[0] = 0x0a
	return b
}

func octets(s string) []byte     { return tlv([]byte{0x04}, []byte(s)) }
func seq(parts ...[]byte) []byte { return tlv([]byte{0x30}, parts...) }
func set(parts ...[]byte) []byte { return tlv([]byte{0x31}, parts...) }

var null = []byte{0x05, 0x00}

// hwList is a hardware-enforced list as KeyMint writes it.
func hwList(extra ...[]byte) []byte {
	fields := [][]byte{
		ctx(1, set(integer(2), integer(3))), // purpose: SIGN, VERIFY
		ctx(2, integer(3)),                  // algorithm EC
		ctx(3, integer(256)),                // keySize
		ctx(5, set(integer(4))),             // digest SHA-256
		ctx(10, integer(1)),                 // ecCurve P-256
		ctx(503, null),                      // noAuthRequired
		ctx(702, integer(OriginGenerated)),
		ctx(704, seq(octets("vbkey"), tlv([]byte{0x01}, []byte{0xff}), enumerated(0), octets("hash"))),
		ctx(705, integer(140000)),
		ctx(706, integer(202401)),
	}
	return seq(append(fields, extra...)...)
}

func swList(extra ...[]byte) []byte {
	fields := [][]byte{
		ctx(701, integer(1700000000000)),
		ctx(709, octets("\x30\x00")),
	}
	return seq(append(fields, extra...)...)
}

func keyDescription(version, kmVersion int64, sw, hw []byte) []byte {
	return seq(integer(version), enumerated(1), integer(kmVersion), enumerated(1),
		octets(strings.Repeat("c", 32)), octets(""), sw, hw)
}

func TestVersions(t *testing.T) {
	for _, v := range []struct{ att, km int64 }{
		{1, 0}, {2, 2}, {3, 3}, {4, 4}, {4, 41}, {100, 100}, {200, 200}, {300, 300}, {400, 400},
	} {
		b := keyDescription(v.att, v.km, swList(), hwList())
		var kd KeyDescription
		if err := Parse(b, &kd); err != nil {
			t.Fatalf("version %d: %v", v.att, err)
		}
		hw := &kd.TeeEnforced
		if kd.AttestationVersion != v.att || kd.KeymasterVersion != v.km ||
			kd.AttestationSecurityLevel != TrustedEnvironment ||
			!hw.HasPurpose(PurposeSign) || hw.HasPurpose(0) || hw.NumPurposes != 2 ||
			!hw.HasOrigin || hw.Origin != OriginGenerated || hw.AllApplications ||
			string(hw.RootOfTrust[2:7]) != "vbkey" || string(kd.SoftwareEnforced.AttestationApp) != "\x30\x00" ||
			kd.SoftwareEnforced.HasOrigin || len(kd.UniqueID) != 0 {
			t.Fatalf("version %d: %+v", v.att, kd)
		}
		everyPrefixFails(t, b)
	}
	var kd KeyDescription
	if err := Parse(keyDescription(4, 4, swList(ctx(600, null)), hwList()), &kd); err != nil || !kd.SoftwareEnforced.AllApplications {
		t.Fatalf("allApplications: %v", err)
	}
}

func everyPrefixFails(t *testing.T, b []byte) {
	t.Helper()
	for i := range len(b) {
		kd := KeyDescription{AttestationVersion: 9}
		if Parse(b[:i], &kd) == nil || kd.AttestationVersion != 0 {
			t.Fatalf("prefix %d of %x accepted or partial", i, b)
		}
	}
	if err := Parse(append(bytes.Clone(b), 0), new(KeyDescription)); err != ErrTrailingData {
		t.Fatalf("trailing byte: %v", err)
	}
}

func TestEveryPrefixFails(t *testing.T) {
	for _, v := range loadExtensions(t) {
		everyPrefixFails(t, v.ext)
	}
}

func TestRejects(t *testing.T) {
	manyPurposes := make([][]byte, MaxPurposes+1)
	for i := range manyPurposes {
		manyPurposes[i] = integer(int64(i))
	}
	atPurposes := manyPurposes[:MaxPurposes]
	manyFields := make([][]byte, MaxFields+1)
	for i := range manyFields {
		manyFields[i] = ctx(1000+i, null)
	}
	nest := func(d int) []byte {
		b := null
		for range d {
			b = seq(b)
		}
		return b
	}
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"ok", keyDescription(3, 3, swList(), hwList()), nil},
		{"purposes at MaxPurposes", keyDescription(3, 3, seq(ctx(1, set(atPurposes...))), hwList()), nil},
		{"purposes at MaxPurposes+1", keyDescription(3, 3, seq(ctx(1, set(manyPurposes...))), hwList()), ErrTooMany},
		{"fields at MaxFields", keyDescription(3, 3, seq(manyFields[:MaxFields]...), hwList()), nil},
		{"fields at MaxFields+1", keyDescription(3, 3, seq(manyFields...), hwList()), ErrTooMany},
		{"depth at MaxDepth", keyDescription(3, 3, seq(ctx(704, nest(MaxDepth-1))), hwList()), nil},
		{"depth at MaxDepth+1", keyDescription(3, 3, seq(ctx(704, nest(MaxDepth))), hwList()), ErrAuthList},
		{"duplicate tag", keyDescription(3, 3, swList(ctx(701, integer(1))), hwList()), ErrDuplicateTag},
		{"duplicate purpose tag", keyDescription(3, 3, swList(), hwList(ctx(1, set(integer(2))))), ErrDuplicateTag},
		{"unknown version", keyDescription(5, 5, swList(), hwList()), ErrVersion},
		{"version 0", keyDescription(0, 0, swList(), hwList()), ErrVersion},
		{"purpose not a SET", keyDescription(3, 3, seq(ctx(1, integer(2))), hwList()), ErrAuthList},
		{"purpose holds a NULL", keyDescription(3, 3, seq(ctx(1, set(null))), hwList()), ErrAuthList},
		{"origin not INTEGER", keyDescription(3, 3, seq(ctx(702, null)), hwList()), ErrAuthList},
		{"origin over int64", keyDescription(3, 3, seq(ctx(702, tlv([]byte{2}, []byte{1, 0, 0, 0, 0, 0, 0, 0, 0}))), hwList()), ErrAuthList},
		{"allApplications not NULL", keyDescription(3, 3, seq(ctx(600, integer(1))), hwList()), ErrAuthList},
		{"non-minimal INTEGER inside", keyDescription(3, 3, seq(ctx(705, tlv([]byte{2}, []byte{0, 1}))), hwList()), ErrAuthList},
		{"bad BOOLEAN inside", keyDescription(3, 3, seq(ctx(704, seq(tlv([]byte{1}, []byte{1})))), hwList()), ErrAuthList},
		{"constructed OCTET STRING", keyDescription(3, 3, seq(ctx(709, tlv([]byte{0x24}, octets("x")))), hwList()), ErrAuthList},
		{"implicit (primitive) tag", keyDescription(3, 3, seq(tlv([]byte{0x81}, []byte{2})), hwList()), ErrAuthList},
		{"universal element in list", keyDescription(3, 3, seq(integer(1)), hwList()), ErrAuthList},
		{"two elements in explicit tag", keyDescription(3, 3, seq(ctx(705, integer(1), integer(2))), hwList()), ErrAuthList},
		{"empty explicit tag", keyDescription(3, 3, seq(ctx(705)), hwList()), ErrAuthList},
		{"high-tag form for tag 30", keyDescription(3, 3, seq(tlv([]byte{0xbf, 0x1e}, null)), hwList()), ErrAuthList},
		{"tag number leading 0x80", keyDescription(3, 3, seq(tlv([]byte{0xbf, 0x80, 0x84, 0x58}, null)), hwList()), ErrAuthList},
		{"tag number over 28 bits", keyDescription(3, 3, seq(tlv([]byte{0xbf, 0x81, 0x80, 0x80, 0x80, 0x00}, null)), hwList()), ErrAuthList},
		{"challenge not OCTET STRING", seq(integer(3), enumerated(1), integer(3), enumerated(1), integer(1), octets(""), swList(), hwList()), ErrMalformed},
		{"security level as INTEGER", seq(integer(3), integer(1), integer(3), enumerated(1), octets("c"), octets(""), swList(), hwList()), ErrMalformed},
		{"missing hardwareEnforced", seq(integer(3), enumerated(1), integer(3), enumerated(1), octets("c"), octets(""), swList()), ErrMalformed},
		{"extra member", seq(integer(3), enumerated(1), integer(3), enumerated(1), octets("c"), octets(""), swList(), hwList(), null), ErrMalformed},
		{"non-minimal length", append([]byte{0x30, 0x82, 0x00, 0x05}, integer(3)[:0]...), ErrMalformed},
		{"not a SEQUENCE", set(), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kd := KeyDescription{AttestationVersion: 7, UniqueID: []byte{1}}
			err := Parse(tt.b, &kd)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil && (kd.AttestationVersion != 0 || kd.UniqueID != nil || kd.TeeEnforced.NumPurposes != 0 || kd.SoftwareEnforced.Raw != nil) {
				t.Fatalf("partial result: %+v", kd)
			}
		})
	}
}

func TestAllocations(t *testing.T) {
	ext := loadExtensions(t)[0].ext
	syn := keyDescription(400, 400, swList(ctx(600, null)), hwList())
	var kd KeyDescription
	n := testing.AllocsPerRun(100, func() {
		if Parse(ext, &kd) != nil || Parse(syn, &kd) != nil {
			t.Fatal("parse failed")
		}
		_ = kd.TeeEnforced.HasPurpose(PurposeSign)
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range loadExtensions(f) {
		f.Add(v.ext)
	}
	for _, v := range []int64{1, 2, 3, 4, 100, 200, 300, 400} {
		f.Add(keyDescription(v, v, swList(ctx(600, null)), hwList()))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var kd KeyDescription
		if err := Parse(b, &kd); err != nil {
			if kd.AttestationVersion != 0 || kd.TeeEnforced.Raw != nil {
				t.Fatal("partial result")
			}
			return
		}
		if !knownVersion(kd.AttestationVersion) || kd.TeeEnforced.NumPurposes > MaxPurposes {
			t.Fatal("accepted out of schema")
		}
		if Parse(append(bytes.Clone(b), 0), new(KeyDescription)) == nil || Parse(b[:len(b)-1], new(KeyDescription)) == nil {
			t.Fatal("accepted with a byte added or removed")
		}
	})
}

func BenchmarkParse(b *testing.B) {
	ext := loadExtensions(b)[0].ext
	var kd KeyDescription
	b.ReportAllocs()
	b.SetBytes(int64(len(ext)))
	for b.Loop() {
		if err := Parse(ext, &kd); err != nil {
			b.Fatal(err)
		}
	}
}
