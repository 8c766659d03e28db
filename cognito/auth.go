package cognito

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/passkeykit/webauthn"
)

// Challenge names (ChallengeNameType) this endpoint issues or answers.
const (
	challengeSelect      = "SELECT_CHALLENGE"
	challengeWebAuthn    = "WEB_AUTHN"
	challengePassword    = "PASSWORD"
	challengeNewPassword = "NEW_PASSWORD_REQUIRED"
)

type initiateAuthInput struct {
	AuthFlow          string
	AuthParameters    map[string]string
	ClientMetadata    map[string]string
	ClientId          string
	AnalyticsMetadata map[string]string
	UserContextData   map[string]string
	Session           string
}

var initiateAuthMembers = []string{"AuthFlow", "AuthParameters", "ClientMetadata", "ClientId", "AnalyticsMetadata", "UserContextData", "Session"}

// authResult is AuthenticationResultType.
type authResult struct {
	AccessToken  string
	ExpiresIn    int64
	TokenType    string
	RefreshToken string `json:",omitempty"`
	IdToken      string
}

// authOutput is the output of InitiateAuth and RespondToAuthChallenge.
type authOutput struct {
	ChallengeName        string            `json:",omitempty"`
	Session              string            `json:",omitempty"`
	ChallengeParameters  map[string]string `json:",omitempty"`
	AuthenticationResult *authResult       `json:",omitempty"`
	AvailableChallenges  []string          `json:",omitempty"`
}

var (
	errIncorrectPassword = apiErr(webauthn.ExceptionNotAuthorized, "Incorrect username or password.")
	errUserNotConfirmed  = apiErr(ExceptionUserNotConfirmed, "User is not confirmed.")
)

func missingParameter(name string) error {
	return apiErr(webauthn.ExceptionInvalidParameter, "Missing required parameter "+name)
}

