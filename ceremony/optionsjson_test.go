package ceremony

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestRequestOptionsAppendJSON checks AppendJSON against encoding/json,
// byte for byte, over every member present and absent.
func TestRequestOptionsAppendJSON(t *testing.T) {
	desc := []CredentialDescriptor{
		{ID: "AAEC", Type: "public-key"},
		{ID: "x<y>&", Type: "public-key", Transports: []string{"internal", "hybrid"}},
		{ID: "", Type: "", Transports: []string{}},
	}
	tests := []RequestOptionsJSON{
		{},
		{Challenge: "abc", AllowCredentials: []CredentialDescriptor{}},
		{Challenge: "abc", Timeout: 300000, RPID: "example.com", AllowCredentials: desc, UserVerification: UserVerificationPreferred},
		{Challenge: "\u2028\"\n", Timeout: -1, RPID: "é.example", AllowCredentials: desc[:1], UserVerification: UserVerificationRequired,
			Hints: []Hint{HintSecurityKey, HintClientDevice, HintHybrid}},
		{Challenge: "c", UserVerification: UserVerificationDiscouraged, Hints: []Hint{}, Extensions: &ExtensionsJSON{}},
		{Challenge: "c", Extensions: &ExtensionsJSON{AppID: "https://example.com/appid.json"}},
		{Challenge: "c", Extensions: &ExtensionsJSON{CredProps: true, AppID: "a", AppIDExclude: "b<"}},
		{Challenge: "c", Extensions: &ExtensionsJSON{AppIDExclude: "b"}},
	}
	for i := range tests {
		want, err := json.Marshal(&tests[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := tests[i].AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if string(got) != "prefix"+string(want) {
			t.Errorf("%d: AppendJSON\n got %s\nwant prefix%s", i, got, want)
		}
	}
	for _, o := range []RequestOptionsJSON{
		{UserVerification: UserVerification(len(userVerificationTokens))},
		{Hints: []Hint{0}},
		{Hints: []Hint{HintHybrid, Hint(len(hintTokens))}},
	} {
		if _, jerr := json.Marshal(&o); jerr == nil {
			t.Fatalf("encoding/json accepted %+v", o)
		}
		if _, err := o.AppendJSON(nil); !errors.Is(err, ErrUnknownToken) {
			t.Errorf("AppendJSON(%+v) = %v, want ErrUnknownToken", o, err)
		}
	}
}
