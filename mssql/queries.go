package mssql

// The catalog queries of the scripter. Each starts with a comment tag
// (/* sqlvault:NAME */) so that logs, traces and the test server
// (mssql/mssqltest/sample) can tell them apart. They read only documented
// catalog views and functions; the scripter reads result columns by name,
// so the order of the select lists does not matter.
//
// Every view and column was checked against Microsoft's documentation of
// the sys.* catalog views. The queries here run on every supported version
// (SQL Server 2012 and later, Azure SQL Database and Managed Instance);
// those that read what not every version has are built for the source's
// major version (versions.go, dboptions.go) or asked only where it has
// the view (loadCatalog).
const (
	// qServer identifies the server.
	qServer = `/* sqlvault:server */
SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version,
       CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
       CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition,
       @@VERSION AS version,
       DB_NAME() AS database_name`

	// qDatabase reads the options of the current database from
	// sys.databases.
	qDatabase = `/* sqlvault:database */
SELECT d.name, d.collation_name, d.compatibility_level,
       d.snapshot_isolation_state, d.is_read_committed_snapshot_on,
       d.recovery_model_desc, d.is_ansi_nulls_on, d.is_ansi_padding_on,
       d.is_ansi_warnings_on, d.is_arithabort_on, d.is_concat_null_yields_null_on,
       d.is_quoted_identifier_on, d.is_numeric_roundabort_on, d.is_recursive_triggers_on,
       d.is_read_only, d.state_desc
FROM sys.databases AS d
WHERE d.name = DB_NAME()`

	// qPermissions checks that the login may read definitions and data
	// (HAS_PERMS_BY_NAME returns 1 when it may).
	qPermissions = `/* sqlvault:permissions */
SELECT HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DEFINITION') AS view_definition,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SELECT') AS select_permission`

	// qDatabases lists the user databases that are online, for
	// --all-databases.
	qDatabases = `/* sqlvault:databases */
SELECT d.name
FROM sys.databases AS d
WHERE d.database_id > 4 AND d.state = 0 AND d.source_database_id IS NULL
ORDER BY d.name`

	// qObjects lists every user object of the database (sys.objects
	// without is_ms_shipped ones): the universe the scripter accounts
	// for, so that kinds it cannot script are reported, not dropped.
	qObjects = `/* sqlvault:objects */
SELECT o.object_id, SCHEMA_NAME(o.schema_id) AS schema_name, o.name, o.type,
       o.parent_object_id, o.principal_id
FROM sys.objects AS o
WHERE o.is_ms_shipped = 0
ORDER BY o.object_id`

	// qSchemas lists user schemas (not dbo, guest, sys,
	// INFORMATION_SCHEMA or the fixed database role schemas) with their
	// owners.
	qSchemas = `/* sqlvault:schemas */
SELECT s.schema_id, s.name, s.principal_id, USER_NAME(s.principal_id) AS owner_name
FROM sys.schemas AS s
WHERE s.schema_id >= 5 AND s.schema_id < 16384
ORDER BY s.name`

	// qIndexes lists the indexes of user tables, table types and views,
	// including those behind primary key and unique constraints.
	qIndexes = `/* sqlvault:indexes */
SELECT i.object_id, i.index_id, i.name, i.type, i.is_unique, i.is_primary_key,
       i.is_unique_constraint, i.ignore_dup_key, i.fill_factor, i.is_padded,
       i.is_disabled, i.allow_row_locks, i.allow_page_locks, i.has_filter,
       i.filter_definition
FROM sys.indexes AS i
JOIN sys.objects AS o ON o.object_id = i.object_id
WHERE o.type IN ('U', 'TT', 'V') AND o.is_ms_shipped = 0 AND i.type > 0 AND i.is_hypothetical = 0
ORDER BY i.object_id, i.index_id`

	// qIndexColumns lists the key and included columns of those indexes.
	qIndexColumns = `/* sqlvault:index_columns */
SELECT ic.object_id, ic.index_id, ic.index_column_id, ic.key_ordinal,
       ic.is_descending_key, ic.is_included_column, c.name AS column_name
FROM sys.index_columns AS ic
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.objects AS o ON o.object_id = ic.object_id
WHERE o.type IN ('U', 'TT', 'V') AND o.is_ms_shipped = 0
ORDER BY ic.object_id, ic.index_id, ic.key_ordinal, ic.index_column_id`

	// qForeignKeys lists foreign keys with their actions and state.
	qForeignKeys = `/* sqlvault:foreign_keys */
SELECT fk.object_id, fk.name, fk.parent_object_id, fk.referenced_object_id,
       fk.delete_referential_action, fk.update_referential_action,
       fk.is_disabled, fk.is_not_trusted, fk.is_not_for_replication
FROM sys.foreign_keys AS fk
WHERE fk.is_ms_shipped = 0
ORDER BY fk.object_id`

	// qForeignKeyColumns lists the column pairs of foreign keys.
	qForeignKeyColumns = `/* sqlvault:foreign_key_columns */
SELECT fkc.constraint_object_id, fkc.constraint_column_id,
       COL_NAME(fkc.parent_object_id, fkc.parent_column_id) AS parent_column,
       COL_NAME(fkc.referenced_object_id, fkc.referenced_column_id) AS referenced_column
FROM sys.foreign_key_columns AS fkc
ORDER BY fkc.constraint_object_id, fkc.constraint_column_id`

	// qCheckConstraints lists check constraints.
	qCheckConstraints = `/* sqlvault:check_constraints */
SELECT cc.object_id, cc.name, cc.parent_object_id, cc.parent_column_id, cc.definition,
       cc.is_disabled, cc.is_not_trusted, cc.is_not_for_replication
FROM sys.check_constraints AS cc
WHERE cc.is_ms_shipped = 0
ORDER BY cc.object_id`

	// qModules lists views, functions, procedures and triggers with their
	// definitions (NULL for encrypted modules), the SET options they were
	// created with and the user they execute as; CLR modules appear with
	// a NULL definition too.
	qModules = `/* sqlvault:modules */
SELECT o.object_id, SCHEMA_NAME(o.schema_id) AS schema_name, o.name, o.type,
       o.parent_object_id, m.definition, m.uses_ansi_nulls, m.uses_quoted_identifier,
       m.is_schema_bound, m.execute_as_principal_id, tr.is_disabled AS trigger_disabled,
       tr.is_instead_of_trigger
FROM sys.objects AS o
LEFT JOIN sys.sql_modules AS m ON m.object_id = o.object_id
LEFT JOIN sys.triggers AS tr ON tr.object_id = o.object_id
WHERE o.is_ms_shipped = 0
  AND o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR', 'PC', 'FS', 'FT', 'TA', 'AF')
ORDER BY o.object_id`

	// qSynonyms lists synonyms.
	qSynonyms = `/* sqlvault:synonyms */
SELECT s.object_id, SCHEMA_NAME(s.schema_id) AS schema_name, s.name, s.base_object_name
FROM sys.synonyms AS s
ORDER BY schema_name, s.name`

	// qPeriods lists the SYSTEM_TIME periods of temporal tables.
	qPeriods = `/* sqlvault:periods */
SELECT p.object_id, p.name, COL_NAME(p.object_id, p.start_column_id) AS start_column,
       COL_NAME(p.object_id, p.end_column_id) AS end_column
FROM sys.periods AS p
ORDER BY p.object_id`

	// qDependencies lists the by-name dependencies between objects of the
	// database (class 1: objects and columns; class 6: types), with the
	// referencing column (a computed column) and the referenced column
	// (recorded for schema-bound references). Other referenced classes
	// (10, an XML schema collection; 21, a partition function) have ids
	// of their own, which are no object's or type's.
	qDependencies = `/* sqlvault:dependencies */
SELECT d.referencing_id, d.referencing_minor_id, d.referenced_id, d.referenced_minor_id, d.referenced_class
FROM sys.sql_expression_dependencies AS d
WHERE d.referencing_class = 1 AND d.referenced_id IS NOT NULL AND d.referenced_class IN (1, 6)
  AND d.referenced_server_name IS NULL AND d.referenced_database_name IS NULL
ORDER BY d.referencing_id, d.referenced_id`

	// qExtendedProperties lists extended properties with the base type
	// of their sql_variant values: classes 0 (database), 1 (object or
	// column), 2 (parameter), 3 (schema), 4 (principal), 6 (type), 7
	// (index), 8 (column of a table type) and 10 (XML schema collection;
	// sys.extended_properties (Transact-SQL)).
	qExtendedProperties = `/* sqlvault:extended_properties */
SELECT ep.class, ep.major_id, ep.minor_id, ep.name, ep.value,
       CAST(SQL_VARIANT_PROPERTY(ep.value, 'BaseType') AS nvarchar(128)) AS base_type,
       CAST(SQL_VARIANT_PROPERTY(ep.value, 'Precision') AS int) AS base_precision,
       CAST(SQL_VARIANT_PROPERTY(ep.value, 'Scale') AS int) AS base_scale,
       CAST(SQL_VARIANT_PROPERTY(ep.value, 'MaxLength') AS int) AS base_max_length,
       CASE ep.class
           WHEN 1 THEN COL_NAME(ep.major_id, ep.minor_id)
           WHEN 2 THEN (SELECT p.name FROM sys.parameters AS p WHERE p.object_id = ep.major_id AND p.parameter_id = ep.minor_id)
           WHEN 4 THEN (SELECT dp.name FROM sys.database_principals AS dp WHERE dp.principal_id = ep.major_id)
           WHEN 8 THEN (SELECT c.name FROM sys.table_types AS tt JOIN sys.columns AS c ON c.object_id = tt.type_table_object_id
                        WHERE tt.user_type_id = ep.major_id AND c.column_id = ep.minor_id)
       END AS sub_name
FROM sys.extended_properties AS ep
WHERE ep.class IN (0, 1, 2, 3, 4, 6, 7, 8, 10)
ORDER BY ep.class, ep.major_id, ep.minor_id, ep.name`

	// qAssemblies lists user CLR assemblies, which are not scripted.
	qAssemblies = `/* sqlvault:assemblies */
SELECT a.assembly_id, a.name
FROM sys.assemblies AS a
WHERE a.is_user_defined = 1
ORDER BY a.name`

	// qDatabaseTriggers lists the database-level DDL triggers (parent
	// class 0; not in sys.objects) with their definitions from
	// sys.sql_modules (NULL for encrypted ones; type TA is a CLR
	// trigger), the SET options they were created with and the user they
	// execute as. Server-level triggers (sys.server_triggers) are not part
	// of a database.
	qDatabaseTriggers = `/* sqlvault:database_triggers */
SELECT tr.object_id, tr.name, tr.type, tr.is_disabled, m.definition, m.uses_ansi_nulls,
       m.uses_quoted_identifier, m.execute_as_principal_id
FROM sys.triggers AS tr
LEFT JOIN sys.sql_modules AS m ON m.object_id = tr.object_id
WHERE tr.parent_class = 0 AND tr.is_ms_shipped = 0
ORDER BY tr.name`

	// qTriggerOrder lists the events for which a DML trigger of a table
	// or view, or a database DDL trigger, was set to fire first or last
	// (sp_settriggerorder; sys.trigger_events.is_first, is_last). type_desc
	// is the statement type: INSERT, UPDATE, DELETE or a DDL event.
	qTriggerOrder = `/* sqlvault:trigger_order */
SELECT te.object_id, te.type_desc, te.is_first, te.is_last
FROM sys.trigger_events AS te
JOIN sys.triggers AS tr ON tr.object_id = te.object_id
WHERE (te.is_first = 1 OR te.is_last = 1) AND tr.is_ms_shipped = 0
ORDER BY te.object_id, te.type_desc`

	// qPartitions lists the data compression of every partition of the
	// heaps (index_id 0), indexes and indexed views of which a partition
	// is compressed other than by default (NONE for rowstore, COLUMNSTORE
	// for columnstore), by partition number.
	qPartitions = `/* sqlvault:partitions */
SELECT p.object_id, p.index_id, p.partition_number, p.data_compression_desc
FROM sys.partitions AS p
JOIN sys.objects AS o ON o.object_id = p.object_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
  AND EXISTS (SELECT 1 FROM sys.partitions AS c
              WHERE c.object_id = p.object_id AND c.index_id = p.index_id
                AND c.data_compression_desc NOT IN (N'NONE', N'COLUMNSTORE'))
ORDER BY p.object_id, p.index_id, p.partition_number`

	// qDataSpaces lists where every heap and index of tables and views is
	// stored: its data space (sys.data_spaces: a filegroup, FG, or a
	// partition scheme, PS), the partitioning column
	// (sys.index_columns.partition_ordinal = 1) and, for the heap or
	// clustered index of a table, the data space of its LOB data
	// (sys.tables.lob_data_space_id, 0 without LOB columns).
	qDataSpaces = `/* sqlvault:data_spaces */
SELECT i.object_id, i.index_id, ds.name AS data_space_name, ds.type AS data_space_type,
       pc.name AS partition_column, lds.name AS lob_data_space_name, lds.type AS lob_data_space_type
FROM sys.indexes AS i
JOIN sys.objects AS o ON o.object_id = i.object_id
JOIN sys.data_spaces AS ds ON ds.data_space_id = i.data_space_id
LEFT JOIN sys.index_columns AS pic ON pic.object_id = i.object_id AND pic.index_id = i.index_id AND pic.partition_ordinal = 1
LEFT JOIN sys.columns AS pc ON pc.object_id = pic.object_id AND pc.column_id = pic.column_id
LEFT JOIN sys.tables AS t ON t.object_id = i.object_id AND i.index_id <= 1
LEFT JOIN sys.data_spaces AS lds ON lds.data_space_id = t.lob_data_space_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
ORDER BY i.object_id, i.index_id`

	// qPartitionFunctions lists the partition functions with the type of
	// their parameter (sys.partition_parameters: one parameter, the
	// system type with its length, precision, scale and collation),
	// RANGE LEFT or RIGHT (boundary_value_on_right) and their boundary
	// values (sys.partition_range_values, sql_variant values of the
	// parameter's type), one row per boundary in order; a function
	// without boundaries has one row with a NULL boundary_id. Functions
	// with is_system = 1 are the server's own (full-text).
	qPartitionFunctions = `/* sqlvault:partition_functions */
SELECT pf.function_id, pf.name, pf.boundary_value_on_right,
       TYPE_NAME(pp.system_type_id) AS type_name, pp.max_length, pp.precision, pp.scale, pp.collation_name,
       rv.boundary_id, rv.value
FROM sys.partition_functions AS pf
JOIN sys.partition_parameters AS pp ON pp.function_id = pf.function_id AND pp.parameter_id = 1
LEFT JOIN sys.partition_range_values AS rv ON rv.function_id = pf.function_id AND rv.parameter_id = 1
WHERE pf.is_system = 0
ORDER BY pf.name, rv.boundary_id`

	// qPartitionSchemes lists the partition schemes with their function
	// and their filegroups by destination (sys.destination_data_spaces:
	// destination_id is the partition number; one more than the
	// function's partitions is the filegroup marked NEXT USED).
	qPartitionSchemes = `/* sqlvault:partition_schemes */
SELECT ps.data_space_id, ps.name AS scheme_name, pf.name AS function_name,
       dds.destination_id, fg.name AS filegroup_name
FROM sys.partition_schemes AS ps
JOIN sys.partition_functions AS pf ON pf.function_id = ps.function_id
JOIN sys.destination_data_spaces AS dds ON dds.partition_scheme_id = ps.data_space_id
JOIN sys.filegroups AS fg ON fg.data_space_id = dds.data_space_id
WHERE pf.is_system = 0
ORDER BY ps.name, dds.destination_id`

	// qFilegroups lists the filegroups of the database
	// (sys.filegroups: FG rows, FD FILESTREAM, FX memory-optimized data)
	// with their files (sys.database_files; size in 8-KB pages), one row
	// per file (a filegroup without files has one row with NULL file
	// columns). The log, in no filegroup, is not listed.
	qFilegroups = `/* sqlvault:filegroups */
SELECT fg.data_space_id, fg.name AS filegroup_name, fg.type AS filegroup_type, fg.is_default, fg.is_read_only,
       f.file_id, f.name AS file_name, f.type_desc AS file_type, f.physical_name, f.size
FROM sys.filegroups AS fg
LEFT JOIN sys.database_files AS f ON f.data_space_id = fg.data_space_id
ORDER BY fg.data_space_id, f.file_id`

	// qStats lists the columns of user-created statistics (not those of
	// indexes, not auto-created ones), one row per column.
	qStats = `/* sqlvault:stats */
SELECT s.object_id, s.stats_id, s.name, s.no_recompute, s.has_filter, s.filter_definition,
       sc.stats_column_id, c.name AS column_name
FROM sys.stats AS s
JOIN sys.objects AS o ON o.object_id = s.object_id
JOIN sys.stats_columns AS sc ON sc.object_id = s.object_id AND sc.stats_id = s.stats_id
JOIN sys.columns AS c ON c.object_id = sc.object_id AND c.column_id = sc.column_id
WHERE s.user_created = 1 AND o.type IN ('U', 'V') AND o.is_ms_shipped = 0
ORDER BY s.object_id, s.stats_id, sc.stats_column_id`

	// qFulltextCatalogs lists the full-text catalogs (a catalog is a
	// virtual object since SQL Server 2008: no path, no filegroup) with
	// their owners (principal_id, SQL Server 2008).
	qFulltextCatalogs = `/* sqlvault:fulltext_catalogs */
SELECT fc.fulltext_catalog_id, fc.name, fc.is_default, fc.is_accent_sensitivity_on, fc.principal_id
FROM sys.fulltext_catalogs AS fc
ORDER BY fc.name`

	// qFulltextStoplists lists the user full-text stoplists, one row per
	// stopword (a stoplist without words once, with a NULL word), with
	// its owner (principal_id, SQL Server 2008). The system stoplist is
	// not in sys.fulltext_stoplists.
	qFulltextStoplists = `/* sqlvault:fulltext_stoplists */
SELECT sl.stoplist_id, sl.name, sl.principal_id, sw.stopword, sw.language_id
FROM sys.fulltext_stoplists AS sl
LEFT JOIN sys.fulltext_stopwords AS sw ON sw.stoplist_id = sl.stoplist_id
ORDER BY sl.name, sw.language_id, sw.stopword`

	// qFulltextIndexes lists full-text indexes (of tables and indexed
	// views) with their key index, catalog, change tracking, stoplist and
	// search property list (property_list_id: SQL Server 2012).
	// stoplist_id is NULL for STOPLIST OFF; the system stoplist has no
	// row in sys.fulltext_stoplists, so a stoplist_id without a name is
	// SYSTEM. crawl_start_date is NULL when the index was never populated
	// (created CHANGE_TRACKING OFF, NO POPULATION and not populated since).
	qFulltextIndexes = `/* sqlvault:fulltext_indexes */
SELECT fi.object_id, i.name AS key_index, fc.name AS catalog_name, fi.is_enabled,
       fi.change_tracking_state_desc, fi.crawl_start_date, fi.stoplist_id,
       sl.name AS stoplist_name, pl.name AS property_list_name
FROM sys.fulltext_indexes AS fi
JOIN sys.indexes AS i ON i.object_id = fi.object_id AND i.index_id = fi.unique_index_id
JOIN sys.fulltext_catalogs AS fc ON fc.fulltext_catalog_id = fi.fulltext_catalog_id
LEFT JOIN sys.fulltext_stoplists AS sl ON sl.stoplist_id = fi.stoplist_id
LEFT JOIN sys.registered_search_property_lists AS pl ON pl.property_list_id = fi.property_list_id
ORDER BY fi.object_id`

	// qFulltextIndexColumns lists the columns of full-text indexes with
	// their type column, language (LCID) and statistical semantics
	// (statistical_semantics: SQL Server 2012).
	qFulltextIndexColumns = `/* sqlvault:fulltext_index_columns */
SELECT fic.object_id, fic.column_id, c.name AS column_name, tc.name AS type_column,
       fic.language_id, fic.statistical_semantics
FROM sys.fulltext_index_columns AS fic
JOIN sys.columns AS c ON c.object_id = fic.object_id AND c.column_id = fic.column_id
LEFT JOIN sys.columns AS tc ON tc.object_id = fic.object_id AND tc.column_id = fic.type_column_id
ORDER BY fic.object_id, fic.column_id`

	// qPrincipals lists the database principals: users, roles and the
	// built-in ones (public 0, dbo 1, guest 2, INFORMATION_SCHEMA 3,
	// sys 4, the fixed roles), so that owners and grantees are named, and
	// for users mapped to a SQL or Windows login the login's name.
	// sys.server_principals shows a login other than the caller's own
	// only to a login with ALTER ANY LOGIN, VIEW ANY DEFINITION or a
	// permission on that login; login_name is NULL for the others and for
	// orphaned users, which are then reported, not guessed.
	qPrincipals = `/* sqlvault:principals */
SELECT p.principal_id, p.name, p.type, p.authentication_type_desc, p.default_schema_name,
       p.owning_principal_id, p.is_fixed_role,
       CASE WHEN p.type IN ('S', 'U', 'G') AND p.authentication_type_desc IN (N'INSTANCE', N'WINDOWS') THEN l.name END AS login_name
FROM sys.database_principals AS p
LEFT JOIN sys.server_principals AS l ON l.sid = p.sid AND l.type IN ('S', 'U', 'G')
ORDER BY p.principal_id`

	// qRoleMembers lists the members of database roles.
	qRoleMembers = `/* sqlvault:role_members */
SELECT rm.role_principal_id, rm.member_principal_id
FROM sys.database_role_members AS rm
ORDER BY rm.role_principal_id, rm.member_principal_id`

	// qDatabasePermissions lists the permissions granted, denied or
	// revoked in the database, with the names of objects (system objects
	// too: negative ids), columns and schemas they are on.
	qDatabasePermissions = `/* sqlvault:database_permissions */
SELECT p.class, p.class_desc, p.major_id, p.minor_id, p.grantee_principal_id,
       p.permission_name, p.state,
       CASE WHEN p.class = 1 THEN OBJECT_SCHEMA_NAME(p.major_id) END AS object_schema,
       CASE WHEN p.class = 1 THEN OBJECT_NAME(p.major_id) END AS object_name,
       CASE WHEN p.class = 1 AND p.minor_id > 0 THEN COL_NAME(p.major_id, p.minor_id) END AS column_name,
       CASE WHEN p.class = 3 THEN SCHEMA_NAME(p.major_id) END AS schema_name
FROM sys.database_permissions AS p
ORDER BY p.class, p.major_id, p.minor_id, p.grantee_principal_id, p.permission_name`

	// qMaskedColumns lists the masked columns of user tables (dynamic
	// data masking: sys.masked_columns, SQL Server 2016) and whether the
	// login reads them unmasked. UNMASK on the database unmasks every
	// column (CONTROL on the database implies it, so db_owner and
	// sysadmin read unmasked). From SQL Server 2022 UNMASK can also be
	// granted or denied on a schema, table or column ("Granular
	// permissions" in the documentation of dynamic data masking), and the
	// column's own check says what the login reads; before 2022 UNMASK is
	// no permission of an object, and HAS_PERMS_BY_NAME on the column is
	// NULL ("NULL when the securable class or permission is not valid").
	// The sub-securable is the column's name without brackets, as
	// HAS_PERMS_BY_NAME wants it.
	// qMasks lists the dynamic data masks of user tables' columns
	// (sys.masked_columns, SQL Server 2016): the masking function, e.g.
	// default(), email(), partial(1,"XX",0), random(1, 100), which
	// post-data.sql adds back with ALTER COLUMN ... ADD MASKED WITH.
	qMasks = `/* sqlvault:masks */
SELECT mc.object_id, mc.column_id, mc.masking_function
FROM sys.masked_columns AS mc
JOIN sys.objects AS o ON o.object_id = mc.object_id
WHERE mc.is_masked = 1 AND o.type = 'U' AND o.is_ms_shipped = 0
ORDER BY mc.object_id, mc.column_id`

	qMaskedColumns = `/* sqlvault:masked_columns */
SELECT mc.object_id, mc.column_id, mc.name AS column_name,
       HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'UNMASK') AS unmask_database,
       HAS_PERMS_BY_NAME(QUOTENAME(SCHEMA_NAME(o.schema_id)) + N'.' + QUOTENAME(o.name), N'OBJECT', N'UNMASK', mc.name, N'COLUMN') AS unmask_column
FROM sys.masked_columns AS mc
JOIN sys.objects AS o ON o.object_id = mc.object_id
WHERE mc.is_masked = 1 AND o.type = 'U' AND o.is_ms_shipped = 0
ORDER BY mc.object_id, mc.column_id`

	// qSecurityPredicates lists the filter predicates of the enabled
	// row-level security policies (sys.security_policies,
	// sys.security_predicates, SQL Server 2016; predicate_type 0 is
	// FILTER, 1 BLOCK): a SELECT returns only the rows the predicate
	// function accepts for the login. Whether it accepts every row for
	// this login cannot be told from the catalog.
	qSecurityPredicates = `/* sqlvault:security_predicates */
SELECT pr.target_object_id, SCHEMA_NAME(sp.schema_id) AS policy_schema, sp.name AS policy_name
FROM sys.security_policies AS sp
JOIN sys.security_predicates AS pr ON pr.object_id = sp.object_id
WHERE sp.is_enabled = 1 AND pr.predicate_type = 0
ORDER BY pr.target_object_id, policy_schema, policy_name`

	// qDatabaseFiles lists the data files of the database, needed to
	// create a database snapshot.
	qDatabaseFiles = `/* sqlvault:database_files */
SELECT f.name, f.physical_name
FROM sys.database_files AS f
WHERE f.type = 0
ORDER BY f.file_id`
)

// dataTag is the tag of a table data query: "/* sqlvault:data [s].[t] */".
const dataTag = "sqlvault:data"
