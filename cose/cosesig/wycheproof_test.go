package cosesig

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/testenv"
)

// wycheproofFiles maps every file listed in ../shared/wycheproof/README.md to
// the COSE algorithms it covers.
var wycheproofFiles = map[string][]cose.Algorithm{
	"ecdsa_secp256r1_sha256_test.json":      {cose.ES256, cose.ESP256},
	"ecdsa_secp384r1_sha384_test.json":      {cose.ES384, cose.ESP384},
	"ecdsa_secp521r1_sha512_test.json":      {cose.ES512, cose.ESP512},
	"rsa_signature_2048_sha256_test.json":   {cose.RS256},
	"rsa_signature_3072_sha256_test.json":   {cose.RS256},
	"rsa_signature_4096_sha256_test.json":   {cose.RS256},
	"rsa_signature_2048_sha384_test.json":   {cose.RS384},
	"rsa_signature_2048_sha512_test.json":   {cose.RS512},
	"rsa_pss_2048_sha256_mgf1_32_test.json": {cose.PS256},
	"rsa_pss_3072_sha256_mgf1_32_test.json": {cose.PS256},
	"rsa_pss_2048_sha384_mgf1_48_test.json": {cose.PS384},
	"rsa_pss_4096_sha512_mgf1_64_test.json": {cose.PS512},
	"ed25519_test.json":                     {cose.EdDSA, cose.Ed25519},
	"ed448_test.json":                       {cose.EdDSA, cose.Ed448},
}

// acceptable decides every "acceptable" Wycheproof case by its flags: true
// means the signature must verify, false that it must not. A flag missing
// from this table fails the test.
var acceptable = map[string]struct {
	accept bool
	reason string
}{
	// RFC 8017 §9.2 note 2 lets verifiers accept a DigestInfo without the NULL
	// parameter; crypto/rsa does not, and no WebAuthn authenticator omits it.
	"MissingNull": {false, "DigestInfo without NULL parameters: crypto/rsa requires the RFC 8017 encoding"},
}

type wpFile struct {
	Algorithm  string    `json:"algorithm"`
	TestGroups []wpGroup `json:"testGroups"`
}

type wpGroup struct {
	PublicKey struct {
		Curve    string `json:"curve"`
		Wx       string `json:"wx"`
		Wy       string `json:"wy"`
		Pk       string `json:"pk"`
		Modulus  string `json:"modulus"`
		Exponent string `json:"publicExponent"`
	} `json:"publicKey"`
	PublicKeyDer string   `json:"publicKeyDer"`
	KeySize      int      `json:"keySize"`
	SLen         int      `json:"sLen"`
	Tests        []wpTest `json:"tests"`
}

type wpTest struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	Flags   []string `json:"flags"`
	Msg     string   `json:"msg"`
	Sig     string   `json:"sig"`
	Result  string   `json:"result"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixed returns the big-endian integer b as exactly size bytes, or nil.
func fixed(b []byte, size int) []byte {
	for len(b) > size && b[0] == 0 {
		b = b[1:]
	}
	if len(b) > size {
		return nil
	}
	return append(make([]byte, size-len(b)), b...)
}

func stripZeros(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// coseKey encodes the group's public key as a COSE_Key for alg.
func coseKey(t *testing.T, alg cose.Algorithm, g *wpGroup) []byte {
	m := map[int]any{3: int(alg)}
	switch alg {
	case cose.ES256, cose.ESP256, cose.ES384, cose.ESP384, cose.ES512, cose.ESP512:
		crv, size := map[string][2]int{"secp256r1": {1, 32}, "secp384r1": {2, 48}, "secp521r1": {3, 66}}[g.PublicKey.Curve][0],
			map[string][2]int{"secp256r1": {1, 32}, "secp384r1": {2, 48}, "secp521r1": {3, 66}}[g.PublicKey.Curve][1]
		m[1], m[-1] = 2, crv
		m[-2], m[-3] = fixed(unhex(t, g.PublicKey.Wx), size), fixed(unhex(t, g.PublicKey.Wy), size)
	case cose.EdDSA, cose.Ed25519, cose.Ed448:
		m[1], m[-2] = 1, unhex(t, g.PublicKey.Pk)
		if g.PublicKey.Curve == "edwards448" {
			m[-1] = 7
		} else {
			m[-1] = 6
		}
	default:
		m[1] = 3
		m[-1] = stripZeros(unhex(t, g.PublicKey.Modulus))
		m[-2] = stripZeros(unhex(t, g.PublicKey.Exponent))
	}
	b, err := fxcbor.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// certKey returns the group's key as a certificate would give it.
func certKey(t *testing.T, g *wpGroup) crypto.PublicKey {
	if g.PublicKey.Curve == "edwards448" {
		return ed448Key(unhex(t, g.PublicKey.Pk))
	}
	pub, err := x509.ParsePKIXPublicKey(unhex(t, g.PublicKeyDer))
	if err != nil {
		t.Fatalf("publicKeyDer: %v", err)
	}
	return pub
}

func TestWycheproof(t *testing.T) {
	dir := testenv.WycheproofDir(t)
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// Every file the README lists must be covered here, and exist.
	for _, f := range strings.Fields(string(readme)) {
		f = strings.Trim(f, "|`")
		if strings.HasSuffix(f, "_test.json") && !strings.Contains(f, "{") {
			if _, ok := wycheproofFiles[f]; !ok {
				t.Errorf("README lists %s, which this test does not cover", f)
			}
		}
	}
	names := make([]string, 0, len(wycheproofFiles))
	for f := range wycheproofFiles {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(strings.TrimSuffix(name, "_test.json"), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			var f wpFile
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			for _, alg := range wycheproofFiles[name] {
				runWycheproof(t, name, alg, &f)
			}
		})
	}
}

