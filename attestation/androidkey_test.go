package attestation

import (
	"testing"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/androidkey"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/trust"
)

// akBuild describes a forged android-key registration.
type akBuild struct {
	attAlg   cose.Algorithm // statement alg; the credential key signs unless otherKey
	kd       func(*forge.AndroidKeyDescription)
	noExt    bool
	otherKey bool // the leaf certifies, and signs with, a key that is not the credential's
	stmt     func(forge.Stmt)
	insecure bool
}

func (b *akBuild) build(tb testing.TB) *hwCase {
	tb.Helper()
	f := forge.New("android-key-test")
	cred := f.Key("cred", cose.ES256)
	r := f.Registration("ak", cred)
	root := f.Root("ak-root", cose.ES256)
	kd := forge.HardwareKeyDescription(r.ClientDataHash())
	if b.kd != nil {
		b.kd(kd)
	}
	spec := forge.AndroidKeyLeafSpec(kd)
	if b.noExt {
		spec.Extensions = nil
	}
	att := cred
	if b.otherKey {
		att = f.Key("other", cose.ES256)
	}
	if b.attAlg != 0 {
		att = &forge.Key{Alg: b.attAlg, Private: att.Private}
		if b.attAlg == cose.RS1 {
			att = f.Key("rsa", cose.RS1)
		}
	}
	leaf := f.Issue("ak-leaf", spec, att, root)
	st := r.AndroidKey(att, leaf)
	if b.stmt != nil {
		b.stmt(st)
	}
	c := forgedCase(tb, r.Object("android-key", st), r.ClientDataHash()).anchoredBy("android-key", root)
	c.opts.InsecureAllowSoftwareAndroidKey = b.insecure
	return c
}

func TestAndroidKeyForged(t *testing.T) {
	res, err := (&akBuild{}).build(t).verify()
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != TypeBasic || !res.Judged {
		t.Fatalf("result %+v", res)
	}
}

func softwareOnly(kd *forge.AndroidKeyDescription) {
	kd.SoftwareEnforced, kd.TeeEnforced = kd.TeeEnforced, forge.AndroidAuthList{}
}

