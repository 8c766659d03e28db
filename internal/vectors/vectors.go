// Package vectors loads test vectors in the format of ../shared/vectors/SCHEMA.md.
// It is support code for tests, benchmarks and the webauthn command; it is not on
// any verification path and may use encoding/json.
package vectors

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Vector is one ceremony with its inputs and the verdict a correct verifier reaches.
type Vector struct {
	Name                    string          `json:"name"`
	Source                  string          `json:"source"`
	Ceremony                string          `json:"ceremony"` // "registration" or "authentication"
	Fmt                     string          `json:"fmt"`
	RPID                    string          `json:"rpId"`
	Origins                 []string        `json:"origins"`
	AllowCrossOrigin        bool            `json:"allowCrossOrigin"`
	TopOrigins              []string        `json:"topOrigins"`
	Algorithms              []int64         `json:"algorithms"`
	Challenge               string          `json:"challenge"`
	VerifyAt                string          `json:"verifyAt"`
	RequireUserVerification bool            `json:"requireUserVerification"`
	TrustAnchors            []string        `json:"trustAnchors"`
	Response                json.RawMessage `json:"response"`
	CredentialPublicKey     string          `json:"credentialPublicKey"`
	// AppID is RelyingParty.AppID (WebAuthn L3 §10.1.1), an optional member
	// beyond SCHEMA.md: a vector that has it states that its credential was
	// registered under that AppID with the FIDO U2F JavaScript API.
	AppID  string `json:"appId"`
	Expect Expect `json:"expect"`

	// Path is the file the vector was read from; Dir is the root its trust anchors resolve against.
	Path string `json:"-"`
	Dir  string `json:"-"`
}

// Expect is the verdict. Pointer fields are absent when the vector does not state them.
type Expect struct {
	OK              bool    `json:"ok"`
	Exception       string  `json:"exception"`
	Reason          string  `json:"reason"`
	AttestationType string  `json:"attestationType"`
	AAGUID          string  `json:"aaguid"`
	CredentialID    string  `json:"credentialId"`
	Alg             *int64  `json:"alg"`
	SignCount       *uint32 `json:"signCount"`
}

// Load reads one vector file. dir is the folder trust anchors are relative to.
func Load(path, dir string) (*Vector, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := new(Vector)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	v.Path, v.Dir = path, dir
	return v, nil
}

// LoadError says which file failed to load.
type LoadError struct {
	Path string
	Err  error
}

func (e *LoadError) Error() string { return "vectors: " + e.Path + ": " + e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// LoadDir reads every *.json vector below dir, sorted by path.
func LoadDir(dir string) ([]*Vector, error) {
	var out []*Vector
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(p) != ".json" {
			return nil
		}
		v, err := Load(p, dir)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// Time parses VerifyAt (RFC 3339); the zero time when absent.
func (v *Vector) Time() time.Time {
	if v.VerifyAt == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339, v.VerifyAt)
	return t
}

// AnchorPEMs reads the PEM files named by TrustAnchors, resolved against Dir.
func (v *Vector) AnchorPEMs() ([][]byte, error) {
	var out [][]byte
	for _, a := range v.TrustAnchors {
		b, err := os.ReadFile(filepath.Join(v.Dir, a))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Fields is the inner "response" member of a RegistrationResponseJSON or
// AuthenticationResponseJSON, decoded leniently for tests that need raw bytes.
type Fields struct {
	ID       string `json:"id"`
	RawID    string `json:"rawId"`
	Type     string `json:"type"`
	Response struct {
		ClientDataJSON    string   `json:"clientDataJSON"`
		AttestationObject string   `json:"attestationObject"`
		AuthenticatorData string   `json:"authenticatorData"`
		Signature         string   `json:"signature"`
		UserHandle        string   `json:"userHandle"`
		Transports        []string `json:"transports"`
	} `json:"response"`
	ClientExtensionResults json.RawMessage `json:"clientExtensionResults"`
}

// Fields decodes the response leniently (nil when it is not an object).
func (v *Vector) Fields() *Fields {
	f := new(Fields)
	if json.Unmarshal(v.Response, f) != nil {
		return nil
	}
	return f
}

// B64 decodes base64url with or without padding, returning nil on error. Test support only.
func B64(s string) []byte {
	if s == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil
	}
	return b
}

// ClientDataJSON, AttestationObject, AuthenticatorData and Signature return the decoded
// bytes of those members, or nil when absent or undecodable.
func (v *Vector) ClientDataJSON() []byte {
	if f := v.Fields(); f != nil {
		return B64(f.Response.ClientDataJSON)
	}
	return nil
}

// AttestationObject returns the decoded attestationObject, or nil.
func (v *Vector) AttestationObject() []byte {
	if f := v.Fields(); f != nil {
		return B64(f.Response.AttestationObject)
	}
	return nil
}

// AuthenticatorData returns the decoded authenticatorData of an assertion, or nil.
func (v *Vector) AuthenticatorData() []byte {
	if f := v.Fields(); f != nil {
		return B64(f.Response.AuthenticatorData)
	}
	return nil
}

// Signature returns the decoded assertion signature, or nil.
func (v *Vector) Signature() []byte {
	if f := v.Fields(); f != nil {
		return B64(f.Response.Signature)
	}
	return nil
}
