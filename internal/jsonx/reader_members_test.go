package jsonx_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/internal/jsonx"
)

func TestMembers(t *testing.T) {
	for _, tc := range []struct {
		doc   string
		names string // names read, comma-separated
		keys  jsonx.Code
		nokey jsonx.Code // the same object read with a nil Keys
	}{
		{`{}`, "", jsonx.CodeOK, jsonx.CodeOK},
		{` { "a" : 1 , "b" : 2 } `, "a,b", jsonx.CodeOK, jsonx.CodeOK},
		{`{,}`, "", jsonx.CodeSyntax, jsonx.CodeSyntax},
		{`{"a":1,}`, "a", jsonx.CodeSyntax, jsonx.CodeSyntax},
		{`{"a":1 "b":2}`, "a", jsonx.CodeSyntax, jsonx.CodeSyntax},
		{`{"a" 1}`, "", jsonx.CodeSyntax, jsonx.CodeSyntax},
		{`{a:1}`, "", jsonx.CodeSyntax, jsonx.CodeSyntax},
		{`{"a":1`, "a", jsonx.CodeSyntax, jsonx.CodeSyntax},
		{`{"a":1,"\u0061":2}`, "a", jsonx.CodeDuplicateKey, jsonx.CodeOK},
		{object(jsonx.MaxMembers), "", jsonx.CodeOK, jsonx.CodeOK},
		{object(jsonx.MaxMembers + 1), "", jsonx.CodeTooManyMembers, jsonx.CodeOK},
	} {
		for _, withKeys := range []bool{true, false} {
			r := jsonx.Reader(tc.doc)
			if !r.ReadObjectStart() {
				t.Fatalf("%.40q: ReadObjectStart", tc.doc)
			}
			var keys jsonx.Keys
			var m jsonx.Members
			if withKeys {
				m.Keys = &keys
			}
			var names []string
			var k, v []byte
			var esc bool
			for m.Next(&r, &k, &esc) {
				names = append(names, string(jsonx.AppendUnescaped(nil, k)))
				if !r.SkipValue(&v) {
					break
				}
			}
			want := tc.keys
			if !withKeys {
				want = tc.nokey
			}
			if m.Code() != want {
				t.Errorf("%.40q keys=%v: code %d, want %d", tc.doc, withKeys, m.Code(), want)
			}
			if withKeys && tc.names != "" && strings.Join(names, ",") != tc.names {
				t.Errorf("%.40q keys=%v: names %v, want %s", tc.doc, withKeys, names, tc.names)
			}
			if want == jsonx.CodeOK && !r.End() {
				t.Errorf("%.40q keys=%v: %q left after the object", tc.doc, withKeys, r)
			}
		}
	}
}

// TestMembersResume continues an object whose first member was read by hand:
// the name recorded in Keys counts, so the next member needs its ','.
func TestMembersResume(t *testing.T) {
	for _, tc := range []struct {
		rest string
		want jsonx.Code
	}{
		{`,"b":2}`, jsonx.CodeOK},
		{`}`, jsonx.CodeOK},
		{`"b":2}`, jsonx.CodeSyntax},
		{`,"a":2}`, jsonx.CodeDuplicateKey},
	} {
		r := jsonx.Reader(`{"a":1` + tc.rest)
		var k, v []byte
		var esc bool
		var keys jsonx.Keys
		if !r.ReadObjectStart() || !r.ReadKey(&k, &esc) || !keys.Add(k, esc) || !r.ReadNumber(&v) {
			t.Fatal("first member")
		}
		m := jsonx.Members{Keys: &keys}
		for m.Next(&r, &k, &esc) {
			if !r.SkipValue(&v) {
				break
			}
		}
		if m.Code() != tc.want {
			t.Errorf("%q: code %d, want %d", tc.rest, m.Code(), tc.want)
		}
	}
}

