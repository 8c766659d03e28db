package attestation

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

func vectorObjects(tb testing.TB) (valid, all [][]byte) {
	dir := testenv.VectorsDir(tb)
	for _, p := range testenv.Files(tb, dir) {
		v, err := vectors.Load(p, dir)
		if err != nil {
			tb.Fatal(err)
		}
		b := v.AttestationObject()
		if b == nil {
			continue
		}
		all = append(all, b)
		var o Object
		if ParseObject(b, &o) == nil {
			valid = append(valid, b)
		}
	}
	if len(valid) == 0 {
		tb.Fatal("no attestation objects")
	}
	return valid, all
}

func TestParseObjectVectors(t *testing.T) {
	valid, all := vectorObjects(t)
	t.Logf("%d of %d attestation objects parse", len(valid), len(all))
	formats := map[Format]int{}
	for _, b := range valid {
		var o Object
		if err := ParseObject(b, &o); err != nil {
			t.Fatal(err)
		}
		formats[o.Format]++
		// Differential: the strict oracle sees the same three members.
		var m map[string]fxcbor.RawMessage
		dm, _ := fxcbor.DecOptions{DupMapKey: fxcbor.DupMapKeyEnforcedAPF, IndefLength: fxcbor.IndefLengthForbidden, TagsMd: fxcbor.TagsForbidden}.DecMode()
		if err := dm.Unmarshal(b, &m); err != nil {
			t.Fatalf("oracle rejects: %v", err)
		}
		var fmtText string
		var ad []byte
		if fxcbor.Unmarshal(m["fmt"], &fmtText) != nil || fmtText != string(o.FormatText) ||
			fxcbor.Unmarshal(m["authData"], &ad) != nil || !bytes.Equal(ad, o.AuthData) ||
			!bytes.Equal(m["attStmt"], o.AttStmt.Raw) {
			t.Fatal("oracle disagrees on members")
		}
	}
	t.Logf("formats: %v", formats)
}

func TestParseObjectAllocations(t *testing.T) {
	_, all := vectorObjects(t)
	for _, b := range all {
		var o Object
		n := testing.AllocsPerRun(50, func() {
			if ParseObject(b, &o) != nil {
				return
			}
			s := o.AttStmt
			s.Alg()
			s.Sig()
			s.Ver()
			s.CertInfo()
			s.PubArea()
			s.Response()
			if it, ok, err := s.X5C(); ok && err == nil {
				var der []byte
				for it.Next(&der) {
				}
			}
			m := s.Members()
			var k, v []byte
			for m.Next(&k, &v) {
			}
		})
		if n != 0 {
			t.Fatalf("%v allocs", n)
		}
	}
}

func TestParseObjectEveryPrefixFails(t *testing.T) {
	valid, _ := vectorObjects(t)
	for _, b := range valid {
		for i := 0; i < len(b); i++ {
			o := Object{Format: FormatTPM}
			if ParseObject(b[:i], &o) == nil {
				t.Fatalf("prefix %d/%d accepted", i, len(b))
			}
			if o.Format != FormatUnknown || o.Raw != nil || o.AuthData != nil {
				t.Fatal("partial result on error")
			}
		}
	}
}

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// CBOR snippets: text keys and values.
const (
	kFmt      = "63 666d74"
	kAttStmt  = "67 61747453746d74"
	kAuthData = "68 6175746844617461"
	vNone     = "64 6e6f6e65"
	vEmptyMap = "a0"
	vAuth     = "41 00"
)

func TestParseObjectRejects(t *testing.T) {
	for _, tc := range []struct {
		name, hex string
		err       error
	}{
		{"not cbor", "ff", ErrMalformedObject},
		{"array", "80", ErrFieldType},
		{"trailing", "a3" + kFmt + vNone + kAttStmt + vEmptyMap + kAuthData + vAuth + "00", ErrTrailingData},
		{"duplicate fmt", "a4" + kFmt + vNone + kFmt + vNone + kAttStmt + vEmptyMap + kAuthData + vAuth, ErrMalformedObject},
		{"unknown key", "a4" + kFmt + vNone + kAttStmt + vEmptyMap + kAuthData + vAuth + "63 78797a 00", ErrUnknownKey},
		{"cased key", "a3 63 466d74" + vNone + kAttStmt + vEmptyMap + kAuthData + vAuth, ErrUnknownKey},
		{"missing authData", "a2" + kFmt + vNone + kAttStmt + vEmptyMap, ErrMissingKey},
		{"fmt not text", "a3" + kFmt + "01" + kAttStmt + vEmptyMap + kAuthData + vAuth, ErrFieldType},
		{"attStmt not map", "a3" + kFmt + vNone + kAttStmt + "01" + kAuthData + vAuth, ErrFieldType},
		{"attStmt array for none", "a3" + kFmt + vNone + kAttStmt + "80" + kAuthData + vAuth, ErrFieldType},
		{"authData text", "a3" + kFmt + vNone + kAttStmt + vEmptyMap + kAuthData + "61 00", ErrFieldType},
		{"indefinite attStmt", "a3" + kFmt + vNone + kAttStmt + "bf ff" + kAuthData + vAuth, ErrMalformedObject},
		{"huge authData length", "a3" + kFmt + vNone + kAttStmt + vEmptyMap + kAuthData + "5b ffffffffffffffff", ErrMalformedObject},
		{"int key", "a3 01" + vNone + kAttStmt + vEmptyMap + kAuthData + vAuth, ErrUnknownKey},
	} {
		var o Object
		if err := ParseObject(hx(tc.hex), &o); !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v want %v", tc.name, err, tc.err)
		}
	}
}

