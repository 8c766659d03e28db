package attestation

import "errors"

// MaxCompoundStatements bounds the sub-statements of a compound statement:
// each one runs a full verification procedure with its own chain, and there
// are only seven non-compound formats, so a longer array can only repeat work.
const MaxCompoundStatements = 8

// Causes of compound failures.
var (
	errCompoundCount  = errors.New("attestation: compound statement has fewer than two sub-statements")
	errCompoundLimit  = errors.New("attestation: compound statement has more than MaxCompoundStatements sub-statements")
	errCompoundNested = errors.New("attestation: compound statement contains a compound statement")
)

// verifyCompound is the "compound" verification procedure (§8.9).
//
// Syntax: attStmt is an array of at least two (and at most
// MaxCompoundStatements) maps of exactly {"fmt": text, "attStmt": map}, none
// of whose fmt is "compound" (ErrInvalidStatement). Each sub-statement is
// verified with the same authenticator data, clientDataHash and credential
// key by its own format's procedure; the relying party policy this package
// applies is that every one must verify, so the first failure is returned,
// wrapped so that errors.Is finds both the sub-statement's class sentinel and
// its own *Error.
//
// Result.Compound holds the sub-results in order. The top-level Type is the
// least assuring of them, in the order None < Self < AnonCA < Basic < AttCA:
// a compound statement never claims more than every one of its parts
// vouches for. Judged is true when every sub-result with a trust path was
// judged against anchors and at least one had a trust path; TrustPath and
// Anchor stay nil at the top level (read them per sub-result).
func verifyCompound(in *Input, s Statement, out *Result) error {
	const f = FormatCompound
	it := s.Statements()
	n := it.Len()
	if n < 2 {
		return fail(f, "§8.9 syntax", ErrInvalidStatement, errCompoundCount)
	}
	if n > MaxCompoundStatements {
		return fail(f, "§8.9 syntax", ErrInvalidStatement, errCompoundLimit)
	}
	subs := make([]Result, n)
	for i := range subs {
		var sf Format
		var text []byte
		var sub Statement
		if _, err := it.Next(&sf, &text, &sub); err != nil {
			return fail(f, "§8.9 syntax", ErrInvalidStatement, err)
		}
		if sf == FormatCompound {
			return fail(f, "§8.9 syntax", ErrInvalidStatement, errCompoundNested)
		}
		if err := verifyStatement(in, sf, sub, &subs[i]); err != nil {
			fault := ErrInvalidStatement
			var e *Error
			if errors.As(err, &e) {
				fault = e.Fault
			}
			return fail(f, "§8.9 sub-statement", fault, err)
		}
	}
	out.Format = f
	out.Compound = subs
	out.Type = subs[0].Type
	judged, withPath := true, false
	for i := range subs {
		if typeRank(subs[i].Type) < typeRank(out.Type) {
			out.Type = subs[i].Type
		}
		if subs[i].TrustPath != nil {
			withPath = true
			judged = judged && subs[i].Judged
		}
	}
	out.Judged = judged && withPath
	return nil
}

// typeRank orders attestation types by the assurance they give.
func typeRank(t Type) int {
	switch t {
	case TypeSelf:
		return 1
	case TypeAnonCA:
		return 2
	case TypeBasic:
		return 3
	case TypeAttCA:
		return 4
	}
	return 0
}
