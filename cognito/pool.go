package cognito

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/passkeykit/webauthn"
)

// pool is one configured user pool at run time.
type pool struct {
	cfg PoolConfig
	// issuer is the iss of the pool's tokens: the endpoint's base URL and
	// the pool ID, as https://cognito-idp.<region>.amazonaws.com/<pool>.
	issuer string
	signer *signer
	pk     *passkeys

	mu      sync.Mutex
	buckets map[string]*bucket // operation → its rate-limit bucket
}

func (p *pool) hasClient(id string) bool {
	for _, c := range p.cfg.ClientIDs {
		if c == id {
			return true
		}
	}
	return false
}

// admit applies what stands in front of the pool's operations: the web ACL
// (ForbiddenException) and the per-operation rate quota
// (TooManyRequestsException).
func (p *pool) admit(op string, r *http.Request, now time.Time) error {
	if ua := r.Header.Get("User-Agent"); ua != "" {
		for _, blocked := range p.cfg.WAF.BlockUserAgents {
			if blocked != "" && strings.Contains(ua, blocked) {
				return apiErr(ExceptionForbidden, "Request blocked by the web ACL associated with the user pool.")
			}
		}
	}
	if p.cfg.RateLimit.Burst > 0 && !p.allow(op, now) {
		return apiErr(webauthn.ExceptionTooManyRequests, "Too many requests")
	}
	return nil
}

// bucket is a token bucket: tokens available at last.
type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes one token from op's bucket, refilled at RateLimit.PerSecond
// up to RateLimit.Burst since it was last used; false when it is empty.
func (p *pool) allow(op string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	burst := float64(p.cfg.RateLimit.Burst)
	b := p.buckets[op]
	if b == nil {
		if p.buckets == nil {
			p.buckets = map[string]*bucket{}
		}
		b = &bucket{tokens: burst, last: now}
		p.buckets[op] = b
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(burst, b.tokens+d.Seconds()*p.cfg.RateLimit.PerSecond)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (p *pool) accessValidity() time.Duration {
	return orDuration(p.cfg.AccessTokenValidity, DefaultAccessTokenValidity)
}

func (p *pool) refreshValidity() time.Duration {
	return orDuration(p.cfg.RefreshTokenValidity, DefaultRefreshTokenValidity)
}

func (p *pool) sessionValidity() time.Duration {
	return orDuration(p.cfg.AuthSessionValidity, DefaultAuthSessionValidity)
}

func (p *pool) passwordMinLength() int {
	if p.cfg.PasswordMinLength > 0 {
		return p.cfg.PasswordMinLength
	}
	return DefaultPasswordMinLength
}
