package clientdata

import "github.com/passkeykit/webauthn/internal/jsonx"

// Parse parses clientDataJSON b (WebAuthn L3 §5.8.1) into *out, whose fields
// are views into b. It reads b as strict JSON (RFC 8259) and rejects,
// resetting *out to the zero value:
//
//   - input over MaxSize bytes (ErrTooLarge);
//   - a top-level value that is not an object (ErrNotObject), or anything but
//     whitespace after it (ErrTrailingData);
//   - malformed JSON anywhere, including in members it ignores: comments,
//     trailing commas, bad numbers, bad escapes, lone surrogates, invalid
//     UTF-8, control characters (ErrSyntax);
//   - two members of any object, at any depth, whose names are equal after
//     decoding escapes (ErrDuplicateKey), nesting deeper than 16 levels
//     (ErrTooDeep), objects with more than 64 members (ErrTooManyMembers);
//   - type, challenge, origin or topOrigin that is not a string, crossOrigin
//     that is not true or false (null included) (ErrFieldType);
//   - a missing type, challenge or origin (ErrMissingType,
//     ErrMissingChallenge, ErrMissingOrigin).
//
// Member names are matched exactly after decoding escapes: "\u0074ype" is
// type, "Type" is an unknown member. Unknown members are checked and ignored.
// The limited-verification serialization of §5.8.1.2 is recognised as a fast
// path; it reaches the same result as the general parser on every input.
func Parse(b []byte, out *ClientData) error {
	*out = ClientData{}
	if len(b) > MaxSize {
		return ErrTooLarge
	}
	var p parser
	err := p.parse(b, true)
	if err != nil {
		return err
	}
	*out = p.cd
	return nil
}

// parser holds the state of the top-level object.
type parser struct {
	cd   ClientData
	keys jsonx.Keys
	seen uint8
}

// memberNames are the members of CollectedClientData that Parse reads, in
// the order of the name* indexes (jsonx compares a name with these first and
// hashes only others).
var memberNames = [...]string{"type", "challenge", "origin", "crossOrigin", "topOrigin", "tokenBinding"}

const (
	nameType = iota
	nameChallenge
	nameOrigin
	nameCrossOrigin
	nameTopOrigin
	nameTokenBinding
)

// seen bits.
const (
	seenType = 1 << iota
	seenChallenge
	seenOrigin
	seenCrossOrigin
	seenTopOrigin
	seenTokenBinding
)

// parse parses b; fast selects the §5.8.1.2 prefix path.
func (p *parser) parse(b []byte, fast bool) error {
	p.keys.Names = memberNames[:]
	if fast {
		r, ok := p.prefix(b)
		if ok {
			return p.members(r, b)
		}
		*p = parser{}
		p.keys.Names = memberNames[:]
	}
	r := jsonx.Reader(b)
	if !r.ReadObjectStart() {
		if k := r.Peek(); k != jsonx.KindInvalid && k != jsonx.KindObject {
			return ErrNotObject
		}
		return ErrSyntax
	}
	return p.members(r, b)
}

// The literal member names of the §5.8.1.2 serialization, with their separators.
const (
	litType        = `{"type":`
	litChallenge   = `,"challenge":`
	litOrigin      = `,"origin":`
	litCrossOrigin = `,"crossOrigin":`
	litTopOrigin   = `,"topOrigin":`
)

func hasLiteral(r jsonx.Reader, lit string) bool {
	return len(r) >= len(lit) && string(r[:len(lit)]) == lit
}

