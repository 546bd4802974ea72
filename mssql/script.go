package mssql

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sink receives the files of a scripted database, one after another.
// snapshot.Builder implements it, as do DirSink and ScriptSink.
type Sink interface {
	WriteFile(ctx context.Context, name string, write func(w io.Writer) error) error
}

// File names inside the folder of a scripted database.
const (
	MasterFile   = "restore.sql"
	ManifestFile = "manifest.json"
	SchemaFile   = "schema.sql"
	PostDataFile = "post-data.sql"
	SecurityFile = "security.sql"
	DataDir      = "data"
)

// ManifestFormat names the layout of a scripted database folder. Version
// 2: every .sql file starts with a UTF-8 byte order mark and an encoding
// check, and restore.sql includes the files as
// ":r $(SqlvaultDir)/FILE" (version 1 wrote ':r "FILE"', which go-sqlcmd
// cannot open; Includes reads both).
const ManifestFormat = "sqlvault-mssql/2"

// DirVar is the sqlcmd scripting variable that names the folder of a
// scripted database: restore.sql includes its files as
// ":r $(SqlvaultDir)/FILE". The restore command gives it with
// -v SqlvaultDir=FOLDER (sqlcmd) or :setvar (SSMS); restore.sql does not
// set it, because a :setvar in a script overrides -v ("Variable
// precedence", sqlcmd scripting variables, Microsoft Learn).
const DirVar = "SqlvaultDir"

// BOM is the UTF-8 byte order mark every .sql file starts with, so that
// go-sqlcmd, the ODBC sqlcmd (which reads a file without one in the
// console's code page unless given -f 65001) and SSMS all decode it as
// UTF-8.
const BOM = "\uFEFF"

// encodingCheck is the first batch of every .sql file: a client that
// decoded the file in another encoding than UTF-8 reads the two
// characters as several others (é, UTF-8 C3 A9, is "Ã©" in Windows-1252),
// raises an error, which stops sqlcmd -b or :on error exit, and sets
// NOEXEC ON, which stops every later batch of the session where nothing
// stops at errors (SSMS without SQLCMD mode).
const encodingCheck = "IF UNICODE(N'é') <> 233 OR UNICODE(N'€') <> 8364\nBEGIN\n" +
	"    RAISERROR (N'sqlvault: this script was not read as UTF-8 (give the ODBC sqlcmd -f 65001); nothing after this batch runs (SET NOEXEC ON)', 16, 1);\n" +
	"    SET NOEXEC ON;\nEND;\nGO\n"

// fileHeader starts every script file: the byte order mark, the encoding
// check and the session options that indexes on computed columns,
// filtered indexes and indexed views need, whatever the client's defaults
// (the ODBC sqlcmd's QUOTED_IDENTIFIER is OFF).
const fileHeader = BOM + encodingCheck + "SET NOCOUNT ON;\nSET ANSI_NULLS ON;\nSET ANSI_PADDING ON;\nSET ANSI_WARNINGS ON;\nSET ARITHABORT ON;\nSET CONCAT_NULL_YIELDS_NULL ON;\nSET NUMERIC_ROUNDABORT OFF;\nSET QUOTED_IDENTIFIER ON;\nGO\n"

// Consistency modes recorded in the manifest.
const (
	ConsistencySnapshotIsolation = "snapshot-isolation"
	ConsistencyDatabaseSnapshot  = "database-snapshot"
	ConsistencyNone              = "none"
)

// Options control Script.
type Options struct {
	// Tables, if set, limits the script to these tables ("schema.table"
	// or "table", compared case-insensitively) and leaves out views,
	// routines, types and sequences, as mysqldump --tables does.
	Tables []string
	// ExcludeTables leaves tables out ("schema.table" or "table").
	ExcludeTables []string
	// Where is a condition applied to every table's rows.
	Where string
	// SchemaOnly leaves out the data; DataOnly leaves out the schema
	// (identities are still reseeded and sequences restarted).
	SchemaOnly, DataOnly bool
	// AllowInconsistent reads without a snapshot when neither snapshot
	// isolation nor a database snapshot is available.
	AllowInconsistent bool
	// AllowMaskedData reads tables whose data the login sees masked
	// (dynamic data masking without UNMASK) or filtered (a filter
	// predicate of an enabled row-level security policy) instead of
	// failing: each is warned about (the error wraps ErrFilteredData) and
	// listed in the manifest (FilteredTables).
	AllowMaskedData bool
	// KeepFilegroups creates tables, indexes and partition schemes on the
	// filegroups of the source, which the target database must then have
	// (schema.sql checks first). Without it every table and index is
	// created on the default filegroup, and a partition scheme maps every
	// partition to PRIMARY; partitioning is kept either way.
	KeepFilegroups bool
	// OpenDatabase connects to another database of the same server; it is
	// needed to read from a database snapshot (nil disables that mode),
	// and to read memory-optimized tables beside a SNAPSHOT transaction
	// (nil makes Script fail on a database that has some).
	OpenDatabase func(ctx context.Context, name string) (*sql.DB, error)
	// Progress is called as tables are scripted.
	Progress func(Progress)
	// Warn is called for every object that cannot be scripted. Catalog
	// text in what and in the error's message is rendered as the scripts'
	// comments render it (DisplayText): one line, whatever a name holds.
	Warn func(what string, err error)
	// Now returns the current time (for the manifest); time.Now if nil.
	Now func() time.Time
	// Source and Database name the source in errors.
	Source   *Source
	Database string

	// limits shape the data files; zero: the defaults (tests only).
	limits dataLimits
}

// Progress reports how far scripting is.
type Progress struct {
	Table       string // the table being scripted, or "" at the end
	TablesDone  int
	TablesTotal int
	TableRows   int64 // rows of Table scripted so far
	TableBytes  int64 // bytes of T-SQL of Table so far
	Rows        int64 // rows scripted so far in all tables
	Bytes       int64 // bytes of T-SQL written so far
	TableDone   bool  // Table has just been finished
}

// Manifest describes a scripted database; it is stored as manifest.json
// next to the scripts. It is the only file that holds times.
type Manifest struct {
	Format      string        `json:"format"`
	Database    DatabaseInfo  `json:"database"`
	Server      ServerInfo    `json:"server"`
	Consistency string        `json:"consistency"`
	Start       time.Time     `json:"start"`
	End         time.Time     `json:"end"`
	Options     ManifestOpts  `json:"options"`
	Files       []string      `json:"files"`
	Objects     []ObjectEntry `json:"objects"`
	Tables      []TableEntry  `json:"tables"`
	Unscripted  []Unscripted  `json:"unscripted,omitempty"`
	// LeftOut are what the options (Tables, ExcludeTables) leave out
	// besides the tables themselves: objects that depend on a table left
	// out (a view over it, a foreign key to it), transitively, each with
	// why. Informational: the snapshot is complete as asked. What is left
	// out for an object that cannot be scripted is under Unscripted.
	LeftOut []Unscripted `json:"left_out,omitempty"`
	// FilteredTables are the tables whose data was read masked or
	// filtered, as allowed by Options.AllowMaskedData: the snapshot holds
	// what the login saw, not what is stored.
	FilteredTables []FilteredTable `json:"filtered_tables,omitempty"`
	// Filegroups are the filegroups of the source database and their
	// files, reported whether or not the scripts keep them
	// (Options.KeepFilegroups).
	Filegroups []Filegroup `json:"filegroups,omitempty"`
	// NeedsLogins are the server logins that schema.sql creates users
	// for: on a server without one, the user and what depends on it are
	// skipped (the scripts print which). Informational: the snapshot
	// is complete without them.
	NeedsLogins []NeededLogin `json:"needs_logins,omitempty"`
	// Target says which servers the script restores into.
	Target Target         `json:"target"`
	Totals ManifestTotals `json:"totals"`

	// ContentHashFormat is RowHashFormat, the encoding of the tables'
	// content hashes, when the data was scripted.
	ContentHashFormat string `json:"content_hash_format,omitempty"`
}

