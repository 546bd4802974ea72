package mssql

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Features a script cannot carry, or carries only in part, each reported
// in the manifest's unscripted list (report.go says what to do):
//
//   - Change data capture (CDC): sys.sp_cdc_enable_db creates the cdc
//     schema, the cdc user and the change tables and functions in schema
//     cdc; a database that already has a schema or user named cdc cannot
//     be enabled ("Enable and disable change data capture"). So these are
//     left out of the copy (not created by hand) and each capture instance
//     is reported with the options of sys.sp_cdc_enable_table.
//   - Always Encrypted columns (sys.columns.encryption_type, SQL Server
//     2016): a login without the column master key reads ciphertext, which
//     an INSERT statement cannot store back (only a bulk copy with
//     ALLOW_ENCRYPTED_VALUE_MODIFICATIONS can, "Bulk loading of encrypted
//     data"); their tables are refused (kind table: data missing).
//   - Ledger tables (sys.tables.ledger_type, SQL Server 2022): a ledger
//     table cannot be made from an existing one (ALTER TABLE has no LEDGER
//     option; "Migrate data from regular tables to ledger tables" copies
//     the rows into a new one), and its history and the database digests
//     cannot be written by a script. The copy keeps every row: the table,
//     its ledger columns, its history table and ledger view are created as
//     an ordinary table, table and view, and the ledger is reported.
//     Dropped ledger tables (is_dropped_ledger_table) are left out and
//     reported.
//   - Numbered procedures (sys.numbered_procedures: procedures ;2 and up,
//     not in sys.sql_modules; deprecated, and not in Azure SQL Database).
//   - Service Broker message types, contracts and routes (other than the
//     system ones every database has); queues (sys.objects type SQ),
//     services and remote service bindings are reported as they are found.
//
// Change tracking is scripted (changetracking.go).

// qCDC tells whether change data capture is enabled in the database
// (sys.databases.is_cdc_enabled, SQL Server 2008) and whether it has the
// cdc.change_tables system table, which exists only then (read by
// database_id, so that a database snapshot answers for itself).
const qCDC = `/* sqlvault:cdc */
SELECT d.is_cdc_enabled, OBJECT_ID(N'cdc.change_tables') AS change_tables_id
FROM sys.databases AS d
WHERE d.database_id = DB_ID()`

// qCaptureInstances lists the capture instances of change data capture
// (cdc.change_tables, cdc.captured_columns: SQL Server 2008; asked only
// where cdc.change_tables exists), one row per captured column in order.
const qCaptureInstances = `/* sqlvault:capture_instances */
SELECT ct.capture_instance, OBJECT_SCHEMA_NAME(ct.source_object_id) AS source_schema,
       OBJECT_NAME(ct.source_object_id) AS source_name, ct.supports_net_changes, ct.role_name,
       ct.index_name, ct.filegroup_name, cc.column_name
FROM cdc.change_tables AS ct
LEFT JOIN cdc.captured_columns AS cc ON cc.object_id = ct.object_id
ORDER BY ct.capture_instance, cc.column_ordinal`

// qEncryptedColumns lists the Always Encrypted columns of user tables
// (sys.columns.encryption_type_desc and column_encryption_key_id,
// sys.column_encryption_keys: SQL Server 2016).
const qEncryptedColumns = `/* sqlvault:encrypted_columns */
SELECT c.object_id, c.column_id, c.name AS column_name, c.encryption_type_desc, cek.name AS key_name
FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
LEFT JOIN sys.column_encryption_keys AS cek ON cek.column_encryption_key_id = c.column_encryption_key_id
WHERE c.encryption_type IS NOT NULL AND o.type = 'U' AND o.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id`

// qLedgerTables lists the ledger tables (sys.tables.ledger_type: 1 the
// history table of an updatable ledger table, 2 updatable, 3 append-only;
// ledger_view_id, is_dropped_ledger_table: SQL Server 2022).
const qLedgerTables = `/* sqlvault:ledger_tables */
SELECT t.object_id, t.ledger_type, t.ledger_view_id, t.is_dropped_ledger_table
FROM sys.tables AS t
WHERE t.ledger_type <> 0 AND t.is_ms_shipped = 0
ORDER BY t.object_id`

// qNumberedProcedures lists the procedures ;2 and up of numbered
// procedure groups (sys.numbered_procedures: SQL Server 2005, not Azure
// SQL Database); a NULL definition is an encrypted one.
const qNumberedProcedures = `/* sqlvault:numbered_procedures */
SELECT np.object_id, OBJECT_SCHEMA_NAME(np.object_id) AS schema_name, OBJECT_NAME(np.object_id) AS name,
       np.procedure_number, CASE WHEN np.definition IS NULL THEN 1 ELSE 0 END AS is_encrypted
FROM sys.numbered_procedures AS np
ORDER BY schema_name, name, np.procedure_number`

