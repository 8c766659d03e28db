package authdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// strict is fxamacker/cbor as the oracle: duplicate keys, indefinite lengths
// and tags rejected.
var strict = func() fxcbor.DecMode {
	dm, err := fxcbor.DecOptions{DupMapKey: fxcbor.DupMapKeyEnforcedAPF, IndefLength: fxcbor.IndefLengthForbidden, TagsMd: fxcbor.TagsForbidden}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// allAuthData returns the authenticator data of every vector: the authData
// member of attestation objects (taken out with fxamacker/cbor, not this
// module's reader) and the authenticatorData of assertions.
func allAuthData(tb testing.TB) []testenv.Item {
	tb.Helper()
	return testenv.Items(tb, "authenticator data", func(v *vectors.Vector) [][]byte {
		obj := v.AttestationObject()
		if obj == nil {
			return [][]byte{v.AuthenticatorData()}
		}
		var o struct {
			AuthData []byte `cbor:"authData"`
		}
		if strict.Unmarshal(obj, &o) != nil {
			return nil // a malformed object is the attestation package's test
		}
		return [][]byte{o.AuthData}
	})
}

// validAuthData returns the authenticator data of the vectors expected to
// verify; every one must parse.
func validAuthData(tb testing.TB) [][]byte {
	tb.Helper()
	return testenv.OKItems(tb, allAuthData(tb), func(b []byte) error { return Parse(b, new(AuthData)) })
}

// oracle parses authenticator data independently (§6.1, §6.5.2): fixed
// offsets with encoding/binary, and fxamacker/cbor for the length of the
// credential public key and extensions maps.
func oracle(b []byte) (AuthData, bool) {
	var a AuthData
	if len(b) < 37 {
		return a, false
	}
	a.Raw, a.RPIDHash, a.Flags, a.SignCount = b, b[:32], Flags(b[32]), binary.BigEndian.Uint32(b[33:37])
	if a.Flags&FlagBS != 0 && a.Flags&FlagBE == 0 {
		return a, false
	}
	rest := b[37:]
	cborMap := func(in []byte) ([]byte, []byte, bool) {
		var v any
		after, err := strict.UnmarshalFirst(in, &v)
		if _, isMap := v.(map[any]any); err != nil || !isMap {
			return nil, nil, false
		}
		return in[:len(in)-len(after)], after, true
	}
	if a.Flags&FlagAT != 0 {
		if len(rest) < 18 {
			return a, false
		}
		copy(a.AAGUID[:], rest[:16])
		n := int(binary.BigEndian.Uint16(rest[16:18]))
		rest = rest[18:]
		if n == 0 || n > 1023 || n > len(rest) {
			return a, false
		}
		a.CredentialID, rest = rest[:n], rest[n:]
		var ok bool
		if a.CredentialPublicKey, rest, ok = cborMap(rest); !ok {
			return a, false
		}
	}
	if a.Flags&FlagED != 0 {
		var ok bool
		if a.Extensions, rest, ok = cborMap(rest); !ok {
			return a, false
		}
	}
	return a, len(rest) == 0
}

func equalAuthData(x, y *AuthData) bool {
	return bytes.Equal(x.Raw, y.Raw) && bytes.Equal(x.RPIDHash, y.RPIDHash) && x.Flags == y.Flags && x.SignCount == y.SignCount &&
		x.AAGUID == y.AAGUID && bytes.Equal(x.CredentialID, y.CredentialID) &&
		bytes.Equal(x.CredentialPublicKey, y.CredentialPublicKey) && bytes.Equal(x.Extensions, y.Extensions) &&
		(x.CredentialPublicKey == nil) == (y.CredentialPublicKey == nil) && (x.Extensions == nil) == (y.Extensions == nil)
}

// TestVectors compares Parse with the oracle on every vector's authenticator
// data and on damaged copies of it (bits flipped in the flags, the credential
// ID length and the start of the COSE key), field by field, and checks that
// the data of every vector expected to verify parses, as views of the input.
func TestVectors(t *testing.T) {
	check := func(name string, b []byte) bool {
		t.Helper()
		var a AuthData
		err := Parse(b, &a)
		want, ok := oracle(b)
		switch {
		case (err == nil) != ok:
			t.Fatalf("%s: Parse %v, oracle accepts: %v (%x)", name, err, ok, b[:min(len(b), 80)])
		case err == nil && !equalAuthData(&a, &want):
			t.Fatalf("%s: fields differ from the oracle:\n got %+v\nwant %+v", name, a, want)
		case err == nil && &a.Raw[0] != &b[0]:
			t.Fatalf("%s: Raw is not a view", name)
		}
		return err == nil
	}
	accepted, damaged, damagedOK := 0, 0, 0
	for _, ad := range allAuthData(t) {
		if check(ad.V.Name, ad.B) {
			accepted++
		} else if ad.V.Expect.OK {
			t.Errorf("%s: expected ok, Parse rejects", ad.V.Name)
		}
		for _, i := range []int{32, 37 + 16, 37 + 17, 37 + 18, 37 + 19} {
			if i >= len(ad.B) {
				continue
			}
			for _, x := range []byte{0x01, 0x04, 0x10, 0x40, 0x80} {
				m := bytes.Clone(ad.B)
				m[i] ^= x
				damaged++
				if check(ad.V.Name+" damaged", m) {
					damagedOK++
				}
			}
		}
	}
	if accepted == 0 || damagedOK == damaged {
		t.Fatalf("%d accepted, %d of %d damaged accepted: one side is not exercised", accepted, damagedOK, damaged)
	}
	t.Logf("%d vectors accepted; %d damaged copies, %d accepted, all agreeing with the oracle", accepted, damaged, damagedOK)
}

func TestAllocations(t *testing.T) {
	for _, ad := range allAuthData(t) {
		b := ad.B
		var a AuthData
		if n := testing.AllocsPerRun(100, func() { Parse(b, &a) }); n != 0 {
			t.Fatalf("%s: %v allocs", ad.V.Name, n)
		}
	}
}

func TestEveryPrefixFails(t *testing.T) {
	for _, b := range validAuthData(t) {
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
	for _, ad := range allAuthData(f) {
		f.Add(ad.B)
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
	var ad []byte
	for _, v := range validAuthData(b) {
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
