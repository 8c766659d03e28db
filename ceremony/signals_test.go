package ceremony_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSignalPayloads(t *testing.T) {
	user := []byte{0x69, 0xb6, 0xdc}
	u, err := ceremony.UnknownCredential("example.com", []byte{0x69, 0xa6, 0xdc})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := marshal(t, u), `{"rpId":"example.com","credentialId":"aabc"}`; got != want {
		t.Errorf("UnknownCredential %s, want %s", got, want)
	}
	creds := []webauthn.Credential{
		{ID: []byte{0x6d, 0xb6}, UserHandle: user},
		{ID: []byte{0x6d, 0xb6}, UserHandle: user}, // listed once
		{ID: bytes.Repeat([]byte{0xff}, 3)},        // no owner recorded: the caller's list
	}
	a, err := ceremony.AllAcceptedCredentials("example.com", user, creds)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := marshal(t, a), `{"rpId":"example.com","userId":"abbc","allAcceptedCredentialIds":["bbY","____"]}`; got != want {
		t.Errorf("AllAcceptedCredentials %s, want %s", got, want)
	}
	// A user whose last credential is gone: an empty list, never null.
	a, err = ceremony.AllAcceptedCredentials("example.com", user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := marshal(t, a), `{"rpId":"example.com","userId":"abbc","allAcceptedCredentialIds":[]}`; got != want {
		t.Errorf("AllAcceptedCredentials(nil) %s, want %s", got, want)
	}
	c, err := ceremony.CurrentUserDetails("example.com", user, "alice@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := marshal(t, c), `{"rpId":"example.com","userId":"abbc","name":"alice@example.com","displayName":"alice@example.com"}`; got != want {
		t.Errorf("CurrentUserDetails %s, want %s", got, want)
	}
}

func TestSignalPayloadErrors(t *testing.T) {
	user := []byte("user")
	long := bytes.Repeat([]byte{1}, 1024)
	tests := []struct {
		name string
		err  error
		exc  string
	}{
		{"unknown: no RP ID", second(ceremony.UnknownCredential("", []byte{1})), webauthn.ExceptionConfigurationMissing},
		{"unknown: empty ID", second(ceremony.UnknownCredential("example.com", nil)), webauthn.ExceptionInvalidParameter},
		{"unknown: 1024-byte ID", second(ceremony.UnknownCredential("example.com", long)), webauthn.ExceptionInvalidParameter},
		{"unknown: 1023-byte ID", second(ceremony.UnknownCredential("example.com", long[:1023])), ""},
		{"all: no user", second(ceremony.AllAcceptedCredentials("example.com", nil, nil)), webauthn.ExceptionInvalidParameter},
		{"all: 65-byte user", second(ceremony.AllAcceptedCredentials("example.com", long[:65], nil)), webauthn.ExceptionInvalidParameter},
		{"all: 64-byte user", second(ceremony.AllAcceptedCredentials("example.com", long[:64], nil)), ""},
		{"all: another user's credential", second(ceremony.AllAcceptedCredentials("example.com", user,
			[]webauthn.Credential{{ID: []byte{1}, UserHandle: user}, {ID: []byte{2}, UserHandle: []byte("mallory")}})), webauthn.ExceptionInvalidParameter},
		{"all: empty credential ID", second(ceremony.AllAcceptedCredentials("example.com", user, []webauthn.Credential{{}})), webauthn.ExceptionInvalidParameter},
		{"all: 1001 credentials", second(ceremony.AllAcceptedCredentials("example.com", user, make([]webauthn.Credential, 1001))), webauthn.ExceptionInvalidParameter},
		{"all: no RP ID", second(ceremony.AllAcceptedCredentials("", user, nil)), webauthn.ExceptionConfigurationMissing},
		{"details: no name", second(ceremony.CurrentUserDetails("example.com", user, "", "Alice")), webauthn.ExceptionInvalidParameter},
		{"details: no user", second(ceremony.CurrentUserDetails("example.com", nil, "alice", "Alice")), webauthn.ExceptionInvalidParameter},
		{"details: no RP ID", second(ceremony.CurrentUserDetails("", user, "alice", "Alice")), webauthn.ExceptionConfigurationMissing},
	}
	for _, tt := range tests {
		if got := webauthn.ExceptionName(tt.err); got != tt.exc {
			t.Errorf("%s: %q (%v), want %q", tt.name, got, tt.err, tt.exc)
		}
	}
}

func second[T any](_ T, err error) error { return err }
