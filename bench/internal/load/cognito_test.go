package load

import (
	"strconv"
	"testing"
	"time"
)

// TestInvariantsCognito drives cognito-local (module cognito/, built and
// started as a child process) with 1 and 16 concurrent clients each with
// users of its own, and 16 and 64 contending for shared users, through SignUp, USER_PASSWORD_AUTH, Start/Complete
// WebAuthnRegistration and USER_AUTH WEB_AUTHN sign-ins, and requires the
// invariants of RunCognito to hold.
func TestInvariantsCognito(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cognito-local")
	}
	dir, err := CognitoDir()
	if err != nil {
		t.Fatal(err)
	}
	p, err := StartCognito(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	for _, tc := range []struct {
		clients, users, signIns int
		contend                 bool
	}{
		{1, 4, 8, false},
		{16, 16, 64, false},
		{64, 16, 128, true}, // 64 users would spend ~15 s on argon2id at sign-up
		{16, 4, 64, true},
	} {
		name := "C=" + strconv.Itoa(tc.clients)
		if tc.contend {
			name += "/contend"
		}
		t.Run(name, func(t *testing.T) {
			res, err := RunCognito(Config{BaseURL: p.URL, ServerCPU: p.CPU, NamePrefix: "c" + strconv.Itoa(tc.clients) + strconv.FormatBool(tc.contend) + "-",
				Users: tc.users, Clients: tc.clients, SignIns: tc.signIns, Contend: tc.contend})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range res.Violations {
				t.Error(v)
			}
			refused := res.SignIn.Failed
			if res.Register.OK != tc.users || res.SignIn.OK+refused != tc.signIns || (!tc.contend && refused != 0) || res.SignIn.OK == 0 {
				t.Errorf("%d registrations, %d sign-ins accepted and %d refused, want %d and %d", res.Register.OK, res.SignIn.OK, refused, tc.users, tc.signIns)
			}
			t.Logf("%d sign-ins in %v (%d refused as regressions), p50 %v p99 %v", res.SignIn.OK, res.SignIn.Wall.Round(time.Millisecond), refused, res.SignIn.Percentile(0.5), res.SignIn.Percentile(0.99))
		})
	}
}
