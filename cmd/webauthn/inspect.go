package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/tpm"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/mds"
)

// inspect decodes whatever it is given for a human reader.
func inspect(args []string, stdin io.Reader, w io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	var m mdsFlags
	m.register(fs, true)
	rpID := fs.String("rpid", "", "RP ID to name rpIdHash by (default: a vector's rpId)")
	appID := fs.String("appid", "", "FIDO AppID to name rpIdHash by (WebAuthn L3 §10.1.1; default: a vector's appId)")
	convenience := fs.String("convenience", "", "a FIDO Convenience Metadata Service BLOB to name the passkey provider from (verified with -mds-root)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	args = fs.Args()
	p := &printer{w: w, rpID: *rpID, appID: *appID}
	if *convenience != "" {
		c, err := m.loadConvenience(*convenience)
		if err != nil {
			fmt.Fprintln(os.Stderr, "webauthn inspect: convenience metadata BLOB:", err)
			return 1
		}
		p.conv = c
	}
	if m.blob != "" {
		idx, err := m.load(m.blob)
		if err != nil {
			fmt.Fprintln(os.Stderr, "webauthn inspect: metadata BLOB:", err)
			return 1
		}
		p.mds = idx
	}
	var in []byte
	var err error
	switch {
	case len(args) == 0 || args[0] == "-":
		in, err = io.ReadAll(stdin)
	default:
		in, err = os.ReadFile(args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "webauthn inspect:", err)
		return 1
	}
	p.any(bytes.TrimSpace(in))
	if p.failed {
		return 1
	}
	return 0
}

type printer struct {
	w      io.Writer
	mds    *mds.Index
	conv   *mds.Convenience
	indent string
	failed bool

	// rpID and appID name the hashes rpIdHash is compared with; appIDOut is
	// the response's clientExtensionResults.appid, nil when absent.
	rpID, appID string
	appIDOut    *bool
}

func (p *printer) f(format string, a ...any) {
	fmt.Fprintf(p.w, p.indent+format+"\n", a...)
}

func (p *printer) bad(what string, err error) {
	p.f("%s: INVALID: %v", what, err)
	p.failed = true
}

func (p *printer) nest(fn func()) {
	old := p.indent
	p.indent += "  "
	fn()
	p.indent = old
}

// any recognises a vector file, a response JSON, or an attestationObject.
func (p *printer) any(in []byte) {
	if len(in) > 0 && in[0] == '{' {
		var probe struct {
			Response json.RawMessage `json:"response"`
			Ceremony string          `json:"ceremony"`
		}
		if err := json.Unmarshal(in, &probe); err != nil {
			p.bad("JSON", err)
			return
		}
		if probe.Ceremony != "" {
			var v vectors.Vector
			json.Unmarshal(in, &v)
			p.f("vector %s (%s, fmt %q, rpId %q)", v.Name, v.Ceremony, v.Fmt, v.RPID)
			if p.rpID == "" {
				p.rpID = v.RPID
			}
			if p.appID == "" {
				p.appID = v.AppID
			}
			p.response(v.Response)
			if k := vectors.B64(v.CredentialPublicKey); k != nil {
				p.f("stored credential public key:")
				p.nest(func() { p.coseKey(k) })
			}
			return
		}
		p.response(in)
		return
	}
	if b := vectors.B64(string(in)); b != nil {
		in = b
	}
	p.object(in)
}

func (p *printer) response(raw []byte) {
	f := new(vectors.Fields)
	if err := json.Unmarshal(raw, f); err != nil {
		p.bad("response", err)
		return
	}
	p.f("credential id %s (type %q)", f.ID, f.Type)
	if f.ID != f.RawID {
		p.f("  rawId %s DIFFERS from id", f.RawID)
	}
	if len(f.Response.Transports) > 0 {
		p.f("transports %s", strings.Join(f.Response.Transports, ", "))
	}
	if len(f.ClientExtensionResults) > 0 {
		p.f("clientExtensionResults %s", f.ClientExtensionResults)
		var ext struct {
			AppID *bool `json:"appid"`
		}
		if json.Unmarshal(f.ClientExtensionResults, &ext) == nil {
			p.appIDOut = ext.AppID
		}
	}
	if cd := vectors.B64(f.Response.ClientDataJSON); cd != nil {
		p.clientData(cd)
	}
	if obj := vectors.B64(f.Response.AttestationObject); obj != nil {
		p.object(obj)
	}
	if ad := vectors.B64(f.Response.AuthenticatorData); ad != nil {
		p.authData(ad)
	}
	if sig := vectors.B64(f.Response.Signature); sig != nil {
		p.f("signature (%d bytes) %x", len(sig), sig)
	}
	if uh := vectors.B64(f.Response.UserHandle); uh != nil {
		p.f("userHandle %x", uh)
	}
}

func (p *printer) clientData(b []byte) {
	p.f("clientDataJSON (%d bytes, SHA-256 %x)", len(b), sha256.Sum256(b))
	p.nest(func() {
		var c clientdata.ClientData
		if err := clientdata.Parse(b, &c); err != nil {
			p.bad("clientDataJSON", err)
			p.f("raw: %s", b)
			return
		}
		p.f("type        %s", c.Type)
		p.f("challenge   %s", c.Challenge)
		p.f("origin      %s", c.AppendOrigin(nil))
		if c.HasTopOrigin {
			p.f("topOrigin   %s", c.AppendTopOrigin(nil))
		}
		switch c.CrossOrigin {
		case clientdata.CrossOriginTrue:
			p.f("crossOrigin true")
		case clientdata.CrossOriginFalse:
			p.f("crossOrigin false")
		}
		if c.TokenBinding != nil {
			p.f("tokenBinding %s", c.TokenBinding)
		}
	})
}

func (p *printer) object(b []byte) {
	var o attestation.Object
	if err := attestation.ParseObject(b, &o); err != nil {
		p.bad("attestationObject", err)
		return
	}
	p.f("attestationObject (%d bytes) fmt %q", len(b), o.FormatText)
	p.nest(func() {
		p.authData(o.AuthData)
		p.statement(o.Format, o.AttStmt)
	})
}

func (p *printer) authData(b []byte) {
	var a authdata.AuthData
	if err := authdata.Parse(b, &a); err != nil {
		p.bad("authenticatorData", err)
		return
	}
	p.f("authenticatorData (%d bytes)", len(b))
	p.nest(func() {
		p.f("rpIdHash  %x", a.RPIDHash)
		p.rpIDHash(a.RPIDHash, a.Flags.HasAttestedCredentialData())
		var fl []string
		for _, x := range []struct {
			on   bool
			name string
		}{{a.Flags.UserPresent(), "UP"}, {a.Flags.UserVerified(), "UV"}, {a.Flags.BackupEligible(), "BE"},
			{a.Flags.BackedUp(), "BS"}, {a.Flags.HasAttestedCredentialData(), "AT"}, {a.Flags.HasExtensions(), "ED"}} {
			if x.on {
				fl = append(fl, x.name)
			}
		}
		p.f("flags     0x%02x %s", byte(a.Flags), strings.Join(fl, " "))
		p.f("signCount %d", a.SignCount)
		if a.Flags.HasAttestedCredentialData() {
			p.f("aaguid    %s", a.AAGUID.String())
			if p.mds != nil {
				if name, status, ok := p.mds.Describe(a.AAGUID); ok {
					p.f("          %s (metadata status %s)", name, status)
				} else {
					p.f("          not in the metadata BLOB")
				}
			}
			if p.conv != nil {
				p.provider(a.AAGUID)
			}
			p.f("credentialId (%d bytes) %x", len(a.CredentialID), a.CredentialID)
			p.f("credentialPublicKey:")
			p.nest(func() { p.coseKey(a.CredentialPublicKey) })
		}
		if a.Extensions != nil {
			p.f("extensions (CBOR) %x", a.Extensions)
		}
	})
}

func (p *printer) coseKey(b []byte) {
	var k cose.Key
	if err := cose.ParseKey(b, &k); err != nil {
		p.bad("COSE key", err)
		return
	}
	p.f("kty %v alg %v (%d)", k.Type, k.Alg, int64(k.Alg))
	switch k.Type {
	case cose.EC2:
		p.f("crv %v x %x y %x", k.Curve, k.X, k.Y)
	case cose.OKP:
		p.f("crv %v x %x", k.Curve, k.X)
	case cose.RSA:
		p.f("n (%d bits) %x… e %x", len(k.N)*8, k.N[:min(len(k.N), 16)], k.E)
	default:
		p.f("raw %x", b)
	}
}

func (p *printer) statement(f attestation.Format, s attestation.Statement) {
	p.f("attStmt (%s, %d members)", f, s.Len())
	p.nest(func() {
		if f == attestation.FormatCompound {
			c := s.Statements()
			for {
				var sf attestation.Format
				var text []byte
				var sub attestation.Statement
				ok, err := c.Next(&sf, &text, &sub)
				if err != nil {
					p.bad("compound element", err)
					return
				}
				if !ok {
					return
				}
				p.statement(sf, sub)
			}
		}
		if alg, err := s.Alg(); err == nil {
			p.f("alg %v (%d)", cose.Algorithm(alg), alg)
		}
		if v, err := s.Ver(); err == nil {
			p.f("ver %q", v)
		}
		if sig, err := s.Sig(); err == nil {
			p.f("sig (%d bytes) %x", len(sig), sig)
		}
		if s.Has("ecdaaKeyId") {
			p.f("ecdaaKeyId present (ECDAA is not supported)")
		}
		if ci, err := s.CertInfo(); err == nil {
			p.certInfo(ci)
		}
		if pa, err := s.PubArea(); err == nil {
			p.pubArea(pa)
		}
		if r, err := s.Response(); err == nil {
			parts := bytes.Split(r, []byte("."))
			p.f("response: JWS with %d parts (%d bytes)", len(parts), len(r))
			if len(parts) == 3 {
				if h := vectors.B64(string(parts[0])); h != nil {
					p.f("  header  %.200s", h)
				}
				if pl := vectors.B64(string(parts[1])); pl != nil {
					p.f("  payload %.400s", pl)
				}
			}
		}
		it, present, err := s.X5C()
		if err != nil {
			p.bad("x5c", err)
		} else if present {
			p.f("x5c (%d certificates):", it.Len())
			var der []byte
			for i := 0; it.Next(&der); i++ {
				p.nest(func() { p.cert(i, der) })
			}
		}
	})
}

func (p *printer) cert(i int, der []byte) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		p.bad(fmt.Sprintf("certificate %d", i), err)
		return
	}
	p.f("[%d] subject %q", i, c.Subject.String())
	p.f("    issuer  %q", c.Issuer.String())
	p.f("    valid   %s … %s", c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	p.f("    v%d serial %x key %T CA=%v SHA-256 %x", c.Version, c.SerialNumber, c.PublicKey, c.IsCA, sha256.Sum256(der))
	for _, e := range c.Extensions {
		name := extNames[e.Id.String()]
		if name == "" {
			continue
		}
		crit := ""
		if e.Critical {
			crit = " (critical)"
		}
		p.f("    %s%s: %x", name, crit, e.Value[:min(len(e.Value), 48)])
	}
}

