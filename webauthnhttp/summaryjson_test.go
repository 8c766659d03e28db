package webauthnhttp

import (
	"encoding/json"
	"testing"

	"github.com/passkeykit/webauthn/ceremony"
)

// TestAssertionSummaryAppendJSON checks AppendJSON against encoding/json,
// byte for byte.
func TestAssertionSummaryAppendJSON(t *testing.T) {
	tests := []AssertionSummary{
		{},
		{Ceremony: "authentication", User: "alice@example.com", CredentialID: "AAEC", SignCount: 1<<32 - 1, PreviousSignCount: 7,
			CloneSuspected: true, Flags: summarizeFlags(0xff), Attachment: "platform", UserHandle: "dXNlcg", AppIDUsed: true,
			Signal: &ceremony.AllAcceptedCredentialsSignal{RPID: "example.com", UserID: "dXNlcg", AllAcceptedCredentialIDs: []string{"AAEC", "AQID"}}},
		{User: "<b>&\u2028\xff\"\\\n", Flags: summarizeFlags(0x05), Signal: &ceremony.AllAcceptedCredentialsSignal{}},
		{User: "é", Signal: &ceremony.AllAcceptedCredentialsSignal{AllAcceptedCredentialIDs: []string{}}},
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
}
