// Package mdsgen writes FIDO Metadata Service (MDS3) BLOBs for the
// benchmarks: a JWS (ES256, x5c = signer and CA) over a payload whose entries
// carry the trust anchors the bench chooses, in a form both
// passkeykit/webauthn's mds.Load and go-webauthn's metadata decoder accept.
//
// Two uses: a small BLOB naming the shared vectors' anchors, so that
// go-webauthn judges packed, fido-u2f and tpm chains against the same roots
// as ours (like-for-like), and a full-size BLOB (thousands of entries, each
// with its own root certificate, icons as in the production BLOB) for the
// load-time comparison.
package mdsgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Validity of every certificate this package makes: wide enough that both
// sides accept it at any instant a benchmark runs (go-webauthn judges at
// time.Now()).
var (
	NotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	NotAfter  = time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)
)

// PKI is an MDS signing hierarchy: Root (the anchor a relying party
// configures) → CA → Signer (the JWS key). The BLOB's x5c is [Signer, CA].
type PKI struct {
	Root, CA, Signer *x509.Certificate
	signerKey        *ecdsa.PrivateKey
	serial           int64
}

// NewPKI makes a fresh hierarchy with P-256 keys.
func NewPKI() (*PKI, error) {
	p := &PKI{}
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if p.signerKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if p.Root, err = p.issue("Bench MDS Root", true, nil, rootKey, rootKey); err != nil {
		return nil, err
	}
	if p.CA, err = p.issue("Bench MDS CA", true, p.Root, caKey, rootKey); err != nil {
		return nil, err
	}
	// The signer carries the FIDO MDS signer name, which mds.Load pins by
	// default (mds.DefaultSigner).
	if p.Signer, err = p.issue("mds.fidoalliance.org", false, p.CA, p.signerKey, caKey); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *PKI) issue(cn string, ca bool, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) (*x509.Certificate, error) {
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(p.serial),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"passkeykit bench"}},
		NotBefore:             NotBefore,
		NotAfter:              NotAfter,
		BasicConstraintsValid: true,
		IsCA:                  ca,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// RootB64 is the root certificate in standard base64, as go-webauthn's
// metadata.WithRootCertificate takes it.
func (p *PKI) RootB64() string { return base64.StdEncoding.EncodeToString(p.Root.Raw) }

// Entry is one MetadataBLOBPayloadEntry to write.
type Entry struct {
	// AAGUID identifies a FIDO2 authenticator; nil for a U2F one, which is
	// found by KeyIDs (hex SHA-1 key identifiers, MDS3 §3.1.1).
	AAGUID *[16]byte
	KeyIDs []string
	// Roots are the attestationRootCertificates, DER.
	Roots [][]byte
	// AttestationTypes as in the metadata statement ("basic_full", "attca").
	AttestationTypes []string
	// ProtocolFamily is "fido2" or "u2f".
	ProtocolFamily string
	// IconBytes pads the entry with a data: URL icon of about this size, as
	// the production BLOB's icons dominate its size.
	IconBytes int
}

// KeyID is the MDS3 attestation certificate key identifier of c: the
// lowercase hex SHA-1 of its subjectPublicKey BIT STRING contents (RFC 5280
// §4.2.1.2 method 1), or its subjectKeyIdentifier when it has one (what
// go-webauthn looks up first).
func KeyID(c *x509.Certificate) string {
	if len(c.SubjectKeyId) > 0 {
		return hex.EncodeToString(c.SubjectKeyId)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return ""
	}
	h := sha1.Sum(spki.PublicKey.Bytes)
	return hex.EncodeToString(h[:])
}

type obj = map[string]any

