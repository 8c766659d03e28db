package cognito

import (
	"context"
	"errors"
	"time"
)

// Store errors. Every other error a Store returns is a failure of the store
// itself and is answered as InternalErrorException.
var (
	// ErrNotFound: no user or credential with that key.
	ErrNotFound = errors.New("cognito store: not found")
	// ErrExists: a user with that name, or a credential with that ID, is
	// already stored.
	ErrExists = errors.New("cognito store: already exists")
	// ErrLimit: the user already has the maximum number of credentials.
	ErrLimit = errors.New("cognito store: credential limit reached")
	// ErrConflict: the row is not in the state the update was conditioned
	// on.
	ErrConflict = errors.New("cognito store: state changed")
)

// User statuses (the service model's UserStatusType) this endpoint uses.
const (
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusConfirmed           = "CONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       = "RESET_REQUIRED"
)

// Attribute is a user attribute (AttributeType).
type Attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// UserRecord is a stored user.
type UserRecord struct {
	Pool     string
	Username string
	// Sub is the user's immutable ID (a UUID); its bytes are the WebAuthn
	// user handle.
	Sub string
	// PasswordHash is the PHC-encoded argon2id hash, or "" for none.
	PasswordHash string
	Status       string
	Enabled      bool
	// Attributes are the attributes given at sign-up, sub excluded.
	Attributes []Attribute
	Created    time.Time
	Modified   time.Time
}

// CredentialState is the part of a credential an assertion changes
// (WebAuthn L3 §7.2 steps 22-24): updated only by compare-and-set.
type CredentialState struct {
	SignCount   uint32
	BackupState bool
}

// CredentialRecord is a stored passkey (WebAuthn L3 §7.1 step 27).
type CredentialRecord struct {
	Pool string
	ID   []byte
	// Sub is the owner's sub.
	Sub            string
	PublicKey      []byte
	Algorithm      int64
	BackupEligible bool
	State          CredentialState
	Transports     []string
	// Attachment is "platform", "cross-platform" or "".
	Attachment   string
	AAGUID       []byte
	FriendlyName string
	RPID         string
	Created      time.Time
	LastUsed     time.Time
}

// Cursor is the position after which ListCredentials continues: the
// (Created, ID) of the last credential returned.
type Cursor struct {
	Created time.Time
	ID      []byte
}

// Store keeps users, passkeys and the pools' token signing keys. Methods are
// safe for concurrent use; each is atomic.
type Store interface {
	// CreateUser stores u; ErrExists when the pool has a user of that
	// username or sub.
	CreateUser(ctx context.Context, u *UserRecord) error
	// User returns the user of that username; ErrNotFound.
	User(ctx context.Context, pool, username string) (*UserRecord, error)
	// UserBySub returns the user of that sub; ErrNotFound.
	UserBySub(ctx context.Context, pool, sub string) (*UserRecord, error)
	// UpdateUser sets the user's status, and its password hash when
	// passwordHash is not "", when its status is ifStatus (any status when
	// ifStatus is ""): ErrNotFound, ErrConflict.
	UpdateUser(ctx context.Context, pool, username, ifStatus, status, passwordHash string, now time.Time) error

	// AddCredential stores c when its owner has fewer than max credentials,
	// atomically with the count: ErrLimit when it has max or more,
	// ErrExists when the pool has a credential of that ID, ErrNotFound when
	// the owner does not exist. Concurrent calls add exactly as many as fit.
	AddCredential(ctx context.Context, c *CredentialRecord, max int) error
	// Credential returns the credential of that ID; ErrNotFound.
	Credential(ctx context.Context, pool string, id []byte) (*CredentialRecord, error)
	// Credentials returns up to limit credentials of sub ordered by
	// (Created, ID), those after *after when after is not nil.
	Credentials(ctx context.Context, pool, sub string, after *Cursor, limit int) ([]CredentialRecord, error)
	// DeleteCredential removes sub's credential of that ID; ErrNotFound
	// when sub has none.
	DeleteCredential(ctx context.Context, pool, sub string, id []byte) error
	// UpdateCredentialState sets the credential's state to next, and its
	// last use to now, only when its state is still old; it reports whether
	// it did. A deleted credential is never recreated (false).
	UpdateCredentialState(ctx context.Context, pool string, id []byte, old, next CredentialState, now time.Time) (bool, error)

	// SigningKey returns the pool's token signing key (PKCS #8 DER),
	// storing generate's result (created at now) first when the pool has
	// none; of concurrent first calls, one key wins and all return it.
	SigningKey(ctx context.Context, pool string, generate func() ([]byte, error), now time.Time) ([]byte, error)

	Close() error
}