var extNames = map[string]string{
	"1.3.6.1.4.1.45724.1.1.4":  "id-fido-gen-ce-aaguid",
	"1.3.6.1.4.1.45724.2.1.1":  "id-fido-u2f-ce-transports",
	"1.2.840.113635.100.8.2":   "apple nonce",
	"1.3.6.1.4.1.11129.2.1.17": "android key description",
	"2.5.29.17":                "subjectAltName",
	"2.5.29.37":                "extKeyUsage",
	"2.5.29.19":                "basicConstraints",
}

func (p *printer) certInfo(b []byte) {
	var a tpm.Attest
	if err := tpm.ParseAttest(b, &a); err != nil {
		p.bad("certInfo (TPMS_ATTEST)", err)
		return
	}
	p.f("certInfo TPMS_ATTEST magic %08x type %04x", a.Magic, a.Type)
	p.f("  extraData %x", a.ExtraData)
	p.f("  clock %d resets %d restarts %d safe %d firmware %x", a.Clock, a.ResetCount, a.RestartCount, a.Safe, a.FirmwareVersion)
	p.f("  attested name %x", a.Name)
}

func (p *printer) pubArea(b []byte) {
	var pub tpm.Public
	if err := tpm.ParsePublic(b, &pub); err != nil {
		p.bad("pubArea (TPMT_PUBLIC)", err)
		return
	}
	p.f("pubArea TPMT_PUBLIC type %04x nameAlg %04x attributes %08x", pub.Type, pub.NameAlg, pub.ObjectAttributes)
	if pub.Modulus != nil {
		p.f("  RSA %d bits exponent %d modulus %x…", pub.RSAKeyBits, pub.RSAExponent(), pub.Modulus[:min(len(pub.Modulus), 16)])
	} else {
		p.f("  ECC curve %04x x %x y %x", pub.CurveID, pub.X, pub.Y)
	}
}

