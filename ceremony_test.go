package webauthn_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
)

var b64u = base64.RawURLEncoding

// newRP is the policy the forged ceremonies are made for.
func newRP() *webauthn.RelyingParty {
	at := forge.Epoch.AddDate(1, 0, 0)
	return &webauthn.RelyingParty{
		RPID:    "example.org",
		Origins: []string{"https://example.org"},
		Clock:   func() time.Time { return at },
	}
}

// regCase is a forged registration: edit the fields, then call json.
type regCase struct {
	f      *forge.Forge
	reg    *forge.Registration
	format string
	stmt   any    // nil: "none" with an empty statement
	obj    []byte // overrides the attestationObject
	id     string // overrides id and rawId text
	rawID  string
	extra  string // extra top-level members, with a leading comma
	cdj    []byte // overrides clientDataJSON
	chal   []byte // overrides the challenge the RP issued
}

func newRegCase(alg cose.Algorithm) *regCase {
	f := forge.New("ceremony")
	return &regCase{f: f, reg: f.Registration("cred", f.Key("cred", alg)), format: "none"}
}

func (c *regCase) attObj() []byte {
	if c.obj != nil {
		return c.obj
	}
	stmt := c.stmt
	if stmt == nil {
		stmt = forge.Stmt{}
	}
	return c.reg.Object(c.format, stmt)
}

func (c *regCase) json() []byte {
	id := b64u.EncodeToString(c.reg.AuthData.CredentialID)
	rawID := id
	if c.id != "" {
		id = c.id
	}
	if c.rawID != "" {
		rawID = c.rawID
	}
	return (&forge.ResponseJSON{ID: id, RawID: rawID, ClientDataJSON: c.clientDataJSON(), AttestationObject: c.attObj(),
		Transports: []string{"internal", "hybrid"}, Attachment: "platform", Extensions: `{"credProps":{"rk":true}}`, Top: c.extra}).JSON()
}

func (c *regCase) challenge() []byte {
	if c.chal != nil {
		return c.chal
	}
	return c.reg.ClientData.Challenge
}

func (c *regCase) clientDataJSON() []byte {
	if c.cdj != nil {
		return c.cdj
	}
	return c.reg.ClientDataJSON()
}

// tildeClientData is clientDataJSON with a member whose base64url text has
// '-' where the standard alphabet has '+'.
func tildeClientData(c *regCase) []byte {
	j := c.reg.ClientDataJSON()
	return append(j[:len(j)-1:len(j)-1], `,"x":"~~~~~~~~~"}`...)
}

const (
	invalid  = webauthn.ExceptionInvalidParameter
	notFound = webauthn.ExceptionChallengeNotFound
	origin   = webauthn.ExceptionOriginNotAllowed
	rpid     = webauthn.ExceptionRelyingPartyMismatch
	notSupp  = webauthn.ExceptionCredentialNotSupported
	notAuth  = webauthn.ExceptionNotAuthorized
)

