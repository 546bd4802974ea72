package mssql

import (
	"sort"
	"strings"
)

// Which servers a script restores into. The statements of the script run
// on SQL Server 2012 and later (ALTER DATABASE CURRENT, sequences, THROW);
// what the source's objects need of a newer target is created without a
// guard, so that an older target fails on it with the server's own error
// rather than losing it: the manifest and restore.sql name that version
// (Target). Options and settings of newer versions (database options,
// scoped configurations, Query Store, index and table options, data
// masks, history retention, ordered columnstore) are guarded instead
// (sinceGuarded): an older target skips them with a "sqlvault: ... needs
// SQL Server N or later; not set" message.

// Target says which servers a snapshot's script restores into.
type Target struct {
	// MinVersion names the oldest SQL Server release the script's
	// objects can be created on: "SQL Server 2016".
	MinVersion string `json:"min_version"`
	// Needs are the features that make MinVersion newer than SQL Server
	// 2012, each with its version: "temporal tables (SQL Server 2016)".
	Needs []string `json:"needs,omitempty"`
}

// target returns the Target of the objects s scripts.
func (s *scripter) target() Target {
	need := map[string]int{}
	add := func(what string, since int) {
		if since > MinMajor {
			need[what] = since
		}
	}
	collations := func(cols []*Column) {
		for _, col := range cols {
			if utf8Collation(col.Collation) {
				add("UTF-8 collations", 15)
			}
		}
	}
	if utf8Collation(s.c.Database.Collation) {
		add("UTF-8 collations", 15)
	}
	for _, t := range s.tables {
		if t.TemporalType == 2 || t.Period != nil {
			add("temporal tables and periods", 13)
		}
		if t.Node || t.Edge {
			add("graph tables", 14)
		}
		for _, ix := range t.Indexes {
			if ix.Type == 5 {
				add("clustered columnstore indexes", 12)
			}
			for _, c := range ix.Compression {
				if c == "COLUMNSTORE_ARCHIVE" {
					add("COLUMNSTORE_ARCHIVE compression", 12)
				}
			}
		}
		collations(t.Columns)
	}
	for _, ty := range s.c.Types {
		if ty.Table == nil {
			continue
		}
		collations(ty.Table.Columns)
		for _, ix := range ty.Table.Indexes {
			if !ix.PrimaryKey && !ix.UniqueConstraint {
				add("indexes of table types", 12) // CREATE TYPE's <table_index>: 2014
			}
		}
	}
	major := MinMajor
	var needs []string
	for what, since := range need {
		major = max(major, since)
		needs = append(needs, what+" ("+versionName(since)+")")
	}
	sort.Strings(needs)
	return Target{MinVersion: versionName(major), Needs: needs}
}

// targetComment is the part of restore.sql's header that names the
// servers it restores into.
func targetComment(t Target) string {
	why := ""
	if len(t.Needs) > 0 {
		why = " (for " + strings.Join(t.Needs, ", ") + ")"
	}
	return comment("Target: %s or later%s, Azure SQL Database or Azure SQL Managed Instance.", t.MinVersion, why) +
		"-- On an older target the first object it cannot create stops the restore with the server's error. Options and\n" +
		"-- settings of newer versions (database and index options, scoped configurations, Query Store, data masks,\n" +
		"-- history retention, ordered columnstore) are skipped where the target lacks them, each with a message\n" +
		"-- \"sqlvault: ... needs SQL Server N or later; not set\".\n"
}
