package webauthnhttp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
)

// post sends body to the handler with the cookies of prev, and returns the
// response.
func post(t *testing.T, h http.Handler, path, body string, cookies []*http.Cookie) *http.Response {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	for _, c := range cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

func errorBody(t *testing.T, res *http.Response) ErrorBody {
	t.Helper()
	var e ErrorBody
	if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

func testHandler(opts *HandlerOptions) *Handler {
	return NewHandler(&webauthn.RelyingParty{RPID: "localhost", Origins: []string{"http://localhost:8080"}}, opts)
}

func TestHandlerRejectsRequests(t *testing.T) {
	h := testHandler(nil)
	big := `{"username":"` + strings.Repeat("a", maxUserNameSize+1) + `"}`
	tests := []struct {
		name, path, body string
		status           int
		exception        string
	}{
		{"unknown member", "/webauthn/register/begin", `{"username":"a","admin":"yes"}`, 400, webauthn.ExceptionInvalidParameter},
		{"wrong case", "/webauthn/register/begin", `{"Username":"a"}`, 400, webauthn.ExceptionInvalidParameter},
		{"duplicate", "/webauthn/register/begin", `{"username":"a","username":"b"}`, 400, webauthn.ExceptionInvalidParameter},
		{"escaped duplicate", "/webauthn/register/begin", `{"username":"a","\u0075sername":"b"}`, 400, webauthn.ExceptionInvalidParameter},
		{"bad token", "/webauthn/register/begin", `{"username":"a","attestation":"Direct"}`, 400, webauthn.ExceptionInvalidParameter},
		{"not object", "/webauthn/register/begin", `["a"]`, 400, webauthn.ExceptionInvalidParameter},
		{"trailing", "/webauthn/register/begin", `{"username":"a"} {}`, 400, webauthn.ExceptionInvalidParameter},
		{"no username", "/webauthn/register/begin", `{}`, 400, webauthn.ExceptionInvalidParameter},
		{"username limit+1", "/webauthn/register/begin", big, 400, webauthn.ExceptionInvalidParameter},
		{"algorithms not ints", "/webauthn/register/begin", `{"username":"a","algorithms":[-7.5]}`, 400, webauthn.ExceptionInvalidParameter},
		{"algorithms limit+1", "/webauthn/register/begin", `{"username":"a","algorithms":[` + strings.Repeat("-7,", maxAlgorithms) + `-7]}`, 400, webauthn.ExceptionInvalidParameter},
		{"finish without credential", "/webauthn/register/finish", `{"username":"a"}`, 400, webauthn.ExceptionInvalidParameter},
		{"finish without session", "/webauthn/register/finish", `{"username":"a","credential":{}}`, 400, webauthn.ExceptionChallengeNotFound},
		{"body limit+1", "/webauthn/login/begin", `{"username":"` + strings.Repeat("a", maxRequestBody) + `"}`, 400, webauthn.ExceptionInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := post(t, h, tt.path, tt.body, nil)
			e := errorBody(t, res)
			if res.StatusCode != tt.status || e.Exception != tt.exception {
				t.Fatalf("got %d %+v, want %d %s", res.StatusCode, e, tt.status, tt.exception)
			}
		})
	}
	if res := post(t, h, "/webauthn/register/nope", `{}`, nil); res.StatusCode != 404 {
		t.Errorf("unknown path: %d", res.StatusCode)
	}
	req := httptest.NewRequest("GET", "/webauthn/register/begin", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", w.Code)
	}
}

func TestHandlerOptions(t *testing.T) {
	h := testHandler(&HandlerOptions{RPName: "Example"})
	res := post(t, h, "/webauthn/register/begin", `{"username":"alice","attestation":"direct","algorithms":[-7,-65535,-257]}`, nil)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %+v", res.StatusCode, errorBody(t, res))
	}
	cookies := res.Cookies()
	if len(cookies) != 1 || cookies[0].Name != DefaultSessionCookie || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies %+v", cookies)
	}
	var o ceremony.CreationOptionsJSON
	if err := json.NewDecoder(res.Body).Decode(&o); err != nil {
		t.Fatal(err)
	}
	chal, err := base64.RawURLEncoding.DecodeString(o.Challenge)
	if err != nil || len(chal) != 32 {
		t.Fatalf("challenge %q", o.Challenge)
	}
	if o.RP.ID != "localhost" || o.RP.Name != "Example" || o.User.Name != "alice" || o.Attestation != ceremony.ConveyanceDirect || o.Timeout != ceremony.DefaultChallengeTimeout.Milliseconds() {
		t.Fatalf("options %+v", o)
	}
	// RS1 is never offered for a credential.
	if len(o.PubKeyCredParams) != 2 || o.PubKeyCredParams[0].Alg != -7 || o.PubKeyCredParams[1].Alg != -257 {
		t.Fatalf("pubKeyCredParams %+v", o.PubKeyCredParams)
	}
	if o.AuthenticatorSelection.UserVerification != ceremony.UserVerificationPreferred || o.AuthenticatorSelection.ResidentKey != ceremony.ResidentKeyRequired {
		t.Fatalf("selection %+v", o.AuthenticatorSelection)
	}

	// A finish whose challenge was never issued, from the same session.
	res = post(t, h, "/webauthn/register/finish", `{"username":"alice","credential":{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiQUFBQUFBQUFBQUFBQUFBQUFBQUFBQSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6ODA4MCJ9","attestationObject":"oA"}}}`, cookies)
	if e := errorBody(t, res); res.StatusCode != 400 || e.Exception != webauthn.ExceptionChallengeNotFound {
		t.Fatalf("got %d %+v", res.StatusCode, e)
	}
}

