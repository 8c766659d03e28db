package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	gwprotocol "github.com/go-webauthn/webauthn/protocol"
	gowebauthn "github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// This file checks the FIDO AppID extension (W3C WebAuthn L3 §10.1.1)
// against go-webauthn: a credential registered under an AppID with the FIDO
// U2F raw messages by an independent software token, stored as go-webauthn
// stores it, signs in with go-webauthn (WithAppIdExtension) and with this
// library, and both refuse the same assertion without the extension.

const (
	u2fAppID  = "https://example.org/app-id.json"
	u2fOrigin = "https://example.org"
	u2fRPID   = "example.org"
)

var b64 = base64.RawURLEncoding

// u2fToken is a FIDO U2F authenticator in software (FIDO U2F Raw Message
// Formats v1.2): P-256 keys, one per key handle, each bound to the
// application parameter it was registered for, and one counter.
type u2fToken struct {
	att     *ecdsa.PrivateKey
	attCert []byte
	keys    map[string]*ecdsa.PrivateKey
	apps    map[string][]byte
	counter uint32
}

var errWrongData = errors.New("u2f: SW_WRONG_DATA (key handle not for this application)")

func newU2FToken(t *testing.T) *u2fToken {
	t.Helper()
	att, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spec := &forge.CertSpec{Serial: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	cert := forge.New("e2e").Issue("software U2F token", spec, &forge.Key{Alg: cose.ES256, Private: att}, nil).DER
	return &u2fToken{att: att, attCert: cert, keys: map[string]*ecdsa.PrivateKey{}, apps: map[string][]byte{}}
}

// register answers U2F_REGISTER (§4.3): 0x05 ‖ user public key (65) ‖ L ‖
// key handle ‖ attestation certificate ‖ signature by the attestation key
// over 0x00 ‖ application ‖ challenge ‖ key handle ‖ user public key.
func (tk *u2fToken) register(t *testing.T, challenge, app []byte) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	kh := make([]byte, 64)
	rand.Read(kh)
	tk.keys[string(kh)], tk.apps[string(kh)] = k, bytes.Clone(app)
	signed := sha256.Sum256(bytes.Join([][]byte{{0}, app, challenge, kh, pub}, nil))
	sig, err := ecdsa.SignASN1(rand.Reader, tk.att, signed[:])
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Join([][]byte{{5}, pub, {byte(len(kh))}, kh, tk.attCert, sig}, nil)
}

// authenticate answers U2F_AUTHENTICATE with user presence (§5.4): 0x01 ‖
// counter ‖ signature over application ‖ 0x01 ‖ counter ‖ challenge, or
// errWrongData for a key handle not registered for app.
func (tk *u2fToken) authenticate(challenge, app, kh []byte) ([]byte, error) {
	k := tk.keys[string(kh)]
	if k == nil || !bytes.Equal(tk.apps[string(kh)], app) {
		return nil, errWrongData
	}
	tk.counter++
	head := binary.BigEndian.AppendUint32([]byte{1}, tk.counter)
	signed := sha256.Sum256(bytes.Join([][]byte{app, head, challenge}, nil))
	sig, err := ecdsa.SignASN1(rand.Reader, k, signed[:])
	if err != nil {
		return nil, err
	}
	return append(head, sig...), nil
}

// legacyRegistration is what a U2F-era relying party kept from a
// registration response after verifying it (§4.3): the key handle and the
// raw user public key.
func legacyRegistration(t *testing.T, resp, app, challenge []byte) (kh, pub []byte) {
	t.Helper()
	if len(resp) < 67 || resp[0] != 5 {
		t.Fatal("U2F registration response malformed")
	}
	pub, rest := resp[1:66], resp[66:]
	kh, rest = rest[1:1+int(rest[0])], rest[1+int(rest[0]):]
	// The attestation certificate is one DER item; the signature follows.
	var certDER asn1.RawValue
	sig, err := asn1.Unmarshal(rest, &certDER)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(certDER.FullBytes)
	if err != nil {
		t.Fatal(err)
	}
	signed := sha256.Sum256(bytes.Join([][]byte{{0}, app, challenge, kh, pub}, nil))
	if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), signed[:], sig) {
		t.Fatal("U2F registration signature does not verify")
	}
	return bytes.Clone(kh), bytes.Clone(pub)
}