// initiateAuth is InitiateAuth with USER_PASSWORD_AUTH, USER_AUTH and
// REFRESH_TOKEN_AUTH (or REFRESH_TOKEN). Other flows (SRP, custom) are
// InvalidParameterException.
func (s *Server) initiateAuth(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in initiateAuthInput
	if err := decodeInput(body, initiateAuthMembers, &in); err != nil {
		return nil, err
	}
	p, err := s.poolByClient(in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := p.admit("InitiateAuth", r, s.now()); err != nil {
		return nil, err
	}
	if in.AuthParameters["SECRET_HASH"] != "" {
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "Client "+in.ClientId+" is configured without a secret.")
	}
	switch in.AuthFlow {
	case "USER_PASSWORD_AUTH":
		u, err := s.signInUser(ctx, p, in.AuthParameters["USERNAME"])
		if err != nil {
			return nil, err
		}
		return s.passwordSignIn(ctx, p, u, in.ClientId, in.AuthParameters["PASSWORD"])
	case "USER_AUTH":
		u, err := s.signInUser(ctx, p, in.AuthParameters["USERNAME"])
		if err != nil {
			return nil, err
		}
		available, err := s.availableChallenges(ctx, p, u)
		if err != nil {
			return nil, err
		}
		switch pref := in.AuthParameters["PREFERRED_CHALLENGE"]; pref {
		case "":
		case challengeWebAuthn:
			if contains(available, challengeWebAuthn) {
				return s.startPasskeySignIn(ctx, p, u, in.ClientId)
			}
		case challengePassword:
			if pw := in.AuthParameters["PASSWORD"]; pw != "" && contains(available, challengePassword) {
				return s.passwordSignIn(ctx, p, u, in.ClientId, pw)
			}
		default:
			return nil, apiErr(webauthn.ExceptionInvalidParameter, "PREFERRED_CHALLENGE "+pref+" is not supported by this endpoint")
		}
		return s.challenge(p, u, in.ClientId, challengeSelect, nil, available)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return s.refresh(ctx, p, in.ClientId, in.AuthParameters["REFRESH_TOKEN"])
	case "":
		return nil, missing("authFlow")
	}
	return nil, apiErr(webauthn.ExceptionInvalidParameter, "AuthFlow "+in.AuthFlow+" is not supported by this endpoint")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// signInUser returns the user signing in: NotAuthorizedException for an
// unknown user (as a pool that prevents user existence errors answers),
// UserNotConfirmedException, and checkUserState.
func (s *Server) signInUser(ctx context.Context, p *pool, username string) (*UserRecord, error) {
	if username == "" {
		return nil, missingParameter("USERNAME")
	}
	u, err := s.store.User(ctx, p.cfg.ID, username)
	if errors.Is(err, ErrNotFound) {
		return nil, errIncorrectPassword
	} else if err != nil {
		return nil, internalErr("reading the user", err)
	}
	if err := checkUserState(u); err != nil {
		return nil, err
	}
	if u.Status == StatusUnconfirmed {
		return nil, errUserNotConfirmed
	}
	return u, nil
}

// passwordSignIn checks the password and answers tokens, or the
// NEW_PASSWORD_REQUIRED challenge for a FORCE_CHANGE_PASSWORD user.
func (s *Server) passwordSignIn(ctx context.Context, p *pool, u *UserRecord, clientID, password string) (any, error) {
	if password == "" {
		return nil, missingParameter("PASSWORD")
	}
	ok, err := checkPassword(u.PasswordHash, password)
	if err != nil {
		return nil, internalErr("checking the password", err)
	}
	if !ok {
		return nil, errIncorrectPassword
	}
	if u.Status == StatusForceChangePassword {
		return s.challenge(p, u, clientID, challengeNewPassword, map[string]string{"USER_ID_FOR_SRP": u.Username, "requiredAttributes": "[]", "userAttributes": "{}"}, nil)
	}
	return s.tokens(p, u, clientID, true)
}

// availableChallenges are the first factors u can use: PASSWORD when u has
// a password, WEB_AUTHN when the pool has passkeys on and u has one.
func (s *Server) availableChallenges(ctx context.Context, p *pool, u *UserRecord) ([]string, error) {
	var out []string
	if u.PasswordHash != "" {
		out = append(out, challengePassword)
	}
	if p.cfg.WebAuthn.Enabled && p.cfg.WebAuthn.RPID != "" {
		creds, err := s.store.Credentials(ctx, p.cfg.ID, u.Sub, nil, 1)
		if err != nil {
			return nil, internalErr("reading the passkeys", err)
		}
		if len(creds) > 0 {
			out = append(out, challengeWebAuthn)
		}
	}
	return out, nil
}

// challenge answers a challenge with a new session for it.
func (s *Server) challenge(p *pool, u *UserRecord, clientID, name string, params map[string]string, available []string) (any, error) {
	return s.challengeSession(p, u, clientID, name, params, available, newUUID())
}

// challengeSession is challenge with the Session token's JTI given: the
// WEB_AUTHN challenge's ceremony is bound to it (ceremonyClient).
func (s *Server) challengeSession(p *pool, u *UserRecord, clientID, name string, params map[string]string, available []string, jti string) (any, error) {
	now := s.now()
	session, err := p.signer.sign(&claims{Iss: p.issuer, ClientID: clientID, Sub: u.Sub, Username: u.Username, TokenUse: useSession,
		Stage: name, Iat: now.Unix(), Exp: now.Add(p.sessionValidity()).Unix(), JTI: jti})
	if err != nil {
		return nil, internalErr("signing the session", err)
	}
	if params == nil {
		params = map[string]string{}
	}
	return &authOutput{ChallengeName: name, Session: session, ChallengeParameters: params, AvailableChallenges: available}, nil
}

// tokens answers the AuthenticationResult of a completed sign-in: access
// and ID tokens, and a refresh token unless this is a refresh.
func (s *Server) tokens(p *pool, u *UserRecord, clientID string, withRefresh bool) (any, error) {
	now := s.now()
	exp := now.Add(p.accessValidity()).Unix()
	origin, event := newUUID(), newUUID()
	access, err := p.signer.sign(&claims{Sub: u.Sub, Iss: p.issuer, ClientID: clientID, OriginJTI: origin, EventID: event, TokenUse: useAccess,
		Scope: ScopeUserAdmin, AuthTime: now.Unix(), Exp: exp, Iat: now.Unix(), JTI: newUUID(), Username: u.Username})
	if err != nil {
		return nil, internalErr("signing the access token", err)
	}
	idc := &claims{Sub: u.Sub, Iss: p.issuer, Aud: clientID, OriginJTI: origin, EventID: event, TokenUse: useID, AuthTime: now.Unix(),
		Exp: exp, Iat: now.Unix(), JTI: newUUID(), CognitoUsername: u.Username}
	for _, a := range u.Attributes {
		if a.Name == "email" {
			idc.Email = a.Value
		}
		if a.Name == "email_verified" {
			v := a.Value == "true"
			idc.EmailVerified = &v
		}
	}
	id, err := p.signer.sign(idc)
	if err != nil {
		return nil, internalErr("signing the ID token", err)
	}
	res := &authResult{AccessToken: access, ExpiresIn: int64(p.accessValidity() / time.Second), TokenType: "Bearer", IdToken: id}
	if withRefresh {
		res.RefreshToken, err = p.signer.sign(&claims{Sub: u.Sub, Iss: p.issuer, ClientID: clientID, OriginJTI: origin, TokenUse: useRefresh,
			Iat: now.Unix(), Exp: now.Add(p.refreshValidity()).Unix(), JTI: newUUID(), Username: u.Username})
		if err != nil {
			return nil, internalErr("signing the refresh token", err)
		}
	}
	return &authOutput{ChallengeParameters: map[string]string{}, AuthenticationResult: res}, nil
}

// refresh is REFRESH_TOKEN_AUTH: new access and ID tokens for a refresh
// token issued to the same client.
func (s *Server) refresh(ctx context.Context, p *pool, clientID, token string) (any, error) {
	if token == "" {
		return nil, missingParameter("REFRESH_TOKEN")
	}
	parts, c, ok := tokenParts(token)
	if !ok {
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid Refresh Token")
	}
	if err := p.checkToken(parts, c, useRefresh, s.now()); err != nil {
		return nil, err
	}
	if c.ClientID != clientID {
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid Refresh Token")
	}
	u, err := s.store.UserBySub(ctx, p.cfg.ID, c.Sub)
	if errors.Is(err, ErrNotFound) {
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid Refresh Token")
	} else if err != nil {
		return nil, internalErr("reading the user", err)
	}
	if err := checkUserState(u); err != nil {
		return nil, err
	}
	return s.tokens(p, u, clientID, false)
}

type respondInput struct {
	ClientId           string
	ChallengeName      string
	Session            string
	ChallengeResponses map[string]string
	AnalyticsMetadata  map[string]string
	UserContextData    map[string]string
	ClientMetadata     map[string]string
}

var respondMembers = []string{"ClientId", "ChallengeName", "Session", "ChallengeResponses", "AnalyticsMetadata", "UserContextData", "ClientMetadata"}

// respondToAuthChallenge is RespondToAuthChallenge for SELECT_CHALLENGE
// (ANSWER WEB_AUTHN or PASSWORD), WEB_AUTHN (CREDENTIAL) and
// NEW_PASSWORD_REQUIRED (NEW_PASSWORD). The Session must be the one issued
// for that challenge, to that client, for that USERNAME, and unexpired.
func (s *Server) respondToAuthChallenge(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in respondInput
	if err := decodeInput(body, respondMembers, &in); err != nil {
		return nil, err
	}
	p, err := s.poolByClient(in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := p.admit("RespondToAuthChallenge", r, s.now()); err != nil {
		return nil, err
	}
	if in.ChallengeName == "" {
		return nil, missing("challengeName")
	}
	if in.Session == "" {
		return nil, missing("session")
	}
	username := in.ChallengeResponses["USERNAME"]
	if username == "" {
		return nil, missingParameter("USERNAME")
	}
	parts, c, ok := tokenParts(in.Session)
	if !ok {
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid session for the user.")
	}
	if err := p.checkToken(parts, c, useSession, s.now()); err != nil {
		return nil, err
	}
	if c.ClientID != in.ClientId || c.Stage != in.ChallengeName || c.Username != username {
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid session for the user.")
	}
	u, err := s.signInUser(ctx, p, username)
	if err != nil {
		return nil, err
	}
	if u.Sub != c.Sub {
		// The username now names another user than the session's.
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid session for the user.")
	}
	switch in.ChallengeName {
	case challengeSelect:
		available, err := s.availableChallenges(ctx, p, u)
		if err != nil {
			return nil, err
		}
		switch answer := in.ChallengeResponses["ANSWER"]; {
		case answer == "":
			return nil, missingParameter("ANSWER")
		case !contains(available, answer):
			return nil, apiErr(webauthn.ExceptionInvalidParameter, "ANSWER "+answer+" is not one of the available challenges")
		case answer == challengeWebAuthn:
			return s.startPasskeySignIn(ctx, p, u, in.ClientId)
		default:
			return s.passwordSignIn(ctx, p, u, in.ClientId, in.ChallengeResponses["PASSWORD"])
		}
	case challengeWebAuthn:
		cred := in.ChallengeResponses["CREDENTIAL"]
		if cred == "" {
			return nil, missingParameter("CREDENTIAL")
		}
		if err := s.finishPasskeySignIn(ctx, p, u, in.ClientId, c.JTI, []byte(cred)); err != nil {
			return nil, err
		}
		return s.tokens(p, u, in.ClientId, true)
	case challengeNewPassword:
		pw := in.ChallengeResponses["NEW_PASSWORD"]
		if pw == "" {
			return nil, missingParameter("NEW_PASSWORD")
		}
		if msg := passwordPolicyError(p, pw); msg != "" {
			return nil, apiErr(ExceptionInvalidPassword, msg)
		}
		hash, err := hashPassword(pw)
		if err != nil {
			return nil, internalErr("hashing the password", err)
		}
		if err := s.store.UpdateUser(ctx, p.cfg.ID, u.Username, StatusForceChangePassword, StatusConfirmed, hash, s.now()); errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
			return nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid session for the user.")
		} else if err != nil {
			return nil, internalErr("updating the user", err)
		}
		return s.tokens(p, u, in.ClientId, true)
	}
	return nil, apiErr(webauthn.ExceptionInvalidParameter, "ChallengeName "+in.ChallengeName+" is not supported by this endpoint")
}
