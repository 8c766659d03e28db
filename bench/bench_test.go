package bench

import (
	"testing"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/tpm"
)

// Benchmark names are a contract read by cmd/compare and by the README:
//
//	BenchmarkRegistration/<vector>/{ours,ours-warm,go-webauthn,go-webauthn-mds,floor}
//	BenchmarkAuthentication/<vector>/{ours,ours-warm,go-webauthn,floor}
//	BenchmarkParse/<layer>
//	BenchmarkParallel/<vector>
//
// <vector> is the vector file name without .json. A side that rejects a
// vector is skipped with the reason (a rejected input is not a benchmark);
// on the current vectors:
//
//   - tpm-es256-registration: go-webauthn rejects it ("Invalid TPM
//     manufacturer": the W3C vector's AIK certificate names a manufacturer
//     outside go-webauthn's hard-coded list).
//   - packed-ed448-authentication: go-webauthn rejects it (no Ed448:
//     "OKP key has unsupported algorithm -53").
//
// go-webauthn takes no clock and no anchors; gwSetup gives it the vector's
// verifyAt for tpm and the vector's anchors for apple and android-key (see
// gwlink.go), without which it rejects the Windows Hello TPM vectors (AIK
// certificate expired by today) and the W3C apple and android-key vectors
// (chain not ending at its built-in roots). Plain go-webauthn judges packed,
// fido-u2f and tpm chains against nothing, so it does less work than ours
// there; go-webauthn-mds (gwmds_test.go) judges them against the same
// anchors through its metadata provider.