// client is the browser side of navigator.credentials.get() with the appid
// extension (§10.1.1 client extension processing): the token is asked under
// the RP ID first and, when it does not know the key handle there, under
// the AppID, and the output says which.
func client(t *testing.T, tk *u2fToken, challenge []byte, rpID, appID string, kh []byte) []byte {
	t.Helper()
	cdj, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": b64.EncodeToString(challenge), "origin": u2fOrigin, "crossOrigin": false})
	cdh := sha256.Sum256(cdj)
	app := sha256.Sum256([]byte(rpID))
	used := false
	res, err := tk.authenticate(cdh[:], app[:], kh)
	if errors.Is(err, errWrongData) && appID != "" {
		app, used = sha256.Sum256([]byte(appID)), true
		res, err = tk.authenticate(cdh[:], app[:], kh)
	}
	if err != nil {
		t.Fatal(err)
	}
	// §10.1.1 / CTAP2 §10.3: authenticatorData = application ‖ flags ‖
	// counter, and the U2F signature is over exactly authenticatorData ‖
	// SHA-256(clientDataJSON).
	ad := append(app[:], res[:5]...)
	out, _ := json.Marshal(map[string]any{
		"id": b64.EncodeToString(kh), "rawId": b64.EncodeToString(kh), "type": "public-key",
		"authenticatorAttachment": "cross-platform",
		"response": map[string]string{
			"clientDataJSON":    b64.EncodeToString(cdj),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(res[5:]),
		},
		"clientExtensionResults": map[string]bool{"appid": used},
	})
	return out
}

// gwU2FUser is the go-webauthn account holding the U2F-era credential.
type gwU2FUser struct {
	id    []byte
	creds []gowebauthn.Credential
}

func (u *gwU2FUser) WebAuthnID() []byte                           { return u.id }
func (u *gwU2FUser) WebAuthnName() string                         { return "legacy" }
func (u *gwU2FUser) WebAuthnDisplayName() string                  { return "Legacy" }
func (u *gwU2FUser) WebAuthnCredentials() []gowebauthn.Credential { return u.creds }