func TestRegistrationSuccess(t *testing.T) {
	c := newRegCase(cose.ES256)
	var out webauthn.Registration
	errtest.WantException(t, newRP().VerifyRegistration(c.json(), c.challenge(), &out), "")
	if !bytes.Equal(out.CredentialID, c.reg.AuthData.CredentialID) {
		t.Errorf("CredentialID %x", out.CredentialID)
	}
	if !bytes.Equal(out.PublicKey, c.reg.Cred.COSE()) || out.Algorithm != cose.ES256 {
		t.Errorf("PublicKey %x alg %v", out.PublicKey, out.Algorithm)
	}
	if out.AAGUID != c.reg.AuthData.AAGUID || !out.UserVerified || out.BackupEligible || out.BackupState {
		t.Errorf("AAGUID/flags %x %v", out.AAGUID, out.Flags)
	}
	if out.Format != attestation.FormatNone || out.Type != attestation.TypeNone || out.Judged {
		t.Errorf("format %v type %v judged %v", out.Format, out.Type, out.Judged)
	}
	if out.Transports != webauthn.TransportInternal|webauthn.TransportHybrid || out.Attachment != webauthn.AttachmentPlatform {
		t.Errorf("transports %v attachment %v", out.Transports.Strings(), out.Attachment)
	}
	if !out.HasCredProps || !out.CredPropsRK || string(out.ClientExtensionResults) != `{"credProps":{"rk":true}}` {
		t.Errorf("credProps %v %v %s", out.HasCredProps, out.CredPropsRK, out.ClientExtensionResults)
	}
	// Reuse keeps the buffer and gives the same result; Clone owns its bytes.
	keep := out.Clone()
	errtest.WantException(t, newRP().VerifyRegistration(c.json(), c.challenge(), &out), "")
	if !bytes.Equal(keep.PublicKey, out.PublicKey) {
		t.Error("Clone differs")
	}
	// A failure resets the result.
	errtest.WantException(t, newRP().VerifyRegistration(c.json(), []byte("other"), &out), notFound)
	if out.CredentialID != nil || out.PublicKey != nil || out.Format != 0 {
		t.Errorf("partial result after error: %+v", out)
	}
}

