package ceremony

import (
	"bytes"
	"crypto/sha256"
	"reflect"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
)

// fullChallenge sets every field of Challenge.
func fullChallenge() *Challenge {
	return &Challenge{
		Ceremony:         Authentication,
		Value:            bytes.Repeat([]byte{7}, MaxChallengeSize),
		UserHandle:       bytes.Repeat([]byte{8}, MaxUserHandleSize),
		ClientID:         string(bytes.Repeat([]byte{'c'}, MaxClientIDSize)),
		Expires:          time.Date(2031, 2, 3, 4, 5, 6, 999_999_999, time.UTC),
		UserVerification: UserVerificationDiscouraged,
		Algorithms:       []cose.Algorithm{cose.ES256, cose.RS256, cose.MLDSA87, -65535},
		Conditional:      true,
		AllowCredentials: [][]byte{{1}, bytes.Repeat([]byte{2}, 1023)},
	}
}

// TestStateFields: the state carries every field of Challenge. A field
// added to Challenge and not to the encoding fails here.
func TestStateFields(t *testing.T) {
	c := fullChallenge()
	if n := reflect.TypeFor[Challenge]().NumField(); n != 9 {
		t.Fatalf("Challenge has %d fields: encode the new ones in appendState and readState", n)
	}
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("fullChallenge leaves %s unset", v.Type().Field(i).Name)
		}
	}
	plain, ok := appendState(nil, c)
	if !ok {
		t.Fatal("appendState refused")
	}
	got, ok := readState(plain)
	if !ok {
		t.Fatal("readState refused")
	}
	if !got.Expires.Equal(c.Expires) {
		t.Fatalf("Expires %v, want %v", got.Expires, c.Expires)
	}
	got.Expires = c.Expires
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
	}
	// Strict: every strict prefix, a trailing byte, and an invalid
	// enumeration value or size are refused.
	for n := range len(plain) {
		if _, ok := readState(plain[:n]); ok {
			t.Fatalf("prefix of %d bytes read", n)
		}
	}
	if _, ok := readState(append(bytes.Clone(plain), 0)); ok {
		t.Fatal("trailing byte read")
	}
	for _, tc := range []struct {
		name string
		at   int
		v    byte
	}{
		{"no ceremony", 0, 0},
		{"ceremony 3", 0, 3},
		{"user verification unset", 1, 0},
		{"user verification 4", 1, 4},
		{"conditional 2", 2, 2},
		{"nanoseconds over 1e9", 11, 0xff},
		{"challenge of 15 bytes", 15, 15},
	} {
		bad := bytes.Clone(plain)
		bad[tc.at] = tc.v
		if _, ok := readState(bad); ok {
			t.Errorf("%s: read", tc.name)
		}
	}
}

// TestStateSizeLimit: a plaintext of MaxStateSize bytes is sealed and
// opens; one byte more is neither sealed nor opened.
func TestStateSizeLimit(t *testing.T) {
	c := fullChallenge()
	c.AllowCredentials = nil
	base, _ := appendState(nil, c)
	for room := MaxStateSize - len(base); room > 0; {
		n := min(room-2, 1023)
		c.AllowCredentials = append(c.AllowCredentials, bytes.Repeat([]byte{byte(len(c.AllowCredentials))}, n))
		room -= 2 + n
	}
	plain, ok := appendState(nil, c)
	if !ok || len(plain) != MaxStateSize {
		t.Fatalf("appendState: %v, %d bytes", ok, len(plain))
	}
	key := sha256.Sum256([]byte("k"))
	s := &Stateless{Lifecycle: Lifecycle{RP: &webauthn.RelyingParty{RPID: "example.org"}}, Keys: [][]byte{key[:]}}
	sealed, err := s.seal("test", c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.open(sealed); !ok {
		t.Fatal("a state of MaxStateSize did not open")
	}
	last := &c.AllowCredentials[len(c.AllowCredentials)-1]
	n := len(*last)
	*last = append(*last, 0)
	if _, ok := appendState(nil, c); ok {
		t.Fatal("MaxStateSize+1 encoded")
	}
	if _, err := s.seal("test", c); err == nil {
		t.Fatal("MaxStateSize+1 sealed")
	}
	// The same state encoded and sealed around the check, well-formed but
	// for its size: refused when opened.
	at := len(plain) - n - 2
	plain = append(plain[:at:at], byte((n+1)>>8), byte(n+1))
	plain = append(plain, *last...)
	if len(plain) != MaxStateSize+1 {
		t.Fatalf("%d bytes", len(plain))
	}
	if _, ok := readState(plain); !ok {
		t.Fatal("the state of MaxStateSize+1 is malformed")
	}
	big := append([]byte{stateVersion}, make([]byte, 24)...)
	big = aead(key[:]).Seal(big, big[1:], plain, s.additionalData())
	if _, ok := s.open(big); ok {
		t.Fatal("a sealed state of MaxStateSize+1 opened")
	}
}

// FuzzReadState: readState never panics, and what it accepts is exactly
// what appendState writes for the Challenge it returns (one encoding per
// state).
func FuzzReadState(f *testing.F) {
	full, _ := appendState(nil, fullChallenge())
	f.Add(full)
	c := fullChallenge()
	c.UserHandle, c.Algorithms, c.AllowCredentials, c.Conditional = nil, nil, nil, false
	small, _ := appendState(nil, c)
	f.Add(small)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, ok := readState(b)
		if !ok {
			if c != nil {
				t.Fatal("a result with a refusal")
			}
			return
		}
		again, ok := appendState(nil, c)
		if !ok || !bytes.Equal(again, b) {
			t.Fatalf("read %x, re-encoded %x", b, again)
		}
	})
}
