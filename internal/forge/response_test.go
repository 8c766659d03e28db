package forge_test

import (
	"encoding/json"
	"testing"

	"github.com/passkeykit/webauthn/internal/forge"
)

func TestResponseJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *forge.ResponseJSON
		want string
	}{
		{"registration", &forge.ResponseJSON{ID: "AQ", ClientDataJSON: []byte("{}"), AttestationObject: []byte{0xa0}, Transports: []string{"usb", "nfc"}},
			`{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA","transports":["usb","nfc"]},"clientExtensionResults":{}}`},
		{"assertion", &forge.ResponseJSON{ID: "AQ", RawID: "Ag", ClientDataJSON: []byte("{}"), AuthenticatorData: []byte{1}, Signature: []byte{2}, UserHandle: []byte{3},
			Attachment: "platform", Extensions: `{"appid":true}`, Inner: `,"x":1`, Top: `,"y":2`},
			`{"id":"AQ","rawId":"Ag","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AQ","signature":"Ag","userHandle":"Aw","x":1},"authenticatorAttachment":"platform","clientExtensionResults":{"appid":true},"y":2}`},
		{"no extensions", &forge.ResponseJSON{ID: "AQ", ClientDataJSON: []byte("{}"), NoExtensions: true},
			`{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"e30"}}`},
	} {
		got := tc.r.JSON()
		if string(got) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if !json.Valid(got) {
			t.Errorf("%s: not valid JSON", tc.name)
		}
	}
}
