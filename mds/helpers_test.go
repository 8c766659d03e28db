package mds

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/trust"
)

// Test PKI: every key is derived from a label, so runs are reproducible
// (ECDSA signatures themselves are randomized by crypto/ecdsa).
var (
	testAt     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	certStart  = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	certEnd    = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	serialSeed int64
	serialMu   sync.Mutex
)

func testKey(label string) *ecdsa.PrivateKey {
	h := sha512.Sum512([]byte("mds-test-key/" + label))
	// Reduce into [1, n-1] for P-256.
	n := elliptic.P256().Params().N
	d := new(big.Int).SetBytes(h[:])
	d.Mod(d, new(big.Int).Sub(n, big.NewInt(1)))
	d.Add(d, big.NewInt(1))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d.FillBytes(make([]byte, 32)))
	if err != nil {
		panic(err)
	}
	return k
}

type cert struct {
	c   *x509.Certificate
	key crypto.Signer
	f   *forge.Cert
}

func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serialSeed++
	return big.NewInt(0x1000 + serialSeed)
}

// testForge issues the test PKI's certificates (internal/forge, the tests'
// one certificate builder).
var testForge = forge.New("mds-test")

// issue makes a certificate for label signed by parent (self-signed when nil),
// with dns as its subjectAltName dNSNames.
func issue(label string, isCA bool, parent *cert, key crypto.Signer, dns ...string) *cert {
	if key == nil {
		key = testKey(label)
	}
	spec := &forge.CertSpec{
		Subject:   pkix.Name{CommonName: label, Organization: []string{"passkeykit test"}},
		NotBefore: certStart,
		NotAfter:  certEnd,
		Serial:    nextSerial(),
		CA:        isCA,
		DNSNames:  dns,
	}
	if !isCA {
		spec.KeyUsage = x509.KeyUsageDigitalSignature
	}
	var p *forge.Cert
	if parent != nil {
		p = parent.f
	}
	c := testForge.Issue(label, spec, &forge.Key{Private: key}, p)
	return &cert{c: c.Cert, key: key, f: c}
}

// mdsPKI is a test MDS: root -> intermediate -> signing leaf, the leaf named
// like the production signer (dNSName mds.fidoalliance.org).
type mdsPKI struct {
	root, inter, leaf *cert
}

var (
	pkiOnce sync.Once
	thePKI  *mdsPKI
)

func testPKI() *mdsPKI {
	pkiOnce.Do(func() {
		root := issue("Test MDS Root", true, nil, nil)
		inter := issue("Test MDS CA", true, root, nil)
		leaf := issue("Test MDS Signer", false, inter, nil, "mds.fidoalliance.org")
		thePKI = &mdsPKI{root, inter, leaf}
	})
	return thePKI
}

func (p *mdsPKI) opts() *LoadOptions {
	return &LoadOptions{Roots: trust.NewPool(p.root.c), At: testAt}
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testRSAKey() *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

// signJWS signs payload as a compact JWS with alg, key and the x5c chain.
func signJWS(t testing.TB, header map[string]any, payload []byte, key crypto.Signer) []byte {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding
	signed := b64.EncodeToString(h) + "." + b64.EncodeToString(payload)
	alg, _ := header["alg"].(string)
	var sig []byte
	switch alg {
	case "ES256":
		d := sha256.Sum256([]byte(signed))
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), d[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	case "RS256":
		d := sha256.Sum256([]byte(signed))
		sig, err = rsa.SignPKCS1v15(nil, key.(*rsa.PrivateKey), crypto.SHA256, d[:])
	case "PS256":
		d := sha256.Sum256([]byte(signed))
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	default:
		sig = []byte("not a signature")
	}
	if err != nil {
		t.Fatal(err)
	}
	return []byte(signed + "." + b64.EncodeToString(sig))
}

func x5c(certs ...*cert) []string {
	var out []string
	for _, c := range certs {
		out = append(out, base64.StdEncoding.EncodeToString(c.c.Raw))
	}
	return out
}

// signBLOB signs payload with the test PKI's leaf, x5c = leaf, intermediate.
func (p *mdsPKI) signBLOB(t testing.TB, payload any) []byte {
	t.Helper()
	b, ok := payload.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(payload); err != nil {
			t.Fatal(err)
		}
	}
	return signJWS(t, map[string]any{"alg": "ES256", "typ": "JWT", "x5c": x5c(p.leaf, p.inter)}, b, p.leaf.key)
}

type obj = map[string]any

func payload(no int, next string, entries ...any) obj {
	if entries == nil {
		entries = []any{}
	}
	return obj{"legalHeader": "test", "no": no, "nextUpdate": next, "entries": entries}
}

// fido2Entry is a FIDO2 entry for aaguid with the given roots and reports.
func fido2Entry(aaguid authdata.AAGUID, roots []*cert, reports ...obj) obj {
	if len(reports) == 0 {
		reports = []obj{{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-01-01"}}
	}
	return obj{
		"aaguid": aaguid.String(),
		"metadataStatement": obj{
			"aaguid":                      aaguid.String(),
			"description":                 "Test Key " + aaguid.String()[:8],
			"icon":                        "data:image/png;base64,iVBORw0KGgo=",
			"protocolFamily":              "fido2",
			"authenticatorVersion":        5,
			"schema":                      3,
			"attestationTypes":            []string{"basic_full"},
			"authenticationAlgorithms":    []string{"secp256r1_ecdsa_sha256_raw"},
			"attestationRootCertificates": x5c(roots...),
			"userVerificationDetails":     [][]obj{{{"userVerificationMethod": "presence_internal"}}, {{"userVerificationMethod": "passcode_external", "caDesc": obj{"base": 10, "minLength": 4}}}},
			"keyProtection":               []string{"hardware", "secure_element"},
		},
		"statusReports":          reports,
		"timeOfLastStatusChange": "2021-01-01",
	}
}

func aaguidN(n int) authdata.AAGUID {
	var a authdata.AAGUID
	a[0], a[14], a[15] = 0xa0, byte(n>>8), byte(n)
	return a
}
