package mssql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// openDatabaseSnapshot creates a database snapshot of the database db is
// connected to and opens it; drop closes it and drops the snapshot.
func openDatabaseSnapshot(ctx context.Context, db *sql.DB, name string, opts Options) (*sql.DB, func(), error) {
	if opts.OpenDatabase == nil {
		return nil, nil, errors.New("database snapshots are not enabled")
	}
	type file struct{ name, path string }
	var files []file
	err := queryEach(ctx, db, qDatabaseFiles, func(r *record) error {
		files = append(files, file{r.str("name"), r.str("physical_name")})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, errors.New("the database has no data files")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	snap := fmt.Sprintf("%s_sqlvault_%d", name, now().UnixNano())
	var b strings.Builder
	fmt.Fprintf(&b, "/* sqlvault:create_snapshot */\nCREATE DATABASE %s ON ", quoteIdent(snap))
	for i, f := range files {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(NAME = %s, FILENAME = %s)", quoteIdent(f.name), constantLit(f.path+".sqlvault-"+fmt.Sprint(now().UnixNano())+".ss"))
	}
	fmt.Fprintf(&b, " AS SNAPSHOT OF %s;", quoteIdent(name))
	if _, err := db.ExecContext(ctx, b.String()); err != nil {
		return nil, nil, fmt.Errorf("create database snapshot: %w", err)
	}
	drop := func() {
		_, _ = db.ExecContext(context.Background(), "/* sqlvault:drop_snapshot */\nDROP DATABASE "+quoteIdent(snap)+";")
	}
	sdb, err := opts.OpenDatabase(ctx, snap)
	if err != nil {
		drop()
		return nil, nil, fmt.Errorf("open database snapshot: %w", err)
	}
	return sdb, func() { sdb.Close(); drop() }, nil
}
