package webauthnhttp

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/passkeykit/webauthn"
)

// Account is a user as a UserStore keeps it: the name the user signs in
// with, the user handle (user.id, §5.4.3; one per account, random, no
// personal data, §14.6.1) and the credential records (§7.1 step 27).
type Account struct {
	Name        string
	Handle      []byte
	Credentials []webauthn.Credential
}

// CredentialState is the part of a credential record that a sign-in
// changes (§7.2 step 24): the signature counter and the backup state.
type CredentialState struct {
	SignCount   uint32
	BackupState bool
}

// StateOf returns the CredentialState of a stored record.
func StateOf(c *webauthn.Credential) CredentialState {
	return CredentialState{SignCount: c.SignCount, BackupState: c.BackupState}
}

// Errors a UserStore returns for the outcomes Handler acts on; any other
// error is the store failing (InternalErrorException).
var (
	// ErrUserNotFound: no account has that name or handle, or the account
	// has no credential with that ID.
	ErrUserNotFound = errors.New("webauthnhttp: no such user or credential")
	// ErrUserExists: Create was asked for a name that has an account.
	ErrUserExists = errors.New("webauthnhttp: the user name is taken")
	// ErrCredentialExists: the credential ID is registered already, to
	// anyone (§7.1 step 26).
	ErrCredentialExists = errors.New("webauthnhttp: the credential ID is registered already")
	// ErrTooManyCredentials: the account has MaxCredentialsPerUser
	// credentials (LimitExceededException).
	ErrTooManyCredentials = errors.New("webauthnhttp: the user has the maximum number of credentials")
	// ErrFull: the store holds its maximum number of accounts
	// (TooManyRequestsException).
	ErrFull = errors.New("webauthnhttp: the user store is full")
)

// UserStore keeps the accounts a Handler signs up and in, and their
// credential records. Every method is atomic with respect to the others, so
// that concurrent requests neither lose nor resurrect state: Create makes
// the account and its first credential in one step, and UpdateCredential is
// a compare-and-set. Implementations are safe for concurrent use.
type UserStore interface {
	// Lookup returns the account called name, or ErrUserNotFound.
	Lookup(ctx context.Context, name string) (*Account, error)
	// Create makes the account name with user handle handle and its first
	// credential c, or fails with ErrUserExists when name has an account
	// (a sign-up never adds to an existing account), ErrCredentialExists
	// or ErrFull.
	Create(ctx context.Context, name string, handle []byte, c *webauthn.Credential) error
	// AddCredential adds c to the account with handle handle: ErrUserNotFound,
	// ErrCredentialExists, ErrTooManyCredentials.
	AddCredential(ctx context.Context, handle []byte, c *webauthn.Credential) error
	// Credential returns the record with ID id of the account with handle
	// handle, and the account's name; ErrUserNotFound when there is none
	// (§7.2 step 6).
	Credential(ctx context.Context, handle, id []byte) (*webauthn.Credential, string, error)
	// UpdateCredential writes next as the state of credential id of the
	// account with handle handle only if its stored state still equals prev
	// (§7.2 step 24). It returns the state stored after the call and whether
	// next was written; ErrUserNotFound when the credential is gone (a
	// deleted credential is never written back).
	UpdateCredential(ctx context.Context, handle, id []byte, prev, next CredentialState) (CredentialState, bool, error)
}

// DefaultMaxUsers is the most accounts a MemUsers holds when MaxUsers is 0.
// An account is made only when a registration succeeds, so the bound is the
// capacity of one process, not a defence; a user costs well under a
// kilobyte.
const DefaultMaxUsers = 100_000

// MaxCredentialsPerUser is the most passkeys a MemUsers account may hold,
// as in Amazon Cognito (20); one more is ErrTooManyCredentials.
const MaxCredentialsPerUser = 20

// MemUsers is the in-memory UserStore: single process, bounded by MaxUsers.
// Its zero value is ready to use.
type MemUsers struct {
	// MaxUsers bounds the accounts held; 0 means DefaultMaxUsers.
	MaxUsers int

	mu     sync.Mutex
	byName map[string]*memUser
	byID   map[string]*memUser // handle → account
	creds  map[string]bool     // every registered credential ID
}

// memUser is an account of MemUsers. The byte slices of handle and of each
// record (ID, PublicKey, UserHandle) are copies made when stored and never
// written afterwards, so they may be shared outside m.mu; the records
// themselves (counter, backup state) and the list change under m.mu.
type memUser struct {
	name   string
	handle []byte
	creds  []webauthn.Credential
}

