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

// Release names the server's release as its users do: "SQL Server 2016
// (13.0.6300.2)", "Azure SQL Database".
func (s ServerInfo) Release() string {
	switch s.EngineEdition {
	case 5:
		return "Azure SQL Database"
	case 8:
		return "Azure SQL Managed Instance"
	}
	return versionName(s.Major()) + " (" + s.ProductVersion + ")"
}

// TargetFit says how a server fits a snapshot's script (Target.Fit).
type TargetFit struct {
	// TooOld tells a server older than SQL Server 2012 (MinMajor), on
	// which the scripts' statements fail (ALTER DATABASE CURRENT,
	// sequences, THROW).
	TooOld bool
	// Lacks are the Needs the server's version lacks: the first object of
	// each would fail to be created, stopping the restore with the
	// server's error (they are not guarded).
	Lacks []string
	// OlderThanSource tells a server older than the source, which can
	// hold its objects: options and settings of newer versions are
	// skipped, each with a message "sqlvault: ... needs SQL Server N or
	// later; not set" (sinceGuarded).
	OlderThanSource bool
}

// Fit compares a target server with the target t of a snapshot read from
// source. A server whose version cannot be read (major 0) fits.
func (t Target) Fit(server, source ServerInfo) TargetFit {
	var f TargetFit
	m := server.Major()
	if m == 0 {
		return f
	}
	if m < MinMajor {
		f.TooOld = true
		return f
	}
	for _, need := range t.Needs {
		if needMajor(need) > m {
			f.Lacks = append(f.Lacks, need)
		}
	}
	f.OlderThanSource = m < source.Major()
	return f
}

// needMajor returns the major version a need of Target.Needs names at
// its end ("graph tables (SQL Server 2017)"), 0 if none. Needs are
// written by target (add: since > MinMajor) with versionName.
func needMajor(need string) int {
	for m := MinMajor + 1; m < MinMajor+50; m++ {
		if strings.HasSuffix(need, "("+versionName(m)+")") {
			return m
		}
	}
	return 0
}
