package tpm

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"testing"
)

func TestVectors(t *testing.T) {
	for _, s := range loadStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			// Every shared certInfo parses (the spec's own tpm-es256 example has
			// clockInfo.safe = 0x33, which is kept raw rather than rejected:
			// WebAuthn §8.3 does not judge clockInfo).
			var a Attest
			if err := ParseAttest(s.certInfo, &a); err != nil {
				t.Fatalf("ParseAttest: %v", err)
			}
			var p Public
			if err := ParsePublic(s.pubArea, &p); err != nil {
				t.Fatalf("ParsePublic: %v", err)
			}
			if !NameMatches(a.Name, s.pubArea) {
				t.Errorf("NameMatches = false for the statement's own pubArea")
			}
			if len(a.ExtraData) == 0 {
				t.Errorf("empty extraData")
			}
			switch p.Type {
			case AlgRSA:
				if len(p.Modulus)*8 != int(p.RSAKeyBits) {
					t.Errorf("modulus %d bytes, keyBits %d", len(p.Modulus), p.RSAKeyBits)
				}
				if p.RSAExponent() != 65537 {
					t.Errorf("exponent %d", p.RSAExponent())
				}
			case AlgECC:
				if p.CurveID != ECCNistP256 || len(p.X) != 32 || len(p.Y) != 32 {
					t.Errorf("curve %#x, x %d, y %d", p.CurveID, len(p.X), len(p.Y))
				}
			}
			if s.san == nil {
				if s.ok {
					t.Fatal("AIK certificate of a vector expected to verify has no subjectAltName (§8.3.1 requires it)")
				}
				return
			}
			var d DeviceAttributes
			if err := ParseSubjectAltName(s.san, &d); err != nil {
				t.Fatalf("ParseSubjectAltName: %v", err)
			}
			// The spec example's AIK names manufacturer id:00000000, outside the registry.
			if KnownManufacturer(string(d.Manufacturer)) != (s.name != "tpm-es256-registration.json") {
				t.Errorf("manufacturer %q not known", d.Manufacturer)
			}
			t.Logf("manufacturer %q model %q version %q", d.Manufacturer, d.Model, d.Version)
		})
	}
}

