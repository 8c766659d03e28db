package cognito

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"
)

// softAuthenticator is a software WebAuthn authenticator for the tests: one
// ES256 passkey, "none" attestation, a signature counter it increments.
type softAuthenticator struct {
	key     *ecdsa.PrivateKey
	id      []byte
	aaguid  [16]byte
	counter uint32
	// userHandle is user.id of the registration (the assertion's userHandle).
	userHandle []byte
}

func newAuthenticator(t testing.TB) *softAuthenticator {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &softAuthenticator{key: k, id: id}
}

// Authenticator data flags (WebAuthn L3 §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

// cbor encoders: just what an attestation object and a COSE key need.
func cborHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 256:
		return []byte{major<<5 | 24, byte(n)}
	case n < 65536:
		return []byte{major<<5 | 25, byte(n >> 8), byte(n)}
	}
	return binary.BigEndian.AppendUint32([]byte{major<<5 | 26}, uint32(n))
}

func cborInt(v int64) []byte {
	if v >= 0 {
		return cborHead(0, uint64(v))
	}
	return cborHead(1, uint64(-1-v))
}

func cborBytes(b []byte) []byte { return append(cborHead(2, uint64(len(b))), b...) }
func cborText(s string) []byte  { return append(cborHead(3, uint64(len(s))), s...) }

// coseKey is the EC2 P-256 COSE_Key of the passkey (RFC 9053), keys in
// canonical order.
func (a *softAuthenticator) coseKey() []byte {
	x := make([]byte, 32)
	y := make([]byte, 32)
	a.key.X.FillBytes(x)
	a.key.Y.FillBytes(y)
	b := cborHead(5, 5)
	b = append(append(b, cborInt(1)...), cborInt(2)...)    // kty: EC2
	b = append(append(b, cborInt(3)...), cborInt(-7)...)   // alg: ES256
	b = append(append(b, cborInt(-1)...), cborInt(1)...)   // crv: P-256
	b = append(append(b, cborInt(-2)...), cborBytes(x)...) // x
	return append(append(b, cborInt(-3)...), cborBytes(y)...)
}

func (a *softAuthenticator) authData(rpID string, flags byte, attested bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	b := append(h[:], flags)
	b = binary.BigEndian.AppendUint32(b, a.counter)
	if attested {
		b = append(b, a.aaguid[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.id)))
		b = append(b, a.id...)
		b = append(b, a.coseKey()...)
	}
	return b
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// ceremonyParams are the inputs a browser would give the authenticator and
// put in clientDataJSON; the zero fields are taken from the options.
type ceremonyParams struct {
	origin    string
	rpID      string // rpIdHash's RP ID; "" means the options' rp.id / rpId
	challenge string // "" means the options' challenge
	flags     byte   // 0 means UP|UV
}

// register answers creation options (the CredentialCreationOptions JSON)
// with a RegistrationResponseJSON.
func (a *softAuthenticator) register(t testing.TB, options json.RawMessage, p ceremonyParams) json.RawMessage {
	t.Helper()
	var o struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatalf("creation options: %v", err)
	}
	if p.rpID == "" {
		p.rpID = o.RP.ID
	}
	if p.challenge == "" {
		p.challenge = o.Challenge
	}
	if p.flags == 0 {
		p.flags = flagUP | flagUV
	}
	a.userHandle, _ = base64.RawURLEncoding.DecodeString(o.User.ID)
	cd, _ := json.Marshal(map[string]any{"type": "webauthn.create", "challenge": p.challenge, "origin": p.origin, "crossOrigin": false})
	att := cborHead(5, 3)
	att = append(append(att, cborText("fmt")...), cborText("none")...)
	att = append(append(att, cborText("attStmt")...), cborHead(5, 0)...)
	att = append(append(att, cborText("authData")...), cborBytes(a.authData(p.rpID, p.flags|flagAT, true))...)
	b, _ := json.Marshal(map[string]any{
		"id": b64u(a.id), "rawId": b64u(a.id), "type": "public-key", "authenticatorAttachment": "platform",
		"response":               map[string]any{"clientDataJSON": b64u(cd), "attestationObject": b64u(att), "transports": []string{"internal", "hybrid"}},
		"clientExtensionResults": map[string]any{"credProps": map[string]any{"rk": true}},
	})
	return b
}

// assert answers request options (CREDENTIAL_REQUEST_OPTIONS) with an
// AuthenticationResponseJSON, after adding step to the counter (a step of 0
// leaves the counter as it is).
func (a *softAuthenticator) assert(t testing.TB, options string, p ceremonyParams, step uint32) string {
	t.Helper()
	var o struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
	}
	if err := json.Unmarshal([]byte(options), &o); err != nil {
		t.Fatalf("request options: %v", err)
	}
	if p.rpID == "" {
		p.rpID = o.RPID
	}
	if p.challenge == "" {
		p.challenge = o.Challenge
	}
	if p.flags == 0 {
		p.flags = flagUP | flagUV
	}
	a.counter += step
	cd, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": p.challenge, "origin": p.origin, "crossOrigin": false})
	ad := a.authData(p.rpID, p.flags, false)
	cdh := sha256.Sum256(cd)
	h := sha256.Sum256(append(append([]byte{}, ad...), cdh[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{
		"id": b64u(a.id), "rawId": b64u(a.id), "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{"clientDataJSON": b64u(cd), "authenticatorData": b64u(ad), "signature": b64u(sig),
			"userHandle": b64u(a.userHandle)},
		"clientExtensionResults": map[string]any{},
	})
	return string(b)
}
