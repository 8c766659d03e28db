package jws

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/trust"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // header, payload, signature; nil when rejected
	}{
		{"a.b.c", []string{"a", "b", "c"}},
		{"aa.bbb.cccc", []string{"aa", "bbb", "cccc"}},
		{"a.b", nil},
		{"a.b.c.d", nil},
		{".b.c", nil},
		{"a..c", nil},
		{"a.b.", nil},
		{"", nil},
		{"abc", nil},
	} {
		p := Parts{Header: []byte("x")}
		err := Split([]byte(tc.in), &p)
		if tc.want == nil {
			if !errors.Is(err, ErrMalformed) || p.Header != nil || p.Signed != nil {
				t.Errorf("%q: %v %+v, want ErrMalformed and no result", tc.in, err, p)
			}
			continue
		}
		if err != nil || string(p.Header) != tc.want[0] || string(p.Payload) != tc.want[1] || string(p.Signature) != tc.want[2] ||
			string(p.Signed) != tc.want[0]+"."+tc.want[1] {
			t.Errorf("%q: %v %q %q %q %q", tc.in, err, p.Header, p.Payload, p.Signature, p.Signed)
		}
	}
}

func TestDecode(t *testing.T) {
	buf := make([]byte, 8)
	for _, tc := range []struct {
		text, want string
		err        error
	}{
		{"YWJj", "abc", nil},
		{"YWI", "ab", nil},
		{"YQ", "a", nil},
		{"_-8", "\xff\xef", nil},
		{"YWI=", "", ErrMalformed},       // padding (RFC 7515 §2 omits it)
		{"YQ==", "", ErrMalformed},       // padding
		{"YW I", "", ErrMalformed},       // whitespace
		{"YW\nI", "", ErrMalformed},      // line break (encoding/base64 skips it)
		{"/+8", "", ErrMalformed},        // standard alphabet
		{"YR", "", ErrMalformed},         // non-zero unused bits
		{"Y", "", ErrMalformed},          // impossible length
		{"YWJjZGVmZ2g", "", ErrTooLarge}, // 8 bytes fit exactly...
	} {
		got, err := Decode(buf, []byte(tc.text))
		if tc.text == "YWJjZGVmZ2g" {
			// ...so this one is at the limit: it decodes.
			if err != nil || string(got) != "abcdefgh" {
				t.Errorf("at the buffer size: %q %v", got, err)
			}
			if _, err := Decode(buf, []byte("YWJjZGVmZ2hp")); !errors.Is(err, ErrTooLarge) {
				t.Errorf("buffer size+1: %v", err)
			}
			continue
		}
		if !errors.Is(err, tc.err) || err == nil && string(got) != tc.want {
			t.Errorf("%q: %q %v, want %q %v", tc.text, got, err, tc.want, tc.err)
		}
	}
}

const x5c1 = `"MAA="` // DER 30 00

