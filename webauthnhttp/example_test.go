package webauthnhttp_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/webauthnhttp"
	"github.com/passkeykit/webauthn/webauthntest"
)

// ExampleNewHandler embeds the passkey endpoints in an application that has
// its own sessions: OnRegistered and OnSignedIn start the application's
// session, and CanRegister lets a signed-in user add a passkey to their own
// account, and nobody else.
func ExampleNewHandler() {
	rp := &webauthn.RelyingParty{
		RPID:    "example.org",
		Origins: []string{"https://example.org"},
	}

	// The application's sessions: session cookie value → user name.
	var mu sync.Mutex
	sessions := map[string]string{}
	signedInAs := func(r *http.Request) string {
		c, err := r.Cookie("app_session")
		if err != nil {
			return ""
		}
		mu.Lock()
		defer mu.Unlock()
		return sessions[c.Value]
	}
	startSession := func(w http.ResponseWriter, name string) error {
		id := rand.Text()
		mu.Lock()
		sessions[id] = name
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "app_session", Value: id, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
		return nil
	}

	passkeys := webauthnhttp.NewHandler(rp, &webauthnhttp.HandlerOptions{
		RPName: "Example",
		Logger: slog.New(slog.DiscardHandler),
		CanRegister: func(r *http.Request, name string) bool {
			return signedInAs(r) == name
		},
		OnRegistered: func(w http.ResponseWriter, r *http.Request, a *webauthnhttp.Account, _ *webauthn.Registration) error {
			return startSession(w, a.Name) // a sign-up signs in
		},
		OnSignedIn: func(w http.ResponseWriter, r *http.Request, a *webauthnhttp.Account, _ *webauthn.Assertion) error {
			return startSession(w, a.Name)
		},
	})
	mux := http.NewServeMux()
	mux.Handle("/webauthn/", passkeys)
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, signedInAs(r)) })
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()

	// Alice signs up on her laptop, then adds her phone's passkey.
	laptop := newExampleBrowser(srv, "alice's laptop")
	fmt.Println("sign-up:", laptop.register("alice"))
	fmt.Println("signed in as:", laptop.me())
	phone := laptop.withAuthenticator("alice's phone")
	fmt.Println("add a passkey:", phone.register("alice"))

	// Someone else cannot add a passkey to her account.
	fmt.Println("another browser adds one:", newExampleBrowser(srv, "mallory's key").register("alice"))

	// Later, a new browser with the phone's passkey signs in without a name.
	later := newExampleBrowser(srv, "alice's phone")
	later.authn = phone.authn
	fmt.Println("sign-in:", later.signIn(""))
	fmt.Println("signed in as:", later.me())

	// Output:
	// sign-up: 200 alice registered
	// signed in as: alice
	// add a passkey: 200 alice registered
	// another browser adds one: 401 NotAuthorizedException
	// sign-in: 200 alice signed in, sign count 1
	// signed in as: alice
}

// exampleBrowser is a browser with a cookie jar and an authenticator, talking to
// srv as a page's script does.
type exampleBrowser struct {
	srv    *httptest.Server
	client *http.Client
	authn  *webauthntest.Authenticator
}

func newExampleBrowser(srv *httptest.Server, seed string) *exampleBrowser {
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	return &exampleBrowser{srv: srv, client: c, authn: webauthntest.NewFromSeed("https://example.org", []byte(seed))}
}

// withAuthenticator returns the same browser session with another
// authenticator (a phone over hybrid transport, say).
func (b *exampleBrowser) withAuthenticator(seed string) *exampleBrowser {
	return &exampleBrowser{srv: b.srv, client: b.client, authn: webauthntest.NewFromSeed("https://example.org", []byte(seed))}
}

func (b *exampleBrowser) post(path string, body any, out any) (int, error) {
	js, _ := json.Marshal(body)
	resp, err := b.client.Post(b.srv.URL+path, "application/json", bytes.NewReader(js))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e webauthnhttp.ErrorBody
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, fmt.Errorf("%s", e.Exception)
	}
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
}

func (b *exampleBrowser) register(name string) string {
	var opts ceremony.CreationOptionsJSON
	if code, err := b.post("/webauthn/register/begin", map[string]string{"username": name}, &opts); err != nil {
		return fmt.Sprint(code, " ", err)
	}
	cred, err := b.authn.Create(&opts) // navigator.credentials.create(), then toJSON()
	if err != nil {
		return err.Error()
	}
	var sum webauthnhttp.RegistrationSummary
	code, err := b.post("/webauthn/register/finish", map[string]any{"username": name, "credential": json.RawMessage(cred)}, &sum)
	if err != nil {
		return fmt.Sprint(code, " ", err)
	}
	return fmt.Sprint(code, " ", sum.User, " registered")
}

func (b *exampleBrowser) signIn(name string) string {
	var opts ceremony.RequestOptionsJSON
	if code, err := b.post("/webauthn/login/begin", map[string]string{"username": name}, &opts); err != nil {
		return fmt.Sprint(code, " ", err)
	}
	cred, err := b.authn.Get(&opts, nil) // navigator.credentials.get(), then toJSON()
	if err != nil {
		return err.Error()
	}
	var sum webauthnhttp.AssertionSummary
	code, err := b.post("/webauthn/login/finish", map[string]any{"username": name, "credential": json.RawMessage(cred)}, &sum)
	if err != nil {
		return fmt.Sprint(code, " ", err)
	}
	return fmt.Sprint(code, " ", sum.User, " signed in, sign count ", sum.SignCount)
}

func (b *exampleBrowser) me() string {
	resp, err := b.client.Get(b.srv.URL + "/me")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	s, _ := io.ReadAll(resp.Body)
	return string(s)
}

// ExampleUserMessage answers a failed ceremony in a server that keeps its
// own routes: the status for the script, a sentence for the person, and
// the exception and step for the log.
func ExampleUserMessage() {
	err := webauthn.NewError(webauthn.ErrChallengeNotFound, "§7.2 step 11", "challenge not issued, expired or already used", nil)
	fmt.Println(webauthnhttp.HTTPStatus(err), webauthnhttp.UserMessage(err))
	// Output:
	// 400 This attempt has expired or was already used. Please start again.
}
