package cognito

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/passkeykit/webauthn"
)

// maxRequestSize is the largest request body read: the largest input of
// these operations is a registration response (the library bounds it at
// webauthn.MaxResponseSize) inside a small envelope.
const maxRequestSize = webauthn.MaxResponseSize + 16<<10

// targetPrefix is the X-Amz-Target prefix of the service (the service
// model's targetPrefix).
const targetPrefix = "AWSCognitoIdentityProviderService."

// contentType is the AWS JSON 1.1 protocol's media type.
const contentType = "application/x-amz-json-1.1"

// Options configure a Server.
type Options struct {
	// Config is the pools served. Required.
	Config *Config
	// Store keeps users, passkeys and signing keys. Required.
	Store Store
	// Challenges keeps the WebAuthn challenges between Start and Complete;
	// nil means one in-memory store for every pool (single process).
	Challenges ChallengeStore
	// BaseURL is the endpoint's URL as clients reach it, e.g.
	// "http://127.0.0.1:9229": a pool's token issuer is BaseURL/<pool ID>.
	// Required.
	BaseURL string
	// Clock is the time tokens, challenges and rate limits are judged at;
	// nil means time.Now.
	Clock func() time.Time
	// Log receives one line per failed request (exception and cause); nil
	// logs nothing.
	Log *log.Logger
}

// Server is the Cognito-compatible endpoint: an http.Handler answering the
// AWS JSON 1.1 protocol of the Amazon Cognito user pools API on POST / and
// each pool's JWKS on GET /<pool ID>/.well-known/jwks.json.
type Server struct {
	store   Store
	clock   func() time.Time
	log     *log.Logger
	pools   map[string]*pool // pool ID → pool
	clients map[string]*pool // client ID → pool
	issuers map[string]*pool // issuer → pool
}

// NewServer validates the configuration, loads (or creates) each pool's
// token signing key from the store, and returns the endpoint.
func NewServer(ctx context.Context, o Options) (*Server, error) {
	if o.Config == nil || o.Store == nil || o.BaseURL == "" {
		return nil, errors.New("cognito: Options.Config, Store and BaseURL are required")
	}
	if err := o.Config.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		store:   o.Store,
		clock:   o.Clock,
		log:     o.Log,
		pools:   map[string]*pool{},
		clients: map[string]*pool{},
		issuers: map[string]*pool{},
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	challenges := o.Challenges
	if challenges == nil {
		challenges = newMemChallenges()
	}
	base := strings.TrimRight(o.BaseURL, "/")
	for _, cfg := range o.Config.Pools {
		der, err := o.Store.SigningKey(ctx, cfg.ID, generateSigningKey, s.clock())
		if err != nil {
			return nil, fmt.Errorf("cognito: signing key of pool %s: %w", cfg.ID, err)
		}
		sg, err := newSigner(der)
		if err != nil {
			return nil, fmt.Errorf("cognito: signing key of pool %s: %w", cfg.ID, err)
		}
		p := &pool{cfg: cfg, issuer: base + "/" + cfg.ID, signer: sg}
		p.pk = newPasskeys(&p.cfg.WebAuthn, challenges, s.clock)
		s.pools[cfg.ID] = p
		s.issuers[p.issuer] = p
		for _, c := range cfg.ClientIDs {
			s.clients[c] = p
		}
	}
	return s, nil
}

// ServeHTTP answers POST / (the API) and GET /<pool>/.well-known/jwks.json.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		if id, ok := strings.CutSuffix(r.URL.Path, "/.well-known/jwks.json"); ok {
			if p := s.pools[strings.TrimPrefix(id, "/")]; p != nil {
				w.Header().Set("Content-Type", "application/json")
				w.Write(p.signer.jwks())
				return
			}
		}
		http.NotFound(w, r)
		return
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("x-amzn-RequestId", newUUID())
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if !ok {
		s.fail(w, "", apiErr(ExceptionUnknownOperation, "X-Amz-Target must be "+targetPrefix+"<Operation>"))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != contentType {
		s.fail(w, op, apiErr(ExceptionSerialization, "Content-Type must be "+contentType))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestSize+1))
	if err != nil {
		s.fail(w, op, apiErr(ExceptionSerialization, "reading the request body failed"))
		return
	}
	if len(body) > maxRequestSize {
		s.fail(w, op, apiErr(webauthn.ExceptionInvalidParameter, "request body too large"))
		return
	}
	out, err := s.call(r.Context(), op, r, body)
	if err != nil {
		s.fail(w, op, err)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.fail(w, op, internalErr("encoding the response", err))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(b)
}