// TestRegistrationErrorTable builds one input per row of the error table
// (../shared/vectors/SCHEMA.md) and requires its exception.
func TestRegistrationErrorTable(t *testing.T) {
	longID := bytes.Repeat([]byte{7}, 1024)
	tests := []struct {
		name string
		edit func(c *regCase, rp *webauthn.RelyingParty)
		json func(c *regCase) []byte // overrides the response JSON
		want string
		spec string // the opening words of the §7.1 step that must fail
	}{
		{name: "ok", want: ""},
		// Response JSON.
		{name: "not JSON", json: func(c *regCase) []byte { return []byte("{") }, want: invalid},
		{name: "array", json: func(c *regCase) []byte { return []byte("[]") }, want: invalid},
		{name: "empty", json: func(c *regCase) []byte { return nil }, want: invalid},
		{name: "trailing data", json: func(c *regCase) []byte { return append(c.json(), "{}"...) }, want: invalid},
		{name: "trailing whitespace ok", json: func(c *regCase) []byte { return append(c.json(), " \n"...) }, want: ""},
		{name: "duplicate id", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.extra = `,"id":"AA"` }, want: invalid},
		{name: "duplicate escaped type", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.extra = `,"t\u0079pe":"public-key"` }, want: invalid},
		{name: "duplicate inner", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`"transports"`), []byte(`"clientDataJSON":"","transports"`), 1)
		}, want: invalid},
		{name: "unknown member ignored", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.extra = `,"Type":1,"x":{"y":[1,2]}` }, want: ""},
		{name: "wrong-case key is unknown", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`"rawId"`), []byte(`"RawId"`), 1)
		}, want: invalid},
		{name: "rawId a number", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`"rawId":"`), []byte(`"rawId":1,"x":"`), 1)
		}, want: invalid},
		{name: "response a string", json: func(c *regCase) []byte {
			return []byte(`{"id":"AA","rawId":"AA","type":"public-key","response":"x"}`)
		}, want: invalid},
		{name: "transports not array", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`["internal","hybrid"]`), []byte(`"internal"`), 1)
		}, want: invalid},
		{name: "transports element not string", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`["internal","hybrid"]`), []byte(`["internal",1]`), 1)
		}, want: invalid},
		{name: "unknown transport ignored", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`["internal","hybrid"]`), []byte(`["warp"]`), 1)
		}, want: ""},
		{name: "clientExtensionResults wrong type", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`{"credProps":{"rk":true}}`), []byte(`[]`), 1)
		}, want: invalid},
		{name: "clientExtensionResults null", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`{"credProps":{"rk":true}}`), []byte(`null`), 1)
		}, want: invalid},
		{name: "authenticatorAttachment null ok", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`"platform"`), []byte(`null`), 1)
		}, want: ""},
		{name: "authenticatorAttachment number", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`"platform"`), []byte(`7`), 1)
		}, want: invalid},
		{name: "missing attestationObject", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`"attestationObject"`), []byte(`"attestationObjectX"`), 1)
		}, want: invalid},
		{name: "nested too deep", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			c.extra = `,"x":` + strings.Repeat("[", 20) + strings.Repeat("]", 20)
		}, want: invalid},
		{name: "bad UTF-8", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.extra = ",\"x\":\"\xff\"" }, want: invalid},
		// Base64url forms.
		{name: "id std alphabet", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			useID(c, []byte{0xfb, 0xff, 0xfe}, base64.StdEncoding.EncodeToString)
		}, want: invalid},
		{name: "id url alphabet ok", edit: func(c *regCase, _ *webauthn.RelyingParty) { useID(c, []byte{0xfb, 0xff, 0xfe}, b64u.EncodeToString) }, want: ""},
		{name: "id padded ok", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			useID(c, []byte{1, 2, 3, 4}, base64.URLEncoding.EncodeToString)
		}, want: ""},
		{name: "id wrong padding", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			useID(c, []byte{1, 2, 3, 4}, func(b []byte) string { return b64u.EncodeToString(b) + "=" })
		}, want: invalid},
		{name: "id whitespace", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			useID(c, []byte{1, 2, 3, 4, 5, 6}, func(b []byte) string { s := b64u.EncodeToString(b); return s[:4] + " " + s[4:] })
		}, want: invalid},
		{name: "id escaped newline", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			useID(c, []byte{1, 2, 3, 4, 5, 6}, func(b []byte) string { s := b64u.EncodeToString(b); return s[:4] + `\n` + s[4:] })
		}, want: invalid},
		{name: "id JSON-escaped letters ok", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			useID(c, []byte{1, 2, 3, 4, 5, 6}, func(b []byte) string { s := b64u.EncodeToString(b); return `\u00` + hexByte(s[0]) + s[1:] })
		}, want: ""},
		{name: "id non-zero unused bits", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			useID(c, []byte{1, 2, 3, 4}, func(b []byte) string { s := b64u.EncodeToString(b); return s[:len(s)-1] + "R" })
		}, want: invalid},
		{name: "clientDataJSON url alphabet ok", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.cdj = tildeClientData(c) }, want: ""},
		{name: "clientDataJSON std alphabet", json: func(c *regCase) []byte {
			c.cdj = tildeClientData(c)
			std := base64.RawStdEncoding.EncodeToString(c.cdj)
			if !strings.Contains(std, "+") {
				panic("test input has no '+'")
			}
			return bytes.Replace(c.json(), []byte(b64u.EncodeToString(c.cdj)), []byte(std), 1)
		}, want: invalid},
		// Identity and type.
		{name: "id differs from rawId", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.id = "AAAA" }, want: invalid, spec: `Let response be credential.response`},
		{name: "rawId differs from credential ID", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.id, c.rawID = "AAAA", "AAAA" }, want: invalid},
		{name: "type not public-key", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(`"public-key"`), []byte(`"Public-Key"`), 1)
		}, want: invalid},
		// clientDataJSON.
		{name: "clientData type get", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.ClientData.Type = "webauthn.get" }, want: invalid, spec: "Verify that the value of C.type is `webauthn.create`"},
		{name: "clientData type other", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.ClientData.Type = "payment.create" }, want: invalid},
		{name: "clientData malformed", json: func(c *regCase) []byte {
			return bytes.Replace(c.json(), []byte(b64u.EncodeToString(c.reg.ClientDataJSON())), []byte(b64u.EncodeToString([]byte(`{"type":`))), 1)
		}, want: invalid},
		{name: "challenge", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.chal = []byte("another challenge") }, want: notFound, spec: `Verify that the value of C.challenge equals`},
		{name: "no challenge issued", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			c.reg.ClientData.Challenge, c.chal = []byte{}, []byte{}
		}, want: notFound},
		{name: "challenge prefix", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.chal = c.reg.ClientData.Challenge[:31] }, want: notFound},
		{name: "origin scheme", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.ClientData.Origin = "http://example.org" }, want: origin},
		{name: "origin port", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.ClientData.Origin = "https://example.org:8443" }, want: origin, spec: `Verify that the value of C.origin`},
		{name: "origin host", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.ClientData.Origin = "https://evil.example.org" }, want: origin},
		{name: "origin explicit default port", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.ClientData.Origin = "https://example.org:443" }, want: origin},
		{name: "origin port allowed", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			c.reg.ClientData.Origin = "https://example.org:8443"
			rp.Origins = []string{"https://example.org:8443"}
		}, want: ""},
		{name: "crossOrigin not allowed", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.ClientData.CrossOrigin = true }, want: origin, spec: `If C.crossOrigin is present`},
		{name: "crossOrigin allowed", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			c.reg.ClientData.CrossOrigin = true
			rp.AllowCrossOrigin = true
		}, want: ""},
		{name: "topOrigin without cross-origin policy", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			c.reg.ClientData.TopOrigin = "https://example.com"
			rp.TopOrigins = []string{"https://example.com"}
		}, want: origin},
		{name: "topOrigin not allowed", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			c.reg.ClientData.CrossOrigin, c.reg.ClientData.TopOrigin = true, "https://evil.com"
			rp.AllowCrossOrigin, rp.TopOrigins = true, []string{"https://example.com"}
		}, want: origin, spec: `If C.topOrigin is present`},
		{name: "topOrigin allowed", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			c.reg.ClientData.CrossOrigin, c.reg.ClientData.TopOrigin = true, "https://example.com"
			rp.AllowCrossOrigin, rp.TopOrigins = true, []string{"https://example.com"}
		}, want: ""},
		// Attestation object and authenticator data.
		{name: "attestationObject trailing bytes", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.obj = append(c.attObj(), 0) }, want: invalid, spec: `Perform CBOR decoding on the attestationObject`},
		{name: "attestationObject duplicate key", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.obj = dupFmtObject(c.reg.AuthDataBytes()) }, want: invalid},
		{name: "attStmt indefinite length", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.obj = indefiniteStmtObject(c.reg.AuthDataBytes()) }, want: invalid},
		{name: "attStmt not a map", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.stmt = 1 }, want: invalid},
		{name: "credential ID 1024 bytes", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.AuthData.CredentialID = longID }, want: invalid, spec: `Verify that the credentialId is &le; 1023 bytes`},
		{name: "credential ID 1023 bytes", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.AuthData.CredentialID = longID[:1023] }, want: ""},
		{name: "AT clear with data", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			c.reg.AuthData.ExactFlags, c.reg.AuthData.Flags = true, forge.FlagUP|forge.FlagUV
		}, want: invalid},
		{name: "ED set without extensions", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.AuthData.Flags |= forge.FlagED }, want: invalid},
		{name: "extensions ok", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			c.reg.AuthData.Extensions = forge.Marshal(map[string]any{"credProtect": 2})
		}, want: ""},
		{name: "BS without BE", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.AuthData.Flags |= forge.FlagBS }, want: invalid, spec: `verify that the authData/flags/BS bit is not`},
		{name: "BE and BS ok", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.AuthData.Flags |= forge.FlagBS | forge.FlagBE }, want: ""},
		{name: "COSE key malformed", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			k := c.reg.Cred.COSEParams()
			delete(k, -3)
			c.reg.AuthData.CredentialKey = k.Bytes()
		}, want: invalid},
		{name: "COSE key not on curve", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			k := c.reg.Cred.COSEParams()
			y := bytes.Clone(k[-3].([]byte))
			y[31] ^= 1
			k[-3] = y
			c.reg.AuthData.CredentialKey = k.Bytes()
		}, want: invalid},
		{name: "COSE key unsupported", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			c.reg.AuthData.CredentialKey = forge.COSEKey{1: int64(4), 3: int64(5), -1: make([]byte, 32)}.Bytes()
		}, want: notSupp},
		{name: "unsupported key loses to rpIdHash", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			c.reg.AuthData.CredentialKey = forge.COSEKey{1: int64(4), 3: int64(5), -1: make([]byte, 32)}.Bytes()
			rp.RPID = "example.com"
		}, want: rpid},
		{name: "rpIdHash", edit: func(c *regCase, rp *webauthn.RelyingParty) { rp.RPID = "example.com" }, want: rpid, spec: `Verify that the rpIdHash in authData`},
		{name: "UP clear", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.AuthData.Flags = forge.FlagUV }, want: notSupp, spec: `If options.mediation is not set to conditional`},
		{name: "UV required", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			c.reg.AuthData.Flags = forge.FlagUP
			rp.RequireUserVerification = true
		}, want: notSupp, spec: `requires user verification for this registration`},
		{name: "UV not required", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.reg.AuthData.Flags = forge.FlagUP }, want: ""},
		{name: "alg not allowed", edit: func(c *regCase, rp *webauthn.RelyingParty) { rp.Algorithms = []cose.Algorithm{cose.RS256, cose.EdDSA} }, want: notSupp, spec: `Verify that the "alg" parameter`},
		{name: "alg allowed", edit: func(c *regCase, rp *webauthn.RelyingParty) { rp.Algorithms = []cose.Algorithm{cose.RS256, cose.ES256} }, want: ""},
		// Formats and statements.
		{name: "fmt unknown", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.format = "foo" }, want: notSupp, spec: `Determine the attestation statement format`},
		{name: "fmt wrong case", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.format, c.stmt = "Packed", c.reg.PackedSelf() }, want: notSupp},
		{name: "fmt None", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.format = "None" }, want: notSupp},
		{name: "fmt not in policy", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			rp.Attestation.Formats = []attestation.Format{attestation.FormatPacked}
		}, want: notSupp},
		{name: "none with members", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.stmt = forge.Stmt{"x": 1} }, want: notSupp},
		{name: "packed self ok", edit: func(c *regCase, _ *webauthn.RelyingParty) { c.format, c.stmt = "packed", c.reg.PackedSelf() }, want: ""},
		{name: "packed bad signature", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			s := c.reg.PackedSelf()
			sig := bytes.Clone(s["sig"].([]byte))
			sig[len(sig)-1] ^= 1
			s["sig"] = sig
			c.format, c.stmt = "packed", s
		}, want: notSupp, spec: `Verify that attStmt is a correct attestation statement`},
		{name: "packed missing sig", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			s := c.reg.PackedSelf()
			delete(s, "sig")
			c.format, c.stmt = "packed", s
		}, want: notSupp},
		{name: "packed ecdaaKeyId", edit: func(c *regCase, _ *webauthn.RelyingParty) {
			s := c.reg.PackedSelf()
			s["ecdaaKeyId"] = []byte{1}
			c.format, c.stmt = "packed", s
		}, want: notSupp},
		{name: "type not acceptable", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			rp.Attestation.Types = []attestation.Type{attestation.TypeBasic}
		}, want: notSupp, spec: `Assess the attestation trustworthiness`},
		{name: "trusted attestation required", edit: func(c *regCase, rp *webauthn.RelyingParty) {
			rp.Attestation.RequireTrustedAttestation = true
		}, want: notSupp, spec: `Assess the attestation trustworthiness`},
		// Policy.
		{name: "disabled", edit: func(c *regCase, rp *webauthn.RelyingParty) { rp.Disabled = true }, want: webauthn.ExceptionNotEnabled},
		{name: "no RPID", edit: func(c *regCase, rp *webauthn.RelyingParty) { rp.RPID = "" }, want: webauthn.ExceptionConfigurationMissing},
		{name: "too large", edit: func(c *regCase, rp *webauthn.RelyingParty) { rp.MaxResponseSize = 100 }, want: invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newRegCase(cose.ES256)
			rp := newRP()
			if tt.edit != nil {
				tt.edit(c, rp)
			}
			js := c.json()
			if tt.json != nil {
				js = tt.json(c)
			}
			var out webauthn.Registration
			err := rp.VerifyRegistration(js, c.challenge(), &out)
			errtest.WantException(t, err, tt.want)
			checkStep(t, err, "§7.1", tt.spec)
		})
	}
}

