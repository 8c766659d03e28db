package cognito

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between the SQL databases: the binary column
// type, the placeholders, and how AddCredential locks the owner's row.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// schema is the one schema of every SQL store; {BLOB} is BLOB in SQLite and
// BYTEA in PostgreSQL. Times are Unix milliseconds.
const schema = `
CREATE TABLE IF NOT EXISTS users (
	pool_id       TEXT    NOT NULL,
	username      TEXT    NOT NULL,
	sub           TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	status        TEXT    NOT NULL,
	enabled       BOOLEAN NOT NULL,
	attributes    TEXT    NOT NULL,
	created_ms    BIGINT  NOT NULL,
	modified_ms   BIGINT  NOT NULL,
	PRIMARY KEY (pool_id, username),
	UNIQUE (pool_id, sub)
);
CREATE TABLE IF NOT EXISTS credentials (
	pool_id         TEXT    NOT NULL,
	credential_id   {BLOB}  NOT NULL,
	sub             TEXT    NOT NULL,
	public_key      {BLOB}  NOT NULL,
	algorithm       BIGINT  NOT NULL,
	sign_count      BIGINT  NOT NULL,
	backup_eligible BOOLEAN NOT NULL,
	backup_state    BOOLEAN NOT NULL,
	transports      TEXT    NOT NULL,
	attachment      TEXT    NOT NULL,
	aaguid          {BLOB}  NOT NULL,
	friendly_name   TEXT    NOT NULL,
	rp_id           TEXT    NOT NULL,
	created_ms      BIGINT  NOT NULL,
	last_used_ms    BIGINT  NOT NULL,
	PRIMARY KEY (pool_id, credential_id)
);
CREATE INDEX IF NOT EXISTS credentials_by_user ON credentials (pool_id, sub, created_ms, credential_id);
CREATE TABLE IF NOT EXISTS signing_keys (
	pool_id     TEXT   NOT NULL PRIMARY KEY,
	private_key {BLOB} NOT NULL,
	created_ms  BIGINT NOT NULL
);
`

// sqlStore is the Store over database/sql, for SQLite and PostgreSQL.
type sqlStore struct {
	db *sql.DB
	d  dialect
}

var _ Store = (*sqlStore)(nil)

func newSQLStore(ctx context.Context, db *sql.DB, d dialect) (*sqlStore, error) {
	s := &sqlStore{db: db, d: d}
	blob := "BLOB"
	if d == dialectPostgres {
		blob = "BYTEA"
	}
	ddl := strings.ReplaceAll(schema, "{BLOB}", blob)
	for _, stmt := range strings.Split(ddl, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("cognito store: creating the schema: %w", err)
		}
	}
	return s, nil
}

// q rewrites the ? placeholders of query into the dialect's.
func (s *sqlStore) q(query string) string {
	if s.d != dialectPostgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func storeErr(what string, err error) error {
	return fmt.Errorf("cognito store: %s: %w", what, err)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nonNil keeps NOT NULL binary columns from receiving NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (s *sqlStore) Close() error { return s.db.Close() }

func (s *sqlStore) CreateUser(ctx context.Context, u *UserRecord) error {
	attrs, err := json.Marshal(u.Attributes)
	if err != nil {
		return storeErr("encoding attributes", err)
	}
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO users
		(pool_id, username, sub, password_hash, status, enabled, attributes, created_ms, modified_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		u.Pool, u.Username, u.Sub, u.PasswordHash, u.Status, u.Enabled, string(attrs), ms(u.Created), ms(u.Modified))
	if err != nil {
		return storeErr("CreateUser", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return storeErr("CreateUser", err)
	} else if n == 0 {
		return ErrExists
	}
	return nil
}

const userColumns = `pool_id, username, sub, password_hash, status, enabled, attributes, created_ms, modified_ms`

func (s *sqlStore) scanUser(row *sql.Row) (*UserRecord, error) {
	var u UserRecord
	var attrs string
	var created, modified int64
	err := row.Scan(&u.Pool, &u.Username, &u.Sub, &u.PasswordHash, &u.Status, &u.Enabled, &attrs, &created, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, storeErr("reading a user", err)
	}
	if err := json.Unmarshal([]byte(attrs), &u.Attributes); err != nil {
		return nil, storeErr("decoding attributes", err)
	}
	u.Created, u.Modified = fromMS(created), fromMS(modified)
	return &u, nil
}

func (s *sqlStore) User(ctx context.Context, pool, username string) (*UserRecord, error) {
	return s.scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE pool_id = ? AND username = ?`), pool, username))
}

func (s *sqlStore) UserBySub(ctx context.Context, pool, sub string) (*UserRecord, error) {
	return s.scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE pool_id = ? AND sub = ?`), pool, sub))
}

func (s *sqlStore) UpdateUser(ctx context.Context, pool, username, ifStatus, status, passwordHash string, now time.Time) error {
	query := `UPDATE users SET status = ?, modified_ms = ?`
	args := []any{status, ms(now)}
	if passwordHash != "" {
		query += `, password_hash = ?`
		args = append(args, passwordHash)
	}
	query += ` WHERE pool_id = ? AND username = ?`
	args = append(args, pool, username)
	if ifStatus != "" {
		query += ` AND status = ?`
		args = append(args, ifStatus)
	}
	res, err := s.db.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return storeErr("UpdateUser", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return storeErr("UpdateUser", err)
	}
	if n == 1 {
		return nil
	}
	if _, err := s.User(ctx, pool, username); err != nil {
		return err
	}
	return ErrConflict
}

