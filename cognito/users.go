package cognito

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/passkeykit/webauthn"
)

// maxUsernameLength is the service model's UsernameType maximum.
const maxUsernameLength = 128

// epochSeconds is a timestamp as the AWS JSON protocols write it: seconds
// since the Unix epoch, a JSON number with a fractional part.
type epochSeconds time.Time

// MarshalJSON writes the seconds with millisecond precision.
func (t epochSeconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(time.Time(t).UnixMilli())/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads seconds since the epoch.
func (t *epochSeconds) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*t = epochSeconds(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}

// userNotFound is Cognito's answer for an unknown user in admin operations.
var userNotFound = apiErr(ExceptionUserNotFound, "User does not exist.")

func (s *Server) now() time.Time { return s.clock() }

// checkUsername validates a Username member.
func checkUsername(name string) error {
	if name == "" {
		return missing("username")
	}
	if utf8.RuneCountInString(name) > maxUsernameLength || !utf8.ValidString(name) {
		return apiErr(webauthn.ExceptionInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128")
	}
	return nil
}

// checkAttributes validates UserAttributes: names 1 to 32 characters, not
// sub (Cognito sets it), each at most once.
func checkAttributes(attrs []Attribute) error {
	for i, a := range attrs {
		if a.Name == "" || len(a.Name) > 32 {
			return apiErr(webauthn.ExceptionInvalidParameter, "Invalid attribute name")
		}
		if a.Name == "sub" {
			return apiErr(webauthn.ExceptionInvalidParameter, "Cannot modify the non-mutable attribute sub")
		}
		for _, b := range attrs[:i] {
			if b.Name == a.Name {
				return apiErr(webauthn.ExceptionInvalidParameter, "Duplicate attribute "+a.Name)
			}
		}
	}
	return nil
}

func userAttributes(u *UserRecord) []Attribute {
	return append([]Attribute{{Name: "sub", Value: u.Sub}}, u.Attributes...)
}

type signUpInput struct {
	ClientId          string
	SecretHash        string
	Username          string
	Password          string
	UserAttributes    []Attribute
	ValidationData    []Attribute
	AnalyticsMetadata map[string]string
	UserContextData   map[string]string
	ClientMetadata    map[string]string
}

var signUpMembers = []string{"ClientId", "SecretHash", "Username", "Password", "UserAttributes", "ValidationData", "AnalyticsMetadata", "UserContextData", "ClientMetadata"}

type signUpOutput struct {
	UserConfirmed bool
	UserSub       string
}

// signUp is SignUp: a new UNCONFIRMED user with a password.
func (s *Server) signUp(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in signUpInput
	if err := decodeInput(body, signUpMembers, &in); err != nil {
		return nil, err
	}
	p, err := s.poolByClient(in.ClientId)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := p.admit("SignUp", r, now); err != nil {
		return nil, err
	}
	if in.SecretHash != "" {
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "Client "+in.ClientId+" is configured without a secret.")
	}
	if err := checkUsername(in.Username); err != nil {
		return nil, err
	}
	if in.Password == "" {
		return nil, missing("password")
	}
	if msg := passwordPolicyError(p, in.Password); msg != "" {
		return nil, apiErr(ExceptionInvalidPassword, msg)
	}
	if err := checkAttributes(in.UserAttributes); err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, internalErr("hashing the password", err)
	}
	u := &UserRecord{Pool: p.cfg.ID, Username: in.Username, Sub: newUUID(), PasswordHash: hash, Status: StatusUnconfirmed,
		Enabled: true, Attributes: in.UserAttributes, Created: now, Modified: now}
	if err := s.store.CreateUser(ctx, u); errors.Is(err, ErrExists) {
		return nil, apiErr(ExceptionUsernameExists, "User already exists")
	} else if err != nil {
		return nil, internalErr("storing the user", err)
	}
	return &signUpOutput{UserConfirmed: false, UserSub: u.Sub}, nil
}

type adminUserInput struct {
	UserPoolId     string
	Username       string
	ClientMetadata map[string]string
}

var adminUserMembers = []string{"UserPoolId", "Username", "ClientMetadata"}

