package fido_test

// Hostile inputs fed to VerifyRegistration and VerifyAuthentication: CBOR
// headers claiming huge lengths and counts, 10,000-deep CBOR and JSON
// nesting, 1 MiB inputs, long escape runs, x5c with 100 certificates, RSA
// keys with huge moduli or tiny exponents, EC points off the curve and at
// infinity. Each must end in a typed *Error (never InternalErrorException)
// with a number of allocations bounded by the input size, measured with
// testing.AllocsPerRun; nothing here asserts on wall time.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"math/big"
	"strconv"
	"strings"
	"testing"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// allocBudget is the most allocations one verification of n input bytes
// may make: a constant for the fixed work plus one per 64 input bytes.
func allocBudget(n int) float64 { return float64(8 + n/64) }

// hostile is one hostile ceremony.
type hostile struct {
	name string
	rp   *webauthn.RelyingParty // nil: advRP()
	resp []byte
	chal []byte
	cred *webauthn.Credential // non-nil: an authentication
	// mayPass marks input that is hostile in shape but valid (an escaped
	// origin that decodes to the right one): it may verify.
	mayPass bool
	// rsaAllocs is added to the budget of a case whose cost is an RSA
	// verification at cose.MaxRSABits: crypto/rsa itself allocates per
	// 8192-bit operation (about 130 times), a cost the policy bounds by
	// capping the modulus size, not by the input size.
	rsaAllocs float64
}

func (h *hostile) size() int {
	n := len(h.resp)
	if h.cred != nil {
		n += len(h.cred.PublicKey)
	}
	return n
}

// bigRP is the default policy with MaxResponseSize raised so that 1 MiB
// members reach the parsers behind the size check.
func bigRP() *webauthn.RelyingParty {
	rp := advRP()
	rp.MaxResponseSize = 8 << 20
	return rp
}

// hostileBuilder makes the cases from one forged registration and one
// forged assertion.
type hostileBuilder struct {
	f     *forge.Forge
	r     *forge.Registration
	a     *assertion
	cases []hostile
}

func (b *hostileBuilder) add(h hostile) { b.cases = append(b.cases, h) }

// reg adds a registration whose attestationObject is obj.
func (b *hostileBuilder) reg(name string, rp *webauthn.RelyingParty, obj []byte) {
	b.add(hostile{name: name, rp: rp, resp: regJSON(b.r, obj), chal: b.r.ClientData.Challenge})
}

// regAuthData adds a "none" registration with authenticator data ad.
func (b *hostileBuilder) regAuthData(name string, rp *webauthn.RelyingParty, ad []byte) {
	b.reg(name, rp, forge.Object("none", forge.Stmt{}, ad))
}

// regKey adds a "none" registration whose credential public key is key.
func (b *hostileBuilder) regKey(name string, rp *webauthn.RelyingParty, key []byte) {
	ad := b.r.AuthData
	ad.CredentialKey = key
	b.regAuthData(name, rp, ad.Bytes())
}

// regExt adds a "none" registration with extension outputs ext.
func (b *hostileBuilder) regExt(name string, rp *webauthn.RelyingParty, ext []byte) {
	ad := b.r.AuthData
	ad.Extensions = ext
	b.regAuthData(name, rp, ad.Bytes())
}

// regCDJ adds a "none" registration with clientDataJSON cdj.
func (b *hostileBuilder) regCDJ(name string, rp *webauthn.RelyingParty, cdj []byte, mayPass bool) {
	b.add(hostile{name: name, rp: rp, mayPass: mayPass, chal: b.r.ClientData.Challenge,
		resp: regJSONParts(b.r.AuthData.CredentialID, cdj, b.r.Object("none", forge.Stmt{}))})
}

// regResp adds a registration response given as text.
func (b *hostileBuilder) regResp(name string, rp *webauthn.RelyingParty, resp []byte, mayPass bool) {
	b.add(hostile{name: name, rp: rp, resp: resp, chal: b.r.ClientData.Challenge, mayPass: mayPass})
}

// auth adds an assertion after edit changed a copy of the base one.
func (b *hostileBuilder) auth(name string, rp *webauthn.RelyingParty, edit func(a *assertion)) {
	a := *b.a
	if edit != nil {
		edit(&a)
	}
	b.add(hostile{name: name, rp: rp, resp: a.json(), chal: a.cd.Challenge, cred: a.cred()})
}

