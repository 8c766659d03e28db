package e2e

import (
	"testing"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
)

const (
	ctap2    = cdpwebauthn.AuthenticatorProtocolCtap2
	u2f      = cdpwebauthn.AuthenticatorProtocolU2f
	internal = cdpwebauthn.AuthenticatorTransportInternal
	usb      = cdpwebauthn.AuthenticatorTransportUsb
)

// chromiumAAGUID is the AAGUID of Chromium's virtual CTAP2 authenticator.
// Chromium keeps it when "none" attestation replaces the statement (§5.4.7
// lets the client zero it; Chromium does not), so only U2F shows all zeros.
const chromiumAAGUID = "01020304-0506-0708-0102-030405060708"

// TestCeremonies registers with each kind of virtual authenticator, signs in
// twice and checks what the library reports against what the authenticator
// holds: attestation format and type, AAGUID, flags, algorithm, transports,
// attachment, resident key, and a signature counter that advances.
func TestCeremonies(t *testing.T) {
	tests := []struct {
		name     string
		auth     cdpwebauthn.VirtualAuthenticatorOptions
		register string // demo.register parameters
		login    string // demo.login parameters; username "" is username-less

		format, attType, aaguid, alg, attachment, transport string
		uv, rk, be, bs                                      bool
		screenshot                                          string
	}{
		{
			name:     "ctap2 internal, UV, resident key, attestation none",
			auth:     cdpwebauthn.VirtualAuthenticatorOptions{Protocol: ctap2, Transport: internal, HasResidentKey: true, HasUserVerification: true, IsUserVerified: true},
			register: `{username: "platform", attestation: "none", userVerification: "required", residentKey: "required", algorithms: [-7]}`,
			login:    `{username: "", userVerification: "required"}`,
			format:   "none", attType: "none", aaguid: chromiumAAGUID, alg: "ES256",
			attachment: "platform", transport: "internal", uv: true, rk: true,
		},
		{
			name:     "ctap2 usb, no UV, no resident key, attestation direct",
			auth:     cdpwebauthn.VirtualAuthenticatorOptions{Protocol: ctap2, Transport: usb},
			register: `{username: "securitykey", attestation: "direct", userVerification: "discouraged", residentKey: "discouraged", algorithms: [-7]}`,
			login:    `{username: "securitykey", userVerification: "discouraged"}`,
			format:   "packed", attType: "basic", aaguid: chromiumAAGUID, alg: "ES256",
			attachment: "cross-platform", transport: "usb",
			screenshot: "demo-registration.png",
		},
		{
			name:     "ctap2 usb, UV, resident key, attestation direct, username-less sign-in",
			auth:     cdpwebauthn.VirtualAuthenticatorOptions{Protocol: ctap2, Transport: usb, HasResidentKey: true, HasUserVerification: true, IsUserVerified: true},
			register: `{username: "pinkey", attestation: "direct", userVerification: "required", residentKey: "required", algorithms: [-7, -257, -8]}`,
			login:    `{username: ""}`,
			format:   "packed", attType: "basic", aaguid: chromiumAAGUID, alg: "ES256",
			attachment: "cross-platform", transport: "usb", uv: true, rk: true,
		},
		{
			name:     "ctap2 internal, backup eligible and backed up (synced passkey)",
			auth:     cdpwebauthn.VirtualAuthenticatorOptions{Protocol: ctap2, Transport: internal, HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, DefaultBackupEligibility: true, DefaultBackupState: true},
			register: `{username: "synced", attestation: "none", residentKey: "required", algorithms: [-7]}`,
			login:    `{username: "synced"}`,
			format:   "none", attType: "none", aaguid: chromiumAAGUID, alg: "ES256",
			attachment: "platform", transport: "internal", uv: true, rk: true, be: true, bs: true,
		},
		{
			name:     "u2f usb, attestation direct",
			auth:     cdpwebauthn.VirtualAuthenticatorOptions{Protocol: u2f, Transport: usb},
			register: `{username: "u2fkey", attestation: "direct", userVerification: "discouraged", residentKey: "discouraged", algorithms: [-7]}`,
			login:    `{username: "u2fkey", userVerification: "discouraged"}`,
			format:   "fido-u2f", attType: "basic", aaguid: "00000000-0000-0000-0000-000000000000", alg: "ES256",
			attachment: "cross-platform", transport: "usb",
		},
		{
			name:     "u2f usb, attestation none",
			auth:     cdpwebauthn.VirtualAuthenticatorOptions{Protocol: u2f, Transport: usb},
			register: `{username: "u2fnone", attestation: "none", userVerification: "discouraged", residentKey: "discouraged"}`,
			login:    `{username: "u2fnone", userVerification: "discouraged"}`,
			format:   "none", attType: "none", aaguid: "00000000-0000-0000-0000-000000000000", alg: "ES256",
			attachment: "cross-platform", transport: "usb",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t, nil)
			a := newTab(t, s.URL, tt.auth)

			r := a.register(t, tt.register)
			mustOK(t, r, "registration")
			b := &r.Body
			t.Logf("registered: %s %s aaguid %s %s flags 0x%02x transports %v attachment %s rk %v trust %v",
				b.Format, b.AttestationType, b.AAGUID, b.Algorithm, b.Flags.Byte, b.Transports, b.Attachment, rkString(b.ResidentKey), b.TrustPath)
			if b.Format != tt.format || b.AttestationType != tt.attType || b.AAGUID != tt.aaguid || b.Algorithm != tt.alg {
				t.Errorf("format/type/aaguid/alg = %s/%s/%s/%s, want %s/%s/%s/%s", b.Format, b.AttestationType, b.AAGUID, b.Algorithm, tt.format, tt.attType, tt.aaguid, tt.alg)
			}
			if (b.AttestationType == "basic") != (len(b.TrustPath) > 0) {
				t.Errorf("attestation type %s with trust path %v", b.AttestationType, b.TrustPath)
			}
			f := b.Flags
			if !f.UserPresent || !f.AttestedData || f.UserVerified != tt.uv || f.BackupEligible != tt.be || f.BackupState != tt.bs {
				t.Errorf("flags %+v, want UP AT, UV %v BE %v BS %v", f, tt.uv, tt.be, tt.bs)
			}
			if b.Attachment != tt.attachment || len(b.Transports) != 1 || b.Transports[0] != tt.transport {
				t.Errorf("attachment %q transports %v, want %q [%s]", b.Attachment, b.Transports, tt.attachment, tt.transport)
			}
			if b.ResidentKey != nil && *b.ResidentKey != tt.rk {
				t.Errorf("credProps.rk %v, want %v", *b.ResidentKey, tt.rk)
			}
			creds := a.credentials(t)
			if len(creds) != 1 || creds[0].IsResidentCredential != tt.rk {
				t.Fatalf("authenticator holds %d credentials (resident %v), want 1 (resident %v)", len(creds), len(creds) > 0 && creds[0].IsResidentCredential, tt.rk)
			}
			if tt.screenshot != "" {
				a.screenshot(t, tt.screenshot)
			}

			count := b.SignCount
			for i := range 2 {
				r := a.login(t, tt.login)
				mustOK(t, r, "authentication")
				if r.Body.CredentialID != b.CredentialID {
					t.Fatalf("signed in with %s, registered %s", r.Body.CredentialID, b.CredentialID)
				}
				if r.Body.PreviousSignCount != count || r.Body.SignCount <= count || r.Body.CloneSuspected {
					t.Errorf("sign-in %d: counter %d → %d (clone suspected %v), stored %d", i, r.Body.PreviousSignCount, r.Body.SignCount, r.Body.CloneSuspected, count)
				}
				if r.Body.Flags.UserVerified != tt.uv || r.Body.Flags.BackupEligible != tt.be || r.Body.Flags.AttestedData {
					t.Errorf("sign-in %d: flags %+v", i, r.Body.Flags)
				}
				count = r.Body.SignCount
			}
			if got := a.credentials(t)[0].SignCount; uint32(got) != count {
				t.Errorf("authenticator counter %v, server stored %d", got, count)
			}
			t.Logf("signed in twice: counter %d → %d", b.SignCount, count)
		})
	}
}

func rkString(rk *bool) string {
	if rk == nil {
		return "unknown"
	}
	if *rk {
		return "true"
	}
	return "false"
}
