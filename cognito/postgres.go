package cognito

import (
	"context"
	"database/sql"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver, "pgx"
)

// OpenPostgres connects to the PostgreSQL database of dsn (a libpq
// connection string or URL, e.g. "postgres://user@127.0.0.1:5432/cognito")
// and creates the schema when absent: the same tables as OpenSQLite, for
// several endpoint processes sharing one database.
func OpenPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s, err := newSQLStore(ctx, db, dialectPostgres)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
