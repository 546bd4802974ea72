package mssql

import (
	"context"
	"fmt"
	"strings"
)

// The catalog queries whose select lists or views depend on the source's
// version, and the oldest version the scripter reads. Each column or view
// that not every supported version has names the release that introduced
// it (Microsoft's documentation of the sys.* catalog views: "Applies to:
// SQL Server 2016 (13.x) and later"); where the source lacks a column,
// versionedSelect selects NULL under its name, and the scripter reads
// NULL as "not set".

// MinMajor is the major version of the oldest SQL Server release the
// scripter reads: SQL Server 2012 (sys.sequences, sys.registered_search_
// property_lists, sys.database_principals.authentication_type and
// sys.fulltext_index_columns.statistical_semantics are from 2012).
const MinMajor = 11

// ReadServer identifies the server q is connected to (qServer, tagged
// sqlvault:server): the scripter reads the source's, a restore the
// target's (package load). q is a *sql.DB or *sql.Conn.
func ReadServer(ctx context.Context, q querier) (ServerInfo, error) {
	var s ServerInfo
	err := queryEach(ctx, q, qServer, func(r *record) error {
		s = ServerInfo{ProductVersion: r.str("product_version"), Edition: r.str("edition"),
			EngineEdition: r.int("engine_edition"), Version: r.str("version")}
		return nil
	})
	return s, err
}

// checkVersion returns an error for a server older than MinMajor.
func checkVersion(s ServerInfo) error {
	m := s.Major()
	if m == 0 || m >= MinMajor {
		return nil
	}
	return fmt.Errorf("the server runs %s (%s), older than %s, the oldest version sqlvault reads; back the database up with BACKUP DATABASE, or upgrade the server",
		versionName(m), s.ProductVersion, versionName(MinMajor))
}

// qTables lists user tables with their temporal, storage and graph kinds
// and the ANSI_NULLS setting they were created with. sys.tables:
// is_memory_optimized and durability 2014; temporal_type, history_table_id, is_external
// 2016; history_retention_period(_unit_desc), is_node, is_edge 2017.
func qTables(major int) string {
	return versionedSelect("tables", major, []versionedColumn{
		{"t.object_id", "object_id", 0},
		{"SCHEMA_NAME(t.schema_id)", "schema_name", 0},
		{"t.name", "name", 0},
		{"t.temporal_type", "temporal_type", 13},
		{"t.history_table_id", "history_table_id", 13},
		{"t.is_memory_optimized", "is_memory_optimized", 12},
		{"t.durability", "durability", 12},
		{"t.is_external", "is_external", 13},
		{"t.is_node", "is_node", 14},
		{"t.is_edge", "is_edge", 14},
		{"t.is_filetable", "is_filetable", 0},
		{"t.uses_ansi_nulls", "uses_ansi_nulls", 0},
		{"t.history_retention_period", "history_retention_period", 14},
		{"t.history_retention_period_unit_desc", "history_retention_period_unit_desc", 14},
	}, "FROM sys.tables AS t\nWHERE t.is_ms_shipped = 0\nORDER BY schema_name, t.name")
}

// qTypes lists user-defined types: alias types, table types and CLR
// (assembly) types. sys.table_types.is_memory_optimized: 2014.
func qTypes(major int) string {
	return versionedSelect("types", major, []versionedColumn{
		{"t.user_type_id", "user_type_id", 0},
		{"SCHEMA_NAME(t.schema_id)", "schema_name", 0},
		{"t.name", "name", 0},
		{"TYPE_NAME(t.system_type_id)", "base_type", 0},
		{"t.max_length", "max_length", 0},
		{"t.precision", "precision", 0},
		{"t.scale", "scale", 0},
		{"t.collation_name", "collation_name", 0},
		{"t.is_nullable", "is_nullable", 0},
		{"t.is_table_type", "is_table_type", 0},
		{"t.is_assembly_type", "is_assembly_type", 0},
		{"tt.type_table_object_id", "type_table_object_id", 0},
		{"tt.is_memory_optimized", "table_type_memory_optimized", 12},
		{"t.principal_id", "principal_id", 0},
	}, `FROM sys.types AS t
LEFT JOIN sys.table_types AS tt ON tt.user_type_id = t.user_type_id
WHERE t.is_user_defined = 1
ORDER BY schema_name, t.name`)
}

