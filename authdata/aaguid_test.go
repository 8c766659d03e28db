package authdata

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
)

// oracleUUID is the RFC 9562 §4 form built with encoding/hex.
func oracleUUID(a AAGUID) string {
	h := hex.EncodeToString(a[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func TestAAGUIDString(t *testing.T) {
	for _, tc := range []struct {
		a    AAGUID
		want string
	}{
		{AAGUID{}, "00000000-0000-0000-0000-000000000000"},
		{AAGUID{0xf8, 0xa0, 0x11, 0xf3, 0x8c, 0x0a, 0x4d, 0x15, 0x80, 0x06, 0x17, 0x11, 0x1f, 0x9e, 0xdc, 0x7d}, "f8a011f3-8c0a-4d15-8006-17111f9edc7d"},
		{AAGUID{0: 0xff, 15: 0xff}, "ff000000-0000-0000-0000-0000000000ff"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("String = %q, want %q", got, tc.want)
		}
	}
	for range 200 {
		var a AAGUID
		rand.Read(a[:])
		s := a.String()
		if s != oracleUUID(a) {
			t.Fatalf("String %q, oracle %q", s, oracleUUID(a))
		}
		var back AAGUID
		if !ParseAAGUID(s, &back) || back != a || !ParseAAGUID(strings.ToUpper(s), &back) || back != a {
			t.Fatalf("%q does not parse back", s)
		}
	}
	if !(AAGUID{}).IsZero() || (AAGUID{15: 1}).IsZero() {
		t.Fatal("IsZero")
	}
}

func TestParseAAGUIDRejects(t *testing.T) {
	good := "f8a011f3-8c0a-4d15-8006-17111f9edc7d"
	for _, s := range []string{
		"",
		good[:35],
		good + "0",
		"f8a011f38c0a4d15800617111f9edc7d",
		"{" + good[1:35] + "}",
		"urn:uuid:" + good,
		"f8a011f3-8c0a-4d15-8006_17111f9edc7d",
		"f8a011f-38c0a-4d15-8006-17111f9edc7d",
		"g8a011f3-8c0a-4d15-8006-17111f9edc7d",
		"f8a011f3-8c0a-4d15-8006-17111f9edc7 ",
		"f8a011f3-+c0a-4d15-8006-17111f9edc7d",
	} {
		out := AAGUID{1}
		if ParseAAGUID(s, &out) || out != (AAGUID{1}) {
			t.Errorf("%q accepted or wrote a result", s)
		}
	}
}

func TestAAGUIDAllocations(t *testing.T) {
	a := AAGUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	buf := make([]byte, 0, 64)
	var out AAGUID
	s := a.String()
	if n := testing.AllocsPerRun(100, func() {
		buf = a.AppendText(buf[:0])
		if !ParseAAGUID(s, &out) {
			t.Fatal("parse")
		}
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { s = a.String() }); n != 1 {
		t.Fatalf("String: %v allocations, want 1", n)
	}
}
