// Package gen writes the project's own deterministic test vectors (the format
// of ../shared/vectors/SCHEMA.md) into a directory: positive registrations for
// every attestation format and credential algorithm, authentications for every
// algorithm, and negative variants that each break exactly one check and
// expect the Cognito exception the SCHEMA.md table assigns to that fault.
//
// Every key, certificate and challenge comes from internal/forge with a fixed
// seed; certificates are valid from forge.Epoch and judged at forge.Now; no
// clock is read and no randomness used, so regenerating gives byte-identical
// files. gen is test support, run by its own up-to-date test
// (go test ./internal/gen -run TestGeneratedUpToDate -update rewrites
// testdata/vectors); it is linked into no command, since forge embeds test
// private keys.
package gen

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/passkeykit/webauthn/internal/forge"
)

// Seed is the forge seed every generated key, identifier and serial derives from.
const Seed = "passkeykit/webauthn testdata v1"

// Exceptions of the SCHEMA.md contract table.
const (
	excInvalid      = "InvalidParameterException"
	excChallenge    = "WebAuthnChallengeNotFoundException"
	excOrigin       = "WebAuthnOriginNotAllowedException"
	excRPMismatch   = "WebAuthnRelyingPartyMismatchException"
	excNotSupported = "WebAuthnCredentialNotSupportedException"
	excNotAuth      = "NotAuthorizedException"
)

const (
	rpID   = "example.org"
	origin = "https://example.org"
)

// vector is one SCHEMA.md file; the field order here is the order in the file.
type vector struct {
	Name                    string   `json:"name"`
	Source                  string   `json:"source"`
	Ceremony                string   `json:"ceremony"`
	Fmt                     string   `json:"fmt,omitempty"`
	RPID                    string   `json:"rpId"`
	Origins                 []string `json:"origins"`
	AllowCrossOrigin        bool     `json:"allowCrossOrigin,omitempty"`
	TopOrigins              []string `json:"topOrigins,omitempty"`
	Algorithms              []int64  `json:"algorithms,omitempty"`
	Challenge               string   `json:"challenge"`
	VerifyAt                string   `json:"verifyAt,omitempty"`
	RequireUserVerification bool     `json:"requireUserVerification"`
	TrustAnchors            []string `json:"trustAnchors,omitempty"`
	Response                any      `json:"response"`
	CredentialPublicKey     string   `json:"credentialPublicKey,omitempty"`
	Expect                  expect   `json:"expect"`

	dir string // subfolder
}

type expect struct {
	OK              bool    `json:"ok"`
	Exception       string  `json:"exception,omitempty"`
	Reason          string  `json:"reason,omitempty"`
	AttestationType string  `json:"attestationType,omitempty"`
	AAGUID          string  `json:"aaguid,omitempty"`
	CredentialID    string  `json:"credentialId,omitempty"`
	Alg             *int64  `json:"alg,omitempty"`
	SignCount       *uint32 `json:"signCount,omitempty"`
}

// regResponse is a RegistrationResponseJSON (§5.1 toJSON).
type regResponse struct {
	ID                     string   `json:"id"`
	RawID                  string   `json:"rawId"`
	Type                   string   `json:"type"`
	Response               regInner `json:"response"`
	ClientExtensionResults struct{} `json:"clientExtensionResults"`
}

type regInner struct {
	ClientDataJSON    string   `json:"clientDataJSON"`
	AttestationObject string   `json:"attestationObject"`
	Transports        []string `json:"transports,omitempty"`
}

// authResponse is an AuthenticationResponseJSON (§5.1 toJSON).
type authResponse struct {
	ID                     string    `json:"id"`
	RawID                  string    `json:"rawId"`
	Type                   string    `json:"type"`
	Response               authInner `json:"response"`
	ClientExtensionResults struct{}  `json:"clientExtensionResults"`
}

type authInner struct {
	ClientDataJSON    string `json:"clientDataJSON"`
	AuthenticatorData string `json:"authenticatorData"`
	Signature         string `json:"signature"`
}

// b64 is base64url without padding, the canonical encoding of SCHEMA.md.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func verifyAt(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// generator collects vectors and roots before writing them.
type generator struct {
	f       *forge.Forge
	vectors []*vector
	roots   map[string][]byte // file name under roots/ -> DER
	names   map[string]bool
}

// Generate writes every vector into dir (one subfolder per format, plus
// authentication/ and roots/ for the trust anchors the vectors name) and
// returns how many files it wrote. Existing files of the same names are
// overwritten; other files are left alone.
func Generate(dir string) (n int, err error) {
	g := &generator{f: forge.New(Seed), roots: map[string][]byte{}, names: map[string]bool{}}
	g.registrations()
	g.hardware()
	g.negatives()
	g.authentications()

	files := map[string][]byte{}
	for _, v := range g.vectors {
		b, err := encode(v)
		if err != nil {
			return 0, err
		}
		files[filepath.Join(v.dir, v.Name+".json")] = b
	}
	for name, der := range g.roots {
		files[filepath.Join("roots", name)] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return n, err
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// encode is indented JSON with a final newline and no HTML escaping.
func encode(v *vector) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	e.SetIndent("", "  ")
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// add records v; names are unique.
func (g *generator) add(v *vector) {
	if g.names[v.Name] {
		panic("gen: duplicate vector name " + v.Name)
	}
	g.names[v.Name] = true
	g.vectors = append(g.vectors, v)
}

// root registers c as a trust anchor file and returns its path relative to the vectors dir.
func (g *generator) root(name string, c *forge.Cert) string {
	g.roots[name+".pem"] = c.DER
	return "roots/" + name + ".pem"
}

// regVector builds a registration vector for r with attestation object obj,
// the default policy (RP example.org, origin https://example.org, every
// algorithm, verifyAt forge.Now) and an ok expectation without an
// attestation type; callers adjust it.
func (g *generator) regVector(dir, name, fmtName, source string, r *forge.Registration, obj []byte) *vector {
	id := b64(r.AuthData.CredentialID)
	alg := int64(r.Cred.Alg)
	sc := r.AuthData.SignCount
	return &vector{
		Name:      name,
		Source:    source,
		Ceremony:  "registration",
		Fmt:       fmtName,
		RPID:      rpID,
		Origins:   []string{origin},
		Challenge: b64(r.ClientData.Challenge),
		VerifyAt:  verifyAt(forge.Now),
		Response: &regResponse{
			ID: id, RawID: id, Type: "public-key",
			Response: regInner{
				ClientDataJSON:    b64(r.ClientDataJSON()),
				AttestationObject: b64(obj),
				Transports:        []string{"usb"},
			},
		},
		Expect: expect{
			OK:           true,
			AAGUID:       r.AuthData.AAGUID.String(),
			CredentialID: id,
			Alg:          &alg,
			SignCount:    &sc,
		},
		dir: dir,
	}
}

// fail turns v into a negative vector expecting exception.
func fail(v *vector, exception, reason string) *vector {
	v.Expect = expect{OK: false, Exception: exception, Reason: reason}
	return v
}

func (v *vector) reg() *regResponse { return v.Response.(*regResponse) }
