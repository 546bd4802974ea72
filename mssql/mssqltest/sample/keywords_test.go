package sample

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// reservedKeywords are SQL Server's reserved keywords, as Microsoft's
// "Reserved Keywords (Transact-SQL)" lists them (the first table; WITHIN
// is reserved only in WITHIN GROUP, which GROUP covers). A name that is
// one can be used only as a delimited identifier ([LineNo]).
var reservedKeywords = strings.Fields(`
ADD ALL ALTER AND ANY AS ASC AUTHORIZATION BACKUP BEGIN BETWEEN BREAK BROWSE BULK BY
CASCADE CASE CHECK CHECKPOINT CLOSE CLUSTERED COALESCE COLLATE COLUMN COMMIT COMPUTE CONSTRAINT
CONTAINS CONTAINSTABLE CONTINUE CONVERT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME
CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DBCC DEALLOCATE DECLARE DEFAULT DELETE DENY DESC
DISK DISTINCT DISTRIBUTED DOUBLE DROP DUMP ELSE END ERRLVL ESCAPE EXCEPT EXEC EXECUTE EXISTS EXIT
EXTERNAL FETCH FILE FILLFACTOR FOR FOREIGN FREETEXT FREETEXTTABLE FROM FULL FUNCTION GOTO GRANT
GROUP HAVING HOLDLOCK IDENTITY IDENTITY_INSERT IDENTITYCOL IF IN INDEX INNER INSERT INTERSECT INTO
IS JOIN KEY KILL LEFT LIKE LINENO LOAD MERGE NATIONAL NOCHECK NONCLUSTERED NOT NULL NULLIF OF OFF
OFFSETS ON OPEN OPENDATASOURCE OPENQUERY OPENROWSET OPENXML OPTION OR ORDER OUTER OVER PERCENT
PIVOT PLAN PRECISION PRIMARY PRINT PROC PROCEDURE PUBLIC RAISERROR READ READTEXT RECONFIGURE
REFERENCES REPLICATION RESTORE RESTRICT RETURN REVERT REVOKE RIGHT ROLLBACK ROWCOUNT ROWGUIDCOL
RULE SAVE SCHEMA SECURITYAUDIT SELECT SEMANTICKEYPHRASETABLE SEMANTICSIMILARITYDETAILSTABLE
SEMANTICSIMILARITYTABLE SESSION_USER SET SETUSER SHUTDOWN SOME STATISTICS SYSTEM_USER TABLE
TABLESAMPLE TEXTSIZE THEN TO TOP TRAN TRANSACTION TRIGGER TRUNCATE TRY_CONVERT TSEQUAL UNION
UNIQUE UNPIVOT UPDATE UPDATETEXT USE USER VALUES VARYING VIEW WAITFOR WHEN WHERE WHILE WITH
WRITETEXT`)

// bareWords returns the words of T-SQL text outside strings, comments and
// delimited identifiers ([...], "..."), variables (@x) left out.
func bareWords(text string) []string {
	var words []string
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\'' || c == '"' || c == '[':
			end := byte(c)
			if c == '[' {
				end = ']'
			}
			i++
			for i < len(text) {
				if text[i] == end {
					if i+1 < len(text) && text[i+1] == end {
						i += 2
						continue
					}
					break
				}
				i++
			}
			i++
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			for i < len(text) && text[i] != '\n' && text[i] != '\r' {
				i++
			}
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			depth := 0
			for i < len(text) {
				if strings.HasPrefix(text[i:], "/*") {
					depth, i = depth+1, i+2
				} else if strings.HasPrefix(text[i:], "*/") {
					depth, i = depth-1, i+2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '@' || c == '_' || c == '#' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			j := i + 1
			for j < len(text) && (text[j] == '_' || text[j] == '@' || text[j] == '#' || text[j] == '$' ||
				'a' <= text[j] && text[j] <= 'z' || 'A' <= text[j] && text[j] <= 'Z' || '0' <= text[j] && text[j] <= '9') {
				j++
			}
			if c != '@' {
				words = append(words, text[i:j])
			}
			i = j
		default:
			i++
		}
	}
	return words
}

// identifiers returns the names of the model's objects (schemas, types,
// sequences, tables and their columns, indexes and constraints, modules,
// synonyms, principals), upper-cased.
func (db *DB) identifiers() map[string]bool {
	ids := map[string]bool{}
	add := func(names ...string) {
		for _, n := range names {
			ids[strings.ToUpper(n)] = true
		}
	}
	for _, s := range db.Schemas {
		add(s.Name)
	}
	for _, t := range db.Types {
		add(t.Name)
	}
	for _, s := range db.Sequences {
		add(s.Name)
	}
	for _, t := range db.allTables() {
		add(t.Name)
		for _, c := range t.Columns {
			add(c.Name, c.DefaultName)
		}
		for _, ix := range t.Indexes {
			add(ix.Name)
		}
		for _, fk := range t.FKs {
			add(fk.Name)
		}
		for _, ck := range t.Checks {
			add(ck.Name)
		}
	}
	for _, tt := range db.TableTypes {
		add(tt.Name)
	}
	for _, m := range db.Modules {
		add(m.Name)
		for _, ix := range m.Indexes {
			add(ix.Name)
		}
	}
	for _, s := range db.Synonyms {
		add(s.Name)
	}
	for _, p := range db.Principals {
		add(p.Name)
	}
	return ids
}

// reservedNames returns the names of objects of db that text uses
// without delimiters although they are reserved keywords, sorted.
func (db *DB) reservedNames(text string) []string {
	ids := db.identifiers()
	reserved := map[string]bool{}
	for _, k := range reservedKeywords {
		reserved[k] = true
	}
	found := map[string]bool{}
	for _, w := range bareWords(text) {
		if u := strings.ToUpper(w); reserved[u] && ids[u] {
			found[w] = true
		}
	}
	var out []string
	for w := range found {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// TestReservedKeywordNames checks that the sample's module texts, and
// testdata/mssql/sample.sql, the same database for a real server, use
// every name that is a reserved keyword (the column LineNo: LINENO is
// one) only as a delimited identifier, as SQL Server requires; the
// scripter replays module texts as they are.
func TestReservedKeywordNames(t *testing.T) {
	db := New()
	if got := db.reservedNames("INSERT t (OrderID, LineNo) SELECT [LineNo], 'LineNo' -- LineNo\n/* LineNo */ FROM x"); len(got) != 1 || got[0] != "LineNo" {
		t.Fatalf("the checker finds %q in a text with one bare LineNo", got)
	}
	for _, m := range db.Modules {
		if got := db.reservedNames(m.Definition); len(got) > 0 {
			t.Errorf("module %s.%s uses reserved keywords as bare names: %q", m.Schema, m.Name, got)
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "mssql", "sample.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if got := db.reservedNames(string(b)); len(got) > 0 {
		t.Errorf("testdata/mssql/sample.sql uses reserved keywords as bare names: %q", got)
	}
}
