package sample

import (
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// Memory-optimized tables (SQL Server 2014) as SQL Server serves them:
// sys.tables.durability, sys.hash_indexes.bucket_count, and the rules of
// "Transactions with Memory-Optimized Tables" for reading their rows.

// durability is sys.tables.durability: 1 for SCHEMA_ONLY, 0 for
// SCHEMA_AND_DATA, NULL for a disk-based table.
func (t *Table) durability() any {
	switch {
	case !t.MemoryOptimized:
		return nil
	case t.Durability == "SCHEMA_ONLY":
		return int64(1)
	}
	return int64(0)
}

// hashIndexesResult answers qHashIndexes: the hash indexes (type 7) of
// tables and table types.
func (db *DB) hashIndexesResult() *result {
	r := newResult("object_id:i", "index_id:i", "bucket_count:b")
	db.indexSets(func(oid int64, ix *Index, _ []*Column) {
		if ix.Type == 7 {
			r.add(oid, ix.id, ix.BucketCount)
		}
	})
	return r
}

// memoryHint cuts a table hint of a data query's FROM clause:
// "[s].[t] WITH (SNAPSHOT)" is the table and true.
func memoryHint(from string) (string, bool) {
	return strings.CutSuffix(from, " WITH (SNAPSHOT)")
}

// checkMemoryRead refuses to read a memory-optimized table where SQL
// Server does: in a transaction begun with SNAPSHOT isolation (error
// 41332), and without the SNAPSHOT hint in an explicit transaction
// (error 41368). A disk-based table takes no such hint here (the
// scripter sends it only for memory-optimized tables).
func (h *Handler) checkMemoryRead(conn mssqltest.ConnInfo, t *Table, hint bool) error {
	if !t.MemoryOptimized {
		if hint {
			return mssqltest.Errorf(102, 15, "Incorrect syntax near 'SNAPSHOT' (the sample serves the hint on memory-optimized tables only).")
		}
		return nil
	}
	if conn.TranCount == 0 {
		return nil // autocommit: READ COMMITTED is supported
	}
	h.mu.Lock()
	level := h.txIsolation[conn.ID]
	h.mu.Unlock()
	if level == mssqltest.IsolationSnapshot {
		return mssqltest.Errorf(41332, 16, "Memory optimized tables and natively compiled stored procedures cannot be accessed or created when the session TRANSACTION ISOLATION LEVEL is set to SNAPSHOT.")
	}
	if !hint {
		return mssqltest.Errorf(41368, 16, "Accessing memory optimized tables using the READ COMMITTED isolation level is supported only for autocommit transactions. It is not supported for explicit or implicit transactions. Provide a supported isolation level for the memory optimized table using a table hint, such as WITH (SNAPSHOT).")
	}
	return nil
}
