package fido_test

// Advisory regressions: encodings (duplicate CBOR keys, panics on malformed
// attestation statements).

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"math"
	"strconv"
	"testing"

	"github.com/fxamacker/cbor/v2"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// --- Duplicate CBOR map keys.

// TestAdvisoryDuplicateCBORKeys: a CBOR map with a key twice, anywhere in
// the attestation object or the authenticator data, is malformed, also when
// the two keys are spelled with different (non-minimal) encodings.
func TestAdvisoryDuplicateCBORKeys(t *testing.T) {
	runVector(t, "packed/neg-cbor-duplicate-key.json", excInvalid)
	runVector(t, "packed/neg-cbor-duplicate-key-attstmt.json", excInvalid)

	f := forge.New("advisory dup")
	m := forge.Marshal
	cat := func(items ...[]byte) []byte { return bytes.Join(items, nil) }
	r := f.Registration("dup", f.Key("dup", cose.ES256))
	ad := r.AuthDataBytes()
	st := r.PackedSelf()
	fmtK, attK, adK := m("fmt"), m("attStmt"), m("authData")
	fmtLong := []byte{0x78, 0x03, 'f', 'm', 't'} // "fmt" with a one-byte length argument
	for _, c := range []struct {
		name string
		obj  []byte
	}{
		{"fmt twice, second other", cat([]byte{0xa4}, fmtK, m("packed"), fmtK, m("none"), attK, m(map[string]any(st)), adK, m(ad))},
		{"authData twice", cat([]byte{0xa4}, fmtK, m("none"), attK, m(map[string]any{}), adK, m(ad), adK, m(ad))},
		{"fmt twice, non-minimal length", cat([]byte{0xa4}, fmtK, m("none"), fmtLong, m("none"), attK, m(map[string]any{}), adK, m(ad))},
		{"attStmt sig twice", cat([]byte{0xa3}, fmtK, m("packed"), attK, []byte{0xa3}, m("alg"), m(int64(-7)), m("sig"), m(st["sig"]), m("sig"), m(st["sig"]), adK, m(ad))},
		{"compound member fmt twice", r.Object("compound", []any{
			forge.RawCBOR(cat([]byte{0xa3}, fmtK, m("none"), fmtK, m("none"), attK, m(map[string]any{}))),
			map[string]any{"fmt": "none", "attStmt": map[string]any{}},
		})},
	} {
		wantExc(t, c.name, verifyReg(advRP(), r, c.obj), excInvalid)
	}

	// Inside the authenticator data: the credential public key and the
	// extension outputs.
	x, y := forge.ECPoint(r.Cred.Public().(*ecdsa.PublicKey))
	coseKey := func(head byte, extra ...[]byte) []byte {
		return cat(append([][]byte{{head}, m(1), m(2), m(3), m(-7), m(-1), m(1), m(-2), m(x), m(-3), m(y)}, extra...)...)
	}
	for _, c := range []struct {
		name string
		key  []byte
	}{
		{"kty twice", coseKey(0xa6, m(1), m(2))},
		{"alg twice, RS256 then", coseKey(0xa6, m(3), m(-257))},
		{"x twice", coseKey(0xa6, m(-2), m(y))},
		{"alg twice, non-minimal 3", coseKey(0xa6, []byte{0x18, 0x03}, m(-7))},
		{"kty twice, non-minimal 1", coseKey(0xa6, []byte{0x18, 0x01}, m(2))},
	} {
		d := f.Registration("dup", f.Key("dup", cose.ES256))
		d.AuthData.CredentialKey = c.key
		wantExc(t, "credential key: "+c.name, verifyReg(advRP(), d, d.Object("none", forge.Stmt{})), excInvalid)
	}
	dupExt := cat([]byte{0xa2}, m("credProtect"), m(1), m("credProtect"), m(2))
	d := f.Registration("dup", f.Key("dup", cose.ES256))
	d.AuthData.Extensions = cat([]byte{0xa1}, m("credProtect"), m(1))
	wantExc(t, "registration extensions, one key", verifyReg(advRP(), d, d.Object("none", forge.Stmt{})), "")
	d.AuthData.Extensions = dupExt
	wantExc(t, "registration extensions, key twice", verifyReg(advRP(), d, d.Object("none", forge.Stmt{})), excInvalid)

	a := newAssertion(f, "dup-auth", cose.ES256)
	a.ad.Extensions = dupExt
	wantExc(t, "assertion extensions, key twice", a.verify(advRP()), excInvalid)
	// The stored credential key with alg twice.
	a.ad.Extensions = nil
	ax, ay := forge.ECPoint(a.key.Public().(*ecdsa.PublicKey))
	a.cose = cat([]byte{0xa6}, m(1), m(2), m(3), m(-7), m(-1), m(1), m(-2), m(ax), m(-3), m(ay), m(3), m(-7))
	wantExc(t, "stored credential key, alg twice", a.verify(advRP()), excInvalid)
}