func TestZeroRelyingParty(t *testing.T) {
	c := newRegCase(cose.ES256)
	var rp webauthn.RelyingParty
	var out webauthn.Registration
	errtest.WantException(t, rp.VerifyRegistration(c.json(), c.challenge(), &out), webauthn.ExceptionConfigurationMissing)
	var as webauthn.Assertion
	errtest.WantException(t, rp.VerifyAuthentication(nil, nil, &webauthn.Credential{}, &as), webauthn.ExceptionConfigurationMissing)
}

func TestMaxResponseSize(t *testing.T) {
	c := newRegCase(cose.ES256)
	js := c.json()
	rp := newRP()
	rp.MaxResponseSize = len(js)
	var out webauthn.Registration
	errtest.WantException(t, rp.VerifyRegistration(js, c.challenge(), &out), "")
	rp2 := newRP()
	rp2.MaxResponseSize = len(js) - 1
	errtest.WantException(t, rp2.VerifyRegistration(js, c.challenge(), &out), invalid)
	big := append(js[:len(js)-1:len(js)-1], `,"pad":"`+strings.Repeat("a", webauthn.MaxResponseSize)+`"}`...)
	errtest.WantException(t, newRP().VerifyRegistration(big, c.challenge(), &out), invalid)
}

// useID sets the credential ID and writes id and rawId with enc.
func useID(c *regCase, id []byte, enc func([]byte) string) {
	c.reg.AuthData.CredentialID = id
	c.id = enc(id)
	c.rawID = c.id
}

