package e2e

// Credentials registered by github.com/go-webauthn/webauthn sign in with this
// library unchanged: the test registers with go-webauthn's FinishRegistration
// (a software authenticator written here, ES256, "none" attestation), signs
// in once with go-webauthn, stores go-webauthn's Credential as JSON, converts
// that JSON with credentialFromGoWebAuthn (the mapping MIGRATING.md documents)
// and signs in with ceremony.Lifecycle. The root module does not depend on
// go-webauthn; only this nested module does.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	gowebauthn "github.com/go-webauthn/webauthn/webauthn"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
)

const (
	compatRPID   = "example.org"
	compatOrigin = "https://example.org"
)

var gwB64 = base64.RawURLEncoding

// goWebAuthnCredential is go-webauthn's webauthn.Credential as encoding/json
// writes it (v0.18.2): the record a go-webauthn application keeps. []byte
// members are standard base64 with padding, as encoding/json writes them.
// Only the members that map onto webauthn.Credential are read; see
// MIGRATING.md for where the others go.
type goWebAuthnCredential struct {
	ID              []byte   `json:"id"`
	PublicKey       []byte   `json:"publicKey"`
	AttestationType string   `json:"attestationType"`
	Transport       []string `json:"transport"`
	Flags           *struct {
		UserPresent    bool `json:"userPresent"`
		UserVerified   bool `json:"userVerified"`
		BackupEligible bool `json:"backupEligible"`
		BackupState    bool `json:"backupState"`
	} `json:"flags"`
	Authenticator struct {
		AAGUID       []byte `json:"AAGUID"`
		SignCount    uint32 `json:"signCount"`
		CloneWarning bool   `json:"cloneWarning"`
		Attachment   string `json:"attachment"`
	} `json:"authenticator"`
}

// credentialFromGoWebAuthn converts a go-webauthn Credential stored as JSON
// into the credential record of this library, for the account whose user
// handle (go-webauthn's User.WebAuthnID()) is userHandle:
//
//	ID                          -> ID
//	PublicKey (COSE_Key, as go-webauthn re-encoded it) -> PublicKey, unchanged
//	Authenticator.SignCount     -> SignCount
//	Flags.BackupEligible        -> BackupEligible (no "flags": BackupEligibleUnknown)
//	Flags.BackupState           -> BackupState
//	Transport                   -> Transports (unknown names dropped, §5.8.4)
//	User.WebAuthnID()           -> UserHandle
//
// AAGUID, AttestationType, Attachment and CloneWarning have no place in the
// record: keep them in the application's own columns.
func credentialFromGoWebAuthn(stored, userHandle []byte) (webauthn.Credential, error) {
	var g goWebAuthnCredential
	if err := json.Unmarshal(stored, &g); err != nil {
		return webauthn.Credential{}, err
	}
	if len(g.ID) == 0 || len(g.PublicKey) == 0 || len(userHandle) == 0 {
		return webauthn.Credential{}, errors.New("go-webauthn credential without id or publicKey, or no user handle")
	}
	c := webauthn.Credential{
		ID:                    g.ID,
		PublicKey:             g.PublicKey,
		SignCount:             g.Authenticator.SignCount,
		BackupEligibleUnknown: g.Flags == nil,
		UserHandle:            bytes.Clone(userHandle),
	}
	if g.Flags != nil {
		c.BackupEligible, c.BackupState = g.Flags.BackupEligible, g.Flags.BackupState
	}
	for _, t := range g.Transport {
		switch t {
		case "usb":
			c.Transports |= webauthn.TransportUSB
		case "nfc":
			c.Transports |= webauthn.TransportNFC
		case "ble":
			c.Transports |= webauthn.TransportBLE
		case "smart-card":
			c.Transports |= webauthn.TransportSmartCard
		case "hybrid":
			c.Transports |= webauthn.TransportHybrid
		case "internal":
			c.Transports |= webauthn.TransportInternal
		}
	}
	return c, nil
}

// gwUser is an application's user as go-webauthn sees it.
type gwUser struct {
	id    []byte
	name  string
	creds []gowebauthn.Credential
}

func (u *gwUser) WebAuthnID() []byte                           { return u.id }
func (u *gwUser) WebAuthnName() string                         { return u.name }
func (u *gwUser) WebAuthnDisplayName() string                  { return u.name }
func (u *gwUser) WebAuthnCredentials() []gowebauthn.Credential { return u.creds }

