package forge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"time"

	"github.com/passkeykit/webauthn/cose"
)

// Epoch is the NotBefore of every forged certificate unless a spec says
// otherwise; Now is an instant inside the default validity, the time tests
// verify at.
var (
	Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	Now   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// DefaultValidity is how long forged certificates are valid from NotBefore.
const DefaultValidity = 20 * 365 * 24 * time.Hour

// Object identifiers of the extensions the attestation formats use.
var (
	// OIDFIDOGenCeAAGUID is id-fido-gen-ce-aaguid (WebAuthn §8.2.1).
	OIDFIDOGenCeAAGUID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}
	// OIDAppleNonce is the Apple anonymous attestation nonce extension (§8.8).
	OIDAppleNonce = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 8, 2}
)

// CertSpec describes a certificate. Zero fields take defaults: NotBefore
// Epoch, NotAfter NotBefore+DefaultValidity, a serial derived from the label,
// version 3, basicConstraints present.
type CertSpec struct {
	Subject   pkix.Name
	NotBefore time.Time
	NotAfter  time.Time
	Serial    *big.Int
	// CA sets basicConstraints cA=TRUE and keyUsage keyCertSign|cRLSign.
	CA bool
	// NoBasicConstraints omits the basicConstraints extension.
	NoBasicConstraints bool
	KeyUsage           x509.KeyUsage
	ExtKeyUsage        []x509.ExtKeyUsage
	// DNSNames go into subjectAltName.
	DNSNames []string
	// Extensions are added verbatim (criticality as given).
	Extensions []pkix.Extension
	// Version, when 1 or 2, re-encodes the TBSCertificate with that version
	// (v1 drops the extensions) and re-signs it.
	Version int
	// MutateTBS, when set, may change the decoded TBSCertificate before it is
	// re-encoded and re-signed by the issuer.
	MutateTBS func(*TBS)
}

// Cert is a forged certificate with its key.
type Cert struct {
	DER  []byte
	Cert *x509.Certificate
	Key  *Key
}

// Issue creates a certificate for key (its public half) signed by parent, or
// self-signed when parent is nil. The signature is deterministic.
func (f *Forge) Issue(label string, spec *CertSpec, key *Key, parent *Cert) *Cert {
	if spec == nil {
		spec = &CertSpec{}
	}
	nb := spec.NotBefore
	if nb.IsZero() {
		nb = Epoch
	}
	na := spec.NotAfter
	if na.IsZero() {
		na = nb.Add(DefaultValidity)
	}
	serial := spec.Serial
	if serial == nil {
		serial = new(big.Int).SetUint64(binary.BigEndian.Uint64(f.Bytes("serial/"+label, 8)) >> 1)
	}
	subj := spec.Subject
	if subj.CommonName == "" && len(subj.Names) == 0 && len(subj.Organization) == 0 {
		subj.CommonName = label
	}
	t := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subj,
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              spec.KeyUsage,
		ExtKeyUsage:           spec.ExtKeyUsage,
		BasicConstraintsValid: !spec.NoBasicConstraints,
		IsCA:                  spec.CA,
		DNSNames:              spec.DNSNames,
		ExtraExtensions:       spec.Extensions,
	}
	if spec.CA {
		t.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	signer := key
	parentCert := t
	if parent != nil {
		signer = parent.Key
		parentCert = parent.Cert
	}
	der, err := x509.CreateCertificate(nil, t, parentCert, key.Public(), signer.Signer())
	if err != nil {
		panic("forge: " + label + ": " + err.Error())
	}
	if spec.Version == 1 || spec.Version == 2 || spec.MutateTBS != nil {
		der = resign(der, signer, func(tbs *TBS) {
			switch spec.Version {
			case 1:
				tbs.Version = 0
				tbs.Extensions = nil
			case 2:
				tbs.Version = 1
			}
			if spec.MutateTBS != nil {
				spec.MutateTBS(tbs)
			}
		})
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic("forge: " + label + ": " + err.Error())
	}
	return &Cert{DER: der, Cert: c, Key: key}
}

// Root returns a self-signed CA certificate for a key derived from label.
func (f *Forge) Root(label string, alg cose.Algorithm) *Cert {
	k := f.Key("root/"+label, alg)
	return f.Issue(label, &CertSpec{CA: true, Subject: pkix.Name{CommonName: label, Organization: []string{"Forge"}}}, k, nil)
}

