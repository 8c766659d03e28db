package jsonw

import (
	"encoding/json"
	"testing"
)

// marshal is encoding/json's encoding of v, without the Encoder's newline.
func marshal(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStringMatchesEncodingJSON(t *testing.T) {
	tests := []string{
		"", "plain", `quote " and \ backslash`, "<script>&amp;</script>",
		"\b\f\n\r\t\x00\x01\x1f\x7f", "é ü 日本 🔑", "\u2028\u2029", "\xff\xfe bad \xc3",
		"user@example.com", "a\u2027b\u202ac",
	}
	for _, s := range tests {
		if got, want := string(String(nil, s)), marshal(t, s); got != want {
			t.Errorf("String(%q) = %s, encoding/json %s", s, got, want)
		}
	}
	for _, ss := range [][]string{nil, {}, {"a"}, {"a", "<b>"}} {
		if got, want := string(Strings(nil, ss)), marshal(t, ss); got != want {
			t.Errorf("Strings(%q) = %s, encoding/json %s", ss, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a<b", "\xff", "\u2028", "\x00\"\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(String(nil, s)), marshal(t, s); got != want {
			t.Fatalf("String(%q) = %s, encoding/json %s", s, got, want)
		}
	})
}