// authResp adds an assertion response given as text against the base credential.
func (b *hostileBuilder) authResp(name string, rp *webauthn.RelyingParty, resp []byte) {
	b.add(hostile{name: name, rp: rp, resp: resp, chal: b.a.cd.Challenge, cred: b.a.cred()})
}

var (
	m   = forge.Marshal
	cat = func(items ...[]byte) []byte { return bytes.Join(items, nil) }
	ff8 = bytes.Repeat([]byte{0xff}, 8)
)

// deepArrays is n nested one-element arrays around 0.
func deepArrays(n int) []byte { return append(bytes.Repeat([]byte{0x81}, n), 0x00) }

// deepMaps is n nested {0: …} maps around 0.
func deepMaps(n int) []byte { return append(bytes.Repeat([]byte{0xa1, 0x00}, n), 0x00) }

// regResponseJSON is a RegistrationResponseJSON of the base registration
// with extra text (members with a leading comma) at the top level and in
// "response".
func (b *hostileBuilder) regResponseJSON(top, inner string) []byte {
	r := forge.RegistrationJSON(b.r, b.r.Object("none", forge.Stmt{}))
	r.Inner, r.Top = inner, top
	return r.JSON()
}

// escapeAll writes every character of s as a \u00XX JSON escape.
func escapeAll(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		sb.WriteString(`\u00`)
		sb.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
		sb.WriteString(strconv.FormatUint(uint64(s[i])&15, 16))
	}
	return sb.String()
}

// chainOf returns a chain of n certificates, leaf first, each signed by the
// next and the last by root, and the leaf's key.
func chainOf(f *forge.Forge, label string, n int, root *forge.Cert, leafSpec *forge.CertSpec) []*forge.Cert {
	cas := make([]*forge.Cert, n-1)
	parent := root
	for i := n - 2; i >= 0; i-- {
		cas[i] = f.Intermediate(label+" CA "+strconv.Itoa(i), cose.ES256, parent)
		parent = cas[i]
	}
	leaf := f.Issue(label+" leaf", leafSpec, f.Key("att/"+label, cose.ES256), parent)
	return append([]*forge.Cert{leaf}, cas...)
}

// ecKey is an EC2 COSE_Key with the given coordinates.
func ecKey(alg cose.Algorithm, crv cose.Curve, x, y any) []byte {
	return forge.COSEKey{1: int64(cose.EC2), 3: int64(alg), -1: int64(crv), -2: x, -3: y}.Bytes()
}

// rsaKey is an RSA COSE_Key with modulus n and exponent e.
func rsaKey(n, e []byte) []byte {
	return forge.COSEKey{1: int64(cose.RSA), 3: int64(cose.RS256), -1: n, -2: e}.Bytes()
}

