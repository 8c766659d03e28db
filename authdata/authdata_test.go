package authdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/passkeykit/webauthn/internal/cbor"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// vectorAuthData returns the authenticator data of every vector: the authData
// member of attestation objects and the authenticatorData of assertions.
func vectorAuthData(tb testing.TB) (valid, all [][]byte) {
	dir := testenv.VectorsDir(tb)
	for _, p := range testenv.Files(tb, dir) {
		v, err := vectors.Load(p, dir)
		if err != nil {
			tb.Fatal(err)
		}
		var ad []byte
		if obj := v.AttestationObject(); obj != nil && cbor.Valid(obj) {
			if val, ok := cbor.LookupText(obj, "authData"); ok {
				r := cbor.Reader(val)
				r.ReadBytes(&ad)
			}
		} else {
			ad = v.AuthenticatorData()
		}
		if ad == nil {
			continue
		}
		all = append(all, ad)
		var a AuthData
		if Parse(ad, &a) == nil {
			valid = append(valid, ad)
		}
	}
	if len(valid) == 0 {
		tb.Fatal("no authenticator data in vectors")
	}
	return valid, all
}

func TestVectors(t *testing.T) {
	valid, all := vectorAuthData(t)
	t.Logf("%d of %d authenticator data from the vectors parse", len(valid), len(all))
	for _, b := range valid {
		var a AuthData
		if err := Parse(b, &a); err != nil {
			t.Fatal(err)
		}
		if a.Flags.HasAttestedCredentialData() {
			if !bytes.Equal(a.CredentialPublicKey, b[MinLen+18+len(a.CredentialID):][:len(a.CredentialPublicKey)]) {
				t.Fatal("credential public key is not the view at its offset")
			}
			if !cbor.Valid(a.CredentialPublicKey) {
				t.Fatal("credential public key not valid CBOR")
			}
		}
		if &a.Raw[0] != &b[0] {
			t.Fatal("Raw is not a view")
		}
	}
}

func TestAllocations(t *testing.T) {
	valid, all := vectorAuthData(t)
	for _, b := range append(valid, all...) {
		var a AuthData
		if n := testing.AllocsPerRun(100, func() { Parse(b, &a) }); n != 0 {
			t.Fatalf("%v allocs", n)
		}
	}
}

func TestEveryPrefixFails(t *testing.T) {
	valid, _ := vectorAuthData(t)
	for _, b := range valid {
		for i := 0; i < len(b); i++ {
			a := AuthData{SignCount: 7}
			if Parse(b[:i], &a) == nil {
				t.Fatalf("prefix %d/%d accepted", i, len(b))
			}
			if a.SignCount != 0 || a.Raw != nil || a.Flags != 0 {
				t.Fatal("partial result left on error")
			}
		}
		if Parse(append(append([]byte{}, b...), 0xa0), new(AuthData)) == nil {
			t.Fatal("trailing byte accepted")
		}
	}
}

// build makes authenticator data with the given flags and optional parts.
func build(flags Flags, credID []byte, key []byte, ext []byte) []byte {
	b := make([]byte, 32, 512)
	b = append(b, byte(flags), 0, 0, 0, 9)
	if credID != nil {
		b = append(b, make([]byte, 16)...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(credID)))
		b = append(b, credID...)
		b = append(b, key...)
	}
	return append(b, ext...)
}

var coseKey = []byte{0xa1, 0x01, 0x02}

