package forge

// PackedSelf returns a packed self-attestation statement (§8.2, no x5c):
// {"alg": cred.Alg, "sig": signature by the credential key over
// authenticatorData ‖ clientDataHash}.
func (r *Registration) PackedSelf() Stmt {
	ad, cdh := r.SignedData()
	return Stmt{"alg": int64(r.Cred.Alg), "sig": r.Cred.Sign(ad, cdh)}
}

// Packed returns a packed statement with x5c (§8.2): {"alg": att.Alg, "sig":
// signature by att over authenticatorData ‖ clientDataHash, "x5c": chain}.
// chain is leaf first; att must be the leaf's key.
func (r *Registration) Packed(att *Key, chain ...*Cert) Stmt {
	ad, cdh := r.SignedData()
	return Stmt{"alg": int64(att.Alg), "sig": att.Sign(ad, cdh), "x5c": X5C(chain...)}
}

// X5C returns the DER certificates of chain as an x5c value.
func X5C(chain ...*Cert) [][]byte {
	out := make([][]byte, len(chain))
	for i, c := range chain {
		out[i] = c.DER
	}
	return out
}

// PackedLeaf issues a packed attestation certificate (PackedLeafSpec, with the
// AAGUID extension when aaguid is not nil) for att, signed by ca. spec, when
// not nil, is applied to the default spec before issuing.
func (f *Forge) PackedLeaf(label string, att *Key, ca *Cert, aaguid []byte, edit func(*CertSpec)) *Cert {
	s := PackedLeafSpec(aaguid)
	if edit != nil {
		edit(s)
	}
	return f.Issue(label, s, att, ca)
}