// BenchmarkRegistration is the full §7.1 ceremony from the response JSON.
// ours: every cache cold (RelyingParty.ResetCaches — public key, chain-link
// and credential key caches — every iteration, inside the timer);
// ours-warm: the caches kept across iterations, as in a server;
// go-webauthn: its parse and Verify without metadata; go-webauthn-mds: the
// same with a metadata provider naming the vector's anchors (packed,
// fido-u2f, tpm only); floor: the bare stdlib crypto (floor_test.go).
func BenchmarkRegistration(b *testing.B) {
	for _, v := range byCeremony(benchVectors(b), "registration") {
		b.Run(v.id, func(b *testing.B) {
			b.Run("ours", func(b *testing.B) { benchOursRegistration(b, v, false) })
			b.Run("ours-warm", func(b *testing.B) { benchOursRegistration(b, v, true) })
			b.Run("go-webauthn", func(b *testing.B) {
				gwSetup(v)
				params := gwParams(v)
				if err := gwRegister(v, params); err != nil {
					b.Skipf("go-webauthn rejects %s: %v", v.id, err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := gwRegister(v, params); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("go-webauthn-mds", func(b *testing.B) {
				if _, ok, err := mdsEntryOf(v); err != nil || !ok {
					b.Skipf("%s: no chain judged through metadata (%v)", v.id, err)
				}
				m := gwMDSFor(b, benchVectors(b))
				gwSetup(v)
				params := gwParams(v)
				if err := gwRegister(v, params); err != nil {
					b.Skipf("go-webauthn rejects %s: %v", v.id, err)
				}
				at, err := gwMDSMode(v, params, m)
				if err != nil {
					b.Skipf("go-webauthn-mds rejects %s: %v", v.id, err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := gwRegisterMDS(v, params, m, at); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("floor", func(b *testing.B) {
				f, err := floorRegistration(v)
				if err != nil {
					b.Fatal(err)
				}
				benchFunc(b, f)
			})
		})
	}
}

func benchOursRegistration(b *testing.B, v *vector, warm bool) {
	rp := ourRP(v)
	var reg webauthn.Registration
	if err := rp.VerifyRegistration(v.Response, v.challenge, &reg); err != nil {
		b.Skipf("ours rejects %s: %v", v.id, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !warm {
			// Inside the timer: pausing it costs more (runtime.ReadMemStats
			// stops the world) than emptying the caches, and it would fall
			// on ours only. The reset is counted against us.
			rp.ResetCaches()
		}
		if err := rp.VerifyRegistration(v.Response, v.challenge, &reg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthentication is the full §7.2 ceremony from the response JSON
// against the stored credential record: ours cold (every cache emptied
// before each op, inside the timer) and ours-warm (the credential key
// converted once, as a server holding the RelyingParty does).
func BenchmarkAuthentication(b *testing.B) {
	for _, v := range byCeremony(benchVectors(b), "authentication") {
		b.Run(v.id, func(b *testing.B) {
			b.Run("ours", func(b *testing.B) { benchOursAuthentication(b, v, false) })
			b.Run("ours-warm", func(b *testing.B) { benchOursAuthentication(b, v, true) })
			b.Run("go-webauthn", func(b *testing.B) {
				if err := gwAuthenticate(v); err != nil {
					b.Skipf("go-webauthn rejects %s: %v", v.id, err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := gwAuthenticate(v); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("floor", func(b *testing.B) {
				f, err := floorAuthentication(v)
				if err != nil {
					b.Fatal(err)
				}
				benchFunc(b, f)
			})
		})
	}
}

// benchOursAuthentication runs VerifyAuthentication; cold (warm false)
// empties every cache of the RelyingParty, the credential key cache
// included, before each op, inside the timer.
func benchOursAuthentication(b *testing.B, v *vector, warm bool) {
	rp := ourRP(v)
	cred, err := ourCredential(v)
	if err != nil {
		b.Fatal(err)
	}
	var a webauthn.Assertion
	if err := rp.VerifyAuthentication(v.Response, v.challenge, cred, &a); err != nil {
		b.Skipf("ours rejects %s: %v", v.id, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !warm {
			rp.ResetCaches() // inside the timer, as for registrations
		}
		if err := rp.VerifyAuthentication(v.Response, v.challenge, cred, &a); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFunc(b *testing.B, f func() error) {
	if err := f(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
}

// parseVector is the vector the single-layer parse benchmarks read.
const parseVector = "packed-es256-registration"

// BenchmarkParse is each parsing layer on its own, on the inputs of
// parseVector (tpm-* on the Windows Hello TPM vector). Every layer's target
// is 0 allocs/op.
func BenchmarkParse(b *testing.B) {
	var v *vector
	for _, w := range benchVectors(b) {
		if w.id == parseVector {
			v = w
		}
	}
	if v == nil {
		b.Fatalf("vector %s not found", parseVector)
	}
	var obj attestation.Object
	if err := attestation.ParseObject(v.attestationObject, &obj); err != nil {
		b.Fatal(err)
	}
	var ad authdata.AuthData
	if err := authdata.Parse(obj.AuthData, &ad); err != nil {
		b.Fatal(err)
	}
	b.Run("clientdata", func(b *testing.B) {
		var cd clientdata.ClientData
		benchFunc(b, func() error { return clientdata.Parse(v.clientDataJSON, &cd) })
	})
	b.Run("authdata", func(b *testing.B) {
		var out authdata.AuthData
		benchFunc(b, func() error { return authdata.Parse(obj.AuthData, &out) })
	})
	b.Run("attestation-object", func(b *testing.B) {
		var out attestation.Object
		benchFunc(b, func() error { return attestation.ParseObject(v.attestationObject, &out) })
	})
	b.Run("cose-key", func(b *testing.B) {
		var k cose.Key
		benchFunc(b, func() error { return cose.ParseKey(ad.CredentialPublicKey, &k) })
	})
	b.Run("registration-json", func(b *testing.B) {
		benchFunc(b, func() error { return webauthn.CheckRegistrationResponseJSON(v.Response) })
	})
	// The TPM layers run on the Windows Hello TPM statement. internal/tpm is
	// importable here: Go's internal rule is by import path, and bench/ is
	// github.com/passkeykit/webauthn/bench.
	var certInfo, pubArea []byte
	for _, w := range benchVectors(b) {
		if w.Fmt != "tpm" {
			continue
		}
		var o attestation.Object
		if attestation.ParseObject(w.attestationObject, &o) != nil {
			continue
		}
		certInfo, _ = o.AttStmt.CertInfo()
		pubArea, _ = o.AttStmt.PubArea()
		break
	}
	if certInfo == nil || pubArea == nil {
		b.Fatal("no TPM statement among the bench vectors")
	}
	b.Run("tpm-certinfo", func(b *testing.B) {
		var a tpm.Attest
		benchFunc(b, func() error { return tpm.ParseAttest(certInfo, &a) })
	})
	b.Run("tpm-pubarea", func(b *testing.B) {
		var p tpm.Public
		benchFunc(b, func() error { return tpm.ParsePublic(pubArea, &p) })
	})
}

// parallelVectors are the vectors BenchmarkParallel runs; compare -cpu 1
// with -cpu 2 for the scaling target.
var parallelVectors = []string{"packed-es256-registration", "none-es256-registration"}

// BenchmarkParallel is ours-warm registration from every P at once, one
// shared RelyingParty (and so one shared trust cache).
func BenchmarkParallel(b *testing.B) {
	all := benchVectors(b)
	for _, id := range parallelVectors {
		var v *vector
		for _, w := range all {
			if w.id == id {
				v = w
			}
		}
		if v == nil {
			b.Fatalf("vector %s not found", id)
		}
		b.Run(id, func(b *testing.B) {
			rp := ourRP(v)
			var reg webauthn.Registration
			if err := rp.VerifyRegistration(v.Response, v.challenge, &reg); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var reg webauthn.Registration
				for pb.Next() {
					if err := rp.VerifyRegistration(v.Response, v.challenge, &reg); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