// TestUsernameEnumeration (issue 13 item 7): login/begin for a name
// without an account answers as for an account (§14.6.2): one or two stable
// descriptors, of the lengths and transports real credentials have,
// different for every name.
func TestUsernameEnumeration(t *testing.T) {
	h := testHandler(nil)
	begin := func(name string) ceremony.RequestOptionsJSON {
		res := post(t, h, "/webauthn/login/begin", `{"username":"`+name+`"}`, nil)
		var o ceremony.RequestOptionsJSON
		if err := json.NewDecoder(res.Body).Decode(&o); err != nil || res.StatusCode != 200 {
			t.Fatalf("status %d err %v", res.StatusCode, err)
		}
		return o
	}
	shapes := map[string]bool{}
	for i := range 40 {
		name := "nobody-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		o, again := begin(name), begin(name)
		if n := len(o.AllowCredentials); n < 1 || n > 2 {
			t.Fatalf("%s: %d descriptors", name, n)
		}
		for j, d := range o.AllowCredentials {
			id, _ := base64.RawURLEncoding.DecodeString(d.ID)
			if len(id) != 16 && len(id) != 32 && len(id) != 64 || len(d.Transports) == 0 || d.Type != "public-key" {
				t.Fatalf("%s: descriptor %+v", name, d)
			}
			if again.AllowCredentials[j].ID != d.ID {
				t.Fatalf("%s: the fictitious descriptors are not stable", name)
			}
			shapes[strconv.Itoa(len(o.AllowCredentials))+"/"+strconv.Itoa(len(id))] = true
		}
	}
	if len(shapes) < 4 {
		t.Fatalf("fictitious accounts all look alike: %v", shapes)
	}
	if begin("x").AllowCredentials[0].ID == begin("y").AllowCredentials[0].ID {
		t.Fatal("fictitious descriptors of two names are equal")
	}
}

