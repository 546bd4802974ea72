package load_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sqlvault/sqlvault/mssql"
	"github.com/sqlvault/sqlvault/mssql/load"
	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/backuptest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/target"
)

// source is the sample server and its database's folder as a backup
// writes it.
type source struct {
	db  *sql.DB
	dir string
	m   *mssql.Manifest
}

// backUp scripts the sample database into a temporary folder.
func backUp(t *testing.T) *source {
	b := backuptest.Sample(t)
	return &source{db: b.Source, dir: b.Dir, m: b.Manifest}
}

// backUpDB scripts database sdb of a sample server into a temporary
// folder.
func backUpDB(t *testing.T, sdb *sample.DB) *source {
	b := backuptest.Of(t, sdb)
	return &source{db: b.Source, dir: b.Dir, m: b.Manifest}
}

func newTarget(t *testing.T, opts ...target.Option) (*target.Handler, *sql.DB) {
	t.Helper()
	h := target.NewHandler(append([]target.Option{target.WithDatabases("restored")}, opts...)...)
	srv := target.NewServer(h, mssqltest.WithLogf(t.Logf))
	t.Cleanup(srv.Close)
	db, err := sql.Open("sqlserver", srv.DSN("restored"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return h, db
}

// bracket quotes a name as T-SQL does.
func bracket(s string) string { return "[" + strings.ReplaceAll(s, "]", "]]") + "]" }

// readTarget reads a table back from the target with the verify query,
// in the order it was loaded.
func readTarget(t *testing.T, db *sql.DB, name string, cols []*mssql.Column) [][]any {
	t.Helper()
	var list []string
	for _, c := range cols {
		list = append(list, bracket(c.Name))
	}
	rows, err := db.Query("/* " + target.DataTag + " " + mssql.DisplayText(name) + " */ SELECT " + strings.Join(list, ", ") + " FROM " + name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sourceRows reads every table of the source as the scripter does.
func sourceRows(t *testing.T, src *source) map[string][][]any {
	t.Helper()
	ctx := context.Background()
	cat, err := mssql.LoadCatalog(ctx, src.db)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]any{}
	for _, tb := range cat.Tables {
		if tb.Edge {
			continue
		}
		name := bracket(tb.Schema) + "." + bracket(tb.Name)
		if _, _, err := mssql.HashTable(ctx, src.db, tb, func(v []any) error {
			out[name] = append(out[name], append([]any(nil), v...))
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

// checkRestored checks that every table loaded by bulk copy holds, read
// back from the target, the source's rows (compared value by value with
// DiffRow), hashing to the manifest's content hash, loaded in one
// INSERT BULK with KEEP_NULLS and TABLOCK that lists every column (the
// identity column too, so its values are kept); and that the tables
// loaded by script are exactly those CopyIn cannot load.
func checkRestored(t *testing.T, src *source, h *target.Handler, db *sql.DB, sum *load.Summary, loads int) {
	t.Helper()
	want := sourceRows(t, src)
	methods := map[string]string{}
	for _, tb := range sum.Tables {
		methods[tb.Name] = tb.Method
		if !tb.Done {
			t.Errorf("%s: not done: %+v", tb.Name, tb)
		}
	}
	bulk := 0
	for _, te := range src.m.Tables {
		if te.File == "" {
			continue
		}
		cols, err := te.DataColumns()
		if err != nil {
			t.Fatal(err)
		}
		switch te.Name {
		case "[dbo].[AllTypes]", "[graph].[knows]", "[graph].[livesIn]":
			if methods[te.Name] != "script" {
				t.Errorf("%s loaded by %q, want script (sql_variant, edges)", te.Name, methods[te.Name])
			}
			continue
		}
		if methods[te.Name] != "bulk copy" {
			t.Errorf("%s loaded by %q", te.Name, methods[te.Name])
			continue
		}
		bulk++
		got := readTarget(t, db, te.Name, cols)
		types := mssql.ColumnTypes(cols)
		hasher := mssql.NewRowHasher(types)
		for i, row := range got {
			if err := hasher.Add(row); err != nil {
				t.Fatalf("%s: %v", te.Name, err)
			}
			if i < len(want[te.Name]) {
				if c, err := mssql.DiffRow(types, row, want[te.Name][i]); err != nil || c >= 0 {
					t.Errorf("%s row %d column %d: restored %#v, source %#v (%v)", te.Name, i+1, c, row, want[te.Name][i], err)
				}
			}
		}
		if len(got) != len(want[te.Name]) || int64(len(got)) != te.Rows || hasher.Sum() != te.ContentHash {
			t.Errorf("%s: %d rows restored hashing to %s; source %d rows, manifest %d rows %s", te.Name, len(got), hasher.Sum(), len(want[te.Name]), te.Rows, te.ContentHash)
		}
		schema, name := splitName(te.Name)
		tab := h.Database("restored").Table(schema, name)
		var names []string
		for _, c := range cols {
			names = append(names, c.Name)
		}
		ls := tab.Loads()
		if te.Rows == 0 { // CopyIn sends nothing for no rows
			if len(ls) != 0 {
				t.Errorf("%s: loads %+v of no rows", te.Name, ls)
			}
			continue
		}
		if len(ls) != loads || !reflect.DeepEqual(ls[0].Columns, names) || !reflect.DeepEqual(ls[0].Options, []string{"KEEP_NULLS", "TABLOCK"}) {
			t.Errorf("%s: loads %+v", te.Name, ls)
		}
		identity := false
		for _, c := range tab.Columns {
			identity = identity || c.Identity
		}
		if ls[0].KeepIdentity != identity {
			t.Errorf("%s: identity kept %v, has identity %v", te.Name, ls[0].KeepIdentity, identity)
		}
	}
	if bulk < 20 {
		t.Errorf("only %d tables loaded by bulk copy", bulk)
	}
	checkVerified(t, src, h, db)
}

// checkVerified reads every table of the manifest back from the target
// with the query the backup read it with (mssql.HashEntry, as verify
// does): each gives the manifest's row count and content hash, the target
// holds that many rows, and an edge table an edge with both its ends for
// each (target's TestScriptedRestore compares the values of tables loaded
// by script with their data files).
func checkVerified(t *testing.T, src *source, h *target.Handler, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	for _, te := range src.m.Tables {
		if te.File == "" {
			continue
		}
		rows, hash, err := mssql.HashEntry(ctx, db, te, nil)
		if err != nil || rows != te.Rows || hash != te.ContentHash {
			t.Errorf("%s read back: %d rows hashing to %s, %v; manifest %d rows %s", te.Name, rows, hash, err, te.Rows, te.ContentHash)
		}
		schema, name := splitName(te.Name)
		tab := h.Database("restored").Table(schema, name)
		if int64(len(tab.Rows())) != te.Rows {
			t.Errorf("%s: the target holds %d rows, the manifest records %d", te.Name, len(tab.Rows()), te.Rows)
		}
		if te.Edge {
			ends := tab.Ends()
			if len(ends) != len(tab.Rows()) || te.Rows == 0 {
				t.Errorf("%s: %d ends for %d rows", te.Name, len(ends), len(tab.Rows()))
			}
			for i, e := range ends {
				for _, n := range e {
					node := h.Database("restored").Table(n.Schema, n.Name)
					if node == nil || !node.Node || !slices.Contains(node.NodeIDs(), n.ID) {
						t.Errorf("%s row %d: end %+v is no node", te.Name, i+1, n)
					}
				}
			}
		}
	}
}

// splitName splits "[s].[t]" (brackets doubled inside).
func splitName(q string) (string, string) {
	var parts []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case !in && c == '[':
			in = true
		case in && c == ']' && i+1 < len(q) && q[i+1] == ']':
			cur.WriteByte(']')
			i++
		case in && c == ']':
			in = false
			parts = append(parts, cur.String())
			cur.Reset()
		case in:
			cur.WriteByte(c)
		}
	}
	return parts[0], parts[1]
}

// scriptBatches returns the batches the target was sent that hold text.
func scriptBatches(h *target.Handler, text string) int {
	n := 0
	for _, b := range h.Batches() {
		if strings.Contains(b.SQL, text) {
			n++
		}
	}
	return n
}

// TestLoadSample restores the sample database's backup into a target
// server: the scripts' batches all run (none refused), every table
// CopyIn can load is bulk-loaded with the source's rows exactly (the
// content hash of the rows read back is the manifest's), the others run
// their data files, and the database's files run in order (security.sql
// last).
func TestLoadSample(t *testing.T) {
	src := backUp(t)
	h, db := newTarget(t)
	var mu sync.Mutex
	progress := map[string][]load.Table{}
	sum, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{Parallel: 3, Progress: func(tb load.Table) {
		mu.Lock()
		progress[tb.Name] = append(progress[tb.Name], tb)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	checkRestored(t, src, h, db, sum, 1)
	if sum.Rows != src.m.Totals.Rows || sum.Database != sample.Name || len(sum.Tables) != 25 {
		t.Errorf("summary: %d rows, database %q, %d tables; manifest %d rows", sum.Rows, sum.Database, len(sum.Tables), src.m.Totals.Rows)
	}
	// Progress: at the start, every 4 MiB of the data file read, at the
	// end.
	for _, tb := range sum.Tables {
		p := progress[tb.Name]
		calls := 2
		if tb.Name == "[dbo].[BigValues]" { // 16 MiB in a few rows
			calls = 3
		}
		if len(p) != calls || p[0].Done || p[0].Read != 0 || !p[len(p)-1].Done || p[len(p)-1].Rows != tb.Rows {
			t.Errorf("%s: progress calls %+v, want %d (start, every 4 MiB, end)", tb.Name, p, calls)
			continue
		}
		if calls == 3 && (p[1].Done || p[1].Read < 4<<20 || p[1].Read > tb.Bytes || p[1].Rows == 0) {
			t.Errorf("%s: progress in between %+v of %d bytes", tb.Name, p[1], tb.Bytes)
		}
	}
	batches := h.Batches()
	for i, b := range batches {
		if b.Err != "" || b.Database != "restored" {
			t.Fatalf("batch %d: %+v", i+1, b)
		}
	}
	security, err := os.ReadFile(filepath.Join(src.dir, mssql.SecurityFile))
	if err != nil {
		t.Fatal(err)
	}
	if last := batches[len(batches)-1].SQL; !strings.HasSuffix(strings.TrimSpace(string(security)), strings.TrimSpace(last)+"\nGO") {
		t.Errorf("the last batch sent is not security.sql's last: %.200q", last)
	}
	// The tables loaded by script: every batch of their data files.
	for _, name := range []string{"[dbo].[AllTypes]", "[graph].[knows]"} {
		if n := scriptBatches(h, "INSERT INTO "+name+" ("); n == 0 {
			t.Errorf("%s: no INSERT batch sent", name)
		}
	}
	if n := scriptBatches(h, "INSERT INTO [dbo].[Legacy] ("); n != 0 {
		t.Errorf("[dbo].[Legacy] was bulk-loaded, yet %d INSERT batches were sent", n)
	}
}

// TestLoadScript loads a table of 2,500 generated rows (sample.Bench)
// with Options.Script: every table by running its data file, as sqlcmd
// would (no INSERT BULK), with the reason, and every batch of the data
// file reaches the target. (The target cannot model the whole sample's
// data files yet: #sqlvault_lob's COLLATE DATABASE_DEFAULT.)
func TestLoadScript(t *testing.T) {
	src := backUpDB(t, sample.Bench(2500))
	h, db := newTarget(t)
	sum, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{Script: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 2500 || len(sum.Tables) != 1 {
		t.Errorf("summary: %d rows, %d tables; manifest %d rows", sum.Rows, len(sum.Tables), src.m.Totals.Rows)
	}
	for _, tb := range sum.Tables {
		if tb.Method != "script" || tb.Why != "loading by script was asked for" || !tb.Done {
			t.Errorf("%s: %+v, want loaded by script as asked", tb.Name, tb)
		}
	}
	batches := map[string]int{}
	for _, b := range h.Batches() {
		if b.Err != "" {
			t.Fatalf("batch refused: %+v", b)
		}
		batches[b.SQL]++
	}
	for _, te := range src.m.Tables {
		schema, name := splitName(te.Name)
		if ls := h.Database("restored").Table(schema, name).Loads(); len(ls) != 0 {
			t.Errorf("%s: bulk loads %+v, want none", te.Name, ls)
		}
		data, err := os.ReadFile(filepath.Join(src.dir, filepath.FromSlash(te.File)))
		if err != nil {
			t.Fatal(err)
		}
		// Every batch of the data file (the text between GO lines) was
		// sent, the INSERTs of the 2,500 rows (one a line) among them.
		rows := 0
		for _, batch := range strings.Split(string(data), "\nGO\n") {
			batch = strings.TrimSpace(strings.TrimPrefix(batch, "\ufeff"))
			if batch == "" || batch == "GO" {
				continue
			}
			if strings.HasPrefix(batch, "INSERT INTO [dbo].[Mixed] (") {
				rows += strings.Count(batch, "\n(")
			}
			if !sentBatch(batches, batch) {
				t.Errorf("%s: batch not sent: %.120q", te.File, batch)
			}
		}
		if rows != 2500 {
			t.Errorf("%s: %d rows in its INSERT batches, want 2500", te.File, rows)
		}
	}
}

// sentBatch tells whether a batch of this text (spaces around it aside)
// was sent.
func sentBatch(sent map[string]int, text string) bool {
	for s := range sent {
		if strings.TrimSpace(s) == text {
			return true
		}
	}
	return false
}

// TestLoadResume: the connection drops in the middle of a table's bulk
// load; the restore stops with an error naming the table, the state file
// records what was finished, and the resumed restore skips it (schema.sql
// is not run again but for its header batches), empties the table that
// was in progress, loads it and the rest, and removes the state file:
// the same rows as a restore that was never interrupted.
func TestLoadResume(t *testing.T) {
	src := backUp(t)
	h, db := newTarget(t, target.DropAfterBulkRows(30))
	state := filepath.Join(t.TempDir(), "state.json")
	ctx := context.Background()
	_, err := load.Load(ctx, db, os.DirFS(src.dir), load.Options{Parallel: 1, State: load.NewState(state, "key 1")})
	const want = "table [hr].[Employees]: bulk copy failed after "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want an error starting %q", err, want)
	}
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"schema.sql": -1`, `"[dbo].[Legacy]": "done"`, `"[hr].[Employees]": "started"`, `"key": "key 1"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("state file lacks %s:\n%s", s, b)
		}
	}
	if _, err := load.ResumeState(state, "key 2"); !errors.Is(err, load.ErrNoState) {
		t.Errorf("resume with another key: %v", err)
	}
	st, err := load.ResumeState(state, "key 1")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := load.Load(ctx, db, os.DirFS(src.dir), load.Options{Parallel: 2, State: st})
	if err != nil {
		t.Fatal(err)
	}
	checkRestored(t, src, h, db, sum, 1)
	resumed := 0
	for _, tb := range sum.Tables {
		if tb.Resumed {
			resumed++
		}
	}
	if resumed == 0 || resumed == len(sum.Tables) {
		t.Errorf("%d of %d tables skipped as loaded before", resumed, len(sum.Tables))
	}
	if n := scriptBatches(h, "CREATE TABLE [dbo].[Legacy] ("); n != 1 {
		t.Errorf("CREATE TABLE [dbo].[Legacy] sent %d times", n)
	}
	if n := scriptBatches(h, "TRUNCATE TABLE [hr].[Employees];"); n != 1 {
		t.Errorf("TRUNCATE TABLE [hr].[Employees] sent %d times", n)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left after the restore: %v", err)
	}
}

// TestLoadRefusedBatch: a batch the target refuses stops the restore
// with one line naming the file and line of the batch, the object and
// the server's error.
func TestLoadRefusedBatch(t *testing.T) {
	src := backUp(t)
	_, db := newTarget(t, target.RefuseBatch("CREATE TABLE [dbo].[Legacy] (",
		mssqltest.Errorf(2760, 16, "The specified schema name \"dbo\" either does not exist or you do not have permission to use it.")))
	schema, err := os.ReadFile(filepath.Join(src.dir, mssql.SchemaFile))
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(string(schema), "\n") {
		if l == "-- Table [dbo].[Legacy]" {
			line = i + 2 // the batch's first statement, after its heading
		}
	}
	_, err = load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{})
	want := fmt.Sprintf("schema.sql:%d: Table [dbo].[Legacy]: the target refused the batch: error 2760: The specified schema name \"dbo\" either does not exist or you do not have permission to use it.", line)
	var be *load.BatchError
	if err == nil || err.Error() != want || !errors.As(err, &be) || be.Line != line || line < 100 {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

// TestLoadNotEmpty: a target database that holds user objects is
// refused before anything is sent, unless Force.
func TestLoadNotEmpty(t *testing.T) {
	src := backUp(t)
	h, db := newTarget(t)
	if _, err := db.Exec("CREATE TABLE [dbo].[Old] ([id] int NOT NULL);"); err != nil {
		t.Fatal(err)
	}
	_, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{})
	if !errors.Is(err, load.ErrNotEmpty) || err.Error() != "the target database is not empty: it holds 1 user objects; restore into a new or empty database" {
		t.Fatalf("got %v", err)
	}
	if n := len(h.Batches()); n != 1 {
		t.Fatalf("%d batches sent, want only the test's CREATE TABLE", n)
	}
	if _, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{Force: true}); err != nil {
		t.Fatalf("with Force: %v", err)
	}
}

// TestCreateDatabase: CREATE DATABASE with and without a collation; a
// collation that is not a name is refused before anything is sent.
func TestCreateDatabase(t *testing.T) {
	h, _ := newTarget(t)
	srv := target.NewServer(h)
	defer srv.Close()
	master, err := sql.Open("sqlserver", srv.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	ctx := context.Background()
	if err := load.CreateDatabase(ctx, master, "new ]db", "Latin1_General_100_CI_AS_SC_UTF8"); err != nil {
		t.Fatal(err)
	}
	if d := h.Database("new ]db"); d == nil || d.Collation != "Latin1_General_100_CI_AS_SC_UTF8" {
		t.Fatalf("database %+v", d)
	}
	if err := load.CreateDatabase(ctx, master, "new ]db", ""); err == nil || err.Error() != "create database new ]db: error 1801: Database 'new ]db' already exists. Choose a different database name." {
		t.Fatalf("second create: %v", err)
	}
	if err := load.CreateDatabase(ctx, master, "x", "Latin1; DROP"); err == nil || err.Error() != `"Latin1; DROP" is not a collation name` {
		t.Fatalf("bad collation: %v", err)
	}
}

// TestLoadResumeMemoryOptimized: a resumed restore empties a table that
// was in progress before loading it again; a memory-optimized table
// refuses TRUNCATE TABLE (error 10794), so it is emptied with DELETE, and
// holds its rows once.
func TestLoadResumeMemoryOptimized(t *testing.T) {
	src := backUp(t)
	h, db := newTarget(t)
	if _, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{}); err != nil {
		t.Fatal(err)
	}
	// The journal of a restore that stopped while loading [dbo].[Cache]
	// (its rows stored, as after a load whose end was not recorded).
	tables := map[string]string{}
	for _, te := range src.m.Tables {
		tables[te.Name] = "done"
	}
	tables["[dbo].[Cache]"] = "started"
	files := map[string]int{}
	for _, f := range src.m.Files {
		files[f] = -1
	}
	b, err := json.Marshal(map[string]any{"format": load.StateFormat, "key": "k", "files": files, "tables": tables})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := load.ResumeState(path, "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load.Load(context.Background(), db, os.DirFS(src.dir), load.Options{State: st}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Database("restored").Table("dbo", "Cache").Rows()); n != 2 {
		t.Errorf("[dbo].[Cache] holds %d rows, want 2", n)
	}
	if n := scriptBatches(h, "DELETE FROM [dbo].[Cache];"); n != 1 {
		t.Errorf("%d DELETE batches", n)
	}
	if n := scriptBatches(h, "TRUNCATE TABLE"); n != 0 {
		t.Errorf("%d TRUNCATE batches", n)
	}
}
