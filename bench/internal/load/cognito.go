package load

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/passkeykit/webauthn/bench/internal/softauthn"
)

// Cognito is the kind of the Amazon Cognito endpoint of module cognito/
// (command cognito-local), driven over its AWS JSON 1.1 protocol in a child
// process by RunCognito rather than through NewServer.
const Cognito = "cognito"

// The pool cognito-local serves for a load run.
const (
	CognitoPool   = "us-east-1_LoadPool1"
	CognitoClient = "loadclient1"
	// cognitoPassword is every load user's password (SignUp,
	// USER_PASSWORD_AUTH): the pool's default policy asks for 8 bytes.
	cognitoPassword = "Load-Passw0rd!"
)

// CognitoProc is a cognito-local process serving CognitoPool in memory
// (-memory: SQLite in memory, challenges in a ceremony.MemStore).
type CognitoProc struct {
	URL string
	cmd *exec.Cmd
	dir string
}

// CognitoDir returns the directory of the cognito module: BENCH_COGNITO_DIR,
// or the first "cognito" holding a go.mod above the working directory.
func CognitoDir() (string, error) {
	if d := os.Getenv("BENCH_COGNITO_DIR"); d != "" {
		return d, nil
	}
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		c := filepath.Join(d, "cognito")
		if _, err := os.Stat(filepath.Join(c, "go.mod")); err == nil {
			return c, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("load: no cognito module above the working directory (set BENCH_COGNITO_DIR)")
		}
		d = up
	}
}

// StartCognito builds cognito-local from the module in dir into a temporary
// directory and starts it on a free loopback port with GOMAXPROCS procs (0:
// the default), for RPID and Origin, user verification preferred.
func StartCognito(dir string, procs int) (*CognitoProc, error) {
	tmp, err := os.MkdirTemp("", "load-cognito-")
	if err != nil {
		return nil, err
	}
	exe := filepath.Join(tmp, "cognito-local")
	build := exec.Command("go", "build", "-o", exe, "./cmd/cognito-local")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("load: building cognito-local: %v\n%s", err, out)
	}
	cmd := exec.Command(exe, "-memory", "-quiet", "-addr", "127.0.0.1:0", "-pool-id", CognitoPool, "-client-id", CognitoClient,
		"-rp-id", RPID, "-origins", Origin, "-user-verification", "preferred")
	cmd.Env = os.Environ()
	if procs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	p := &CognitoProc{cmd: cmd, dir: tmp}
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	const prefix = "cognito-local listening on "
	if err != nil || !strings.HasPrefix(line, prefix) {
		p.Stop()
		return nil, fmt.Errorf("load: cognito-local printed %q: %v", line, err)
	}
	p.URL = strings.TrimSpace(strings.TrimPrefix(line, prefix))
	go io.Copy(io.Discard, r) // the pool lines; the pipe must not fill
	return p, nil
}

// CPU returns the process's CPU time so far (10 ms resolution).
func (p *CognitoProc) CPU() time.Duration { return procCPU(p.cmd.Process.Pid) }

// Stop kills the process and removes its executable.
func (p *CognitoProc) Stop() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
	os.RemoveAll(p.dir)
}

// cognitoUser is one account of a Cognito run as the clients know it.
type cognitoUser struct {
	user
	token string // an access token (USER_PASSWORD_AUTH), for the final listing
	// answered is the highest counter of a sign-in whose acceptance the
	// client has received; mu guards refused.
	answered atomic.Uint32
	mu       sync.Mutex
	refused  []uint32 // counters of refused sign-ins (contention only)
}

