// Differential tests against go-tpm (test-only oracle): where ParseAttest and
// ParsePublic accept, tpm2.Unmarshal must agree on every field.

package tpm

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/go-tpm/tpm2"
)

// checkAttestAgainstGoTPM checks that go-tpm decodes b to the same fields.
func checkAttestAgainstGoTPM(t *testing.T, b []byte, a *Attest) {
	t.Helper()
	g, err := tpm2.Unmarshal[tpm2.TPMSAttest](b)
	if err != nil {
		t.Fatalf("go-tpm rejects what ParseAttest accepts: %v (%x)", err, b)
	}
	ci, err := g.Attested.Certify()
	if err != nil {
		t.Fatalf("go-tpm Certify: %v", err)
	}
	if uint32(g.Magic) != a.Magic || uint16(g.Type) != a.Type ||
		!bytes.Equal(g.QualifiedSigner.Buffer, a.QualifiedSigner) ||
		!bytes.Equal(g.ExtraData.Buffer, a.ExtraData) ||
		g.ClockInfo.Clock != a.Clock || g.ClockInfo.ResetCount != a.ResetCount ||
		g.ClockInfo.RestartCount != a.RestartCount || bool(g.ClockInfo.Safe) != (a.Safe != 0) ||
		g.FirmwareVersion != a.FirmwareVersion ||
		!bytes.Equal(ci.Name.Buffer, a.Name) || !bytes.Equal(ci.QualifiedName.Buffer, a.QualifiedName) {
		t.Fatalf("go-tpm disagrees on %x:\n go-tpm %+v\n ours  %+v", b, g, a)
	}
	// go-tpm reads safe as a Go bool and writes it back as 0 or 1, so the
	// re-encoding matches byte for byte only where safe already was 0 or 1.
	if re := tpm2.Marshal(g); a.Safe <= 1 && !bytes.Equal(re, b) {
		t.Fatalf("go-tpm re-encoding differs:\n %x\n %x", re, b)
	}
}

// checkPublicAgainstGoTPM checks that go-tpm decodes b to the same fields and
// re-encodes it to exactly b.
func checkPublicAgainstGoTPM(t *testing.T, b []byte, p *Public) {
	t.Helper()
	g, err := tpm2.Unmarshal[tpm2.TPMTPublic](b)
	if err != nil {
		t.Fatalf("go-tpm rejects what ParsePublic accepts: %v (%x)", err, b)
	}
	if uint16(g.Type) != p.Type || uint16(g.NameAlg) != p.NameAlg ||
		binary.BigEndian.Uint32(tpm2.Marshal(&g.ObjectAttributes)) != p.ObjectAttributes ||
		!bytes.Equal(g.AuthPolicy.Buffer, p.AuthPolicy) {
		t.Fatalf("go-tpm disagrees on header of %x: %+v vs %+v", b, g, p)
	}
	switch p.Type {
	case AlgRSA:
		d, err1 := g.Parameters.RSADetail()
		u, err2 := g.Unique.RSA()
		if err1 != nil || err2 != nil {
			t.Fatalf("go-tpm RSA: %v %v", err1, err2)
		}
		if uint16(d.Symmetric.Algorithm) != p.SymAlg || uint16(d.Scheme.Scheme) != p.Scheme ||
			uint16(d.KeyBits) != p.RSAKeyBits || d.Exponent != p.Exponent ||
			!bytes.Equal(u.Buffer, p.Modulus) {
			t.Fatalf("go-tpm disagrees on RSA %x: %+v vs %+v", b, d, p)
		}
	case AlgECC:
		d, err1 := g.Parameters.ECCDetail()
		u, err2 := g.Unique.ECC()
		if err1 != nil || err2 != nil {
			t.Fatalf("go-tpm ECC: %v %v", err1, err2)
		}
		if uint16(d.Symmetric.Algorithm) != p.SymAlg || uint16(d.Scheme.Scheme) != p.Scheme ||
			uint16(d.CurveID) != p.CurveID || uint16(d.KDF.Scheme) != p.KDF ||
			!bytes.Equal(u.X.Buffer, p.X) || !bytes.Equal(u.Y.Buffer, p.Y) {
			t.Fatalf("go-tpm disagrees on ECC %x: %+v vs %+v", b, d, p)
		}
	}
	if re := tpm2.Marshal(g); !bytes.Equal(re, b) {
		t.Fatalf("go-tpm re-encoding differs:\n %x\n %x", re, b)
	}
}

func TestDifferentialGoTPM(t *testing.T) {
	for _, s := range loadStatements(t) {
		var a Attest
		if err := ParseAttest(s.certInfo, &a); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		checkAttestAgainstGoTPM(t, s.certInfo, &a)
		var p Public
		if err := ParsePublic(s.pubArea, &p); err != nil {
			t.Fatal(err)
		}
		checkPublicAgainstGoTPM(t, s.pubArea, &p)
	}
	for _, c := range synthPublics() {
		var p Public
		if err := ParsePublic(c.b, &p); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkPublicAgainstGoTPM(t, c.b, &p)
	}
}

// TestDifferentialMutations flips bytes of the real structures: whenever our
// reader accepts a mutation, go-tpm must decode the same fields.
func TestDifferentialMutations(t *testing.T) {
	var accepted int
	for _, s := range loadStatements(t) {
		for _, orig := range [][]byte{s.certInfo, s.pubArea} {
			for i := range orig {
				for _, x := range []byte{0x01, 0x80, 0xff} {
					m := bytes.Clone(orig)
					m[i] ^= x
					var a Attest
					if ParseAttest(m, &a) == nil {
						accepted++
						checkAttestAgainstGoTPM(t, m, &a)
					}
					var p Public
					if ParsePublic(m, &p) == nil {
						accepted++
						checkPublicAgainstGoTPM(t, m, &p)
					}
				}
			}
		}
	}
	if accepted == 0 {
		t.Fatal("no mutation accepted; the differential checked nothing")
	}
	t.Logf("%d accepted mutations agreed with go-tpm", accepted)
}

func TestDifferentialGoTPMLimits(t *testing.T) {
	var a Attest
	b := attest(GeneratedValue, STAttestCertify, MaxNameSize, MaxDataSize, MaxNameSize, MaxNameSize, 0)
	if err := ParseAttest(b, &a); err != nil {
		t.Fatal(err)
	}
	checkAttestAgainstGoTPM(t, b, &a)
}