// --- Panics on malformed attestation statements.

// cborValues is one value of every CBOR major type and shape a statement
// member could wrongly hold.
var cborValues = []struct {
	name string
	v    any
}{
	{"uint 0", uint64(0)},
	{"uint max", uint64(math.MaxUint64)},
	{"negint -1", int64(-1)},
	{"negint min", int64(math.MinInt64)},
	{"alg -257", int64(-257)},
	{"bytes empty", []byte{}},
	{"bytes 00", []byte{0}},
	{"bytes DER SEQUENCE{}", []byte{0x30, 0x00}},
	{"text empty", ""},
	{"text 2.0", "2.0"},
	{"text x", "x"},
	{"array empty", []any{}},
	{"array of empty bytes", []any{[]byte{}}},
	{"array of text", []any{"x"}},
	{"array of int", []any{int64(1)}},
	{"array of array", []any{[]any{}}},
	{"array of map", []any{map[string]any{}}},
	{"map empty", map[string]any{}},
	{"map int key", map[int64]any{1: int64(2)}},
	{"map fmt/attStmt", map[string]any{"fmt": "none", "attStmt": map[string]any{}}},
	{"true", true},
	{"false", false},
	{"null", nil},
	{"undefined", forge.RawCBOR([]byte{0xf7})},
	{"float", 1.5},
	{"half NaN", forge.RawCBOR([]byte{0xf9, 0x7e, 0x00})},
	{"tag 24", forge.RawCBOR([]byte{0xd8, 0x18, 0x41, 0x00})},
	{"simple 16", forge.RawCBOR([]byte{0xf0})},
}

// byteMutations returns damaged copies of b: prefixes, an extra byte and
// flipped bits. every asks for every prefix and every byte flipped.
func byteMutations(b []byte, every bool) map[string][]byte {
	out := map[string][]byte{}
	cut := func(n int) {
		if n >= 0 && n < len(b) {
			out["prefix "+strconv.Itoa(n)] = append([]byte{}, b[:n]...)
		}
	}
	flip := func(i int) {
		if i >= 0 && i < len(b) {
			c := append([]byte{}, b...)
			c[i] ^= 0x80
			out["flip "+strconv.Itoa(i)] = c
		}
	}
	for _, n := range []int{0, 1, 2, len(b) / 2, len(b) - 1} {
		cut(n)
	}
	for _, i := range []int{0, 1, 2, 3, len(b) / 3, len(b) / 2, len(b) - 2, len(b) - 1} {
		flip(i)
	}
	if every {
		for i := range b {
			cut(i)
			flip(i)
		}
	}
	out["extra byte"] = append(append([]byte{}, b...), 0)
	return out
}

// stmtFixture is a valid statement of one format and the policy that
// accepts it with anchors.
type stmtFixture struct {
	format string
	r      *forge.Registration
	stmt   forge.Stmt
	rp     *webauthn.RelyingParty
}