// ManifestOpts records the options that shaped the script.
type ManifestOpts struct {
	Tables        []string `json:"tables,omitempty"`
	ExcludeTables []string `json:"exclude_tables,omitempty"`
	Where         string   `json:"where,omitempty"`
	SchemaOnly    bool     `json:"schema_only,omitempty"`
	DataOnly      bool     `json:"data_only,omitempty"`
	// KeepFilegroups is Options.KeepFilegroups.
	KeepFilegroups bool `json:"keep_filegroups,omitempty"`
}

// ObjectEntry is one scripted object.
type ObjectEntry struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// TableEntry records one table's data file.
type TableEntry struct {
	Name  string `json:"name"`
	File  string `json:"file,omitempty"`
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
	// ContentHash is the hash of the rows as read, "sha256:" and 64 hex
	// digits, in the encoding Manifest.ContentHashFormat names.
	ContentHash string `json:"content_hash,omitempty"`
	// Durability is SCHEMA_ONLY for a memory-optimized table whose rows
	// the server does not keep: no data file, created empty.
	Durability string `json:"durability,omitempty"`
	// Columns are the columns the data file sets, in its order, with the
	// types its literals were written for (see DataColumns); absent in
	// manifests written before they were recorded.
	Columns []ManifestColumn `json:"columns,omitempty"`
	// Edge marks an edge table, whose rows find their ends by subqueries
	// (graph.go).
	Edge bool `json:"edge,omitempty"`
	// MemoryOptimized marks a memory-optimized table, which a restore
	// empties with DELETE (it refuses TRUNCATE TABLE).
	MemoryOptimized bool `json:"memory_optimized,omitempty"`
	// Query is the query the rows were read with (its columns, ORDER BY
	// and the options' WHERE), the order of the content hash; verify
	// reads a restored copy with it (HashEntry). Absent in manifests
	// written before it was recorded.
	Query string `json:"query,omitempty"`
	// Key names the columns that identify a row in Query's order (the
	// unique clustered index's or the primary key's), for naming a row
	// that differs; empty when the table has none.
	Key []string `json:"key,omitempty"`
	// Ends are, for an edge table, the node tables its FROM ([0]) and TO
	// ([1]) ends can be in, with the key columns Query reads of each.
	Ends [][]ManifestNode `json:"ends,omitempty"`
}

// ManifestTotals sums the data.
type ManifestTotals struct {
	Tables int   `json:"tables"`
	Rows   int64 `json:"rows"`
	Bytes  int64 `json:"bytes"`
}

// ErrInconsistent is wrapped by the error Script returns when no
// consistent read is possible and AllowInconsistent is not set.
var ErrInconsistent = errors.New("no consistent read possible")