func TestParseHeader(t *testing.T) {
	many := strings.TrimSuffix(strings.Repeat(x5c1+",", trust.MaxChainLen), ",")
	for _, tc := range []struct {
		name, json string
		err        error
		alg        cose.Algorithm
		n          int
	}{
		{"minimal", `{"alg":"ES256","x5c":[` + x5c1 + `]}`, nil, cose.ES256, 1},
		{"every alg RS384", `{"alg":"RS384","x5c":[` + x5c1 + `]}`, nil, cose.RS384, 1},
		{"PS512 and typ", `{"typ":"JWT","alg":"PS512","x5c":[` + x5c1 + `,` + x5c1 + `]}`, nil, cose.PS512, 2},
		{"escaped member name", `{"\u0061lg":"ES384","x5c":[` + x5c1 + `]}`, nil, cose.ES384, 1},
		{"x5u ignored beside x5c", `{"alg":"ES512","x5u":"https://example.com","x5c":[` + x5c1 + `]}`, nil, cose.ES512, 1},
		{"nested unknown member", `{"alg":"RS256","jwk":{"kty":"RSA","n":[1,2]},"x5c":[` + x5c1 + `]}`, nil, cose.RS256, 1},
		{"whitespace", " {\n\"alg\" : \"RS256\" , \"x5c\" : [ " + x5c1 + " ] }\t", nil, cose.RS256, 1},
		{"x5c at MaxChainLen", `{"alg":"ES256","x5c":[` + many + `]}`, nil, cose.ES256, trust.MaxChainLen},
		{"x5c over MaxChainLen", `{"alg":"ES256","x5c":[` + many + `,` + x5c1 + `]}`, trust.ErrChainTooLong, 0, 0},
		{"alg none", `{"alg":"none","x5c":[` + x5c1 + `]}`, ErrAlgorithm, 0, 0},
		{"alg HS256", `{"alg":"HS256","x5c":[` + x5c1 + `]}`, ErrAlgorithm, 0, 0},
		{"alg EdDSA", `{"alg":"EdDSA","x5c":[` + x5c1 + `]}`, ErrAlgorithm, 0, 0},
		{"alg lower case", `{"alg":"es256","x5c":[` + x5c1 + `]}`, ErrAlgorithm, 0, 0},
		{"alg escaped", `{"alg":"ES25\u0036","x5c":[` + x5c1 + `]}`, ErrAlgorithm, 0, 0},
		{"no x5c", `{"alg":"ES256"}`, ErrNoX5C, 0, 0},
		{"no x5c, x5u", `{"alg":"ES256","x5u":"https://example.com/x"}`, ErrNoX5C, 0, 0},
		{"no alg", `{"x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"alg not a string", `{"alg":-7,"x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"x5c empty", `{"alg":"ES256","x5c":[]}`, ErrHeader, 0, 0},
		{"x5c not an array", `{"alg":"ES256","x5c":` + x5c1 + `}`, ErrHeader, 0, 0},
		{"x5c element not a string", `{"alg":"ES256","x5c":[1]}`, ErrHeader, 0, 0},
		{"x5c element empty", `{"alg":"ES256","x5c":[""]}`, ErrHeader, 0, 0},
		{"crit", `{"alg":"ES256","crit":["b64"],"b64":false,"x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"duplicate alg", `{"alg":"none","alg":"ES256","x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"duplicate alg, escaped", `{"alg":"ES256","\u0061lg":"none","x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"miscased alg", `{"ALG":"none","alg":"ES256","x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"miscased x5c", `{"alg":"ES256","X5c":["AAAA"],"x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"miscased x5u", `{"alg":"ES256","X5U":"https://example.com","x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"miscased crit", `{"alg":"ES256","Crit":[],"x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"miscased, escaped", `{"alg":"ES256","\u0041lg":"none","x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"trailing data", `{"alg":"ES256","x5c":[` + x5c1 + `]}}`, ErrHeader, 0, 0},
		{"two objects", `{"alg":"ES256","x5c":[` + x5c1 + `]}{}`, ErrHeader, 0, 0},
		{"not an object", `["alg","ES256"]`, ErrHeader, 0, 0},
		{"bad escape", `{"alg":"ES256","x":"\q","x5c":[` + x5c1 + `]}`, ErrHeader, 0, 0},
		{"empty", ``, ErrHeader, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Header{Alg: cose.RS1, n: 3}
			err := ParseHeader([]byte(tc.json), &h)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil {
				if h.Alg != 0 || h.NumX5C() != 0 {
					t.Fatalf("partial result on error: %+v", h)
				}
				return
			}
			if h.Alg != tc.alg || h.NumX5C() != tc.n {
				t.Fatalf("alg %v, %d x5c; want %v, %d", h.Alg, h.NumX5C(), tc.alg, tc.n)
			}
		})
	}
}

func TestHeaderEveryPrefixFails(t *testing.T) {
	b := []byte(`{"alg":"RS256","typ":"JWT","x5c":["MAA=","MAA="]}`)
	if err := ParseHeader(b, new(Header)); err != nil {
		t.Fatal(err)
	}
	for i := range len(b) {
		if ParseHeader(b[:i], new(Header)) == nil {
			t.Fatalf("prefix %q accepted", b[:i])
		}
	}
}

func TestCertificate(t *testing.T) {
	der := bytes.Repeat([]byte{0xfb, 0xff}, 40) // encodes with '+' and '/'
	std := base64.StdEncoding.EncodeToString(der)
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"standard base64", std, true},
		{"escaped solidus", strings.ReplaceAll(std, "/", `\/`), true},
		{"url alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(std), false},
		{"line break", std[:20] + `\n` + std[20:], false},
		{"CR", std[:20] + `\r` + std[20:], false},
		{"unpadded", strings.TrimRight(base64.StdEncoding.EncodeToString(der[:79]), "="), false},
		{"not base64", "!!!!", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Header
			if err := ParseHeader([]byte(`{"alg":"ES256","x5c":["`+tc.text+`"]}`), &h); err != nil {
				t.Fatal(err)
			}
			got, err := h.Certificate(0)
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrX5C) {
				t.Fatalf("Certificate: %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && !bytes.Equal(got, der) {
				t.Fatalf("Certificate = %x", got)
			}
		})
	}
}

func TestAlgorithmTable(t *testing.T) {
	for _, a := range algorithms {
		if Algorithm([]byte(a.name)) != a.alg || AlgorithmName(a.alg) != a.name {
			t.Errorf("%s <-> %v does not round-trip", a.name, a.alg)
		}
		if cosesig.Hash(a.alg) == 0 {
			t.Errorf("%s has no hash", a.name)
		}
	}
	for _, name := range []string{"", "none", "HS256", "EdDSA", "RS1", "ES256K", "rs256", "RS256 "} {
		if Algorithm([]byte(name)) != 0 {
			t.Errorf("%q accepted", name)
		}
	}
	for _, alg := range []cose.Algorithm{0, cose.EdDSA, cose.RS1, cose.ESP256, cose.MLDSA44} {
		if AlgorithmName(alg) != "" {
			t.Errorf("%v has a JWS name", alg)
		}
	}
}

// TestVerify signs a JWS with every algorithm of the table (forge signs ES*
// as R||S) and checks that Verify accepts it, and refuses a flipped bit,
// another message, a key that does not fit and a signature of the wrong size.
func TestVerify(t *testing.T) {
	f := forge.New("jws")
	other := map[bool]*forge.Key{true: f.Key("other-ec", cose.ES256), false: f.Key("other-rsa", cose.RS256)}
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			k := f.Key(a.name, a.alg)
			signed, sig := sign(t, k)
			if err := Verify(a.alg, k.Public(), sig, signed); err != nil {
				t.Fatalf("valid signature: %v", err)
			}
			bad := bytes.Clone(sig)
			bad[len(bad)/2] ^= 1
			if err := Verify(a.alg, k.Public(), bad, signed); !errors.Is(err, cosesig.ErrSignature) {
				t.Errorf("flipped bit: %v", err)
			}
			if err := Verify(a.alg, k.Public(), sig, append(bytes.Clone(signed), 'x')); !errors.Is(err, cosesig.ErrSignature) {
				t.Errorf("other message: %v", err)
			}
			ec := strings.HasPrefix(a.name, "ES")
			if err := Verify(a.alg, other[!ec].Public(), sig, signed); !errors.Is(err, cosesig.ErrAlgorithmMismatch) {
				t.Errorf("key of the other type: %v", err)
			}
			if ec {
				if err := Verify(a.alg, k.Public(), sig[1:], signed); !errors.Is(err, cosesig.ErrSignature) {
					t.Errorf("short R||S: %v", err)
				}
				if a.alg != cose.ES256 {
					if err := Verify(a.alg, other[true].Public(), sig, signed); !errors.Is(err, cosesig.ErrAlgorithmMismatch) {
						t.Errorf("P-256 key: %v", err)
					}
				}
			}
		})
	}
	k := f.Key("es", cose.ES256)
	signed, sig := sign(t, k)
	for _, alg := range []cose.Algorithm{0, cose.EdDSA, cose.ESP256, cose.RS1} {
		if err := Verify(alg, k.Public(), sig, signed); !errors.Is(err, cosesig.ErrUnsupportedAlgorithm) {
			t.Errorf("%v: %v", alg, err)
		}
	}
}