// qBrokerObjects lists the user Service Broker message types, contracts
// and routes (sys.service_message_types, sys.service_contracts, sys.routes:
// SQL Server 2005, not Azure SQL Database). Every database has the system
// ones: the message types and contracts named DEFAULT or
// http://schemas.microsoft.com/SQL/..., and the route AutoCreatedLocal.
const qBrokerObjects = `/* sqlvault:broker_objects */
SELECT N'message type' AS kind, mt.name FROM sys.service_message_types AS mt
WHERE mt.name <> N'DEFAULT' AND mt.name NOT LIKE N'http://schemas.microsoft.com/SQL/%'
UNION ALL SELECT N'contract', sc.name FROM sys.service_contracts AS sc
WHERE sc.name <> N'DEFAULT' AND sc.name NOT LIKE N'http://schemas.microsoft.com/SQL/%'
UNION ALL SELECT N'route', r.name FROM sys.routes AS r WHERE r.name <> N'AutoCreatedLocal'
ORDER BY kind, name`

// entityReason says why an entity of qDatabaseEntities is not scripted.
func entityReason(kind string) string {
	if kind == "service" || kind == "remote service binding" {
		return "Service Broker " + kind + ": Service Broker objects are not scripted"
	}
	return "this kind of object is not scripted"
}

// cdcSchema is the schema (and user) that change data capture owns.
const cdcSchema = "cdc"

// readFeatures runs the queries of the features above that the server's
// version has, reports what they find and leaves out what the copy must
// not create. It runs before Catalog.finish.
func (c *Catalog) readFeatures(ctx context.Context, q querier, major int) error {
	azureDB := c.Server.EngineEdition == 5
	cdc := false
	steps := []catalogQuery{{qCDC, func(r *record) error {
		cdc = r.bool("is_cdc_enabled") || !r.null("change_tables_id")
		return nil
	}}}
	if !azureDB {
		steps = append(steps, catalogQuery{qNumberedProcedures, c.addNumberedProcedure},
			catalogQuery{qBrokerObjects, func(r *record) error {
				c.unscripted(r.str("kind"), quoteIdent(r.str("name")), "Service Broker "+r.str("kind")+": Service Broker objects are not scripted")
				return nil
			}})
	}
	if major >= 13 {
		steps = append(steps, catalogQuery{qEncryptedColumns, c.addEncryptedColumn})
	}
	if major >= 16 {
		steps = append(steps, catalogQuery{qLedgerTables, c.addLedgerTable})
	}
	steps = append(steps, c.changeTrackingQueries()...)
	for _, s := range steps {
		if err := queryEach(ctx, q, s.query, s.fn); err != nil {
			return err
		}
	}
	if cdc {
		if err := c.readCDC(ctx, q); err != nil {
			return err
		}
	}
	c.finishFeatures()
	c.changeTrackingNote()
	return nil
}

// featureNotes are what readFeatures found about tables, by table id.
type featureNotes struct {
	encrypted     []string // Always Encrypted columns: "[c] (DETERMINISTIC, key [k])"
	ledger        int64    // sys.tables.ledger_type
	ledgerDropped bool
	ledgerView    int64
}

func (c *Catalog) notesOf(id int64) *featureNotes {
	if c.features == nil {
		c.features = map[int64]*featureNotes{}
	}
	if c.features[id] == nil {
		c.features[id] = &featureNotes{}
	}
	return c.features[id]
}

func (c *Catalog) addEncryptedColumn(r *record) error {
	n := c.notesOf(r.int("object_id"))
	n.encrypted = append(n.encrypted, fmt.Sprintf("%s (%s, column encryption key %s)",
		quoteIdent(r.str("column_name")), r.str("encryption_type_desc"), quoteIdent(r.str("key_name"))))
	return nil
}

func (c *Catalog) addLedgerTable(r *record) error {
	n := c.notesOf(r.int("object_id"))
	n.ledger, n.ledgerDropped, n.ledgerView = r.int("ledger_type"), r.bool("is_dropped_ledger_table"), r.int("ledger_view_id")
	return nil
}

func (c *Catalog) addNumberedProcedure(r *record) error {
	name := quoteName(r.str("schema_name"), r.str("name"))
	reason := "numbered procedure (deprecated): only " + name + " (number 1) is scripted"
	if r.bool("is_encrypted") {
		reason += "; this one is encrypted: its definition cannot be read"
	}
	c.unscripted("numbered procedure", fmt.Sprintf("%s;%d", name, r.int("procedure_number")), reason)
	return nil
}

