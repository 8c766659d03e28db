package forge

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"

	"github.com/passkeykit/webauthn/cose"
)

// TPM 2.0 constants (TPM 2.0 Part 2) the builders use.
const (
	TPMGeneratedValue  uint32 = 0xff544347 // TPM_GENERATED_VALUE
	TPMSTAttestCertify uint16 = 0x8017     // TPM_ST_ATTEST_CERTIFY
	TPMAlgRSA          uint16 = 0x0001
	TPMAlgSHA1         uint16 = 0x0004
	TPMAlgSHA256       uint16 = 0x000B
	TPMAlgNull         uint16 = 0x0010
	TPMAlgECC          uint16 = 0x0023
	TPMECCNistP256     uint16 = 0x0003
	TPMECCNistP384     uint16 = 0x0004
	TPMECCNistP521     uint16 = 0x0005
)

// OIDs of the TPM AIK certificate (TCG EK Credential Profile §3.2.9).
var (
	OIDSubjectAltName      = asn1.ObjectIdentifier{2, 5, 29, 17}
	OIDTCGKpAIKCertificate = asn1.ObjectIdentifier{2, 23, 133, 8, 3}
	OIDTPMManufacturer     = asn1.ObjectIdentifier{2, 23, 133, 2, 1}
	OIDTPMModel            = asn1.ObjectIdentifier{2, 23, 133, 2, 2}
	OIDTPMVersion          = asn1.ObjectIdentifier{2, 23, 133, 2, 3}
)

func tpm2b(b []byte, v []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// TPMPublic returns a TPMT_PUBLIC (pubArea) for pub with nameAlg SHA-256:
// an RSA key (symmetric NULL, scheme NULL, keyBits, exponent 0 for 65537)
// or an ECC key on P-256/384/521 (scheme NULL, KDF NULL, unique x and y).
func TPMPublic(pub any) []byte {
	var b []byte
	switch p := pub.(type) {
	case *rsa.PublicKey:
		b = binary.BigEndian.AppendUint16(b, TPMAlgRSA)
		b = binary.BigEndian.AppendUint16(b, TPMAlgSHA256)
		b = binary.BigEndian.AppendUint32(b, 0x00060472) // objectAttributes
		b = tpm2b(b, nil)                                // authPolicy
		b = binary.BigEndian.AppendUint16(b, TPMAlgNull) // symmetric
		b = binary.BigEndian.AppendUint16(b, TPMAlgNull) // scheme
		b = binary.BigEndian.AppendUint16(b, uint16(p.N.BitLen()))
		e := uint32(p.E)
		if e == 65537 {
			e = 0
		}
		b = binary.BigEndian.AppendUint32(b, e)
		return tpm2b(b, p.N.Bytes())
	case *ecdsa.PublicKey:
		b = binary.BigEndian.AppendUint16(b, TPMAlgECC)
		b = binary.BigEndian.AppendUint16(b, TPMAlgSHA256)
		b = binary.BigEndian.AppendUint32(b, 0x00060472)
		b = tpm2b(b, nil)
		b = binary.BigEndian.AppendUint16(b, TPMAlgNull) // symmetric
		b = binary.BigEndian.AppendUint16(b, TPMAlgNull) // scheme
		var curve uint16
		switch p.Curve.Params().BitSize {
		case 256:
			curve = TPMECCNistP256
		case 384:
			curve = TPMECCNistP384
		default:
			curve = TPMECCNistP521
		}
		b = binary.BigEndian.AppendUint16(b, curve)
		b = binary.BigEndian.AppendUint16(b, TPMAlgNull) // kdf
		x, y := ECPoint(p)
		b = tpm2b(b, x)
		return tpm2b(b, y)
	}
	panic("forge: TPMPublic: unsupported key type")
}

// TPMName returns the TPM Name of pubArea: nameAlg (its bytes 2-3) followed by
// the nameAlg hash of pubArea (SHA-1 or SHA-256).
func TPMName(pubArea []byte) []byte {
	alg := binary.BigEndian.Uint16(pubArea[2:])
	out := append([]byte{}, pubArea[2:4]...)
	switch alg {
	case TPMAlgSHA1:
		h := sha1.Sum(pubArea)
		return append(out, h[:]...)
	case TPMAlgSHA256:
		h := sha256.Sum256(pubArea)
		return append(out, h[:]...)
	}
	panic("forge: TPMName: unsupported nameAlg")
}

// TPMAttest describes a TPMS_ATTEST with a TPMS_CERTIFY_INFO.
type TPMAttest struct {
	Magic     uint32 // TPMGeneratedValue when zero
	Type      uint16 // TPMSTAttestCertify when zero
	ExtraData []byte
	Name      []byte
}

// Bytes encodes the TPMS_ATTEST (certInfo).
func (a *TPMAttest) Bytes() []byte {
	magic, typ := a.Magic, a.Type
	if magic == 0 {
		magic = TPMGeneratedValue
	}
	if typ == 0 {
		typ = TPMSTAttestCertify
	}
	b := binary.BigEndian.AppendUint32(nil, magic)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = tpm2b(b, append([]byte{0x00, 0x0b}, make([]byte, 32)...)) // qualifiedSigner
	b = tpm2b(b, a.ExtraData)
	b = binary.BigEndian.AppendUint64(b, 1234567) // clock
	b = binary.BigEndian.AppendUint32(b, 1)       // resetCount
	b = binary.BigEndian.AppendUint32(b, 0)       // restartCount
	b = append(b, 1)                              // safe
	b = binary.BigEndian.AppendUint64(b, 0x0001000200030004)
	b = tpm2b(b, a.Name)
	return tpm2b(b, a.Name) // qualifiedName: not checked by §8.3
}

// TPMExtraData returns H_alg(authData ‖ clientDataHash), the certInfo
// extraData of §8.3 for the signature algorithm alg.
func TPMExtraData(alg cose.Algorithm, authData, clientDataHash []byte) []byte {
	m := append(append([]byte{}, authData...), clientDataHash...)
	switch alg {
	case cose.RS1:
		h := sha1.Sum(m)
		return h[:]
	case cose.RS384, cose.PS384, cose.ES384:
		h := sha512.Sum384(m)
		return h[:]
	case cose.RS512, cose.PS512, cose.ES512:
		h := sha512.Sum512(m)
		return h[:]
	}
	h := sha256.Sum256(m)
	return h[:]
}

// TPMSubjectAltName returns the extnValue of an AIK certificate's
// subjectAltName: one directoryName holding tcpaTpmManufacturer, Model and
// Version as UTF8Strings in one multi-valued RDN (TCG EK Credential Profile
// §3.2.9).
func TPMSubjectAltName(manufacturer, model, version string) []byte {
	type atv struct {
		Type  asn1.ObjectIdentifier
		Value string `asn1:"utf8"`
	}
	rdn, err := asn1.Marshal([]atv{{OIDTPMManufacturer, manufacturer}, {OIDTPMModel, model}, {OIDTPMVersion, version}})
	if err != nil {
		panic(err)
	}
	rdn[0] = 0x31 // SET
	name, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: rdn})
	dir, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: name})
	gn, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: dir})
	return gn
}