// TestAndroidKeyRejects breaks each check of §8.4 in turn.
func TestAndroidKeyRejects(t *testing.T) {
	tests := []struct {
		name        string
		b           akBuild
		kind, cause error
	}{
		{"unknown member", akBuild{stmt: func(s forge.Stmt) { s["ver"] = "1" }}, ErrInvalidStatement, ErrAndroidKeyUnknownMember},
		{"x5c missing", akBuild{stmt: func(s forge.Stmt) { delete(s, "x5c") }}, ErrInvalidStatement, ErrAndroidKeyNoX5C},
		{"sig missing", akBuild{stmt: func(s forge.Stmt) { delete(s, "sig") }}, ErrInvalidStatement, ErrMissingField},
		{"bad sig", akBuild{stmt: func(s forge.Stmt) { s["sig"].([]byte)[8] ^= 1 }}, ErrBadSignature, cosesig.ErrSignature},
		{"alg RS1", akBuild{attAlg: cose.RS1}, ErrAlgorithm, cosesig.ErrRS1},
		{"key mismatch", akBuild{otherKey: true}, ErrKeyMismatch, ErrAndroidKeyLeafKey},
		{"no key description", akBuild{noExt: true}, ErrCertificate, ErrAndroidKeyNoExtension},
		{"challenge mismatch", akBuild{kd: func(kd *forge.AndroidKeyDescription) {
			kd.Challenge = append([]byte{}, kd.Challenge...)
			kd.Challenge[0] ^= 1
		}}, ErrNonceMismatch, ErrAndroidKeyChallenge},
		{"allApplications software", akBuild{kd: func(kd *forge.AndroidKeyDescription) { kd.SoftwareEnforced.AllApplications = true }}, ErrCertificate, ErrAndroidKeyAllApplications},
		{"allApplications tee", akBuild{kd: func(kd *forge.AndroidKeyDescription) { kd.TeeEnforced.AllApplications = true }}, ErrCertificate, ErrAndroidKeyAllApplications},
		{"origin imported", akBuild{kd: func(kd *forge.AndroidKeyDescription) { kd.TeeEnforced.Origin = forge.KMOriginImported }}, ErrCertificate, ErrAndroidKeyOrigin},
		{"origin absent", akBuild{kd: func(kd *forge.AndroidKeyDescription) { kd.TeeEnforced.HasOrigin = false }}, ErrCertificate, ErrAndroidKeyOrigin},
		{"purpose verify only", akBuild{kd: func(kd *forge.AndroidKeyDescription) { kd.TeeEnforced.Purposes = []int64{forge.KMPurposeVerify} }}, ErrCertificate, ErrAndroidKeyPurpose},
		{"software only by default", akBuild{kd: softwareOnly}, ErrCertificate, ErrAndroidKeyOrigin},
		{"software purpose, insecure, origin nowhere", akBuild{insecure: true, kd: func(kd *forge.AndroidKeyDescription) {
			softwareOnly(kd)
			kd.SoftwareEnforced.HasOrigin = false
		}}, ErrCertificate, ErrAndroidKeyOrigin},
		{"challenge length", akBuild{kd: func(kd *forge.AndroidKeyDescription) { kd.Challenge = make([]byte, 300) }}, ErrNonceMismatch, ErrAndroidKeyChallenge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.b.build(t).verify()
			expectErr(t, err, tt.kind, tt.cause)
		})
	}
	t.Run("software only with InsecureAllowSoftwareAndroidKey", func(t *testing.T) {
		res, err := (&akBuild{kd: softwareOnly, insecure: true}).build(t).verify()
		if err != nil || res.Type != TypeBasic {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		c := (&akBuild{}).build(t)
		c.anchoredBy("android-key", forge.New("x").Root("x", cose.ES256))
		_, err := c.verify()
		expectErr(t, err, ErrUntrusted, trust.ErrUntrusted)
	})
	t.Run("trailing byte in key description", func(t *testing.T) {
		kd := forge.HardwareKeyDescription(make([]byte, 32))
		var out androidkey.KeyDescription
		err := checkKeyDescription(append(kd.Bytes(), 0), make([]byte, 32), false, &out)
		expectErr(t, err, ErrCertificate, androidkey.ErrTrailingData)
	})
}

// TestAndroidKeyAllocations: the statement syntax, reading x5c and the key
// description parse and policy checks (§8.4 steps 1, 4, 5) allocate nothing.
// Excluded: the signature and key comparison (crypto/ecdsa) and the chain.
func TestAndroidKeyAllocations(t *testing.T) {
	for _, c := range passingCases(t, "android-key") {
		var kd androidkey.KeyDescription
		var alg cose.Algorithm
		var sig []byte
		var x5c Certs
		run := func() {
			var chain trust.Chain
			if readAndroidKey(c.obj.AttStmt, &alg, &sig, &x5c) != nil ||
				parseX5C(FormatAndroidKey, "test", x5c, &chain) != nil ||
				checkKeyDescription(chain.Certificate(0).AndroidKeyDescription, c.in.ClientDataHash, false, &kd) != nil {
				t.Fatal("rejected")
			}
		}
		if n := testing.AllocsPerRun(50, run); n != 0 {
			t.Errorf("%s: %v allocations", c.v.Name, n)
		}
	}
}

func BenchmarkAndroidKeyDescription(b *testing.B) {
	kd := forge.HardwareKeyDescription(make([]byte, 32)).Bytes()
	cdh := make([]byte, 32)
	var out androidkey.KeyDescription
	b.ReportAllocs()
	for b.Loop() {
		_ = checkKeyDescription(kd, cdh, false, &out)
	}
}