type synth struct {
	name string
	b    []byte
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func tpm2b(n int, fill byte) []byte {
	return append(u16(uint16(n)), bytes.Repeat([]byte{fill}, n)...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func rsaPublic(sym, scheme []byte, keyBits uint16, exp uint32, n int) []byte {
	return cat(u16(AlgRSA), u16(AlgSHA256), []byte{0x00, 0x06, 0x04, 0x72}, tpm2b(0, 0),
		sym, scheme, u16(keyBits), binary.BigEndian.AppendUint32(nil, exp), tpm2b(n, 0xab))
}

func eccPublic(sym, scheme []byte, curve uint16, kdf []byte, size int) []byte {
	return cat(u16(AlgECC), u16(AlgSHA256), []byte{0x00, 0x06, 0x04, 0x72}, tpm2b(32, 0x11),
		sym, scheme, u16(curve), kdf, tpm2b(size, 0x22), tpm2b(size, 0x33))
}

// synthPublics covers both union branches and every scheme layout.
func synthPublics() []synth {
	null := u16(AlgNull)
	aes := cat(u16(AlgAES), u16(128), u16(0x0043))
	return []synth{
		{"rsa2048-null", rsaPublic(null, null, 2048, 0, 256)},
		{"rsa4096-rsassa-aes", rsaPublic(aes, cat(u16(AlgRSASSA), u16(AlgSHA256)), 4096, 3, 512)},
		{"rsa-rsaes", rsaPublic(null, u16(AlgRSAES), 1024, 65537, 128)},
		{"rsa-oaep", rsaPublic(null, cat(u16(AlgOAEP), u16(AlgSHA1)), 2048, 0, 256)},
		{"p256-ecdsa", eccPublic(null, cat(u16(AlgECDSA), u16(AlgSHA256)), ECCNistP256, null, 32)},
		{"p384-null", eccPublic(null, null, ECCNistP384, null, 48)},
		{"p521-ecdaa-kdf2", eccPublic(aes, cat(u16(AlgECDAA), u16(AlgSHA512), u16(7)), ECCNistP521, cat(u16(AlgKDF2), u16(AlgSHA384)), 66)},
		{"p256-mgf1", eccPublic(null, null, ECCNistP256, cat(u16(AlgMGF1), u16(AlgSHA256)), 32)},
	}
}

func TestSynthPublic(t *testing.T) {
	for _, c := range synthPublics() {
		t.Run(c.name, func(t *testing.T) {
			var p Public
			if err := ParsePublic(c.b, &p); err != nil {
				t.Fatal(err)
			}
			switch c.name {
			case "rsa2048-null":
				if p.RSAExponent() != 65537 || len(p.Modulus) != 256 || p.RSAKeyBits != 2048 {
					t.Errorf("%+v", p)
				}
			case "rsa4096-rsassa-aes":
				if p.RSAExponent() != 3 || p.SchemeHash != AlgSHA256 || p.SymKeyBits != 128 || p.SymMode != 0x43 {
					t.Errorf("%+v", p)
				}
			case "p384-null":
				if p.CurveID != ECCNistP384 || len(p.X) != 48 || len(p.Y) != 48 {
					t.Errorf("%+v", p)
				}
			case "p521-ecdaa-kdf2":
				if p.CurveID != ECCNistP521 || p.SchemeCount != 7 || p.KDFHash != AlgSHA384 || len(p.Y) != 66 {
					t.Errorf("%+v", p)
				}
			}
			h := sha256.Sum256(c.b)
			if !NameMatches(cat(u16(AlgSHA256), h[:]), c.b) {
				t.Error("NameMatches")
			}
		})
	}
}

func TestPublicRejects(t *testing.T) {
	null := u16(AlgNull)
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"keyedhash type", cat(u16(0x0008), rsaPublic(null, null, 2048, 0, 256)[2:]), ErrPublicType},
		{"xor symmetric", rsaPublic(cat(u16(0x000A), u16(AlgSHA256)), null, 2048, 0, 256), ErrPublicSymmetric},
		{"ecdsa scheme on rsa", rsaPublic(null, cat(u16(AlgECDSA), u16(AlgSHA256)), 2048, 0, 256), ErrPublicScheme},
		{"rsassa scheme on ecc", eccPublic(null, cat(u16(AlgRSASSA), u16(AlgSHA256)), ECCNistP256, null, 32), ErrPublicScheme},
		{"bad kdf", eccPublic(null, null, ECCNistP256, cat(u16(AlgSHA256), u16(AlgSHA256)), 32), ErrPublicKDF},
		{"modulus at MaxRSAKeyBytes+1", rsaPublic(null, null, 4096, 0, MaxRSAKeyBytes+1), ErrPublicMalformed},
		{"point at MaxECCKeyBytes+1", eccPublic(null, null, ECCNistP521, null, MaxECCKeyBytes+1), ErrPublicMalformed},
		{"authPolicy at MaxDigestSize+1", cat(u16(AlgRSA), u16(AlgSHA256), make([]byte, 4), tpm2b(MaxDigestSize+1, 1), null, null, u16(2048), make([]byte, 4), tpm2b(256, 2)), ErrPublicMalformed},
		{"trailing byte", append(rsaPublic(null, null, 2048, 0, 256), 0), ErrTrailingData},
		{"empty", nil, ErrPublicMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Public{Type: 1, Modulus: []byte{1}}
			if err := ParsePublic(tt.b, &p); !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if p.Type != 0 || p.Modulus != nil || p.X != nil {
				t.Fatalf("partial result on error: %+v", p)
			}
		})
	}
	// The limits themselves are accepted.
	for _, b := range [][]byte{
		rsaPublic(null, null, 4096, 0, MaxRSAKeyBytes),
		eccPublic(null, null, ECCNistP521, null, MaxECCKeyBytes),
	} {
		var p Public
		if err := ParsePublic(b, &p); err != nil {
			t.Errorf("at limit: %v", err)
		}
	}
}

// attest builds a TPMS_ATTEST with the given TPM2B sizes.
func attest(magic uint32, typ uint16, signer, extra, name, qname int, safe byte) []byte {
	return cat(binary.BigEndian.AppendUint32(nil, magic), u16(typ), tpm2b(signer, 1), tpm2b(extra, 2),
		binary.BigEndian.AppendUint64(nil, 99), binary.BigEndian.AppendUint32(nil, 3), binary.BigEndian.AppendUint32(nil, 4), []byte{safe},
		binary.BigEndian.AppendUint64(nil, 5), tpm2b(name, 6), tpm2b(qname, 7))
}

