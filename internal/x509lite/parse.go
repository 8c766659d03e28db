package x509lite

import (
	"bytes"
	"errors"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Limits. Each is far above any attestation certificate seen in the field and
// bounds the work one certificate can cause.
const (
	// MaxCertificateSize bounds the DER of one certificate (the largest in the
	// vectors and embedded roots is under 2.1 KiB).
	MaxCertificateSize = 8192
	// MaxSerialLen is RFC 5280 §4.1.2.2's "no longer than 20 octets" for the
	// serialNumber content, plus the one leading zero a positive 20-octet
	// serial needs.
	MaxSerialLen = 21
	// MaxExtensions bounds the extensions of one certificate; duplicates are
	// found by pairwise comparison, so this also bounds that work.
	MaxExtensions = 32
	// MaxPolicies bounds the certificatePolicies entries (pairwise duplicate check).
	MaxPolicies = 16
)

// Errors. Parse returns exactly one of these.
var (
	ErrMalformed         = errors.New("x509lite: malformed certificate")
	ErrTooLarge          = errors.New("x509lite: certificate exceeds a limit")
	ErrUnsupported       = errors.New("x509lite: unsupported signature or public key algorithm")
	ErrCriticalExtension = errors.New("x509lite: unhandled critical extension")
	ErrNameConstraints   = errors.New("x509lite: name constraints are not supported")
)

// SignatureAlgorithm is a certificate's signature algorithm.
type SignatureAlgorithm uint8

// The signature algorithms Parse accepts (RFC 3279 §2.2.3, RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3).
const (
	UnknownSignatureAlgorithm SignatureAlgorithm = iota
	SHA1WithRSA
	ECDSAWithSHA1
	SHA256WithRSA
	SHA384WithRSA
	SHA512WithRSA
	ECDSAWithSHA256
	ECDSAWithSHA384
	ECDSAWithSHA512
	PureEd25519
)

// PublicKeyAlgorithm is the algorithm of a SubjectPublicKeyInfo.
type PublicKeyAlgorithm uint8

// The public key algorithms Parse accepts (RFC 3279 §2.3, RFC 5480 §2, RFC 8410 §4).
const (
	UnknownPublicKeyAlgorithm PublicKeyAlgorithm = iota
	RSA
	ECDSAP256
	ECDSAP384
	ECDSAP521
	Ed25519
)

// KeyUsage holds the keyUsage bits (RFC 5280 §4.2.1.3), bit i of the BIT
// STRING as 1<<i, the numbering crypto/x509.KeyUsage uses.
type KeyUsage uint16

// The KeyUsage bits.
const (
	KeyUsageDigitalSignature KeyUsage = 1 << iota
	KeyUsageContentCommitment
	KeyUsageKeyEncipherment
	KeyUsageDataEncipherment
	KeyUsageKeyAgreement
	KeyUsageCertSign
	KeyUsageCRLSign
	KeyUsageEncipherOnly
	KeyUsageDecipherOnly
)

// Certificate is a parsed certificate. Every []byte field aliases the input.
type Certificate struct {
	Raw    []byte // the whole certificate
	RawTBS []byte // the TBSCertificate element: the signed bytes
	// Version is 1, 2 or 3 (the DER value plus one, as crypto/x509).
	Version int
	// Serial is the serialNumber INTEGER content, two's complement; it may be
	// negative (see the package comment).
	Serial             []byte
	SignatureAlgorithm SignatureAlgorithm
	Signature          []byte // the signature BIT STRING content (no unused bits)
	RawIssuer          []byte // the issuer Name element
	RawSubject         []byte // the subject Name element
	NotBefore          time.Time
	NotAfter           time.Time
	RawSPKI            []byte // the SubjectPublicKeyInfo element
	PublicKeyAlgorithm PublicKeyAlgorithm
	// PublicKeyBytes is the subjectPublicKey BIT STRING content: the
	// uncompressed point, the RSAPublicKey DER, or the Ed25519 key.
	PublicKeyBytes []byte

	// BasicConstraintsValid, IsCA, MaxPathLen and MaxPathLenZero follow
	// crypto/x509: MaxPathLen is -1 when basicConstraints is present without
	// pathLenConstraint, 0 when absent, and MaxPathLenZero tells an explicit 0.
	BasicConstraintsValid bool
	IsCA                  bool
	MaxPathLen            int
	MaxPathLenZero        bool
	KeyUsage              KeyUsage
	HasKeyUsage           bool

	// The extension values (the OCTET STRING contents) the verifiers read; nil
	// when absent. Criticality is in the matching …Critical field.
	ExtKeyUsage                   []byte // SEQUENCE OF KeyPurposeId, validated
	SubjectAltName                []byte // GeneralNames, validated as crypto/x509 does
	SubjectAltNameCritical        bool
	SubjectKeyID                  []byte // the keyIdentifier OCTET STRING content
	AuthorityKeyID                []byte // the [0] keyIdentifier content, if present
	FIDOAAGUID                    []byte // id-fido-gen-ce-aaguid value
	FIDOAAGUIDCritical            bool
	AppleNonce                    []byte // Apple anonymous attestation nonce value
	AppleNonceCritical            bool
	AndroidKeyDescription         []byte // Android key attestation KeyDescription value
	AndroidKeyDescriptionCritical bool
}

var (
	tagVersion    = asn1.Tag(0).Constructed().ContextSpecific()
	tagIssuerUID  = asn1.Tag(1).ContextSpecific()
	tagSubjectUID = asn1.Tag(2).ContextSpecific()
	tagExtensions = asn1.Tag(3).Constructed().ContextSpecific()
)

// Parse parses one DER certificate (RFC 5280 §4.1) into c. It rejects
// trailing bytes after the certificate and inside every structure it reads,
// signature and public key algorithms outside the listed ones, non-zero unused
// bits in the signature or key, times other than YYMMDDHHMMSSZ and
// YYYYMMDDHHMMSSZ, duplicate extensions, unknown critical extensions, name
// constraints (ErrNameConstraints), and anything crypto/x509 rejects except a
// negative serial. On error c is left zero. c aliases der.
func Parse(der []byte, c *Certificate) error {
	*c = Certificate{}
	if len(der) > MaxCertificateSize {
		return ErrTooLarge
	}
	if err := parse(der, c); err != nil {
		*c = Certificate{}
		return err
	}
	return nil
}

func parse(der []byte, c *Certificate) error {
	in := cryptobyte.String(der)
	var raw, cert, tbsEl, tbs, sigAI, outerAI, spkiEl, spki, validity cryptobyte.String
	if !in.ReadASN1Element(&raw, asn1.SEQUENCE) || !in.Empty() {
		return ErrMalformed
	}
	c.Raw = raw
	if !raw.ReadASN1(&cert, asn1.SEQUENCE) || !cert.ReadASN1Element(&tbsEl, asn1.SEQUENCE) {
		return ErrMalformed
	}
	c.RawTBS = tbsEl
	if !tbsEl.ReadASN1(&tbs, asn1.SEQUENCE) {
		return ErrMalformed
	}
	version := 0
	if tbs.PeekASN1Tag(tagVersion) {
		var v cryptobyte.String
		if !tbs.ReadASN1(&v, tagVersion) || !readSmallUint(&v, asn1.INTEGER, &version) || !v.Empty() || version > 2 {
			return ErrMalformed
		}
	}
	c.Version = version + 1
	var serial cryptobyte.String
	if !tbs.ReadASN1(&serial, asn1.INTEGER) || !minimalInteger(serial) {
		return ErrMalformed
	}
	if len(serial) > MaxSerialLen {
		return ErrTooLarge
	}
	c.Serial = serial
	if !tbs.ReadASN1(&sigAI, asn1.SEQUENCE) || !cert.ReadASN1(&outerAI, asn1.SEQUENCE) || !bytes.Equal(sigAI, outerAI) {
		return ErrMalformed
	}
	if c.SignatureAlgorithm = signatureAlgorithm(sigAI); c.SignatureAlgorithm == UnknownSignatureAlgorithm {
		return ErrUnsupported
	}
	var issuer, subject, name cryptobyte.String
	if !tbs.ReadASN1Element(&issuer, asn1.SEQUENCE) || !tbs.ReadASN1(&validity, asn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, asn1.SEQUENCE) {
		return ErrMalformed
	}
	c.RawIssuer, c.RawSubject = issuer, subject
	if name = issuer; !name.ReadASN1(&name, asn1.SEQUENCE) || !validName(name) {
		return ErrMalformed
	}
	if name = subject; !name.ReadASN1(&name, asn1.SEQUENCE) || !validName(name) {
		return ErrMalformed
	}
	if !readTime(&validity, &c.NotBefore) || !readTime(&validity, &c.NotAfter) || !validity.Empty() {
		return ErrMalformed
	}
	if !tbs.ReadASN1Element(&spkiEl, asn1.SEQUENCE) {
		return ErrMalformed
	}
	c.RawSPKI = spkiEl
	var pkAI, pk cryptobyte.String
	if !spkiEl.ReadASN1(&spki, asn1.SEQUENCE) || !spki.ReadASN1(&pkAI, asn1.SEQUENCE) ||
		!readBits(&spki, &pk) || !spki.Empty() {
		return ErrMalformed
	}
	c.PublicKeyBytes = pk
	if c.PublicKeyAlgorithm = publicKeyAlgorithm(pkAI); c.PublicKeyAlgorithm == UnknownPublicKeyAlgorithm {
		return ErrUnsupported
	}
	if !validPublicKey(c.PublicKeyAlgorithm, pk) {
		return ErrMalformed
	}
	if c.Version > 1 {
		if !tbs.SkipOptionalASN1(tagIssuerUID) || !tbs.SkipOptionalASN1(tagSubjectUID) {
			return ErrMalformed
		}
	}
	if c.Version == 3 && tbs.PeekASN1Tag(tagExtensions) {
		var exts cryptobyte.String
		if !tbs.ReadASN1(&exts, tagExtensions) || !exts.ReadASN1(&exts, asn1.SEQUENCE) {
			return ErrMalformed
		}
		if err := parseExtensions(exts, c); err != nil {
			return err
		}
	}
	if !tbs.Empty() {
		return ErrMalformed
	}
	var sig cryptobyte.String
	if !readBits(&cert, &sig) || !cert.Empty() {
		return ErrMalformed
	}
	c.Signature = sig
	return nil
}

// readBits reads a BIT STRING with no unused bits and returns its bytes.
func readBits(s *cryptobyte.String, out *cryptobyte.String) bool {
	var b cryptobyte.String
	if !s.ReadASN1(&b, asn1.BIT_STRING) || len(b) == 0 || b[0] != 0 {
		return false
	}
	*out = b[1:]
	return true
}

// DER encodings of the AlgorithmIdentifier contents Parse accepts.
var (
	oidSHA1WithRSA   = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05}
	oidSHA256WithRSA = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b}
	oidSHA384WithRSA = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c}
	oidSHA512WithRSA = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d}
	oidECDSAWithSHA2 = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03} // + 2, 3, 4
	oidECDSAWithSHA1 = []byte{0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01}
	oidEd25519       = []byte{0x06, 0x03, 0x2b, 0x65, 0x70}
	derNull          = []byte{0x05, 0x00}

	oidRSAEncryption = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}
	oidECPublicKey   = []byte{0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}
	oidP256          = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	oidP384          = []byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}
	oidP521          = []byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}
)