func (e *Entry) json(i int) obj {
	family := e.ProtocolFamily
	if family == "" {
		family = "fido2"
	}
	types := e.AttestationTypes
	if len(types) == 0 {
		types = []string{"basic_full"}
	}
	roots := make([]string, len(e.Roots))
	for k, r := range e.Roots {
		roots[k] = base64.StdEncoding.EncodeToString(r)
	}
	desc := "Bench Authenticator " + strconv.Itoa(i)
	st := obj{
		"legalHeader":                 "https://fidoalliance.org/metadata/metadata-statement-legal-header/",
		"description":                 desc,
		"alternativeDescriptions":     obj{"de-DE": desc + " (de)", "fr-FR": desc + " (fr)"},
		"authenticatorVersion":        5,
		"protocolFamily":              family,
		"schema":                      3,
		"upv":                         []obj{{"major": 1, "minor": 1}, {"major": 1, "minor": 0}},
		"authenticationAlgorithms":    []string{"secp256r1_ecdsa_sha256_raw", "ed25519_eddsa_sha512_raw"},
		"publicKeyAlgAndEncodings":    []string{"cose"},
		"attestationTypes":            types,
		"userVerificationDetails":     [][]obj{{{"userVerificationMethod": "presence_internal"}}, {{"userVerificationMethod": "passcode_external"}, {"userVerificationMethod": "presence_internal"}}},
		"keyProtection":               []string{"hardware", "secure_element"},
		"matcherProtection":           []string{"on_chip"},
		"cryptoStrength":              128,
		"attachmentHint":              []string{"external", "wired", "nfc"},
		"tcDisplay":                   []string{},
		"attestationRootCertificates": roots,
	}
	entry := obj{
		"metadataStatement": st,
		"statusReports": []obj{
			{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-03-01", "certificationDescriptor": desc, "certificateNumber": "FIDO20020210301" + strconv.Itoa(1000+i%9000), "certificationPolicyVersion": "1.4.0", "certificationRequirementsVersion": "1.3"},
			{"status": "FIDO_CERTIFIED", "effectiveDate": "2021-03-01"},
		},
		"timeOfLastStatusChange": "2021-03-01",
	}
	if e.AAGUID != nil {
		a := formatAAGUID(*e.AAGUID)
		entry["aaguid"], st["aaguid"] = a, a
		st["authenticatorGetInfo"] = obj{
			"versions":     []string{"U2F_V2", "FIDO_2_0", "FIDO_2_1"},
			"extensions":   []string{"credProtect", "hmac-secret"},
			"aaguid":       strings.ReplaceAll(a, "-", ""),
			"options":      obj{"rk": true, "up": true, "plat": false, "clientPin": true},
			"maxMsgSize":   1200,
			"transports":   []string{"usb", "nfc"},
			"algorithms":   []obj{{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -8}},
			"minPINLength": 4,
		}
	}
	if len(e.KeyIDs) > 0 {
		entry["attestationCertificateKeyIdentifiers"] = e.KeyIDs
		st["attestationCertificateKeyIdentifiers"] = e.KeyIDs
	}
	if e.IconBytes > 0 {
		st["icon"] = icon(e.IconBytes, i)
	}
	return entry
}

// icon is a data: URL of about n bytes, distinct per i.
func icon(n, i int) string {
	raw := make([]byte, n*3/4)
	seed := sha256.Sum256([]byte("icon" + strconv.Itoa(i)))
	for k := range raw {
		raw[k] = seed[k%len(seed)] ^ byte(k)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(raw)
}

func formatAAGUID(a [16]byte) string {
	h := hex.EncodeToString(a[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Sign returns the BLOB: a compact JWS, ES256, header {alg, x5c: [Signer,
// CA]}, over {legalHeader, no, nextUpdate, entries}.
func (p *PKI) Sign(no int, nextUpdate string, entries []Entry) ([]byte, error) {
	list := make([]obj, len(entries))
	for i := range entries {
		list[i] = entries[i].json(i)
	}
	payload, err := json.Marshal(obj{
		"legalHeader": "Retrieval and use of this BLOB indicates acceptance of the appropriate agreement located at https://fidoalliance.org/metadata/metadata-legal-terms/",
		"no":          no,
		"nextUpdate":  nextUpdate,
		"entries":     list,
	})
	if err != nil {
		return nil, err
	}
	header, err := json.Marshal(obj{
		"alg": "ES256",
		"typ": "JWT",
		"x5c": []string{base64.StdEncoding.EncodeToString(p.Signer.Raw), base64.StdEncoding.EncodeToString(p.CA.Raw)},
	})
	if err != nil {
		return nil, err
	}
	b64 := base64.RawURLEncoding
	signed := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	h := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, p.signerKey, h[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return []byte(signed + "." + b64.EncodeToString(sig)), nil
}

// Filler returns n FIDO2 entries with AAGUIDs ff00…<n>, each with its own
// root certificate (signed by one of a few keys, as vendors do), two status
// reports and an icon of iconBytes.
func Filler(n, iconBytes int) ([]Entry, error) {
	var keys [8]*ecdsa.PrivateKey
	for i := range keys {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	out := make([]Entry, n)
	for i := range out {
		k := keys[i%len(keys)]
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(int64(1000 + i)),
			Subject:               pkix.Name{CommonName: "Bench Vendor Root " + strconv.Itoa(i), Organization: []string{"Bench Vendor " + strconv.Itoa(i%97)}, Country: []string{"US"}},
			NotBefore:             NotBefore,
			NotAfter:              NotAfter,
			BasicConstraintsValid: true,
			IsCA:                  true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			return nil, err
		}
		var a [16]byte
		a[0], a[1], a[12], a[13], a[14], a[15] = 0xff, 0x00, byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		out[i] = Entry{AAGUID: &a, Roots: [][]byte{der}, IconBytes: iconBytes}
	}
	return out, nil
}
