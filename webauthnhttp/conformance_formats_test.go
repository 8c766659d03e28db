package webauthnhttp

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/mds"
)

// The attestation format groups of the tools' "MakeCredential Response"
// tests: algorithms (Resp-4), packed full (Resp-5), packed self (Resp-6),
// none (Resp-7), fido-u2f (Resp-8), tpm (Resp-9), android-key (Resp-A) and
// android-safetynet (Resp-B). See conformance_tools_test.go.

// statementJSON is a FIDO Metadata Statement for aaguid declaring types
// with roots as attestationRootCertificates.
func statementJSON(t *testing.T, aaguid [16]byte, types []string, roots ...*forge.Cert) []byte {
	t.Helper()
	var rs []string
	for _, r := range roots {
		rs = append(rs, base64.StdEncoding.EncodeToString(r.DER))
	}
	b, err := json.Marshal(map[string]any{
		"aaguid": authdata.AAGUID(aaguid).String(), "description": "conformance test authenticator " + authdata.AAGUID(aaguid).String()[:8],
		"protocolFamily": "fido2", "schema": 3, "authenticatorVersion": 1,
		"attestationTypes": types, "authenticationAlgorithms": []string{"secp256r1_ecdsa_sha256_raw"},
		"attestationRootCertificates": rs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// statementMetadata is ConformanceMetadata of the statements given, as the
// command loads the tools' downloaded metadata.
func statementMetadata(t *testing.T, require bool, statements ...[]byte) *ConformanceMetadata {
	t.Helper()
	idx, err := LoadMetadataStatements(statements, forge.Now)
	if err != nil || len(idx.Skipped) != 0 {
		t.Fatalf("LoadMetadataStatements: %v %v", err, idx)
	}
	return &ConformanceMetadata{Indexes: []*mds.Index{idx}, Require: require}
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_4(t *testing.T) {
	x := newConfTool(t, nil)
	self := func(alg cose.Algorithm) func(x *confTool, ch []byte) any {
		return func(x *confTool, ch []byte) any {
			r := x.reg(ch, "alg-"+alg.String(), alg)
			return credentialOf(r, packedSelf(r))
		}
	}
	// P-1 (secp256k1) is optional and not supported; P-8 (RS1) is not
	// offered by ceremony.Lifecycle (see the report of issue 22).
	x.runReg(t, []regCase{
		{"P-2", "", self(cose.PS256)},
		{"P-3", "", self(cose.PS384)},
		{"P-4", "", self(cose.PS512)},
		{"P-5", "", self(cose.RS256)},
		{"P-6", "", self(cose.RS384)},
		{"P-7", "", self(cose.RS512)},
		{"P-9", "", self(cose.ES256)},
		{"P-10", "", self(cose.ES384)},
		{"P-11", "", self(cose.ES512)},
		{"P-12", "", self(cose.EdDSA)},
	})
}

// packedPKI is the batch PKI of the packed full cases: root → intermediate
// → leaf (the attestation key), the leaf carrying the AAGUID extension.
type packedPKI struct {
	f           *forge.Forge
	root, inter *forge.Cert
}

func newPackedPKI(f *forge.Forge, label string) *packedPKI {
	root := f.Root(label+" Root", cose.ES256)
	return &packedPKI{f: f, root: root, inter: f.Intermediate(label+" CA", cose.ES256, root)}
}

// full returns a packed full attestation of r by a new ES256 batch key whose
// leaf edit changed, with x5c chain(leaf) (leaf, intermediate by default),
// and lets stmt change the statement.
func (p *packedPKI) full(r *forge.Registration, edit func(*forge.CertSpec), chain func(leaf *forge.Cert) []*forge.Cert, stmt func(forge.Stmt)) forge.Stmt {
	att := p.f.Key("batch/"+b64u(r.AuthData.CredentialID), cose.ES256)
	leaf := p.f.PackedLeaf("batch/"+b64u(r.AuthData.CredentialID), att, p.inter, r.AuthData.AAGUID[:], edit)
	certs := []*forge.Cert{leaf, p.inter}
	if chain != nil {
		certs = chain(leaf)
	}
	s := r.Packed(att, certs...)
	if stmt != nil {
		stmt(s)
	}
	return s
}

// fullCase is a packed full registration of an ES256 credential with the
// AAGUID aaguid (the forge's when zero), sent with format fmt.
func fullCase(p *packedPKI, aaguid [16]byte, fmt string, edit func(*forge.CertSpec), chain func(leaf *forge.Cert) []*forge.Cert, stmt func(forge.Stmt)) func(x *confTool, ch []byte) any {
	return func(x *confTool, ch []byte) any {
		r := x.reg(ch, "full", cose.ES256)
		if aaguid != ([16]byte{}) {
			r.AuthData.AAGUID = aaguid
		}
		return credentialOf(r, r.Object(fmt, p.full(r, edit, chain, stmt)))
	}
}

func flipSig(s forge.Stmt) {
	sig := append([]byte{}, s["sig"].([]byte)...)
	sig[len(sig)/2] ^= 0x01
	s["sig"] = sig
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_5(t *testing.T) {
	f := forge.New("conformance tools")
	p := newPackedPKI(f, "Tools Packed")
	other := newPackedPKI(f, "Tools Other")
	listed := f.AAGUID("resp-5 listed")
	const step22 = "§7.1 step 22"
	// The metadata the tools hand out lists the batch root for listed.
	x := newConfTool(t, statementMetadata(t, false, statementJSON(t, listed, []string{"basic_full"}, p.root)))
	zero := [16]byte{}
	x.runReg(t, []regCase{
		{"P-1", "", fullCase(p, zero, "packed", nil, nil, nil)},
		{"P-2", "", fullCase(p, listed, "packed", nil, nil, nil)},
		{"F-1", "§7.1 step 21", fullCase(p, zero, "packed-unknown", nil, nil, nil)},
		{"F-2", step22, fullCase(p, zero, "packed", nil, nil, flipSig)},
		{"F-3", step22, fullCase(p, zero, "packed", nil, nil, func(s forge.Stmt) { delete(s, "x5c") })},
		{"F-4", step22, fullCase(p, zero, "packed", nil, nil, func(s forge.Stmt) { s["x5c"] = s["x5c"].([][]byte)[0] })},
		{"F-5", step22, fullCase(p, zero, "packed", nil, nil, func(s forge.Stmt) { s["x5c"] = [][]byte{} })},
		{"F-6", step22, fullCase(p, zero, "packed", func(c *forge.CertSpec) {
			c.NotBefore, c.NotAfter = forge.Now.AddDate(-2, 0, 0), forge.Now.AddDate(0, 0, -1)
		}, nil, nil)},
		{"F-7", step22, fullCase(p, zero, "packed", func(c *forge.CertSpec) { c.NotBefore = forge.Now.AddDate(0, 0, 1) }, nil, nil)},
		// The chain of a listed authenticator ends at another root than the
		// metadata's. (F-8 needs a check of metadata authenticationAlgorithms
		// and F-10, a chain that includes its root, is accepted: see the
		// report of issue 22.)
		{"F-9", step22, fullCase(other, listed, "packed", nil, nil, nil)},
		{"F-11", step22, fullCase(p, zero, "packed", nil, func(leaf *forge.Cert) []*forge.Cert { return []*forge.Cert{p.inter, leaf} }, nil)},
		{"F-12", step22, func(x *confTool, ch []byte) any {
			old := f.Issue("Tools Expired CA", &forge.CertSpec{CA: true, NotBefore: forge.Now.AddDate(-3, 0, 0), NotAfter: forge.Now.AddDate(0, 0, -1)},
				f.Key("ca/Tools Expired CA", cose.ES256), p.root)
			q := &packedPKI{f: f, root: p.root, inter: old}
			return fullCase(q, zero, "packed", nil, nil, nil)(x, ch)
		}},
		{"F-13", step22, func(x *confTool, ch []byte) any {
			r := x.reg(ch, "full", cose.ES256)
			s := p.full(r, nil, nil, nil)
			ad, cdh := r.SignedData()
			s["sig"] = f.Key("not the batch key", cose.ES256).Sign(ad, cdh)
			return credentialOf(r, r.Object("packed", s))
		}},
		{"F-14", step22, func(x *confTool, ch []byte) any {
			r := x.reg(ch, "full", cose.ES256)
			s := p.full(r, nil, nil, nil)
			ad, cdh := r.SignedData()
			s["sig"] = r.Cred.Sign(ad, cdh)
			return credentialOf(r, r.Object("packed", s))
		}},
	})
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_6(t *testing.T) {
	f := forge.New("conformance tools")
	p := newPackedPKI(f, "Tools Packed")
	selfOnly := f.AAGUID("resp-6 self only")
	x := newConfTool(t, statementMetadata(t, false, statementJSON(t, selfOnly, []string{"basic_surrogate"}, p.root)))
	self := func(fmt string, edit func(forge.Stmt)) func(x *confTool, ch []byte) any {
		return func(x *confTool, ch []byte) any {
			r := x.reg(ch, "self", cose.ES256)
			s := r.PackedSelf()
			if edit != nil {
				edit(s)
			}
			return credentialOf(r, r.Object(fmt, s))
		}
	}
	x.runReg(t, []regCase{
		{"P-1", "", self("packed", nil)},
		{"F-1", "§7.1 step 22", self("packed", flipSig)},
		// An authenticator whose metadata declares only self
		// (basic_surrogate) attestation sends a full one.
		{"F-2", "§7.1 step 24", fullCase(p, selfOnly, "packed", nil, nil, nil)},
		{"F-3", "§7.1 step 21", self("packed-unknown", nil)},
	})
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_7(t *testing.T) {
	x := newConfTool(t, nil)
	p := newPackedPKI(x.f, "Tools Packed")
	none := func(x *confTool, ch []byte) any {
		r := x.reg(ch, "none", cose.ES256)
		return credentialOf(r, r.Object("none", forge.Stmt{}))
	}
	// The list describes P-1 and P-2 of this "none" group as packed self
	// (a copy of Resp-6 P-1): P-1 is sent as fmt "none", P-2 as described.
	x.runReg(t, []regCase{
		{"P-1", "", none},
		{"P-2", "", func(x *confTool, ch []byte) any {
			r := x.reg(ch, "self", cose.ES256)
			return credentialOf(r, packedSelf(r))
		}},
		{"F-1", "§7.1 step 22", fullCase(p, [16]byte{}, "none", nil, nil, nil)},
	})
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_8(t *testing.T) {
	x := newConfTool(t, nil)
	root := x.f.Root("Tools U2F Root", cose.ES256)
	// F-1 (a non-zero AAGUID) is accepted: §8.6 does not check the AAGUID
	// (see the report of issue 22).
	u2f := func(edit func(forge.Stmt)) func(x *confTool, ch []byte) any {
		return func(x *confTool, ch []byte) any {
			r := x.reg(ch, "u2f", cose.ES256)
			r.AuthData.AAGUID = [16]byte{}
			r.AuthData.Flags = forge.FlagUP
			leaf := x.f.U2FLeaf("u2f/"+b64u(r.AuthData.CredentialID), x.f.Key("u2f-att/"+b64u(r.AuthData.CredentialID), cose.ES256), root)
			s := r.FIDOU2F(leaf.Key, leaf)
			if edit != nil {
				edit(s)
			}
			return credentialOf(r, r.Object("fido-u2f", s))
		}
	}
	x.runReg(t, []regCase{
		{"P-1", "", u2f(nil)},
		{"F-2", "§7.1 step 22", u2f(flipSig)},
	})
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_9(t *testing.T) {
	x := newConfTool(t, nil)
	f := x.f
	root := f.Root("Tools TPM Root", cose.ES384)
	ca := f.Intermediate("Tools TPM CA", cose.RS256, root)
	tpm := func(aikAlg cose.Algorithm, pub func(r *forge.Registration) []byte, attest func(*forge.TPMAttest), order func(leaf *forge.Cert) []*forge.Cert) func(x *confTool, ch []byte) any {
		return func(x *confTool, ch []byte) any {
			r := x.reg(ch, "tpm", cose.RS256)
			aik := f.Key("aik/"+b64u(r.AuthData.CredentialID), aikAlg)
			leaf := f.Issue("aik/"+b64u(r.AuthData.CredentialID), forge.TPMAIKSpec(r.AuthData.AAGUID[:]), aik, ca)
			chain := []*forge.Cert{leaf, ca}
			if order != nil {
				chain = order(leaf)
			}
			var pubArea []byte
			if pub != nil {
				pubArea = pub(r)
			}
			return credentialOf(r, r.Object("tpm", r.TPM(aik, pubArea, attest, chain...)))
		}
	}
	const step22 = "§7.1 step 22"
	x.runReg(t, []regCase{
		{"P-1", "", tpm(cose.RS256, nil, nil, nil)},
		{"P-2", "", tpm(cose.RS1, nil, nil, nil)},
		// pubArea.nameAlg SHA-1 (the Name is computed with it) while the
		// signature and extraData use SHA-256.
		{"P-3", "", tpm(cose.RS256, func(r *forge.Registration) []byte {
			p := forge.TPMPublic(r.Cred.Public())
			p[2], p[3] = 0x00, byte(forge.TPMAlgSHA1)
			return p
		}, nil, nil)},
		{"F-1", step22, tpm(cose.RS256, nil, nil, func(leaf *forge.Cert) []*forge.Cert { return []*forge.Cert{ca, leaf} })},
		{"F-2", step22, tpm(cose.RS256, nil, func(a *forge.TPMAttest) { a.ExtraData = f.Bytes("not attToBeSigned", 32) }, nil)},
		{"F-3", step22, tpm(cose.RS256, nil, func(a *forge.TPMAttest) { a.Magic = 0xff544348 }, nil)},
		{"F-4", step22, tpm(cose.RS256, func(r *forge.Registration) []byte {
			// forge has three RSA keys: take one that is not the credential's.
			for i := 0; ; i++ {
				if k := f.Key("other/"+strconv.Itoa(i), cose.RS256); !k.Public().(*rsa.PublicKey).Equal(r.Cred.Public()) {
					return forge.TPMPublic(k.Public())
				}
			}
		}, nil, nil)},
	})
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_A(t *testing.T) {
	x := newConfTool(t, nil)
	f := x.f
	root := f.Root("Tools Android Root", cose.ES256)
	ca := f.Intermediate("Tools Android CA", cose.ES256, root)
	android := func(kd func(*forge.AndroidKeyDescription), other bool, order bool) func(x *confTool, ch []byte) any {
		return func(x *confTool, ch []byte) any {
			r := x.reg(ch, "android", cose.ES256)
			d := forge.HardwareKeyDescription(r.ClientDataHash())
			if kd != nil {
				kd(d)
			}
			att := r.Cred
			if other {
				att = f.Key("android other/"+b64u(r.AuthData.CredentialID), cose.ES256)
			}
			leaf := f.Issue("android/"+b64u(r.AuthData.CredentialID), forge.AndroidKeyLeafSpec(d), att, ca)
			chain := []*forge.Cert{leaf, ca}
			if order {
				chain = []*forge.Cert{ca, leaf}
			}
			return credentialOf(r, r.Object("android-key", r.AndroidKey(att, chain...)))
		}
	}
	const step22 = "§7.1 step 22"
	x.runReg(t, []regCase{
		{"P-1", "", android(nil, false, false)},
		{"F-1", step22, android(func(d *forge.AndroidKeyDescription) { d.Challenge = f.Bytes("not the clientDataHash", 32) }, false, false)},
		{"F-2", step22, android(nil, true, false)},
		{"F-3", step22, android(nil, false, true)},
	})
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_B(t *testing.T) {
	x := newConfTool(t, nil)
	f := x.f
	root := f.Root("Tools SafetyNet Root", cose.RS256)
	spec := forge.SafetyNetLeafSpec("attest.android.com")
	spec.KeyUsage = x509.KeyUsageDigitalSignature
	att := f.Key("safetynet", cose.RS256)
	leaf := f.Issue("safetynet", spec, att, root)
	// sn builds the statement; jws, when not nil, replaces the response.
	sn := func(edit func(forge.Stmt), jws func(ad, cdh []byte) []byte) func(x *confTool, ch []byte) any {
		return func(x *confTool, ch []byte) any {
			r := x.reg(ch, "safetynet", cose.ES256)
			s := r.SafetyNet(att, forge.Now, leaf)
			if jws != nil {
				ad, cdh := r.SignedData()
				s["response"] = jws(ad, cdh)
			}
			if edit != nil {
				edit(s)
			}
			return credentialOf(r, r.Object("android-safetynet", s))
		}
	}
	payload := func(nonce func(ad, cdh []byte) string, ts time.Time, cts bool, chain ...*forge.Cert) func(ad, cdh []byte) []byte {
		return func(ad, cdh []byte) []byte {
			return forge.SafetyNetJWS(att, forge.SafetyNetHeader("RS256", chain...), forge.SafetyNetPayload(nonce(ad, cdh), ts, cts))
		}
	}
	const step22 = "§7.1 step 22"
	x.runReg(t, []regCase{
		{"P-1", "", sn(nil, nil)},
		{"F-1", step22, sn(func(s forge.Stmt) { s["ver"] = "" }, nil)},
		{"F-2", step22, sn(func(s forge.Stmt) { s["response"] = []byte{} }, nil)},
		{"F-3", step22, sn(nil, payload(func(ad, _ []byte) string { return forge.SafetyNetNonce(ad, f.Bytes("not the clientDataHash", 32)) }, forge.Now, true, leaf))},
		{"F-4", step22, sn(nil, payload(forge.SafetyNetNonce, forge.Now, true))},
		{"F-5", step22, sn(nil, payload(forge.SafetyNetNonce, forge.Now, false, leaf))},
		{"F-6", step22, sn(nil, payload(forge.SafetyNetNonce, forge.Now.Add(time.Hour), true, leaf))},
		{"F-7", step22, sn(nil, payload(forge.SafetyNetNonce, forge.Now.Add(-2*time.Minute), true, leaf))},
	})
}

// The metadata entry of an authenticator is the statement's: a
// registration of a listed AAGUID by a chain to its root is judged (the
// anchors of step 23 come from ConformanceMetadata).
func TestConformanceMetadataJudgesListedChains(t *testing.T) {
	f := forge.New("conformance tools")
	p := newPackedPKI(f, "Tools Packed")
	listed := f.AAGUID("judged")
	meta := statementMetadata(t, true, statementJSON(t, listed, []string{"basic_full"}, p.root))
	rp := confRP(meta)
	r := f.Registration("judged", f.Key("judged", cose.ES256))
	r.AuthData.AAGUID = listed
	var reg webauthn.Registration
	resp, _ := json.Marshal(credentialOf(r, r.Object("packed", p.full(r, nil, nil, nil))))
	rp.RPID, rp.Origins = "example.org", []string{"https://example.org"}
	if err := rp.VerifyRegistration(normalizeCredential(resp), r.ClientData.Challenge, &reg); err != nil {
		t.Fatal(err)
	}
	if !reg.Judged || !reg.Anchor.Equal(p.root.Cert) || meta.CheckRegistration(&reg, forge.Now) != nil {
		t.Fatalf("judged %v anchor %v check %v", reg.Judged, reg.Anchor, meta.CheckRegistration(&reg, forge.Now))
	}
}
