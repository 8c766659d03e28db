// Package redis is a webauthn.ChallengeStore on Redis (go-redis v9), for relying
// parties that run more than one process.
//
// Each challenge is one hash at Prefix+"c:<ceremony>:<user>:<challenge>", so
// Consume is one round trip: a Lua script that reads the hash, checks the
// expiry and the client binding, and deletes it only when both pass. Redis
// runs a script atomically, so of any number of concurrent consumers (in any
// number of processes) at most one gets the challenge. A challenge issued to
// another client is left in place (WebAuthnClientMismatchException), so a
// client holding a stolen challenge cannot burn it.
//
// Put runs a second script that enforces the store-wide and per-user bounds
// with two sorted sets of the live challenge keys scored by expiry, then
// writes the hash with a PX expiry so Redis drops challenges nobody completes.
//
// All keys of a store share one Redis Cluster hash slot (the default Prefix
// carries the hash tag {webauthn}; a custom Prefix must carry one too), since a
// script may only touch keys of one slot.
package redis

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/passkeykit/webauthn"
	goredis "github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix when Options.Prefix is empty.
const DefaultPrefix = "webauthn:{challenges}:"

// DefaultMaxTTL is the longest a challenge key lives in Redis when
// Options.MaxTTL is 0: WebAuthn's recommended ceremony timeouts are at most 10
// minutes (§15.1), so an hour leaves room for any sane timeout while bounding
// what an abandoned ceremony costs.
const DefaultMaxTTL = time.Hour

// Options configure a Store. The zero value is the defaults.
type Options struct {
	// Prefix starts every key; empty means DefaultPrefix. Under Redis Cluster
	// it must contain a hash tag ("{...}").
	Prefix string
	// MaxTTL caps the PX expiry of a challenge key: a challenge whose Expires
	// is further away than MaxTTL is gone from Redis after MaxTTL. 0 means
	// DefaultMaxTTL.
	MaxTTL time.Duration
	// MaxChallenges bounds the live challenges in the store; 0 means
	// webauthn.DefaultMaxChallenges.
	MaxChallenges int
	// MaxPerUser bounds the live challenges per user handle; 0 means
	// webauthn.DefaultMaxPerUser. Challenges without a user handle are bound
	// by MaxChallenges only.
	MaxPerUser int
}

// Store is a webauthn.ChallengeStore on a Redis client. It is safe for
// concurrent use, and any number of Stores with the same Prefix, in any
// number of processes, share the same challenges.
//
// Expiry is decided by the time passed to Put and Consume, exactly (to the
// nanosecond) for Consume; the capacity bounds release an expired challenge's
// slot at the first Put a millisecond or more after it expires.
type Store struct {
	c             goredis.UniversalClient
	prefix        string
	maxTTL        time.Duration
	max, maxPerUs int
}

var _ webauthn.ChallengeStore = (*Store)(nil)

// New returns a Store on c.
func New(c goredis.UniversalClient, opts Options) *Store {
	s := &Store{c: c, prefix: opts.Prefix, maxTTL: opts.MaxTTL, max: opts.MaxChallenges, maxPerUs: opts.MaxPerUser}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.maxTTL <= 0 {
		s.maxTTL = DefaultMaxTTL
	}
	if s.max <= 0 {
		s.max = webauthn.DefaultMaxChallenges
	}
	if s.maxPerUs <= 0 {
		s.maxPerUs = webauthn.DefaultMaxPerUser
	}
	return s
}

// keys returns the challenge key, the user's set and the store's set.
func (s *Store) keys(ceremony webauthn.Ceremony, user, challenge []byte) []string {
	enc := base64.RawURLEncoding
	ck := make([]byte, 0, len(s.prefix)+6+enc.EncodedLen(len(user))+enc.EncodedLen(len(challenge)))
	ck = append(ck, s.prefix...)
	ck = append(ck, "c:"...)
	ck = strconv.AppendUint(ck, uint64(ceremony), 10)
	ck = append(ck, ':')
	ck = enc.AppendEncode(ck, user)
	ck = append(ck, ':')
	ck = enc.AppendEncode(ck, challenge)
	uk := s.prefix + "u:" + enc.EncodeToString(user)
	return []string{string(ck), uk, s.prefix + "all"}
}

// Results of the scripts.
const (
	putOK       = 0
	putFull     = 1
	putUserBusy = 2
	putExists   = 3

	consumeNotFound = 0
	consumeOK       = 1
	consumeMismatch = 2
)

// putScript: KEYS = challenge, user set, store set; ARGV = now (ms), expiry
// (ms, the sets' score), PX, max, max per user, has user (1/0), client ID,
// expiry seconds, expiry nanoseconds, record. Sets drop members whose score
// is below the current millisecond (expired), then the bounds are checked.
var putScript = goredis.NewScript(`
local now = '(' .. ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 1 end
if ARGV[6] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return 3 end
redis.call('HSET', KEYS[1], 'c', ARGV[7], 's', ARGV[8], 'n', ARGV[9], 'd', ARGV[10])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local function track(set)
  redis.call('ZADD', set, ARGV[2], KEYS[1])
  local ttl = redis.call('PTTL', set)
  if ttl < tonumber(ARGV[3]) then redis.call('PEXPIRE', set, ARGV[3]) end
end
track(KEYS[3])
if ARGV[6] == '1' then track(KEYS[2]) end
return 0
`)