func TestParseObjectFormats(t *testing.T) {
	for _, tc := range []struct {
		text string
		f    Format
	}{
		{"packed", FormatPacked}, {"tpm", FormatTPM}, {"android-key", FormatAndroidKey},
		{"android-safetynet", FormatAndroidSafetyNet}, {"fido-u2f", FormatFIDOU2F},
		{"apple", FormatApple}, {"none", FormatNone}, {"Packed", FormatUnknown}, {"NONE", FormatUnknown},
		{"packed ", FormatUnknown}, {"", FormatUnknown},
	} {
		if got := ParseFormat([]byte(tc.text)); got != tc.f {
			t.Errorf("%q: %v", tc.text, got)
		}
		if tc.f != FormatUnknown && tc.f.String() != tc.text {
			t.Errorf("String(%v)", tc.f)
		}
	}
	// Any order of the three keys is accepted; an unknown fmt parses as FormatUnknown.
	var o Object
	if err := ParseObject(hx("a3"+kAuthData+vAuth+kAttStmt+vEmptyMap+kFmt+"64 4e6f6e65"), &o); err != nil || o.Format != FormatUnknown || string(o.FormatText) != "None" {
		t.Fatalf("%v %v", err, o.Format)
	}
}

func TestStatementAccessors(t *testing.T) {
	// {"alg": -7, "sig": h'01', "x5c": [h'02', h'0303'], "ver": "2.0"}
	s := Statement{Raw: hx("a4 63 616c67 26 63 736967 41 01 63 783563 82 41 02 42 0303 63 766572 63 322e30")}
	if alg, err := s.Alg(); err != nil || alg != -7 {
		t.Fatal("alg")
	}
	if sig, err := s.Sig(); err != nil || !bytes.Equal(sig, []byte{1}) {
		t.Fatal("sig")
	}
	if v, err := s.Ver(); err != nil || string(v) != "2.0" {
		t.Fatal("ver")
	}
	if _, err := s.CertInfo(); !errors.Is(err, ErrMissingField) {
		t.Fatal("certInfo missing")
	}
	if _, err := s.Text("sig"); !errors.Is(err, ErrWrongType) {
		t.Fatal("sig as text")
	}
	it, ok, err := s.X5C()
	if !ok || err != nil || it.Len() != 2 {
		t.Fatal("x5c")
	}
	var der []byte
	n := 0
	for it.Next(&der) {
		n++
	}
	if n != 2 || !bytes.Equal(der, []byte{3, 3}) {
		t.Fatal("x5c iteration")
	}
	for _, bad := range []string{
		"a1 63 783563 80",          // empty array
		"a1 63 783563 81 01",       // element not bytes
		"a1 63 783563 41 00",       // not an array
		"a1 63 783563 82 41 00 40", // empty certificate
	} {
		if _, ok, err := (Statement{Raw: hx(bad)}).X5C(); !ok || !errors.Is(err, ErrWrongType) {
			t.Errorf("x5c %s accepted", bad)
		}
	}
	if _, ok, _ := (Statement{Raw: hx("a0")}).X5C(); ok {
		t.Fatal("absent x5c reported present")
	}
	m := Statement{Raw: hx("a1 01 02")}.Members()
	var k, v []byte
	if m.Next(&k, &v) || m.Err() == nil {
		t.Fatal("integer key accepted by Members")
	}
}

func FuzzParseObject(f *testing.F) {
	_, all := vectorObjects(f)
	for _, b := range all {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Object
		if ParseObject(b, &o) != nil {
			if o.Raw != nil || o.AuthData != nil || o.AttStmt.Raw != nil {
				t.Fatal("partial result")
			}
			return
		}
		s := o.AttStmt
		s.Alg()
		s.Sig()
		s.X5C()
		c := s.Statements()
		var ff Format
		var ft []byte
		var sub Statement
		for {
			ok, err := c.Next(&ff, &ft, &sub)
			if !ok || err != nil {
				break
			}
		}
	})
}

func BenchmarkParseObject(b *testing.B) {
	valid, _ := vectorObjects(b)
	obj := valid[0]
	var o Object
	b.ReportAllocs()
	for b.Loop() {
		ParseObject(obj, &o)
	}
}
