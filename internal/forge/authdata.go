package forge

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"

	"github.com/fxamacker/cbor/v2"
	"github.com/passkeykit/webauthn/authdata"
)

// Flags of authenticator data (§6.1).
const (
	FlagUP byte = 1 << 0
	FlagUV byte = 1 << 2
	FlagBE byte = 1 << 3
	FlagBS byte = 1 << 4
	FlagAT byte = 1 << 6
	FlagED byte = 1 << 7
)

// AuthData describes authenticator data (§6.1). Bytes sets AT when
// CredentialKey is not nil and ED when Extensions is not nil, unless
// ExactFlags is true (to build data whose flags disagree with it).
type AuthData struct {
	RPID       string // hashed into rpIdHash unless RPIDHash is set
	RPIDHash   []byte
	Flags      byte
	ExactFlags bool
	SignCount  uint32
	AAGUID     authdata.AAGUID
	// CredentialID and CredentialKey (an encoded COSE_Key) form the attested
	// credential data (§6.5.2).
	CredentialID  []byte
	CredentialKey []byte
	// Extensions is an encoded CBOR map of authenticator extension outputs.
	Extensions []byte
}

// RPIDHashBytes returns rpIdHash.
func (a *AuthData) RPIDHashBytes() []byte {
	if a.RPIDHash != nil {
		return a.RPIDHash
	}
	h := sha256.Sum256([]byte(a.RPID))
	return h[:]
}

// Bytes encodes the authenticator data.
func (a *AuthData) Bytes() []byte {
	flags := a.Flags
	if !a.ExactFlags {
		if a.CredentialKey != nil {
			flags |= FlagAT
		}
		if a.Extensions != nil {
			flags |= FlagED
		}
	}
	b := append([]byte{}, a.RPIDHashBytes()...)
	b = append(b, flags)
	b = binary.BigEndian.AppendUint32(b, a.SignCount)
	if a.CredentialKey != nil {
		b = append(b, a.AAGUID[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.CredentialID)))
		b = append(b, a.CredentialID...)
		b = append(b, a.CredentialKey...)
	}
	return append(b, a.Extensions...)
}

// ClientData describes CollectedClientData (§5.8.1). JSON serializes it in
// the order of §5.8.1.1 (type, challenge, origin, crossOrigin, topOrigin).
type ClientData struct {
	Type        string // "webauthn.create" or "webauthn.get"
	Challenge   []byte // base64url-encoded without padding
	Origin      string
	CrossOrigin bool
	TopOrigin   string // omitted when empty
}

// JSON returns clientDataJSON.
func (c *ClientData) JSON() []byte {
	q := func(s string) string {
		b, err := json.Marshal(s)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	s := `{"type":` + q(c.Type) + `,"challenge":` + q(base64.RawURLEncoding.EncodeToString(c.Challenge)) +
		`,"origin":` + q(c.Origin)
	if c.CrossOrigin {
		s += `,"crossOrigin":true`
	} else {
		s += `,"crossOrigin":false`
	}
	if c.TopOrigin != "" {
		s += `,"topOrigin":` + q(c.TopOrigin)
	}
	return []byte(s + "}")
}

// Hash returns SHA-256 of clientDataJSON (the clientDataHash).
func (c *ClientData) Hash() []byte {
	h := sha256.Sum256(c.JSON())
	return h[:]
}

// Stmt is an attestation statement map; tests change, add or delete members
// after a signer built it. Values are encoded by fxamacker/cbor; use
// cbor.RawMessage for pre-encoded values.
type Stmt map[string]any

// Object encodes an attestationObject (§6.5.4) {"fmt", "attStmt", "authData"}
// in canonical order. attStmt is a Stmt, a compound []any, or any value.
func Object(format string, attStmt any, authData []byte) []byte {
	if s, ok := attStmt.(Stmt); ok {
		attStmt = map[string]any(s)
	}
	return Marshal(map[string]any{"fmt": format, "attStmt": attStmt, "authData": authData})
}

// RawCBOR wraps pre-encoded CBOR so Marshal copies it verbatim.
func RawCBOR(b []byte) cbor.RawMessage { return cbor.RawMessage(b) }

// Registration is a registration ceremony under construction: a credential key,
// the authenticator data and client data. Its defaults are derived from the
// Forge seed; change any field before calling the builders.
type Registration struct {
	Cred       *Key
	AuthData   AuthData
	ClientData ClientData
}

// Registration returns a registration of cred for RP ID "example.org" at origin
// "https://example.org" with UP|UV, a derived AAGUID, a 16-byte credential ID
// and a 32-byte challenge.
func (f *Forge) Registration(label string, cred *Key) *Registration {
	return &Registration{
		Cred: cred,
		AuthData: AuthData{
			RPID:          "example.org",
			Flags:         FlagUP | FlagUV,
			AAGUID:        f.AAGUID(label),
			CredentialID:  f.Bytes("credid/"+label, 16),
			CredentialKey: cred.COSE(),
		},
		ClientData: ClientData{
			Type:      "webauthn.create",
			Challenge: f.Bytes("challenge/"+label, 32),
			Origin:    "https://example.org",
		},
	}
}

// AuthDataBytes encodes the authenticator data.
func (r *Registration) AuthDataBytes() []byte { return r.AuthData.Bytes() }

// ClientDataJSON encodes the client data.
func (r *Registration) ClientDataJSON() []byte { return r.ClientData.JSON() }

// ClientDataHash is SHA-256 of ClientDataJSON.
func (r *Registration) ClientDataHash() []byte { return r.ClientData.Hash() }

// SignedData returns authenticatorData and clientDataHash, the pieces most
// statements sign (§8.2, §8.3, §8.4).
func (r *Registration) SignedData() (authData, clientDataHash []byte) {
	return r.AuthDataBytes(), r.ClientDataHash()
}

// Object encodes the attestationObject with this registration's authenticator data.
func (r *Registration) Object(format string, attStmt any) []byte {
	return Object(format, attStmt, r.AuthDataBytes())
}
