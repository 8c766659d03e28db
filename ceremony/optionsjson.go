package ceremony

import "github.com/passkeykit/webauthn/internal/jsonw"

// AppendJSON appends o, PublicKeyCredentialRequestOptionsJSON (WebAuthn L3
// §5.5), as encoding/json encodes it (json.Marshal, HTML
// escaping on), byte for byte, without reflection: the body of a
// login/begin. It fails with ErrUnknownToken where encoding/json would fail,
// on a UserVerification or Hint outside its enumeration.
func (o *RequestOptionsJSON) AppendJSON(b []byte) ([]byte, error) {
	b = jsonw.Key(append(b, '{'), "challenge", true)
	b = jsonw.String(b, o.Challenge)
	if o.Timeout != 0 {
		b = jsonw.Int(jsonw.Key(b, "timeout", false), o.Timeout)
	}
	if o.RPID != "" {
		b = jsonw.String(jsonw.Key(b, "rpId", false), o.RPID)
	}
	b = jsonw.Key(b, "allowCredentials", false)
	if o.AllowCredentials == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range o.AllowCredentials {
			if i > 0 {
				b = append(b, ',')
			}
			b = o.AllowCredentials[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	if o.UserVerification != 0 {
		if !valid(userVerificationTokens[:], uint8(o.UserVerification)) {
			return nil, ErrUnknownToken
		}
		b = jsonw.String(jsonw.Key(b, "userVerification", false), o.UserVerification.String())
	}
	if len(o.Hints) > 0 {
		b = append(jsonw.Key(b, "hints", false), '[')
		for i, h := range o.Hints {
			if h == 0 || !valid(hintTokens[:], uint8(h)) {
				return nil, ErrUnknownToken
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.String(b, h.String())
		}
		b = append(b, ']')
	}
	if e := o.Extensions; e != nil {
		b = append(jsonw.Key(b, "extensions", false), '{')
		first := true
		if e.CredProps {
			b, first = jsonw.Bool(jsonw.Key(b, "credProps", first), true), false
		}
		if e.AppID != "" {
			b, first = jsonw.String(jsonw.Key(b, "appid", first), e.AppID), false
		}
		if e.AppIDExclude != "" {
			b = jsonw.String(jsonw.Key(b, "appidExclude", first), e.AppIDExclude)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendJSON appends d as encoding/json encodes it.
func (d *CredentialDescriptor) appendJSON(b []byte) []byte {
	b = jsonw.String(jsonw.Key(append(b, '{'), "id", true), d.ID)
	b = jsonw.String(jsonw.Key(b, "type", false), d.Type)
	if len(d.Transports) > 0 {
		b = jsonw.Strings(jsonw.Key(b, "transports", false), d.Transports)
	}
	return append(b, '}')
}
