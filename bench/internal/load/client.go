package load

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"time"

	"github.com/passkeykit/webauthn/bench/internal/softauthn"
)

// client is one browser: its own cookie jar (so its own session) over a
// shared transport, and the credentials it registered.
type client struct {
	hc   *http.Client
	base string
}

func newClient(base string, tr http.RoundTripper) *client {
	jar, _ := cookiejar.New(nil)
	return &client{hc: &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}, base: base}
}

// httpError is a non-200 answer.
type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string {
	return "HTTP " + strconv.Itoa(e.status) + ": " + e.body
}

// post sends body to path and returns the 200 answer; any other status is
// an *httpError.
func (c *client) post(path string, body []byte) ([]byte, error) {
	resp, err := c.hc.Post(c.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		if len(b) > 200 {
			b = b[:200]
		}
		return nil, &httpError{resp.StatusCode, string(b)}
	}
	return b, nil
}

func userBody(name string) []byte {
	b, _ := json.Marshal(map[string]string{"username": name})
	return b
}

func finishBody(name string, cred []byte) []byte {
	b := make([]byte, 0, len(cred)+len(name)+32)
	b = append(b, `{"username":`...)
	n, _ := json.Marshal(name)
	b = append(b, n...)
	b = append(b, `,"credential":`...)
	b = append(b, cred...)
	return append(b, '}')
}

var errOptions = errors.New("load: begin answer lacks a challenge or user.id")

// register runs register/begin and register/finish for name and returns
// the new credential.
func (c *client) register(name string) (*softauthn.Credential, error) {
	b, err := c.post("/webauthn/register/begin", userBody(name))
	if err != nil {
		return nil, err
	}
	var opts struct {
		Challenge string `json:"challenge"`
		User      struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(b, &opts); err != nil {
		return nil, err
	}
	challenge, err1 := base64.RawURLEncoding.DecodeString(opts.Challenge)
	handle, err2 := base64.RawURLEncoding.DecodeString(opts.User.ID)
	if err1 != nil || err2 != nil || len(challenge) == 0 || len(handle) == 0 {
		return nil, errOptions
	}
	cred, err := softauthn.New(RPID, handle)
	if err != nil {
		return nil, err
	}
	if _, err := c.post("/webauthn/register/finish", finishBody(name, cred.Register(challenge, Origin))); err != nil {
		return nil, err
	}
	return cred, nil
}

// signInResult is what a login/finish answered.
type signInResult struct {
	SignCount         uint32 `json:"signCount"`
	PreviousSignCount uint32 `json:"previousSignCount"`
	CloneSuspected    bool   `json:"cloneSuspected"`
}

// signIn runs login/begin and login/finish for name with cred; it returns
// the counter the authenticator signed with and the server's answer.
func (c *client) signIn(name string, cred *softauthn.Credential) (uint32, signInResult, error) {
	var res signInResult
	b, err := c.post("/webauthn/login/begin", userBody(name))
	if err != nil {
		return 0, res, err
	}
	var opts struct {
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(b, &opts); err != nil {
		return 0, res, err
	}
	challenge, err := base64.RawURLEncoding.DecodeString(opts.Challenge)
	if err != nil || len(challenge) == 0 {
		return 0, res, errOptions
	}
	resp, n, err := cred.Assert(challenge, Origin)
	if err != nil {
		return 0, res, err
	}
	b, err = c.post("/webauthn/login/finish", finishBody(name, resp))
	if err != nil {
		return n, res, err
	}
	return n, res, json.Unmarshal(b, &res)
}
