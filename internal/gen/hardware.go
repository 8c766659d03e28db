package gen

// hardware writes the tpm, android-key and android-safetynet vectors; their
// forge builders are not committed yet.
func (g *generator) hardware() {}
