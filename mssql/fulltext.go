package mssql

import (
	"fmt"
	"strings"
)

// Full-text search: catalogs and stoplists are created in schema.sql
// (after the schemas), full-text indexes in post-data.sql once the data
// and the key indexes are there. Full-text search is not installed on
// every server (SQL Server on Linux without the mssql-server-fts
// package, a Windows instance installed without the feature), so every
// statement runs only where SERVERPROPERTY('IsFullTextInstalled') is 1
// and otherwise a PRINT says what was skipped. The statements run with
// sp_executesql inside the IF: the batch then compiles where full-text
// search is missing, and each full-text statement is the only one of its
// own batch (CREATE FULLTEXT CATALOG and INDEX may not run inside a user
// transaction: "Transact-SQL statements allowed in transactions"; the
// scripts start none).

// FulltextCatalog is a full-text catalog (sys.fulltext_catalogs).
type FulltextCatalog struct {
	Name            string
	Default         bool // AS DEFAULT
	AccentSensitive bool // ACCENT_SENSITIVITY = ON
	// OwnerID is sys.fulltext_catalogs.principal_id (SQL Server 2008):
	// security.sql hands a catalog owned by another than dbo to its owner.
	OwnerID int64
}

// FulltextStoplist is a user full-text stoplist with its stopwords.
type FulltextStoplist struct {
	ID    int64
	Name  string
	Words []Stopword
	// OwnerID is sys.fulltext_stoplists.principal_id (SQL Server 2008),
	// as FulltextCatalog.OwnerID.
	OwnerID int64
}

// Stopword is a word of a stoplist in a language (an LCID).
type Stopword struct {
	Word     string
	Language int64
}

// FulltextIndex is the full-text index of a table or indexed view.
type FulltextIndex struct {
	KeyIndex       string
	Catalog        string
	Enabled        bool
	ChangeTracking string // AUTO, MANUAL or OFF
	NoPopulation   bool   // OFF and never populated: created WITH NO POPULATION
	// Stoplist is OFF, SYSTEM, or the name of a user stoplist (Named).
	Stoplist     string
	Named        bool
	PropertyList string // a search property list, which is not scripted
	Columns      []FulltextColumn
}

// FulltextColumn is a column of a full-text index.
type FulltextColumn struct {
	Name       string
	TypeColumn string // the type column of a varbinary(max) or image column
	Language   int64  // LCID
	Semantics  bool   // STATISTICAL_SEMANTICS
}

func (c *Catalog) addFulltextCatalog(r *record) error {
	c.FulltextCatalogs = append(c.FulltextCatalogs, &FulltextCatalog{Name: r.str("name"),
		Default: r.bool("is_default"), AccentSensitive: r.bool("is_accent_sensitivity_on"), OwnerID: r.int("principal_id")})
	return nil
}

func (c *Catalog) addFulltextStopword(r *record) error {
	id := r.int("stoplist_id")
	if n := len(c.FulltextStoplists); n == 0 || c.FulltextStoplists[n-1].ID != id {
		c.FulltextStoplists = append(c.FulltextStoplists, &FulltextStoplist{ID: id, Name: r.str("name"), OwnerID: r.int("principal_id")})
	}
	if !r.null("stopword") {
		sl := c.FulltextStoplists[len(c.FulltextStoplists)-1]
		sl.Words = append(sl.Words, Stopword{Word: r.str("stopword"), Language: r.int("language_id")})
	}
	return nil
}

// fulltextOwners hands the full-text catalogs and stoplists owned by
// another than dbo to their owners (ALTER AUTHORIZATION ON FULLTEXT
// CATALOG:: and FULLTEXT STOPLIST::, "ALTER AUTHORIZATION"), or reports
// that dbo owns them in the copy. Each runs only where schema.sql created
// its catalog or stoplist (not where full-text search is not installed).
func (s *security) fulltextOwners() {
	give := func(class, view, name string, owner int64) {
		if owner == 0 || owner == 1 {
			return
		}
		kind := strings.ToLower(class) + " owner"
		if to, ok := s.owner(owner, kind, quoteIdent(name), "dbo"); ok {
			stmt := fmt.Sprintf("IF EXISTS (SELECT 1 FROM sys.%s WHERE name = %s)\n    ALTER AUTHORIZATION ON %s::%s TO %s;",
				view, nlit(name), class, quoteIdent(name), to)
			s.add("Owners", kind, quoteIdent(name), s.guard(stmt, owner), 0)
		}
	}
	for _, fc := range s.c.FulltextCatalogs {
		give("FULLTEXT CATALOG", "fulltext_catalogs", fc.Name, fc.OwnerID)
	}
	for _, sl := range s.c.FulltextStoplists {
		give("FULLTEXT STOPLIST", "fulltext_stoplists", sl.Name, sl.OwnerID)
	}
}

