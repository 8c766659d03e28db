// Package redis is a ceremony.ChallengeStore on Redis (go-redis v9), for
// relying parties that run more than one process.
//
// # Keys
//
// Every key starts with the store's Prefix; user handles, challenges and
// client IDs appear base64url-encoded without padding:
//
//	Prefix+"c:<ceremony>:<user>:<challenge>"  one hash per challenge
//	Prefix+"s:<client ID>"                    the client's challenge keys, scored by expiry
//	Prefix+"all"                              every challenge key, scored by expiry
//
// The sets' scores are expiries in Unix milliseconds; the hash keeps the
// expiry to the nanosecond. Every key carries a PX expiry, so Redis drops
// what nobody completes.
//
// # Consume
//
// Consume is one round trip: a Lua script that reads the hash, checks the
// expiry and the client binding, and deletes the hash (and its set members)
// only when both pass, or when it has expired. Redis runs a script
// atomically, so of any number of concurrent consumers (in any number of
// processes) at most one gets the challenge. A challenge issued to another
// client is left in place (ceremony.ErrOtherClient), so a client holding a
// stolen challenge cannot burn it.
//
// # Put and the bounds
//
// Put is one round trip too: a script that drops the sets' expired members,
// refuses a key that is still held (ceremony.ErrDuplicate; a held key whose
// challenge has expired but that Redis has not dropped yet counts as held),
// then makes room and writes the hash. The bounds are per client, never per
// user, so that clients naming a user cannot spend that user's quota: a
// client holding Options.MaxPerClient challenges has its own
// earliest-expiring one dropped (ZPOPMIN on its set), and a store holding
// Options.MaxChallenges drops the store's earliest-expiring challenge
// (ZPOPMIN on the "all" set). Each costs O(log n); Put never refuses for
// lack of room.
//
// Dropping the store's earliest challenge deletes a hash that may belong to
// another client, whose set keeps a stale member for it: its set is named by
// that client's ID, which the script does not know. The stale member only
// makes that client's bound conservative, and costs it no live challenge:
// it was the store's earliest-expiring challenge when it was dropped, so
// unless the client later takes a challenge that expires even sooner, it is
// the first member the client's own bound pops (deleting nothing), and
// otherwise it leaves the set when its score expires (ZREMRANGEBYSCORE at the
// client's next Put) or with the set's PX. Consume removing an expired
// challenge for another client leaves the same kind of stale member, already
// expired, which the owner's next Put trims.
//
// # Redis Cluster
//
// A script may only touch keys of one hash slot, so all keys of a store
// share one: the default Prefix carries the hash tag {challenges}, and a
// custom Prefix must carry one ("{...}") too (encoded IDs contain no
// braces, so the Prefix's tag is every key's first). The scripts declare in
// KEYS the challenge, the client's set and the store's set; to make room,
// Put also deletes challenge hashes named by the members it pops from a set,
// which are not in KEYS. Redis Cluster lets a script touch undeclared keys
// of the slot its declared keys hash to, and those hashes carry the same
// hash tag, so they are in that slot (TestCluster runs the conformance
// suite on a Cluster node that serves that slot only and so refuses a key
// of any other).
package redis

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/passkeykit/webauthn/ceremony"
	goredis "github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix when Options.Prefix is empty.
const DefaultPrefix = "webauthn:{challenges}:"

// DefaultMaxTTL is the longest a challenge key lives in Redis when
// Options.MaxTTL is 0: WebAuthn's recommended ceremony timeouts are at most 10
// minutes (WebAuthn L3 §15.1), so an hour leaves room for any sane timeout
// while bounding what an abandoned ceremony costs.
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
	// MaxChallenges bounds the live challenges in the store; at the bound,
	// Put drops the store's earliest-expiring challenge. 0 means
	// ceremony.DefaultMaxChallenges.
	MaxChallenges int
	// MaxPerClient bounds the live challenges per client ID; at the bound,
	// Put drops the client's own earliest-expiring challenge. 0 means
	// ceremony.DefaultMaxPerClient.
	MaxPerClient int
}