// rpIDHash says whose SHA-256 rpIdHash is: the RP ID's or the AppID's (a
// U2F-era credential signing with the appid extension, WebAuthn L3 §10.1.1),
// and whether that agrees with clientExtensionResults.appid, which is what
// the verifier decides by (§7.2 step 15). registration: the authenticator
// data has attested credential data, which is never made under the AppID.
func (p *printer) rpIDHash(h []byte, registration bool) {
	if p.rpID == "" && p.appID == "" {
		return
	}
	appIDTrue := p.appIDOut != nil && *p.appIDOut
	rp, app := sha256.Sum256([]byte(p.rpID)), sha256.Sum256([]byte(p.appID))
	switch {
	case p.rpID != "" && bytes.Equal(h, rp[:]):
		p.f("          = SHA-256(RP ID %q)", p.rpID)
		if appIDTrue {
			p.f("          but clientExtensionResults.appid is true: the AppID's hash is expected (refused)")
		}
	case p.appID != "" && bytes.Equal(h, app[:]):
		p.f("          = SHA-256(AppID %q): a U2F-era credential (appid extension, WebAuthn L3 §10.1.1)", p.appID)
		switch {
		case registration:
			p.f("          in a registration: credentials are registered under the RP ID only (refused)")
		case !appIDTrue:
			p.f("          but clientExtensionResults.appid is not true (refused)")
		}
	default:
		var names []string
		if p.rpID != "" {
			names = append(names, fmt.Sprintf("RP ID %q", p.rpID))
		}
		if p.appID != "" {
			names = append(names, fmt.Sprintf("AppID %q", p.appID))
		}
		p.f("          is SHA-256 of neither %s", strings.Join(names, " nor "))
	}
}

// provider prints the passkey provider the Convenience Metadata Service BLOB
// names for aaguid.
func (p *printer) provider(aaguid authdata.AAGUID) {
	pr := p.conv.Lookup(aaguid)
	if pr == nil {
		p.f("          provider not in the convenience metadata BLOB")
		return
	}
	p.f("          provider %q (convenience metadata no %d)", pr.Name(""), p.conv.No)
	for _, ic := range []struct{ what, url string }{{"icon", pr.Icon}, {"iconDark", pr.IconDark}} {
		if ic.url != "" {
			media, _, _ := strings.Cut(strings.TrimPrefix(ic.url, "data:"), ";")
			p.f("          %s %s, %d bytes", ic.what, media, len(ic.url))
		}
	}
}