func hostileCases() []hostile {
	f := forge.New("adversarial")
	b := &hostileBuilder{f: f, r: f.Registration("hostile", f.Key("hostile", cose.ES256)), a: newAssertion(f, "hostile", cose.ES256)}
	r := b.r
	ad := r.AuthDataBytes()
	const MiB = 1 << 20

	// --- CBOR headers claiming huge lengths and counts.
	for _, c := range []struct {
		name string
		obj  []byte
	}{
		{"attestationObject: byte string of 2^64-1 bytes", cat([]byte{0x5b}, ff8)},
		{"attestationObject: text string of 2^64-1 bytes", cat([]byte{0x7b}, ff8)},
		{"attestationObject: array of 2^64-1 items", cat([]byte{0x9b}, ff8)},
		{"attestationObject: map of 2^64-1 pairs", cat([]byte{0xbb}, ff8)},
		{"attestationObject: map of 2^32-1 pairs", []byte{0xba, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00}},
		{"attestationObject: byte string of 2^32-1 bytes, 16 given", cat([]byte{0x5a, 0xff, 0xff, 0xff, 0xff}, make([]byte, 16))},
		{"attestationObject: indefinite map never closed", cat([]byte{0xbf}, m("fmt"), m("none"))},
		{"authData: byte string of 2^64-1 bytes", cat([]byte{0xa3}, m("fmt"), m("none"), m("attStmt"), []byte{0xa0}, m("authData"), []byte{0x5b}, ff8)},
		{"fmt: text of 2^63 bytes", cat([]byte{0xa3}, m("fmt"), []byte{0x7b, 0x80, 0, 0, 0, 0, 0, 0, 0})},
		{"attStmt: map of 2^64-1 pairs", cat([]byte{0xa3}, m("fmt"), m("packed"), m("attStmt"), []byte{0xbb}, ff8, m("authData"), m(ad))},
		{"x5c: array of 2^64-1 certificates", cat([]byte{0xa3}, m("fmt"), m("packed"), m("attStmt"), []byte{0xa3}, m("alg"), m(-7), m("sig"), m([]byte{1}), m("x5c"), []byte{0x9b}, ff8, m("authData"), m(ad))},
		{"x5c: certificate of 2^64-1 bytes", cat([]byte{0xa3}, m("fmt"), m("packed"), m("attStmt"), []byte{0xa3}, m("alg"), m(-7), m("sig"), m([]byte{1}), m("x5c"), []byte{0x81, 0x5b}, ff8, m("authData"), m(ad))},
		{"sig: byte string of 2^32-1 bytes", cat([]byte{0xa3}, m("fmt"), m("packed"), m("attStmt"), []byte{0xa2}, m("alg"), m(-7), m("sig"), []byte{0x5a, 0xff, 0xff, 0xff, 0xff}, m("authData"), m(ad))},
		{"compound: array of 2^64-1 statements", cat([]byte{0xa3}, m("fmt"), m("compound"), m("attStmt"), []byte{0x9b}, ff8, m("authData"), m(ad))},
	} {
		b.reg(c.name, nil, c.obj)
	}
	b.regKey("credential key: map of 2^64-1 pairs", nil, cat([]byte{0xbb}, ff8))
	b.regKey("credential key: x of 2^64-1 bytes", nil, cat([]byte{0xa5}, m(1), m(2), m(3), m(-7), m(-1), m(1), m(-2), []byte{0x5b}, ff8))
	b.regKey("credential key: RSA n of 2^32-1 bytes", nil, cat([]byte{0xa4}, m(1), m(3), m(3), m(-257), m(-1), []byte{0x5a, 0xff, 0xff, 0xff, 0xff}))
	b.regExt("extensions: map of 2^64-1 pairs", nil, cat([]byte{0xbb}, ff8))
	b.regExt("extensions: text key of 2^64-1 bytes", nil, cat([]byte{0xa1, 0x7b}, ff8))
	b.auth("assertion extensions: map of 2^64-1 pairs", nil, func(a *assertion) { a.ad.Extensions = cat([]byte{0xbb}, ff8) })
	b.auth("assertion extensions: array value of 2^64-1 items", nil, func(a *assertion) { a.ad.Extensions = cat([]byte{0xa1}, m("x"), []byte{0x9b}, ff8) })
	b.auth("stored key: map of 2^64-1 pairs", nil, func(a *assertion) { a.cose = cat([]byte{0xbb}, ff8) })
	b.auth("stored key: y of 2^64-1 bytes", nil, func(a *assertion) {
		x, _ := forge.ECPoint(a.key.Public().(*ecdsa.PublicKey))
		a.cose = cat([]byte{0xa5}, m(1), m(2), m(3), m(-7), m(-1), m(1), m(-2), m(x), m(-3), []byte{0x5b}, ff8)
	})

	// --- 10,000-deep CBOR.
	const deep = 10000
	b.reg("attestationObject: 10k nested arrays", nil, deepArrays(deep))
	b.reg("attestationObject: 10k nested maps", nil, deepMaps(deep))
	b.reg("attStmt member: 10k nested arrays", nil, cat([]byte{0xa3}, m("fmt"), m("packed"), m("attStmt"), []byte{0xa1}, m("x"), deepArrays(deep), m("authData"), m(ad)))
	b.reg("x5c: 10k nested arrays", nil, cat([]byte{0xa3}, m("fmt"), m("packed"), m("attStmt"), []byte{0xa3}, m("alg"), m(-7), m("sig"), m([]byte{1}), m("x5c"), deepArrays(deep), m("authData"), m(ad)))
	b.regKey("credential key: 10k nested arrays", nil, deepArrays(deep))
	b.regKey("credential key: parameter of 10k nested maps", nil, cat([]byte{0xa4}, m(1), m(2), m(3), m(-7), m(-1), m(1), m(-2), deepMaps(deep)))
	b.regExt("extensions: 10k nested maps", nil, deepMaps(deep))
	{
		// compound inside compound, 10k levels.
		none := m(map[string]any{"fmt": "none", "attStmt": map[string]any{}})
		inner := cat([]byte{0x82}, none, none)
		for range deep {
			inner = cat([]byte{0x82, 0xa2}, m("fmt"), m("compound"), m("attStmt"), inner, none)
		}
		b.reg("compound: 10k nested compound statements", bigRP(), cat([]byte{0xa3}, m("fmt"), m("compound"), m("attStmt"), inner, m("authData"), m(ad)))
	}
	b.auth("assertion extensions: 10k nested arrays", nil, func(a *assertion) { a.ad.Extensions = cat([]byte{0xa1}, m("x"), deepArrays(deep)) })
	b.auth("stored key: 10k nested maps", nil, func(a *assertion) { a.cose = deepMaps(deep) })

	// --- 1 MiB inputs.
	pad := strings.Repeat("A", MiB)
	b.regResp("response JSON of 1 MiB, default MaxResponseSize", nil, b.regResponseJSON(`,"x":"`+pad+`"`, ""), false)
	b.regResp("response JSON: 1 MiB unknown string member", bigRP(), b.regResponseJSON(`,"x":"`+pad+`"`, `,"y":1}`), false)
	b.regResp("response JSON: 1 MiB of whitespace", bigRP(), append(b.regResponseJSON("", ""), strings.Repeat(" ", MiB)+"x"...), false)
	b.regResp("response JSON: 1 MiB of commas in an array", bigRP(), b.regResponseJSON(`,"x":[`+strings.Repeat("0,", MiB/2)+`]`, ""), false)
	b.reg("attestationObject of 1 MiB zero bytes", bigRP(), make([]byte, MiB))
	b.reg("attStmt: 1 MiB sig", bigRP(), r.Object("packed", forge.Stmt{"alg": int64(-7), "sig": make([]byte, MiB)}))
	b.reg("x5c: one 1 MiB certificate", bigRP(), r.Object("packed", forge.Stmt{"alg": int64(-7), "sig": []byte{1}, "x5c": [][]byte{bytes.Repeat([]byte{0x30}, MiB)}}))
	b.regExt("extensions: 1 MiB byte string", bigRP(), m(map[string]any{"x": make([]byte, MiB)}))
	b.cases[len(b.cases)-1].mayPass = true
	b.regCDJ("clientDataJSON of 1 MiB", bigRP(), []byte(`{"type":"webauthn.create","challenge":"`+b64u.EncodeToString(r.ClientData.Challenge)+`","origin":"`+advOrigin+`","x":"`+pad+`"}`), false)
	b.add(hostile{name: "rawId of 1 MiB", rp: bigRP(), chal: r.ClientData.Challenge, resp: regJSONParts(make([]byte, MiB), r.ClientDataJSON(), r.Object("none", forge.Stmt{}))})
	b.auth("assertion: 1 MiB signature", bigRP(), func(a *assertion) { a.sig = make([]byte, MiB) })
	// Well-formed, signed, only large: with MaxResponseSize raised these
	// may verify; what is checked is that the cost stays linear.
	b.auth("assertion: 1 MiB extensions", bigRP(), func(a *assertion) { a.ad.Extensions = m(map[string]any{"x": make([]byte, MiB)}) })
	b.cases[len(b.cases)-1].mayPass = true
	// A userHandle is compared with the record's only when the record
	// stores one (§7.2 step 6); this one stores none.
	b.authResp("assertion: 1 MiB userHandle, record without one", bigRP(), []byte(strings.Replace(string(b.a.json()), `"signature"`, `"userHandle":"`+b64u.EncodeToString(make([]byte, MiB))+`","signature"`, 1)))
	b.cases[len(b.cases)-1].mayPass = true
	b.auth("assertion: 1 MiB userHandle, record with one", bigRP(), func(a *assertion) {})
	{
		h := &b.cases[len(b.cases)-1]
		h.cred.UserHandle = []byte("user-0001")
		h.resp = []byte(strings.Replace(string(h.resp), `"signature"`, `"userHandle":"`+b64u.EncodeToString(make([]byte, MiB))+`","signature"`, 1))
	}
	b.auth("assertion: stored key of 1 MiB", bigRP(), func(a *assertion) {
		a.cose = m(map[int64]any{1: 2, 3: -7, -1: 1, -2: make([]byte, MiB), -3: make([]byte, 32)})
	})

	// --- JSON nested 10,000 deep.
	arrays := strings.Repeat("[", deep) + strings.Repeat("]", deep)
	objects := strings.Repeat(`{"a":`, deep) + "1" + strings.Repeat("}", deep)
	b.regResp("response JSON: unknown member of 10k nested arrays", nil, b.regResponseJSON(`,"x":`+arrays, ""), false)
	b.regResp("response JSON: unknown member of 10k nested objects", nil, b.regResponseJSON(`,"x":`+objects, ""), false)
	b.regResp("response JSON: response member of 10k nested arrays", nil, b.regResponseJSON("", `,"x":`+arrays), false)
	b.regResp("response JSON: 10k unclosed arrays", nil, []byte(`{"id":`+strings.Repeat("[", deep)), false)
	b.regResp("response JSON: 10k nested arrays at the top", nil, []byte(arrays), false)
	b.regResp("response JSON: clientExtensionResults of 10k nested objects", nil, []byte(strings.Replace(string(b.regResponseJSON("", "")), `"clientExtensionResults":{}`, `"clientExtensionResults":`+objects, 1)), false)
	b.regCDJ("clientDataJSON: member of 10k nested arrays", nil, []byte(`{"type":"webauthn.create","challenge":"`+b64u.EncodeToString(r.ClientData.Challenge)+`","origin":"`+advOrigin+`","x":`+arrays+`}`), false)
	b.regCDJ("clientDataJSON: tokenBinding of 10k nested objects", nil, []byte(`{"type":"webauthn.create","challenge":"`+b64u.EncodeToString(r.ClientData.Challenge)+`","origin":"`+advOrigin+`","tokenBinding":`+objects+`}`), false)
	b.authResp("assertion JSON: unknown member of 10k nested arrays", nil, []byte(strings.Replace(string(b.a.json()), `"clientExtensionResults":{}`, `"clientExtensionResults":{},"x":`+arrays, 1)))
	{
		a := *b.a
		cd := string(a.cd.JSON())
		a.sig = nil
		b.authResp("assertion clientDataJSON: member of 10k nested objects", nil, []byte(strings.Replace(string(a.json()),
			b64u.EncodeToString([]byte(cd)), b64u.EncodeToString([]byte(cd[:len(cd)-1]+`,"x":`+objects+`}`)), 1)))
	}

	// --- Long escape runs in clientDataJSON and in the response JSON.
	chal := b64u.EncodeToString(r.ClientData.Challenge)
	cdjWith := func(origin, extra string) []byte {
		return []byte(`{"type":"webauthn.create","challenge":"` + chal + `","origin":"` + origin + `"` + extra + `}`)
	}
	b.regCDJ("clientDataJSON: origin written as \\u escapes", nil, cdjWith(escapeAll(advOrigin), ""), true)
	b.regCDJ("clientDataJSON: 10k \\u0041 escapes in a member", nil, cdjWith(advOrigin, `,"x":"`+strings.Repeat(`\u0041`, 10000)+`"`), true)
	b.regCDJ("clientDataJSON: 30k \\\\ escapes in a member", nil, cdjWith(advOrigin, `,"x":"`+strings.Repeat(`\\`, 30000)+`"`), true)
	b.regCDJ("clientDataJSON: 10k surrogate pairs", nil, cdjWith(advOrigin, `,"x":"`+strings.Repeat(`\ud83d\ude00`, 5000)+`"`), true)
	b.regCDJ("clientDataJSON: 10k lone surrogates", nil, cdjWith(advOrigin, `,"x":"`+strings.Repeat(`\ud800`, 10000)+`"`), true)
	b.regCDJ("clientDataJSON: origin with 10k \\/ escapes", nil, cdjWith(advOrigin+strings.Repeat(`\/`, 10000), ""), false)
	b.regCDJ("clientDataJSON: challenge followed by 10k \\u0041", nil, []byte(`{"type":"webauthn.create","challenge":"`+chal+strings.Repeat(`\u0041`, 10000)+`","origin":"`+advOrigin+`"}`), false)
	b.regCDJ("clientDataJSON: 20k escapes then a truncated one", nil, cdjWith(advOrigin, `,"x":"`+strings.Repeat(`\n`, 20000)+`\u00`), false)
	b.regCDJ("clientDataJSON: 60 KiB of escapes, over MaxSize once joined", nil, cdjWith(advOrigin, `,"x":"`+strings.Repeat(`\t`, 40000)+`"`), false)
	{
		id := b64u.EncodeToString(r.AuthData.CredentialID)
		resp := `{"id":"` + escapeAll(id) + `","rawId":"` + escapeAll(id) + `","type":"` + escapeAll("public-key") +
			`","response":{"clientDataJSON":"` + escapeAll(b64u.EncodeToString(r.ClientDataJSON())) +
			`","attestationObject":"` + escapeAll(b64u.EncodeToString(r.Object("none", forge.Stmt{}))) + `"},"clientExtensionResults":{}}`
		b.regResp("response JSON: every binary member written as \\u escapes", nil, []byte(resp), true)
		b.regResp("response JSON: 100k escapes in an unknown member", nil, b.regResponseJSON(`,"x":"`+strings.Repeat(`\"`, 100000)+`"`, ""), true)
		b.regResp("response JSON: base64url with an escaped non-alphabet character", nil, []byte(strings.Replace(resp, escapeAll(id), escapeAll(id[:len(id)-1])+`\u002b`, 1)), false)
	}

	// --- x5c with 100 certificates (a real 100-long chain, and copies).
	packedRoot := f.Root("Hostile Packed Root", cose.ES256)
	rp := advRP()
	rp.Attestation.Anchors = anchors("packed", packedRoot)
	chain := chainOf(f, "hostile packed", 100, packedRoot, forge.PackedLeafSpec(r.AuthData.AAGUID[:]))
	att := chain[0].Key
	b.reg("packed: x5c chain of 100 certificates", rp, r.Object("packed", r.Packed(att, chain...)))
	b.reg("packed: x5c chain of 100 certificates, no anchors", nil, r.Object("packed", r.Packed(att, chain...)))
	copies := make([]*forge.Cert, 100)
	for i := range copies {
		copies[i] = chain[0]
	}
	b.reg("packed: x5c of the leaf 100 times", rp, r.Object("packed", r.Packed(att, copies...)))
	{
		u2fRoot := f.Root("Hostile U2F Root", cose.ES256)
		u := f.U2FRegistration("hostile-u2f", f.Key("hostile-u2f", cose.ES256))
		uc := chainOf(f, "hostile u2f", 100, u2fRoot, nil)
		urp := advRP()
		urp.Attestation.Anchors = anchors("fido-u2f", u2fRoot)
		b.add(hostile{name: "fido-u2f: x5c of 100 certificates", rp: urp, chal: u.ClientData.Challenge, resp: regJSON(u, u.Object("fido-u2f", u.FIDOU2F(uc[0].Key, uc...)))})

		tpmRoot := f.Root("Hostile TPM Root", cose.ES256)
		tr := f.Registration("hostile-tpm", f.Key("hostile-tpm", cose.ES256))
		tc := chainOf(f, "hostile tpm", 100, tpmRoot, forge.TPMAIKSpec(tr.AuthData.AAGUID[:]))
		trp := advRP()
		trp.Attestation.Anchors = anchors("tpm", tpmRoot)
		b.add(hostile{name: "tpm: x5c of 100 certificates", rp: trp, chal: tr.ClientData.Challenge, resp: regJSON(tr, tr.Object("tpm", tr.TPM(tc[0].Key, nil, nil, tc...)))})

		andRoot := f.Root("Hostile Android Root", cose.ES256)
		ar := f.Registration("hostile-android", f.Key("hostile-android", cose.ES256))
		ac := chainOf(f, "hostile android", 100, andRoot, nil)
		ac[0] = f.Issue("hostile android leaf", forge.AndroidKeyLeafSpec(forge.HardwareKeyDescription(ar.ClientDataHash())), ar.Cred, ac[1])
		arp := advRP()
		arp.Attestation.Anchors = anchors("android-key", andRoot)
		b.add(hostile{name: "android-key: x5c of 100 certificates", rp: arp, chal: ar.ClientData.Challenge, resp: regJSON(ar, ar.Object("android-key", ar.AndroidKey(ar.Cred, ac...)))})

		appleRoot := f.Root("Hostile Apple Root", cose.ES256)
		pr := f.Registration("hostile-apple", f.Key("hostile-apple", cose.ES256))
		pc := chainOf(f, "hostile apple", 100, appleRoot, nil)
		st, _ := pr.Apple(f, "hostile-apple", pc[1], pc[2:]...)
		prp := advRP()
		prp.Attestation.Anchors = anchors("apple", appleRoot)
		b.add(hostile{name: "apple: x5c of 100 certificates", rp: prp, chal: pr.ClientData.Challenge, resp: regJSON(pr, pr.Object("apple", st))})

		sub := r.Packed(att, chain...)
		entries := make([]forge.Entry, 8)
		for i := range entries {
			entries[i] = forge.Entry{Fmt: "packed", AttStmt: sub}
		}
		b.reg("compound: 8 packed statements with 100 certificates each", bigRP(), r.Object("compound", forge.Compound(entries...)))
	}

	// --- RSA keys: huge moduli, exponents 1 and 3 and other bad ones.
	rsaPub := f.Key("hostile-rsa", cose.RS256)
	n := forge.COSEParams(rsaPub.Public(), cose.RS256)[-1].([]byte)
	ones := func(bits int) []byte { return bytes.Repeat([]byte{0xff}, bits/8) }
	for _, c := range []struct {
		name string
		n, e []byte
	}{
		{"modulus of 8193 bits", append([]byte{1}, ones(8192)...), []byte{1, 0, 1}},
		{"modulus of 16384 bits", ones(16384), []byte{1, 0, 1}},
		{"modulus of 1 Mbit", ones(1 << 20), []byte{1, 0, 1}},
		{"modulus of 1024 bits", ones(1024), []byte{1, 0, 1}},
		{"modulus with a leading zero", append([]byte{0}, n...), []byte{1, 0, 1}},
		{"empty modulus", []byte{}, []byte{1, 0, 1}},
		{"exponent 1", n, []byte{1}},
		{"exponent 0", n, []byte{0}},
		{"exponent 2", n, []byte{2}},
		{"empty exponent", n, []byte{}},
		{"exponent 2^31+1", n, []byte{0x80, 0, 0, 1}},
		{"exponent 2^32+1", n, []byte{1, 0, 0, 0, 1}},
		{"exponent of 1 KiB", n, append(ones(8192), 1)},
		{"exponent 65537 with a leading zero", n, []byte{0, 1, 0, 1}},
	} {
		key := rsaKey(c.n, c.e)
		b.regKey("credential key: RSA "+c.name, bigRP(), key)
		b.auth("stored key: RSA "+c.name, bigRP(), func(a *assertion) { a.cose = key })
	}
	// e=3 is a valid key, but the signature was made for another one.
	b.auth("stored key: RSA exponent 3, signature by the e=65537 key", nil, func(a *assertion) {
		a.cose = rsaKey(n, []byte{3})
		a.sig = rsaPub.Sign(a.signed())
	})
	b.auth("stored key: RSA-8192 of all ones, 1 KiB signature", nil, func(a *assertion) {
		a.cose = rsaKey(ones(8192), []byte{1, 0, 1})
		a.sig = bytes.Repeat([]byte{0xee}, 1024)
	})
	b.cases[len(b.cases)-1].rsaAllocs = 160
	{
		ps := f.Registration("hostile-rsa-8192", f.Key("hostile-rsa-8192", cose.RS256))
		ps.AuthData.CredentialKey = rsaKey(ones(8192), []byte{1, 0, 1})
		b.add(hostile{name: "packed self: RSA-8192 credential key of all ones, 1 KiB signature", chal: ps.ClientData.Challenge, rsaAllocs: 160,
			resp: regJSON(ps, ps.Object("packed", forge.Stmt{"alg": int64(cose.RS256), "sig": bytes.Repeat([]byte{0xee}, 1024)}))})
	}

	// --- EC points off the curve and at infinity.
	for _, c := range []struct {
		alg   cose.Algorithm
		crv   cose.Curve
		curve elliptic.Curve
	}{
		{cose.ES256, cose.P256, elliptic.P256()},
		{cose.ES384, cose.P384, elliptic.P384()},
		{cose.ES512, cose.P521, elliptic.P521()},
	} {
		size := (c.curve.Params().BitSize + 7) / 8
		x, y := forge.ECPoint(&f.ECDSAKey("hostile-ec", c.curve).PublicKey)
		p := c.curve.Params().P.FillBytes(make([]byte, size))
		yPlus1 := new(big.Int).Add(new(big.Int).SetBytes(y), big.NewInt(1)).FillBytes(make([]byte, size))
		yPlusP := new(big.Int).Add(new(big.Int).SetBytes(y), c.curve.Params().P)
		for _, pt := range []struct {
			name string
			x, y any
		}{
			{"infinity (0, 0)", make([]byte, size), make([]byte, size)},
			{"(0, 1)", make([]byte, size), append(make([]byte, size-1), 1)},
			{"off the curve (x, y+1)", x, yPlus1},
			{"x = p", p, y},
			{"x = p, y = p", p, p},
			{"y + p (out of range)", x, yPlusP.Bytes()},
			{"coordinates of all ones", bytes.Repeat([]byte{0xff}, size), bytes.Repeat([]byte{0xff}, size)},
			{"x one byte short", x[1:], y},
			{"x one byte long", append([]byte{0}, x...), y},
			{"empty coordinates", []byte{}, []byte{}},
			{"compressed y (true)", x, true},
			{"y an integer", x, int64(1)},
		} {
			key := ecKey(c.alg, c.crv, pt.x, pt.y)
			name := c.alg.String() + " point " + pt.name
			b.regKey("credential key: "+name, nil, key)
			b.auth("stored key: "+name, nil, func(a *assertion) { a.cose = key })
		}
	}
	{
		// fido-u2f and packed self with an off-curve credential key.
		x, y := forge.ECPoint(r.Cred.Public().(*ecdsa.PublicKey))
		y2 := append([]byte{}, y...)
		y2[len(y2)-1] ^= 1
		off := ecKey(cose.ES256, cose.P256, x, y2)
		u := f.U2FRegistration("hostile-u2f-off", f.Key("hostile-u2f-off", cose.ES256))
		u.AuthData.CredentialKey = off
		u2fRoot := f.Root("Hostile U2F Root", cose.ES256)
		leaf := f.U2FLeaf("hostile-u2f-off", f.Key("att/hostile-u2f-off", cose.ES256), u2fRoot)
		ux, _ := forge.ECPoint(u.Cred.Public().(*ecdsa.PublicKey))
		uy := append([]byte{}, y2...)
		data := cat([]byte{0}, u.AuthData.RPIDHashBytes(), u.ClientDataHash(), u.AuthData.CredentialID, []byte{4}, ux, uy)
		st := forge.Stmt{"sig": leaf.Key.Sign(data), "x5c": forge.X5C(leaf)}
		b.add(hostile{name: "fido-u2f: off-curve credential key", chal: u.ClientData.Challenge, resp: regJSON(u, u.Object("fido-u2f", st))})
		ps := f.Registration("hostile-packed-off", f.Key("hostile-packed-off", cose.ES256))
		ps.AuthData.CredentialKey = off
		b.add(hostile{name: "packed self: off-curve credential key", chal: ps.ClientData.Challenge, resp: regJSON(ps, ps.Object("packed", ps.PackedSelf()))})
	}
	return b.cases
}

