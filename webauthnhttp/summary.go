package webauthnhttp

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"log/slog"
	"net/http"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/mds"
	"github.com/passkeykit/webauthn/trust"
)

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// slogLevel logs server faults as errors and client faults as warnings.
func slogLevel(status int) slog.Level {
	if status >= http.StatusInternalServerError {
		return slog.LevelError
	}
	return slog.LevelWarn
}

// FlagsSummary spells out the authenticator data flags (§6.1).
type FlagsSummary struct {
	UserPresent    bool `json:"up"`
	UserVerified   bool `json:"uv"`
	BackupEligible bool `json:"be"`
	BackupState    bool `json:"bs"`
	AttestedData   bool `json:"at"`
	Extensions     bool `json:"ed"`
	Byte           int  `json:"byte"`
}

// RegistrationSummary is the JSON body of a successful register/finish.
type RegistrationSummary struct {
	Ceremony        string       `json:"ceremony"`
	User            string       `json:"user"`
	CredentialID    string       `json:"credentialId"`
	Format          string       `json:"format"`
	AttestationType string       `json:"attestationType"`
	TrustPath       []string     `json:"trustPath"`
	AAGUID          string       `json:"aaguid"`
	Algorithm       string       `json:"algorithm"`
	AlgorithmID     int64        `json:"algorithmId"`
	SignCount       uint32       `json:"signCount"`
	Flags           FlagsSummary `json:"flags"`
	Transports      []string     `json:"transports"`
	Attachment      string       `json:"attachment"`
	ResidentKey     *bool        `json:"residentKey"`
	// PRFEnabled and LargeBlobSupported are the prf and largeBlob client
	// extension outputs (§10.1.4, §10.1.5), null when not reported;
	// CredProtect the credProtect policy (CTAP 2.1 §12.1), "" when absent.
	PRFEnabled         *bool  `json:"prfEnabled"`
	LargeBlobSupported *bool  `json:"largeBlobSupported"`
	CredProtect        string `json:"credProtect"`
	// Provider names the passkey provider by the AAGUID, from
	// HandlerOptions.Providers; null when it does not list it.
	Provider *ProviderSummary `json:"provider"`
}

// ProviderSummary is a passkey provider as the FIDO Convenience Metadata
// Service names it: the default name and the light and dark icons (data:
// URLs of images, or "").
type ProviderSummary struct {
	Name     string `json:"name"`
	Icon     string `json:"icon"`
	IconDark string `json:"iconDark"`
}

func summarizeProvider(c *mds.Convenience, aaguid [16]byte) *ProviderSummary {
	name, icon, dark, ok := c.ProviderName(aaguid)
	if !ok {
		return nil
	}
	return &ProviderSummary{Name: name, Icon: icon, IconDark: dark}
}

// AssertionSummary is the JSON body of a successful login/finish.
type AssertionSummary struct {
	Ceremony          string       `json:"ceremony"`
	User              string       `json:"user"`
	CredentialID      string       `json:"credentialId"`
	SignCount         uint32       `json:"signCount"`
	PreviousSignCount uint32       `json:"previousSignCount"`
	CloneSuspected    bool         `json:"cloneSuspected"`
	Flags             FlagsSummary `json:"flags"`
	Attachment        string       `json:"attachment"`
	UserHandle        string       `json:"userHandle"`
	// AppIDUsed: a U2F-era credential signed in with the appid extension
	// (webauthn.Assertion.AppIDUsed, WebAuthn L3 §10.1.1).
	AppIDUsed bool `json:"appIdUsed"`
	// Signal lists every credential of the account for
	// PublicKeyCredential.signalAllAcceptedCredentials (§5.1.10.3), so that
	// authenticators hide the passkeys deleted since; null when the account
	// could not be read whole.
	Signal *ceremony.AllAcceptedCredentialsSignal `json:"signal"`
}

func summarizeFlags(f byte) FlagsSummary {
	return FlagsSummary{f&0x01 != 0, f&0x04 != 0, f&0x08 != 0, f&0x10 != 0, f&0x40 != 0, f&0x80 != 0, int(f)}
}

func summarizeRegistration(name string, reg *webauthn.Registration) *RegistrationSummary {
	s := &RegistrationSummary{
		Ceremony:        "registration",
		User:            name,
		CredentialID:    b64url(reg.CredentialID),
		Format:          reg.Format.String(),
		AttestationType: reg.Type.String(),
		TrustPath:       []string{},
		AAGUID:          reg.AAGUID.String(),
		Algorithm:       reg.Algorithm.String(),
		AlgorithmID:     int64(reg.Algorithm),
		SignCount:       reg.SignCount,
		Flags:           summarizeFlags(byte(reg.Flags)),
		Transports:      reg.Transports.Strings(),
		Attachment:      reg.Attachment.String(),
	}
	for _, der := range reg.TrustPath {
		s.TrustPath = append(s.TrustPath, subjectString(der))
	}
	if s.Transports == nil {
		s.Transports = []string{}
	}
	ext := &reg.ExtensionOutputs
	s.ResidentKey = optBool(ext.CredProps.RK, ext.CredProps.HasRK)
	s.PRFEnabled = optBool(ext.PRF.Enabled, ext.PRF.HasEnabled)
	s.LargeBlobSupported = optBool(ext.LargeBlob.Supported, ext.LargeBlob.HasSupported)
	s.CredProtect = ext.CredProtect.String()
	return s
}

func summarizeAssertion(name string, prev uint32, as *webauthn.Assertion) *AssertionSummary {
	return &AssertionSummary{
		Ceremony:          "authentication",
		User:              name,
		CredentialID:      b64url(as.CredentialID),
		SignCount:         as.SignCount,
		PreviousSignCount: prev,
		CloneSuspected:    as.CloneSuspected,
		Flags:             summarizeFlags(byte(as.Flags)),
		Attachment:        as.Attachment.String(),
		UserHandle:        b64url(as.UserHandle),
		AppIDUsed:         as.AppIDUsed,
	}
}

// optBool is v when has, else nil (JSON null).
func optBool(v, has bool) *bool {
	if !has {
		return nil
	}
	return &v
}

// subjectString is a certificate's subject as crypto/x509 spells it
// (pkix.Name.String), read from the subject Name alone rather than by
// parsing the whole certificate, key included, a second time with
// crypto/x509 on every registration; "" when it cannot be read (the
// verifier read the chain, so that does not happen for a TrustPath).
func subjectString(der []byte) string {
	var c x509lite.Certificate
	var raw []byte
	if x509lite.Parse(der, &c) == nil {
		raw = c.RawSubject
	} else if std, err := trust.ParseCertificate(der); err == nil {
		raw = std.RawSubject // the mended Yubico certificates
	}
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &rdn); err != nil || len(rest) != 0 {
		return ""
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String()
}