// TestMembersKnownNames reads objects with Keys.Names set: known names are
// reported by index and checked in a bit set, the others in the table, and
// duplicates and the member limit are refused exactly as without Names.
func TestMembersKnownNames(t *testing.T) {
	objNames := func(n int) []string { // the names of object(n)
		var s []string
		for i := range n {
			s = append(s, "k"+strings.Repeat("x", i))
		}
		return s
	}
	filler := make([]string, jsonx.MaxKnownNames)
	for i := range filler {
		filler[i] = "filler" + strings.Repeat("_", i)
	}
	for _, tc := range []struct {
		name  string
		doc   string
		names []string
		known []int // Known() after each member read
		want  jsonx.Code
	}{
		{"known and not", `{"b":1,"c":2,"a":3}`, []string{"a", "b"}, []int{1, -1, 0}, jsonx.CodeOK},
		{"escaped known", `{"\u0062":1}`, []string{"a", "b"}, []int{1}, jsonx.CodeOK},
		{"known twice", `{"a":1,"a":2}`, []string{"a"}, []int{0}, jsonx.CodeDuplicateKey},
		{"known, then escaped", `{"a":1,"\u0061":2}`, []string{"a"}, []int{0}, jsonx.CodeDuplicateKey},
		{"escaped, then known", `{"\u0061":1,"a":2}`, []string{"a"}, []int{0}, jsonx.CodeDuplicateKey},
		{"unknown twice", `{"a":1,"c":2,"c":3}`, []string{"a"}, []int{0, -1}, jsonx.CodeDuplicateKey},
		{"prefix of a known name", `{"ab":1,"a":2}`, []string{"a"}, []int{-1, 0}, jsonx.CodeOK},
		{"empty name", `{"":1,"":2}`, []string{""}, []int{0}, jsonx.CodeDuplicateKey},
		{"limit, some known", object(jsonx.MaxMembers), objNames(10), nil, jsonx.CodeOK},
		{"past the limit, some known", object(jsonx.MaxMembers + 1), objNames(10), nil, jsonx.CodeTooManyMembers},
		{"past the limit, all known", object(jsonx.MaxMembers + 1), objNames(jsonx.MaxMembers + 1), nil, jsonx.CodeTooManyMembers},
		{"a name past MaxKnownNames is unknown", `{"z":1,"z":2}`, append(filler[:len(filler):len(filler)], "z"), []int{-1}, jsonx.CodeDuplicateKey},
	} {
		r := jsonx.Reader(tc.doc)
		if !r.ReadObjectStart() {
			t.Fatalf("%s: ReadObjectStart", tc.name)
		}
		keys := jsonx.Keys{Names: tc.names}
		m := jsonx.Members{Keys: &keys}
		var known []int
		var k, v []byte
		var esc bool
		for m.Next(&r, &k, &esc) {
			known = append(known, m.Known())
			if !r.SkipValue(&v) {
				break
			}
		}
		if m.Code() != tc.want {
			t.Errorf("%s: code %d, want %d", tc.name, m.Code(), tc.want)
		}
		if tc.known != nil && fmt.Sprint(known) != fmt.Sprint(tc.known) {
			t.Errorf("%s: Known %v, want %v", tc.name, known, tc.known)
		}
	}
	// A known name added by hand counts, as in TestMembersResume.
	for _, tc := range []struct {
		rest string
		want jsonx.Code
	}{{`,"b":2}`, jsonx.CodeOK}, {`,"a":2}`, jsonx.CodeDuplicateKey}, {`"b":2}`, jsonx.CodeSyntax}} {
		r := jsonx.Reader(tc.rest)
		keys := jsonx.Keys{Names: []string{"a", "b"}}
		var k, v []byte
		var esc bool
		if !keys.Add([]byte("a"), false) || keys.Len() != 1 || keys.Known() != 0 {
			t.Fatal("Add of a known name")
		}
		m := jsonx.Members{Keys: &keys}
		for m.Next(&r, &k, &esc) {
			if !r.SkipValue(&v) {
				break
			}
		}
		if m.Code() != tc.want {
			t.Errorf("resume %q: code %d, want %d", tc.rest, m.Code(), tc.want)
		}
	}
}