func (c *Catalog) addFulltextIndex(r *record) error {
	oid := r.int("object_id")
	t := c.tables[oid]
	if t == nil {
		if o := c.objects[oid]; o == nil || o.typ != "V" {
			return nil
		}
		t = c.viewTable(oid)
	}
	fi := &FulltextIndex{KeyIndex: r.str("key_index"), Catalog: r.str("catalog_name"), Enabled: r.bool("is_enabled"),
		ChangeTracking: r.str("change_tracking_state_desc"), PropertyList: r.str("property_list_name")}
	fi.NoPopulation = fi.ChangeTracking == "OFF" && r.null("crawl_start_date")
	switch {
	case r.null("stoplist_id"):
		fi.Stoplist = "OFF"
	case r.null("stoplist_name"):
		fi.Stoplist = "SYSTEM" // the system stoplist (0) has no row in sys.fulltext_stoplists
	default:
		fi.Stoplist, fi.Named = r.str("stoplist_name"), true
	}
	if fi.PropertyList != "" {
		t.notes = append(t.notes, Unscripted{Kind: "full-text search property list", Name: quoteName(t.Schema, t.Name),
			Reason: "its full-text index uses the search property list " + quoteIdent(fi.PropertyList) + ", which is not scripted; created without it"})
	}
	t.FullText = fi
	return nil
}

func (c *Catalog) addFulltextIndexColumn(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil || t.FullText == nil {
		return nil
	}
	t.FullText.Columns = append(t.FullText.Columns, FulltextColumn{Name: r.str("column_name"), TypeColumn: r.str("type_column"),
		Language: r.int("language_id"), Semantics: r.bool("statistical_semantics")})
	return nil
}

// createFulltextCatalog is the CREATE FULLTEXT CATALOG statement of fc.
func createFulltextCatalog(fc *FulltextCatalog) string {
	s := "CREATE FULLTEXT CATALOG " + quoteIdent(fc.Name) + " WITH ACCENT_SENSITIVITY = " + onOff(fc.AccentSensitive)
	if fc.Default {
		s += " AS DEFAULT"
	}
	return s + ";"
}

// createFulltextStoplist returns the statements that create sl: CREATE
// FULLTEXT STOPLIST, then one ALTER FULLTEXT STOPLIST ... ADD per word. A
// stoplist created FROM SYSTEM STOPLIST or from another stoplist cannot
// be told apart from one whose words were added one by one afterwards;
// its words are what the catalog has.
func createFulltextStoplist(sl *FulltextStoplist) []string {
	stmts := []string{"CREATE FULLTEXT STOPLIST " + quoteIdent(sl.Name) + ";"}
	for _, w := range sl.Words {
		stmts = append(stmts, fmt.Sprintf("ALTER FULLTEXT STOPLIST %s ADD %s LANGUAGE %d;", quoteIdent(sl.Name), nlit(w.Word), w.Language))
	}
	return stmts
}

// createFulltextIndex returns the statements that create the full-text
// index fi of the table or view name: CREATE FULLTEXT INDEX with every
// column's language as an LCID (what the catalog has, so that the
// target's default full-text language does not decide), then ALTER
// FULLTEXT INDEX ... DISABLE if it was disabled. A search property list
// is left out (reported: Catalog.addFulltextIndex).
func createFulltextIndex(name string, fi *FulltextIndex) []string {
	cols := make([]string, len(fi.Columns))
	for i, col := range fi.Columns {
		cols[i] = quoteIdent(col.Name)
		if col.TypeColumn != "" {
			cols[i] += " TYPE COLUMN " + quoteIdent(col.TypeColumn)
		}
		cols[i] += fmt.Sprintf(" LANGUAGE %d", col.Language)
		if col.Semantics {
			cols[i] += " STATISTICAL_SEMANTICS"
		}
	}
	ct := fi.ChangeTracking
	if fi.NoPopulation {
		ct += ", NO POPULATION"
	}
	stoplist := fi.Stoplist
	if fi.Named {
		stoplist = quoteIdent(stoplist)
	}
	stmts := []string{fmt.Sprintf("CREATE FULLTEXT INDEX ON %s (%s) KEY INDEX %s ON %s WITH CHANGE_TRACKING = %s, STOPLIST = %s;",
		name, strings.Join(cols, ", "), quoteIdent(fi.KeyIndex), quoteIdent(fi.Catalog), ct, stoplist)}
	if !fi.Enabled {
		stmts = append(stmts, "ALTER FULLTEXT INDEX ON "+name+" DISABLE;")
	}
	return stmts
}

// fullTextInstalled is the condition that full-text search is installed
// on the server ("SERVERPROPERTY": IsFullTextInstalled, 1 or 0).
const fullTextInstalled = "CONVERT(int, SERVERPROPERTY('IsFullTextInstalled')) = 1"

