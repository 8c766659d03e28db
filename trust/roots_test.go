package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
)

// Fingerprints (SHA-256 of the DER) of the embedded roots, as listed in
// roots/README.md.
var rootFingerprints = map[string]string{
	"apple-webauthn-root-ca.pem":                 "0915dd5c07a28db549d1f677bb5a75d4bfbe9561a773424327762e9e02f9bb29",
	"google-hardware-attestation-root-1.pem":     "c1984a3ef45c1e2a918551de10603c86f7051b2249c4891cae3230eabd0c97d5",
	"google-hardware-attestation-root-2.pem":     "1ef1a04b8ba58ab94589ac498c8982a783f24ea7307e0159a0c3a73b377d87cc",
	"google-hardware-attestation-root-3.pem":     "ab6641178a36e179aa0c1cdddf9a16eb45fa20943e2b8cd7c7c05c26cf8b487a",
	"google-hardware-attestation-root-4.pem":     "cedb1cb6dc896ae5ec797348bce9286753c2b38ee71ce0fbe34a9a1248800dfc",
	"google-llc-android-key-attestation-ca1.pem": "6d9db4ce6c5c0b293166d08986e05774a8776ceb525d9e4329520de12ba4bcc0",
}

func fingerprint(t *testing.T, pemData []byte) string {
	t.Helper()
	p, err := ParsePEM(pemData)
	if err != nil || p.Len() != 1 {
		t.Fatalf("want one certificate: %v", err)
	}
	sum := sha256.Sum256(p.Certificates()[0].Raw)
	return hex.EncodeToString(sum[:])
}

func TestEmbeddedRoots(t *testing.T) {
	files := slices.Concat(appleRootFiles, googleRootFiles)
	entries, err := rootsFS.ReadDir("roots")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(files) {
		t.Fatalf("roots/ holds %d PEM files, the code lists %d", len(entries), len(files))
	}
	for _, f := range files {
		b, err := rootsFS.ReadFile("roots/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if got := fingerprint(t, b); got != rootFingerprints[f] {
			t.Errorf("%s: fingerprint %s, want %s", f, got, rootFingerprints[f])
		}
	}
	if AppleRoots().Len() != 1 || GoogleHardwareAttestationRoots().Len() != 5 {
		t.Fatalf("AppleRoots %d, Google %d", AppleRoots().Len(), GoogleHardwareAttestationRoots().Len())
	}
	if first, second := AppleRoots(), AppleRoots(); first != second {
		t.Fatal("AppleRoots parsed twice")
	}
	for _, c := range slices.Concat(AppleRoots().Certificates(), GoogleHardwareAttestationRoots().Certificates()) {
		if !c.IsCA || !c.BasicConstraintsValid {
			t.Errorf("%v is not a CA", c.Subject)
		}
	}
	w := WellKnown()
	if p, _ := w.Anchors(&Query{Format: FormatApple}); p != AppleRoots() {
		t.Error("WellKnown apple")
	}
	if p, _ := w.Anchors(&Query{Format: FormatAndroidKey}); p != GoogleHardwareAttestationRoots() {
		t.Error("WellKnown android-key")
	}
	if p, _ := w.Anchors(&Query{Format: FormatPacked}); p != nil {
		t.Error("WellKnown packed supplies anchors")
	}
}

// TestEmbeddedRootsMatchShared checks each embedded root against the public
// root of the same name in the shared vectors folder.
func TestEmbeddedRootsMatchShared(t *testing.T) {
	dir := filepath.Join(testenv.VectorsDir(t), "roots")
	for _, f := range slices.Concat(appleRootFiles, googleRootFiles) {
		shared, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		embedded, _ := rootsFS.ReadFile("roots/" + f)
		if a, b := fingerprint(t, embedded), fingerprint(t, shared); a != b {
			t.Errorf("%s: embedded %s, shared %s", f, a, b)
		}
	}
}
