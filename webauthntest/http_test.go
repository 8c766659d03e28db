package webauthntest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/webauthnhttp"
	"github.com/passkeykit/webauthn/webauthntest"
)

// browser posts to a Handler as one browser does: it keeps the session
// cookie between requests.
type browser struct {
	t      *testing.T
	h      http.Handler
	cookie []*http.Cookie
}

func (b *browser) post(path string, body any) (int, []byte) {
	b.t.Helper()
	js, err := json.Marshal(body)
	if err != nil {
		b.t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(js))
	for _, c := range b.cookie {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	if c := w.Result().Cookies(); len(c) > 0 {
		b.cookie = c
	}
	out, _ := io.ReadAll(w.Result().Body)
	return w.Code, out
}

// ceremony runs begin, the authenticator, and finish; it returns finish's
// status and body.
func (b *browser) ceremony(kind, name string, answer func(opts []byte) ([]byte, error)) (int, []byte, error) {
	b.t.Helper()
	code, opts := b.post("/webauthn/"+kind+"/begin", map[string]string{"username": name})
	if code != http.StatusOK {
		b.t.Fatalf("%s/begin: %d %s", kind, code, opts)
	}
	resp, err := answer(opts)
	if err != nil {
		return 0, nil, err
	}
	code, out := b.post("/webauthn/"+kind+"/finish", map[string]any{"username": name, "credential": json.RawMessage(resp)})
	return code, out, nil
}

func register(a *webauthntest.Authenticator) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		var o ceremony.CreationOptionsJSON
		if err := json.Unmarshal(b, &o); err != nil {
			return nil, err
		}
		return a.Create(&o)
	}
}

func signIn(a *webauthntest.Authenticator) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		var o ceremony.RequestOptionsJSON
		if err := json.Unmarshal(b, &o); err != nil {
			return nil, err
		}
		return a.Get(&o, nil)
	}
}

// TestHandler signs up, signs in by name and without one, through
// webauthnhttp.Handler over HTTP, and sees the hooks run.
func TestHandler(t *testing.T) {
	rp := &webauthn.RelyingParty{RPID: rpID, Origins: []string{origin}}
	var events []string
	h := webauthnhttp.NewHandler(rp, &webauthnhttp.HandlerOptions{
		Logger: slog.New(slog.DiscardHandler),
		OnRegistered: func(w http.ResponseWriter, r *http.Request, a *webauthnhttp.Account, reg *webauthn.Registration) error {
			events = append(events, "registered "+a.Name)
			return nil
		},
		OnSignedIn: func(w http.ResponseWriter, r *http.Request, a *webauthnhttp.Account, as *webauthn.Assertion) error {
			events = append(events, "signed in "+a.Name)
			return nil
		},
	})
	a := webauthntest.New(origin)
	b := &browser{t: t, h: h}
	code, body, err := b.ceremony("register", "alice", register(a))
	if err != nil || code != http.StatusOK {
		t.Fatalf("register: %d %s %v", code, body, err)
	}
	var rs webauthnhttp.RegistrationSummary
	if err := json.Unmarshal(body, &rs); err != nil || rs.Format != "none" || rs.Algorithm != "ES256" || rs.ResidentKey == nil || !*rs.ResidentKey {
		t.Fatalf("registration summary %s (%v)", body, err)
	}
	for i, name := range []string{"alice", ""} {
		code, body, err := b.ceremony("login", name, signIn(a))
		if err != nil || code != http.StatusOK {
			t.Fatalf("login %q: %d %s %v", name, code, body, err)
		}
		var as webauthnhttp.AssertionSummary
		if err := json.Unmarshal(body, &as); err != nil || as.User != "alice" || as.SignCount != uint32(i+1) || as.PreviousSignCount != uint32(i) {
			t.Fatalf("assertion summary %s (%v)", body, err)
		}
	}
	want := []string{"registered alice", "signed in alice", "signed in alice"}
	if len(events) != len(want) {
		t.Fatalf("hooks ran %q, want %q", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Fatalf("hooks ran %q, want %q", events, want)
		}
	}
	// A name without an account: the fictitious descriptor names no
	// credential this authenticator holds, as for a real one.
	if _, _, err := b.ceremony("login", "mallory", signIn(a)); !errors.Is(err, webauthntest.ErrNoCredential) {
		t.Fatalf("login as an unknown name: %v", err)
	}
	// A second sign-up for the taken name is refused at begin (no
	// CanRegister).
	other := &browser{t: t, h: h}
	code, body = other.post("/webauthn/register/begin", map[string]string{"username": "alice"})
	var e webauthnhttp.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil || code != http.StatusUnauthorized || e.Exception != webauthn.ExceptionNotAuthorized {
		t.Fatalf("second sign-up for alice: %d %s", code, body)
	}
}