// TestUsernameEnumerationAtFinish (security review F1): a login/finish
// answering the first allowCredentials descriptor with a signature that
// does not verify gets the same answer whether the name has an account or
// not, for either BE flag, and no unknown-credential signal.
func TestUsernameEnumerationAtFinish(t *testing.T) {
	h := newHandlerFlow(t, nil).h
	owner := flowOn(t, h, "owner")
	wantException(t, "register", owner.register("owner"), "")
	answer := func(name string, be bool) (int, string) {
		x := flowOn(t, h, "attacker")
		var o ceremony.RequestOptionsJSON
		wantException(t, "begin", x.do("/webauthn/login/begin", `{"username":"`+name+`"}`, &o), "")
		id, _ := base64.RawURLEncoding.DecodeString(o.AllowCredentials[0].ID)
		chal, _ := base64.RawURLEncoding.DecodeString(o.Challenge)
		flags := byte(forge.FlagUP)
		if be {
			flags |= forge.FlagBE
		}
		ad := (&forge.AuthData{RPID: "example.org", Flags: flags, SignCount: 1}).Bytes()
		cdj := (&forge.ClientData{Type: "webauthn.get", Challenge: chal, Origin: "https://example.org"}).JSON()
		hsh := sha256.Sum256(cdj)
		sig := x.key.Sign(ad, hsh[:]) // not the account's key
		body := `{"username":"` + name + `","credential":{"id":"` + b64url(id) + `","rawId":"` + b64url(id) + `","type":"public-key","response":{"clientDataJSON":"` +
			b64url(cdj) + `","authenticatorData":"` + b64url(ad) + `","signature":"` + b64url(sig) + `"}}}`
		res := post(t, h, "/webauthn/login/finish", body, x.cookies)
		var raw bytes.Buffer
		raw.ReadFrom(res.Body)
		return res.StatusCode, raw.String()
	}
	for _, be := range []bool{false, true} {
		ks, kb := answer("owner", be)
		for _, name := range []string{"nobody", "someone-else"} {
			us, ub := answer(name, be)
			// The step differs only by what BE the stored record has,
			// which is as unknown to the client for a real account.
			if us != ks || !strings.Contains(ub, `"exception":"NotAuthorizedException"`) || strings.Contains(ub, "signal\":{") || strings.Contains(ub, `"signal":{`) {
				t.Fatalf("BE %v: known name %d %s, unknown %s %d %s", be, ks, kb, name, us, ub)
			}
			if !strings.Contains(ub, `"step":"§7.2 step 21"`) && !strings.Contains(ub, `"step":"§7.2 step 19"`) {
				t.Fatalf("BE %v: unknown name %s fails at %s", be, name, ub)
			}
		}
	}
}

func TestHandlerRegisterExistingUser(t *testing.T) {
	allowed := false
	h := testHandler(&HandlerOptions{CanRegister: func(*http.Request, string) bool { return allowed }})
	cred := &webauthn.Credential{ID: []byte("cred-1"), PublicKey: []byte{0xa0}, Transports: webauthn.TransportUSB, UserHandle: []byte("bob")}
	if err := h.Users().Create(context.Background(), "bob", []byte("bob"), cred); err != nil {
		t.Fatal(err)
	}
	res := post(t, h, "/webauthn/register/begin", `{"username":"bob"}`, nil)
	if e := errorBody(t, res); res.StatusCode != 401 || e.Exception != webauthn.ExceptionNotAuthorized {
		t.Fatalf("got %d %+v", res.StatusCode, e)
	}
	allowed = true
	res = post(t, h, "/webauthn/register/begin", `{"username":"bob"}`, nil)
	var o ceremony.CreationOptionsJSON
	if err := json.NewDecoder(res.Body).Decode(&o); err != nil || res.StatusCode != 200 {
		t.Fatalf("status %d err %v", res.StatusCode, err)
	}
	if len(o.ExcludeCredentials) != 1 || o.ExcludeCredentials[0].ID != "Y3JlZC0x" || o.ExcludeCredentials[0].Transports[0] != "usb" {
		t.Fatalf("excludeCredentials %+v", o.ExcludeCredentials)
	}
	res = post(t, h, "/webauthn/login/begin", `{"username":"bob"}`, nil)
	var r ceremony.RequestOptionsJSON
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil || len(r.AllowCredentials) != 1 {
		t.Fatalf("allowCredentials %+v err %v", r.AllowCredentials, err)
	}
}

