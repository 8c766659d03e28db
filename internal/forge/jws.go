package forge

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

// JWS signs payload as an ES256 JWS compact serialization (RFC 7515 §7.1)
// with signer's P-256 key, carrying x5c = signer, then chain: the form of a
// FIDO metadata BLOB (MDS3 §3.1.7). The signature is randomized.
func JWS(payload []byte, signer *Cert, chain ...*Cert) []byte {
	var x5c []string
	for _, c := range append([]*Cert{signer}, chain...) {
		x5c = append(x5c, base64.StdEncoding.EncodeToString(c.DER))
	}
	h, err := json.Marshal(map[string]any{"alg": "ES256", "typ": "JWT", "x5c": x5c})
	if err != nil {
		panic("forge: " + err.Error())
	}
	b64 := base64.RawURLEncoding
	signed := b64.EncodeToString(h) + "." + b64.EncodeToString(payload)
	d := sha256.Sum256([]byte(signed))
	key, ok := signer.Key.Private.(*ecdsa.PrivateKey)
	if !ok {
		panic("forge: JWS needs a P-256 signing key")
	}
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		panic("forge: " + err.Error())
	}
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	return []byte(signed + "." + b64.EncodeToString(sig))
}
