// Package softauthn is a software authenticator and client for load tests:
// one P-256 (ES256) credential per user, "none" attestation, and the JSON a
// browser's PublicKeyCredential.toJSON() gives (WebAuthn L3 §5.1
// RegistrationResponseJSON, AuthenticationResponseJSON), built by hand so
// that the client side of a load test costs one ECDSA signature and a few
// hundred bytes of appends per ceremony.
//
// Its signature counter is atomic and strictly increasing per credential, so
// a server that stores a counter lower than one it accepted has gone
// backwards (§6.1.1).
package softauthn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"sync/atomic"
)

// Flags of authenticator data (§6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

// credentialIDSize is the size of the credential IDs it makes (§4: at
// least 16 bytes of entropy).
const credentialIDSize = 32

var b64 = base64.RawURLEncoding

// Credential is one public key credential source (§6.4): the key, its ID,
// the user handle it was made for, and the counter.
type Credential struct {
	ID         []byte
	UserHandle []byte
	RPID       string
	key        *ecdsa.PrivateKey
	rpIDHash   [32]byte
	counter    atomic.Uint32
}

// New makes a credential for rpID and userHandle with a fresh key and ID.
func New(rpID string, userHandle []byte) (*Credential, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &Credential{RPID: rpID, UserHandle: append([]byte(nil), userHandle...), key: k, rpIDHash: sha256.Sum256([]byte(rpID))}
	c.ID = make([]byte, credentialIDSize)
	if _, err := rand.Read(c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// Counter returns the last signature counter the credential signed with.
func (c *Credential) Counter() uint32 { return c.counter.Load() }

// clientData returns the clientDataJSON of §5.8.1 for typ.
func clientData(typ string, challenge []byte, origin string) []byte {
	b := make([]byte, 0, 160)
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","challenge":"`...)
	b = b64.AppendEncode(b, challenge)
	b = append(b, `","origin":"`...)
	b = append(b, origin...) // origins here need no JSON escaping
	b = append(b, `","crossOrigin":false}`...)
	return b
}

// coseKey is the COSE_Key of the credential's public key (RFC 9053 EC2,
// ES256), canonical CBOR: {1: 2, 3: -7, -1: 1, -2: x, -3: y}.
func (c *Credential) coseKey(b []byte) []byte {
	var xy [65]byte
	pub, _ := c.key.PublicKey.Bytes() // 0x04 || x || y
	copy(xy[:], pub)
	b = append(b, 0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20)
	b = append(b, xy[1:33]...)
	b = append(b, 0x22, 0x58, 0x20)
	return append(b, xy[33:65]...)
}

// Register returns the RegistrationResponseJSON of a "none" attestation
// (§8.7) for challenge at origin, with UP and UV set and counter 0.
func (c *Credential) Register(challenge []byte, origin string) []byte {
	cdj := clientData("webauthn.create", challenge, origin)
	ad := make([]byte, 0, 37+16+2+len(c.ID)+77)
	ad = append(ad, c.rpIDHash[:]...)
	ad = append(ad, flagUP|flagUV|flagAT, 0, 0, 0, 0)
	ad = append(ad, make([]byte, 16)...) // AAGUID zero, as "none" allows (§5.4.7)
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(c.ID)))
	ad = append(ad, c.ID...)
	ad = c.coseKey(ad)
	// {"fmt": "none", "attStmt": {}, "authData": ad}, CTAP2 canonical order.
	ao := make([]byte, 0, len(ad)+32)
	ao = append(ao, 0xa3, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e',
		0x67, 'a', 't', 't', 'S', 't', 'm', 't', 0xa0,
		0x68, 'a', 'u', 't', 'h', 'D', 'a', 't', 'a')
	if len(ad) < 256 {
		ao = append(ao, 0x58, byte(len(ad)))
	} else {
		ao = append(ao, 0x59, byte(len(ad)>>8), byte(len(ad)))
	}
	ao = append(ao, ad...)

	id := b64.EncodeToString(c.ID)
	b := make([]byte, 0, 1024)
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `","rawId":"`...)
	b = append(b, id...)
	b = append(b, `","type":"public-key","response":{"clientDataJSON":"`...)
	b = b64.AppendEncode(b, cdj)
	b = append(b, `","attestationObject":"`...)
	b = b64.AppendEncode(b, ao)
	b = append(b, `","transports":["internal"]},"authenticatorAttachment":"platform","clientExtensionResults":{}}`...)
	return b
}

// ErrSign is returned when the key fails to sign.
var ErrSign = errors.New("softauthn: signing failed")

// Assert returns the AuthenticationResponseJSON for challenge at origin,
// with UP and UV set, the next counter value, and userHandle; and the
// counter it signed with.
func (c *Credential) Assert(challenge []byte, origin string) ([]byte, uint32, error) {
	n := c.counter.Add(1)
	cdj := clientData("webauthn.get", challenge, origin)
	var ad [37]byte
	copy(ad[:32], c.rpIDHash[:])
	ad[32] = flagUP | flagUV
	binary.BigEndian.PutUint32(ad[33:], n)
	h := sha256.New()
	h.Write(ad[:])
	cdh := sha256.Sum256(cdj)
	h.Write(cdh[:])
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, h.Sum(nil))
	if err != nil {
		return nil, 0, ErrSign
	}
	id := b64.EncodeToString(c.ID)
	b := make([]byte, 0, 768)
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `","rawId":"`...)
	b = append(b, id...)
	b = append(b, `","type":"public-key","response":{"clientDataJSON":"`...)
	b = b64.AppendEncode(b, cdj)
	b = append(b, `","authenticatorData":"`...)
	b = b64.AppendEncode(b, ad[:])
	b = append(b, `","signature":"`...)
	b = b64.AppendEncode(b, sig)
	b = append(b, `","userHandle":"`...)
	b = b64.AppendEncode(b, c.UserHandle)
	b = append(b, `"},"authenticatorAttachment":"platform","clientExtensionResults":{}}`...)
	return b, n, nil
}
