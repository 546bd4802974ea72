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
	"sort"
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

// ManifestFormat names the layout of a scripted database folder.
const ManifestFormat = "sqlvault-mssql/1"

// fileHeader starts every script file: the session options that indexes
// on computed columns, filtered indexes and indexed views need, whatever
// the client's defaults (sqlcmd's QUOTED_IDENTIFIER is OFF).
const fileHeader = "SET NOCOUNT ON;\nSET ANSI_NULLS ON;\nSET ANSI_PADDING ON;\nSET ANSI_WARNINGS ON;\nSET ARITHABORT ON;\nSET CONCAT_NULL_YIELDS_NULL ON;\nSET NUMERIC_ROUNDABORT OFF;\nSET QUOTED_IDENTIFIER ON;\nGO\n"

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
	// OpenDatabase connects to another database of the same server; it is
	// needed to read from a database snapshot. Nil disables that mode.
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
	// NeedsLogins are the server logins that schema.sql creates users
	// for: on a server without one, the user and what depends on it are
	// skipped (the scripts print which). Informational: the snapshot
	// is complete without them.
	NeedsLogins []NeededLogin  `json:"needs_logins,omitempty"`
	Totals      ManifestTotals `json:"totals"`
}

// ManifestOpts records the options that shaped the script.
type ManifestOpts struct {
	Tables        []string `json:"tables,omitempty"`
	ExcludeTables []string `json:"exclude_tables,omitempty"`
	Where         string   `json:"where,omitempty"`
	SchemaOnly    bool     `json:"schema_only,omitempty"`
	DataOnly      bool     `json:"data_only,omitempty"`
}