// TestAdversarialInputs feeds every hostile input to the verifier: the
// answer is a typed *Error (never InternalErrorException), and the
// allocations of one verification, measured with testing.AllocsPerRun,
// stay within allocBudget of the input size.
func TestAdversarialInputs(t *testing.T) {
	cases := hostileCases()
	names := map[string]bool{}
	for i := range cases {
		h := &cases[i]
		if names[h.name] {
			t.Fatalf("duplicate case name %q", h.name)
		}
		names[h.name] = true
		t.Run(h.name, func(t *testing.T) {
			rp := h.rp
			if rp == nil {
				rp = advRP()
			}
			var reg webauthn.Registration
			var as webauthn.Assertion
			verify := func() error {
				if h.cred != nil {
					return rp.VerifyAuthentication(h.resp, h.chal, h.cred, &as)
				}
				return rp.VerifyRegistration(h.resp, h.chal, &reg)
			}
			err := verify()
			if err == nil && !h.mayPass {
				t.Fatalf("accepted (%d bytes)", h.size())
			}
			wantTyped(t, "verification", err)
			runs := 5
			if h.size() > 64<<10 {
				runs = 2
			}
			allocs := testing.AllocsPerRun(runs, func() { _ = verify() })
			if budget := allocBudget(h.size()) + h.rsaAllocs; allocs > budget {
				t.Errorf("%v allocations for %d input bytes; budget 8 + len/64 (+ %v for RSA-8192) = %v (%s)", allocs, h.size(), h.rsaAllocs, budget, webauthn.ExceptionName(err))
			}
			t.Logf("%d bytes, %v allocs, %s", h.size(), allocs, outcome(err))
		})
	}
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