// Intermediate returns a CA certificate for a key derived from label, signed by parent.
func (f *Forge) Intermediate(label string, alg cose.Algorithm, parent *Cert) *Cert {
	k := f.Key("ca/"+label, alg)
	return f.Issue(label, &CertSpec{CA: true, Subject: pkix.Name{CommonName: label, Organization: []string{"Forge"}}}, k, parent)
}

// TBS is a decoded TBSCertificate (RFC 5280 §4.1) whose parts can be changed
// before re-signing. Validity, names and the key stay raw so they re-encode
// byte for byte.
type TBS struct {
	Raw                asn1.RawContent
	Version            int `asn1:"optional,explicit,default:0,tag:0"`
	SerialNumber       *big.Int
	SignatureAlgorithm asn1.RawValue
	Issuer             asn1.RawValue
	Validity           asn1.RawValue
	Subject            asn1.RawValue
	PublicKey          asn1.RawValue
	IssuerUniqueID     asn1.BitString   `asn1:"optional,tag:1"`
	SubjectUniqueID    asn1.BitString   `asn1:"optional,tag:2"`
	Extensions         []pkix.Extension `asn1:"omitempty,optional,explicit,tag:3"`
}

type certificate struct {
	TBS       asn1.RawValue
	Algorithm asn1.RawValue
	Signature asn1.BitString
}

// resign decodes der, lets mutate change its TBSCertificate, and signs it again with signer.
func resign(der []byte, signer *Key, mutate func(*TBS)) []byte {
	var c certificate
	if rest, err := asn1.Unmarshal(der, &c); err != nil || len(rest) != 0 {
		panic("forge: resign: bad certificate")
	}
	var tbs TBS
	if _, err := asn1.Unmarshal(c.TBS.FullBytes, &tbs); err != nil {
		panic("forge: resign: " + err.Error())
	}
	mutate(&tbs)
	tbs.Raw = nil
	tbsDER, err := asn1.Marshal(tbs)
	if err != nil {
		panic("forge: resign: " + err.Error())
	}
	sig := signTBS(signer, tbsDER)
	out, err := asn1.Marshal(certificate{
		TBS:       asn1.RawValue{FullBytes: tbsDER},
		Algorithm: c.Algorithm,
		Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
	if err != nil {
		panic("forge: resign: " + err.Error())
	}
	return out
}

// signTBS signs with the hash crypto/x509 picks for the key: SHA-256/384/512
// for ECDSA P-256/384/521, SHA-256 PKCS #1 v1.5 for RSA, pure Ed25519.
func signTBS(k *Key, tbs []byte) []byte {
	var h crypto.Hash
	switch p := k.Private.(type) {
	case *ecdsa.PrivateKey:
		switch p.Curve.Params().BitSize {
		case 384:
			h = crypto.SHA384
		case 521:
			h = crypto.SHA512
		default:
			h = crypto.SHA256
		}
	case *rsa.PrivateKey:
		h = crypto.SHA256
	case ed25519.PrivateKey:
		return ed25519.Sign(p, tbs)
	}
	sig, err := k.Signer().Sign(nil, digest(h, tbs), h)
	if err != nil {
		panic("forge: " + err.Error())
	}
	return sig
}

// AAGUIDExtension is id-fido-gen-ce-aaguid (§8.2.1): an extnValue holding a
// DER OCTET STRING of the 16-byte AAGUID.
func AAGUIDExtension(aaguid []byte, critical bool) pkix.Extension {
	v, err := asn1.Marshal(aaguid)
	if err != nil {
		panic(err)
	}
	return pkix.Extension{Id: OIDFIDOGenCeAAGUID, Critical: critical, Value: v}
}

// PackedLeafSpec is a certificate meeting the packed attestation certificate
// requirements (§8.2.1): version 3, subject C, O, OU "Authenticator
// Attestation" and CN, basicConstraints cA=FALSE, and, when aaguid is not
// nil, a non-critical id-fido-gen-ce-aaguid extension.
func PackedLeafSpec(aaguid []byte) *CertSpec {
	s := &CertSpec{
		Subject: pkix.Name{
			Country:            []string{"US"},
			Organization:       []string{"Forge Authenticators"},
			OrganizationalUnit: []string{"Authenticator Attestation"},
			CommonName:         "Forge Packed Attestation",
		},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if aaguid != nil {
		s.Extensions = []pkix.Extension{AAGUIDExtension(aaguid, false)}
	}
	return s
}