// TestAppIDAgainstGoWebAuthn registers under an AppID with the software
// token, stores the credential as go-webauthn does (the raw point,
// attestation format fido-u2f), and signs in with go-webauthn and with this
// library, statelessly and through Lifecycle.
func TestAppIDAgainstGoWebAuthn(t *testing.T) {
	tk := newU2FToken(t)
	appParam := sha256.Sum256([]byte(u2fAppID))
	enrollCD, _ := json.Marshal(map[string]string{"typ": "navigator.id.finishEnrollment", "challenge": b64.EncodeToString([]byte("u2f-era challenge")), "origin": u2fOrigin})
	enrollHash := sha256.Sum256(enrollCD)
	kh, rawPub := legacyRegistration(t, tk.register(t, enrollHash[:], appParam[:]), appParam[:], enrollHash[:])

	user := &gwU2FUser{id: []byte("legacy-user-handle-0001"), creds: []gowebauthn.Credential{{
		ID: kh, PublicKey: rawPub, AttestationFormat: "fido-u2f",
		Authenticator: gowebauthn.Authenticator{AAGUID: make([]byte, 16)},
	}}}
	gw, err := gowebauthn.New(&gowebauthn.Config{RPID: u2fRPID, RPDisplayName: "Example", RPOrigins: []string{u2fOrigin}})
	if err != nil {
		t.Fatal(err)
	}

	// go-webauthn with the appid extension (WithExtensionAppID; WithAppIdExtension is deprecated).
	opts, session, err := gw.BeginLogin(user, gowebauthn.WithAssertionExtensions(gowebauthn.WithExtensionAppID(u2fAppID)))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Response.Extensions.AppID != u2fAppID {
		t.Fatalf("go-webauthn options extensions %+v", opts.Response.Extensions)
	}
	challenge, err := b64.DecodeString(session.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	resp := client(t, tk, challenge, u2fRPID, u2fAppID, kh)
	parsed, err := gwprotocol.ParseCredentialRequestResponseBytes(resp)
	if err != nil {
		t.Fatal(err)
	}
	gwCred, err := gw.ValidateLogin(user, *session, parsed)
	if err != nil {
		t.Fatalf("go-webauthn refuses: %v", err)
	}
	if gwCred.Authenticator.SignCount != tk.counter {
		t.Fatalf("go-webauthn counter %d, token %d", gwCred.Authenticator.SignCount, tk.counter)
	}

	// This library, from the record go-webauthn keeps.
	stored := user.creds[0]
	pub, err := cose.FromU2FPublicKey(stored.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	record := webauthn.Credential{ID: stored.ID, PublicKey: pub, SignCount: stored.Authenticator.SignCount,
		AppID: stored.AttestationFormat == "fido-u2f", UserHandle: user.id}
	rp := &webauthn.RelyingParty{RPID: u2fRPID, Origins: []string{u2fOrigin}, AppID: u2fAppID}
	var as webauthn.Assertion
	if err := rp.VerifyAuthentication(resp, challenge, &record, &as); err != nil {
		t.Fatalf("this library refuses what go-webauthn accepts: %v", err)
	}
	if !as.AppIDUsed || as.SignCount != tk.counter {
		t.Fatalf("assertion %+v", as)
	}

	// Both refuse the assertion without the extension: go-webauthn when
	// its options did not ask for it, this library without an AppID.
	_, session2, err := gw.BeginLogin(user)
	if err != nil {
		t.Fatal(err)
	}
	challenge2, _ := b64.DecodeString(session2.Challenge)
	resp2 := client(t, tk, challenge2, u2fRPID, u2fAppID, kh)
	if parsed, err := gwprotocol.ParseCredentialRequestResponseBytes(resp2); err != nil {
		t.Fatal(err)
	} else if _, err := gw.ValidateLogin(user, *session2, parsed); err == nil {
		t.Fatal("go-webauthn accepts appid true without having asked")
	}
	noAppID := &webauthn.RelyingParty{RPID: u2fRPID, Origins: []string{u2fOrigin}}
	if err := noAppID.VerifyAuthentication(resp2, challenge2, &record, &as); webauthn.ExceptionName(err) != webauthn.ExceptionRelyingPartyMismatch {
		t.Fatalf("without an AppID: %v", err)
	}

	// Through Lifecycle: the options ask for appid, the token signs under
	// it, and the counter moves on from the one go-webauthn stored.
	ctx := context.Background()
	record.SignCount = gwCred.Authenticator.SignCount
	lc := &ceremony.Lifecycle{RP: rp}
	ro, err := lc.StartAuthentication(ctx, user.id, "session-1", &ceremony.AuthenticationOptions{AllowCredentials: []webauthn.Credential{record}})
	if err != nil {
		t.Fatal(err)
	}
	if ro.Extensions == nil || ro.Extensions.AppID != u2fAppID {
		t.Fatalf("Lifecycle options extensions %+v", ro.Extensions)
	}
	chal3, _ := b64.DecodeString(ro.Challenge)
	lookup := func(_ context.Context, u, id []byte) (*webauthn.Credential, error) {
		if bytes.Equal(u, record.UserHandle) && bytes.Equal(id, record.ID) {
			return &record, nil
		}
		return nil, nil
	}
	if err := lc.CompleteAuthentication(ctx, user.id, "session-1", client(t, tk, chal3, u2fRPID, u2fAppID, kh), lookup, &as); err != nil {
		t.Fatalf("Lifecycle refuses: %v", err)
	}
	if !as.AppIDUsed || as.SignCount != tk.counter || as.CloneSuspected {
		t.Fatalf("Lifecycle assertion %+v", as)
	}
}
