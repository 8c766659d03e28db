package webauthnhttp

import (
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/authdata"
)

// TestSummaryAAGUID: the summary spells the AAGUID in the RFC 9562 form,
// lower case, 8-4-4-4-12, and the all-zero AAGUID of U2F as zeros.
func TestSummaryAAGUID(t *testing.T) {
	tests := []struct {
		aaguid authdata.AAGUID
		want   string
	}{
		{authdata.AAGUID{0xf8, 0xa0, 0x11, 0xf3, 0x8c, 0x0a, 0x4d, 0x15, 0x80, 0x06, 0x17, 0x11, 0x1f, 0x9e, 0xdc, 0x7d}, "f8a011f3-8c0a-4d15-8006-17111f9edc7d"},
		{authdata.AAGUID{}, "00000000-0000-0000-0000-000000000000"},
	}
	for _, tt := range tests {
		if got := summarizeRegistration("alice", &webauthn.Registration{AAGUID: tt.aaguid}).AAGUID; got != tt.want {
			t.Errorf("AAGUID %q, want %q", got, tt.want)
		}
	}
}
