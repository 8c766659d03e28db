package webauthnhttp

import (
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/internal/jsonw"
)

// jsonAppender is a 200 body that encodes itself as encoding/json would,
// byte for byte, without reflection (route writes it directly).
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

var (
	_ jsonAppender = (*AssertionSummary)(nil)
	_ jsonAppender = (*ceremony.RequestOptionsJSON)(nil)
)

// AppendJSON appends s as encoding/json encodes it (json.Marshal, HTML
// escaping on), byte for byte: the body of a login/finish (WebAuthn L3
// §7.2, after step 24). It never fails.
func (s *AssertionSummary) AppendJSON(b []byte) ([]byte, error) {
	b = jsonw.String(jsonw.Key(append(b, '{'), "ceremony", true), s.Ceremony)
	b = jsonw.String(jsonw.Key(b, "user", false), s.User)
	b = jsonw.String(jsonw.Key(b, "credentialId", false), s.CredentialID)
	b = jsonw.Uint(jsonw.Key(b, "signCount", false), uint64(s.SignCount))
	b = jsonw.Uint(jsonw.Key(b, "previousSignCount", false), uint64(s.PreviousSignCount))
	b = jsonw.Bool(jsonw.Key(b, "cloneSuspected", false), s.CloneSuspected)
	b = s.Flags.appendJSON(jsonw.Key(b, "flags", false))
	b = jsonw.String(jsonw.Key(b, "attachment", false), s.Attachment)
	b = jsonw.String(jsonw.Key(b, "userHandle", false), s.UserHandle)
	b = jsonw.Bool(jsonw.Key(b, "appIdUsed", false), s.AppIDUsed)
	b = jsonw.Key(b, "signal", false)
	if g := s.Signal; g == nil {
		b = append(b, "null"...)
	} else {
		b = jsonw.String(jsonw.Key(append(b, '{'), "rpId", true), g.RPID)
		b = jsonw.String(jsonw.Key(b, "userId", false), g.UserID)
		b = append(jsonw.Strings(jsonw.Key(b, "allAcceptedCredentialIds", false), g.AllAcceptedCredentialIDs), '}')
	}
	return append(b, '}'), nil
}

// appendJSON appends f as encoding/json encodes it.
func (f *FlagsSummary) appendJSON(b []byte) []byte {
	b = jsonw.Bool(jsonw.Key(append(b, '{'), "up", true), f.UserPresent)
	b = jsonw.Bool(jsonw.Key(b, "uv", false), f.UserVerified)
	b = jsonw.Bool(jsonw.Key(b, "be", false), f.BackupEligible)
	b = jsonw.Bool(jsonw.Key(b, "bs", false), f.BackupState)
	b = jsonw.Bool(jsonw.Key(b, "at", false), f.AttestedData)
	b = jsonw.Bool(jsonw.Key(b, "ed", false), f.Extensions)
	b = jsonw.Int(jsonw.Key(b, "byte", false), int64(f.Byte))
	return append(b, '}')
}