var _ UserStore = (*MemUsers)(nil)

func cloneCredential(c *webauthn.Credential) webauthn.Credential {
	d := *c
	d.ID = bytes.Clone(c.ID)
	d.PublicKey = bytes.Clone(c.PublicKey)
	d.UserHandle = bytes.Clone(c.UserHandle)
	return d
}

// Lookup implements UserStore.
func (m *MemUsers) Lookup(_ context.Context, name string) (*Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.byName[name]
	if u == nil {
		return nil, ErrUserNotFound
	}
	a := &Account{Name: u.name, Handle: bytes.Clone(u.handle), Credentials: make([]webauthn.Credential, len(u.creds))}
	for i := range u.creds {
		a.Credentials[i] = cloneCredential(&u.creds[i])
	}
	return a, nil
}

// Create implements UserStore.
func (m *MemUsers) Create(_ context.Context, name string, handle []byte, c *webauthn.Credential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byName == nil {
		m.byName, m.byID, m.creds = map[string]*memUser{}, map[string]*memUser{}, map[string]bool{}
	}
	max := m.MaxUsers
	if max <= 0 {
		max = DefaultMaxUsers
	}
	switch {
	case m.byName[name] != nil || m.byID[string(handle)] != nil:
		return ErrUserExists
	case m.creds[string(c.ID)]:
		return ErrCredentialExists
	case len(m.byName) >= max:
		return ErrFull
	}
	u := &memUser{name: name, handle: bytes.Clone(handle), creds: []webauthn.Credential{cloneCredential(c)}}
	m.byName[name], m.byID[string(handle)] = u, u
	m.creds[string(c.ID)] = true
	return nil
}

// AddCredential implements UserStore.
func (m *MemUsers) AddCredential(_ context.Context, handle []byte, c *webauthn.Credential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.byID[string(handle)]
	switch {
	case u == nil:
		return ErrUserNotFound
	case m.creds[string(c.ID)]:
		return ErrCredentialExists
	case len(u.creds) >= MaxCredentialsPerUser:
		return ErrTooManyCredentials
	}
	u.creds = append(u.creds, cloneCredential(c))
	m.creds[string(c.ID)] = true
	return nil
}

// find returns the account handle and the index of its record id, or nil
// and -1. m.mu is held.
func (m *MemUsers) find(handle, id []byte) (*memUser, int) {
	if u := m.byID[string(handle)]; u != nil {
		for i := range u.creds {
			if bytes.Equal(u.creds[i].ID, id) {
				return u, i
			}
		}
	}
	return nil, -1
}

// Credential implements UserStore.
func (m *MemUsers) Credential(_ context.Context, handle, id []byte) (*webauthn.Credential, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, i := m.find(handle, id)
	if u == nil {
		return nil, "", ErrUserNotFound
	}
	d := cloneCredential(&u.creds[i])
	return &d, u.name, nil
}

// UpdateCredential implements UserStore.
func (m *MemUsers) UpdateCredential(_ context.Context, handle, id []byte, prev, next CredentialState) (CredentialState, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, i := m.find(handle, id)
	if u == nil {
		return CredentialState{}, false, ErrUserNotFound
	}
	c := &u.creds[i]
	if cur := StateOf(c); cur != prev {
		return cur, false, nil
	}
	c.SignCount, c.BackupState = next.SignCount, next.BackupState
	return next, true, nil
}

// DeleteCredential removes credential id from the account with handle
// handle; ErrUserNotFound when there is none.
func (m *MemUsers) DeleteCredential(_ context.Context, handle, id []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, i := m.find(handle, id)
	if u == nil {
		return ErrUserNotFound
	}
	u.creds = append(u.creds[:i], u.creds[i+1:]...)
	delete(m.creds, string(id))
	return nil
}

// Handle returns a copy of the user handle of the account called name, or
// ErrUserNotFound: what a sign-in needs of the account before its
// credential is known (§7.2 step 6), without copying the credential records
// as Lookup does. Handler uses it when its UserStore has it.
func (m *MemUsers) Handle(_ context.Context, name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.byName[name]
	if u == nil {
		return nil, ErrUserNotFound
	}
	return bytes.Clone(u.handle), nil
}

// view calls f with the handle and the credential records of the account
// called name while m.mu is held, or returns ErrUserNotFound. f must not
// keep or modify what it is given, nor call m.
func (m *MemUsers) view(name string, f func(handle []byte, creds []webauthn.Credential)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.byName[name]
	if u == nil {
		return ErrUserNotFound
	}
	f(u.handle, u.creds)
	return nil
}