func stmtFixtures(f *forge.Forge) []stmtFixture {
	var out []stmtFixture
	add := func(format string, r *forge.Registration, stmt forge.Stmt, roots ...*forge.Cert) {
		rp := advRP()
		if len(roots) > 0 {
			rp.Attestation.Anchors = anchors(format, roots...)
		}
		out = append(out, stmtFixture{format, r, stmt, rp})
	}
	// packed self and basic.
	r := f.Registration("stmt-packed-self", f.Key("stmt-packed-self", cose.ES256))
	add("packed", r, r.PackedSelf())
	root, inter := packedCA(f)
	r = f.Registration("stmt-packed-basic", f.Key("stmt-packed-basic", cose.ES256))
	att := f.Key("att/stmt-packed-basic", cose.ES256)
	add("packed", r, r.Packed(att, f.PackedLeaf("stmt-packed-basic", att, inter, r.AuthData.AAGUID[:], nil), inter), root)
	// tpm.
	tpmRoot := f.Root("Adv TPM Root", cose.ES384)
	tpmCA := f.Intermediate("Adv TPM CA", cose.RS256, tpmRoot)
	for _, alg := range []cose.Algorithm{cose.ES256, cose.RS256} {
		name := "stmt-tpm-" + alg.String()
		r = f.Registration(name, f.Key(name, alg))
		aik := f.Key("aik/"+name, cose.RS256)
		leaf := f.Issue("aik/"+name, forge.TPMAIKSpec(r.AuthData.AAGUID[:]), aik, tpmCA)
		add("tpm", r, r.TPM(aik, nil, nil, leaf, tpmCA), tpmRoot)
	}
	// android-key.
	andRoot := f.Root("Adv Android Root", cose.ES256)
	andCA := f.Intermediate("Adv Android CA", cose.ES256, andRoot)
	r = f.Registration("stmt-android-key", f.Key("stmt-android-key", cose.ES256))
	leaf := f.Issue("android/stmt-android-key", forge.AndroidKeyLeafSpec(forge.HardwareKeyDescription(r.ClientDataHash())), r.Cred, andCA)
	add("android-key", r, r.AndroidKey(r.Cred, leaf, andCA), andRoot)
	// android-safetynet.
	snRoot := f.Root("Adv SafetyNet Root", cose.RS256)
	r = f.Registration("stmt-safetynet", f.Key("stmt-safetynet", cose.ES256))
	snAtt := f.Key("sn/stmt-safetynet", cose.RS256)
	spec := forge.SafetyNetLeafSpec("attest.android.com")
	spec.KeyUsage = x509.KeyUsageDigitalSignature
	add("android-safetynet", r, r.SafetyNet(snAtt, forge.Now, f.Issue("sn/stmt-safetynet", spec, snAtt, snRoot)), snRoot)
	// fido-u2f.
	u2fRoot := f.Root("Adv U2F Root", cose.ES256)
	r = f.U2FRegistration("stmt-u2f", f.Key("stmt-u2f", cose.ES256))
	u2fLeaf := f.U2FLeaf("stmt-u2f", f.Key("att/stmt-u2f", cose.ES256), u2fRoot)
	add("fido-u2f", r, r.FIDOU2F(u2fLeaf.Key, u2fLeaf), u2fRoot)
	// apple.
	appleRoot := f.Root("Adv Apple Root", cose.ES384)
	appleCA := f.Intermediate("Adv Apple CA", cose.ES384, appleRoot)
	r = f.Registration("stmt-apple", f.Key("stmt-apple", cose.ES256))
	st, _ := r.Apple(f, "stmt-apple", appleCA)
	add("apple", r, st, appleRoot)
	// none.
	r = f.Registration("stmt-none", f.Key("stmt-none", cose.ES256))
	add("none", r, forge.Stmt{})
	return out
}