func TestRejects(t *testing.T) {
	id := bytes.Repeat([]byte{1}, 16)
	for _, tc := range []struct {
		name string
		b    []byte
		err  error
	}{
		{"too short", make([]byte, 36), ErrTooShort},
		{"BS without BE", build(FlagUP|FlagBS, nil, nil, nil), ErrBackupStateWithoutBE},
		{"AT set, no data", build(FlagUP|FlagAT, nil, nil, nil), ErrAttestedDataMissing},
		{"AT clear, data present", build(FlagUP, id, coseKey, nil)[:37+16+2+16+3], ErrTrailingData},
		{"credential ID past end", build(FlagAT, id, nil, nil)[:37+16+2+10], ErrCredentialIDPastEnd},
		{"credential ID 1024 bytes", build(FlagAT, make([]byte, MaxCredentialIDLen+1), coseKey, nil), ErrCredentialIDTooLong},
		{"empty credential ID", build(FlagAT, []byte{}, coseKey, nil), ErrEmptyCredentialID},
		{"key missing", build(FlagAT, id, nil, nil), ErrMalformedPublicKey},
		{"key not a map", build(FlagAT, id, []byte{0x01}, nil), ErrMalformedPublicKey},
		{"key duplicate labels", build(FlagAT, id, []byte{0xa2, 0x01, 0x02, 0x01, 0x02}, nil), ErrMalformedPublicKey},
		{"key indefinite", build(FlagAT, id, []byte{0xbf, 0x01, 0x02, 0xff}, nil), ErrMalformedPublicKey},
		{"ED set, no map", build(FlagUP|FlagED, nil, nil, nil), ErrExtensionsMissing},
		{"ED set, not a map", build(FlagUP|FlagED, nil, nil, []byte{0x80}), ErrMalformedExtensions},
		{"ED clear, map present", build(FlagUP, nil, nil, []byte{0xa0}), ErrTrailingData},
		{"ED set, trailing after map", build(FlagUP|FlagED, nil, nil, []byte{0xa0, 0x00}), ErrTrailingData},
		{"AT+ED, extension duplicate keys", build(FlagAT|FlagED, id, coseKey, []byte{0xa2, 0x61, 0x61, 0x00, 0x61, 0x61, 0x00}), ErrMalformedExtensions},
	} {
		a := AuthData{SignCount: 1}
		if err := Parse(tc.b, &a); !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.err)
		}
		if a.Raw != nil || a.SignCount != 0 {
			t.Errorf("%s: partial result", tc.name)
		}
	}
}

func TestAccepts(t *testing.T) {
	id := bytes.Repeat([]byte{1}, MaxCredentialIDLen)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"minimal", build(FlagUP, nil, nil, nil)},
		{"no flags", build(0, nil, nil, nil)},
		{"BE and BS", build(FlagUP|FlagBE|FlagBS, nil, nil, nil)},
		{"credential ID 1023 bytes", build(FlagAT, id, coseKey, nil)},
		{"AT and ED", build(FlagAT|FlagED, id[:16], coseKey, []byte{0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x01})},
		{"ED only", build(FlagED, nil, nil, []byte{0xa0})},
	} {
		var a AuthData
		if err := Parse(tc.b, &a); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	var a AuthData
	b := build(FlagUP|FlagUV|FlagAT|FlagED, id[:20], coseKey, []byte{0xa0})
	if err := Parse(b, &a); err != nil {
		t.Fatal(err)
	}
	if !a.Flags.UserPresent() || !a.Flags.UserVerified() || a.Flags.BackupEligible() || a.SignCount != 9 ||
		len(a.CredentialID) != 20 || !bytes.Equal(a.CredentialPublicKey, coseKey) || !bytes.Equal(a.Extensions, []byte{0xa0}) {
		t.Fatalf("fields: %+v", a)
	}
}

func FuzzParse(f *testing.F) {
	_, all := vectorAuthData(f)
	for _, b := range all {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a AuthData
		if Parse(b, &a) != nil {
			if a.Raw != nil || a.CredentialID != nil {
				t.Fatal("partial result")
			}
			return
		}
		if a.Flags.BackedUp() && !a.Flags.BackupEligible() {
			t.Fatal("BS without BE accepted")
		}
		if a.Flags.HasAttestedCredentialData() != (a.CredentialPublicKey != nil) ||
			a.Flags.HasExtensions() != (a.Extensions != nil) {
			t.Fatal("flags disagree with the data")
		}
		if len(a.CredentialID) > MaxCredentialIDLen {
			t.Fatal("long credential ID")
		}
	})
}

func BenchmarkParse(b *testing.B) {
	valid, _ := vectorAuthData(b)
	var ad []byte
	for _, v := range valid {
		if len(v) > MinLen {
			ad = v
			break
		}
	}
	var a AuthData
	b.ReportAllocs()
	for b.Loop() {
		Parse(ad, &a)
	}
}
