package redis

import (
	"bytes"
	"slices"
	"testing"

	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
)

// recordCases are challenges whose record fields cover the encoding's edges.
var recordCases = []ceremony.Challenge{
	{},
	{UserVerification: ceremony.UserVerificationRequired, Conditional: true,
		Algorithms: []cose.Algorithm{cose.ES256, cose.RS256}, AllowCredentials: [][]byte{{1, 2, 3}, {4, 5}}},
	{UserVerification: 255, Algorithms: []cose.Algorithm{-1 << 63, 1<<63 - 1, 0, 63, -64, 64, -65}},
	{Ceremony: ceremony.Authentication, AppID: true, AllowCredentials: [][]byte{{1}}},
	{Conditional: true, AppID: true},
	{AllowCredentials: [][]byte{{}, bytes.Repeat([]byte{7}, 300), nil}},
}

func sameRecord(a, b *ceremony.Challenge) bool {
	if a.UserVerification != b.UserVerification || a.Conditional != b.Conditional || a.AppID != b.AppID ||
		!slices.Equal(a.Algorithms, b.Algorithms) || len(a.AllowCredentials) != len(b.AllowCredentials) {
		return false
	}
	for i := range a.AllowCredentials {
		if !bytes.Equal(a.AllowCredentials[i], b.AllowCredentials[i]) {
			return false
		}
	}
	return true
}

// TestRecord round-trips records and checks that every strict prefix, a
// trailing byte, and each malformed field are refused.
func TestRecord(t *testing.T) {
	for i, want := range recordCases {
		d := appendRecord(nil, &want)
		var got ceremony.Challenge
		if !parseRecord(bytes.Clone(d), &got) || !sameRecord(&got, &want) {
			t.Fatalf("case %d: round trip of %x gave %+v, want %+v", i, d, got, want)
		}
		for n := range len(d) {
			if parseRecord(bytes.Clone(d[:n]), new(ceremony.Challenge)) {
				t.Fatalf("case %d: the %d-byte prefix of %x parsed", i, n, d)
			}
		}
		if parseRecord(append(bytes.Clone(d), 0), new(ceremony.Challenge)) {
			t.Fatalf("case %d: a trailing byte parsed", i)
		}
	}
	for _, tc := range []struct {
		name string
		d    []byte
	}{
		{"version 0", []byte{0, 1, 0, 0, 0}},
		{"version 1 (no AppID flag)", []byte{1, 1, 0, 0, 0}},
		{"version 3", []byte{3, 1, 0, 0, 0}},
		{"old JSON record", []byte(`{"e":"2025-06-01T12:05:00Z"}`)},
		{"unknown flag 4", []byte{recordVersion, 1, 4, 0, 0}},
		{"unknown flag 0x80", []byte{recordVersion, 1, 0x83, 0, 0}},
		{"non-minimal algorithm count", []byte{recordVersion, 1, 0, 0x80, 0x00, 0}},
		{"non-minimal algorithm", []byte{recordVersion, 1, 0, 1, 0x80, 0x00, 0}},
		{"non-minimal credential length", []byte{recordVersion, 1, 0, 0, 1, 0x81, 0x00, 9}},
		{"algorithm count past the end", []byte{recordVersion, 1, 0, 2, 2}},
		{"huge algorithm count", []byte{recordVersion, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"varint overflow", []byte{recordVersion, 1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0}},
		{"credential count past the end", []byte{recordVersion, 1, 0, 0, 2, 0}},
		{"credential past the end", []byte{recordVersion, 1, 0, 0, 1, 3, 1, 2}},
	} {
		if parseRecord(tc.d, new(ceremony.Challenge)) {
			t.Errorf("%s: %x parsed", tc.name, tc.d)
		}
	}
}

// TestRecordViews checks that the credential IDs parseRecord returns are
// capacity-limited: appending to one never overwrites the next.
func TestRecordViews(t *testing.T) {
	d := appendRecord(nil, &ceremony.Challenge{AllowCredentials: [][]byte{{1}, {2}}})
	var c ceremony.Challenge
	if !parseRecord(d, &c) {
		t.Fatal("parse failed")
	}
	_ = append(c.AllowCredentials[0], 9)
	if c.AllowCredentials[1][0] != 2 {
		t.Fatal("appending to the first credential ID overwrote the record")
	}
}

// FuzzParseRecord checks that a record that parses is canonical: encoding
// what was read gives back the input.
func FuzzParseRecord(f *testing.F) {
	for i := range recordCases {
		f.Add(appendRecord(nil, &recordCases[i]))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		var c ceremony.Challenge
		if !parseRecord(bytes.Clone(d), &c) {
			return
		}
		if e := appendRecord(nil, &c); !bytes.Equal(e, d) {
			t.Fatalf("parsed %x, re-encoded %x", d, e)
		}
	})
}