// Store is a ceremony.ChallengeStore on a Redis client. It is safe for
// concurrent use, and any number of Stores with the same Prefix, in any
// number of processes, share the same challenges (each enforcing its own
// Options' bounds when it puts).
//
// Expiry is decided by the time passed to Put and Consume, exactly (to the
// nanosecond) for Consume; the bounds release an expired challenge's slot at
// the first Put a millisecond or more after it expires.
type Store struct {
	c                 goredis.UniversalClient
	prefix            string
	maxTTL            time.Duration
	max, maxPerClient int
}

var _ ceremony.ChallengeStore = (*Store)(nil)

// New returns a Store on c.
func New(c goredis.UniversalClient, opts Options) *Store {
	s := &Store{c: c, prefix: opts.Prefix, maxTTL: opts.MaxTTL, max: opts.MaxChallenges, maxPerClient: opts.MaxPerClient}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.maxTTL <= 0 {
		s.maxTTL = DefaultMaxTTL
	}
	if s.max <= 0 {
		s.max = ceremony.DefaultMaxChallenges
	}
	if s.maxPerClient <= 0 {
		s.maxPerClient = ceremony.DefaultMaxPerClient
	}
	return s
}

// keys returns the scripts' KEYS: the challenge's hash, the client's set and
// the store's set.
func (s *Store) keys(cer ceremony.Ceremony, user, challenge []byte, clientID string) []string {
	enc := base64.RawURLEncoding
	ck := make([]byte, 0, len(s.prefix)+6+enc.EncodedLen(len(user))+enc.EncodedLen(len(challenge)))
	ck = append(ck, s.prefix...)
	ck = append(ck, "c:"...)
	ck = strconv.AppendUint(ck, uint64(cer), 10)
	ck = append(ck, ':')
	ck = enc.AppendEncode(ck, user)
	ck = append(ck, ':')
	ck = enc.AppendEncode(ck, challenge)
	sk := make([]byte, 0, len(s.prefix)+2+enc.EncodedLen(len(clientID)))
	sk = append(sk, s.prefix...)
	sk = append(sk, "s:"...)
	sk = enc.AppendEncode(sk, []byte(clientID))
	return []string{string(ck), string(sk), s.prefix + "all"}
}

// Results of the scripts.
const (
	putOK     = 0
	putExists = 1

	consumeNotFound = 0
	consumeOK       = 1
	consumeMismatch = 2
)

// putScript: KEYS = challenge, client set, store set; ARGV = now (ms),
// expiry (ms, the sets' score), PX, max, max per client, client ID, expiry
// seconds, expiry nanoseconds, record. The sets drop members scored below
// the current millisecond (expired); a held key is refused; then the
// client's bound and the store's bound make room, each by popping its set's
// earliest member and deleting that challenge (a key outside KEYS, in the
// same slot) and its member in the other set of KEYS.
var putScript = goredis.NewScript(`
local now = '(' .. ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
local function drop(set, other)
  local m = redis.call('ZPOPMIN', set)
  redis.call('DEL', m[1])
  redis.call('ZREM', other, m[1])
end
local perClient, max = tonumber(ARGV[5]), tonumber(ARGV[4])
while redis.call('ZCARD', KEYS[2]) >= perClient do drop(KEYS[2], KEYS[3]) end
while redis.call('ZCARD', KEYS[3]) >= max do drop(KEYS[3], KEYS[2]) end
redis.call('HSET', KEYS[1], 'c', ARGV[6], 's', ARGV[7], 'n', ARGV[8], 'd', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local function track(set)
  redis.call('ZADD', set, ARGV[2], KEYS[1])
  local ttl = redis.call('PTTL', set)
  if ttl < tonumber(ARGV[3]) then redis.call('PEXPIRE', set, ARGV[3]) end
end
track(KEYS[2])
track(KEYS[3])
return 0
`)