// call runs operation op.
func (s *Server) call(ctx context.Context, op string, r *http.Request, body []byte) (any, error) {
	switch op {
	case "SignUp":
		return s.signUp(ctx, r, body)
	case "AdminConfirmSignUp":
		return s.adminConfirmSignUp(ctx, r, body)
	case "AdminCreateUser":
		return s.adminCreateUser(ctx, r, body)
	case "AdminSetUserPassword":
		return s.adminSetUserPassword(ctx, r, body)
	case "AdminResetUserPassword":
		return s.adminResetUserPassword(ctx, r, body)
	case "GetUser":
		return s.getUser(ctx, r, body)
	case "InitiateAuth":
		return s.initiateAuth(ctx, r, body)
	case "RespondToAuthChallenge":
		return s.respondToAuthChallenge(ctx, r, body)
	case "StartWebAuthnRegistration":
		return s.startWebAuthnRegistration(ctx, r, body)
	case "CompleteWebAuthnRegistration":
		return s.completeWebAuthnRegistration(ctx, r, body)
	case "ListWebAuthnCredentials":
		return s.listWebAuthnCredentials(ctx, r, body)
	case "DeleteWebAuthnCredential":
		return s.deleteWebAuthnCredential(ctx, r, body)
	}
	return nil, apiErr(ExceptionUnknownOperation, "operation "+op+" is not supported by this endpoint")
}

// errorBody is the AWS JSON 1.1 error body.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func (s *Server) fail(w http.ResponseWriter, op string, err error) {
	e := toAPIError(err)
	if s.log != nil {
		s.log.Printf("%s: %v", op, e)
	}
	b, _ := json.Marshal(errorBody{Type: e.Exception, Message: e.Message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-ErrorType", e.Exception)
	w.WriteHeader(StatusOf(e.Exception))
	w.Write(b)
}

// decodeInput reads an operation's input: a JSON object whose members are
// among members (exact case, each at most once), decoded into out. Anything
// else is SerializationException, as AWS JSON services answer a body that
// is not the input shape.
func decodeInput(body []byte, members []string, out any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return apiErr(ExceptionSerialization, "request body must be a JSON object")
	}
	seen := make([]bool, len(members))
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return apiErr(ExceptionSerialization, "request body is not valid JSON")
		}
		name, _ := t.(string)
		i := 0
		for i < len(members) && members[i] != name {
			i++
		}
		if i == len(members) {
			return apiErr(ExceptionSerialization, "unknown member "+name)
		}
		if seen[i] {
			return apiErr(ExceptionSerialization, "member "+name+" appears twice")
		}
		seen[i] = true
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return apiErr(ExceptionSerialization, "request body is not valid JSON")
		}
	}
	if _, err := d.Token(); err != nil {
		return apiErr(ExceptionSerialization, "request body is not valid JSON")
	}
	if _, err := d.Token(); err != io.EOF {
		return apiErr(ExceptionSerialization, "trailing data after the JSON object")
	}
	if err := json.Unmarshal(body, out); err != nil {
		return apiErr(ExceptionSerialization, "member of the wrong type: "+err.Error())
	}
	return nil
}

// missing is the InvalidParameterException of a required member that is
// absent or empty, worded as Cognito's validation errors.
func missing(member string) error {
	return apiErr(webauthn.ExceptionInvalidParameter, "1 validation error detected: Value at '"+member+"' failed to satisfy constraint: Member must not be null")
}

// poolByClient returns the pool of an app client: ResourceNotFoundException
// for an unknown client, as Cognito answers.
func (s *Server) poolByClient(clientID string) (*pool, error) {
	if clientID == "" {
		return nil, missing("clientId")
	}
	p := s.clients[clientID]
	if p == nil {
		return nil, apiErr(ExceptionResourceNotFound, "User pool client "+clientID+" does not exist.")
	}
	return p, nil
}

// poolByID returns a pool: ResourceNotFoundException when unknown.
func (s *Server) poolByID(id string) (*pool, error) {
	if id == "" {
		return nil, missing("userPoolId")
	}
	p := s.pools[id]
	if p == nil {
		return nil, apiErr(ExceptionResourceNotFound, "User pool "+id+" does not exist.")
	}
	return p, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func itoa(n int) string { return fmt.Sprint(n) }