func runWycheproof(t *testing.T, name string, alg cose.Algorithm, f *wpFile) {
	var valid, invalid, accepted, rejectedAcceptable, refusedGroups, refusedTests int
	refusedWhy := map[string]int{}
	for gi := range f.TestGroups {
		g := &f.TestGroups[gi]
		if alg == cose.Ed25519 && g.PublicKey.Curve == "edwards448" || alg == cose.Ed448 && g.PublicKey.Curve != "edwards448" {
			continue
		}
		raw := coseKey(t, alg, g)
		var key cose.Key
		if err := cose.ParseKey(raw, &key); err != nil {
			// A key the library refuses by policy: counted and reported, and
			// it must be a policy refusal, not a parse failure.
			if !cose.IsUnsupported(err) {
				t.Errorf("%s group %d: ParseKey: %v", name, gi, err)
			}
			refusedGroups++
			refusedTests += len(g.Tests)
			refusedWhy[err.Error()]++
			continue
		}
		pub := certKey(t, g)
		for _, tc := range g.Tests {
			msg, sig := unhex(t, tc.Msg), unhex(t, tc.Sig)
			var want bool
			switch tc.Result {
			case "valid":
				want = true
				valid++
			case "invalid":
				invalid++
			case "acceptable":
				decided := false
				want = true
				for _, fl := range tc.Flags {
					d, ok := acceptable[fl]
					if !ok {
						t.Errorf("%s tcId %d: acceptable case with undecided flag %q (%s)", name, tc.TcID, fl, tc.Comment)
						continue
					}
					decided = true
					want = want && d.accept
				}
				if !decided {
					continue
				}
				if want {
					accepted++
				} else {
					rejectedAcceptable++
				}
			default:
				t.Fatalf("%s tcId %d: result %q", name, tc.TcID, tc.Result)
			}
			// Hash the message in two pieces to exercise incremental hashing.
			half := len(msg) / 2
			errKey := Verify(alg, &key, sig, msg[:half], msg[half:])
			errPub := VerifyPublicKey(alg, pub, sig, msg)
			if (errKey == nil) != want || (errPub == nil) != want {
				t.Errorf("%s %v tcId %d (%s, %v, %s): Verify = %v, VerifyPublicKey = %v, want ok=%v",
					name, alg, tc.TcID, tc.Result, tc.Flags, tc.Comment, errKey, errPub, want)
			}
			if errKey != nil && errKey != ErrSignature {
				t.Errorf("%s tcId %d: error %v, want ErrSignature", name, tc.TcID, errKey)
			}
		}
	}
	t.Logf("%s as %v: %d valid verified, %d invalid rejected, acceptable: %d accepted, %d rejected; key groups refused by policy: %d (%d tests) %v",
		name, alg, valid, invalid, accepted, rejectedAcceptable, refusedGroups, refusedTests, refusedWhy)
}
