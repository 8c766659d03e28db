package jsonx_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/internal/jsonx"
	"github.com/passkeykit/webauthn/internal/jsonx/jsonxtest"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

var validDocs = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-12.0E-3`, `true`, `false`, `null`,
	" \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
	`{"a":{"b":{"c":[{"d":null}]}}}`,
	`"\"\\\/\b\f\n\r\t\u0000\u00e9\uD83D\uDE00"`,
	`"é😀"`, `"\ufffd"`, "\"\xef\xbf\xbd\"",
	`{"a":1,"A":2}`, `{"type":1,"Type":2}`,
	`[[],[[]],{}]`,
}

var invalidDocs = []struct{ name, doc string }{
	{"empty", ``},
	{"space only", ` `},
	{"trailing comma object", `{"a":1,}`},
	{"trailing comma array", `[1,]`},
	{"leading comma", `[,1]`},
	{"empty member", `{,}`},
	{"missing comma", `{"a":1 "b":2}`},
	{"missing colon", `{"a" 1}`},
	{"unquoted key", `{a:1}`},
	{"single quotes", `{'a':1}`},
	{"line comment", "{} // c"},
	{"block comment", `{/* c */}`},
	{"NaN", `NaN`},
	{"Infinity", `-Infinity`},
	{"leading zero", `01`},
	{"negative leading zero", `-01`},
	{"plus", `+1`},
	{"dot first", `.5`},
	{"dot last", `1.`},
	{"exponent empty", `1e`},
	{"exponent sign only", `1e+`},
	{"hex", `0x10`},
	{"True", `True`},
	{"nul", `nul`},
	{"control char", "\"a\x01b\""},
	{"raw newline", "\"a\nb\""},
	{"bad escape", `"\x41"`},
	{"short u escape", `"\u00e"`},
	{"non-hex u escape", `"\u00eg"`},
	{"lone high surrogate", `"\ud83d"`},
	{"high surrogate then char", `"\ud83dx"`},
	{"high surrogate then high", `"\ud83d\ud83d"`},
	{"lone low surrogate", `"\ude00"`},
	{"reversed pair", `"\ude00\ud83d"`},
	{"invalid utf8", "\"\xff\""},
	{"control char after eight plain bytes", "\"abcdefghijklmnopqrstuvwxyz0123456789\x1f\""},
	{"raw tab after eight plain bytes", "\"abcdefgh\t\""},
	{"invalid utf8 after eight plain bytes", "\"abcdefghijklmnopqrstuvwxyz0123456789\xff\""},
	{"bad escape after eight plain bytes", `"abcdefghijklmnopqrstuvwxyz0123456789\x41"`},
	{"unterminated after eight plain bytes", `"abcdefghijklmnopqrstuvwxyz0123456789`},
	{"overlong utf8", "\"\xc0\xaf\""},
	{"encoded surrogate utf8", "\"\xed\xa0\x80\""},
	{"truncated utf8", "\"\xe2\x82\""},
	{"unterminated string", `"abc`},
	{"unterminated object", `{"a":1`},
	{"two values", `{} {}`},
	{"trailing garbage", `{}x`},
	{"bom", "\xef\xbb\xbf{}"},
	{"duplicate key", `{"a":1,"a":2}`},
	{"duplicate escaped key", `{"type":1,"\u0074ype":2}`},
	{"duplicate escaped slash key", `{"a/b":1,"a\/b":2}`},
	{"duplicate surrogate pair key", `{"😀":1,"\ud83d\ude00":2}`},
	{"nested duplicate key", `{"x":[{"b":1,"c":{"d":1,"d":2}}]}`},
	{"vertical tab space", "\v{}"},
	{"nbsp space", "\u00a0{}"},
	{"key not string", `{1:2}`},
	{"close mismatch", `[}`},
}

