package webauthn

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync"
)

// UserStore keeps the users a Handler signs up and in, and their credential
// records (§7.1 step 27). Errors should be *Error values (NewError) so that
// Handler answers them with the right exception; others become
// InternalErrorException. Implementations are safe for concurrent use.
type UserStore interface {
	// User returns the handle (user.id, §5.4.3) and credential records of
	// the user called name; their Transports become the transports of
	// allowCredentials and excludeCredentials (§5.8.3). When no such user exists it creates one with a
	// fresh random handle if create is true, and otherwise returns an error
	// that errors.Is matches with ErrUserNotFound.
	User(ctx context.Context, name string, create bool) (handle []byte, creds []Credential, err error)
	// Credential returns the record with ID id of the user with the given
	// handle and that user's name, or NotAuthorizedException when there is
	// none (§7.2 steps 6-7).
	Credential(ctx context.Context, handle, id []byte) (*Credential, string, error)
	// AddCredential records a new credential for the user with the given
	// handle. A credential ID registered already, to anyone, is refused
	// (§7.1 step 26).
	AddCredential(ctx context.Context, handle []byte, c *Credential) error
	// UpdateSignCount stores an assertion's signature counter (§7.2 step 26).
	UpdateSignCount(ctx context.Context, handle, id []byte, count uint32) error
}

// ErrUserNotFound is the fault of a user name UserStore does not know; its
// exception is NotAuthorizedException, which says nothing about which names
// exist.
var ErrUserNotFound = NewError(ErrNotAuthorized, "§7.2 step 6", "unknown user or credential", nil)

// DefaultMaxUsers is the most users a MemUsers holds when MaxUsers is 0:
// register/begin creates a user before any credential proves anything, so
// the table must be bounded; a user costs well under a kilobyte.
const DefaultMaxUsers = 100_000

// MaxCredentialsPerUser is the most passkeys a MemUsers user may register,
// as in Amazon Cognito (20); one more is LimitExceededException.
const MaxCredentialsPerUser = 20

// userHandleSize is the size of the random user handles MemUsers makes: §14.6.1
// asks for 64 random bytes at most and no personal data; 32 is plenty.
const userHandleSize = 32

// MemUsers is the in-memory UserStore: single process, bounded by MaxUsers.
// Its zero value is ready to use.
type MemUsers struct {
	// MaxUsers bounds the users held; 0 means DefaultMaxUsers.
	MaxUsers int

	mu     sync.Mutex
	byName map[string]*memUser
	byID   map[string]*memUser // handle → user
	creds  map[string]bool     // every registered credential ID
}

type memUser struct {
	name   string
	handle []byte
	creds  []Credential
}

var _ UserStore = (*MemUsers)(nil)

func cloneCredential(c *Credential) Credential {
	d := *c
	d.ID = bytes.Clone(c.ID)
	d.PublicKey = bytes.Clone(c.PublicKey)
	d.UserHandle = bytes.Clone(c.UserHandle)
	return d
}

// User implements UserStore.
func (m *MemUsers) User(ctx context.Context, name string, create bool) ([]byte, []Credential, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.byName[name]
	if u == nil {
		if !create {
			return nil, nil, ErrUserNotFound
		}
		max := m.MaxUsers
		if max <= 0 {
			max = DefaultMaxUsers
		}
		if len(m.byName) >= max {
			return nil, nil, NewError(ErrTooManyRequests, "user store", "the user store is full", nil)
		}
		h := make([]byte, userHandleSize)
		if _, err := rand.Read(h); err != nil {
			return nil, nil, NewError(ErrInternal, "user store", "no randomness", err)
		}
		if m.byName == nil {
			m.byName, m.byID, m.creds = map[string]*memUser{}, map[string]*memUser{}, map[string]bool{}
		}
		u = &memUser{name: name, handle: h}
		m.byName[name], m.byID[string(h)] = u, u
	}
	creds := make([]Credential, len(u.creds))
	for i := range u.creds {
		creds[i] = cloneCredential(&u.creds[i])
	}
	return bytes.Clone(u.handle), creds, nil
}

// Credential implements UserStore.
func (m *MemUsers) Credential(ctx context.Context, handle, id []byte) (*Credential, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u := m.byID[string(handle)]; u != nil {
		for i := range u.creds {
			if bytes.Equal(u.creds[i].ID, id) {
				c := cloneCredential(&u.creds[i])
				return &c, u.name, nil
			}
		}
	}
	return nil, "", ErrUserNotFound
}

// AddCredential implements UserStore.
func (m *MemUsers) AddCredential(ctx context.Context, handle []byte, c *Credential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.byID[string(handle)]
	if u == nil {
		return ErrUserNotFound
	}
	if m.creds[string(c.ID)] {
		return NewError(ErrCredentialNotSupported, "§7.1 step 26", "the credential ID is registered already", nil)
	}
	if len(u.creds) >= MaxCredentialsPerUser {
		return NewError(ErrLimitExceeded, "§7.1 step 27", "the user has the maximum number of passkeys", nil)
	}
	u.creds = append(u.creds, cloneCredential(c))
	m.creds[string(c.ID)] = true
	return nil
}

// UpdateSignCount implements UserStore.
func (m *MemUsers) UpdateSignCount(ctx context.Context, handle, id []byte, count uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u := m.byID[string(handle)]; u != nil {
		for i := range u.creds {
			if bytes.Equal(u.creds[i].ID, id) {
				u.creds[i].SignCount = count
				return nil
			}
		}
	}
	return ErrUserNotFound
}