// prefix reads the members of b that follow the §5.8.1.2 serialization
// (type, challenge, origin, crossOrigin, topOrigin, in that order and without
// whitespace) for as long as it does, recording them exactly as members
// would (p.keys holds their names). It returns the reader after the last
// member it read; ok is false when b does not start with {"type":, or when a
// value after a matched name is not of the type the form prescribes, in which
// case the caller starts again with the general parser so that both paths
// reach the same error.
func (p *parser) prefix(b []byte) (r jsonx.Reader, ok bool) {
	r = b
	if !hasLiteral(r, litType) {
		return nil, false
	}
	p.keys.Add(r[2:6], false)
	r = r[len(litType):]
	if !r.ReadString(&p.cd.Type, &p.cd.TypeEscaped) {
		return nil, false
	}
	p.seen |= seenType
	if !hasLiteral(r, litChallenge) {
		return r, true
	}
	p.keys.Add(r[2:11], false)
	r = r[len(litChallenge):]
	if !r.ReadString(&p.cd.Challenge, &p.cd.ChallengeEscaped) {
		return nil, false
	}
	p.seen |= seenChallenge
	if !hasLiteral(r, litOrigin) {
		return r, true
	}
	p.keys.Add(r[2:8], false)
	r = r[len(litOrigin):]
	if !r.ReadString(&p.cd.Origin, &p.cd.OriginEscaped) {
		return nil, false
	}
	p.seen |= seenOrigin
	if !hasLiteral(r, litCrossOrigin) {
		return r, true
	}
	p.keys.Add(r[2:13], false)
	r = r[len(litCrossOrigin):]
	var co bool
	if !r.ReadBool(&co) {
		return nil, false
	}
	p.cd.CrossOrigin = CrossOriginFalse
	if co {
		p.cd.CrossOrigin = CrossOriginTrue
	}
	p.seen |= seenCrossOrigin
	if !hasLiteral(r, litTopOrigin) {
		return r, true
	}
	p.keys.Add(r[2:11], false)
	r = r[len(litTopOrigin):]
	if !r.ReadString(&p.cd.TopOrigin, &p.cd.TopOriginEscaped) {
		return nil, false
	}
	p.cd.HasTopOrigin = true
	p.seen |= seenTopOrigin
	return r, true
}

// members reads the members of the top-level object from r, those whose
// names p.keys holds having been read already, then the closing brace and the
// end of b.
func (p *parser) members(r jsonx.Reader, b []byte) error {
	var k []byte
	var esc bool
	m := jsonx.Members{Keys: &p.keys}
	for m.Next(&r, &k, &esc) {
		if err := p.member(&r, m.Known()); err != nil {
			return err
		}
	}
	switch m.Code() {
	case jsonx.CodeOK:
	case jsonx.CodeTooManyMembers:
		return ErrTooManyMembers
	case jsonx.CodeDuplicateKey:
		return ErrDuplicateKey
	default:
		return ErrSyntax
	}
	if !r.End() {
		return ErrTrailingData
	}
	switch {
	case p.seen&seenType == 0:
		return ErrMissingType
	case p.seen&seenChallenge == 0:
		return ErrMissingChallenge
	case p.seen&seenOrigin == 0:
		return ErrMissingOrigin
	}
	p.cd.Raw = b
	return nil
}

// member reads the value of the member whose name is memberNames[known], or
// of an unknown member when known is -1. Duplicates were rejected before, so
// each known member is seen once.
func (p *parser) member(r *jsonx.Reader, known int) error {
	switch known {
	case nameType:
		p.seen |= seenType
		return p.str(r, &p.cd.Type, &p.cd.TypeEscaped)
	case nameChallenge:
		p.seen |= seenChallenge
		return p.str(r, &p.cd.Challenge, &p.cd.ChallengeEscaped)
	case nameOrigin:
		p.seen |= seenOrigin
		return p.str(r, &p.cd.Origin, &p.cd.OriginEscaped)
	case nameTopOrigin:
		p.seen |= seenTopOrigin
		p.cd.HasTopOrigin = true
		return p.str(r, &p.cd.TopOrigin, &p.cd.TopOriginEscaped)
	case nameCrossOrigin:
		p.seen |= seenCrossOrigin
		var co bool
		if !r.ReadBool(&co) {
			return wrongType(r)
		}
		p.cd.CrossOrigin = CrossOriginFalse
		if co {
			p.cd.CrossOrigin = CrossOriginTrue
		}
		return nil
	case nameTokenBinding:
		p.seen |= seenTokenBinding
		return skip(r, &p.cd.TokenBinding)
	}
	var raw []byte
	return skip(r, &raw)
}

func (p *parser) str(r *jsonx.Reader, raw *[]byte, esc *bool) error {
	if r.ReadString(raw, esc) {
		return nil
	}
	return wrongType(r)
}

// wrongType classifies a value that is not of the type a member requires:
// ErrFieldType when it is some other well-formed value, else why it is not.
func wrongType(r *jsonx.Reader) error {
	var raw []byte
	if err := skip(r, &raw); err != nil {
		return err
	}
	return ErrFieldType
}

// skip reads any value, mapping the reason it is rejected to an error.
func skip(r *jsonx.Reader, raw *[]byte) error {
	start := *r
	if r.SkipNested(2, raw) {
		return nil
	}
	switch jsonx.Diagnose(start, 2) {
	case jsonx.CodeDuplicateKey:
		return ErrDuplicateKey
	case jsonx.CodeTooDeep:
		return ErrTooDeep
	case jsonx.CodeTooManyMembers:
		return ErrTooManyMembers
	}
	return ErrSyntax
}