func TestValid(t *testing.T) {
	for _, d := range validDocs {
		if !jsonx.Valid([]byte(d)) {
			t.Errorf("Valid(%q) = false", d)
		}
		if !jsonxtest.Of([]byte(d)).Strict() {
			t.Errorf("oracle says %q need not be accepted", d)
		}
	}
	for _, tc := range invalidDocs {
		if jsonx.Valid([]byte(tc.doc)) {
			t.Errorf("%s: Valid(%q) = true", tc.name, tc.doc)
		}
	}
}

func nest(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func nestObj(n int) string {
	return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1)
}

func object(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k`)
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(`":0`)
	}
	b.WriteByte('}')
	return b.String()
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want jsonx.Code
	}{
		{nest(jsonx.MaxDepth), jsonx.CodeOK},
		{nest(jsonx.MaxDepth + 1), jsonx.CodeTooDeep},
		{nestObj(jsonx.MaxDepth), jsonx.CodeOK},
		{nestObj(jsonx.MaxDepth + 1), jsonx.CodeTooDeep},
		{object(jsonx.MaxMembers), jsonx.CodeOK},
		{object(jsonx.MaxMembers + 1), jsonx.CodeTooManyMembers},
		{`[` + object(jsonx.MaxMembers+1) + `]`, jsonx.CodeTooManyMembers},
		{`{"a":1,"a":1}`, jsonx.CodeDuplicateKey},
		{`[{"a":1,"\u0061":1}]`, jsonx.CodeDuplicateKey},
		{`[1,]`, jsonx.CodeSyntax},
	} {
		if tc.want == jsonx.CodeOK {
			if got := jsonx.Diagnose([]byte(tc.doc), 2); got != jsonx.CodeOK && got != jsonx.CodeTooDeep {
				t.Errorf("Diagnose(%.40q..., 2) = %d", tc.doc, got)
			}
		}
		if got := jsonx.Diagnose([]byte(tc.doc), 1); got != tc.want {
			t.Errorf("Diagnose(%.40q...) = %d, want %d", tc.doc, got, tc.want)
		}
		if got := jsonx.Valid([]byte(tc.doc)); got != (tc.want == jsonx.CodeOK) {
			t.Errorf("Valid(%.40q...) = %v", tc.doc, got)
		}
	}
	var ks jsonx.Keys
	for i := range jsonx.MaxMembers {
		if !ks.Add([]byte(strings.Repeat("k", i)), false) {
			t.Fatalf("Keys.Add failed at %d", i)
		}
	}
	if ks.Add([]byte("new"), false) || ks.Len() != jsonx.MaxMembers {
		t.Fatal("Keys.Add accepted member MaxMembers+1")
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`""`, ""},
		{`"abc"`, "abc"},
		{`"https:\/\/example.org"`, "https://example.org"},
		{`"\u0074ype"`, "type"},
		{`"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{`"\u00e9\u00E9é"`, "ééé"},
		{`"\ud83d\ude00😀"`, "😀😀"},
		{`"\uD83D\uDE00"`, "😀"},
		{`"\u0000"`, "\x00"},
		{`"\uffff"`, "\uffff"},
		// Around ReadString's bulk path: eight plain bytes, then the rest.
		{`"abcdefgh"`, "abcdefgh"},
		{`"abcdefghi"`, "abcdefghi"},
		{`"abcdefgh\"x"`, "abcdefgh\"x"},
		{`"abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGH\u0041"`, "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHA"},
		{`"abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHé"`, "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHé"},
		{"\"abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGH\\u007f\x7f\"", "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGH\x7f\x7f"},
	} {
		r := jsonx.Reader(tc.doc)
		var raw []byte
		var esc bool
		if !r.ReadString(&raw, &esc) || !r.End() {
			t.Fatalf("ReadString(%s) failed", tc.doc)
		}
		if esc != (bytes.IndexByte(raw, '\\') >= 0) {
			t.Errorf("%s: escaped = %v", tc.doc, esc)
		}
		if got := string(jsonx.AppendUnescaped(nil, raw)); got != tc.want {
			t.Errorf("AppendUnescaped(%s) = %q, want %q", tc.doc, got, tc.want)
		}
		if !jsonx.StringEqual(raw, esc, tc.want) {
			t.Errorf("StringEqual(%s, %q) = false", tc.doc, tc.want)
		}
		for _, other := range []string{tc.want + "x", "x" + tc.want, tc.want + "\x00"} {
			if jsonx.StringEqual(raw, esc, other) {
				t.Errorf("StringEqual(%s, %q) = true", tc.doc, other)
			}
		}
		if len(tc.want) > 0 && jsonx.StringEqual(raw, esc, tc.want[:len(tc.want)-1]) {
			t.Errorf("StringEqual(%s, prefix) = true", tc.doc)
		}
		if !jsonx.EqualStrings(raw, esc, []byte(tc.want), false) ||
			!jsonx.EqualStrings([]byte(tc.want), false, raw, esc) ||
			!jsonx.EqualStrings(raw, esc, raw, esc) {
			t.Errorf("EqualStrings(%s) = false", tc.doc)
		}
	}
	// Malformed views (never produced by ReadString) are equal to nothing and do not panic.
	for _, raw := range []string{`\`, `\x`, `\u12`, `\ud83d`, `a\`} {
		if jsonx.StringEqual([]byte(raw), true, raw) || jsonx.EqualStrings([]byte(raw), true, []byte(raw), true) {
			t.Errorf("malformed view %q compared equal", raw)
		}
		_ = jsonx.AppendUnescaped(nil, []byte(raw))
	}
}

func TestReaderObject(t *testing.T) {
	r := jsonx.Reader(` { "s" : "v" , "n" : -1.5e3 , "b" : true , "z" : null , "a" : [ "x" , "y" ] , "o" : { } } `)
	var k, v []byte
	var esc, bl bool
	var keys jsonx.Keys
	var seen []string
	if !r.ReadObjectStart() {
		t.Fatal("ReadObjectStart")
	}
	m := jsonx.Members{Keys: &keys}
	for m.Next(&r, &k, &esc) {
		seen = append(seen, string(k))
		var ok bool
		switch string(k) {
		case "s":
			ok = r.Peek() == jsonx.KindString && r.ReadString(&v, &esc) && string(v) == "v"
		case "n":
			ok = r.Peek() == jsonx.KindNumber && r.ReadNumber(&v) && string(v) == "-1.5e3"
		case "b":
			ok = r.Peek() == jsonx.KindBool && r.ReadBool(&bl) && bl
		case "z":
			ok = r.Peek() == jsonx.KindNull && r.ReadNull()
		case "a":
			ok = r.ReadArrayStart()
			for j := 0; ok && !r.ReadArrayEnd(); j++ {
				ok = (j == 0 || r.ReadComma()) && r.ReadString(&v, &esc)
			}
		case "o":
			ok = r.Peek() == jsonx.KindObject && r.SkipValue(&v) && string(v) == "{ }"
		}
		if !ok {
			t.Fatalf("value of %q", k)
		}
	}
	if m.Code() != jsonx.CodeOK {
		t.Fatalf("members: code %d", m.Code())
	}
	if !r.End() || !r.Empty() || strings.Join(seen, ",") != "s,n,b,z,a,o" {
		t.Fatalf("end: %q %v", r, seen)
	}
}

// clientDataDocs returns the clientDataJSON of every shared vector.
func clientDataDocs(t testing.TB) [][]byte {
	var out [][]byte
	for _, it := range testenv.Items(t, "clientDataJSON", func(v *vectors.Vector) [][]byte { return [][]byte{v.ClientDataJSON()} }) {
		out = append(out, it.B)
	}
	return out
}

func TestVectorsPrefixes(t *testing.T) {
	for _, doc := range clientDataDocs(t) {
		if !jsonx.Valid(doc) {
			t.Fatalf("Valid(%q) = false", doc)
		}
		for i := range len(doc) {
			if jsonx.Valid(doc[:i]) {
				t.Fatalf("strict prefix %q is Valid", doc[:i])
			}
		}
	}
}

// walk reads every member of a top-level object, comparing names and string
// values with StringEqual and decoding them into buf.
func walk(doc, buf []byte) bool {
	r := jsonx.Reader(doc)
	var k, v []byte
	var esc bool
	var keys jsonx.Keys
	if !r.ReadObjectStart() {
		return false
	}
	m := jsonx.Members{Keys: &keys}
	for m.Next(&r, &k, &esc) {
		jsonx.StringEqual(k, esc, "origin")
		if r.Peek() == jsonx.KindString {
			if !r.ReadString(&v, &esc) {
				return false
			}
			buf = jsonx.AppendUnescaped(buf[:0], v)
			if !jsonx.EqualStrings(v, esc, buf, false) {
				return false
			}
		} else if !r.SkipValue(&v) {
			return false
		}
	}
	return m.Code() == jsonx.CodeOK && r.End()
}

func TestAllocations(t *testing.T) {
	buf := make([]byte, 0, 4096)
	for _, doc := range clientDataDocs(t) {
		allocs := testing.AllocsPerRun(100, func() {
			if !jsonx.Valid(doc) || jsonx.Diagnose(doc, 1) != jsonx.CodeOK || !walk(doc, buf) {
				t.Fatalf("rejected %q", doc)
			}
		})
		if allocs != 0 {
			t.Fatalf("%d allocations for %q", int(allocs), doc)
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, d := range validDocs {
		f.Add([]byte(d))
	}
	for _, tc := range invalidDocs {
		f.Add([]byte(tc.doc))
	}
	for _, d := range clientDataDocs(f) {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		shape := jsonxtest.Of(b)
		got := jsonx.Valid(b)
		if got && !shape.Valid {
			t.Fatalf("Valid(%q) = true, encoding/json rejects it", b)
		}
		if shape.Strict() != got {
			t.Fatalf("Valid(%q) = %v, oracle %+v", b, got, shape)
		}
		if code := jsonx.Diagnose(b, 1); got && code != jsonx.CodeOK {
			t.Fatalf("Diagnose(%q) = %d for a valid document", b, code)
		}
		if !got {
			return
		}
		// A top-level string decodes as encoding/json decodes it.
		r := jsonx.Reader(b)
		var raw []byte
		var esc bool
		if r.Peek() == jsonx.KindString {
			var want string
			if err := json.Unmarshal(b, &want); err != nil || !r.ReadString(&raw, &esc) {
				t.Fatalf("string %q: %v", b, err)
			}
			if dec := string(jsonx.AppendUnescaped(nil, raw)); dec != want || !jsonx.StringEqual(raw, esc, want) {
				t.Fatalf("string %q decodes to %q, encoding/json %q", b, dec, want)
			}
		}
		// Names of a top-level object decode as encoding/json decodes them.
		r = jsonx.Reader(b)
		if r.Peek() == jsonx.KindObject {
			var names map[string]json.RawMessage
			if err := json.Unmarshal(b, &names); err != nil {
				t.Fatal(err)
			}
			r.ReadObjectStart()
			n := 0
			var m jsonx.Members
			for m.Next(&r, &raw, &esc) {
				if !r.SkipValue(new([]byte)) {
					t.Fatalf("re-reading %q failed", b)
				}
				if _, ok := names[string(jsonx.AppendUnescaped(nil, raw))]; !ok {
					t.Fatalf("name %q of %q not found by encoding/json", raw, b)
				}
				n++
			}
			if m.Code() != jsonx.CodeOK {
				t.Fatalf("re-reading %q: code %d", b, m.Code())
			}
			if n != len(names) {
				t.Fatalf("%d names, encoding/json %d", n, len(names))
			}
		}
	})
}

func BenchmarkValid(b *testing.B) {
	doc := []byte(`{"type":"webauthn.create","challenge":"wRhKX934BF4T3Ef1S2H1pla2ZrWQGPFthw6SVumVIBI","origin":"https://example.org","crossOrigin":false,"extraData":"clientDataJSON may be extended with additional fields in the future, such as this: 9a8bNYjKCgWrBXU-fCl1ag"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		jsonx.Valid(doc)
	}
}
