package jsonx_test

import (
	"testing"

	"github.com/passkeykit/webauthn/internal/jsonx"
)

// TestKeysPlacement: Keys keeps names that are views into the first name's
// input as offsets and others as whole views; duplicates are found across
// both kinds and both spellings, and names from one input cost nothing.
func TestKeysPlacement(t *testing.T) {
	in := []byte(`"a" "b" "\u0061" "" "c" "b"`)
	view := func(i, j int) []byte { return in[i:j] } // i, j inside the quotes
	other := func(s string) []byte { return []byte(s) }
	for _, tc := range []struct {
		name  string
		adds  [][]byte
		esc   []bool
		dupAt int // index of the first Add that must fail, or -1
	}{
		{"one input", [][]byte{view(1, 2), view(5, 6), view(21, 22), view(18, 18)}, []bool{false, false, false, false}, -1},
		{"escaped duplicate in input", [][]byte{view(1, 2), view(5, 6), view(9, 15)}, []bool{false, false, true}, 2},
		{"repeat in input", [][]byte{view(5, 6), view(1, 2), view(25, 26)}, []bool{false, false, false}, 2},
		{"empty twice", [][]byte{view(18, 18), view(1, 2), other("")}, []bool{false, false, false}, 2},
		{"foreign after input", [][]byte{view(5, 6), other("a"), view(1, 2)}, []bool{false, false, false}, 2},
		{"input after foreign", [][]byte{other("b"), view(1, 2), view(5, 6)}, []bool{false, false, false}, 2},
		{"earlier in input than the first", [][]byte{view(21, 22), view(5, 6), view(1, 2), other("c")}, []bool{false, false, false, false}, 3},
		{"foreign escaped", [][]byte{view(1, 2), other(`\u0061`)}, []bool{false, true}, 1},
	} {
		var ks jsonx.Keys
		for i, raw := range tc.adds {
			ok := ks.Add(raw, tc.esc[i])
			if want := i != tc.dupAt; ok != want {
				t.Errorf("%s: Add #%d (%q) = %v, want %v", tc.name, i, raw, ok, want)
			}
			if !ok {
				break
			}
		}
	}
	if a := testing.AllocsPerRun(50, func() {
		var ks jsonx.Keys
		ks.Add(view(1, 2), false)
		ks.Add(view(5, 6), false)
		ks.Add(view(18, 18), false)
		ks.Add(view(21, 22), false)
	}); a != 0 {
		t.Errorf("Add of names from one input: %v allocs, want 0", a)
	}
}
