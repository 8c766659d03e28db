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

// vectorObjects returns the attestationObject of every shared vector that has
// one (registrations).
func vectorObjects(tb testing.TB) []testenv.Item {
	tb.Helper()
	return testenv.Items(tb, "attestation objects", func(v *vectors.Vector) [][]byte { return [][]byte{v.AttestationObject()} })
}

// validObjects returns the objects of the vectors expected to verify: they
// must parse.
func validObjects(tb testing.TB) [][]byte {
	tb.Helper()
	return testenv.OKItems(tb, vectorObjects(tb), func(b []byte) error { return ParseObject(b, new(Object)) })
}

// strictCBOR is fxamacker/cbor as the oracle: duplicate keys, indefinite
// lengths and tags rejected.
var strictCBOR = func() fxcbor.DecMode {
	dm, err := fxcbor.DecOptions{DupMapKey: fxcbor.DupMapKeyEnforcedAPF, IndefLength: fxcbor.IndefLengthForbidden, TagsMd: fxcbor.TagsForbidden}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// oracleObject parses an attestation object with fxamacker/cbor (§6.5.4): one
// strict CBOR map of exactly fmt (text), attStmt (a map; an array for
// compound) and authData (bytes), nothing after it.
func oracleObject(b []byte) (fmtText string, attStmt fxcbor.RawMessage, authData []byte, ok bool) {
	var all any
	if strictCBOR.Unmarshal(b, &all) != nil {
		return "", nil, nil, false
	}
	var m map[string]fxcbor.RawMessage
	if strictCBOR.Unmarshal(b, &m) != nil || len(m) != 3 {
		return "", nil, nil, false
	}
	attStmt = m["attStmt"]
	if len(attStmt) == 0 || strictCBOR.Unmarshal(m["fmt"], &fmtText) != nil || strictCBOR.Unmarshal(m["authData"], &authData) != nil ||
		m["fmt"][0]>>5 != 3 || m["authData"][0]>>5 != 2 {
		return "", nil, nil, false
	}
	// attStmt is a map, except for compound (§8.9), whose statement is an array.
	wantMajor := byte(5)
	if fmtText == "compound" {
		wantMajor = 4
	}
	if attStmt[0]>>5 != wantMajor {
		return "", nil, nil, false
	}
	return fmtText, attStmt, authData, true
}

// TestParseObjectVectors compares ParseObject with the fxamacker oracle on
// every vector's object, accepted or not, and checks that every object of a
// vector expected to verify parses.
func TestParseObjectVectors(t *testing.T) {
	accepted := 0
	formats := map[Format]int{}
	for _, vo := range vectorObjects(t) {
		var o Object
		err := ParseObject(vo.B, &o)
		fmtText, attStmt, ad, ok := oracleObject(vo.B)
		switch {
		case (err == nil) != ok:
			t.Errorf("%s: ParseObject %v, oracle accepts: %v", vo.V.Name, err, ok)
		case vo.V.Expect.OK && err != nil:
			t.Errorf("%s: expected ok, ParseObject: %v", vo.V.Name, err)
		case err != nil:
		case fmtText != string(o.FormatText) || ParseFormat([]byte(fmtText)) != o.Format ||
			!bytes.Equal(ad, o.AuthData) || !bytes.Equal(attStmt, o.AttStmt.Raw) || !bytes.Equal(o.Raw, vo.B):
			t.Errorf("%s: oracle disagrees on members", vo.V.Name)
		default:
			accepted++
			formats[o.Format]++
		}
	}
	if accepted == 0 {
		t.Fatal("no object accepted")
	}
	t.Logf("%d objects accepted, formats: %v", accepted, formats)
	// The vectors are mostly well-formed: compare the two on damaged copies
	// too (the head of each object, where fmt and attStmt start, with bits
	// flipped), so that the rejecting side is exercised as well.
	agree, rejected := 0, 0
	for _, vo := range vectorObjects(t) {
		for i := range min(len(vo.B), 48) {
			for _, x := range []byte{0x01, 0x20, 0x80} {
				m := bytes.Clone(vo.B)
				m[i] ^= x
				err := ParseObject(m, new(Object))
				if _, _, _, ok := oracleObject(m); (err == nil) != ok {
					t.Fatalf("%s byte %d ^ %#x: ParseObject %v, oracle accepts: %v", vo.V.Name, i, x, err, ok)
				}
				agree++
				if err != nil {
					rejected++
				}
			}
		}
	}
	t.Logf("%d damaged objects: parser and oracle agree, %d rejected", agree, rejected)
}

func TestParseObjectAllocations(t *testing.T) {
	for _, vo := range vectorObjects(t) {
		b := vo.B
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
	for _, b := range validObjects(t) {
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
		// What the single walk hands to the exact one.
		{"duplicate fmt in three pairs", "a3" + kFmt + vNone + kFmt + vNone + kAuthData + vAuth, ErrMalformedObject},
		{"fmt not UTF-8", "a3" + kFmt + "61 ff" + kAttStmt + vEmptyMap + kAuthData + vAuth, ErrMalformedObject},
		{"attStmt past MaxDepth", "a3" + kFmt + vNone + kAttStmt + deepStmt(15) + kAuthData + vAuth, ErrMalformedObject},
		{"compound with a map", "a3" + kFmt + "68 636f6d706f756e64" + kAttStmt + vEmptyMap + kAuthData + vAuth, ErrFieldType},
		{"malformed after a field type error", "a3" + kFmt + "01" + kAttStmt + "bf ff" + kAuthData + vAuth, ErrMalformedObject},
	} {
		var o Object
		if err := ParseObject(hx(tc.hex), &o); !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v want %v", tc.name, err, tc.err)
		}
	}
}

// deepStmt is an attStmt map holding arrays nested n deep: inside the
// object's map it makes n+2 nested containers.
func deepStmt(n int) string {
	return "a1 61 61" + strings.Repeat("81", n) + "00"
}

// TestParseObjectSingleWalk checks that every object expected to verify goes
// through the single walk with the exact walk's result, and that objects the
// single walk leaves to the exact walk still parse when they are well formed.
func TestParseObjectSingleWalk(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"attStmt at MaxDepth", "a3" + kFmt + vNone + kAttStmt + deepStmt(14) + kAuthData + vAuth},
		{"two-byte key head", "a3 78 03 666d74" + vNone + kAttStmt + vEmptyMap + kAuthData + vAuth},
		{"two-byte map head", "b8 03" + kFmt + vNone + kAttStmt + vEmptyMap + kAuthData + vAuth},
	} {
		b := hx(tc.hex)
		var once, o Object
		taken := parseObjectOnce(b, &once)
		if err := ParseObject(b, &o); err != nil || o.Format != FormatNone || !bytes.Equal(o.Raw, b) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if taken && !sameObject(&once, &o) {
			t.Errorf("%s: the two walks disagree", tc.name)
		}
	}
	for _, b := range validObjects(t) {
		var once, exact Object
		if !parseObjectOnce(b, &once) {
			t.Errorf("%x: not taken by the single walk", b[:min(len(b), 16)])
			continue
		}
		if err := parseObject(b, &exact); err != nil || !sameObject(&once, &exact) {
			t.Errorf("%x: exact walk disagrees: %v", b[:min(len(b), 16)], err)
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
	for _, vo := range vectorObjects(f) {
		f.Add(vo.B)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The single walk accepts only what the exact walk accepts, with the same result.
		var once, exact Object
		if parseObjectOnce(b, &once) {
			if err := parseObject(b, &exact); err != nil || !sameObject(&once, &exact) {
				t.Fatalf("single walk accepted what the exact walk did not read alike: %v", err)
			}
		}
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

// sameObject reports whether two Objects are views of the same bytes.
func sameObject(a, b *Object) bool {
	same := func(x, y []byte) bool {
		return len(x) == len(y) && cap(x) == cap(y) && (len(x) == 0 || &x[0] == &y[0])
	}
	return a.Format == b.Format && same(a.Raw, b.Raw) && same(a.FormatText, b.FormatText) &&
		same(a.AttStmt.Raw, b.AttStmt.Raw) && same(a.AuthData, b.AuthData)
}

func BenchmarkParseObject(b *testing.B) {
	obj := validObjects(b)[0]
	var o Object
	b.ReportAllocs()
	for b.Loop() {
		ParseObject(obj, &o)
	}
}