// gwSoftKey is a software authenticator holding one ES256 credential.
type gwSoftKey struct {
	id          []byte
	priv        *ecdsa.PrivateKey
	aaguid      [16]byte
	userHandle  []byte
	count       uint32 // incremented before each signature unless zeroCount
	zeroCount   bool
	be, bs      bool
	unsorted    bool // COSE key members out of CTAP2 canonical order
	transports  []string
	attachment  string
	registered  bool
	lastCOSEKey []byte
}

// cbor head of major type m with argument n.
func gwCBORHead(b []byte, m byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, m<<5|byte(n))
	case n < 1<<8:
		return append(b, m<<5|24, byte(n))
	case n < 1<<16:
		return binary.BigEndian.AppendUint16(append(b, m<<5|25), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, m<<5|26), uint32(n))
}

func gwCBORInt(b []byte, v int64) []byte {
	if v < 0 {
		return gwCBORHead(b, 1, uint64(-1-v))
	}
	return gwCBORHead(b, 0, uint64(v))
}

func gwCBORBytes(b, v []byte) []byte { return append(gwCBORHead(b, 2, uint64(len(v))), v...) }
func gwCBORText(b []byte, s string) []byte {
	return append(gwCBORHead(b, 3, uint64(len(s))), s...)
}

// coseKey is the EC2 P-256 COSE_Key of the credential (RFC 9053 §7.1.1):
// kty 2, alg -7, crv 1, x, y; in CTAP2 canonical order (1, 3, -1, -2, -3)
// unless unsorted.
func (k *gwSoftKey) coseKey() []byte {
	var x, y [32]byte
	pub, _ := k.priv.PublicKey.Bytes() // 0x04 ‖ X ‖ Y
	copy(x[:], pub[1:33])
	copy(y[:], pub[33:])
	members := [][]byte{
		gwCBORInt(gwCBORInt(nil, 1), 2),
		gwCBORInt(gwCBORInt(nil, 3), -7),
		gwCBORInt(gwCBORInt(nil, -1), 1),
		gwCBORBytes(gwCBORInt(nil, -2), x[:]),
		gwCBORBytes(gwCBORInt(nil, -3), y[:]),
	}
	if k.unsorted {
		members = append(members[2:], members[:2]...)
	}
	b := gwCBORHead(nil, 5, 5)
	for _, m := range members {
		b = append(b, m...)
	}
	return b
}

// authData is the authenticator data (§6.1) for rpID, with attested
// credential data when at is set.
func (k *gwSoftKey) authData(rpID string, at bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	flags := byte(0x01 | 0x04) // UP, UV
	if k.be {
		flags |= 0x08
	}
	if k.bs {
		flags |= 0x10
	}
	if at {
		flags |= 0x40
	}
	if !k.zeroCount {
		k.count++
	}
	b := binary.BigEndian.AppendUint32(append(h[:], flags), k.count)
	if at {
		k.lastCOSEKey = k.coseKey()
		b = append(b, k.aaguid[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(k.id)))
		b = append(append(b, k.id...), k.lastCOSEKey...)
	}
	return b
}

func gwClientData(typ string, challenge []byte) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": gwB64.EncodeToString(challenge), "origin": compatOrigin, "crossOrigin": false})
	return b
}

// create answers creation options (their challenge) with a
// RegistrationResponseJSON, "none" attestation.
func (k *gwSoftKey) create(challenge []byte) []byte {
	ad := k.authData(compatRPID, true)
	att := gwCBORHead(nil, 5, 3)
	att = gwCBORText(gwCBORText(att, "fmt"), "none")
	att = gwCBORHead(gwCBORText(att, "attStmt"), 5, 0)
	att = gwCBORBytes(gwCBORText(att, "authData"), ad)
	id := gwB64.EncodeToString(k.id)
	b, _ := json.Marshal(map[string]any{
		"id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": k.attachment,
		"response": map[string]any{
			"clientDataJSON":    gwB64.EncodeToString(gwClientData("webauthn.create", challenge)),
			"attestationObject": gwB64.EncodeToString(att),
			"transports":        k.transports,
		},
		"clientExtensionResults": map[string]any{},
	})
	k.registered = true
	return b
}