// sign returns the signing input and the decoded signature of a JWS k signs.
func sign(t *testing.T, k *forge.Key) (signed, sig []byte) {
	t.Helper()
	var p Parts
	if err := Split(forge.SafetyNetJWS(k, []byte(`{"alg":"x"}`), []byte(`{"a":1}`)), &p); err != nil {
		t.Fatal(err)
	}
	sig, err := Decode(make([]byte, 1024), p.Signature)
	if err != nil {
		t.Fatal(err)
	}
	return p.Signed, sig
}

func TestIssuedTo(t *testing.T) {
	f := forge.New("issued")
	root := f.Root("root", cose.ES256)
	key := f.Key("leaf", cose.ES256)
	san := func(cn string, dns ...string) *forge.Cert {
		spec := forge.SafetyNetLeafSpec("placeholder")
		spec.Subject = pkix.Name{CommonName: cn}
		spec.Extensions = nil
		if len(dns) > 0 {
			spec = forge.SafetyNetLeafSpec(dns[0])
			spec.Subject = pkix.Name{CommonName: cn}
		}
		return f.Issue(cn+"/"+strings.Join(dns, ","), spec, key, root)
	}
	for _, tc := range []struct {
		name string
		c    *forge.Cert
		want bool
	}{
		{"dNSName", san("x", "attest.android.com"), true},
		{"CN without SAN", san("attest.android.com"), true},
		{"CN, SAN differs", san("attest.android.com", "example.com"), false},
		{"suffix", san("x", "attest.android.com.evil.example"), false},
		{"wildcard", san("x", "*.android.com"), false},
		{"case", san("x", "ATTEST.android.com"), false},
		{"nothing", san(""), false},
	} {
		if got := IssuedTo(tc.c.Cert, "attest.android.com"); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

func TestAllocations(t *testing.T) {
	enc := base64.RawURLEncoding
	resp := []byte(enc.EncodeToString([]byte(`{"alg":"RS256","x5c":["MAA="],"typ":"JWT"}`)) + ".eyJhIjoxfQ.c2ln")
	var p Parts
	var h Header
	buf := make([]byte, 256)
	miscasedEscape := []byte(`{"\u0041LG":1}`)
	n := testing.AllocsPerRun(100, func() {
		if Split(resp, &p) != nil {
			t.Fatal("Split")
		}
		hdr, err := Decode(buf, p.Header)
		if err != nil {
			t.Fatal(err)
		}
		if err := ParseHeader(hdr, &h); err != nil {
			t.Fatal(err)
		}
		if ParseHeader(miscasedEscape, &h) != ErrHeader {
			t.Fatal("miscased escaped name accepted")
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{
		`{"alg":"ES256","x5c":["MAA="]}`,
		`{"alg":"RS256","typ":"JWT","x5c":["MAA=","MAA="],"x5u":"u"}`,
		`{"\u0061lg":"PS384","x5c":["MA\u0041="],"jwk":{"k":[1,{"a":null}]}}`,
		`{"alg":"none","crit":["b64"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Header
		if err := ParseHeader(b, &h); err != nil {
			if h.Alg != 0 || h.NumX5C() != 0 {
				t.Fatal("partial result")
			}
			return
		}
		if AlgorithmName(h.Alg) == "" || h.NumX5C() < 1 || h.NumX5C() > trust.MaxChainLen {
			t.Fatalf("accepted header with alg %v and %d x5c", h.Alg, h.NumX5C())
		}
		for i := range h.NumX5C() {
			h.Certificate(i)
		}
	})
}
