package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/webauthnhttp"
	"github.com/passkeykit/webauthn/webauthntest"
)

// demoClient is a browser of the demo: a cookie jar and an authenticator.
type demoClient struct {
	t    *testing.T
	c    *http.Client
	url  string
	auth *webauthntest.Authenticator
}

func (d *demoClient) post(path string, body any, out any) int {
	d.t.Helper()
	b, _ := json.Marshal(body)
	res, err := d.c.Post(d.url+path, "application/json", bytes.NewReader(b))
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode == 200 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			d.t.Fatal(err)
		}
	}
	return res.StatusCode
}

// register runs register/begin and /finish for name and returns the
// finish status.
func (d *demoClient) register(name string) int {
	d.t.Helper()
	var opts ceremony.CreationOptionsJSON
	if st := d.post("/webauthn/register/begin", map[string]string{"username": name}, &opts); st != 200 {
		return st
	}
	resp, err := d.auth.Create(&opts)
	if err != nil {
		d.t.Fatal(err)
	}
	return d.post("/webauthn/register/finish", map[string]any{"username": name, "credential": json.RawMessage(resp)}, nil)
}

func newDemoClient(t *testing.T, url string) *demoClient {
	jar, _ := cookiejar.New(nil)
	return &demoClient{t: t, c: &http.Client{Jar: jar}, url: url, auth: webauthntest.New(url)}
}

// TestDemoSessions: the demo signs a browser in after its sign-up, lets
// that browser add a second passkey to its own account, and refuses another
// browser adding one to it (the webauthnhttp hooks at work).
func TestDemoSessions(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	rp := &webauthn.RelyingParty{RPID: "127.0.0.1", Origins: []string{srv.URL}}
	mux.Handle("/", webauthnhttp.NewHandler(rp, demoOptions(ceremony.ConveyanceNone, nil)))

	alice := newDemoClient(t, srv.URL)
	if st := alice.register("alice"); st != 200 {
		t.Fatalf("sign-up: %d", st)
	}
	alice.auth = webauthntest.New(srv.URL) // a second security key
	if st := alice.register("alice"); st != 200 {
		t.Fatalf("second passkey from alice's signed-in browser: %d", st)
	}
	mallory := newDemoClient(t, srv.URL)
	if st := mallory.register("alice"); st != http.StatusUnauthorized {
		t.Fatalf("a passkey for alice from another browser: %d, want 401", st)
	}
}
