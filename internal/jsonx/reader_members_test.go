package jsonx_test

import (
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
