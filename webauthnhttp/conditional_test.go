package webauthnhttp

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/webauthntest"
)

// TestConditionalRegistration: a register/begin with "conditional": true
// starts a registration for conditional mediation (an automatic passkey
// upgrade, §5.1.3), whose finish accepts the UP flag clear (§7.1 step 15);
// any other registration refuses it.
func TestConditionalRegistration(t *testing.T) {
	for _, tc := range []struct {
		name  string
		begin string
		upSet bool
		want  string // exception, "" for success
	}{
		{"conditional, UP clear", `{"username":"alice","conditional":true}`, false, ""},
		{"conditional, UP set", `{"username":"alice","conditional":true}`, true, ""},
		{"conditional false, UP clear", `{"username":"alice","conditional":false}`, false, webauthn.ExceptionCredentialNotSupported},
		{"modal, UP clear", `{"username":"alice"}`, false, webauthn.ExceptionCredentialNotSupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := testHandler(nil)
			res := post(t, h, "/webauthn/register/begin", tc.begin, nil)
			if res.StatusCode != 200 {
				t.Fatalf("begin: %d %+v", res.StatusCode, errorBody(t, res))
			}
			var o ceremony.CreationOptionsJSON
			if err := json.NewDecoder(res.Body).Decode(&o); err != nil {
				t.Fatal(err)
			}
			a := webauthntest.New("http://localhost:8080")
			a.NoUserPresence = !tc.upSet
			cred, err := a.Create(&o)
			if err != nil {
				t.Fatal(err)
			}
			fin := post(t, h, "/webauthn/register/finish", `{"username":"alice","credential":`+string(cred)+`}`, res.Cookies())
			if tc.want == "" {
				if fin.StatusCode != 200 {
					t.Fatalf("finish: %d %+v", fin.StatusCode, errorBody(t, fin))
				}
				return
			}
			if e := errorBody(t, fin); e.Exception != tc.want || e.Step != "§7.1 step 15" {
				t.Fatalf("finish: %d %+v, want %s at §7.1 step 15", fin.StatusCode, e, tc.want)
			}
		})
	}
	h := testHandler(nil)
	for _, body := range []string{
		`{"username":"alice","conditional":"true"}`,
		`{"username":"alice","conditional":1}`,
		`{"username":"alice","conditional":null}`,
	} {
		if res := post(t, h, "/webauthn/register/begin", body, nil); res.StatusCode != http.StatusBadRequest || errorBody(t, res).Exception != webauthn.ExceptionInvalidParameter {
			t.Errorf("%s: %d", body, res.StatusCode)
		}
	}
	// Conditional mediation of a sign-in is the page's alone: login/begin
	// refuses the member rather than ignore it.
	res := post(t, h, "/webauthn/login/begin", `{"conditional":true}`, nil)
	if res.StatusCode != http.StatusBadRequest || errorBody(t, res).Exception != webauthn.ExceptionInvalidParameter {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("login/begin conditional: %d %s", res.StatusCode, b)
	}
}