// adminPool resolves and admits the pool of an admin operation. Admin
// operations are signed with IAM credentials in Cognito; this endpoint
// accepts any signature (see the README's security note).
func (s *Server) adminPool(op, poolID, username string, r *http.Request) (*pool, error) {
	p, err := s.poolByID(poolID)
	if err != nil {
		return nil, err
	}
	if err := p.admit(op, r, s.now()); err != nil {
		return nil, err
	}
	return p, checkUsername(username)
}

// adminConfirmSignUp is AdminConfirmSignUp: UNCONFIRMED to CONFIRMED.
func (s *Server) adminConfirmSignUp(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in adminUserInput
	if err := decodeInput(body, adminUserMembers, &in); err != nil {
		return nil, err
	}
	p, err := s.adminPool("AdminConfirmSignUp", in.UserPoolId, in.Username, r)
	if err != nil {
		return nil, err
	}
	switch err := s.store.UpdateUser(ctx, p.cfg.ID, in.Username, StatusUnconfirmed, StatusConfirmed, "", s.now()); {
	case errors.Is(err, ErrNotFound):
		return nil, userNotFound
	case errors.Is(err, ErrConflict):
		u, err := s.store.User(ctx, p.cfg.ID, in.Username)
		if err != nil {
			return nil, internalErr("reading the user", err)
		}
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "User cannot be confirmed. Current status is "+u.Status)
	case err != nil:
		return nil, internalErr("updating the user", err)
	}
	return struct{}{}, nil
}

type adminCreateUserInput struct {
	UserPoolId             string
	Username               string
	UserAttributes         []Attribute
	ValidationData         []Attribute
	TemporaryPassword      string
	ForceAliasCreation     bool
	MessageAction          string
	DesiredDeliveryMediums []string
	ClientMetadata         map[string]string
}

var adminCreateUserMembers = []string{"UserPoolId", "Username", "UserAttributes", "ValidationData", "TemporaryPassword", "ForceAliasCreation", "MessageAction", "DesiredDeliveryMediums", "ClientMetadata"}

// userType is the service model's UserType.
type userType struct {
	Username             string
	Attributes           []Attribute
	UserCreateDate       epochSeconds
	UserLastModifiedDate epochSeconds
	Enabled              bool
	UserStatus           string
}

// adminCreateUser is AdminCreateUser: a FORCE_CHANGE_PASSWORD user with a
// temporary password (a random one when none is given; nothing is sent).
// MessageAction RESEND is refused: this endpoint delivers no messages.
func (s *Server) adminCreateUser(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in adminCreateUserInput
	if err := decodeInput(body, adminCreateUserMembers, &in); err != nil {
		return nil, err
	}
	p, err := s.adminPool("AdminCreateUser", in.UserPoolId, in.Username, r)
	if err != nil {
		return nil, err
	}
	switch in.MessageAction {
	case "", "SUPPRESS":
	default:
		return nil, apiErr(webauthn.ExceptionInvalidParameter, "MessageAction "+in.MessageAction+" is not supported: this endpoint delivers no messages")
	}
	if err := checkAttributes(in.UserAttributes); err != nil {
		return nil, err
	}
	temp := in.TemporaryPassword
	if temp == "" {
		var b [24]byte
		rand.Read(b[:])
		temp = base64.RawURLEncoding.EncodeToString(b[:])
	} else if msg := passwordPolicyError(p, temp); msg != "" {
		return nil, apiErr(ExceptionInvalidPassword, msg)
	}
	hash, err := hashPassword(temp)
	if err != nil {
		return nil, internalErr("hashing the password", err)
	}
	now := s.now()
	u := &UserRecord{Pool: p.cfg.ID, Username: in.Username, Sub: newUUID(), PasswordHash: hash, Status: StatusForceChangePassword,
		Enabled: true, Attributes: in.UserAttributes, Created: now, Modified: now}
	if err := s.store.CreateUser(ctx, u); errors.Is(err, ErrExists) {
		return nil, apiErr(ExceptionUsernameExists, "User account already exists")
	} else if err != nil {
		return nil, internalErr("storing the user", err)
	}
	return struct{ User userType }{userType{Username: u.Username, Attributes: userAttributes(u), UserCreateDate: epochSeconds(now),
		UserLastModifiedDate: epochSeconds(now), Enabled: true, UserStatus: u.Status}}, nil
}

type adminSetUserPasswordInput struct {
	UserPoolId string
	Username   string
	Password   string
	Permanent  bool
}

var adminSetUserPasswordMembers = []string{"UserPoolId", "Username", "Password", "Permanent"}

