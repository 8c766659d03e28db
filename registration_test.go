package webauthn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/internal/vectors"
)

func vectorRP(v *vectors.Vector) *RelyingParty {
	at := v.Time()
	return &RelyingParty{RPID: v.RPID, Origins: v.Origins, TopOrigins: v.TopOrigins,
		AllowCrossOrigin: v.AllowCrossOrigin, Clock: func() time.Time { return at }}
}

// TestVerifyRegistrationAllocs measures a whole "none" registration. The
// first call allocates the Registration's buffer; reusing the Registration
// reuses it.
func TestVerifyRegistrationAllocs(t *testing.T) {
	v := loadVector(t, "w3c/none-es256-registration.json")
	rp := vectorRP(v)
	challenge := vectors.B64(v.Challenge)
	fresh := testing.AllocsPerRun(100, func() {
		var out Registration
		if err := rp.VerifyRegistration(v.Response, challenge, &out); err != nil {
			t.Fatal(err)
		}
	})
	var out Registration
	reused := testing.AllocsPerRun(100, func() {
		if err := rp.VerifyRegistration(v.Response, challenge, &out); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("VerifyRegistration (none, ES256): %v allocs with a new Registration, %v reusing one", fresh, reused)
	if fresh > 3 {
		t.Errorf("VerifyRegistration allocates %v times with a new Registration, want <= 3", fresh)
	}
	if reused > 0 {
		t.Errorf("VerifyRegistration allocates %v times reusing a Registration, want 0", reused)
	}
}

// ecdsaVerifyAllocs is what crypto/ecdsa.VerifyASN1 allocates for one P-256
// verification in Go 1.26 (measured by TestECDSAFloorAllocs).
const ecdsaVerifyAllocs = 10

// TestECDSAFloorAllocs measures the standard library's own P-256
// verification, the floor of an ES256 assertion.
func TestECDSAFloorAllocs(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte("data"))
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, h[:])
	n := testing.AllocsPerRun(100, func() { ecdsa.VerifyASN1(&priv.PublicKey, h[:], sig) })
	if n > ecdsaVerifyAllocs {
		t.Fatalf("crypto/ecdsa allocates %v, more than the %d the budget below assumes", n, ecdsaVerifyAllocs)
	}
}

// TestVerifyAuthenticationAllocs bounds a whole ES256 assertion with a
// warm key cache to crypto/ecdsa's own allocations: everything else
// (JSON, base64url, clientDataJSON, authenticator data, COSE key, hashing)
// allocates nothing. The README's "10 allocs" figure rests on it.
func TestVerifyAuthenticationAllocs(t *testing.T) {
	v := loadVector(t, "w3c/none-es256-authentication.json")
	rp := vectorRP(v)
	challenge := vectors.B64(v.Challenge)
	cred := &Credential{ID: vectors.B64(v.Expect.CredentialID), PublicKey: vectors.B64(v.CredentialPublicKey), BackupEligibleUnknown: true}
	var out Assertion
	n := testing.AllocsPerRun(100, func() {
		if err := rp.VerifyAuthentication(v.Response, challenge, cred, &out); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("VerifyAuthentication (ES256, reused Assertion): %v allocs", n)
	if n > ecdsaVerifyAllocs {
		t.Errorf("VerifyAuthentication allocates %v times, want at most crypto/ecdsa's %d", n, ecdsaVerifyAllocs)
	}
}

func BenchmarkVerifyRegistrationNone(b *testing.B) {
	v := loadVector(b, "w3c/none-es256-registration.json")
	rp := vectorRP(v)
	challenge := vectors.B64(v.Challenge)
	var out Registration
	b.ReportAllocs()
	for b.Loop() {
		if err := rp.VerifyRegistration(v.Response, challenge, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAuthenticationES256(b *testing.B) {
	v := loadVector(b, "w3c/none-es256-authentication.json")
	rp := vectorRP(v)
	challenge := vectors.B64(v.Challenge)
	cred := &Credential{ID: vectors.B64(v.Expect.CredentialID), PublicKey: vectors.B64(v.CredentialPublicKey), BackupEligibleUnknown: true}
	var out Assertion
	b.ReportAllocs()
	for b.Loop() {
		if err := rp.VerifyAuthentication(v.Response, challenge, cred, &out); err != nil {
			b.Fatal(err)
		}
	}
}
