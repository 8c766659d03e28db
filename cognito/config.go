package cognito

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"
)

// MaxPasskeysPerUser is the most passkeys a pool may allow one user:
// Amazon Cognito's quota of WebAuthn credentials per user (20).
const MaxPasskeysPerUser = 20

// Defaults of a pool configuration's zero fields.
const (
	// DefaultAccessTokenValidity is the lifetime of access and ID tokens:
	// Cognito's default (60 minutes).
	DefaultAccessTokenValidity = time.Hour
	// DefaultRefreshTokenValidity is Cognito's default refresh token
	// lifetime (30 days).
	DefaultRefreshTokenValidity = 30 * 24 * time.Hour
	// DefaultAuthSessionValidity is how long the Session of a challenge
	// answered by InitiateAuth stays usable: Cognito's default (3 minutes).
	DefaultAuthSessionValidity = 3 * time.Minute
	// DefaultPasswordMinLength is Cognito's default password policy minimum.
	DefaultPasswordMinLength = 8
)

// Config is the endpoint's configuration file: the user pools it serves.
type Config struct {
	Pools []PoolConfig `json:"pools"`
}

// PoolConfig is one user pool. The zero value of every field but ID and
// ClientIDs is safe: passkeys off, no WAF rule, no rate limit, Cognito's
// default lifetimes.
type PoolConfig struct {
	// ID is the user pool ID, e.g. "us-east-1_LocalPool1" (the service
	// model's pattern [\w-]+_[0-9a-zA-Z]+, at most 55 characters).
	ID string `json:"id"`
	// ClientIDs are the pool's app client IDs (no client secret). Every
	// ClientId a request names must be one of them; an access token names
	// the one it was issued to.
	ClientIDs []string `json:"client_ids"`
	// WebAuthn is the pool's passkey configuration.
	WebAuthn WebAuthnConfig `json:"webauthn"`
	// Replica marks the pool as a secondary replica: passkey registration
	// and deletion answer OperationNotEnabledException, as Cognito does for
	// operations not supported in replica regions.
	Replica bool `json:"replica"`
	// WAF is a web ACL in front of the pool: requests it blocks answer
	// ForbiddenException.
	WAF WAFConfig `json:"waf"`
	// RateLimit is the pool's request-rate quota, per operation: requests
	// beyond it answer TooManyRequestsException.
	RateLimit RateLimitConfig `json:"rate_limit"`
	// PasswordMinLength is the password policy's minimum length; 0 means
	// DefaultPasswordMinLength.
	PasswordMinLength int `json:"password_min_length"`
	// AccessTokenValidity, RefreshTokenValidity and AuthSessionValidity are
	// lifetimes ("1h", "30m"); 0 means the Default… constants.
	AccessTokenValidity  Duration `json:"access_token_validity"`
	RefreshTokenValidity Duration `json:"refresh_token_validity"`
	AuthSessionValidity  Duration `json:"auth_session_validity"`
}

// WebAuthnConfig is a pool's passkey configuration (Cognito's
// WebAuthnConfiguration and AllowedFirstAuthFactors).
type WebAuthnConfig struct {
	// Enabled turns passkeys on. When false, every passkey operation answers
	// WebAuthnNotEnabledException.
	Enabled bool `json:"enabled"`
	// RPID is the relying party ID. When empty with Enabled, passkey
	// operations answer WebAuthnConfigurationMissingException.
	RPID string `json:"rp_id"`
	// RPName is rp.name in the creation options; empty means RPID.
	RPName string `json:"rp_name"`
	// Origins are the exact origins clientDataJSON.origin must be, e.g.
	// "https://app.example.com" or "http://localhost:3000".
	Origins []string `json:"origins"`
	// UserVerification is "required" or "preferred"; empty means
	// "preferred" (Cognito's default).
	UserVerification string `json:"user_verification"`
	// MaxPasskeysPerUser bounds the passkeys of one user, at most
	// MaxPasskeysPerUser; 0 means MaxPasskeysPerUser.
	MaxPasskeysPerUser int `json:"max_passkeys_per_user"`
	// ChallengeLifetime is how long a registration or sign-in challenge
	// lives, and the options' timeout; 0 means 5 minutes.
	ChallengeLifetime Duration `json:"challenge_lifetime"`
}