func (s *sqlStore) AddCredential(ctx context.Context, c *CredentialRecord, max int) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return storeErr("AddCredential: begin", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	// Lock the owner's row so that the count below stays true until the
	// insert commits: PostgreSQL row lock; SQLite transactions begin
	// IMMEDIATE (or run on the one connection of an in-memory store), so
	// they already hold the database's write lock.
	lock := `SELECT sub FROM users WHERE pool_id = ? AND sub = ?`
	if s.d == dialectPostgres {
		lock += ` FOR UPDATE`
	}
	var sub string
	if err := tx.QueryRowContext(ctx, s.q(lock), c.Pool, c.Sub).Scan(&sub); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return storeErr("AddCredential: locking the user", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM credentials WHERE pool_id = ? AND sub = ?`), c.Pool, c.Sub).Scan(&n); err != nil {
		return storeErr("AddCredential: counting", err)
	}
	if n >= max {
		return ErrLimit
	}
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO credentials
		(pool_id, credential_id, sub, public_key, algorithm, sign_count, backup_eligible, backup_state,
		 transports, attachment, aaguid, friendly_name, rp_id, created_ms, last_used_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		c.Pool, nonNil(c.ID), c.Sub, nonNil(c.PublicKey), c.Algorithm, int64(c.State.SignCount), c.BackupEligible, c.State.BackupState,
		strings.Join(c.Transports, ","), c.Attachment, nonNil(c.AAGUID), c.FriendlyName, c.RPID, ms(c.Created), ms(c.LastUsed))
	if err != nil {
		return storeErr("AddCredential: insert", err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return storeErr("AddCredential: insert", err)
	} else if k == 0 {
		return ErrExists
	}
	if err := tx.Commit(); err != nil {
		return storeErr("AddCredential: commit", err)
	}
	return nil
}

const credentialColumns = `pool_id, credential_id, sub, public_key, algorithm, sign_count, backup_eligible, backup_state,
	transports, attachment, aaguid, friendly_name, rp_id, created_ms, last_used_ms`

type scanner interface{ Scan(dest ...any) error }

func scanCredential(r scanner) (*CredentialRecord, error) {
	var c CredentialRecord
	var count, created, used int64
	var transports string
	if err := r.Scan(&c.Pool, &c.ID, &c.Sub, &c.PublicKey, &c.Algorithm, &count, &c.BackupEligible, &c.State.BackupState,
		&transports, &c.Attachment, &c.AAGUID, &c.FriendlyName, &c.RPID, &created, &used); err != nil {
		return nil, err
	}
	if count < 0 || count > 1<<32-1 {
		return nil, fmt.Errorf("stored sign count %d out of range", count)
	}
	c.State.SignCount = uint32(count)
	if transports != "" {
		c.Transports = strings.Split(transports, ",")
	}
	c.Created, c.LastUsed = fromMS(created), fromMS(used)
	return &c, nil
}

func (s *sqlStore) Credential(ctx context.Context, pool string, id []byte) (*CredentialRecord, error) {
	c, err := scanCredential(s.db.QueryRowContext(ctx, s.q(`SELECT `+credentialColumns+` FROM credentials WHERE pool_id = ? AND credential_id = ?`), pool, nonNil(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, storeErr("Credential", err)
	}
	return c, nil
}

func (s *sqlStore) Credentials(ctx context.Context, pool, sub string, after *Cursor, limit int) ([]CredentialRecord, error) {
	query := `SELECT ` + credentialColumns + ` FROM credentials WHERE pool_id = ? AND sub = ?`
	args := []any{pool, sub}
	if after != nil {
		query += ` AND (created_ms > ? OR (created_ms = ? AND credential_id > ?))`
		args = append(args, ms(after.Created), ms(after.Created), nonNil(after.ID))
	}
	query += ` ORDER BY created_ms, credential_id LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, storeErr("Credentials", err)
	}
	defer rows.Close()
	var out []CredentialRecord
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, storeErr("Credentials", err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("Credentials", err)
	}
	return out, nil
}

func (s *sqlStore) DeleteCredential(ctx context.Context, pool, sub string, id []byte) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM credentials WHERE pool_id = ? AND sub = ? AND credential_id = ?`), pool, sub, nonNil(id))
	if err != nil {
		return storeErr("DeleteCredential", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return storeErr("DeleteCredential", err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *sqlStore) UpdateCredentialState(ctx context.Context, pool string, id []byte, old, next CredentialState, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE credentials SET sign_count = ?, backup_state = ?, last_used_ms = ?
		WHERE pool_id = ? AND credential_id = ? AND sign_count = ? AND backup_state = ?`),
		int64(next.SignCount), next.BackupState, ms(now), pool, nonNil(id), int64(old.SignCount), old.BackupState)
	if err != nil {
		return false, storeErr("UpdateCredentialState", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, storeErr("UpdateCredentialState", err)
	}
	return n == 1, nil
}

func (s *sqlStore) SigningKey(ctx context.Context, pool string, generate func() ([]byte, error), now time.Time) ([]byte, error) {
	var key []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT private_key FROM signing_keys WHERE pool_id = ?`), pool).Scan(&key)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, storeErr("SigningKey", err)
	}
	key, err = generate()
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO signing_keys (pool_id, private_key, created_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
		pool, key, ms(now)); err != nil {
		return nil, storeErr("SigningKey", err)
	}
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT private_key FROM signing_keys WHERE pool_id = ?`), pool).Scan(&key); err != nil {
		return nil, storeErr("SigningKey", err)
	}
	return key, nil
}