func TestMemUsersLimits(t *testing.T) {
	ctx := context.Background()
	m := &MemUsers{MaxUsers: 2}
	for i, n := range []string{"a", "b"} {
		if err := m.Create(ctx, n, []byte(n), &webauthn.Credential{ID: []byte{0xf0, byte(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Create(ctx, "c", []byte("c"), &webauthn.Credential{ID: []byte{0xf2}}); !errors.Is(err, ErrFull) {
		t.Fatalf("user limit+1: %v", err)
	}
	if err := m.Create(ctx, "a", []byte("a2"), &webauthn.Credential{ID: []byte{0xf3}}); !errors.Is(err, ErrUserExists) {
		t.Fatalf("existing name: %v", err)
	}
	if _, err := m.Lookup(ctx, "c"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	for i := 1; i <= MaxCredentialsPerUser; i++ {
		err := m.AddCredential(ctx, []byte("a"), &webauthn.Credential{ID: []byte{byte(i)}})
		if i < MaxCredentialsPerUser && err != nil || i == MaxCredentialsPerUser && !errors.Is(err, ErrTooManyCredentials) {
			t.Fatalf("credential %d: %v", i+1, err)
		}
	}
	if err := m.AddCredential(ctx, []byte("b"), &webauthn.Credential{ID: []byte{1}}); !errors.Is(err, ErrCredentialExists) {
		t.Fatalf("duplicate credential ID: %v", err)
	}
	if err := m.AddCredential(ctx, []byte("nobody"), &webauthn.Credential{ID: []byte{0x55}}); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("unknown handle: %v", err)
	}
}

func TestHTTPStatus(t *testing.T) {
	for fault, want := range map[error]int{
		webauthn.ErrMalformed: 400, webauthn.ErrChallengeNotFound: 400, webauthn.ErrOriginNotAllowed: 403, webauthn.ErrRPIDMismatch: 403,
		webauthn.ErrClientMismatch: 400, webauthn.ErrCredentialNotSupported: 422, webauthn.ErrNotAuthorized: 401, webauthn.ErrNotEnabled: 403,
		webauthn.ErrLimitExceeded: 429, webauthn.ErrTooManyRequests: 429, webauthn.ErrInternal: 500, webauthn.ErrConfigurationMissing: 500,
	} {
		if got := HTTPStatus(webauthn.NewError(fault, "", "", nil)); got != want {
			t.Errorf("%v: %d, want %d", fault, got, want)
		}
	}
}

// handlerFlow drives a Handler for the forge's relying party (example.org)
// with forged authenticator responses.
type handlerFlow struct {
	t       *testing.T
	h       *Handler
	f       *forge.Forge
	key     *forge.Key
	count   uint32 // the authenticator's signature counter
	cookies []*http.Cookie
}

func newHandlerFlow(t *testing.T, opts *HandlerOptions) *handlerFlow {
	rp := &webauthn.RelyingParty{RPID: "example.org", Origins: []string{"https://example.org"}}
	f := forge.New("handler")
	return &handlerFlow{t: t, h: NewHandler(rp, opts), f: f, key: f.Key("handler", cose.ES256)}
}

// do posts body and decodes a 200 answer into out, or returns the error body.
func (x *handlerFlow) do(path, body string, out any) *ErrorBody {
	x.t.Helper()
	res := post(x.t, x.h, path, body, x.cookies)
	if c := res.Cookies(); len(c) > 0 {
		x.cookies = c
	}
	if res.StatusCode != 200 {
		e := errorBody(x.t, res)
		if HTTPStatus(webauthn.NewError(errorOf(e.Exception), "", "", nil)) != res.StatusCode {
			x.t.Fatalf("status %d for %+v", res.StatusCode, e)
		}
		return &e
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		x.t.Fatal(err)
	}
	return nil
}

// errorOf maps an exception name back to its fault, for the status check.
func errorOf(exception string) error {
	for _, e := range []error{webauthn.ErrMalformed, webauthn.ErrChallengeNotFound, webauthn.ErrClientMismatch, webauthn.ErrCredentialNotSupported, webauthn.ErrNotAuthorized, webauthn.ErrNotEnabled, webauthn.ErrLimitExceeded, webauthn.ErrTooManyRequests} {
		if webauthn.ExceptionName(webauthn.NewError(e, "", "", nil)) == exception {
			return e
		}
	}
	return webauthn.ErrInternal
}

func (x *handlerFlow) register(user string) *ErrorBody {
	x.t.Helper()
	var o ceremony.CreationOptionsJSON
	if e := x.do("/webauthn/register/begin", `{"username":"`+user+`"}`, &o); e != nil {
		return e
	}
	reg := x.f.Registration("handler", x.key)
	reg.ClientData.Challenge, _ = base64.RawURLEncoding.DecodeString(o.Challenge)
	cred := string(forge.RegistrationJSON(reg, reg.Object("none", forge.Stmt{}), "usb").JSON())
	var sum RegistrationSummary
	return x.do("/webauthn/register/finish", `{"username":"`+user+`","credential":`+cred+`}`, &sum)
}

// login signs in as user ("" for username-less); the assertion carries
// userHandle when it is not nil. It returns the finish body for replays.
func (x *handlerFlow) login(user string, userHandle []byte, sum *AssertionSummary) (string, *ErrorBody) {
	x.t.Helper()
	var o ceremony.RequestOptionsJSON
	if e := x.do("/webauthn/login/begin", `{"username":"`+user+`"}`, &o); e != nil {
		return "", e
	}
	body := x.assertion(&o, user, userHandle)
	return body, x.do("/webauthn/login/finish", body, sum)
}

// assertion returns a login/finish body answering o.
func (x *handlerFlow) assertion(o *ceremony.RequestOptionsJSON, user string, userHandle []byte) string {
	chal, _ := base64.RawURLEncoding.DecodeString(o.Challenge)
	x.count++
	ad := (&forge.AuthData{RPID: "example.org", Flags: forge.FlagUP, SignCount: x.count}).Bytes()
	cdj := (&forge.ClientData{Type: "webauthn.get", Challenge: chal, Origin: "https://example.org"}).JSON()
	h := sha256.Sum256(cdj)
	uh := ""
	if userHandle != nil {
		uh = `,"userHandle":"` + b64url(userHandle) + `"`
	}
	r := forge.AssertionJSON(x.f.Bytes("credid/handler", 16), cdj, ad, x.key.Sign(ad, h[:]))
	r.Inner, r.NoExtensions = uh, true
	return `{"username":"` + user + `","credential":` + string(r.JSON()) + `}`
}

func wantException(t *testing.T, what string, e *ErrorBody, exception string) {
	t.Helper()
	got := ""
	if e != nil {
		got = e.Exception
	}
	if p := errtest.Mismatch(e != nil, got, exception); p != "" {
		t.Fatalf("%s: %s (%+v)", what, p, e)
	}
}

// TestHandlerCeremonies registers and signs in through the handler, by name
// and username-less, and checks the challenge is single use, bound to the
// session and to the user.
func TestHandlerCeremonies(t *testing.T) {
	x := newHandlerFlow(t, nil)
	wantException(t, "register", x.register("alice"), "")
	var sum AssertionSummary
	body, e := x.login("alice", nil, &sum)
	wantException(t, "login", e, "")
	if sum.User != "alice" || sum.SignCount != x.count || sum.PreviousSignCount != 0 {
		t.Fatalf("summary %+v", sum)
	}
	wantException(t, "replay", x.do("/webauthn/login/finish", body, &sum), webauthn.ExceptionChallengeNotFound)

	acct, err := x.h.Users().Lookup(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	handle := acct.Handle
	_, e = x.login("", handle, &sum)
	wantException(t, "username-less login", e, "")
	if sum.User != "alice" || sum.PreviousSignCount != x.count-1 {
		t.Fatalf("summary %+v", sum)
	}
	_, e = x.login("", nil, &sum)
	wantException(t, "username-less login without userHandle", e, webauthn.ExceptionNotAuthorized)
	// An unknown name is a user of its own: alice's passkey (and her
	// userHandle) cannot sign in to it.
	_, e = x.login("mallory", handle, &sum)
	wantException(t, "unknown name", e, webauthn.ExceptionNotAuthorized)
	_, e = x.login("mallory", nil, &sum)
	wantException(t, "unknown name without userHandle", e, webauthn.ExceptionNotAuthorized)

	// Another session can neither finish what this one began nor burn it.
	var o ceremony.RequestOptionsJSON
	wantException(t, "begin", x.do("/webauthn/login/begin", `{"username":"alice"}`, &o), "")
	body = x.assertion(&o, "alice", nil)
	mine := x.cookies
	x.cookies = []*http.Cookie{{Name: DefaultSessionCookie, Value: b64url(make([]byte, sessionIDSize))}}
	wantException(t, "finish from another session", x.do("/webauthn/login/finish", body, &sum), webauthn.ExceptionClientMismatch)
	x.cookies = nil
	wantException(t, "finish without a session", x.do("/webauthn/login/finish", body, &sum), webauthn.ExceptionChallengeNotFound)
	x.cookies = mine
	wantException(t, "finish from the session that began", x.do("/webauthn/login/finish", body, &sum), "")
	// A second passkey for alice needs CanRegister.
	wantException(t, "second passkey", x.register("alice"), webauthn.ExceptionNotAuthorized)
}

// TestHandlerDisabled: a disabled relying party answers every endpoint with
// WebAuthnNotEnabledException and creates no user.
func TestHandlerDisabled(t *testing.T) {
	x := newHandlerFlow(t, nil)
	x.h.rp.Disabled = true
	for _, p := range []string{"register/begin", "register/finish", "login/begin", "login/finish"} {
		res := post(t, x.h, "/webauthn/"+p, `{"username":"alice"}`, nil)
		if e := errorBody(t, res); res.StatusCode != 403 || e.Exception != webauthn.ExceptionNotEnabled {
			t.Fatalf("%s: %d %+v", p, res.StatusCode, e)
		}
	}
	if _, err := x.h.Users().Lookup(context.Background(), "alice"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("user created while disabled: %v", err)
	}
}
