package mssql

import (
	"fmt"
	"strings"
)

// Change tracking ("Enable and disable change tracking"): post-data.sql
// turns it on for the database (ALTER DATABASE ... SET CHANGE_TRACKING =
// ON (CHANGE_RETENTION = n {DAYS | HOURS | MINUTES}, AUTO_CLEANUP = ON |
// OFF)) and then for each tracked table (ALTER TABLE ... ENABLE
// CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = ON | OFF)), after the data,
// so that loading it records no changes, and after the primary keys that
// change tracking needs. The tracked changes themselves are not copied:
// the restored database starts a new history, which clients that
// synchronize must learn (reported, not incomplete: every row is there).

// ChangeTracking is the change tracking of a database
// (sys.change_tracking_databases).
type ChangeTracking struct {
	AutoCleanup     bool
	Retention       int64
	RetentionUnits  string         // DAYS, HOURS or MINUTES
	tablesByID      map[int64]bool // tracked tables: TRACK_COLUMNS_UPDATED
	trackedTableIDs []int64
}

// qChangeTrackingDatabase reads the change tracking settings of the
// database (sys.change_tracking_databases, SQL Server 2008: a row only
// where it is on).
const qChangeTrackingDatabase = `/* sqlvault:change_tracking_database */
SELECT ctd.is_auto_cleanup_on, ctd.retention_period, ctd.retention_period_units_desc
FROM sys.change_tracking_databases AS ctd
WHERE ctd.database_id = DB_ID()`

// qChangeTrackingTables lists the tables change tracking is on for
// (sys.change_tracking_tables, SQL Server 2008).
const qChangeTrackingTables = `/* sqlvault:change_tracking_tables */
SELECT ctt.object_id, ctt.is_track_columns_updated_on
FROM sys.change_tracking_tables AS ctt
ORDER BY ctt.object_id`

func (c *Catalog) changeTrackingQueries() []catalogQuery {
	return []catalogQuery{
		{qChangeTrackingDatabase, func(r *record) error {
			c.ChangeTracking = &ChangeTracking{AutoCleanup: r.bool("is_auto_cleanup_on"), Retention: r.int("retention_period"),
				RetentionUnits: strings.ToUpper(r.str("retention_period_units_desc")), tablesByID: map[int64]bool{}}
			return nil
		}},
		{qChangeTrackingTables, func(r *record) error {
			if ct := c.ChangeTracking; ct != nil {
				id := r.int("object_id")
				ct.tablesByID[id] = r.bool("is_track_columns_updated_on")
				ct.trackedTableIDs = append(ct.trackedTableIDs, id)
			}
			return nil
		}},
	}
}

// changeTrackingOn renders the database's change tracking settings.
func changeTrackingOn(ct *ChangeTracking) string {
	var opts []string
	switch ct.RetentionUnits {
	case "DAYS", "HOURS", "MINUTES":
		if ct.Retention > 0 {
			opts = append(opts, fmt.Sprintf("CHANGE_RETENTION = %d %s", ct.Retention, ct.RetentionUnits))
		}
	}
	opts = append(opts, "AUTO_CLEANUP = "+onOff(ct.AutoCleanup))
	return "ALTER DATABASE CURRENT SET CHANGE_TRACKING = ON (" + strings.Join(opts, ", ") + ");"
}

// writeChangeTracking writes the change tracking of the database and its
// tables that the scripts create (those with a primary key in the copy),
// lists them as objects, and reports that the history starts anew. It
// writes nothing where change tracking is off, or when only some tables
// are scripted (Options.Tables: the database's settings are not the
// copy's to change).
func (s *scripter) writeChangeTracking(b *strings.Builder) {
	ct := s.c.ChangeTracking
	if ct == nil || s.filtered {
		return
	}
	db := quoteIdent(s.c.Database.Name)
	b.WriteString("\n" + comment("Change tracking of database %s (the tracked changes start anew)", db))
	b.WriteString(batch(changeTrackingOn(ct)))
	s.object("change tracking", db)
	for _, id := range ct.trackedTableIDs {
		t := s.scriptedTable(id)
		if t == nil {
			continue
		}
		name := quoteName(t.Schema, t.Name)
		b.WriteString(batch(fmt.Sprintf("ALTER TABLE %s ENABLE CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = %s);", name, onOff(ct.tablesByID[id]))))
		s.object("change tracking", name)
	}
}

// scriptedTable returns the table id as the scripts create it, if they
// create it with a primary key, or nil.
func (s *scripter) scriptedTable(id int64) *Table {
	for _, t := range s.tables {
		if t.ID != id {
			continue
		}
		for _, ix := range t.Indexes {
			if ix.PrimaryKey {
				return t
			}
		}
	}
	return nil
}

// changeTrackingNote reports, once per database, that the tracked changes
// are not copied.
func (c *Catalog) changeTrackingNote() {
	if c.ChangeTracking == nil {
		return
	}
	c.unscripted("change tracking", quoteIdent(c.Database.Name),
		"change tracking is enabled again after the data (post-data.sql), but the tracked changes are not copied: the restored database starts a new change history")
}
