package cognito

import (
	"context"
	"database/sql"
	"net/url"

	_ "modernc.org/sqlite" // the pure Go SQLite driver, "sqlite"
)

// sqliteBusyTimeoutMS is how long a SQLite write waits for another
// connection's write lock before failing (InternalErrorException): long
// enough for any one transaction of this store to finish under load.
const sqliteBusyTimeoutMS = 10000

// OpenSQLite opens (creating it when absent) the SQLite database file at
// path as a Store: write-ahead logging, transactions that take the write
// lock when they begin, so that AddCredential's count and insert are one
// atomic step.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout("+itoa(sqliteBusyTimeoutMS)+")")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(NORMAL)")
	v.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+v.Encode())
	if err != nil {
		return nil, err
	}
	s, err := newSQLStore(ctx, db, dialectSQLite)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenMemory returns a Store held in memory (an in-memory SQLite database
// on one connection): nothing survives the process.
func OpenMemory(ctx context.Context) (Store, error) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return nil, err
	}
	// One connection: each connection to ":memory:" is its own database,
	// and the one connection serialises every statement and transaction.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s, err := newSQLStore(ctx, db, dialectSQLite)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
