package main

import (
	"bytes"
	"crypto/sha256"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/internal/testenv"
)

// u2fAssertionJSON forges an AuthenticationResponseJSON whose rpIdHash is
// SHA-256(hashed), with clientExtensionResults ext.
func u2fAssertionJSON(hashed, ext string) string {
	f := forge.New("inspect")
	key := f.Key("u2f", cose.ES256)
	h := sha256.Sum256([]byte(hashed))
	ad := (&forge.AuthData{RPIDHash: h[:], Flags: forge.FlagUP, SignCount: 9}).Bytes()
	cdj := (&forge.ClientData{Type: "webauthn.get", Challenge: f.Bytes("c", 32), Origin: "https://example.org"}).JSON()
	ch := sha256.Sum256(cdj)
	r := forge.AssertionJSON(f.Bytes("key handle", 64), cdj, ad, key.Sign(ad, ch[:]))
	r.Extensions = ext
	return string(r.JSON())
}

// TestInspectRPIDHash: inspect names whose hash rpIdHash is, from -rpid and
// -appid or from a vector, and flags an rpIdHash that disagrees with the
// appid output.
func TestInspectRPIDHash(t *testing.T) {
	const appID = "https://example.org/app-id.json"
	flags := []string{"-rpid", "example.org", "-appid", appID, "-"}
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  []string
		not   string
	}{
		{name: "AppID used", args: flags, stdin: u2fAssertionJSON(appID, `{"appid":true}`),
			want: []string{`clientExtensionResults {"appid":true}`, `= SHA-256(AppID "` + appID + `"): a U2F-era credential`}, not: "refused"},
		{name: "AppID hash without appid", args: flags, stdin: u2fAssertionJSON(appID, `{}`),
			want: []string{`= SHA-256(AppID`, "appid is not true (refused)"}},
		{name: "appid true over the RP ID", args: flags, stdin: u2fAssertionJSON("example.org", `{"appid":true}`),
			want: []string{`= SHA-256(RP ID "example.org")`, "the AppID's hash is expected (refused)"}},
		{name: "neither", args: flags, stdin: u2fAssertionJSON("example.com", `{}`),
			want: []string{`is SHA-256 of neither RP ID "example.org" nor AppID "` + appID + `"`}},
		{name: "no names given", args: []string{"-"}, stdin: u2fAssertionJSON(appID, `{"appid":true}`), not: "SHA-256("},
		{name: "vector's rpId", args: []string{filepath.Join(testenv.RepoRoot(), "testdata", "vectors", "authentication", "auth-es256.json")},
			want: []string{`= SHA-256(RP ID "example.org")`}, not: "AppID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := inspect(tt.args, strings.NewReader(tt.stdin), &out); code != 0 {
				t.Fatalf("exit %d:\n%s", code, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tt.not != "" && strings.Contains(out.String(), tt.not) {
				t.Errorf("output has %q:\n%s", tt.not, out.String())
			}
		})
	}
}