// signatureAlgorithm maps an AlgorithmIdentifier content to the algorithm:
// RSA with NULL or absent parameters, ECDSA and Ed25519 with absent ones.
func signatureAlgorithm(ai []byte) SignatureAlgorithm {
	if len(ai) == len(oidECDSAWithSHA2)+1 && bytes.Equal(ai[:len(ai)-1], oidECDSAWithSHA2) {
		switch ai[len(ai)-1] {
		case 2:
			return ECDSAWithSHA256
		case 3:
			return ECDSAWithSHA384
		case 4:
			return ECDSAWithSHA512
		}
		return UnknownSignatureAlgorithm
	}
	if bytes.Equal(ai, oidEd25519) {
		return PureEd25519
	}
	if bytes.Equal(ai, oidECDSAWithSHA1) {
		return ECDSAWithSHA1
	}
	oid := ai
	if len(ai) > 2 && bytes.Equal(ai[len(ai)-2:], derNull) {
		oid = ai[:len(ai)-2]
	}
	switch {
	case bytes.Equal(oid, oidSHA1WithRSA):
		return SHA1WithRSA
	case bytes.Equal(oid, oidSHA256WithRSA):
		return SHA256WithRSA
	case bytes.Equal(oid, oidSHA384WithRSA):
		return SHA384WithRSA
	case bytes.Equal(oid, oidSHA512WithRSA):
		return SHA512WithRSA
	}
	return UnknownSignatureAlgorithm
}