// TPMAIKSpec is an AIK certificate meeting §8.3.1: version 3, empty subject,
// a critical subjectAltName with the TPM device attributes (manufacturer
// "id:FFFFF1D0", the FIDO conformance ID, unless edited), extKeyUsage
// tcg-kp-AIKCertificate, basicConstraints cA=FALSE, and, when aaguid is not
// nil, a non-critical id-fido-gen-ce-aaguid extension.
func TPMAIKSpec(aaguid []byte) *CertSpec {
	s := &CertSpec{
		KeyUsage: x509.KeyUsageDigitalSignature,
		Extensions: []pkix.Extension{
			{Id: OIDSubjectAltName, Critical: true, Value: TPMSubjectAltName("id:FFFFF1D0", "FORGE-TPM", "id:13")},
			{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: mustMarshal([]asn1.ObjectIdentifier{OIDTCGKpAIKCertificate})},
		},
		MutateTBS: func(t *TBS) { t.Subject = asn1.RawValue{FullBytes: []byte{0x30, 0x00}} },
	}
	if aaguid != nil {
		s.Extensions = append(s.Extensions, AAGUIDExtension(aaguid, false))
	}
	return s
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TPM returns a tpm statement (§8.3) for r signed by the AIK aik with alg:
// pubArea from the credential key, certInfo certifying it with extraData
// H_alg(authData ‖ clientDataHash). edit, when not nil, changes the certInfo
// description before it is encoded and signed; pubArea, when not nil,
// replaces the encoded pubArea.
func (r *Registration) TPM(aik *Key, pubArea []byte, edit func(*TPMAttest), chain ...*Cert) Stmt {
	ad, cdh := r.SignedData()
	if pubArea == nil {
		pubArea = TPMPublic(r.Cred.Public())
	}
	a := &TPMAttest{ExtraData: TPMExtraData(aik.Alg, ad, cdh), Name: TPMName(pubArea)}
	if edit != nil {
		edit(a)
	}
	certInfo := a.Bytes()
	return Stmt{
		"ver":      "2.0",
		"alg":      int64(aik.Alg),
		"x5c":      X5C(chain...),
		"sig":      aik.Sign(certInfo),
		"certInfo": certInfo,
		"pubArea":  pubArea,
	}
}
