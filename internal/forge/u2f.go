package forge

import (
	"crypto/ecdsa"
	"crypto/x509/pkix"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
)

// U2FVerificationData is the data a FIDO U2F authenticator signs (§8.6 step
// 5): 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ 0x04 ‖ x ‖ y.
func U2FVerificationData(rpIDHash, clientDataHash, credentialID []byte, cred *ecdsa.PublicKey) []byte {
	x, y := ECPoint(cred)
	b := []byte{0}
	b = append(b, rpIDHash...)
	b = append(b, clientDataHash...)
	b = append(b, credentialID...)
	b = append(b, 4)
	b = append(b, x...)
	return append(b, y...)
}

// FIDOU2F returns a fido-u2f statement (§8.6) {"sig", "x5c": chain} whose sig
// is an ES256 signature by att over U2FVerificationData. The credential key
// must be ECDSA (any curve: the coordinates are used as they are).
func (r *Registration) FIDOU2F(att *Key, chain ...*Cert) Stmt {
	cred := r.Cred.Public().(*ecdsa.PublicKey)
	data := U2FVerificationData(r.AuthData.RPIDHashBytes(), r.ClientDataHash(), r.AuthData.CredentialID, cred)
	signer := &Key{Alg: cose.ES256, Private: att.Private}
	return Stmt{"sig": signer.Sign(data), "x5c": X5C(chain...)}
}

// U2FLeaf issues a U2F attestation certificate for att signed by ca.
func (f *Forge) U2FLeaf(label string, att *Key, ca *Cert) *Cert {
	return f.Issue(label, &CertSpec{Subject: pkix.Name{CommonName: "Forge U2F " + label}}, att, ca)
}

// U2FRegistration returns a registration shaped like a U2F one: zero AAGUID.
func (f *Forge) U2FRegistration(label string, cred *Key) *Registration {
	r := f.Registration(label, cred)
	r.AuthData.AAGUID = authdata.AAGUID{}
	r.AuthData.Flags = FlagUP
	return r
}