// publicKeyAlgorithm maps an SPKI AlgorithmIdentifier content: rsaEncryption
// with NULL parameters (as crypto/x509 requires), id-ecPublicKey with a named
// P-256, P-384 or P-521 curve, Ed25519 with absent parameters.
func publicKeyAlgorithm(ai []byte) PublicKeyAlgorithm {
	switch {
	case bytes.Equal(ai, oidEd25519):
		return Ed25519
	case len(ai) == len(oidRSAEncryption)+2 && bytes.Equal(ai[:len(oidRSAEncryption)], oidRSAEncryption) && bytes.Equal(ai[len(oidRSAEncryption):], derNull):
		return RSA
	case len(ai) > len(oidECPublicKey) && bytes.Equal(ai[:len(oidECPublicKey)], oidECPublicKey):
		switch p := ai[len(oidECPublicKey):]; {
		case bytes.Equal(p, oidP256):
			return ECDSAP256
		case bytes.Equal(p, oidP384):
			return ECDSAP384
		case bytes.Equal(p, oidP521):
			return ECDSAP521
		}
	}
	return UnknownPublicKeyAlgorithm
}

// validPublicKey checks the key's encoding: an uncompressed point of the
// curve's length, an RSAPublicKey with positive minimal modulus and a
// positive exponent below 2^31, or 32 Ed25519 bytes. Whether the point is on
// the curve is left to PublicKey.
func validPublicKey(alg PublicKeyAlgorithm, k []byte) bool {
	switch alg {
	case ECDSAP256:
		return len(k) == 65 && k[0] == 4
	case ECDSAP384:
		return len(k) == 97 && k[0] == 4
	case ECDSAP521:
		return len(k) == 133 && k[0] == 4
	case Ed25519:
		return len(k) == 32
	case RSA:
		s := cryptobyte.String(k)
		var seq, n cryptobyte.String
		e := 0
		return s.ReadASN1(&seq, asn1.SEQUENCE) && s.Empty() &&
			seq.ReadASN1(&n, asn1.INTEGER) && minimalInteger(n) && n[0]&0x80 == 0 && !(len(n) == 1 && n[0] == 0) &&
			readSmallUint(&seq, asn1.INTEGER, &e) && e > 0 && seq.Empty()
	}
	return false
}