func hexByte(b byte) string {
	const h = "0123456789abcdef"
	return string([]byte{h[b>>4], h[b&15]})
}

// dupFmtObject is an attestationObject with "fmt" twice.
func dupFmtObject(authData []byte) []byte {
	b := []byte{0xa4, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e', 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e',
		0x67, 'a', 't', 't', 'S', 't', 'm', 't', 0xa0, 0x68, 'a', 'u', 't', 'h', 'D', 'a', 't', 'a', 0x59}
	b = append(b, byte(len(authData)>>8), byte(len(authData)))
	return append(b, authData...)
}

// indefiniteStmtObject is an attestationObject whose attStmt is an
// indefinite-length empty map.
func indefiniteStmtObject(authData []byte) []byte {
	b := []byte{0xa3, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e',
		0x67, 'a', 't', 't', 'S', 't', 'm', 't', 0xbf, 0xff, 0x68, 'a', 'u', 't', 'h', 'D', 'a', 't', 'a', 0x59}
	b = append(b, byte(len(authData)>>8), byte(len(authData)))
	return append(b, authData...)
}

// authCase is a forged assertion for the credential of a regCase.
type authCase struct {
	key        *forge.Key
	credID     []byte
	authData   forge.AuthData
	clientData forge.ClientData
	userHandle string // JSON value text, or "" for absent
	ext        string // clientExtensionResults JSON text; "" means {}, "-" absent
	badSig     bool
}

