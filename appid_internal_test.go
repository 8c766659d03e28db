package webauthn

import (
	"testing"

	"github.com/passkeykit/webauthn/internal/vectors"
)

func TestAppIDOutput(t *testing.T) {
	for _, tt := range []struct {
		ext      string
		used, ok bool
	}{
		{"", false, true}, // absent (nil)
		{`{}`, false, true},
		{`{"appid":true}`, true, true},
		{`{"appid":false}`, false, true},
		{` { "credProps" : {"rk":true} , "appid" : true } `, true, true},
		{`{"app\u0069d":true}`, true, true},
		{`{"appId":true}`, false, true},
		{`{"x":{"appid":true}}`, false, true},
		{`{"appidExclude":true}`, false, true},
		{`{"appid":"true"}`, false, false},
		{`{"appid":null}`, false, false},
		{`{"appid":1}`, false, false},
		{`{"appid":{}}`, false, false},
		{`[]`, false, false},
		{`{"appid":true`, false, false},
	} {
		var ext []byte
		if tt.ext != "" {
			ext = []byte(tt.ext)
		}
		if used, ok := appIDOutput(ext); used != tt.used || ok != tt.ok {
			t.Errorf("%s: used %v ok %v, want %v %v", tt.ext, used, ok, tt.used, tt.ok)
		}
	}
	ext := []byte(`{"credProps":{"rk":true},"appid":true}`)
	if a := testing.AllocsPerRun(100, func() { appIDOutput(ext) }); a != 0 {
		t.Fatalf("appIDOutput allocates %v times", a)
	}
}

// TestVerifyAuthenticationAllocsAppID: configuring an AppID (whose hash is
// computed once) adds no allocation to an assertion.
func TestVerifyAuthenticationAllocsAppID(t *testing.T) {
	v := loadVector(t, "w3c/none-es256-authentication.json")
	rp := vectorRP(v)
	rp.AppID = "https://" + v.RPID + "/app-id.json"
	challenge := vectors.B64(v.Challenge)
	cred := &Credential{ID: vectors.B64(v.Expect.CredentialID), PublicKey: vectors.B64(v.CredentialPublicKey), BackupEligibleUnknown: true}
	var out Assertion
	n := testing.AllocsPerRun(100, func() {
		if err := rp.VerifyAuthentication(v.Response, challenge, cred, &out); err != nil {
			t.Fatal(err)
		}
	})
	if n > ecdsaVerifyAllocs {
		t.Errorf("VerifyAuthentication with an AppID allocates %v times, want at most crypto/ecdsa's %d", n, ecdsaVerifyAllocs)
	}
}
