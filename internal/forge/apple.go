package forge

import (
	"crypto/sha256"
	"crypto/x509/pkix"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// AppleNonce is SHA-256(authenticatorData ‖ clientDataHash) (§8.8 step 2-3).
func AppleNonce(authData, clientDataHash []byte) []byte {
	h := sha256.New()
	h.Write(authData)
	h.Write(clientDataHash)
	return h.Sum(nil)
}

// AppleNonceExtension is extension 1.2.840.113635.100.8.2 (§8.8 step 4) with
// value SEQUENCE { [1] EXPLICIT OCTET STRING nonce }.
func AppleNonceExtension(nonce []byte) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(nonce)
		})
	})
	return pkix.Extension{Id: OIDAppleNonce, Value: b.BytesOrPanic()}
}

// AppleCredCert issues the apple credCert: subject key subjectKey (normally
// the credential key), the nonce extension, signed by ca. edit, when not nil,
// changes the spec before issuing.
func (f *Forge) AppleCredCert(label string, subjectKey *Key, ca *Cert, nonce []byte, edit func(*CertSpec)) *Cert {
	s := &CertSpec{
		Subject:    pkix.Name{CommonName: "Forge Apple credential " + label, Organization: []string{"Forge Apple"}},
		Extensions: []pkix.Extension{AppleNonceExtension(nonce)},
	}
	if edit != nil {
		edit(s)
	}
	return f.Issue(label, s, subjectKey, ca)
}

// Apple returns an apple anonymous attestation statement (§8.8) {"x5c": chain}
// with a credCert for the credential key and the nonce of this registration,
// issued by ca; more CA certificates may follow in x5c. It returns the
// credCert too.
func (r *Registration) Apple(f *Forge, label string, ca *Cert, more ...*Cert) (Stmt, *Cert) {
	ad, cdh := r.SignedData()
	leaf := f.AppleCredCert(label, r.Cred, ca, AppleNonce(ad, cdh), nil)
	return Stmt{"x5c": X5C(append([]*Cert{leaf, ca}, more...)...)}, leaf
}