// Script reads the database db is connected to and writes its folder of
// scripts to out: schema.sql, one data/<schema>.<table>.sql per table,
// post-data.sql, security.sql (roles, owners and permissions; last, so
// that a failure there leaves the data loaded), restore.sql (the master
// script) and manifest.json. It
// returns the manifest. If reading fails, the error is returned and the
// files already written must be discarded (a snapshot.Builder is simply
// not committed).
func Script(ctx context.Context, db *sql.DB, out Sink, opts Options) (*Manifest, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	src := opts.Source
	if src == nil {
		src = &Source{User: "?", Host: "?"}
	}
	fail := func(err error) error { return classifyRead(err, src, opts.Database) }
	m := &Manifest{Format: ManifestFormat, Start: now().UTC()}
	m.Options = ManifestOpts{Tables: opts.Tables, ExcludeTables: opts.ExcludeTables, Where: opts.Where,
		SchemaOnly: opts.SchemaOnly, DataOnly: opts.DataOnly, KeepFilegroups: opts.KeepFilegroups}

	srv, err := ReadServer(ctx, db)
	if err != nil {
		return nil, fail(err)
	}
	if err := checkVersion(srv); err != nil {
		return nil, &SourceError{Kind: KindVersion, Server: src.Location(""), Database: opts.Database, Err: err,
			msg: fmt.Sprintf("%s, database %q: %v", src.Location(""), opts.Database, err)}
	}
	var dbi DatabaseInfo
	err = queryEach(ctx, db, qDatabase, func(r *record) error {
		dbi.Name = r.str("name")
		dbi.SnapshotIsolationState = r.int("snapshot_isolation_state")
		return nil
	})
	if err != nil {
		return nil, fail(err)
	}
	var viewDef, selectPerm int64 = 1, 1
	err = queryEach(ctx, db, qPermissions, func(r *record) error {
		viewDef, selectPerm = r.int("view_definition"), r.int("select_permission")
		return nil
	})
	if err != nil {
		return nil, fail(err)
	}
	if viewDef != 1 || selectPerm != 1 {
		missing := "VIEW DEFINITION"
		if viewDef == 1 {
			missing = "SELECT"
		} else if selectPerm != 1 {
			missing = "VIEW DEFINITION and SELECT"
		}
		return nil, &SourceError{Kind: KindPermission, Server: src.Location(""), Database: opts.Database,
			msg: fmt.Sprintf("%s, database %q: login %q lacks the %s permission on the database: grant it (GRANT VIEW DEFINITION, SELECT TO [%s]) or add the login's user to db_datareader and grant VIEW DEFINITION",
				src.Location(""), dbi.Name, src.User, missing, src.User)}
	}
	// The filegroups and files, from the database itself (a database
	// snapshot's files are its own sparse files) and before the snapshot
	// transaction takes the one connection.
	if m.Filegroups, err = readFilegroups(ctx, db); err != nil {
		return nil, fail(err)
	}
	var q querier
	switch {
	case dbi.SnapshotIsolationState == 1:
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSnapshot})
		if err != nil {
			return nil, fail(readErr("begin snapshot transaction", err))
		}
		defer tx.Rollback()
		q, m.Consistency = tx, ConsistencySnapshotIsolation
	default:
		snapDB, drop, serr := openDatabaseSnapshot(ctx, db, dbi.Name, opts)
		switch {
		case serr == nil:
			defer drop()
			q, m.Consistency = snapDB, ConsistencyDatabaseSnapshot
		case opts.AllowInconsistent:
			opts.warn("consistency", fmt.Errorf("%w: reading without a snapshot as allowed (snapshot isolation is off; database snapshot: %v)", ErrInconsistent, serr))
			q, m.Consistency = db, ConsistencyNone
		default:
			return nil, &SourceError{Kind: KindInconsistent, Server: src.Location(""), Database: opts.Database, Err: ErrInconsistent,
				msg: fmt.Sprintf("%s, database %q: %v: snapshot isolation is off and a database snapshot could not be made (%s); run ALTER DATABASE %s SET ALLOW_SNAPSHOT_ISOLATION ON, or give --allow-inconsistent",
					src.Location(""), dbi.Name, ErrInconsistent, oneLine(serr.Error()), commentText(quoteIdent(dbi.Name)))}
		}
	}

	c, err := loadCatalogOf(ctx, q, srv)
	if err != nil {
		return nil, fail(err)
	}
	if m.Consistency == ConsistencyDatabaseSnapshot {
		c.Database.Name = dbi.Name // the snapshot has a name of its own
	}
	m.Server, m.Database = c.Server, c.Database
	c.placeStorage(opts.KeepFilegroups)
	s := &scripter{c: c, opts: opts, m: m}
	m.Unscripted = append([]Unscripted(nil), c.Unscripted...)
	s.plan()
	m.Target = s.target()
	for _, u := range m.Unscripted {
		opts.warn(u.Kind+" "+u.Name, u.warning())
	}
	if !opts.SchemaOnly {
		// Before any data is read: masked values and hidden rows would be
		// stored as if they were the data.
		ft, err := s.filteredTables(ctx, q)
		if err != nil {
			return nil, fail(err)
		}
		if len(ft) > 0 && !opts.AllowMaskedData {
			return nil, filteredError(src, opts.Database, dbi.Name, ft)
		}
		for _, f := range ft {
			opts.warn("table "+f.Table, fmt.Errorf("%w: %s: its data is backed up as this login reads it", ErrFilteredData, f.Reason))
		}
		m.FilteredTables = ft
	}
	if !opts.DataOnly {
		if err := s.writeFile(ctx, out, SchemaFile, s.writeSchema); err != nil {
			return nil, fail(err)
		}
	}
	if !opts.SchemaOnly {
		m.ContentHashFormat = RowHashFormat
		total := 0
		for _, n := range s.nodes {
			if n.table != nil {
				total++
			}
		}
		done := 0
		mem := newMemoryReader(db, m.Consistency == ConsistencySnapshotIsolation, dbi.Name, &opts)
		defer mem.close()
		for _, n := range s.nodes {
			t := n.table
			if t == nil {
				continue
			}
			if t.SchemaOnly() {
				done++
				// No rows: the hash of none, which a restored copy
				// (created empty) gives too.
				m.Tables = append(m.Tables, TableEntry{Name: quoteName(t.Schema, t.Name), Durability: "SCHEMA_ONLY",
					ContentHash: NewRowHasher(nil).Sum()})
				continue
			}
			tq := q
			if t.MemoryOptimized {
				if tq, err = mem.querier(ctx); err != nil {
					return nil, fail(err)
				}
			}
			file := DataDir + "/" + fileName(t.Schema, t.Name)
			var st tableStats
			err := s.writeFile(ctx, out, file, func(w io.Writer) error {
				var err error
				st, err = writeTableData(ctx, tq, t, opts.Where, opts.limits, w, func(rows, bytes int64) {
					s.progress(Progress{Table: quoteName(t.Schema, t.Name), TablesDone: done, TablesTotal: total,
						TableRows: rows, TableBytes: bytes, Rows: s.rows + rows, Bytes: s.bytes + bytes})
				})
				return err
			})
			if err != nil {
				return nil, fail(err)
			}
			if st.skipped > 0 {
				s.edgesSkipped(t, st.skipped)
			}
			done++
			s.rows += st.rows
			s.bytes += st.bytes
			s.stats[t] = st
			_, key := order(t)
			m.Tables = append(m.Tables, TableEntry{Name: quoteName(t.Schema, t.Name), File: file, Rows: st.rows, Bytes: st.bytes, ContentHash: st.hash,
				Columns: manifestColumns(dataColumns(t)), Edge: t.Edge, MemoryOptimized: t.MemoryOptimized, Query: st.query, Ends: manifestEnds(t)})
			if !t.Edge {
				m.Tables[len(m.Tables)-1].Key = key
			}
			s.progress(Progress{Table: quoteName(t.Schema, t.Name), TablesDone: done, TablesTotal: total,
				TableRows: st.rows, TableBytes: st.bytes, Rows: s.rows, Bytes: s.bytes, TableDone: true})
		}
	}
	if err := s.writeFile(ctx, out, PostDataFile, s.writePostData); err != nil {
		return nil, fail(err)
	}
	if !opts.DataOnly && !s.filtered {
		if err := s.writeFile(ctx, out, SecurityFile, s.writeSecurity); err != nil {
			return nil, fail(err)
		}
		m.NeedsLogins = c.NeedsLogins
	}
	if err := s.writeFile(ctx, out, MasterFile, s.writeMaster); err != nil {
		return nil, err
	}
	m.Totals = ManifestTotals{Tables: len(m.Tables), Rows: s.rows, Bytes: s.bytes}
	m.End = now().UTC()
	if err := s.writeFile(ctx, out, ManifestFile, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}); err != nil {
		return nil, err
	}
	return m, nil
}

// warn reports a problem through o.Warn, if set, on one line: what and
// the error's message are rendered by commentText, as catalog text is in
// the scripts' comments (a name may hold line breaks and control
// characters, which would split the line or forge others). The error is
// still wrapped: errors.Is(err, ErrInconsistent) holds.
func (o *Options) warn(what string, err error) {
	if o.Warn != nil {
		o.Warn(commentText(what), lineError{err})
	}
}

// lineError is an error whose message is rendered by commentText.
type lineError struct{ err error }

func (e lineError) Error() string { return commentText(e.err.Error()) }
func (e lineError) Unwrap() error { return e.err }

// scripter holds the state of one Script call.
type scripter struct {
	c        *Catalog
	opts     Options
	m        *Manifest
	tables   []*Table       // the tables to script, as scripted (prunedTable)
	chosen   map[int64]bool // their IDs
	filtered bool           // --tables was given
	nodes    []*node

	// What is not created, and why (planLeftOut): objects, types,
	// computed columns and indexes (by table and column or index id).
	absent      map[int64]absence
	absentType  map[int64]absence
	absentCol   map[[2]int64]absence
	absentIndex map[[2]int64]absence
	parts       map[partKey]int64 // constraints by table and name
	triggers    []*Module         // the triggers post-data.sql creates
	policies    []*SecurityPolicy // the security policies it creates
	extProps    []*ExtProp        // the extended properties it adds, in order
	security    []SecurityItem    // the statements of security.sql
	files       []string          // script files in run order
	rows        int64
	bytes       int64
	stats       map[*Table]tableStats

	// absentFulltext are the tables whose full-text index is left out
	// (planFulltext).
	absentFulltext map[int64]absence
}

func (s *scripter) progress(p Progress) {
	if s.opts.Progress != nil {
		s.opts.Progress(p)
	}
}