// WAFConfig is a minimal web ACL: a request whose User-Agent header contains
// one of BlockUserAgents (case-sensitive substrings) is blocked.
type WAFConfig struct {
	BlockUserAgents []string `json:"block_user_agents"`
}

// RateLimitConfig is a token bucket per operation and pool: Burst requests
// at once, refilled at PerSecond. Burst 0 means no limit.
type RateLimitConfig struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst"`
}

// Duration is a time.Duration read from a JSON string such as "5m".
type Duration time.Duration

// UnmarshalJSON reads a time.ParseDuration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("duration must be a string such as \"5m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the time.Duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

var (
	poolIDPattern   = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	clientIDPattern = regexp.MustCompile(`^[\w+]+$`)
)

// LoadConfig reads a configuration file: JSON, unknown members rejected.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(b)
}

// ParseConfig reads a configuration: JSON, unknown members and trailing
// data rejected, then Validate.
func ParseConfig(b []byte) (*Config, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var c Config
	if err := d.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if d.More() {
		return nil, errors.New("config: trailing data after the JSON object")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate reports the first invalid field: a pool ID or client ID not of
// the service model's pattern, a pool without clients, an ID used twice, a
// user verification other than required|preferred, a passkey limit outside
// 0..MaxPasskeysPerUser, a negative lifetime or rate.
func (c *Config) Validate() error {
	if len(c.Pools) == 0 {
		return errors.New("config: no pool")
	}
	pools := map[string]bool{}
	clients := map[string]bool{}
	for i := range c.Pools {
		p := &c.Pools[i]
		where := fmt.Sprintf("config: pool %d (%q)", i, p.ID)
		if len(p.ID) > 55 || !poolIDPattern.MatchString(p.ID) {
			return errors.New(where + ": id must match [\\w-]+_[0-9a-zA-Z]+ (at most 55 characters), e.g. us-east-1_LocalPool1")
		}
		if pools[p.ID] {
			return errors.New(where + ": id used twice")
		}
		pools[p.ID] = true
		if len(p.ClientIDs) == 0 {
			return errors.New(where + ": no client_ids")
		}
		for _, id := range p.ClientIDs {
			if len(id) > 128 || !clientIDPattern.MatchString(id) {
				return fmt.Errorf("%s: client id %q must match [\\w+]+ (at most 128 characters)", where, id)
			}
			if clients[id] {
				return fmt.Errorf("%s: client id %q used twice", where, id)
			}
			clients[id] = true
		}
		w := &p.WebAuthn
		switch w.UserVerification {
		case "", "required", "preferred":
		default:
			return fmt.Errorf("%s: webauthn.user_verification %q is not required or preferred", where, w.UserVerification)
		}
		if w.MaxPasskeysPerUser < 0 || w.MaxPasskeysPerUser > MaxPasskeysPerUser {
			return fmt.Errorf("%s: webauthn.max_passkeys_per_user must be 0 to %d", where, MaxPasskeysPerUser)
		}
		for _, d := range [...]Duration{w.ChallengeLifetime, p.AccessTokenValidity, p.RefreshTokenValidity, p.AuthSessionValidity} {
			if d < 0 {
				return errors.New(where + ": negative lifetime")
			}
		}
		if p.RateLimit.PerSecond < 0 || p.RateLimit.Burst < 0 {
			return errors.New(where + ": negative rate_limit")
		}
		if p.PasswordMinLength < 0 || p.PasswordMinLength > 99 {
			return errors.New(where + ": password_min_length must be 0 to 99")
		}
	}
	return nil
}

func orDuration(d Duration, def time.Duration) time.Duration {
	if d > 0 {
		return time.Duration(d)
	}
	return def
}