func TestAttestRejects(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"magic", attest(0xff544348, STAttestCertify, 34, 32, 34, 34, 1), ErrAttestMagic},
		{"quote type", attest(GeneratedValue, 0x8018, 34, 32, 34, 34, 1), ErrAttestType},
		{"signer at MaxNameSize+1", attest(GeneratedValue, STAttestCertify, MaxNameSize+1, 32, 34, 34, 1), ErrAttestMalformed},
		{"extraData at MaxDataSize+1", attest(GeneratedValue, STAttestCertify, 34, MaxDataSize+1, 34, 34, 1), ErrAttestMalformed},
		{"name at MaxNameSize+1", attest(GeneratedValue, STAttestCertify, 34, 32, MaxNameSize+1, 34, 1), ErrAttestMalformed},
		{"qualifiedName at MaxNameSize+1", attest(GeneratedValue, STAttestCertify, 34, 32, 34, MaxNameSize+1, 1), ErrAttestMalformed},
		{"trailing byte", append(attest(GeneratedValue, STAttestCertify, 34, 32, 34, 34, 1), 0), ErrTrailingData},
		{"empty", nil, ErrAttestMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Attest{Magic: 1, Name: []byte{1}}
			if err := ParseAttest(tt.b, &a); !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if a.Magic != 0 || a.Name != nil || a.ExtraData != nil {
				t.Fatalf("partial result on error: %+v", a)
			}
		})
	}
	var a Attest
	b := attest(GeneratedValue, STAttestCertify, MaxNameSize, MaxDataSize, MaxNameSize, MaxNameSize, 0)
	if err := ParseAttest(b, &a); err != nil || a.Safe != 0 || a.Clock != 99 || a.FirmwareVersion != 5 {
		t.Fatalf("at limits: %v %+v", err, a)
	}
}

func TestEveryPrefixFails(t *testing.T) {
	inputs := loadStatements(t)
	for _, s := range inputs {
		for i := range len(s.certInfo) {
			a := Attest{Magic: 1}
			if ParseAttest(s.certInfo[:i], &a) == nil || a.Magic != 0 {
				t.Fatalf("%s: certInfo prefix %d accepted or partial", s.name, i)
			}
		}
		for i := range len(s.pubArea) {
			p := Public{Type: 1}
			if ParsePublic(s.pubArea[:i], &p) == nil || p.Type != 0 {
				t.Fatalf("%s: pubArea prefix %d accepted or partial", s.name, i)
			}
		}
		if ParseAttest(append(bytes.Clone(s.certInfo), 0), new(Attest)) != ErrTrailingData {
			t.Fatalf("%s: certInfo trailing byte", s.name)
		}
		if ParsePublic(append(bytes.Clone(s.pubArea), 0), new(Public)) != ErrTrailingData {
			t.Fatalf("%s: pubArea trailing byte", s.name)
		}
	}
	for _, c := range synthPublics() {
		for i := range len(c.b) {
			if ParsePublic(c.b[:i], new(Public)) == nil {
				t.Fatalf("%s: prefix %d accepted", c.name, i)
			}
		}
	}
}

func TestNameMatches(t *testing.T) {
	pub := synthPublics()[0].b // nameAlg SHA-256
	h1 := sha1.Sum(pub)
	h256 := sha256.Sum256(pub)
	h384 := sha512.Sum384(pub)
	h512 := sha512.Sum512(pub)
	withAlg := func(alg uint16) []byte {
		p := bytes.Clone(pub)
		binary.BigEndian.PutUint16(p[2:], alg)
		return p
	}
	p1, p384, p512 := withAlg(AlgSHA1), withAlg(AlgSHA384), withAlg(AlgSHA512)
	h1 = sha1.Sum(p1)
	h384 = sha512.Sum384(p384)
	h512 = sha512.Sum512(p512)
	tests := []struct {
		name string
		n    []byte
		pub  []byte
		want bool
	}{
		{"sha256", cat(u16(AlgSHA256), h256[:]), pub, true},
		{"sha1", cat(u16(AlgSHA1), h1[:]), p1, true},
		{"sha384", cat(u16(AlgSHA384), h384[:]), p384, true},
		{"sha512", cat(u16(AlgSHA512), h512[:]), p512, true},
		{"alg differs from pubArea nameAlg", cat(u16(AlgSHA256), h256[:]), p1, false},
		{"truncated digest", cat(u16(AlgSHA256), h256[:31]), pub, false},
		{"flipped digest", cat(u16(AlgSHA256), h256[:31], []byte{h256[31] ^ 1}), pub, false},
		{"unknown alg", cat(u16(0x0012), h256[:]), withAlg(0x0012), false},
		{"handle-sized name", []byte{0x81, 0, 0, 1}, pub, false},
		{"empty", nil, pub, false},
		{"short pubArea", cat(u16(AlgSHA256), h256[:]), pub[:3], false},
	}
	for _, tt := range tests {
		if got := NameMatches(tt.n, tt.pub); got != tt.want {
			t.Errorf("%s: NameMatches = %v", tt.name, got)
		}
	}
}

func TestKnownManufacturer(t *testing.T) {
	for id, want := range map[string]bool{
		"id:414D4400":  true,
		"id:49424d00":  true, // IBM, lower-case hex
		"id:FFFFF1D0":  true,
		"id:4D534654":  true,
		"id:00000000":  false,
		"ID:414D4400":  false,
		"id:414D440":   false,
		"id:414D44000": false,
		"id:414D44G0":  false,
		"414D4400":     false,
		"":             false,
	} {
		if got := KnownManufacturer(id); got != want {
			t.Errorf("KnownManufacturer(%q) = %v", id, got)
		}
	}
}