// ObjectEntry is one scripted object.
type ObjectEntry struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// TableEntry records one table's data file.
type TableEntry struct {
	Name  string `json:"name"`
	File  string `json:"file"`
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
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
		SchemaOnly: opts.SchemaOnly, DataOnly: opts.DataOnly}

	var dbi DatabaseInfo
	err := queryEach(ctx, db, qDatabase, func(r *record) error {
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

	c, err := loadCatalog(ctx, q)
	if err != nil {
		return nil, fail(err)
	}
	if m.Consistency == ConsistencyDatabaseSnapshot {
		c.Database.Name = dbi.Name // the snapshot has a name of its own
	}
	m.Server, m.Database = c.Server, c.Database
	s := &scripter{c: c, opts: opts, m: m}
	s.selectTables()
	for _, u := range c.Unscripted {
		opts.warn(u.Kind+" "+u.Name, errors.New("not scripted: "+u.Reason))
	}
	m.Unscripted = c.Unscripted
	s.nodes = orderObjects(c, s.tables, !s.filtered)
	if !opts.DataOnly {
		if err := s.writeFile(ctx, out, SchemaFile, s.writeSchema); err != nil {
			return nil, fail(err)
		}
	}
	if !opts.SchemaOnly {
		total := 0
		for _, n := range s.nodes {
			if n.table != nil {
				total++
			}
		}
		done := 0
		for _, n := range s.nodes {
			t := n.table
			if t == nil {
				continue
			}
			file := DataDir + "/" + fileName(t.Schema, t.Name)
			var st tableStats
			err := s.writeFile(ctx, out, file, func(w io.Writer) error {
				var err error
				st, err = writeTableData(ctx, q, t, opts.Where, w, func(rows, bytes int64) {
					s.progress(Progress{Table: quoteName(t.Schema, t.Name), TablesDone: done, TablesTotal: total,
						TableRows: rows, TableBytes: bytes, Rows: s.rows + rows, Bytes: s.bytes + bytes})
				})
				return err
			})
			if err != nil {
				return nil, fail(err)
			}
			done++
			s.rows += st.rows
			s.bytes += st.bytes
			s.stats[t] = st
			m.Tables = append(m.Tables, TableEntry{Name: quoteName(t.Schema, t.Name), File: file, Rows: st.rows, Bytes: st.bytes})
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
	tables   []*Table       // the tables to script
	chosen   map[int64]bool // their IDs
	filtered bool           // --tables was given
	nodes    []*node
	files    []string // script files in run order
	rows     int64
	bytes    int64
	stats    map[*Table]tableStats
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

// selected tells the tables to script.
func (s *scripter) selected(id int64) bool { return s.chosen[id] }

// leftOut tells a user table that is not scripted (--tables,
// --exclude-table): what is about it is left out too.
func (s *scripter) leftOut(id int64) bool {
	o := s.c.objects[id]
	return o != nil && o.typ == "U" && !s.selected(id)
}

// views returns the pseudo tables holding the indexes and statistics of
// the views schema.sql creates, in module order; none with --tables.
func (s *scripter) views() []*Table {
	if s.filtered {
		return nil
	}
	var vs []*Table
	for _, m := range s.c.Modules {
		if vt := s.c.tables[m.ID]; vt != nil && m.Type == "V" {
			vs = append(vs, vt)
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
	if !s.filtered {
		b.WriteString("\n-- Database options (the database must be new and empty).\n")
		if collationName(c.Database.Collation) { // else reported (Catalog.finish)
			// Changing the collation needs the database to itself; do it
			// only when it differs.
			b.WriteString(batch(fmt.Sprintf("IF CONVERT(sysname, DATABASEPROPERTYEX(DB_NAME(), 'Collation')) <> %s\n    EXEC (N'ALTER DATABASE CURRENT COLLATE %s');",
				nlit(c.Database.Collation), c.Database.Collation)))
		}
		if c.Database.CompatibilityLevel != 0 {
			b.WriteString(batch(fmt.Sprintf("ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = %d;", c.Database.CompatibilityLevel)))
		}
		if c.Database.SnapshotIsolationState == 1 {
			b.WriteString(batch("ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;"))
		}
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
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, n := range s.nodes {
		name := quoteName(n.schema, n.name)
		var kind, ddl string
		switch {
		case n.userType != nil && n.userType.IsTable:
			kind, ddl = "table type", createTableType(n.userType)
		case n.userType != nil:
			kind, ddl = "type", createAliasType(n.userType)
		case n.seq != nil:
			kind, ddl = "sequence", createSequence(n.seq)
		case n.table != nil:
			kind, ddl = "table", createTable(n.table)
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
				if ix.PrimaryKey || ix.UniqueConstraint || ix.Type == 3 || ix.Type == 4 || ix.Type == 7 {
					continue
				}
				b.WriteString("\n" + comment("Index %s on %s", quoteIdent(ix.Name), quoteName(t.Schema, t.Name)))
				b.WriteString(createIndex(t.Schema, t.Name, ix))
				s.object("index", quoteName(t.Schema, t.Name)+"."+quoteIdent(ix.Name))
			}
		}
		for _, vt := range s.views() {
			for _, ix := range vt.Indexes {
				if ix.Type != 1 && ix.Type != 2 {
					continue
				}
				b.WriteString("\n" + comment("Index %s on view %s", quoteIdent(ix.Name), quoteName(vt.Schema, vt.Name)))
				b.WriteString(createIndex(vt.Schema, vt.Name, ix))
				s.object("index", quoteName(vt.Schema, vt.Name)+"."+quoteIdent(ix.Name))
			}
		}
		// User-created statistics, once the data and indexes are there.
		for _, t := range append(s.nodeTables(), s.views()...) {
			for _, st := range t.Stats {
				b.WriteString("\n" + comment("Statistics %s on %s", quoteIdent(st.Name), quoteName(t.Schema, t.Name)))
				b.WriteString(createStatistics(t.Schema, t.Name, st))
				s.object("statistics", quoteName(t.Schema, t.Name)+"."+quoteIdent(st.Name))
			}
		}
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
				if !s.selected(fk.Referenced) {
					continue
				}
				b.WriteString("\n" + comment("Foreign key %s on %s", quoteIdent(fk.Name), quoteName(n.schema, n.name)))
				b.WriteString(addForeignKey(fk))
				s.object("foreign key", quoteName(n.schema, n.name)+"."+quoteIdent(fk.Name))
			}
		}
		// System versioning.
		for _, n := range s.nodes {
			t := n.table
			if t == nil || t.TemporalType != 2 || t.Period == nil {
				continue
			}
			name := quoteName(t.Schema, t.Name)
			b.WriteString("\n" + comment("System versioning of %s", name))
			b.WriteString(batch(fmt.Sprintf("ALTER TABLE %s ADD PERIOD FOR SYSTEM_TIME (%s, %s);", name, quoteIdent(t.Period.Start), quoteIdent(t.Period.End))))
			for _, col := range t.Columns {
				if col.GeneratedAlways != 0 && col.Hidden {
					b.WriteString(batch(fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s ADD HIDDEN;", name, quoteIdent(col.Name))))
				}
			}
			hist := ""
			if h := c.tables[t.HistoryID]; h != nil {
				hist = fmt.Sprintf(" (HISTORY_TABLE = %s, DATA_CONSISTENCY_CHECK = ON)", quoteName(h.Schema, h.Name))
			}
			b.WriteString(batch(fmt.Sprintf("ALTER TABLE %s SET (SYSTEM_VERSIONING = ON%s);", name, hist)))
		}
		// Triggers, after the data so that loading does not fire them.
		for _, m := range c.Modules {
			if m.Type != "TR" {
				continue
			}
			if s.filtered && !s.selected(m.Parent) {
				continue
			}
			if s.leftOut(m.Parent) {
				continue
			}
			b.WriteString("\n" + comment("Trigger %s on %s", quoteName(m.Schema, m.Name), c.qualified(m.Parent)))
			b.WriteString(moduleBatch(m, s.moduleDefinition(m)))
			if m.TriggerDisabled {
				b.WriteString(batch(ifCreated(m, fmt.Sprintf("DISABLE TRIGGER %s ON %s;", quoteName(m.Schema, m.Name), c.qualified(m.Parent)))))
			}
			s.object("trigger", quoteName(m.Schema, m.Name))
		}
		// Disabled indexes last: a disabled clustered index makes its
		// table unreadable.
		for _, n := range s.nodes {
			if n.table == nil {
				continue
			}
			for _, ix := range n.table.Indexes {
				if ix.Disabled && ix.Type != 3 && ix.Type != 4 && ix.Type != 7 {
					b.WriteString(batch(fmt.Sprintf("ALTER INDEX %s ON %s DISABLE;", quoteIdent(ix.Name), quoteName(n.schema, n.name))))
				}
			}
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
			if t == nil {
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
				b.WriteString("\n" + comment("Identity of %s", quoteName(t.Schema, t.Name)))
				b.WriteString(batch(fmt.Sprintf("DBCC CHECKIDENT (%s, RESEED, %s) WITH NO_INFOMSGS;", nlit(quoteName(t.Schema, t.Name)), v)))
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
		if err := s.writeExtendedProperties(&b); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
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
// permissions (Catalog.Security; the users are in schema.sql). Statements
// about a table left out with ExcludeTables are left out too.
func (s *scripter) writeSecurity(w io.Writer) error {
	var b strings.Builder
	b.WriteString(fileHeader)
	b.WriteString(comment("Roles, role members, owners and permissions of database %s", quoteIdent(s.c.Database.Name)))
	if len(s.c.NeedsLogins) > 0 {
		b.WriteString("-- What depends on a user mapped to a server login (schema.sql creates it only where this server has\n")
		b.WriteString("-- that login) is run only where the user was created.\n")
	}
	group := ""
	for _, it := range s.c.Security {
		if s.leftOut(it.Object) {
			continue
		}
		if it.Group != group {
			b.WriteString("\n" + comment("%s", it.Group))
			group = it.Group
		}
		b.WriteString(batch(it.Stmt))
		s.object(it.Kind, it.Name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMaster writes restore.sql, which runs the other files in order
// with sqlcmd's :r.
func (s *scripter) writeMaster(w io.Writer) error {
	var b strings.Builder
	b.WriteString(comment("sqlvault restore script of database %s", quoteIdent(s.c.Database.Name)))
	b.WriteString("-- Run it from this folder in the new, empty database that is to receive the copy, in SQLCMD mode:\n")
	b.WriteString("--   sqlcmd -S SERVER -d NEWDB -f 65001 -i restore.sql   (UTF-8; or SSMS: Query > SQLCMD Mode)\n")
	b.WriteString(":on error exit\n")
	for _, f := range s.files {
		fmt.Fprintf(&b, ":r \"%s\"\n", f)
	}
	_, err := io.WriteString(w, b.String())
	return err
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

// writeExtendedProperties adds sp_addextendedproperty calls.
func (s *scripter) writeExtendedProperties(b *strings.Builder) error {
	c := s.c
	props := append([]*ExtProp(nil), c.ExtProps...)
	desc := func(p *ExtProp) string { _, d, _ := s.extPropLevels(p); return d }
	sort.SliceStable(props, func(i, j int) bool {
		di, dj := desc(props[i]), desc(props[j])
		if di != dj {
			return di < dj
		}
		return props[i].Name < props[j].Name
	})
	for _, p := range props {
		levels, target, ok := s.extPropLevels(p)
		if !ok {
			s.opts.warn("extended property "+p.Name, errors.New("not scripted: its object is not scripted"))
			continue
		}
		var val []byte
		var err error
		if p.Value == nil || !p.HasBase {
			val = []byte("NULL")
		} else {
			val, err = AppendLiteral(nil, ColumnType{Name: "sql_variant"}, Variant{Base: p.Base, Value: p.Value})
			if err != nil {
				return fmt.Errorf("extended property %s: %w", commentText(p.Name), err)
			}
		}
		b.WriteString("\n" + comment("Extended property %s of %s", nlit(p.Name), target))
		add := fmt.Sprintf("EXEC sys.sp_addextendedproperty @name = %s, @value = @value%s;", nlit(p.Name), levels)
		if u := c.loginUser(p.Major); u != "" && (p.Class == 1 || p.Class == 7) {
			add = ifUsersExist(add, u) // its module executes as a user for a login
		}
		stmt := fmt.Sprintf("DECLARE @value sql_variant = %s;\n%s", val, add)
		b.WriteString(batch(stmt))
		s.object("extended property", target+" "+nlit(p.Name))
	}
	return nil
}

// extPropLevels returns the @level0type ... arguments of
// sp_addextendedproperty for p; ok is false if its object is not scripted.
func (s *scripter) extPropLevels(p *ExtProp) (levels, target string, ok bool) {
	c := s.c
	lvl := func(n int, typ, name string) string {
		return fmt.Sprintf(", @level%dtype = N'%s', @level%dname = %s", n, typ, n, nlit(name))
	}
	switch p.Class {
	case 0:
		return "", "database " + quoteIdent(c.Database.Name), true
	case 3:
		for _, sc := range c.Schemas {
			if sc.ID == p.Major {
				return lvl(0, "SCHEMA", sc.Name), "schema " + quoteIdent(sc.Name), true
			}
		}
		if p.Major == 1 {
			return lvl(0, "SCHEMA", "dbo"), "schema [dbo]", true
		}
	case 6:
		for _, t := range c.Types {
			if t.ID == p.Major {
				return lvl(0, "SCHEMA", t.Schema) + lvl(1, "TYPE", t.Name), "type " + quoteName(t.Schema, t.Name), true
			}
		}
	case 1, 7:
		o := c.objects[p.Major]
		if o == nil {
			return "", "", false
		}
		if t := c.tables[o.id]; t != nil && o.typ == "U" && !s.selected(o.id) {
			return "", "", false
		}
		kind := map[string]string{"U": "TABLE", "V": "VIEW", "P": "PROCEDURE", "FN": "FUNCTION", "IF": "FUNCTION",
			"TF": "FUNCTION", "SO": "SEQUENCE", "SN": "SYNONYM"}[o.typ]
		if kind == "" && o.parent != 0 {
			// A constraint or trigger: level 2 of its table or view.
			parent := c.objects[o.parent]
			if parent == nil {
				return "", "", false
			}
			pk := map[string]string{"U": "TABLE", "V": "VIEW"}[parent.typ]
			l2 := "CONSTRAINT"
			if o.typ == "TR" {
				l2 = "TRIGGER"
			}
			if pk == "" {
				return "", "", false
			}
			return lvl(0, "SCHEMA", parent.schema) + lvl(1, pk, parent.name) + lvl(2, l2, o.name),
				strings.ToLower(l2) + " " + quoteName(parent.schema, parent.name) + "." + quoteIdent(o.name), true
		}
		if kind == "" {
			return "", "", false
		}
		base := lvl(0, "SCHEMA", o.schema) + lvl(1, kind, o.name)
		if p.Class == 7 {
			if t := c.tables[o.id]; t != nil {
				for _, ix := range t.Indexes {
					if ix.ID == p.Minor {
						if ix.PrimaryKey || ix.UniqueConstraint {
							return "", "", false // documented on the constraint object
						}
						return base + lvl(2, "INDEX", ix.Name), "index " + quoteName(o.schema, o.name) + "." + quoteIdent(ix.Name), true
					}
				}
			}
			return "", "", false
		}
		if p.Minor != 0 {
			if t := c.tables[o.id]; t != nil {
				for _, col := range t.Columns {
					if col.ID == p.Minor {
						return base + lvl(2, "COLUMN", col.Name), "column " + quoteName(o.schema, o.name) + "." + quoteIdent(col.Name), true
					}
				}
			}
			return "", "", false
		}
		return base, strings.ToLower(kind) + " " + quoteName(o.schema, o.name), true
	}
	return "", "", false
}
