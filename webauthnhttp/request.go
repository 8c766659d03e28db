package webauthnhttp

import (
	"encoding"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// beginRequest is the body of register/begin and login/begin.
type beginRequest struct {
	username, displayName string
	attestation           ceremony.Conveyance
	userVerification      ceremony.UserVerification
	residentKey           ceremony.ResidentKey
	attachment            ceremony.Attachment
	algorithms            []cose.Algorithm
	conditional           bool
}

// finishRequest is the body of register/finish and login/finish; credential
// is the raw response JSON, a view into the body.
type finishRequest struct {
	username   string
	credential []byte
}

// maxAlgorithms bounds the "algorithms" list of a begin request: the COSE
// registry has fewer than 20 signature algorithms a credential may use.
const maxAlgorithms = 16

// readRequest reads the request body b as one JSON object, strictly:
// well-formed, no duplicate member names (compared after escapes), nothing
// after it. member reads the value of each member, its name unescaped, from
// r, and returns why it is rejected, or "".
func readRequest(b []byte, what string, member func(name string, r *jsonx.Reader) string) error {
	bad := func(reason string) error {
		return webauthn.NewError(webauthn.ErrMalformed, stepHandler, what+": "+reason, nil)
	}
	r := jsonx.Reader(b)
	if !r.ReadObjectStart() {
		return bad("body is not a JSON object")
	}
	var keys jsonx.Keys
	var k []byte
	var esc bool
	var nameBuf [32]byte // member names are short: unescaped on the stack
	m := jsonx.Members{Keys: &keys}
	for m.Next(&r, &k, &esc) {
		if reason := member(string(jsonx.AppendUnescaped(nameBuf[:0], k)), &r); reason != "" {
			return bad(reason)
		}
	}
	switch m.Code() {
	case jsonx.CodeOK:
	case jsonx.CodeDuplicateKey:
		return bad("duplicate member")
	case jsonx.CodeTooManyMembers:
		return bad("too many members")
	default:
		return bad("body is not well-formed JSON")
	}
	if !r.End() {
		return bad("trailing data after the JSON object")
	}
	return nil
}

// readString reads a JSON string value, unescaped.
func readString(r *jsonx.Reader) (string, bool) {
	var v []byte
	var esc bool
	if r.Peek() != jsonx.KindString || !r.ReadString(&v, &esc) {
		return "", false
	}
	return string(jsonx.AppendUnescaped(nil, v)), true
}

// parseBeginRequest reads a begin body strictly (readRequest) with only the
// members Handler documents. The preference members take the tokens of
// §5.4.7 (attestation), §5.8.6 (userVerification), §5.4.6 (residentKey) and
// §5.4.5 (authenticatorAttachment); an unknown token is
// InvalidParameterException here, where §5.4 would have the browser ignore
// it, so that typos surface.
func parseBeginRequest(b []byte, out *beginRequest) error {
	return readRequest(b, "begin request", func(name string, r *jsonx.Reader) string {
		if name == "algorithms" {
			if !r.ReadArrayStart() {
				return "algorithms is not an array"
			}
			for j := 0; !r.ReadArrayEnd(); j++ {
				var num []byte
				if j > 0 && !r.ReadComma() || r.Peek() != jsonx.KindNumber || !r.ReadNumber(&num) {
					return "algorithms is not an array of integers"
				}
				a, ok := parseInt(num)
				if !ok || j == maxAlgorithms {
					return "algorithms holds a non-integer or too many entries"
				}
				out.algorithms = append(out.algorithms, cose.Algorithm(a))
			}
			return ""
		}
		if name == "conditional" {
			if r.Peek() != jsonx.KindBool || !r.ReadBool(&out.conditional) {
				return "conditional is not a boolean"
			}
			return ""
		}
		s, ok := readString(r)
		if !ok {
			return name + " is not a string"
		}
		var tok encoding.TextUnmarshaler
		switch name {
		case "username":
			out.username, ok = s, len(s) <= maxUserNameSize
		case "displayName":
			out.displayName, ok = s, len(s) <= maxUserNameSize
		case "attestation":
			tok = &out.attestation
		case "userVerification":
			tok = &out.userVerification
		case "residentKey":
			tok = &out.residentKey
		case "authenticatorAttachment":
			tok = &out.attachment
		default:
			return "unknown member " + name
		}
		if tok != nil {
			ok = tok.UnmarshalText([]byte(s)) == nil
		}
		if !ok {
			return name + " is longer than 256 bytes or not one of its tokens"
		}
		return ""
	})
}

// parseFinishRequest reads a finish body strictly (readRequest):
// {"username": string, "credential": object}, username optional.
func parseFinishRequest(b []byte, out *finishRequest) error {
	err := readRequest(b, "finish request", func(name string, r *jsonx.Reader) string {
		switch name {
		case "username":
			s, ok := readString(r)
			if !ok || len(s) > maxUserNameSize {
				return "username is not a string of at most 256 bytes"
			}
			out.username = s
		case "credential":
			if r.Peek() != jsonx.KindObject || !r.SkipNested(2, &out.credential) {
				return "credential is not a well-formed JSON object"
			}
		default:
			return "unknown member " + name
		}
		return ""
	})
	if err == nil && out.credential == nil {
		err = webauthn.NewError(webauthn.ErrMalformed, stepHandler, "finish request: credential is missing", nil)
	}
	return err
}

// parseInt reads a JSON integer of at most 18 digits.
func parseInt(num []byte) (int64, bool) {
	neg := len(num) > 0 && num[0] == '-'
	if neg {
		num = num[1:]
	}
	if len(num) == 0 || len(num) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