func newAuthCase() (*authCase, *webauthn.Credential) {
	f := forge.New("ceremony")
	key := f.Key("cred", cose.ES256)
	a := &authCase{
		key:        key,
		credID:     f.Bytes("credid/cred", 16),
		authData:   forge.AuthData{RPID: "example.org", Flags: forge.FlagUP | forge.FlagUV, SignCount: 5},
		clientData: forge.ClientData{Type: "webauthn.get", Challenge: f.Bytes("get", 32), Origin: "https://example.org"},
		userHandle: `"` + b64u.EncodeToString([]byte("user-1")) + `"`,
	}
	cred := &webauthn.Credential{ID: a.credID, PublicKey: key.COSE(), SignCount: 4, UserHandle: []byte("user-1")}
	return a, cred
}

func (a *authCase) json() []byte {
	ad := a.authData.Bytes()
	cdj := a.clientData.JSON()
	h := sha256.Sum256(cdj)
	sig := a.key.Sign(ad, h[:])
	if a.badSig {
		sig[len(sig)-1] ^= 1
	}
	r := forge.AssertionJSON(a.credID, cdj, ad, sig)
	if a.userHandle != "" {
		r.Inner = `,"userHandle":` + a.userHandle // raw JSON, possibly not a string
	}
	r.Attachment, r.Extensions, r.NoExtensions = "cross-platform", a.ext, a.ext == "-"
	return r.JSON()
}

