package cognito

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/passkeykit/webauthn"
)

// maxTokenSize is the longest token (access, ID, refresh or session)
// parsed: Cognito's tokens are under 4 KiB; anything much longer was not
// issued here and is rejected before any decoding.
const maxTokenSize = 8 << 10

// ScopeUserAdmin is the scope an access token must carry for the operations
// a user authorises with it (GetUser and the WebAuthn operations).
const ScopeUserAdmin = "aws.cognito.signin.user.admin"

// Token uses (the token_use claim). A token is accepted only for its use.
const (
	useAccess  = "access"
	useID      = "id"
	useRefresh = "refresh"
	useSession = "session"
)

// claims are the members of every token this endpoint issues; each use
// fills those Cognito puts in that token (the rest are omitted).
type claims struct {
	Sub             string `json:"sub,omitempty"`
	Iss             string `json:"iss"`
	Aud             string `json:"aud,omitempty"`
	ClientID        string `json:"client_id,omitempty"`
	OriginJTI       string `json:"origin_jti,omitempty"`
	EventID         string `json:"event_id,omitempty"`
	TokenUse        string `json:"token_use"`
	Scope           string `json:"scope,omitempty"`
	AuthTime        int64  `json:"auth_time,omitempty"`
	Exp             int64  `json:"exp"`
	Iat             int64  `json:"iat"`
	JTI             string `json:"jti"`
	Username        string `json:"username,omitempty"`
	CognitoUsername string `json:"cognito:username,omitempty"`
	Email           string `json:"email,omitempty"`
	EmailVerified   *bool  `json:"email_verified,omitempty"`
	// Stage is the challenge a session token answers (sessions only).
	Stage string `json:"stage,omitempty"`
}

// signer signs and verifies a pool's tokens with its ES256 key.
type signer struct {
	key *ecdsa.PrivateKey
	kid string
	// header is the base64url JWS protected header, fixed per key.
	header string
}

// generateSigningKey returns a new P-256 key as PKCS #8 DER.
func generateSigningKey() ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return x509.MarshalPKCS8PrivateKey(k)
}

// newSigner reads a PKCS #8 P-256 key; its kid is the base64url SHA-256 of
// its SubjectPublicKeyInfo.
func newSigner(der []byte) (*signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("signing key is not a P-256 ECDSA key")
	}
	spki, err := x509.MarshalPKIXPublicKey(&ek.PublicKey)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki)
	kid := base64.RawURLEncoding.EncodeToString(sum[:])
	h, _ := json.Marshal(struct {
		Kid string `json:"kid"`
		Alg string `json:"alg"`
	}{kid, "ES256"})
	return &signer{key: ek, kid: kid, header: base64.RawURLEncoding.EncodeToString(h)}, nil
}

// sign returns the compact JWS of c.
func (s *signer) sign(c *claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	input := s.header + "." + base64.RawURLEncoding.EncodeToString(payload)
	h := sha256.Sum256([]byte(input))
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, h[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// jwk is one key of a JWKS (RFC 7517, RFC 7518 §6.2).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// jwks returns the JSON Web Key Set publishing the verification key.
func (s *signer) jwks() []byte {
	// The uncompressed point 0x04 ‖ x ‖ y, 32 bytes each on P-256.
	pt, _ := s.key.PublicKey.Bytes()
	x, y := pt[1:33], pt[33:65]
	b, _ := json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{Kty: "EC", Crv: "P-256", X: base64.RawURLEncoding.EncodeToString(x), Y: base64.RawURLEncoding.EncodeToString(y), Kid: s.kid, Alg: "ES256", Use: "sig"}}})
	return b
}

// b64 is strict base64url without padding: non-zero trailing bits are
// rejected, so that a token has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// tokenParts splits a compact JWS and decodes its payload, without
// verifying anything: the caller routes by the payload's iss, then calls
// verify. ok is false for anything that is not three base64url parts with a
// JSON object payload.
func tokenParts(tok string) (parts [3]string, c *claims, ok bool) {
	if len(tok) > maxTokenSize || strings.Count(tok, ".") != 2 {
		return parts, nil, false
	}
	i := strings.IndexByte(tok, '.')
	j := i + 1 + strings.IndexByte(tok[i+1:], '.')
	parts = [3]string{tok[:i], tok[i+1 : j], tok[j+1:]}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return parts, nil, false
	}
	c = new(claims)
	d := json.NewDecoder(bytes.NewReader(payload))
	d.DisallowUnknownFields()
	if d.Decode(c) != nil || d.More() {
		return parts, nil, false
	}
	return parts, c, true
}

// verify checks the header (alg ES256, this key's kid, nothing else) and
// the signature of a token split by tokenParts.
func (s *signer) verify(parts [3]string) bool {
	if parts[0] != s.header {
		// The header is fixed per key: any other header (alg none, HS256,
		// another kid, other members) was not issued with this key.
		return false
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return false
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r := new(big.Int).SetBytes(sig[:32])
	sv := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(&s.key.PublicKey, h[:], r, sv)
}

// tokenMessages returns Cognito's NotAuthorizedException messages for a
// token of that use: invalid, and expired.
func tokenMessages(use string) (invalid, expired string) {
	switch use {
	case useAccess:
		return "Invalid Access Token", "Access Token has expired"
	case useID:
		return "Invalid ID Token", "ID Token has expired"
	case useRefresh:
		return "Invalid Refresh Token", "Refresh Token has expired"
	}
	return "Invalid session for the user.", "Invalid session for the user, session is expired."
}

// checkToken verifies a token of the given use issued by p: signature,
// issuer, token_use, expiry at now (inclusive of exp, as Cognito rejects a
// token at exp), a client of the pool, and for an access token the scope
// ScopeUserAdmin. Every failure is NotAuthorizedException with Cognito's
// message.
func (p *pool) checkToken(parts [3]string, c *claims, use string, now time.Time) error {
	invalid, expired := tokenMessages(use)
	if !p.signer.verify(parts) || c.Iss != p.issuer || c.TokenUse != use {
		return apiErr(webauthn.ExceptionNotAuthorized, invalid)
	}
	client := c.ClientID
	if use == useID {
		client = c.Aud
	}
	if !p.hasClient(client) {
		return apiErr(webauthn.ExceptionNotAuthorized, invalid)
	}
	if now.Unix() >= c.Exp {
		return apiErr(webauthn.ExceptionNotAuthorized, expired)
	}
	if use == useAccess && !hasScope(c.Scope, ScopeUserAdmin) {
		return apiErr(webauthn.ExceptionNotAuthorized, "Access Token does not have required scopes")
	}
	return nil
}

// hasScope reports whether the space-separated scope list has want.
func hasScope(scopes, want string) bool {
	for _, s := range strings.Fields(scopes) {
		if s == want {
			return true
		}
	}
	return false
}