// awsCall posts in to the AWS JSON 1.1 operation op and decodes the 200
// answer into out; another status is an *httpError with the body (its
// __type names the exception).
func awsCall(hc *http.Client, base, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, base+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		if len(b) > 200 {
			b = b[:200]
		}
		return &httpError{resp.StatusCode, op + ": " + string(b)}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

type authResult struct {
	AuthenticationResult struct {
		AccessToken string
	}
	ChallengeName       string
	Session             string
	ChallengeParameters map[string]string
}

// cognitoRegister signs name up with a password, confirms it, signs in
// with the password, and registers a passkey (Start/Complete
// WebAuthnRegistration); it returns the credential and the access token.
func cognitoRegister(hc *http.Client, base, name string) (*softauthn.Credential, string, error) {
	if err := awsCall(hc, base, "SignUp", map[string]string{"ClientId": CognitoClient, "Username": name, "Password": cognitoPassword}, nil); err != nil {
		return nil, "", err
	}
	if err := awsCall(hc, base, "AdminConfirmSignUp", map[string]string{"UserPoolId": CognitoPool, "Username": name}, nil); err != nil {
		return nil, "", err
	}
	var auth authResult
	if err := awsCall(hc, base, "InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CognitoClient,
		"AuthParameters": map[string]string{"USERNAME": name, "PASSWORD": cognitoPassword}}, &auth); err != nil {
		return nil, "", err
	}
	token := auth.AuthenticationResult.AccessToken
	if token == "" {
		return nil, "", errors.New("load: USER_PASSWORD_AUTH answered no access token")
	}
	var start struct {
		CredentialCreationOptions struct {
			Challenge string `json:"challenge"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
		}
	}
	if err := awsCall(hc, base, "StartWebAuthnRegistration", map[string]string{"AccessToken": token}, &start); err != nil {
		return nil, "", err
	}
	challenge, err1 := base64.RawURLEncoding.DecodeString(start.CredentialCreationOptions.Challenge)
	handle, err2 := base64.RawURLEncoding.DecodeString(start.CredentialCreationOptions.User.ID)
	if err1 != nil || err2 != nil || len(challenge) == 0 || len(handle) == 0 {
		return nil, "", errOptions
	}
	cred, err := softauthn.New(RPID, handle)
	if err != nil {
		return nil, "", err
	}
	in := map[string]any{"AccessToken": token, "Credential": json.RawMessage(cred.Register(challenge, Origin))}
	if err := awsCall(hc, base, "CompleteWebAuthnRegistration", in, nil); err != nil {
		return nil, "", err
	}
	return cred, token, nil
}

// cognitoSignIn signs name in with cred: InitiateAuth USER_AUTH with
// PREFERRED_CHALLENGE WEB_AUTHN, then RespondToAuthChallenge WEB_AUTHN. It
// returns the counter the authenticator signed with; before is called just
// before the assertion is sent.
func cognitoSignIn(hc *http.Client, base, name string, cred *softauthn.Credential, before func()) (uint32, error) {
	var auth authResult
	if err := awsCall(hc, base, "InitiateAuth", map[string]any{"AuthFlow": "USER_AUTH", "ClientId": CognitoClient,
		"AuthParameters": map[string]string{"USERNAME": name, "PREFERRED_CHALLENGE": "WEB_AUTHN"}}, &auth); err != nil {
		return 0, err
	}
	if auth.ChallengeName != "WEB_AUTHN" || auth.Session == "" {
		return 0, fmt.Errorf("load: USER_AUTH answered challenge %q", auth.ChallengeName)
	}
	var opts struct {
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal([]byte(auth.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), &opts); err != nil {
		return 0, err
	}
	challenge, err := base64.RawURLEncoding.DecodeString(opts.Challenge)
	if err != nil || len(challenge) == 0 {
		return 0, errOptions
	}
	resp, n, err := cred.Assert(challenge, Origin)
	if err != nil {
		return 0, err
	}
	before()
	var done authResult
	if err := awsCall(hc, base, "RespondToAuthChallenge", map[string]any{"ClientId": CognitoClient, "ChallengeName": "WEB_AUTHN", "Session": auth.Session,
		"ChallengeResponses": map[string]string{"USERNAME": name, "CREDENTIAL": string(resp)}}, &done); err != nil {
		return n, err
	}
	if done.AuthenticationResult.AccessToken == "" {
		return n, errors.New("load: RespondToAuthChallenge answered no access token")
	}
	return n, nil
}

// RunCognito is Run against cognito-local at cfg.BaseURL (cfg.ServerCPU
// reading its CPU): each user signs up, is confirmed, signs in with its
// password and registers a passkey; then passkey sign-ins; then the
// invariants. Cognito's API exposes no signature counter
// (ListWebAuthnCredentials has none), so the counter is checked through
// what the endpoint accepts: without contention every sign-in must be
// accepted (each counter is above the last accepted one); with contention
// a sign-in whose counter is not above one the server already accepted
// and answered must be refused, and every refusal must be justified by an
// accepted counter at least as high (§7.2 step 22; cognito-local refuses
// regressions). After the run, ListWebAuthnCredentials must list each
// user's one passkey.
func RunCognito(cfg Config) (*Result, error) {
	if cfg.SignIns <= 0 && cfg.Duration <= 0 {
		return nil, errors.New("load: set SignIns or Duration")
	}
	if cfg.Users <= 0 || cfg.Clients <= 0 {
		return nil, errors.New("load: Users and Clients must be positive")
	}
	if !cfg.Contend && cfg.Users < cfg.Clients {
		return nil, errors.New("load: fewer users than clients: each client needs a user of its own (or Contend)")
	}
	res := &Result{Config: cfg, Status: map[int]int{}}
	tr := &http.Transport{MaxIdleConns: 2*cfg.Clients + 8, MaxIdleConnsPerHost: 2*cfg.Clients + 8, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	users := make([]*cognitoUser, cfg.Users)
	for i := range users {
		users[i] = &cognitoUser{user: user{name: cfg.NamePrefix + "user" + strconv.Itoa(i)}}
	}
	err := res.Register.measure(tr, cfg, res, func(k int, w *worker) {
		for i := k; i < len(users); i += cfg.Clients {
			u := users[i]
			t := time.Now()
			cred, token, err := cognitoRegister(hc, cfg.BaseURL, u.name)
			if err != nil {
				w.fail(err)
				w.viol = append(w.viol, "registration of "+u.name+" refused: "+err.Error())
				continue
			}
			w.lat = append(w.lat, time.Since(t))
			u.cred, u.token = cred, token
		}
	})
	if err != nil {
		return nil, err
	}
	var live []*cognitoUser
	for _, u := range users {
		if u.cred != nil {
			live = append(live, u)
		}
	}
	if len(live) > 0 {
		var left atomic.Int64
		left.Store(int64(cfg.SignIns))
		deadline := time.Now().Add(cfg.Duration)
		more := func() bool {
			if cfg.SignIns > 0 {
				return left.Add(-1) >= 0
			}
			return time.Now().Before(deadline)
		}
		err = res.SignIn.measure(tr, cfg, res, func(k int, w *worker) {
			var own []*cognitoUser
			for i := k; i < len(live); i += cfg.Clients {
				own = append(own, live[i])
			}
			rng := rand.New(rand.NewPCG(uint64(k), 21))
			for j := 0; more(); j++ {
				var u *cognitoUser
				if cfg.Contend {
					u = live[rng.IntN(len(live))]
				} else {
					if len(own) == 0 {
						return
					}
					u = own[j%len(own)]
				}
				var seen uint32
				t := time.Now()
				n, err := cognitoSignIn(hc, cfg.BaseURL, u.name, u.cred, func() { seen = u.answered.Load() })
				if err != nil {
					w.fail(err)
					if he := (*httpError)(nil); cfg.Contend && n != 0 && errors.As(err, &he) && he.status == http.StatusBadRequest &&
						strings.Contains(he.body, `"NotAuthorizedException"`) {
						u.mu.Lock()
						u.refused = append(u.refused, n) // judged after the run
						u.mu.Unlock()
						continue
					}
					w.viol = append(w.viol, fmt.Sprintf("valid sign-in of %s (counter %d) refused: %v", u.name, n, err))
					continue
				}
				w.lat = append(w.lat, time.Since(t))
				if n <= seen {
					w.viol = append(w.viol, fmt.Sprintf("sign-in of %s with counter %d accepted after the server had accepted and answered counter %d: the stored counter went backwards", u.name, n, seen))
				}
				for {
					a := u.answered.Load()
					if n <= a || u.answered.CompareAndSwap(a, n) {
						break
					}
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	for _, u := range live {
		for _, n := range u.refused {
			if n > u.answered.Load() {
				res.violate("sign-in of %s with counter %d refused, and no accepted sign-in had a counter as high (highest %d)", u.name, n, u.answered.Load())
			}
		}
		var list struct {
			Credentials []struct{ CredentialId string }
		}
		if err := awsCall(hc, cfg.BaseURL, "ListWebAuthnCredentials", map[string]string{"AccessToken": u.token}, &list); err != nil {
			res.violate("ListWebAuthnCredentials of %s failed: %v", u.name, err)
			continue
		}
		id := base64.RawURLEncoding.EncodeToString(u.cred.ID)
		if len(list.Credentials) != 1 || list.Credentials[0].CredentialId != id {
			res.violate("user %s lists %d passkeys, want exactly the one registered (%s)", u.name, len(list.Credentials), id)
		}
	}
	for s, n := range res.Status {
		if s >= 500 || s == 0 {
			res.violate("%d answers with status %d (0: no answer)", n, s)
		}
	}
	return res, nil
}
