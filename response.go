package webauthn

import (
	"errors"

	"github.com/passkeykit/webauthn/internal/b64"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// Causes of a malformed response JSON, wrapped in an *Error with ErrMalformed.
var (
	ErrResponseTooLarge   = errors.New("webauthn: response JSON larger than the policy's MaxResponseSize")
	ErrResponseSyntax     = errors.New("webauthn: response is not well-formed JSON (RFC 8259)")
	ErrResponseNotObject  = errors.New("webauthn: response or one of its objects is not a JSON object")
	ErrResponseDuplicate  = errors.New("webauthn: duplicate member name in the response JSON")
	ErrResponseFieldType  = errors.New("webauthn: response member has the wrong JSON type")
	ErrResponseMissing    = errors.New("webauthn: response lacks a required member")
	ErrResponseTrailing   = errors.New("webauthn: trailing data after the response JSON")
	ErrResponseBase64     = errors.New("webauthn: binary member is not base64url (unpadded or correctly padded, URL-safe alphabet, zero unused bits)")
	ErrResponseTooComplex = errors.New("webauthn: response JSON nested too deeply or with too many members")
)

// jstr is a JSON string member: a view between the quotes, escapes undecoded.
type jstr struct {
	raw     []byte
	esc     bool
	present bool
}

func (s *jstr) is(v string) bool { return s.present && jsonx.StringEqual(s.raw, s.esc, v) }

// responseJSON is a RegistrationResponseJSON or AuthenticationResponseJSON
// (§5.1 toJSON, §5.1.4-5) read as views into the input: strings are the text
// between the quotes, extension results the raw JSON object. Nothing is
// decoded here.
type responseJSON struct {
	id, rawID, typ jstr
	attachment     jstr // authenticatorAttachment; absent or null: !present

	clientDataJSON    jstr
	attestationObject jstr // registration (optional in an assertion, ignored)
	authenticatorData jstr
	publicKey         jstr // registration, optional, not used
	signature         jstr // authentication
	userHandle        jstr // authentication; absent or null: !present

	publicKeyAlgorithm []byte // number text, registration, optional, not used
	transports         []byte // raw JSON array of strings, or nil
	extensions         []byte // raw clientExtensionResults object, or nil
}

// Which response dictionary parseResponse reads.
const (
	ceremonyRegistration = iota
	ceremonyAuthentication
)

// parseResponse reads a RegistrationResponseJSON (ceremony
// ceremonyRegistration) or AuthenticationResponseJSON from b into *out, whose
// fields are views into b. It rejects, resetting *out: malformed JSON
// anywhere (including in members it ignores), anything but whitespace after
// the object, duplicate member names at any depth (compared after decoding
// escapes), a known member of the wrong JSON type, and a missing id, rawId,
// type, response, clientDataJSON and attestationObject (registration) or
// authenticatorData and signature (authentication). Member names are matched
// exactly (case-sensitive); unknown members are checked and ignored. It
// allocates nothing.
func parseResponse(b []byte, ceremony int, out *responseJSON) error {
	*out = responseJSON{}
	if err := parseTop(b, ceremony, out); err != nil {
		*out = responseJSON{}
		return err
	}
	return nil
}

// codeErr maps why jsonx rejected a value to its sentinel, and CodeOK to nil.
func codeErr(c jsonx.Code) error {
	switch c {
	case jsonx.CodeOK:
		return nil
	case jsonx.CodeDuplicateKey:
		return ErrResponseDuplicate
	case jsonx.CodeTooDeep, jsonx.CodeTooManyMembers:
		return ErrResponseTooComplex
	}
	return ErrResponseSyntax
}

// valueErr says why a value SkipNested refused at depth is rejected.
func valueErr(b []byte, depth int) error {
	if err := codeErr(jsonx.Diagnose(b, depth)); err != nil {
		return err
	}
	return ErrResponseSyntax
}

// The member names parseTop and parseInner read, in the order of their
// Keys.Names (jsonx compares a name with these first and hashes only others).
var (
	topNames   = [...]string{"id", "rawId", "type", "response", "authenticatorAttachment", "clientExtensionResults"}
	innerNames = [...]string{"clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle",
		"transports", "publicKey", "publicKeyAlgorithm"}
)

// Indexes into topNames and innerNames.
const (
	topID = iota
	topRawID
	topType
	topResponse
	topAttachment
	topExtensions
)

const (
	innerClientDataJSON = iota
	innerAttestationObject
	innerAuthenticatorData
	innerSignature
	innerUserHandle
	innerTransports
	innerPublicKey
	innerPublicKeyAlgorithm
)

func parseTop(b []byte, ceremony int, out *responseJSON) error {
	r := jsonx.Reader(b)
	if !r.ReadObjectStart() {
		if k := r.Peek(); k != jsonx.KindInvalid && k != jsonx.KindObject {
			return ErrResponseNotObject
		}
		return ErrResponseSyntax
	}
	keys := jsonx.Keys{Names: topNames[:]}
	var k []byte
	var esc, haveResponse bool
	m := jsonx.Members{Keys: &keys}
	for m.Next(&r, &k, &esc) {
		var err error
		switch m.Known() {
		case topID:
			err = readStr(&r, &out.id)
		case topRawID:
			err = readStr(&r, &out.rawID)
		case topType:
			err = readStr(&r, &out.typ)
		case topAttachment:
			err = readOptStr(&r, &out.attachment)
		case topExtensions:
			err = readObject(&r, 2, &out.extensions)
		case topResponse:
			haveResponse = true
			err = parseInner(&r, ceremony, out)
		default:
			err = skip(&r, 2)
		}
		if err != nil {
			return err
		}
	}
	if err := codeErr(m.Code()); err != nil {
		return err
	}
	if !r.End() {
		return ErrResponseTrailing
	}
	if !out.id.present || !out.rawID.present || !out.typ.present || !haveResponse ||
		!out.clientDataJSON.present {
		return ErrResponseMissing
	}
	if ceremony == ceremonyRegistration && !out.attestationObject.present ||
		ceremony == ceremonyAuthentication && (!out.authenticatorData.present || !out.signature.present) {
		return ErrResponseMissing
	}
	return nil
}

// parseInner reads the "response" member: AuthenticatorAttestationResponseJSON
// or AuthenticatorAssertionResponseJSON.
func parseInner(r *jsonx.Reader, ceremony int, out *responseJSON) error {
	if r.Peek() != jsonx.KindObject {
		if r.Peek() == jsonx.KindInvalid {
			return ErrResponseSyntax
		}
		return ErrResponseFieldType
	}
	r.ReadObjectStart()
	keys := jsonx.Keys{Names: innerNames[:]}
	var k []byte
	var esc bool
	m := jsonx.Members{Keys: &keys}
	for m.Next(r, &k, &esc) {
		var err error
		switch known := m.Known(); {
		case known == innerClientDataJSON:
			err = readStr(r, &out.clientDataJSON)
		case known == innerAuthenticatorData:
			err = readStr(r, &out.authenticatorData)
		case known == innerAttestationObject:
			err = readStr(r, &out.attestationObject)
		case ceremony == ceremonyRegistration && known == innerTransports:
			err = readStrings(r, &out.transports)
		case ceremony == ceremonyRegistration && known == innerPublicKey:
			err = readStr(r, &out.publicKey)
		case ceremony == ceremonyRegistration && known == innerPublicKeyAlgorithm:
			if r.Peek() != jsonx.KindNumber {
				err = typeErr(r)
			} else if !r.ReadNumber(&out.publicKeyAlgorithm) {
				err = ErrResponseSyntax
			}
		case ceremony == ceremonyAuthentication && known == innerSignature:
			err = readStr(r, &out.signature)
		case ceremony == ceremonyAuthentication && known == innerUserHandle:
			err = readOptStr(r, &out.userHandle)
		default:
			err = skip(r, 3)
		}
		if err != nil {
			return err
		}
	}
	return codeErr(m.Code())
}

// typeErr is the error for a value of the wrong kind at the front of r:
// ErrResponseSyntax when it is not even the start of a value.
func typeErr(r *jsonx.Reader) error {
	if r.Peek() == jsonx.KindInvalid {
		return ErrResponseSyntax
	}
	return ErrResponseFieldType
}

func readStr(r *jsonx.Reader, s *jstr) error {
	if r.Peek() != jsonx.KindString {
		return typeErr(r)
	}
	if !r.ReadString(&s.raw, &s.esc) {
		return ErrResponseSyntax
	}
	s.present = true
	return nil
}

// readOptStr reads a string, or null meaning absent.
func readOptStr(r *jsonx.Reader, s *jstr) error {
	if r.Peek() == jsonx.KindNull {
		if !r.ReadNull() {
			return ErrResponseSyntax
		}
		return nil
	}
	return readStr(r, s)
}

// readObject reads an object at depth as raw text.
func readObject(r *jsonx.Reader, depth int, raw *[]byte) error {
	if r.Peek() != jsonx.KindObject {
		return typeErr(r)
	}
	rest := []byte(*r)
	if !r.SkipNested(depth, raw) {
		return valueErr(rest, depth)
	}
	return nil
}

// readStrings reads an array of strings (transports) as raw text.
func readStrings(r *jsonx.Reader, raw *[]byte) error {
	if r.Peek() != jsonx.KindArray {
		return typeErr(r)
	}
	start := []byte(*r)
	r.ReadArrayStart()
	var s []byte
	var esc bool
	for i := 0; !r.ReadArrayEnd(); i++ {
		if i > 0 && !r.ReadComma() {
			return ErrResponseSyntax
		}
		if r.Peek() != jsonx.KindString {
			return typeErr(r)
		}
		if !r.ReadString(&s, &esc) {
			return ErrResponseSyntax
		}
	}
	*raw = start[:len(start)-len(*r)]
	return nil
}

func skip(r *jsonx.Reader, depth int) error {
	rest := []byte(*r)
	var raw []byte
	if !r.SkipNested(depth, &raw) {
		return valueErr(rest, depth)
	}
	return nil
}

// decodedSize returns how many bytes decodeB64 needs for s, including room to
// undo JSON escapes, and false when s cannot be base64url.
func decodedSize(s *jstr) (int, bool) {
	n, ok := b64.DecodedLen(s.raw)
	if s.esc {
		// Escaped text is at least as long as its decoded form; the
		// unescaped text goes to scratch space first.
		n, ok = len(s.raw)/4*3+3+len(s.raw), true
	}
	return n, ok
}

// decodeB64 decodes the base64url string s into the front of *buf, advancing
// it, and returns the decoded bytes (capacity-limited). The buffer was sized
// with decodedSize.
func decodeB64(buf *[]byte, s *jstr) ([]byte, bool) {
	text := s.raw
	if s.esc {
		b := *buf
		text = jsonx.AppendUnescaped(b[len(b)-len(s.raw):len(b)-len(s.raw)], s.raw)
		*buf = b[:len(b)-len(s.raw)]
	}
	n, ok := b64.DecodedLen(text)
	if !ok || n > len(*buf) {
		return nil, false
	}
	n, ok = b64.Decode(*buf, text)
	if !ok {
		return nil, false
	}
	out := (*buf)[:n:n]
	*buf = (*buf)[n:]
	return out, true
}

// Attachment is the authenticatorAttachment of a response (§5.4.5).
type Attachment uint8

// The values of Attachment. AttachmentUnknown is a value this package does
// not know, which §5.4.5 says to ignore.
const (
	AttachmentAbsent Attachment = iota
	AttachmentPlatform
	AttachmentCrossPlatform
	AttachmentUnknown
)

// String returns the §5.4.5 spelling, "" when absent and "unknown" otherwise.
func (a Attachment) String() string {
	switch a {
	case AttachmentPlatform:
		return "platform"
	case AttachmentCrossPlatform:
		return "cross-platform"
	case AttachmentUnknown:
		return "unknown"
	}
	return ""
}

func parseAttachment(s *jstr) Attachment {
	switch {
	case !s.present:
		return AttachmentAbsent
	case s.is("platform"):
		return AttachmentPlatform
	case s.is("cross-platform"):
		return AttachmentCrossPlatform
	}
	return AttachmentUnknown
}

// Transports is the set of AuthenticatorTransport values a registration
// response listed (§5.8.4). Values this package does not know are ignored,
// as §5.8.4 requires.
type Transports uint8

// The transports of §5.8.4.
const (
	TransportUSB Transports = 1 << iota
	TransportNFC
	TransportBLE
	TransportSmartCard
	TransportHybrid
	TransportInternal
)

var transportNames = [...]string{"usb", "nfc", "ble", "smart-card", "hybrid", "internal"}

// Has reports whether every transport in u is in t.
func (t Transports) Has(u Transports) bool { return t&u == u }

// Strings returns the §5.8.4 names of t, in the order of the constants. It
// allocates the slice; the strings are constants.
func (t Transports) Strings() []string {
	var out []string
	for i, n := range transportNames {
		if t&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// parseTransports reads the raw JSON array of strings parseResponse validated.
func parseTransports(raw []byte) Transports {
	var t Transports
	r := jsonx.Reader(raw)
	if !r.ReadArrayStart() {
		return 0
	}
	var s []byte
	var esc bool
	for i := 0; !r.ReadArrayEnd(); i++ {
		if i > 0 && !r.ReadComma() || !r.ReadString(&s, &esc) {
			return t
		}
		for j, n := range transportNames {
			if jsonx.StringEqual(s, esc, n) {
				t |= 1 << j
			}
		}
	}
	return t
}

// CheckRegistrationResponseJSON reports whether b is a RegistrationResponseJSON
// (§5.1, the JSON of PublicKeyCredential.toJSON()) that VerifyRegistration
// would read: the first step of §7.1, without decoding anything. It rejects
// what parseResponse rejects (malformed JSON anywhere, trailing data, duplicate
// member names at any depth, known members of the wrong type, missing required
// members, responses over MaxResponseSize) with an *Error carrying
// InvalidParameterException. It allocates nothing on success.
func CheckRegistrationResponseJSON(b []byte) error {
	return checkResponseJSON(b, ceremonyRegistration, "§7.1 step 3", "a RegistrationResponseJSON")
}

// CheckAuthenticationResponseJSON is CheckRegistrationResponseJSON for an
// AuthenticationResponseJSON (§5.1, the first step of §7.2).
func CheckAuthenticationResponseJSON(b []byte) error {
	return checkResponseJSON(b, ceremonyAuthentication, "§7.2 step 3", "an AuthenticationResponseJSON")
}

func checkResponseJSON(b []byte, ceremony int, step, name string) error {
	if len(b) > MaxResponseSize {
		return malformed(step, "response JSON too large", ErrResponseTooLarge)
	}
	var js responseJSON
	if err := parseResponse(b, ceremony, &js); err != nil {
		return malformed(step, "response JSON is not "+name, err)
	}
	return nil
}