// consumeScript: KEYS = challenge, client set, store set; ARGV = client ID,
// now seconds, now nanoseconds. Expired (expiry before now) → deleted, {0};
// other client → kept, {2}; else deleted, {1, client ID, expiry seconds,
// expiry nanoseconds, record}.
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
return {1, v[1], v[2], v[3], v[4]}
`)

var (
	errUnexpectedReply = errors.New("unexpected script reply")
	errCorruptRecord   = errors.New("challenge deleted but unreadable")
)

// storeError is the error of a failed round trip: the cause wrapped, and
// ctx's error too when ctx is done, so that errors.Is(err,
// context.Canceled) holds however go-redis reported the cancellation.
func storeError(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("store/redis: %s: %w (%w)", op, err, cerr)
	}
	return fmt.Errorf("store/redis: %s: %w", op, err)
}

// Put records c (see ceremony.ChallengeStore) in one round trip. It returns
// ceremony.ErrInvalidChallenge for a challenge c.Validate refuses,
// ceremony.ErrDuplicate for a key still held, and an error wrapping the
// cause when Redis fails or ctx is done.
func (s *Store) Put(ctx context.Context, c *ceremony.Challenge, now time.Time) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return storeError(ctx, "put", err)
	}
	// PX is the time to Expires rounded up, so Redis never drops a challenge
	// before it expires, capped by MaxTTL; at least 1 ms (an already expired
	// challenge is put like any other and can never be consumed).
	ttl := min(c.Expires.Sub(now), s.maxTTL)
	px := max(ttl.Milliseconds(), 1)
	if ttl > time.Duration(px)*time.Millisecond {
		px++
	}
	r, err := putScript.Run(ctx, s.c, s.keys(c.Ceremony, c.UserHandle, c.Value, c.ClientID),
		now.UnixMilli(), c.Expires.UnixMilli(), px, s.max, s.maxPerClient,
		c.ClientID, c.Expires.Unix(), c.Expires.Nanosecond(), appendRecord(nil, c)).Int()
	if err != nil {
		return storeError(ctx, "put", err)
	}
	switch r {
	case putOK:
		return nil
	case putExists:
		return ceremony.ErrDuplicate
	}
	return storeError(ctx, "put", errUnexpectedReply)
}

// Consume removes and returns the challenge with key k (see
// ceremony.ChallengeStore) in one round trip, or none for a key that is not
// k.Possible. A challenge issued to another client is not removed
// (ceremony.ErrOtherClient); an expired one is (ceremony.ErrNotFound). When
// Redis fails (the server is down, ctx ends, the reply is lost or
// unreadable) it returns an error wrapping the cause: the challenge is never
// reported consumed unless the script deleted it, though a lost reply may
// leave it deleted and unreported, which fails safe (the user starts again).
func (s *Store) Consume(ctx context.Context, k ceremony.Key, now time.Time) (*ceremony.Challenge, error) {
	if !k.Possible() {
		return nil, ceremony.ErrNotFound
	}
	if err := ctx.Err(); err != nil {
		return nil, storeError(ctx, "consume", err)
	}
	v, err := consumeScript.Run(ctx, s.c, s.keys(k.Ceremony, k.User, k.Challenge, k.ClientID),
		k.ClientID, now.Unix(), now.Nanosecond()).Slice()
	if err != nil {
		return nil, storeError(ctx, "consume", err)
	}
	if len(v) == 0 {
		return nil, storeError(ctx, "consume", errUnexpectedReply)
	}
	code, _ := v[0].(int64)
	switch {
	case code == consumeNotFound && len(v) == 1:
		return nil, ceremony.ErrNotFound
	case code == consumeMismatch && len(v) == 1:
		return nil, ceremony.ErrOtherClient
	case code == consumeOK && len(v) == 5:
		c := &ceremony.Challenge{
			Ceremony:   k.Ceremony,
			Value:      bytes.Clone(k.Challenge),
			UserHandle: bytes.Clone(k.User),
		}
		if !readReply(v[1:], c) {
			// Deleted but unreadable: report it unusable, never consumed.
			return nil, storeError(ctx, "consume", errCorruptRecord)
		}
		return c, nil
	}
	return nil, storeError(ctx, "consume", errUnexpectedReply)
}

// readReply reads the client ID, expiry seconds, expiry nanoseconds and
// record a successful consume returns into c.
func readReply(v []any, c *ceremony.Challenge) bool {
	clientID, ok1 := v[0].(string)
	es, ok2 := v[1].(string)
	en, ok3 := v[2].(string)
	d, ok4 := v[3].(string)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return false
	}
	sec, err1 := strconv.ParseInt(es, 10, 64)
	nsec, err2 := strconv.ParseInt(en, 10, 64)
	if err1 != nil || err2 != nil || nsec < 0 || nsec >= int64(time.Second) {
		return false
	}
	c.ClientID = clientID
	c.Expires = time.Unix(sec, nsec).UTC()
	return parseRecord([]byte(d), c)
}