// qColumns lists the columns of user tables and table types with their
// identity, computed and default definitions and the ANSI_PADDING setting
// they were created with. sys.columns: generated_always_type and
// is_hidden 2016.
func qColumns(major int) string {
	return versionedSelect("columns", major, []versionedColumn{
		{"c.object_id", "object_id", 0},
		{"c.column_id", "column_id", 0},
		{"c.name", "name", 0},
		{"c.is_ansi_padded", "is_ansi_padded", 0},
		{"TYPE_NAME(c.user_type_id)", "type_name", 0},
		{"SCHEMA_NAME(ty.schema_id)", "type_schema", 0},
		{"ty.is_user_defined", "is_user_defined", 0},
		{"ty.is_assembly_type", "is_assembly_type", 0},
		{"CASE WHEN ty.is_assembly_type = 1 THEN ty.name ELSE TYPE_NAME(c.system_type_id) END", "system_type_name", 0},
		{"c.max_length", "max_length", 0},
		{"c.precision", "precision", 0},
		{"c.scale", "scale", 0},
		{"c.collation_name", "collation_name", 0},
		{"c.is_nullable", "is_nullable", 0},
		{"c.is_identity", "is_identity", 0},
		{"c.is_computed", "is_computed", 0},
		{"c.is_sparse", "is_sparse", 0},
		{"c.is_column_set", "is_column_set", 0},
		{"c.is_rowguidcol", "is_rowguidcol", 0},
		{"c.is_filestream", "is_filestream", 0},
		{"c.xml_collection_id", "xml_collection_id", 0},
		{"c.is_xml_document", "is_xml_document", 0},
		{"c.generated_always_type", "generated_always_type", 13},
		{"c.is_hidden", "is_hidden", 13},
		{"CONVERT(nvarchar(40), ic.seed_value)", "identity_seed", 0},
		{"CONVERT(nvarchar(40), ic.increment_value)", "identity_increment", 0},
		{"CONVERT(nvarchar(40), ic.last_value)", "identity_last_value", 0},
		{"ic.is_not_for_replication", "identity_not_for_replication", 0},
		{"cc.definition", "computed_definition", 0},
		{"cc.is_persisted", "is_persisted", 0},
		{"dc.name", "default_name", 0},
		{"dc.definition", "default_definition", 0},
	}, `FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
JOIN sys.types AS ty ON ty.user_type_id = c.user_type_id
LEFT JOIN sys.identity_columns AS ic ON ic.object_id = c.object_id AND ic.column_id = c.column_id
LEFT JOIN sys.computed_columns AS cc ON cc.object_id = c.object_id AND cc.column_id = c.column_id
LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id
WHERE o.type IN ('U', 'TT') AND o.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id`)
}