// writeFile writes one file through a buffer and remembers .sql files for
// the master script.
func (s *scripter) writeFile(ctx context.Context, out Sink, name string, fn func(w io.Writer) error) error {
	if strings.HasSuffix(name, ".sql") && name != MasterFile {
		s.files = append(s.files, name)
		s.m.Files = append(s.m.Files, name)
	}
	return out.WriteFile(ctx, name, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := fn(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// matchTable tells whether pattern ("schema.table" or "table") names t.
func matchTable(pattern string, t *Table) bool {
	if strings.EqualFold(pattern, t.Name) || strings.EqualFold(pattern, t.Schema+"."+t.Name) {
		return true
	}
	return strings.EqualFold(pattern, quoteName(t.Schema, t.Name))
}

// plan decides what the scripts create (selectTables, planLeftOut), lists
// what they leave out in the manifest, sorted, and orders the objects of
// schema.sql.
func (s *scripter) plan() {
	s.selectTables()
	s.planLeftOut()
	sortUnscripted(s.m.Unscripted)
	withActions(s.m.Unscripted)
	sortUnscripted(s.m.LeftOut)
	s.nodes = orderObjects(s.c, s.tables, !s.filtered, func(id int64) bool { _, gone := s.absent[id]; return gone })
}

func (s *scripter) selectTables() {
	if s.stats == nil {
		s.stats = map[*Table]tableStats{}
	}
	s.filtered = len(s.opts.Tables) > 0
	s.chosen = map[int64]bool{}
	for _, t := range s.c.Tables {
		keep := !s.filtered
		for _, p := range s.opts.Tables {
			if matchTable(p, t) {
				keep = true
			}
		}
		for _, p := range s.opts.ExcludeTables {
			if matchTable(p, t) {
				keep = false
			}
		}
		if keep {
			s.tables = append(s.tables, t)
			s.chosen[t.ID] = true
		}
	}
}

// views returns the pseudo tables holding the indexes and statistics of
// the views schema.sql creates, in module order; none with --tables.
func (s *scripter) views() []*Table {
	var vs []*Table
	for _, m := range s.c.Modules {
		if _, gone := s.absent[m.ID]; !gone && m.Type == "V" && s.c.tables[m.ID] != nil {
			vs = append(vs, s.c.tables[m.ID])
		}
	}
	return vs
}

// writeSchema writes schema.sql: database options, schemas, users (before
// the modules, which may execute as one), and then types, sequences,
// tables (without foreign keys, checks and indexes other than keys),
// functions, views, procedures and synonyms in dependency order. Every
// name in a comment goes through comment (commentText); every statement
// through batch or moduleBatch.
func (s *scripter) writeSchema(w io.Writer) error {
	c := s.c
	var b strings.Builder
	b.WriteString(fileHeader)
	b.WriteString(comment("Schema of database %s", quoteIdent(c.Database.Name)))
	b.WriteString(targetComment(s.m.Target))
	fns, schemes, fgs := c.storageUsed(append(append([]*Table(nil), s.tables...), s.views()...), !s.filtered)
	b.WriteString(storageComment(s.opts.KeepFilegroups))
	if s.opts.KeepFilegroups && len(fgs) > 0 {
		b.WriteString(filegroupCheck(fgs))
	}
	if !s.filtered {
		b.WriteString("\n-- Database options (the database must be new and empty).\n")
		if collationName(c.Database.Collation) { // else reported (Catalog.finish)
			// Changing the collation needs the database to itself; do it
			// only when it differs.
			b.WriteString(batch(fmt.Sprintf("IF CONVERT(sysname, DATABASEPROPERTYEX(DB_NAME(), 'Collation')) <> %s\n    EXEC (N'ALTER DATABASE CURRENT COLLATE %s');",
				nlit(c.Database.Collation), c.Database.Collation)))
		}
		if c.Database.CompatibilityLevel != 0 {
			b.WriteString(comment("Compatibility level %d where this server supports it (else the new database keeps its own)", c.Database.CompatibilityLevel))
			b.WriteString(compatibilityLevel(c.Database.CompatibilityLevel))
		}
		if c.Database.SnapshotIsolationState == 1 {
			b.WriteString(batch("ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;"))
		}
		b.WriteString(databaseOptions(&c.Database))
		s.object("database", quoteIdent(c.Database.Name))
	}
	needSchema := map[string]bool{}
	for _, t := range s.tables {
		needSchema[t.Schema] = true
	}
	for _, sc := range c.Schemas {
		if s.filtered && !needSchema[sc.Name] {
			continue
		}
		// Owned by dbo until security.sql hands it to another owner.
		b.WriteString("\n" + comment("Schema %s", quoteIdent(sc.Name)))
		b.WriteString(batch("CREATE SCHEMA " + quoteIdent(sc.Name) + " AUTHORIZATION [dbo];"))
		s.object("schema", quoteIdent(sc.Name))
	}
	s.writeFulltextCatalogs(&b)
	if !s.filtered && len(c.Users) > 0 {
		// Before the modules, which may execute as a user; a user's
		// default schema need not exist yet.
		b.WriteString("\n-- Users (their roles, owners and permissions are in security.sql)\n")
		if len(c.NeedsLogins) > 0 {
			b.WriteString("-- A user mapped to a server login is created only where this server has that login (manifest.json\n")
			b.WriteString("-- lists them under needs_logins); what depends on such a user is run only where it was created.\n")
		}
		for _, it := range c.Users {
			b.WriteString(batch(it.Stmt))
			s.object(it.Kind, it.Name)
		}
	}
	// XML schema collections, before the types, tables and modules typed
	// by them.
	s.writeXMLSchemaCollections(&b)
	// Partition functions and schemes, before the tables on them.
	for _, f := range fns {
		b.WriteString("\n" + comment("Partition function %s", quoteIdent(f.Name)) + createPartitionFunction(f))
		s.object("partition function", quoteIdent(f.Name))
	}
	for _, ps := range schemes {
		b.WriteString("\n" + comment("Partition scheme %s", quoteIdent(ps.Name)) + createPartitionScheme(ps))
		s.object("partition scheme", quoteIdent(ps.Name))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, n := range s.nodes {
		name := quoteName(n.schema, n.name)
		var kind, ddl string
		switch {
		case n.userType != nil && n.userType.MemoryOpt:
			kind, ddl = "table type", createMemoryTableType(n.userType)
		case n.userType != nil && n.userType.IsTable:
			kind, ddl = "table type", createTableType(n.userType)
		case n.userType != nil:
			kind, ddl = "type", createAliasType(n.userType)
		case n.seq != nil:
			kind, ddl = "sequence", createSequence(n.seq)
		case n.table != nil && n.table.MemoryOptimized:
			kind, ddl = "table", createMemoryTable(n.table)
		case n.table != nil:
			kind, ddl = "table", createTable(n.table)+tableOptions(n.table)
		case n.module != nil:
			kind, ddl = kindOfModule(n.module.Type), moduleBatch(n.module, s.moduleDefinition(n.module))
		case n.synonym != nil:
			kind, ddl = "synonym", batch(fmt.Sprintf("CREATE SYNONYM %s FOR %s;", name, n.synonym.Base))
		default:
			continue
		}
		// The comment names the kind as the manifest does: "-- Table type [s].[t]".
		if _, err := io.WriteString(w, "\n"+comment("%s %s", strings.ToUpper(kind[:1])+kind[1:], name)+ddl); err != nil {
			return err
		}
		s.object(kind, name)
	}
	return nil
}

// compatibilityLevel returns the batch that sets the database's
// compatibility level to level where the server supports it, and
// otherwise keeps the new database's level and prints which: a copy is
// often restored on an older server (a downgrade), whose ALTER DATABASE
// would fail on the level. The rule is ALTER DATABASE compatibility
// level's table: SQL Server's highest level is 10 × its major version
// (SERVERPROPERTY('ProductMajorVersion'): 16 → 160; NULL before 2012,
// which then keeps its level), while Azure SQL Database and Managed
// Instance (EngineEdition 5 and 8), whose version numbers do not compare,
// run the newest engine. The ALTER is dynamic SQL, compiled only where it
// runs, as the collation's is. sys.databases gives the level kept; PRINT
// takes no subquery, so it goes through a variable. Nothing here is
// SQLCMD syntax: sqlcmd and SSMS send it as it is.
func compatibilityLevel(level int64) string {
	return batch(fmt.Sprintf("DECLARE @highest int = CASE WHEN CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) THEN %[1]d\n"+
		"    ELSE 10 * CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) END;\n"+
		"IF %[1]d <= @highest\n"+
		"    EXEC (N'ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = %[1]d');\n"+
		"ELSE\n"+
		"BEGIN\n"+
		"    DECLARE @kept nvarchar(10) = (SELECT CONVERT(nvarchar(10), d.compatibility_level) FROM sys.databases AS d WHERE d.database_id = DB_ID());\n"+
		"    PRINT N'sqlvault: compatibility level %[1]d is not supported by this server; kept ' + @kept;\n"+
		"END", level))
}

func (s *scripter) object(kind, name string) {
	s.m.Objects = append(s.m.Objects, ObjectEntry{Kind: kind, Name: name})
}

// writePostData writes post-data.sql: indexes, user-created statistics,
// check constraints, foreign keys, system versioning, triggers, disabled
// states, identity reseeds, sequence restarts and extended properties.
func (s *scripter) writePostData(w io.Writer) error {
	c := s.c
	var b strings.Builder
	b.WriteString(fileHeader)
	b.WriteString(comment("Objects created after the data of database %s", quoteIdent(c.Database.Name)))
	schemaToo := !s.opts.DataOnly
	if schemaToo {
		// Indexes of tables, then of views (an indexed view's clustered
		// index first: index_id order).
		for _, n := range s.nodes {
			if n.table == nil {
				continue
			}
			t := n.table
			for _, ix := range t.Indexes {
				if ix.PrimaryKey || ix.UniqueConstraint || ix.Type == 3 || ix.Type == 4 || ix.Type == 7 && !t.MemoryOptimized {
					continue
				}
				if t.inlineIndex(ix) || t.MemoryOptimized { // declared by CREATE TABLE
					s.object("index", quoteName(t.Schema, t.Name)+"."+quoteIdent(ix.Name))
					continue
				}
				b.WriteString("\n" + comment("Index %s on %s", quoteIdent(ix.Name), quoteName(t.Schema, t.Name)))
				b.WriteString(createIndex(t.Schema, t.Name, ix))
				s.object("index", quoteName(t.Schema, t.Name)+"."+quoteIdent(ix.Name))
			}
			s.writeXMLSpatialIndexes(&b, t)
		}
		for _, vt := range s.views() {
			for _, ix := range vt.Indexes {
				if ix.Type != 1 && ix.Type != 2 {
					continue
				}
				b.WriteString("\n" + comment("Index %s on view %s", quoteIdent(ix.Name), quoteName(vt.Schema, vt.Name)))
				b.WriteString(batch(s.ifModuleCreated(vt.ID, indexStmt(vt.Schema, vt.Name, ix))))
				s.object("index", quoteName(vt.Schema, vt.Name)+"."+quoteIdent(ix.Name))
			}
		}
		// Index options a target version may lack, where it has them.
		for _, n := range s.nodes {
			if t := n.table; t != nil && !t.MemoryOptimized {
				for _, ix := range t.Indexes {
					b.WriteString(indexSettings(t.Schema, t.Name, ix, func(stmt string) string { return stmt }))
				}
			}
		}
		for _, vt := range s.views() {
			for _, ix := range vt.Indexes {
				if ix.Type == 1 || ix.Type == 2 {
					b.WriteString(indexSettings(vt.Schema, vt.Name, ix, func(stmt string) string { return s.ifModuleCreated(vt.ID, stmt) }))
				}
			}
		}
		// User-created statistics, once the data and indexes are there.
		for _, t := range append(s.nodeTables(), s.views()...) {
			for _, st := range t.Stats {
				b.WriteString("\n" + comment("Statistics %s on %s", quoteIdent(st.Name), quoteName(t.Schema, t.Name)))
				b.WriteString(batch(s.ifModuleCreated(t.ID, statisticsStmt(t.Schema, t.Name, st))))
				s.object("statistics", quoteName(t.Schema, t.Name)+"."+quoteIdent(st.Name))
			}
		}
		// Full-text indexes, once their key indexes are there.
		s.writeFulltextIndexes(&b)
		for _, n := range s.nodes {
			if n.table == nil {
				continue
			}
			for _, ck := range n.table.Checks {
				b.WriteString("\n" + comment("Check constraint %s on %s", quoteIdent(ck.Name), quoteName(n.schema, n.name)))
				b.WriteString(addCheck(n.table, ck))
				s.object("check constraint", quoteName(n.schema, n.name)+"."+quoteIdent(ck.Name))
			}
		}
		for _, n := range s.nodes {
			if n.table == nil {
				continue
			}
			for _, fk := range n.table.ForeignKeys {
				b.WriteString("\n" + comment("Foreign key %s on %s", quoteIdent(fk.Name), quoteName(n.schema, n.name)))
				b.WriteString(addForeignKey(fk))
				s.object("foreign key", quoteName(n.schema, n.name)+"."+quoteIdent(fk.Name))
			}
			if g := n.table.graph; g != nil {
				for _, ec := range g.constraints {
					b.WriteString("\n" + comment("Edge constraint %s on %s", quoteIdent(ec.Name), quoteName(n.schema, n.name)))
					b.WriteString(addEdgeConstraint(c, n.table, ec))
					s.object("edge constraint", quoteName(n.schema, n.name)+"."+quoteIdent(ec.Name))
				}
			}
		}
		// System versioning.
		for _, n := range s.nodes {
			t := n.table
			if t == nil || t.TemporalType == 1 || t.Period == nil {
				continue
			}
			name := quoteName(t.Schema, t.Name)
			if t.TemporalType == 2 {
				b.WriteString("\n" + comment("System versioning of %s", name))
			} else {
				b.WriteString("\n" + comment("Period of %s (not system-versioned)", name))
			}
			b.WriteString(batch(fmt.Sprintf("ALTER TABLE %s ADD PERIOD FOR SYSTEM_TIME (%s, %s);", name, quoteIdent(t.Period.Start), quoteIdent(t.Period.End))))
			for _, col := range t.Columns {
				if col.GeneratedAlways != 0 && col.Hidden {
					b.WriteString(batch(fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s ADD HIDDEN;", name, quoteIdent(col.Name))))
				}
			}
			if t.TemporalType == 2 {
				b.WriteString(systemVersioning(c, t))
			}
		}
		// Dynamic data masks.
		for _, n := range s.nodes {
			if n.table == nil {
				continue
			}
			for _, col := range n.table.Columns {
				if col.Mask != "" {
					name := quoteName(n.schema, n.name) + "." + quoteIdent(col.Name)
					b.WriteString("\n" + comment("Dynamic data mask of %s", name))
					b.WriteString(maskBatch(n.table, col))
					s.object("mask", name)
				}
			}
		}
		// Change tracking, once the data and primary keys are there.
		s.writeChangeTracking(&b)
		// Triggers, after the data so that loading does not fire them.
		for _, m := range s.triggers {
			b.WriteString("\n" + comment("Trigger %s on %s", quoteName(m.Schema, m.Name), c.qualified(m.Parent)))
			b.WriteString(moduleBatch(m, s.moduleDefinition(m)))
			if m.TriggerDisabled {
				b.WriteString(batch(ifCreated(m, fmt.Sprintf("DISABLE TRIGGER %s ON %s;", quoteName(m.Schema, m.Name), c.qualified(m.Parent)))))
			}
			s.object("trigger", quoteName(m.Schema, m.Name))
		}
		// Trigger order, once every trigger of the table is there.
		for _, m := range s.triggers {
			b.WriteString(triggerOrder(m))
		}
		// Disabled indexes last: a disabled clustered index makes its
		// table unreadable.
		for _, n := range s.nodes {
			if n.table == nil {
				continue
			}
			for _, ix := range n.table.Indexes {
				if ix.Disabled && ix.Type != 7 {
					b.WriteString(batch(fmt.Sprintf("ALTER INDEX %s ON %s DISABLE;", quoteIdent(ix.Name), quoteName(n.schema, n.name))))
				}
			}
		}
		// Row-level security last, once the data and everything else on
		// its tables are there.
		for _, p := range s.policies {
			b.WriteString("\n" + comment("Security policy %s", quoteName(p.Schema, p.Name)))
			b.WriteString(s.securityPolicyBatch(p))
			s.object("security policy", quoteName(p.Schema, p.Name))
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	b.Reset()
	// Identities and sequences continue where the source stopped.
	if !s.opts.SchemaOnly {
		for _, n := range s.nodes {
			t := n.table
			if t == nil || t.MemoryOptimized {
				// A memory-optimized table's identity continues after the
				// highest value inserted ("Implementing IDENTITY in a
				// Memory-Optimized Table"); DBCC CHECKIDENT is not for it.
				continue
			}
			for _, col := range t.Columns {
				if !col.Identity || col.LastValue == "" {
					continue
				}
				// DBCC CHECKIDENT RESEED: a table that has had rows inserted
				// continues at value + increment; an empty new one at value.
				v := col.LastValue
				if s.stats[t].rows == 0 {
					if nv, ok := addDecimal(col.LastValue, col.Increment); ok {
						v = nv
					}
				}
				// The table by its bracketed name, which DBCC CHECKIDENT
				// documents for table_name ([Person].[AddressType]): a
				// literal that nlit splits (N'a' + NCHAR(13) + ...) would be
				// an expression, which a DBCC argument cannot be; batch runs
				// a name sqlcmd could misread with sp_executesql.
				b.WriteString("\n" + comment("Identity of %s", quoteName(t.Schema, t.Name)))
				b.WriteString(batch(fmt.Sprintf("DBCC CHECKIDENT (%s, RESEED, %s) WITH NO_INFOMSGS;", quoteName(t.Schema, t.Name), v)))
			}
		}
		if !s.filtered {
			for _, n := range s.nodes {
				if n.seq == nil || n.seq.LastUsed == "" {
					continue
				}
				next, ok := addDecimal(n.seq.LastUsed, n.seq.Increment)
				if !ok || n.seq.Exhausted || outside(next, n.seq.Min, n.seq.Max) {
					if !n.seq.Cycling {
						continue // exhausted: restarting would not help
					}
					next = n.seq.Min
					if strings.HasPrefix(n.seq.Increment, "-") {
						next = n.seq.Max
					}
				}
				b.WriteString("\n" + comment("Sequence %s continues", quoteName(n.schema, n.name)))
				b.WriteString(batch(fmt.Sprintf("ALTER SEQUENCE %s RESTART WITH %s;", quoteName(n.schema, n.name), next)))
			}
		}
	}
	if schemaToo && !s.filtered {
		if err := s.writeExtendedProperties(&b, false); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ifModuleCreated makes stmt, about the object id, run only where that
// object exists, if it is a module: a module is created inside TRY...CATCH
// (moduleBatch), so one that fails on the target (stale: it uses a dropped
// column) leaves the restore going, and what is about it (an index on the
// view, statistics, a permission, an owner, an extended property) must not
// stop it either. Statements about other objects are returned as they are.
func (s *scripter) ifModuleCreated(id int64, stmt string) string {
	if m := s.c.modules[id]; m != nil {
		return ifCreated(m, stmt)
	}
	return stmt
}

// maskBatch returns the batch that masks col of t again (dynamic data
// masking, SQL Server 2016: ALTER TABLE ... ALTER COLUMN ... ADD MASKED
// WITH (FUNCTION = '...'), whose argument is a string constant, here
// inside the dynamic SQL of sinceGuarded); an older target gets a PRINT.
func maskBatch(t *Table, col *Column) string {
	name := quoteName(t.Schema, t.Name)
	stmt := fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s ADD MASKED WITH (FUNCTION = '%s');", name, quoteIdent(col.Name),
		litAppendQuoted(nil, col.Mask))
	return sinceGuarded(13, stmt, "the dynamic data mask of "+name+"."+quoteIdent(col.Name))
}

// systemVersioning returns the batch that turns system versioning on for
// t, after its data and period are there, with its history table and,
// where the source has one, its HISTORY_RETENTION_PERIOD: that option is
// SQL Server 2017's, so on an older target versioning is turned on
// without it and a PRINT says so.
func systemVersioning(c *Catalog, t *Table) string {
	name := quoteName(t.Schema, t.Name)
	opts := ""
	if h := c.tables[t.HistoryID]; h != nil {
		opts = fmt.Sprintf("HISTORY_TABLE = %s, DATA_CONSISTENCY_CHECK = ON", quoteName(h.Schema, h.Name))
	}
	stmt := func(opts string) string {
		if opts == "" {
			return fmt.Sprintf("ALTER TABLE %s SET (SYSTEM_VERSIONING = ON);", name)
		}
		return fmt.Sprintf("ALTER TABLE %s SET (SYSTEM_VERSIONING = ON (%s));", name, opts)
	}
	unit := map[string]string{"DAY": "DAYS", "WEEK": "WEEKS", "MONTH": "MONTHS", "YEAR": "YEARS"}[t.RetentionUnit]
	if unit == "" || t.Retention <= 0 {
		return batch(stmt(opts))
	}
	retention := fmt.Sprintf("HISTORY_RETENTION_PERIOD = %d %s", t.Retention, unit)
	with := strings.TrimPrefix(opts+", "+retention, ", ")
	// One @sql for both (a variable is declared once per batch, whatever
	// the block), chosen on the target; only the chosen text is compiled.
	return batch("DECLARE @sql nvarchar(max) = CASE WHEN " + targetSince(14) + "\n    THEN " + nlit(stmt(with)) +
		"\n    ELSE " + nlit(stmt(opts)) + " END;\n" + execSQLVar + "\nIF NOT (" + targetSince(14) + ")\n    PRINT " +
		nlit("sqlvault: "+retention+" of "+name+" needs SQL Server 2017 or later; not set") + ";")
}

// nodeTables returns the tables schema.sql creates, in creation order.
func (s *scripter) nodeTables() []*Table {
	var ts []*Table
	for _, n := range s.nodes {
		if n.table != nil {
			ts = append(ts, n.table)
		}
	}
	return ts
}

// writeSecurity writes security.sql: roles, role members, owners and
// permissions (Catalog.Security; the users are in schema.sql), but those
// about what is not created (planLeftOut).
func (s *scripter) writeSecurity(w io.Writer) error {
	var b strings.Builder
	b.WriteString(fileHeader)
	b.WriteString(comment("Roles, role members, owners and permissions of database %s", quoteIdent(s.c.Database.Name)))
	if len(s.c.NeedsLogins) > 0 {
		b.WriteString("-- What depends on a user mapped to a server login (schema.sql creates it only where this server has\n")
		b.WriteString("-- that login) is run only where the user was created.\n")
	}
	group := ""
	for _, it := range s.security {
		if it.Group != group {
			b.WriteString("\n" + comment("%s", it.Group))
			group = it.Group
		}
		b.WriteString(batch(s.ifModuleCreated(it.Object, it.Stmt)))
		s.object(it.Kind, it.Name)
	}
	// Extended properties of users and roles, once the roles exist.
	if err := s.writeExtendedProperties(&b, true); err != nil {
		return err
	}
	if err := s.writeDatabaseTriggers(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMaster writes restore.sql, which runs the other files in order
// with sqlcmd's :r, from the folder DirVar names (masterHeader says why
// and how to run it).
func (s *scripter) writeMaster(w io.Writer) error {
	var b strings.Builder
	b.WriteString(BOM)
	b.WriteString(comment("sqlvault restore script of database %s", quoteIdent(s.c.Database.Name)))
	b.WriteString(masterHeader)
	b.WriteString(targetComment(s.m.Target))
	b.WriteString(":on error exit\n")
	for _, f := range s.files {
		b.WriteString(includeLine(f))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// masterHeader tells how to run restore.sql in each client it is written
// for: go-sqlcmd (modelled on v1.8.2: it opens the argument of :r as
// written, quotes included, relative to its working folder), the ODBC
// sqlcmd 17 and 18 (UTF-8 files need -f 65001 unless they start with a
// BOM; -b and :on error exit stop at the first error) and SSMS in SQLCMD
// mode (which resolves a relative :r against its own working folder and
// has no -v). A path with spaces would need quotes in :r for the ODBC
// sqlcmd and SSMS, which go-sqlcmd would take for part of the name.
const masterHeader = `-- It restores the database into the current database of the connection, which must be new and empty
-- (CREATE DATABASE NEWDB first). It runs the other files of its folder, which the sqlcmd variable
-- SqlvaultDir names: give it as below (a :setvar here would override -v). The folder's path must hold
-- no spaces. Every file starts with a UTF-8 byte order mark and a check that stops the restore if the
-- client read it in another encoding.
--   go-sqlcmd 1.x:      sqlcmd -S SERVER -d NEWDB -b -v SqlvaultDir=/path/to/folder -i /path/to/folder/restore.sql
--   ODBC sqlcmd 17/18:  sqlcmd -S SERVER -d NEWDB -b -f 65001 -v SqlvaultDir=/path/to/folder -i /path/to/folder/restore.sql
--                       (on Windows: -v SqlvaultDir=C:\path\to\folder -i C:\path\to\folder\restore.sql)
--   SSMS:               connect to NEWDB, Query > SQLCMD Mode, and run these two lines in a new query window:
--                         :setvar SqlvaultDir C:\path\to\folder
--                         :r C:\path\to\folder\restore.sql
`

// includeLine is the line of restore.sql that runs a file of the folder.
func includeLine(file string) string {
	return ":r $(" + DirVar + ")/" + file + "\n"
}

// fileName returns the file name of a table's data: schema.table.sql with
// every character other than letters, digits, '_' and '-' escaped as %XX,
// so that names are unambiguous, portable and safe in :r lines.
func fileName(schema, name string) string {
	f := escapeName(schema) + "." + escapeName(name)
	if len(f) > 200 {
		sum := sha256.Sum256([]byte(schema + "\x00" + name))
		cut := 180
		for cut > 0 && !utf8.RuneStart(f[cut]) {
			cut--
		}
		f = f[:cut] + "~" + hex.EncodeToString(sum[:8])
	}
	return f + ".sql"
}

func escapeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r == '-' || (r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r))) || (r >= 128 && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			b.WriteRune(r)
			continue
		}
		var buf [4]byte
		n := encodeRune(buf[:], r)
		for _, c := range buf[:n] {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() == 0 {
		return "%"
	}
	return b.String()
}

func encodeRune(p []byte, r rune) int {
	return copy(p, string(r))
}

// addDecimal adds two integers given as text; ok is false if either is
// not an integer that fits in int64 arithmetic.
func addDecimal(a, b string) (string, bool) {
	var x, y int64
	if _, err := fmt.Sscan(a, &x); err != nil {
		return "", false
	}
	if _, err := fmt.Sscan(b, &y); err != nil {
		return "", false
	}
	sum := x + y
	if (y > 0 && sum < x) || (y < 0 && sum > x) {
		return "", false
	}
	return fmt.Sprint(sum), true
}

// outside reports whether v is below min or above max (all integers).
func outside(v, min, max string) bool {
	var x, lo, hi int64
	if _, err := fmt.Sscan(v, &x); err != nil {
		return true
	}
	if _, err := fmt.Sscan(min, &lo); err == nil && x < lo {
		return true
	}
	if _, err := fmt.Sscan(max, &hi); err == nil && x > hi {
		return true
	}
	return false
}

// procArg is an argument of a procedure call (execProc): the parameter's
// name without @, the type of a variable that holds its value, and the
// value as a literal (nlit, AppendLiteral).
type procArg struct{ param, typ, lit string }

// execProc returns the call of proc with args, and the declarations it
// needs first ("" or "DECLARE ...;\n"). EXECUTE takes a constant or a
// variable as a parameter's value, not an expression (EXECUTE
// (Transact-SQL)), and a literal may be one: nlit joins what sqlcmd could
// misread as N'a' + NCHAR(13) + ..., a sql_variant is a CAST. Such a value
// is declared as a variable named as its parameter.
func execProc(proc string, args []procArg) (decl, call string) {
	var decls, list []string
	for _, a := range args {
		v := a.lit
		if !constantLiteral(v) {
			decls = append(decls, "@"+a.param+" "+a.typ+" = "+v)
			v = "@" + a.param
		}
		list = append(list, "@"+a.param+" = "+v)
	}
	if len(decls) > 0 {
		decl = "DECLARE " + strings.Join(decls, ", ") + ";\n"
	}
	return decl, "EXEC " + proc + " " + strings.Join(list, ", ") + ";"
}

// constantLiteral tells whether lit is one constant: NULL or a single
// N'...' string literal (quotes inside doubled), not an expression.
func constantLiteral(lit string) bool {
	if lit == "NULL" {
		return true
	}
	inner, ok := strings.CutPrefix(lit, "N'")
	if inner, ok = strings.CutSuffix(inner, "'"); !ok || len(lit) < 3 {
		return false
	}
	return !strings.Contains(strings.ReplaceAll(inner, "''", ""), "'")
}

// writeExtendedProperties adds sp_addextendedproperty calls for the
// extended properties planExtProps chose.
func (s *scripter) writeExtendedProperties(b *strings.Builder, principals bool) error {
	c := s.c
	for _, p := range s.extProps {
		if (p.Class == 4) != principals || p.Class == 1 && c.databaseTrigger(p.Major) != nil {
			continue // a principal's in security.sql, after the roles are created; a DDL trigger's after it
		}
		if err := s.writeExtendedProperty(b, p); err != nil {
			return err
		}
	}
	return nil
}

// writeExtendedProperty adds the sp_addextendedproperty call of p.
func (s *scripter) writeExtendedProperty(b *strings.Builder, p *ExtProp) error {
	c := s.c
	levels, target, _ := s.extPropLevels(p)
	val := []byte("NULL")
	if p.Value != nil && p.HasBase {
		var err error
		val, err = AppendLiteral(nil, ColumnType{Name: "sql_variant"}, Variant{Base: p.Base, Value: p.Value})
		if err != nil {
			return fmt.Errorf("extended property %s: %w", commentText(p.Name), err)
		}
	}
	b.WriteString("\n" + comment("Extended property %s of %s", nlit(p.Name), target))
	args := append([]procArg{{"name", "sysname", nlit(p.Name)}, {"value", "sql_variant", string(val)}}, levels...)
	decl, call := execProc("sys.sp_addextendedproperty", args)
	switch u := c.loginUser(p.Major); {
	case (p.Class == 1 || p.Class == 2) && c.modules[p.Major] != nil:
		// Where the module was created (which a module that executes
		// as a user for a login is only where that user exists).
		call = s.ifModuleCreated(p.Major, call)
	case p.Class == 1 && c.databaseTrigger(p.Major) != nil:
		call = ifCreated(c.databaseTrigger(p.Major), call) // where the DDL trigger was created
	case u != "" && (p.Class == 1 || p.Class == 7):
		call = ifUsersExist(call, u) // its module executes as a user for a login
	}
	b.WriteString(batch(decl + call))
	s.object("extended property", target+" "+nlit(p.Name))
	return nil
}

// extPropLevels returns the @level0type ... arguments of
// sp_addextendedproperty for p and what it is on; ok is false if its
// object is not one the scripter knows (whether it is created is
// extPropAbsence's).
func (s *scripter) extPropLevels(p *ExtProp) (levels []procArg, target string, ok bool) {
	c := s.c
	lvl := func(n int, typ, name string) []procArg {
		return []procArg{{fmt.Sprintf("level%dtype", n), "varchar(128)", "N'" + typ + "'"}, {fmt.Sprintf("level%dname", n), "sysname", nlit(name)}}
	}
	cat := func(ls ...[]procArg) []procArg { return slices.Concat(ls...) }
	switch p.Class {
	case 0:
		return nil, "database " + quoteIdent(c.Database.Name), true
	case 3:
		for _, sc := range c.Schemas {
			if sc.ID == p.Major {
				return lvl(0, "SCHEMA", sc.Name), "schema " + quoteIdent(sc.Name), true
			}
		}
		if p.Major == 1 {
			return lvl(0, "SCHEMA", "dbo"), "schema [dbo]", true
		}
	case 6, 8:
		for _, t := range c.Types {
			if t.ID != p.Major {
				continue
			}
			base := cat(lvl(0, "SCHEMA", t.Schema), lvl(1, "TYPE", t.Name))
			if p.Class == 8 { // a column of a table type
				if !t.IsTable || p.SubName == "" {
					return nil, "", false
				}
				return cat(base, lvl(2, "COLUMN", p.SubName)), "column " + quoteName(t.Schema, t.Name) + "." + quoteIdent(p.SubName), true
			}
			return base, "type " + quoteName(t.Schema, t.Name), true
		}
	case 10:
		return xmlCollectionLevels(c, p, lvl)
	case 4:
		// A database principal: level 0 USER names users and roles
		// alike (sp_addextendedproperty); only one the copy has.
		if pr := c.principals[p.Major]; pr != nil && !pr.builtin() && c.principalScripted(p.Major) && (pr.Type == "R" || !pr.loginMapped()) {
			return lvl(0, "USER", pr.Name), "principal " + quoteIdent(pr.Name), true
		}
	case 2:
		// A parameter of a procedure or function.
		o := c.objects[p.Major]
		if o == nil {
			return nil, "", false
		}
		kind := map[string]string{"P": "PROCEDURE", "FN": "FUNCTION", "IF": "FUNCTION", "TF": "FUNCTION"}[o.typ]
		if kind == "" || p.SubName == "" {
			return nil, "", false
		}
		return cat(lvl(0, "SCHEMA", o.schema), lvl(1, kind, o.name), lvl(2, "PARAMETER", p.SubName)),
			"parameter " + quoteName(o.schema, o.name) + " " + p.SubName, true
	case 1, 7:
		o := c.objects[p.Major]
		if m := c.databaseTrigger(p.Major); o == nil && m != nil && p.Class == 1 && p.Minor == 0 {
			return lvl(0, "TRIGGER", m.Name), "database trigger " + quoteIdent(m.Name), true
		}
		if o == nil {
			return nil, "", false
		}
		kind := map[string]string{"U": "TABLE", "V": "VIEW", "P": "PROCEDURE", "FN": "FUNCTION", "IF": "FUNCTION",
			"TF": "FUNCTION", "SO": "SEQUENCE", "SN": "SYNONYM"}[o.typ]
		if kind == "" && o.parent != 0 {
			// A constraint or trigger: level 2 of its table or view.
			parent := c.objects[o.parent]
			if parent == nil {
				return nil, "", false
			}
			pk := map[string]string{"U": "TABLE", "V": "VIEW"}[parent.typ]
			l2 := "CONSTRAINT"
			if o.typ == "TR" {
				l2 = "TRIGGER"
			}
			if pk == "" {
				return nil, "", false
			}
			return cat(lvl(0, "SCHEMA", parent.schema), lvl(1, pk, parent.name), lvl(2, l2, o.name)),
				strings.ToLower(l2) + " " + quoteName(parent.schema, parent.name) + "." + quoteIdent(o.name), true
		}
		if kind == "" {
			return nil, "", false
		}
		base := cat(lvl(0, "SCHEMA", o.schema), lvl(1, kind, o.name))
		if p.Class == 7 {
			if t := c.tables[o.id]; t != nil {
				for _, ix := range t.Indexes {
					if ix.ID == p.Minor {
						if ix.PrimaryKey || ix.UniqueConstraint {
							return nil, "", false // documented on the constraint object
						}
						return cat(base, lvl(2, "INDEX", ix.Name)), "index " + quoteName(o.schema, o.name) + "." + quoteIdent(ix.Name), true
					}
				}
			}
			return nil, "", false
		}
		if p.Minor != 0 {
			if t := c.tables[o.id]; t != nil {
				for _, col := range t.Columns {
					if col.ID == p.Minor {
						return cat(base, lvl(2, "COLUMN", col.Name)), "column " + quoteName(o.schema, o.name) + "." + quoteIdent(col.Name), true
					}
				}
			}
			if o.typ == "V" && p.SubName != "" { // a view's column, by the name the server gave
				return cat(base, lvl(2, "COLUMN", p.SubName)), "column " + quoteName(o.schema, o.name) + "." + quoteIdent(p.SubName), true
			}
			return nil, "", false
		}
		return base, strings.ToLower(kind) + " " + quoteName(o.schema, o.name), true
	}
	return nil, "", false
}