func TestAuthenticationErrorTable(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(a *authCase, cred *webauthn.Credential, rp *webauthn.RelyingParty)
		json  func(a *authCase) []byte
		want  string
		clone bool
		spec  string // the opening words of the §7.2 step that must fail
	}{
		{name: "ok", want: ""},
		{name: "userHandle null", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.userHandle = "null" }, want: ""},
		{name: "userHandle absent", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.userHandle = "" }, want: ""},
		{name: "userHandle other user", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) {
			a.userHandle = `"` + b64u.EncodeToString([]byte("user-2")) + `"`
		}, want: notAuth, spec: `Identify the user being authenticated`},
		{name: "userHandle number", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.userHandle = "1" }, want: invalid},
		{name: "malformed JSON", json: func(a *authCase) []byte { return a.json()[1:] }, want: invalid, spec: `Let response be credential.response`},
		{name: "missing signature", json: func(a *authCase) []byte {
			return bytes.Replace(a.json(), []byte(`"signature"`), []byte(`"sig"`), 1)
		}, want: invalid},
		{name: "credential ID not stored one", edit: func(_ *authCase, cred *webauthn.Credential, _ *webauthn.RelyingParty) { cred.ID = []byte("other") }, want: invalid},
		{name: "clientData type create", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) {
			a.clientData.Type = "webauthn.create"
		}, want: invalid, spec: "is the string `webauthn.get`"},
		{name: "challenge", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) {
			a.clientData.Challenge = []byte("x")
		}, want: notFound, spec: `Verify that the value of C.challenge equals`},
		{name: "origin", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) {
			a.clientData.Origin = "https://example.org:444"
		}, want: origin, spec: `Verify that the value of C.origin`},
		{name: "crossOrigin", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.clientData.CrossOrigin = true }, want: origin, spec: `If C.crossOrigin is present`},
		{name: "topOrigin", edit: func(a *authCase, _ *webauthn.Credential, rp *webauthn.RelyingParty) {
			a.clientData.CrossOrigin, a.clientData.TopOrigin = true, "https://evil.com"
			rp.AllowCrossOrigin = true
		}, want: origin, spec: `If C.topOrigin is present`},
		{name: "authData truncated", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) {
			a.authData.ExactFlags, a.authData.Flags = true, forge.FlagUP|forge.FlagED
		}, want: invalid, spec: `Let cData, authData and sig denote`},
		{name: "BS without BE", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.authData.Flags |= forge.FlagBS }, want: invalid, spec: `verify that the authData/flags/BS bit is not`},
		{name: "rpIdHash", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.authData.RPID = "example.com" }, want: rpid, spec: `Verify that the rpIdHash in authData`},
		{name: "UP clear", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.authData.Flags = forge.FlagUV }, want: notAuth, spec: `Verify that the UP bit`},
		{name: "UV required", edit: func(a *authCase, _ *webauthn.Credential, rp *webauthn.RelyingParty) {
			a.authData.Flags = forge.FlagUP
			rp.RequireUserVerification = true
		}, want: notAuth, spec: `Determine whether user verification is required`},
		{name: "BE set, stored not eligible", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.authData.Flags |= forge.FlagBE }, want: notAuth, spec: `If the credential backup state is used`},
		{name: "BE clear, stored eligible", edit: func(_ *authCase, cred *webauthn.Credential, _ *webauthn.RelyingParty) { cred.BackupEligible = true }, want: notAuth},
		{name: "BE unknown", edit: func(a *authCase, cred *webauthn.Credential, _ *webauthn.RelyingParty) {
			a.authData.Flags |= forge.FlagBE
			cred.BackupEligibleUnknown = true
		}, want: ""},
		{name: "BS changes", edit: func(a *authCase, cred *webauthn.Credential, _ *webauthn.RelyingParty) {
			a.authData.Flags |= forge.FlagBE | forge.FlagBS
			cred.BackupEligible = true
		}, want: ""},
		{name: "bad signature", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.badSig = true }, want: notAuth, spec: `Using credentialRecord.publicKey`},
		{name: "other key", edit: func(_ *authCase, cred *webauthn.Credential, _ *webauthn.RelyingParty) {
			cred.PublicKey = forge.New("other").Key("cred", cose.ES256).COSE()
		}, want: notAuth},
		{name: "stored key malformed", edit: func(_ *authCase, cred *webauthn.Credential, _ *webauthn.RelyingParty) { cred.PublicKey = []byte{0xa0} }, want: invalid},
		{name: "sign count regression accepted", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty) { a.authData.SignCount = 4 }, want: "", clone: true},
		{name: "sign count regression rejected", edit: func(a *authCase, _ *webauthn.Credential, rp *webauthn.RelyingParty) {
			a.authData.SignCount = 3
			rp.RejectSignCountRegression = true
		}, want: notAuth, spec: `If authData.signCount is nonzero`},
		{name: "sign counts both zero", edit: func(a *authCase, cred *webauthn.Credential, rp *webauthn.RelyingParty) {
			a.authData.SignCount, cred.SignCount = 0, 0
			rp.RejectSignCountRegression = true
		}, want: ""},
		{name: "stored count, authenticator zero", edit: func(a *authCase, _ *webauthn.Credential, rp *webauthn.RelyingParty) {
			a.authData.SignCount = 0
			rp.RejectSignCountRegression = true
		}, want: notAuth},
		{name: "disabled", edit: func(_ *authCase, _ *webauthn.Credential, rp *webauthn.RelyingParty) { rp.Disabled = true }, want: webauthn.ExceptionNotEnabled},
		{name: "no RPID", edit: func(_ *authCase, _ *webauthn.Credential, rp *webauthn.RelyingParty) { rp.RPID = "" }, want: webauthn.ExceptionConfigurationMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, cred := newAuthCase()
			issued := a.clientData.Challenge
			rp := newRP()
			if tt.edit != nil {
				tt.edit(a, cred, rp)
			}
			js := a.json()
			if tt.json != nil {
				js = tt.json(a)
			}
			var out webauthn.Assertion
			err := rp.VerifyAuthentication(js, issued, cred, &out)
			errtest.WantException(t, err, tt.want)
			checkStep(t, err, "§7.2", tt.spec)
			if err == nil {
				if out.CloneSuspected != tt.clone {
					t.Errorf("CloneSuspected = %v", out.CloneSuspected)
				}
				if !bytes.Equal(out.CredentialID, a.credID) || out.SignCount != a.authData.SignCount || out.Attachment != webauthn.AttachmentCrossPlatform {
					t.Errorf("assertion %+v", out)
				}
			}
		})
	}
}
