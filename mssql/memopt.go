package mssql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Memory-optimized tables and table types (In-Memory OLTP, SQL Server
// 2014; sys.tables and sys.table_types.is_memory_optimized, sys.tables.
// durability, sys.hash_indexes.bucket_count: all SQL Server 2014) are
// scripted with their indexes inside CREATE TABLE (CREATE TYPE): a
// memory-optimized table takes its indexes only there on SQL Server 2014
// (ALTER TABLE ... ADD INDEX exists from 2016, CREATE INDEX never: "CREATE
// TABLE (Transact-SQL)", memory-optimized syntax; "Transact-SQL Constructs
// Not Supported by In-Memory OLTP"), so the inline form is the one that
// works on every target. Sorts of sys.indexes: 2 NONCLUSTERED (a range
// index, ordered), 7 NONCLUSTERED HASH (unordered, WITH (BUCKET_COUNT =
// n)), 5 CLUSTERED COLUMNSTORE (SQL Server 2016). A memory-optimized table
// has no ON clause, no data compression and no other index option.
//
// The target needs In-Memory OLTP: SERVERPROPERTY('IsXTPSupported') (the
// edition or service tier supports it; NULL before 2014) and, on SQL Server
// and Managed Instance, a MEMORY_OPTIMIZED_DATA filegroup (sys.filegroups
// type FX) with a container; Azure SQL Database has it built in where
// IsXTPSupported is 1 (Premium and Business Critical). Where it is missing
// the table (type) is created as an ordinary disk-based one, with its
// constraints and its indexes as nonclustered rowstore indexes (a hash
// index has no disk-based equivalent), and a PRINT says so: the rows are
// restored either way, which a DBA copying a database to a test server
// wants more than a restore that stops (the copy's tables are queried
// alike; only the natively compiled modules, which need memory-optimized
// tables, are not created there: moduleBatch's TRY...CATCH prints the
// server's error for each and the restore goes on).

// memoryOptimizedTarget is the T-SQL condition that the target database
// can create memory-optimized tables (see above).
const memoryOptimizedTarget = "CONVERT(int, SERVERPROPERTY('IsXTPSupported')) = 1 AND (CONVERT(int, SERVERPROPERTY('EngineEdition')) = 5\n" +
	"    OR EXISTS (SELECT 1 FROM sys.filegroups AS fg JOIN sys.database_files AS f ON f.data_space_id = fg.data_space_id WHERE fg.type = 'FX'))"

// Durability values of sys.tables.durability.
const (
	durabilitySchemaAndData = 0
	durabilitySchemaOnly    = 1
)

// qHashIndexes lists the bucket counts of hash indexes (sys.hash_indexes,
// SQL Server 2014: asked only from 2014 on), of tables and table types.
const qHashIndexes = `/* sqlvault:hash_indexes */
SELECT h.object_id, h.index_id, h.bucket_count
FROM sys.hash_indexes AS h
ORDER BY h.object_id, h.index_id`

// addHashIndex reads a row of qHashIndexes.
func (c *Catalog) addHashIndex(r *record) error {
	if t := c.tables[r.int("object_id")]; t != nil {
		if ix := t.index(r.int("index_id")); ix != nil {
			ix.BucketCount = r.int("bucket_count")
		}
	}
	return nil
}

// memoryQueries are the catalog queries of memory-optimized objects the
// source's version has.
func memoryQueries(c *Catalog, major int) []catalogQuery {
	if major < 12 {
		return nil
	}
	return []catalogQuery{{qHashIndexes, c.addHashIndex}}
}

// SchemaOnly tells a memory-optimized table with DURABILITY = SCHEMA_ONLY,
// whose rows the server itself does not keep: it is created empty.
func (t *Table) SchemaOnly() bool {
	return t.MemoryOptimized && t.Durability == durabilitySchemaOnly
}

// memoryIndexDef declares an index or key of a memory-optimized table or
// table type inside CREATE TABLE (CREATE TYPE): a hash index with its
// bucket count and unordered keys, a range index with ordered keys, a
// clustered columnstore index; constraints named (tables) or not (types).
func memoryIndexDef(ix *Index, tableType bool) string {
	var kind string
	switch ix.Type {
	case 7:
		kind = "NONCLUSTERED HASH (" + identList(keyColumns(ix.Keys)) + fmt.Sprintf(") WITH (BUCKET_COUNT = %d)", ix.BucketCount)
	case 5:
		s := "INDEX " + quoteIdent(ix.Name) + " CLUSTERED COLUMNSTORE"
		if ix.CompressionDelay > 0 {
			s += fmt.Sprintf(" WITH (COMPRESSION_DELAY = %d)", ix.CompressionDelay)
		}
		return s
	default:
		kind = "NONCLUSTERED (" + keyList(ix.Keys) + ")"
	}
	switch {
	case ix.PrimaryKey || ix.UniqueConstraint:
		s := "UNIQUE "
		if ix.PrimaryKey {
			s = "PRIMARY KEY "
		}
		if !tableType {
			s = "CONSTRAINT " + quoteIdent(ix.Name) + " " + s
		}
		return s + kind
	case ix.Unique:
		return "INDEX " + quoteIdent(ix.Name) + " UNIQUE " + kind
	}
	return "INDEX " + quoteIdent(ix.Name) + " " + kind
}

// keyColumns returns the columns of keys.
func keyColumns(keys []IndexKey) []string {
	cols := make([]string, len(keys))
	for i, k := range keys {
		cols[i] = k.Column
	}
	return cols
}

// memoryTableStmt is the CREATE TABLE of a memory-optimized table, on one
// line: columns, keys and indexes, WITH (MEMORY_OPTIMIZED = ON, DURABILITY
// = …).
func memoryTableStmt(t *Table) string {
	var parts []string
	for _, c := range t.Columns {
		parts = append(parts, columnDef(c, false))
	}
	for _, ix := range t.Indexes {
		if ix.Type == 2 || ix.Type == 5 || ix.Type == 7 {
			parts = append(parts, memoryIndexDef(ix, false))
		}
	}
	durability := "SCHEMA_AND_DATA"
	if t.SchemaOnly() {
		durability = "SCHEMA_ONLY"
	}
	return fmt.Sprintf("CREATE TABLE %s (%s) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = %s);",
		quoteName(t.Schema, t.Name), strings.Join(parts, ", "), durability)
}

// diskIndexes returns the indexes of a memory-optimized table as a
// disk-based table has them: keys and indexes nonclustered rowstore (a
// hash index's keys ascending), the columnstore index left out.
func diskIndexes(ixs []*Index) (kept []*Index, dropped []*Index) {
	for _, ix := range ixs {
		switch ix.Type {
		case 2, 7:
			d := &Index{Name: ix.Name, Type: 2, Unique: ix.Unique, PrimaryKey: ix.PrimaryKey,
				UniqueConstraint: ix.UniqueConstraint, AllowRowLocks: true, AllowPageLocks: true}
			for _, k := range ix.Keys {
				d.Keys = append(d.Keys, IndexKey{Column: k.Column, Descending: k.Descending && ix.Type == 2})
			}
			kept = append(kept, d)
		default:
			dropped = append(dropped, ix)
		}
	}
	return kept, dropped
}

// diskTableStmts are the statements that create a memory-optimized table
// as a disk-based one (see above): CREATE TABLE with its columns and
// keys, then CREATE INDEX for each other index (not inline: CREATE
// TABLE's INDEX clause needs SQL Server 2014, and the fallback may run on
// 2012).
func diskTableStmts(t *Table) string {
	ixs, _ := diskIndexes(t.Indexes)
	var parts []string
	for _, c := range t.Columns {
		parts = append(parts, columnDef(c, false))
	}
	var after []string
	for _, ix := range ixs {
		if ix.PrimaryKey || ix.UniqueConstraint {
			parts = append(parts, constraintDef(ix, false))
		} else {
			after = append(after, indexStmt(t.Schema, t.Name, ix))
		}
	}
	return strings.Join(append([]string{fmt.Sprintf("CREATE TABLE %s (%s);", quoteName(t.Schema, t.Name), strings.Join(parts, ", "))}, after...), " ")
}

// memoryFallback returns the batch that creates an object with memStmt
// where the target can hold memory-optimized objects, and otherwise with
// diskStmt after a PRINT that says so (and what the disk-based one is
// without: ", without its columnstore index [i]"). Both run with sp_executesql: a
// target without In-Memory OLTP (SQL Server 2012) would not compile the
// batch otherwise.
func memoryFallback(what, memStmt, diskStmt, without string) string {
	return batch("DECLARE @sql nvarchar(max);\nIF " + memoryOptimizedTarget + "\n" +
		"    SET @sql = " + nlit(memStmt) + ";\nELSE\nBEGIN\n" +
		"    PRINT " + nlit("sqlvault: "+what+" is created as a disk-based one"+without+": the database has no MEMORY_OPTIMIZED_DATA filegroup or the server no In-Memory OLTP") + ";\n" +
		"    SET @sql = " + nlit(diskStmt) + ";\nEND\n" + execSQLVar)
}

// createMemoryTable renders the batch that creates a memory-optimized
// table (memoryFallback).
func createMemoryTable(t *Table) string {
	_, dropped := diskIndexes(t.Indexes)
	without := ""
	for _, ix := range dropped {
		if ix.Type == 5 {
			without = ", without its columnstore index " + quoteIdent(ix.Name)
		}
	}
	return memoryFallback("memory-optimized table "+quoteName(t.Schema, t.Name), memoryTableStmt(t), diskTableStmts(t), without)
}

// createMemoryTableType renders the batch that creates a memory-optimized
// table type: CREATE TYPE … AS TABLE (columns, keys, indexes) WITH
// (MEMORY_OPTIMIZED = ON), or the ordinary table type (memoryFallback).
func createMemoryTableType(t *UserType) string {
	var parts []string
	var checks []string
	if t.Table != nil {
		for _, c := range t.Table.Columns {
			parts = append(parts, columnDef(c, true))
		}
		for _, ck := range t.Table.Checks {
			checks = append(checks, "CHECK "+ck.Definition)
		}
	}
	mem := append([]string(nil), parts...)
	disk := append([]string(nil), parts...)
	if t.Table != nil {
		for _, ix := range t.Table.Indexes {
			mem = append(mem, memoryIndexDef(ix, true))
		}
		kept, _ := diskIndexes(t.Table.Indexes)
		for _, ix := range kept {
			if ix.PrimaryKey || ix.UniqueConstraint {
				disk = append(disk, constraintDef(ix, true))
			} else {
				disk = append(disk, memoryIndexDef(ix, true)) // INDEX [i] NONCLUSTERED (…): CREATE TYPE's <table_index>
			}
		}
	}
	name := quoteName(t.Schema, t.Name)
	mem, disk = append(mem, checks...), append(disk, checks...)
	return memoryFallback("memory-optimized table type "+name,
		fmt.Sprintf("CREATE TYPE %s AS TABLE (%s) WITH (MEMORY_OPTIMIZED = ON);", name, strings.Join(mem, ", ")),
		fmt.Sprintf("CREATE TYPE %s AS TABLE (%s);", name, strings.Join(disk, ", ")), "")
}

// memoryReader reads the rows of memory-optimized tables. A transaction
// in SNAPSHOT isolation, the scripter's, cannot access them at all (error
// 41332: "Memory optimized tables and natively compiled stored procedures
// cannot be accessed or created when the session TRANSACTION ISOLATION
// LEVEL is set to SNAPSHOT"; "Transaction Isolation Levels for
// Memory-Optimized Tables": transactions started in interpreted T-SQL with
// SNAPSHOT isolation cannot access memory-optimized tables), and a
// database snapshot of a database with a MEMORY_OPTIMIZED_DATA filegroup
// cannot be made before SQL Server 2019. So they are read from the
// database itself, in one READ COMMITTED transaction of their own, each
// with the WITH (SNAPSHOT) table hint ("Transactions with Memory-Optimized
// Tables": in an explicit transaction a memory-optimized table needs the
// hint, or error 41368): every memory-optimized table as of one moment,
// which is not the moment of the disk-based tables (foreign keys of
// memory-optimized tables reference memory-optimized tables only).
type memoryReader struct {
	// open returns the pool to read through: the source's own, when
	// the scripter does not hold its one connection in a transaction,
	// else a second one (Options.OpenDatabase); owned tells the second.
	open  func(ctx context.Context) (db *sql.DB, owned bool, err error)
	db    *sql.DB
	owned bool
	tx    *sql.Tx
}

// querier returns the transaction the memory-optimized tables are read
// in, begun on first use.
func (m *memoryReader) querier(ctx context.Context) (querier, error) {
	if m.tx != nil {
		return m.tx, nil
	}
	if m.db == nil {
		db, owned, err := m.open(ctx)
		if err != nil {
			return nil, err
		}
		m.db, m.owned = db, owned
	}
	tx, err := m.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, readErr("begin the transaction of the memory-optimized tables", err)
	}
	m.tx = tx
	return tx, nil
}

// close ends the transaction, if one was begun (it only read), and
// closes a pool of its own.
func (m *memoryReader) close() {
	if m.tx != nil {
		m.tx.Rollback()
	}
	if m.owned {
		m.db.Close()
	}
	m.tx, m.db, m.owned = nil, nil, false
}

// newMemoryReader returns the reader of the memory-optimized tables of
// database name: through db where the scripter reads otherwise (inTx
// false: a database snapshot, or no consistency), else through a pool of
// its own.
func newMemoryReader(db *sql.DB, inTx bool, name string, opts *Options) *memoryReader {
	return &memoryReader{open: func(ctx context.Context) (*sql.DB, bool, error) {
		if !inTx {
			return db, false, nil
		}
		if opts.OpenDatabase == nil {
			return nil, false, fmt.Errorf("read memory-optimized tables: a second connection is needed (a SNAPSHOT transaction cannot read them) and none can be opened (Options.OpenDatabase is nil)")
		}
		odb, err := opts.OpenDatabase(ctx, name)
		if err != nil {
			return nil, false, readErr("connect for the memory-optimized tables", err)
		}
		return odb, true, nil
	}}
}