// readCDC reports the capture instances and leaves out what change data
// capture owns: the cdc schema, the cdc user, and every object, type,
// permission and extended property in or on schema cdc.
func (c *Catalog) readCDC(ctx context.Context, q querier) error {
	c.unscripted("change data capture", quoteIdent(c.Database.Name),
		"change data capture is enabled (sys.sp_cdc_enable_db); the cdc schema, the cdc user and the change tables and functions in schema cdc are left out, so that sys.sp_cdc_enable_db can create them on the target; the captured changes are not copied")
	type instance struct {
		source, role, index, filegroup string
		net                            bool
		columns                        []string
	}
	var names []string
	instances := map[string]*instance{}
	err := queryEach(ctx, q, qCaptureInstances, func(r *record) error {
		name := r.str("capture_instance")
		in := instances[name]
		if in == nil {
			in = &instance{source: quoteName(r.str("source_schema"), r.str("source_name")), role: r.str("role_name"),
				index: r.str("index_name"), filegroup: r.str("filegroup_name"), net: r.bool("supports_net_changes")}
			instances[name] = in
			names = append(names, name)
		}
		if !r.null("column_name") {
			in.columns = append(in.columns, quoteIdent(r.str("column_name")))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		in := instances[name]
		opts := []string{"@role_name = NULL"}
		if in.role != "" {
			opts[0] = "@role_name = " + nlit(in.role)
		}
		opts = append(opts, "@capture_instance = "+nlit(name), fmt.Sprintf("@supports_net_changes = %d", boolInt(in.net)))
		if in.index != "" {
			opts = append(opts, "@index_name = "+nlit(in.index))
		}
		if len(in.columns) > 0 {
			opts = append(opts, "@captured_column_list = "+nlit(strings.Join(in.columns, ", ")))
		}
		if in.filegroup != "" {
			opts = append(opts, "@filegroup_name = "+nlit(in.filegroup))
		}
		c.unscripted("change data capture", quoteIdent(name), "capture instance of "+in.source+": "+strings.Join(opts, ", "))
	}
	c.leaveOutSchema(cdcSchema)
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// leaveOutSchema drops a schema that a feature owns from the catalog,
// with the user of the same name and everything in or on them.
func (c *Catalog) leaveOutSchema(name string) {
	var schemas []*Schema
	var schemaID int64
	for _, sc := range c.Schemas {
		if sc.Name == name {
			schemaID = sc.ID
			continue
		}
		schemas = append(schemas, sc)
	}
	c.Schemas = schemas
	gone := map[int64]bool{}
	for id, o := range c.objects {
		if o.schema == name {
			gone[id] = true
			delete(c.objects, id)
			delete(c.tables, id)
			delete(c.modules, id)
			delete(c.deps, id)
			delete(c.typeDeps, id)
		}
	}
	var tables []*Table
	for _, t := range c.Tables {
		if !gone[t.ID] {
			tables = append(tables, t)
		}
	}
	c.Tables = tables
	var modules []*Module
	for _, m := range c.Modules {
		if !gone[m.ID] {
			modules = append(modules, m)
		}
	}
	c.Modules = modules
	var user int64
	for id, p := range c.principals {
		if p.Name == name && p.Type == "S" {
			user = id
			delete(c.principals, id)
		}
	}
	var members [][2]int64
	for _, m := range c.members {
		if m[1] != user || user == 0 {
			members = append(members, m)
		}
	}
	c.members = members
	var perms []*Permission
	for _, p := range c.perms {
		on := p.Class == 1 && (gone[p.Major] || p.ObjSchema == name) || p.Class == 3 && p.Major == schemaID ||
			p.Class == 4 && user != 0 && p.Major == user
		if !on && (user == 0 || p.Grantee != user) {
			perms = append(perms, p)
		}
	}
	c.perms = perms
	var props []*ExtProp
	for _, p := range c.ExtProps {
		on := (p.Class == 1 || p.Class == 2 || p.Class == 7) && gone[p.Major] || p.Class == 3 && p.Major == schemaID ||
			p.Class == 4 && user != 0 && p.Major == user
		if !on {
			props = append(props, p)
		}
	}
	c.ExtProps = props
}

// finishFeatures reports the tables readFeatures found: those with Always
// Encrypted columns are not scripted (their data is not in the snapshot);
// dropped ledger tables are left out; ledger tables are created as
// ordinary tables, reported.
func (c *Catalog) finishFeatures() {
	ids := make([]int64, 0, len(c.features))
	for id := range c.features {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	drop := map[int64]bool{}
	for _, id := range ids {
		n, t := c.features[id], c.tables[id]
		if t == nil {
			continue
		}
		name := quoteName(t.Schema, t.Name)
		switch {
		case n.ledgerDropped:
			drop[id] = true
			c.unscripted("dropped ledger table", name, "a dropped ledger table, kept by SQL Server for the ledger's verification; left out")
		case len(n.encrypted) > 0:
			drop[id] = true
			c.unscripted("table", name, "Always Encrypted column "+strings.Join(n.encrypted, ", ")+": its values read as ciphertext, which a script cannot store back")
		case n.ledger == 2 || n.ledger == 3:
			kind := "an updatable ledger table"
			if n.ledger == 3 {
				kind = "an append-only ledger table"
			}
			also := ""
			if h := c.tables[t.HistoryID]; h != nil && t.HistoryID != 0 {
				also += ", its history table " + quoteName(h.Schema, h.Name)
			}
			if n.ledgerView != 0 {
				also += ", its ledger view " + c.qualified(n.ledgerView)
			}
			c.unscripted("ledger table", name, kind+": the table"+also+" are created as ordinary ones with every row and ledger column; the ledger's history of digests cannot be recreated by a script")
		}
	}
	if len(drop) == 0 {
		return
	}
	var tables []*Table
	for _, t := range c.Tables {
		if !drop[t.ID] {
			tables = append(tables, t)
		}
	}
	c.Tables = tables
}