// consumeScript: KEYS = challenge, user set, store set; ARGV = client ID, now
// seconds, now nanoseconds. Expired (expiry before now) → deleted, 0;
// other client → kept, 2; else deleted, {1, record}.
var consumeScript = goredis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'c', 's', 'n', 'd')
if not v[1] then return {0} end
local es, en, ns, nn = tonumber(v[2]), tonumber(v[3]), tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = es < ns or (es == ns and en < nn)
if not expired and v[1] ~= ARGV[1] then return {2} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], KEYS[1])
redis.call('ZREM', KEYS[3], KEYS[1])
if expired then return {0} end
return {1, v[4]}
`)

// record is what the hash's "d" field holds: the fields the key and the
// script's own fields do not.
type record struct {
	UserName         string    `json:"n,omitempty"`
	UserVerification string    `json:"uv,omitempty"`
	AllowCredentials [][]byte  `json:"a,omitempty"`
	Expires          time.Time `json:"e"`
}

// Put records c. It returns webauthn.ErrTooManyRequests when the store or
// c's user holds its maximum of live challenges, and webauthn.ErrInternal
// when c is invalid or Redis fails (the cause wrapped).
func (s *Store) Put(ctx context.Context, c *webauthn.Challenge, now time.Time) error {
	if err := webauthn.CheckChallenge(c); err != nil {
		return err
	}
	// PX is the time to Expires rounded up, so Redis never drops a challenge
	// before it expires, capped by MaxTTL; at least 1 ms (an already expired
	// challenge is put like any other and can never be consumed).
	ttl := min(c.Expires.Sub(now), s.maxTTL)
	px := max(ttl.Milliseconds(), 1)
	if ttl > time.Duration(px)*time.Millisecond {
		px++
	}
	data, err := json.Marshal(record{c.UserName, c.UserVerification, c.AllowCredentials, c.Expires})
	if err != nil {
		return webauthn.NewError(webauthn.ErrInternal, webauthn.StepChallengePut, webauthn.ReasonStoreFailed, err)
	}
	hasUser := "0"
	if len(c.UserHandle) > 0 {
		hasUser = "1"
	}
	r, err := putScript.Run(ctx, s.c, s.keys(c.Ceremony, c.UserHandle, c.Value),
		now.UnixMilli(), c.Expires.UnixMilli(), px, s.max, s.maxPerUs, hasUser,
		c.ClientID, c.Expires.Unix(), c.Expires.Nanosecond(), data).Int()
	if err != nil {
		return webauthn.NewError(webauthn.ErrInternal, webauthn.StepChallengePut, webauthn.ReasonStoreFailed, err)
	}
	switch r {
	case putOK:
		return nil
	case putFull:
		return webauthn.NewError(webauthn.ErrTooManyRequests, webauthn.StepChallengePut, webauthn.ReasonStoreFull, nil)
	case putUserBusy:
		return webauthn.NewError(webauthn.ErrTooManyRequests, webauthn.StepChallengePut, webauthn.ReasonUserBusy, nil)
	case putExists:
		return webauthn.NewError(webauthn.ErrInternal, webauthn.StepChallengePut, "challenge issued twice", nil)
	}
	return webauthn.NewError(webauthn.ErrInternal, webauthn.StepChallengePut, webauthn.ReasonStoreFailed, errUnexpectedReply)
}

var errUnexpectedReply = errors.New("redis: unexpected script reply")

// Consume removes and returns the challenge for (ceremony, user, challenge)
// when it is unexpired at now and was issued to clientID, in one round trip.
// A challenge issued to another client is not removed. When Redis fails (the
// server is down, the context ends, the reply is lost) it returns
// webauthn.ErrInternal: the challenge is never reported consumed unless the
// script deleted it, though a lost reply may leave it deleted and unreported,
// which fails safe (the user starts again).
func (s *Store) Consume(ctx context.Context, ceremony webauthn.Ceremony, user, challenge []byte, clientID string, now time.Time) (*webauthn.Challenge, error) {
	if err := webauthn.CheckLookup(ceremony, user, challenge); err != nil {
		return nil, err
	}
	v, err := consumeScript.Run(ctx, s.c, s.keys(ceremony, user, challenge),
		clientID, now.Unix(), now.Nanosecond()).Slice()
	if err != nil {
		return nil, webauthn.NewError(webauthn.ErrInternal, webauthn.StepChallengeLookup, webauthn.ReasonStoreFailed, err)
	}
	code, _ := v[0].(int64)
	switch {
	case code == consumeNotFound && len(v) == 1:
		return nil, webauthn.NewError(webauthn.ErrChallengeNotFound, webauthn.StepChallengeLookup, webauthn.ReasonChallengeNotFound, nil)
	case code == consumeMismatch && len(v) == 1:
		return nil, webauthn.NewError(webauthn.ErrClientMismatch, webauthn.StepChallengeLookup, webauthn.ReasonClientMismatch, nil)
	case code == consumeOK && len(v) == 2:
		data, _ := v[1].(string)
		var rec record
		if err := json.Unmarshal([]byte(data), &rec); err != nil {
			// Deleted but unreadable: report it unusable, never consumed.
			return nil, webauthn.NewError(webauthn.ErrInternal, webauthn.StepChallengeLookup, webauthn.ReasonStoreFailed, err)
		}
		return &webauthn.Challenge{
			Ceremony:         ceremony,
			Value:            append([]byte(nil), challenge...),
			UserHandle:       append([]byte(nil), user...),
			UserName:         rec.UserName,
			ClientID:         clientID,
			Expires:          rec.Expires,
			UserVerification: rec.UserVerification,
			AllowCredentials: rec.AllowCredentials,
		}, nil
	}
	return nil, webauthn.NewError(webauthn.ErrInternal, webauthn.StepChallengeLookup, webauthn.ReasonStoreFailed, errUnexpectedReply)
}