// tagEnc is CTAP2 canonical CBOR that lets raw items carry tags, so that a
// test can put a tagged value where the verifier must refuse it.
var tagEnc = func() cbor.EncMode {
	o := cbor.CTAP2EncOptions()
	o.TagsMd = cbor.TagsAllowed
	m, err := o.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// objectWithTags is forge.Object with tagEnc.
func objectWithTags(format string, attStmt any, authData []byte) []byte {
	if s, ok := attStmt.(forge.Stmt); ok {
		attStmt = map[string]any(s)
	}
	b, err := tagEnc.Marshal(map[string]any{"fmt": format, "attStmt": attStmt, "authData": authData})
	if err != nil {
		panic(err)
	}
	return b
}

// clone copies a statement (values are shared; mutations replace them).
func clone(s forge.Stmt) forge.Stmt {
	c := forge.Stmt{}
	for k, v := range s {
		c[k] = v
	}
	return c
}

// TestAdvisoryNoPanicOnMalformedStatements: every member of every
// statement format replaced by every CBOR type, deleted, truncated or
// bit-flipped, every x5c element damaged, and compound statements broken the
// same way: the verifier answers with a typed *Error, never
// InternalErrorException (a recovered panic).
func TestAdvisoryNoPanicOnMalformedStatements(t *testing.T) {
	f := forge.New("advisory statements")
	fixtures := stmtFixtures(f)
	runs, rejected := 0, 0
	check := func(fx *stmtFixture, what string, attStmt any) {
		t.Helper()
		obj := objectWithTags(fx.format, attStmt, fx.r.AuthDataBytes())
		for _, rp := range []*webauthn.RelyingParty{fx.rp, advRP()} {
			err := verifyReg(rp, fx.r, obj)
			wantTyped(t, fx.format+" "+what, err)
			runs++
			if err != nil {
				rejected++
			}
		}
	}
	for i := range fixtures {
		fx := &fixtures[i]
		if err := verifyReg(fx.rp, fx.r, fx.r.Object(fx.format, fx.stmt)); err != nil {
			t.Fatalf("%s: the unmodified statement fails: %v", fx.format, err)
		}
		if err := verifyReg(advRP(), fx.r, fx.r.Object(fx.format, fx.stmt)); err != nil {
			t.Fatalf("%s: the unmodified statement fails without anchors: %v", fx.format, err)
		}
		for _, v := range cborValues {
			check(fx, "attStmt = "+v.name, v.v)
			for _, key := range []string{"x5c", "alg", "sig", "ver", "certInfo", "pubArea", "response", "ecdaaKeyId", "zzz"} {
				s := clone(fx.stmt)
				s[key] = v.v
				check(fx, key+" = "+v.name, s)
			}
		}
		for key, val := range fx.stmt {
			s := clone(fx.stmt)
			delete(s, key)
			check(fx, "without "+key, s)
			switch val := val.(type) {
			case []byte:
				every := key == "certInfo" || key == "pubArea"
				for name, b := range byteMutations(val, every) {
					s := clone(fx.stmt)
					s[key] = b
					check(fx, key+" "+name, s)
				}
				if key == "response" {
					// The JWS: each of its three parts damaged.
					parts := bytes.Split(val, []byte("."))
					for p := range parts {
						for name, b := range byteMutations(parts[p], false) {
							q := append([][]byte{}, parts...)
							q[p] = b
							s := clone(fx.stmt)
							s[key] = bytes.Join(q, []byte("."))
							check(fx, "JWS part "+strconv.Itoa(p)+" "+name, s)
						}
					}
				}
			case [][]byte:
				for j := range val {
					for _, v := range cborValues {
						x := make([]any, len(val))
						for k := range val {
							x[k] = val[k]
						}
						x[j] = v.v
						s := clone(fx.stmt)
						s[key] = x
						check(fx, key+"["+strconv.Itoa(j)+"] = "+v.name, s)
					}
					for name, b := range byteMutations(val[j], false) {
						x := append([][]byte{}, val...)
						x[j] = b
						s := clone(fx.stmt)
						s[key] = x
						check(fx, key+"["+strconv.Itoa(j)+"] "+name, s)
					}
				}
				for name, x := range map[string][][]byte{
					"reversed":        reversed(val),
					"leaf twice":      append([][]byte{val[0]}, val...),
					"leaf only":       val[:1],
					"without leaf":    val[1:],
					"ten copies":      repeatCerts(val, 10),
					"empty":           {},
					"empty element":   append(append([][]byte{}, val...), []byte{}),
					"two leaves last": append(append([][]byte{}, val...), val[0]),
				} {
					s := clone(fx.stmt)
					s[key] = x
					check(fx, key+" "+name, s)
				}
			}
		}
	}

	// compound: broken entries, and every fixture's statement as a member.
	base := &fixtures[0]
	self := base.stmt
	entry := func(fmtV, st any) map[string]any { return map[string]any{"fmt": fmtV, "attStmt": st} }
	cmp := func(what string, c any) { check(base, "compound "+what, c) }
	good := []any{entry("packed", map[string]any(self)), entry("none", map[string]any{})}
	if err := verifyReg(advRP(), base.r, base.r.Object("compound", good)); err != nil {
		t.Fatalf("compound: the unmodified statement fails: %v", err)
	}
	for _, v := range cborValues {
		cmp("entry 0 = "+v.name, []any{v.v, good[1]})
		cmp("entry 1 = "+v.name, []any{good[0], v.v})
		cmp("fmt = "+v.name, []any{entry(v.v, map[string]any(self)), good[1]})
		cmp("attStmt = "+v.name, []any{entry("packed", v.v), good[1]})
		cmp("extra member = "+v.name, []any{map[string]any{"fmt": "none", "attStmt": map[string]any{}, "x": v.v}, good[1]})
	}
	cmp("one entry", good[:1])
	cmp("no entries", []any{})
	cmp("nine entries", repeatAny(good[1], 9))
	cmp("nested compound", []any{good[0], entry("compound", good)})
	cmp("nested compound as array", []any{good[0], entry("compound", []any{good[0], good[1]})})
	cmp("entry without attStmt", []any{good[0], map[string]any{"fmt": "none"}})
	cmp("entry without fmt", []any{good[0], map[string]any{"attStmt": map[string]any{}}})
	for i := range fixtures {
		fx := &fixtures[i]
		c := []any{entry(fx.format, map[string]any(fx.stmt)), good[1]}
		check(fx, "as a compound member", c)
	}
	t.Logf("%d verifications, %d rejected, every one with a typed exception", runs, rejected)
}

func reversed(v [][]byte) [][]byte {
	out := make([][]byte, len(v))
	for i := range v {
		out[len(v)-1-i] = v[i]
	}
	return out
}

func repeatCerts(v [][]byte, n int) [][]byte {
	var out [][]byte
	for range n {
		out = append(out, v...)
	}
	return out
}

func repeatAny(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}
