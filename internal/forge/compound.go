package forge

// Entry is one statement of a compound attestation (§8.9).
type Entry struct {
	Fmt     string
	AttStmt any // a Stmt, or for a nested compound a []any
}

// Compound returns a compound attestation statement (§8.9): an array of
// {"fmt", "attStmt"} maps, in order.
func Compound(entries ...Entry) []any {
	out := make([]any, len(entries))
	for i, e := range entries {
		s := e.AttStmt
		if m, ok := s.(Stmt); ok {
			s = map[string]any(m)
		}
		out[i] = map[string]any{"fmt": e.Fmt, "attStmt": s}
	}
	return out
}
