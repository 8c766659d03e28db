package webauthntest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/webauthntest"
)

const (
	rpID   = "example.org"
	origin = "https://example.org"
)

var ctx = context.Background()

// fixture is a Lifecycle and an in-memory credential table for one account.
type fixture struct {
	lc    *ceremony.Lifecycle
	creds map[string]*webauthn.Credential
}

func newFixture(rp *webauthn.RelyingParty) *fixture {
	if rp == nil {
		rp = &webauthn.RelyingParty{RPID: rpID, Origins: []string{origin}}
	}
	return &fixture{lc: &ceremony.Lifecycle{RP: rp}, creds: map[string]*webauthn.Credential{}}
}

func (f *fixture) lookup(_ context.Context, user, id []byte) (*webauthn.Credential, error) {
	c := f.creds[string(id)]
	if c == nil || !bytes.Equal(c.UserHandle, user) {
		return nil, nil
	}
	return c, nil
}

// register runs a registration of user with a through the Lifecycle.
func (f *fixture) register(t *testing.T, a *webauthntest.Authenticator, user ceremony.User, opts *ceremony.RegistrationOptions) (*webauthn.Registration, error) {
	t.Helper()
	o, err := f.lc.StartRegistration(ctx, user, "client-1", opts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Create(o)
	if err != nil {
		t.Fatal(err)
	}
	var reg webauthn.Registration
	if err := f.lc.CompleteRegistration(ctx, user.ID, "client-1", resp, &reg); err != nil {
		return nil, err
	}
	c := reg.Record(user.ID)
	f.creds[string(c.ID)] = &c
	return &reg, nil
}

// signIn runs an authentication for user (nil: username-less) through the
// Lifecycle, with pick as the account chosen in the browser, and writes
// the new counter back.
func (f *fixture) signIn(t *testing.T, a *webauthntest.Authenticator, user, pick []byte) (*webauthn.Assertion, error) {
	t.Helper()
	var opts ceremony.AuthenticationOptions
	for _, c := range f.creds {
		if user != nil && bytes.Equal(c.UserHandle, user) {
			opts.AllowCredentials = append(opts.AllowCredentials, *c)
		}
	}
	o, err := f.lc.StartAuthentication(ctx, user, "client-1", &opts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Get(o, pick)
	if err != nil {
		return nil, err
	}
	var as webauthn.Assertion
	if err := f.lc.CompleteAuthentication(ctx, user, "client-1", resp, f.lookup, &as); err != nil {
		return nil, err
	}
	c := f.creds[string(as.CredentialID)]
	c.SignCount, c.BackupState = as.SignCount, as.BackupState
	return &as, nil
}

var (
	alice = ceremony.User{ID: []byte("alice-handle-0001"), Name: "alice"}
	bob   = ceremony.User{ID: []byte("bob-handle-000002"), Name: "bob"}
)

func TestLifecycle(t *testing.T) {
	f := newFixture(nil)
	a := webauthntest.New(origin)
	reg, err := f.register(t, a, alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Algorithm != cose.ES256 || reg.Format.String() != "none" || reg.SignCount != 0 ||
		!reg.UserVerified || reg.BackupEligible || !reg.HasCredProps || !reg.CredPropsRK ||
		reg.Attachment != webauthn.AttachmentPlatform || !reg.Transports.Has(webauthn.TransportInternal|webauthn.TransportHybrid) {
		t.Fatalf("registration = %+v", reg)
	}
	if _, err := f.register(t, a, bob, nil); err != nil {
		t.Fatal(err)
	}
	// By username: the credential allowCredentials lists, counter 1 then 2.
	for want := uint32(1); want <= 2; want++ {
		as, err := f.signIn(t, a, alice.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if as.SignCount != want || as.CloneSuspected || !bytes.Equal(as.UserHandle, alice.ID) {
			t.Fatalf("sign-in %d: %+v", want, as)
		}
	}
	// Username-less: the most recent discoverable credential (bob's), or
	// the one of the account picked.
	as, err := f.signIn(t, a, nil, nil)
	if err != nil || !bytes.Equal(as.UserHandle, bob.ID) || as.SignCount != 1 {
		t.Fatalf("username-less: %+v, %v", as, err)
	}
	as, err = f.signIn(t, a, nil, alice.ID)
	if err != nil || !bytes.Equal(as.UserHandle, alice.ID) || as.SignCount != 3 {
		t.Fatalf("username-less, alice picked: %+v, %v", as, err)
	}
	// An account the authenticator has no credential for.
	if _, err := f.signIn(t, a, nil, []byte("carol")); !errors.Is(err, webauthntest.ErrNoCredential) {
		t.Fatalf("unknown account picked: %v", err)
	}
}

func TestFlags(t *testing.T) {
	strict := &webauthn.RelyingParty{RPID: rpID, Origins: []string{origin}, RequireUserVerification: true}
	tests := []struct {
		name      string
		rp        *webauthn.RelyingParty
		set       func(*webauthntest.Authenticator)
		regFault  error // nil: registers
		authFault error
		check     func(*webauthn.Registration, *webauthn.Assertion) bool
	}{
		{name: "defaults", check: func(r *webauthn.Registration, as *webauthn.Assertion) bool {
			return r.Flags&0x1f == 0x05 && as.Flags&0x1f == 0x05 && as.SignCount == 1
		}},
		{name: "synced passkey", set: func(a *webauthntest.Authenticator) { a.BackupEligible, a.BackedUp, a.ZeroCounter = true, true, true },
			check: func(r *webauthn.Registration, as *webauthn.Assertion) bool {
				return r.BackupEligible && r.BackupState && as.BackupEligible && as.BackupState && as.SignCount == 0 && !as.CloneSuspected
			}},
		{name: "BS without BE", set: func(a *webauthntest.Authenticator) { a.BackedUp = true }, regFault: webauthn.ErrMalformed},
		{name: "no UP", set: func(a *webauthntest.Authenticator) { a.NoUserPresence = true }, regFault: webauthn.ErrCredentialNotSupported},
		{name: "no UV, not required", set: func(a *webauthntest.Authenticator) { a.NoUserVerification = true },
			check: func(r *webauthn.Registration, as *webauthn.Assertion) bool {
				return !r.UserVerified && !as.UserVerified
			}},
		{name: "no UV, required", rp: strict, set: func(a *webauthntest.Authenticator) { a.NoUserVerification = true }, regFault: webauthn.ErrCredentialNotSupported},
		{name: "cross-platform", set: func(a *webauthntest.Authenticator) { a.Attachment, a.Transports = "cross-platform", []string{"usb"} },
			check: func(r *webauthn.Registration, as *webauthn.Assertion) bool {
				return r.Attachment == webauthn.AttachmentCrossPlatform && r.Transports == webauthn.TransportUSB
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.rp)
			a := webauthntest.New(origin)
			if tt.set != nil {
				tt.set(a)
			}
			reg, err := f.register(t, a, alice, nil)
			if tt.regFault != nil {
				if !errors.Is(err, tt.regFault) {
					t.Fatalf("registration: %v, want %v", err, tt.regFault)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			as, err := f.signIn(t, a, alice.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(reg, as) {
				t.Fatalf("registration %+v\nassertion %+v", reg, as)
			}
		})
	}
}

// TestUVRequiredAtSignIn: a credential registered with UV cannot sign in
// without it when the options require it.
func TestUVRequiredAtSignIn(t *testing.T) {
	f := newFixture(&webauthn.RelyingParty{RPID: rpID, Origins: []string{origin}, RequireUserVerification: true})
	a := webauthntest.New(origin)
	if _, err := f.register(t, a, alice, nil); err != nil {
		t.Fatal(err)
	}
	a.NoUserVerification = true
	if _, err := f.signIn(t, a, alice.ID, nil); !errors.Is(err, webauthn.ErrNotAuthorized) {
		t.Fatalf("sign-in without UV: %v", err)
	}
}

// TestNonDiscoverable: residentKey "discouraged" makes a credential that a
// username-less sign-in cannot find, and credProps says so.
func TestNonDiscoverable(t *testing.T) {
	f := newFixture(nil)
	a := webauthntest.New(origin)
	reg, err := f.register(t, a, alice, &ceremony.RegistrationOptions{ResidentKey: ceremony.ResidentKeyDiscouraged})
	if err != nil {
		t.Fatal(err)
	}
	if !reg.HasCredProps || reg.CredPropsRK {
		t.Fatalf("credProps: has %v rk %v", reg.HasCredProps, reg.CredPropsRK)
	}
	if _, err := f.signIn(t, a, nil, nil); !errors.Is(err, webauthntest.ErrNoCredential) {
		t.Fatalf("username-less: %v", err)
	}
	as, err := f.signIn(t, a, alice.ID, nil)
	if err != nil || as.UserHandle != nil {
		t.Fatalf("by username: %+v, %v (no userHandle expected)", as, err)
	}
}

func TestCreateErrors(t *testing.T) {
	f := newFixture(nil)
	good, err := f.lc.StartRegistration(ctx, alice, "client-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		origin string
		edit   func(o *ceremony.CreationOptionsJSON)
		want   error
	}{
		{name: "subdomain origin", origin: "https://login.example.org"},
		{name: "other site", origin: "https://example.net", want: webauthntest.ErrOrigin},
		{name: "suffix without dot", origin: "https://badexample.org", want: webauthntest.ErrOrigin},
		{name: "not a URL", origin: "example.org", want: webauthntest.ErrOrigin},
		{name: "no ES256", edit: func(o *ceremony.CreationOptionsJSON) {
			o.PubKeyCredParams = []ceremony.CredentialParameters{{Type: "public-key", Alg: cose.RS256}}
		}, want: webauthntest.ErrAlgorithm},
		{name: "challenge not base64url", edit: func(o *ceremony.CreationOptionsJSON) { o.Challenge = "a+b/" }, want: webauthntest.ErrOptions},
		{name: "empty challenge", edit: func(o *ceremony.CreationOptionsJSON) { o.Challenge = "" }, want: webauthntest.ErrOptions},
		{name: "empty user.id", edit: func(o *ceremony.CreationOptionsJSON) { o.User.ID = "" }, want: webauthntest.ErrOptions},
		{name: "user.id of 65 bytes", edit: func(o *ceremony.CreationOptionsJSON) {
			o.User.ID = base64.RawURLEncoding.EncodeToString(make([]byte, 65))
		}, want: webauthntest.ErrOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := *good
			if tt.edit != nil {
				tt.edit(&o)
			}
			or := origin
			if tt.origin != "" {
				or = tt.origin
			}
			_, err := webauthntest.New(or).Create(&o)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Create: %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := webauthntest.New(origin).Create(nil); !errors.Is(err, webauthntest.ErrOptions) {
		t.Fatalf("Create(nil): %v", err)
	}
}

// TestExcluded: excludeCredentials stops a second registration on the same
// authenticator, and only there.
func TestExcluded(t *testing.T) {
	f := newFixture(nil)
	a := webauthntest.New(origin)
	reg, err := f.register(t, a, alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.lc.StartRegistration(ctx, alice, "client-1", &ceremony.RegistrationOptions{Credentials: []webauthn.Credential{reg.Record(alice.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Create(o); !errors.Is(err, webauthntest.ErrExcluded) {
		t.Fatalf("Create with the credential excluded: %v", err)
	}
	if _, err := webauthntest.New(origin).Create(o); err != nil {
		t.Fatalf("another authenticator: %v", err)
	}
}

func TestGetErrors(t *testing.T) {
	f := newFixture(nil)
	a := webauthntest.New(origin)
	if _, err := f.register(t, a, alice, nil); err != nil {
		t.Fatal(err)
	}
	o, err := f.lc.StartAuthentication(ctx, nil, "client-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(o *ceremony.RequestOptionsJSON)
		want error
	}{
		{name: "username-less"},
		{name: "rpId from the origin", edit: func(o *ceremony.RequestOptionsJSON) { o.RPID = "" }},
		{name: "other rpId", edit: func(o *ceremony.RequestOptionsJSON) { o.RPID = "example.net" }, want: webauthntest.ErrOrigin},
		{name: "unknown credential", edit: func(o *ceremony.RequestOptionsJSON) {
			o.AllowCredentials = []ceremony.CredentialDescriptor{{ID: "AAAAAAAAAAAAAAAAAAAAAA", Type: "public-key"}}
		}, want: webauthntest.ErrNoCredential},
		{name: "allowCredentials not base64url", edit: func(o *ceremony.RequestOptionsJSON) {
			o.AllowCredentials = []ceremony.CredentialDescriptor{{ID: "!", Type: "public-key"}}
		}, want: webauthntest.ErrOptions},
		{name: "challenge not base64url", edit: func(o *ceremony.RequestOptionsJSON) { o.Challenge = "==" }, want: webauthntest.ErrOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *o
			if tt.edit != nil {
				tt.edit(&c)
			}
			if _, err := a.Get(&c, nil); !errors.Is(err, tt.want) {
				t.Fatalf("Get: %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := a.Get(nil, nil); !errors.Is(err, webauthntest.ErrOptions) {
		t.Fatalf("Get(nil): %v", err)
	}
	if _, err := webauthntest.New("https://example.net").Get(o, nil); !errors.Is(err, webauthntest.ErrOrigin) {
		t.Fatalf("Get from another origin: %v", err)
	}
}

// TestSeed: the same seed gives the same responses byte for byte; another
// seed, or no seed, does not.
func TestSeed(t *testing.T) {
	f := newFixture(nil)
	o, err := f.lc.StartRegistration(ctx, alice, "client-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	create := func(a *webauthntest.Authenticator) []byte {
		b, err := a.Create(o)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	one := create(webauthntest.NewFromSeed(origin, []byte("seed")))
	if two := create(webauthntest.NewFromSeed(origin, []byte("seed"))); !bytes.Equal(one, two) {
		t.Fatalf("same seed, different responses:\n%s\n%s", one, two)
	}
	for _, a := range []*webauthntest.Authenticator{webauthntest.NewFromSeed(origin, []byte("seed2")), webauthntest.New(origin)} {
		if other := create(a); bytes.Equal(one, other) {
			t.Fatal("different seeds, same response")
		}
	}
	// Seeded signatures are deterministic as well.
	ro, err := f.lc.StartAuthentication(ctx, nil, "client-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for range 2 {
		a := webauthntest.NewFromSeed(origin, []byte("seed"))
		create(a)
		b, err := a.Get(ro, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b)
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Fatalf("seeded assertions differ:\n%s\n%s", got[0], got[1])
	}
}

// TestResponseShape: the members PublicKeyCredential.toJSON() writes
// (§5.1, §5.2.1, §5.2.2) are present with their JSON types.
func TestResponseShape(t *testing.T) {
	f := newFixture(nil)
	a := webauthntest.New(origin)
	o, err := f.lc.StartRegistration(ctx, alice, "client-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := a.Create(o)
	if err != nil {
		t.Fatal(err)
	}
	ro, err := f.lc.StartAuthentication(ctx, nil, "client-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := a.Get(ro, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		resp  []byte
		inner []string
	}{
		{reg, []string{"clientDataJSON", "authenticatorData", "transports", "publicKey", "publicKeyAlgorithm", "attestationObject"}},
		{auth, []string{"clientDataJSON", "authenticatorData", "signature", "userHandle"}},
	} {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(tt.resp, &top); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "rawId", "response", "authenticatorAttachment", "clientExtensionResults", "type"} {
			if top[k] == nil {
				t.Errorf("%s: no %q", tt.resp, k)
			}
		}
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(top["response"], &inner); err != nil {
			t.Fatal(err)
		}
		for _, k := range tt.inner {
			if inner[k] == nil {
				t.Errorf("%s: no response.%q", tt.resp, k)
			}
		}
		if len(inner) != len(tt.inner) {
			t.Errorf("response has %d members, want %v", len(inner), tt.inner)
		}
		if err := webauthn.CheckRegistrationResponseJSON(reg); err != nil {
			t.Error(err)
		}
		if err := webauthn.CheckAuthenticationResponseJSON(auth); err != nil {
			t.Error(err)
		}
	}
}