// adminSetUserPassword is AdminSetUserPassword: a permanent password makes
// the user CONFIRMED, a temporary one FORCE_CHANGE_PASSWORD.
func (s *Server) adminSetUserPassword(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in adminSetUserPasswordInput
	if err := decodeInput(body, adminSetUserPasswordMembers, &in); err != nil {
		return nil, err
	}
	p, err := s.adminPool("AdminSetUserPassword", in.UserPoolId, in.Username, r)
	if err != nil {
		return nil, err
	}
	if in.Password == "" {
		return nil, missing("password")
	}
	if msg := passwordPolicyError(p, in.Password); msg != "" {
		return nil, apiErr(ExceptionInvalidPassword, msg)
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, internalErr("hashing the password", err)
	}
	status := StatusForceChangePassword
	if in.Permanent {
		status = StatusConfirmed
	}
	if err := s.store.UpdateUser(ctx, p.cfg.ID, in.Username, "", status, hash, s.now()); errors.Is(err, ErrNotFound) {
		return nil, userNotFound
	} else if err != nil {
		return nil, internalErr("updating the user", err)
	}
	return struct{}{}, nil
}

// adminResetUserPassword is AdminResetUserPassword: the user becomes
// RESET_REQUIRED. Its tokens then answer PasswordResetRequiredException,
// and so does a password sign-in, until AdminSetUserPassword.
func (s *Server) adminResetUserPassword(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in adminUserInput
	if err := decodeInput(body, adminUserMembers, &in); err != nil {
		return nil, err
	}
	p, err := s.adminPool("AdminResetUserPassword", in.UserPoolId, in.Username, r)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdateUser(ctx, p.cfg.ID, in.Username, "", StatusResetRequired, "", s.now()); errors.Is(err, ErrNotFound) {
		return nil, userNotFound
	} else if err != nil {
		return nil, internalErr("updating the user", err)
	}
	return struct{}{}, nil
}

// checkUserState applies what every sign-in and every access token use
// requires of the user: enabled (NotAuthorizedException), and no password
// reset pending (PasswordResetRequiredException).
func checkUserState(u *UserRecord) error {
	if !u.Enabled {
		return apiErr(webauthn.ExceptionNotAuthorized, "User is disabled.")
	}
	if u.Status == StatusResetRequired {
		return apiErr(ExceptionPasswordResetRequired, "Password reset required for the user")
	}
	return nil
}

// authorize checks an access token for operation op: the pool it names
// (by its issuer), that pool's web ACL and rate quota, the token itself
// (checkToken), and its user (checkUserState).
func (s *Server) authorize(ctx context.Context, r *http.Request, op, token string) (*pool, *claims, *UserRecord, error) {
	if token == "" {
		return nil, nil, nil, missing("accessToken")
	}
	parts, c, ok := tokenParts(token)
	if !ok {
		return nil, nil, nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid Access Token")
	}
	p := s.issuers[c.Iss]
	if p == nil {
		return nil, nil, nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid Access Token")
	}
	now := s.now()
	if err := p.admit(op, r, now); err != nil {
		return nil, nil, nil, err
	}
	if err := p.checkToken(parts, c, useAccess, now); err != nil {
		return nil, nil, nil, err
	}
	u, err := s.store.UserBySub(ctx, p.cfg.ID, c.Sub)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil, apiErr(webauthn.ExceptionNotAuthorized, "User does not exist.")
	} else if err != nil {
		return nil, nil, nil, internalErr("reading the user", err)
	}
	if u.Username != c.Username {
		return nil, nil, nil, apiErr(webauthn.ExceptionNotAuthorized, "Invalid Access Token")
	}
	if err := checkUserState(u); err != nil {
		return nil, nil, nil, err
	}
	return p, c, u, nil
}

type accessTokenInput struct {
	AccessToken string
}

var accessTokenMembers = []string{"AccessToken"}

type getUserOutput struct {
	Username       string
	UserAttributes []Attribute
}

// getUser is GetUser.
func (s *Server) getUser(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in accessTokenInput
	if err := decodeInput(body, accessTokenMembers, &in); err != nil {
		return nil, err
	}
	_, _, u, err := s.authorize(ctx, r, "GetUser", in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &getUserOutput{Username: u.Username, UserAttributes: userAttributes(u)}, nil
}
