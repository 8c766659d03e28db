package trust

import (
	"embed"
	"sync"
)

// The embedded roots; provenance for each file is in roots/README.md.
//
//go:embed roots/*.pem
var rootsFS embed.FS

var (
	appleRootFiles  = []string{"apple-webauthn-root-ca.pem"}
	googleRootFiles = []string{
		"google-hardware-attestation-root-1.pem",
		"google-hardware-attestation-root-2.pem",
		"google-hardware-attestation-root-3.pem",
		"google-hardware-attestation-root-4.pem",
		"google-llc-android-key-attestation-ca1.pem",
	}
)

func loadRoots(files []string) *Pool {
	var p *Pool
	for _, f := range files {
		b, err := rootsFS.ReadFile("roots/" + f)
		if err != nil {
			panic("trust: embedded root " + f + ": " + err.Error())
		}
		if p, err = p.AppendPEM(b); err != nil {
			panic("trust: embedded root " + f + ": " + err.Error())
		}
	}
	return p
}

var (
	appleRoots  = sync.OnceValue(func() *Pool { return loadRoots(appleRootFiles) })
	googleRoots = sync.OnceValue(func() *Pool { return loadRoots(googleRootFiles) })
)

// AppleRoots returns the "Apple WebAuthn Root CA" (P-384, 2020-2045), the
// anchor of the "apple" attestation format (WebAuthn L3 §8.8), as published on
// Apple's Private PKI page. The pool is shared and immutable.
func AppleRoots() *Pool { return appleRoots() }

// GoogleHardwareAttestationRoots returns the Google hardware attestation root
// certificates for the "android-key" format (WebAuthn L3 §8.4) published in
// Google's Android key attestation documentation: the four RSA-4096 roots
// with subject serialNumber=f92009e853b6b045 (the 2016 one expires on
// 2026-05-24) and the P-384 "Key Attestation CA1" root used since 2026. Chains
// from software-only keystores and from devices that do not chain to these
// roots are untrusted. The pool is shared and immutable.
func GoogleHardwareAttestationRoots() *Pool { return googleRoots() }

// WellKnown returns a Source holding the embedded roots by format: "apple"
// -> AppleRoots, "android-key" -> GoogleHardwareAttestationRoots. It is
// opt-in: nothing in this module trusts these roots unless the caller passes
// this Source. Each call returns a new *Static the caller may extend before
// use.
func WellKnown() *Static {
	return &Static{ByFormat: map[string]*Pool{
		FormatApple:      AppleRoots(),
		FormatAndroidKey: GoogleHardwareAttestationRoots(),
	}}
}
