package attestation

// verifyNone is the "none" verification procedure (§8.7): attStmt must be an
// empty map; the attestation type is None and there is no trust path.
func verifyNone(in *Input, s Statement, out *Result) error {
	if s.Len() != 0 {
		return fail(FormatNone, "§8.7", ErrInvalidStatement, nil)
	}
	out.Type = TypeNone
	return nil
}