// qSequences lists sequences (SQL Server 2012); sql_variant values are
// converted to text so that no digit is lost. sys.sequences.
// last_used_value is from 2017; before, current_value (the last value
// handed out, or START WITH for a sequence never used, which the catalog
// cannot tell apart) stands for it: the restored sequence then continues
// after current_value, so a value is never handed out twice, and a
// sequence never used skips its first value.
func qSequences(major int) string {
	lastUsed := versionedColumn{"CONVERT(nvarchar(40), s.last_used_value)", "last_used_value", 0}
	if major < 14 {
		lastUsed.expr = "CONVERT(nvarchar(40), s.current_value)"
	}
	return versionedSelect("sequences", major, []versionedColumn{
		{"s.object_id", "object_id", 0},
		{"SCHEMA_NAME(s.schema_id)", "schema_name", 0},
		{"s.name", "name", 0},
		{"TYPE_NAME(s.user_type_id)", "type_name", 0},
		{"SCHEMA_NAME(tp.schema_id)", "type_schema", 0},
		{"tp.is_user_defined", "is_user_defined", 0},
		{"s.precision", "precision", 0},
		{"CONVERT(nvarchar(40), s.start_value)", "start_value", 0},
		{"CONVERT(nvarchar(40), s.increment)", "increment", 0},
		{"CONVERT(nvarchar(40), s.minimum_value)", "minimum_value", 0},
		{"CONVERT(nvarchar(40), s.maximum_value)", "maximum_value", 0},
		{"s.is_cycling", "is_cycling", 0},
		{"s.is_cached", "is_cached", 0},
		{"s.cache_size", "cache_size", 0},
		{"s.is_exhausted", "is_exhausted", 0},
		lastUsed,
	}, `FROM sys.sequences AS s
JOIN sys.types AS tp ON tp.user_type_id = s.user_type_id
ORDER BY schema_name, s.name`)
}

// qDatabaseEntities lists what the database holds outside sys.objects
// and is not scripted, so that it is reported: search property lists
// (full-text catalogs and stoplists, and XML schema collections, are
// scripted), keys and certificates, credentials, external data sources and file
// formats, audit specifications, event notifications, plan guides,
// Service Broker services on user queues and remote service bindings
// (change tracking is scripted: changetracking.go). Names starting with ## are the server's own
// certificates and keys. Always Encrypted keys, database scoped
// credentials, external data sources and file formats are views of SQL
// Server 2016 and are asked only from it on.
func qDatabaseEntities(major int) string {
	parts := []string{
		"SELECT N'search property list' AS kind, CAST(NULL AS sysname) AS schema_name, pl.name FROM sys.registered_search_property_lists AS pl",
		"SELECT N'certificate', CAST(NULL AS sysname), ce.name FROM sys.certificates AS ce WHERE ce.name NOT LIKE N'##%'",
		"SELECT N'asymmetric key', CAST(NULL AS sysname), ak.name FROM sys.asymmetric_keys AS ak WHERE ak.name NOT LIKE N'##%'",
		"SELECT N'symmetric key', CAST(NULL AS sysname), sk.name FROM sys.symmetric_keys AS sk",
	}
	if major >= 13 {
		parts = append(parts,
			"SELECT N'column master key', CAST(NULL AS sysname), cmk.name FROM sys.column_master_keys AS cmk",
			"SELECT N'column encryption key', CAST(NULL AS sysname), cek.name FROM sys.column_encryption_keys AS cek",
			"SELECT N'database scoped credential', CAST(NULL AS sysname), dc.name FROM sys.database_scoped_credentials AS dc",
			"SELECT N'external data source', CAST(NULL AS sysname), eds.name FROM sys.external_data_sources AS eds",
			"SELECT N'external file format', CAST(NULL AS sysname), eff.name FROM sys.external_file_formats AS eff")
	}
	parts = append(parts,
		"SELECT N'database audit specification', CAST(NULL AS sysname), das.name FROM sys.database_audit_specifications AS das",
		"SELECT N'event notification', CAST(NULL AS sysname), en.name FROM sys.event_notifications AS en",
		"SELECT N'plan guide', CAST(NULL AS sysname), pg.name FROM sys.plan_guides AS pg",
		"SELECT N'service', CAST(NULL AS sysname), sv.name FROM sys.services AS sv WHERE OBJECTPROPERTY(sv.service_queue_id, 'IsMSShipped') = 0",
		"SELECT N'remote service binding', CAST(NULL AS sysname), rsb.name FROM sys.remote_service_bindings AS rsb")
	return "/* sqlvault:database_entities */\n" + strings.Join(parts, "\nUNION ALL ") + "\nORDER BY kind, schema_name, name"
}