// get answers request options (their challenge) with an
// AuthenticationResponseJSON carrying the userHandle.
func (k *gwSoftKey) get(challenge []byte) []byte {
	ad := k.authData(compatRPID, false)
	cd := gwClientData("webauthn.get", challenge)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(bytes.Clone(ad), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		panic(err)
	}
	id := gwB64.EncodeToString(k.id)
	b, _ := json.Marshal(map[string]any{
		"id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": k.attachment,
		"response": map[string]any{
			"clientDataJSON":    gwB64.EncodeToString(cd),
			"authenticatorData": gwB64.EncodeToString(ad),
			"signature":         gwB64.EncodeToString(sig),
			"userHandle":        gwB64.EncodeToString(k.userHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
	return b
}

func newGWSoftKey(t *testing.T, userHandle []byte) *gwSoftKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := &gwSoftKey{id: make([]byte, 32), priv: priv, userHandle: userHandle}
	rand.Read(k.id)
	rand.Read(k.aaguid[:])
	return k
}

func TestGoWebAuthnCredentialsSignIn(t *testing.T) {
	ctx := context.Background()
	gw, err := gowebauthn.New(&gowebauthn.Config{RPID: compatRPID, RPDisplayName: "Example", RPOrigins: []string{compatOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	rp := &webauthn.RelyingParty{RPID: compatRPID, Origins: []string{compatOrigin}}
	lc := &ceremony.Lifecycle{RP: rp}

	for _, tc := range []struct {
		name string
		key  func(*gwSoftKey)
	}{
		{"security key: counter, no backup, COSE key re-encoded", func(k *gwSoftKey) {
			k.unsorted, k.transports, k.attachment = true, []string{"usb", "nfc"}, "cross-platform"
		}},
		{"synced passkey: zero counter, backed up", func(k *gwSoftKey) {
			k.zeroCount, k.be, k.bs, k.transports, k.attachment = true, true, true, []string{"hybrid", "internal"}, "platform"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user := &gwUser{id: make([]byte, 32), name: "alice@example.org"}
			rand.Read(user.id)
			key := newGWSoftKey(t, user.id)
			tc.key(key)

			// Registration and a first sign-in with go-webauthn.
			creation, session, err := gw.BeginRegistration(user)
			if err != nil {
				t.Fatal(err)
			}
			resp := key.create(creation.Response.Challenge)
			cred, err := gw.FinishRegistration(user, *session, httptest.NewRequest("POST", "/", bytes.NewReader(resp)))
			if err != nil {
				t.Fatalf("go-webauthn FinishRegistration: %v", err)
			}
			if key.unsorted == bytes.Equal(cred.PublicKey, key.lastCOSEKey) {
				t.Fatalf("go-webauthn's public key re-encoded: %v, want %v", !bytes.Equal(cred.PublicKey, key.lastCOSEKey), key.unsorted)
			}
			user.creds = []gowebauthn.Credential{*cred}
			assertion, session, err := gw.BeginLogin(user)
			if err != nil {
				t.Fatal(err)
			}
			signed, err := gw.FinishLogin(user, *session, httptest.NewRequest("POST", "/", bytes.NewReader(key.get(assertion.Response.Challenge))))
			if err != nil {
				t.Fatalf("go-webauthn FinishLogin: %v", err)
			}
			cred.Authenticator.UpdateCounter(signed.Authenticator.SignCount)
			cred.Flags = signed.Flags
			stored, err := json.Marshal(cred)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("go-webauthn record: %.400s", stored)

			// The migration: the stored JSON becomes this library's record.
			rec, err := credentialFromGoWebAuthn(stored, user.id)
			if err != nil {
				t.Fatal(err)
			}
			if rec.SignCount != key.count || rec.BackupEligible != key.be || rec.BackupState != key.bs ||
				!slices.Equal(rec.Transports.Strings(), gwSortedTransports(key.transports)) {
				t.Fatalf("converted record %+v from %s", rec, stored)
			}
			lookup := func(_ context.Context, u, id []byte) (*webauthn.Credential, error) {
				if bytes.Equal(u, rec.UserHandle) && bytes.Equal(id, rec.ID) {
					return &rec, nil
				}
				return nil, nil
			}

			// Sign in with this library, by username (allowCredentials)
			// and username-less, twice each.
			for _, user := range [][]byte{user.id, nil} {
				for range 2 {
					var allow []webauthn.Credential
					if user != nil {
						allow = []webauthn.Credential{rec}
					}
					opts, err := lc.StartAuthentication(ctx, user, "session-1", &ceremony.AuthenticationOptions{AllowCredentials: allow})
					if err != nil {
						t.Fatal(err)
					}
					chal, _ := gwB64.DecodeString(opts.Challenge)
					var as webauthn.Assertion
					if err := lc.CompleteAuthentication(ctx, user, "session-1", key.get(chal), lookup, &as); err != nil {
						t.Fatalf("sign-in with the converted credential: %v", err)
					}
					if as.CloneSuspected || as.SignCount != key.count || as.BackupEligible != key.be {
						t.Fatalf("assertion %+v", as)
					}
					rec.SignCount, rec.BackupState = as.SignCount, as.BackupState
				}
			}

			// The record matters: another key, a BE flag that disagrees,
			// or another owner are refused.
			for _, bad := range []struct {
				name   string
				change func(*webauthn.Credential)
			}{
				{"another public key", func(c *webauthn.Credential) { c.PublicKey = newGWSoftKey(t, nil).coseKey() }},
				{"BE flipped (§7.2 step 19)", func(c *webauthn.Credential) { c.BackupEligible = !c.BackupEligible }},
			} {
				wrong := rec
				bad.change(&wrong)
				opts, _ := lc.StartAuthentication(ctx, user.id, "session-1", nil)
				chal, _ := gwB64.DecodeString(opts.Challenge)
				var as webauthn.Assertion
				err := lc.CompleteAuthentication(ctx, user.id, "session-1", key.get(chal), func(context.Context, []byte, []byte) (*webauthn.Credential, error) {
					return &wrong, nil
				}, &as)
				if !errors.Is(err, webauthn.ErrNotAuthorized) {
					t.Fatalf("%s: %v, want NotAuthorizedException", bad.name, err)
				}
			}
			if _, err := credentialFromGoWebAuthn(stored, nil); err == nil {
				t.Fatal("converted without a user handle")
			}
		})
	}
}

// TestGoWebAuthnCredentialsWithoutFlags: a go-webauthn record stored
// without "flags" converts with BackupEligibleUnknown, and signs in.
func TestGoWebAuthnCredentialsWithoutFlags(t *testing.T) {
	ctx := context.Background()
	user := []byte("user-handle-0001")
	key := newGWSoftKey(t, user)
	key.be = true
	key.lastCOSEKey = key.coseKey()
	stored := `{"id":"` + base64.StdEncoding.EncodeToString(key.id) + `","publicKey":"` + base64.StdEncoding.EncodeToString(key.lastCOSEKey) +
		`","attestationType":"none","transport":["internal"],"authenticator":{"AAGUID":"AAAAAAAAAAAAAAAAAAAAAA==","signCount":0}}`
	rec, err := credentialFromGoWebAuthn([]byte(stored), user)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.BackupEligibleUnknown || rec.Transports != webauthn.TransportInternal {
		t.Fatalf("record %+v", rec)
	}
	lc := &ceremony.Lifecycle{RP: &webauthn.RelyingParty{RPID: compatRPID, Origins: []string{compatOrigin}}}
	opts, err := lc.StartAuthentication(ctx, user, "session-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	chal, _ := gwB64.DecodeString(opts.Challenge)
	var as webauthn.Assertion
	if err := lc.CompleteAuthentication(ctx, user, "session-1", key.get(chal), func(context.Context, []byte, []byte) (*webauthn.Credential, error) {
		return &rec, nil
	}, &as); err != nil {
		t.Fatal(err)
	}
	if !as.BackupEligible {
		t.Fatalf("assertion %+v", as)
	}
	// Had the converter claimed BE clear, step 19 would refuse the key.
	rec.BackupEligibleUnknown = false
	opts, _ = lc.StartAuthentication(ctx, user, "session-1", nil)
	chal, _ = gwB64.DecodeString(opts.Challenge)
	err = lc.CompleteAuthentication(ctx, user, "session-1", key.get(chal), func(context.Context, []byte, []byte) (*webauthn.Credential, error) {
		return &rec, nil
	}, &as)
	if !errors.Is(err, webauthn.ErrNotAuthorized) {
		t.Fatalf("BE clear in the record: %v", err)
	}
}

// gwSortedTransports orders names as webauthn.Transports.Strings does.
func gwSortedTransports(names []string) []string {
	var out []string
	for _, n := range []string{"usb", "nfc", "ble", "smart-card", "hybrid", "internal"} {
		for _, m := range names {
			if m == n {
				out = append(out, n)
			}
		}
	}
	return out
}