// ifFullText returns the statement that runs stmts, each with sp_executesql
// (a batch of its own), where full-text search is installed, and prints
// "sqlvault: <what> skipped: ..." where it is not. With catch, a failing
// statement prints "sqlvault: <what> was not created: <error>" and the
// restore goes on, as a module's does (moduleBatch): a full-text index
// needs what the target may lack (a word breaker for its languages, a
// semantic language statistics database for STATISTICAL_SEMANTICS).
// Nothing in the batch is SQLCMD syntax: every text is an nlit literal.
func ifFullText(what string, catch bool, stmts ...string) string {
	var b strings.Builder
	b.WriteString("IF " + fullTextInstalled + "\nBEGIN\n    DECLARE @sql nvarchar(max);\n")
	run := execSQLVar
	if catch {
		run = "BEGIN TRY\n        " + execSQLVar + "\n    END TRY\n    BEGIN CATCH\n        PRINT " +
			nlit("sqlvault: "+what+" was not created: ") + " + ERROR_MESSAGE();\n    END CATCH;"
	}
	for _, s := range stmts {
		b.WriteString("    SET @sql = " + nlit(s) + ";\n    " + run + "\n")
	}
	b.WriteString("END\nELSE\n    PRINT " + nlit("sqlvault: "+what+" skipped: full-text search is not installed on this server") + ";")
	return b.String()
}

// fulltextNeeded returns the catalogs and stoplists schema.sql creates:
// all of them, or with Tables those that the chosen tables' full-text
// indexes use.
func (s *scripter) fulltextNeeded() ([]*FulltextCatalog, []*FulltextStoplist) {
	c := s.c
	if !s.filtered {
		return c.FulltextCatalogs, c.FulltextStoplists
	}
	catalogs, stoplists := map[string]bool{}, map[string]bool{}
	for _, t := range s.tables {
		if fi := t.FullText; fi != nil {
			catalogs[fi.Catalog] = true
			stoplists[fi.Stoplist] = fi.Named
		}
	}
	var fcs []*FulltextCatalog
	for _, fc := range c.FulltextCatalogs {
		if catalogs[fc.Name] {
			fcs = append(fcs, fc)
		}
	}
	var sls []*FulltextStoplist
	for _, sl := range c.FulltextStoplists {
		if stoplists[sl.Name] {
			sls = append(sls, sl)
		}
	}
	return fcs, sls
}

// writeFulltextCatalogs writes the full-text catalogs and stoplists of
// schema.sql.
func (s *scripter) writeFulltextCatalogs(b *strings.Builder) {
	fcs, sls := s.fulltextNeeded()
	for _, fc := range fcs {
		what := "full-text catalog " + quoteIdent(fc.Name)
		b.WriteString("\n" + comment("Full-text catalog %s", quoteIdent(fc.Name)))
		b.WriteString(batch(ifFullText(what, false, createFulltextCatalog(fc))))
		s.object("full-text catalog", quoteIdent(fc.Name))
	}
	for _, sl := range sls {
		what := "full-text stoplist " + quoteIdent(sl.Name)
		b.WriteString("\n" + comment("Full-text stoplist %s", quoteIdent(sl.Name)))
		b.WriteString(batch(ifFullText(what, false, createFulltextStoplist(sl)...)))
		s.object("full-text stoplist", quoteIdent(sl.Name))
	}
}

// writeFulltextIndexes writes the full-text indexes of post-data.sql, of
// the tables and views created, after their key indexes.
func (s *scripter) writeFulltextIndexes(b *strings.Builder) {
	for _, t := range append(s.nodeTables(), s.views()...) {
		fi := t.FullText
		if fi == nil || s.fulltextAbsent(t) {
			continue
		}
		name := quoteName(t.Schema, t.Name)
		b.WriteString("\n" + comment("Full-text index on %s", name))
		stmt := ifFullText("full-text index on "+name, true, createFulltextIndex(name, fi)...)
		if s.c.modules[t.ID] != nil {
			// On an indexed view: only where the view was created.
			stmt = s.ifModuleCreated(t.ID, "BEGIN\n"+stmt+"\nEND")
		}
		b.WriteString(batch(stmt))
		s.object("full-text index", name)
	}
}

// fulltextAbsent tells whether the full-text index of t is left out: its
// key index or a column of it is not created (planFulltext).
func (s *scripter) fulltextAbsent(t *Table) bool {
	_, gone := s.absentFulltext[t.ID]
	return gone
}

// planFulltext leaves out the full-text indexes whose key index or a
// column of which is not created, listed with leave.
func (s *scripter) planFulltext(t *Table, leave func(kind, name, reason string, a absence)) {
	fi := t.FullText
	if fi == nil {
		return
	}
	name := quoteName(t.Schema, t.Name)
	for _, ix := range t.Indexes {
		if a, gone := s.absentIndex[[2]int64{t.ID, ix.ID}]; gone && ix.Name == fi.KeyIndex {
			s.absentFulltext[t.ID] = a
			leave("full-text index", name, "depends on "+a.which(name+"."+quoteIdent(ix.Name)), a)
			return
		}
	}
	for _, fc := range fi.Columns {
		for _, col := range t.Columns {
			if a, gone := s.absentCol[[2]int64{t.ID, col.ID}]; gone && (col.Name == fc.Name || col.Name == fc.TypeColumn) {
				s.absentFulltext[t.ID] = a
				leave("full-text index", name, "depends on "+a.which(name+"."+quoteIdent(col.Name)), a)
				return
			}
		}
	}
}
