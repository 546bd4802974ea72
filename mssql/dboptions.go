package mssql

import (
	"fmt"
	"strconv"
	"strings"
)

// Database options, database scoped configurations and Query Store
// settings (schema.sql's database options part), and the index and table
// options a target version may lack (post-data.sql), with the catalog
// queries that read them. Catalog columns that not every version has are
// read only where the source's major version has them (versionedSelect);
// statements that not every target has run as dynamic SQL where the
// target's version has them, with a PRINT of what was skipped elsewhere
// (guarded).

// newestMajor stands for the major version of Azure SQL Database and
// Azure SQL Managed Instance (EngineEdition 5 and 8): their version
// numbers (12.x) do not compare with SQL Server's, and they run the newest
// engine.
const newestMajor = 1 << 16

// Major returns the major version of the server (16 for SQL Server 2022),
// newestMajor for Azure SQL Database and Managed Instance, 0 when
// ProductVersion cannot be read.
func (s ServerInfo) Major() int {
	if s.EngineEdition == 5 || s.EngineEdition == 8 {
		return newestMajor
	}
	v, _, _ := strings.Cut(s.ProductVersion, ".")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}

// versionName names the SQL Server release of a major version, for the
// messages of guarded statements.
func versionName(major int) string {
	names := map[int]string{9: "2005", 10: "2008 or 2008 R2", 11: "2012", 12: "2014", 13: "2016", 14: "2017", 15: "2019", 16: "2022", 17: "2025"}
	if n, ok := names[major]; ok {
		return "SQL Server " + n
	}
	return fmt.Sprintf("SQL Server version %d", major)
}

// versionedColumn is a column of a catalog query that exists from a major
// version on (since 0: on every supported version).
type versionedColumn struct {
	expr, alias string
	since       int
}

// versionedSelect builds a catalog query whose select list holds every
// column, as NULL where the source's major version lacks it, so that the
// scripter reads the same column names from every version.
func versionedSelect(tag string, major int, cols []versionedColumn, from string) string {
	list := make([]string, len(cols))
	for i, c := range cols {
		expr := c.expr
		if major < c.since {
			expr = "NULL"
		}
		list[i] = expr + " AS " + c.alias
	}
	return "/* sqlvault:" + tag + " */\nSELECT " + strings.Join(list, ",\n       ") + "\n" + from
}

// qDatabaseOptions reads the options of sys.databases that schema.sql
// applies or the manifest reports, besides those of qDatabase, and the
// owner's login (sys.server_principals on owner_sid; NULL where the
// backup's login cannot see it). From sys.databases: target_recovery_time_
// in_seconds (2012), is_auto_create_stats_incremental_on and
// delayed_durability_desc (2014), is_accelerated_database_recovery_on
// (2019); the others exist on every supported version.
func qDatabaseOptions(major int) string {
	return versionedSelect("database_options", major, []versionedColumn{
		{"d.is_ansi_null_default_on", "is_ansi_null_default_on", 0},
		{"d.is_auto_close_on", "is_auto_close_on", 0},
		{"d.is_auto_shrink_on", "is_auto_shrink_on", 0},
		{"d.is_auto_create_stats_on", "is_auto_create_stats_on", 0},
		{"d.is_auto_create_stats_incremental_on", "is_auto_create_stats_incremental_on", 12},
		{"d.is_auto_update_stats_on", "is_auto_update_stats_on", 0},
		{"d.is_auto_update_stats_async_on", "is_auto_update_stats_async_on", 0},
		{"d.is_cursor_close_on_commit_on", "is_cursor_close_on_commit_on", 0},
		{"d.is_local_cursor_default", "is_local_cursor_default", 0},
		{"d.is_date_correlation_on", "is_date_correlation_on", 0},
		{"d.is_parameterization_forced", "is_parameterization_forced", 0},
		{"d.page_verify_option_desc", "page_verify_option_desc", 0},
		{"d.target_recovery_time_in_seconds", "target_recovery_time_in_seconds", 11},
		{"d.delayed_durability_desc", "delayed_durability_desc", 12},
		{"d.is_accelerated_database_recovery_on", "is_accelerated_database_recovery_on", 15},
		{"d.is_trustworthy_on", "is_trustworthy_on", 0},
		{"d.is_db_chaining_on", "is_db_chaining_on", 0},
		{"d.is_broker_enabled", "is_broker_enabled", 0},
		{"sp.name", "owner_login", 0},
	}, "FROM sys.databases AS d\nLEFT JOIN sys.server_principals AS sp ON sp.sid = d.owner_sid\nWHERE d.name = DB_NAME()")
}

// qScopedConfigurations reads the database scoped configurations
// (sys.database_scoped_configurations, SQL Server 2016) with their
// sql_variant values as text and base types, so that no digit is lost.
// From 2017 (is_value_default) only those set to other than the default
// or with a value for secondaries; 2016 cannot tell and gives them all.
func qScopedConfigurations(major int) string {
	where := ""
	if major >= 14 {
		where = "\nWHERE sc.is_value_default = 0 OR sc.value_for_secondary IS NOT NULL"
	}
	return `/* sqlvault:scoped_configurations */
SELECT sc.name, CONVERT(nvarchar(4000), sc.value) AS value,
       CAST(SQL_VARIANT_PROPERTY(sc.value, 'BaseType') AS nvarchar(128)) AS value_type,
       CONVERT(nvarchar(4000), sc.value_for_secondary) AS value_for_secondary,
       CAST(SQL_VARIANT_PROPERTY(sc.value_for_secondary, 'BaseType') AS nvarchar(128)) AS secondary_type
FROM sys.database_scoped_configurations AS sc` + where + `
ORDER BY sc.name`
}

// qQueryStore reads the Query Store settings (sys.database_query_store_
// options, SQL Server 2016; wait_stats_capture_mode_desc 2017; the capture
// policy of QUERY_CAPTURE_MODE = CUSTOM 2019).
func qQueryStore(major int) string {
	return versionedSelect("query_store", major, []versionedColumn{
		{"q.desired_state_desc", "desired_state_desc", 0},
		{"q.query_capture_mode_desc", "query_capture_mode_desc", 0},
		{"q.size_based_cleanup_mode_desc", "size_based_cleanup_mode_desc", 0},
		{"q.max_storage_size_mb", "max_storage_size_mb", 0},
		{"q.interval_length_minutes", "interval_length_minutes", 0},
		{"q.stale_query_threshold_days", "stale_query_threshold_days", 0},
		{"q.flush_interval_seconds", "flush_interval_seconds", 0},
		{"q.max_plans_per_query", "max_plans_per_query", 0},
		{"q.wait_stats_capture_mode_desc", "wait_stats_capture_mode_desc", 14},
		{"q.capture_policy_execution_count", "capture_policy_execution_count", 15},
		{"q.capture_policy_total_compile_cpu_time_ms", "capture_policy_total_compile_cpu_time_ms", 15},
		{"q.capture_policy_total_execution_cpu_time_ms", "capture_policy_total_execution_cpu_time_ms", 15},
		{"q.capture_policy_stale_threshold_hours", "capture_policy_stale_threshold_hours", 15},
	}, "FROM sys.database_query_store_options AS q")
}

// qIndexOptions reads the index options that qIndexes does not, for the
// indexes that have one: STATISTICS_NORECOMPUTE (sys.stats.no_recompute of
// the index's statistics, stats_id = index_id), OPTIMIZE_FOR_SEQUENTIAL_KEY
// (sys.indexes.optimize_for_sequential_key, SQL Server 2019) and
// COMPRESSION_DELAY of columnstore indexes (sys.indexes.compression_delay,
// 2016; NULL for rowstore).
func qIndexOptions(major int) string {
	cols := []versionedColumn{
		{"i.object_id", "object_id", 0},
		{"i.index_id", "index_id", 0},
		{"s.no_recompute", "no_recompute", 0},
		{"i.optimize_for_sequential_key", "optimize_for_sequential_key", 15},
		{"i.compression_delay", "compression_delay", 13},
	}
	cond := []string{"s.no_recompute = 1"}
	if major >= 15 {
		cond = append(cond, "i.optimize_for_sequential_key = 1")
	}
	if major >= 13 {
		cond = append(cond, "i.compression_delay > 0")
	}
	return versionedSelect("index_options", major, cols, `FROM sys.indexes AS i
JOIN sys.objects AS o ON o.object_id = i.object_id
LEFT JOIN sys.stats AS s ON s.object_id = i.object_id AND s.stats_id = i.index_id
WHERE o.type IN ('U', 'TT', 'V') AND o.is_ms_shipped = 0 AND i.type > 0 AND i.is_hypothetical = 0
  AND (`+strings.Join(cond, " OR ")+`)
ORDER BY i.object_id, i.index_id`)
}

// qColumnstoreOrder reads the ORDER columns of ordered columnstore indexes
// (sys.index_columns.column_store_order_ordinal, SQL Server 2022; asked
// only from 2022 on).
const qColumnstoreOrder = `/* sqlvault:columnstore_order */
SELECT ic.object_id, ic.index_id, ic.column_store_order_ordinal, c.name AS column_name
FROM sys.index_columns AS ic
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.objects AS o ON o.object_id = ic.object_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0 AND ic.column_store_order_ordinal > 0
ORDER BY ic.object_id, ic.index_id, ic.column_store_order_ordinal`

// qTableOptions reads the table options other than the default:
// sys.tables.lock_escalation_desc (TABLE is the default),
// large_value_types_out_of_row and text_in_row_limit (sp_tableoption).
const qTableOptions = `/* sqlvault:table_options */
SELECT t.object_id, t.lock_escalation_desc, t.large_value_types_out_of_row, t.text_in_row_limit
FROM sys.tables AS t
WHERE t.is_ms_shipped = 0 AND (t.lock_escalation <> 0 OR t.large_value_types_out_of_row = 1 OR t.text_in_row_limit <> 0)
ORDER BY t.object_id`

// catalogQuery is a catalog query and what reads its rows.
type catalogQuery struct {
	query string
	fn    func(r *record) error
}

// ScopedConfiguration is a database scoped configuration: its name and
// its values as ALTER DATABASE SCOPED CONFIGURATION writes them (ON, OFF,
// a number, a keyword or a string literal); Secondary is "" when
// secondaries use the primary's value.
type ScopedConfiguration struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Secondary string `json:"value_for_secondary,omitempty"`
}

// QueryStore holds the Query Store settings of a database
// (sys.database_query_store_options).
type QueryStore struct {
	DesiredState      string `json:"desired_state"`
	CaptureMode       string `json:"query_capture_mode,omitempty"`
	SizeBasedCleanup  string `json:"size_based_cleanup_mode,omitempty"`
	MaxStorageMB      int64  `json:"max_storage_size_mb,omitempty"`
	IntervalMinutes   int64  `json:"interval_length_minutes,omitempty"`
	StaleQueryDays    int64  `json:"stale_query_threshold_days,omitempty"`
	FlushSeconds      int64  `json:"flush_interval_seconds,omitempty"`
	MaxPlansPerQuery  int64  `json:"max_plans_per_query,omitempty"`
	WaitStatsCapture  string `json:"wait_stats_capture_mode,omitempty"`
	PolicyExecutions  int64  `json:"capture_policy_execution_count,omitempty"`
	PolicyCompileMS   int64  `json:"capture_policy_total_compile_cpu_time_ms,omitempty"`
	PolicyExecutionMS int64  `json:"capture_policy_total_execution_cpu_time_ms,omitempty"`
	PolicyStaleHours  int64  `json:"capture_policy_stale_threshold_hours,omitempty"`
}

func (c *Catalog) addDatabaseOptions(r *record) error {
	d := &c.Database
	d.AnsiNullDefault = r.bool("is_ansi_null_default_on")
	d.AutoClose, d.AutoShrink = r.bool("is_auto_close_on"), r.bool("is_auto_shrink_on")
	d.AutoCreateStatistics = r.bool("is_auto_create_stats_on")
	d.AutoCreateStatisticsIncremental = r.bool("is_auto_create_stats_incremental_on")
	d.AutoUpdateStatistics, d.AutoUpdateStatisticsAsync = r.bool("is_auto_update_stats_on"), r.bool("is_auto_update_stats_async_on")
	d.CursorCloseOnCommit, d.LocalCursorDefault = r.bool("is_cursor_close_on_commit_on"), r.bool("is_local_cursor_default")
	d.DateCorrelation = r.bool("is_date_correlation_on")
	d.ParameterizationForced = r.bool("is_parameterization_forced")
	d.PageVerify = r.str("page_verify_option_desc")
	d.TargetRecoverySeconds = r.int("target_recovery_time_in_seconds")
	d.DelayedDurability = r.str("delayed_durability_desc")
	d.AcceleratedDatabaseRecovery = r.bool("is_accelerated_database_recovery_on")
	d.Trustworthy, d.DBChaining, d.BrokerEnabled = r.bool("is_trustworthy_on"), r.bool("is_db_chaining_on"), r.bool("is_broker_enabled")
	d.Owner = r.str("owner_login")
	d.hasOptions = true
	return nil
}

func (c *Catalog) addScopedConfiguration(r *record) error {
	name := r.str("name")
	if r.null("value") {
		return nil
	}
	sc := ScopedConfiguration{Name: name, Value: scopedValue(name, r.str("value"), r.str("value_type"))}
	if !r.null("value_for_secondary") {
		sc.Secondary = scopedValue(name, r.str("value_for_secondary"), r.str("secondary_type"))
	}
	c.Database.ScopedConfigurations = append(c.Database.ScopedConfigurations, sc)
	return nil
}

func (c *Catalog) addQueryStore(r *record) error {
	c.Database.QueryStore = &QueryStore{
		DesiredState: r.str("desired_state_desc"), CaptureMode: r.str("query_capture_mode_desc"),
		SizeBasedCleanup: r.str("size_based_cleanup_mode_desc"), MaxStorageMB: r.int("max_storage_size_mb"),
		IntervalMinutes: r.int("interval_length_minutes"), StaleQueryDays: r.int("stale_query_threshold_days"),
		FlushSeconds: r.int("flush_interval_seconds"), MaxPlansPerQuery: r.int("max_plans_per_query"),
		WaitStatsCapture: r.str("wait_stats_capture_mode_desc"), PolicyExecutions: r.int("capture_policy_execution_count"),
		PolicyCompileMS: r.int("capture_policy_total_compile_cpu_time_ms"), PolicyExecutionMS: r.int("capture_policy_total_execution_cpu_time_ms"),
		PolicyStaleHours: r.int("capture_policy_stale_threshold_hours"),
	}
	return nil
}

func (c *Catalog) addIndexOptions(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil {
		return nil
	}
	if ix := t.index(r.int("index_id")); ix != nil {
		ix.NoRecompute = r.bool("no_recompute")
		ix.SequentialKey = r.bool("optimize_for_sequential_key")
		ix.CompressionDelay = r.int("compression_delay")
	}
	return nil
}

func (c *Catalog) addColumnstoreOrder(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil {
		return nil
	}
	if ix := t.index(r.int("index_id")); ix != nil {
		ix.ColumnstoreOrder = append(ix.ColumnstoreOrder, r.str("column_name"))
	}
	return nil
}

func (c *Catalog) addTableOptions(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil {
		return nil
	}
	if le := r.str("lock_escalation_desc"); le != "TABLE" {
		t.LockEscalation = le
	}
	t.LargeValuesOutOfRow = r.bool("large_value_types_out_of_row")
	t.TextInRowLimit = r.int("text_in_row_limit")
	return nil
}

// keyword tells whether s can be written as a T-SQL keyword: letters,
// digits and underscores, starting with a letter. Catalog values written
// outside a literal (option values such as READ_WRITE) must be.
func keyword(s string) bool {
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// numericScoped are the database scoped configurations whose value is a
// number (ALTER DATABASE SCOPED CONFIGURATION: MAXDOP, PAUSED_RESUMABLE_
// INDEX_ABORT_DURATION_MINUTES, FULLTEXT_INDEX_VERSION); the other numeric
// values of sys.database_scoped_configurations are 0 and 1 for OFF and ON.
var numericScoped = map[string]bool{"MAXDOP": true, "PAUSED_RESUMABLE_INDEX_ABORT_DURATION_MINUTES": true, "FULLTEXT_INDEX_VERSION": true}

// scopedValue renders a value of sys.database_scoped_configurations (text
// of the sql_variant, and its base type) as ALTER DATABASE SCOPED
// CONFIGURATION takes it: a number for the numeric configurations, ON or
// OFF for the other numbers 1 and 0, a keyword (WHEN_SUPPORTED) as it is,
// and any other text as a string literal (LEDGER_DIGEST_STORAGE_ENDPOINT's
// URL).
func scopedValue(name, val, typ string) string {
	switch strings.ToLower(typ) {
	case "int", "bigint", "smallint", "tinyint", "bit", "decimal", "numeric":
		switch {
		case numericScoped[strings.ToUpper(name)]:
		case val == "1":
			return "ON"
		case val == "0":
			return "OFF"
		}
		if _, err := strconv.ParseInt(val, 10, 64); err == nil {
			return val
		}
		return nlit(val)
	}
	if keyword(val) {
		return val
	}
	return nlit(val)
}

// targetSince is the condition that the target server has what a major
// version introduced: Azure SQL Database and Managed Instance (EngineEdition
// 5 and 8) always, SQL Server from that major version
// (SERVERPROPERTY('ProductMajorVersion'), NULL before 2012: false).
func targetSince(major int) string {
	return fmt.Sprintf("CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= %d", major)
}

// guarded returns a batch that runs stmt where cond holds on the target
// server, as dynamic SQL (compiled only where it runs: a statement the
// target's version does not know would fail the whole batch), and
// otherwise prints "sqlvault: " + skipped. A PRINT is no error, so the
// restore goes on.
func guarded(cond, stmt, skipped string) string {
	stmt = strings.TrimRight(stmt, "\n")
	return batch("IF " + cond + "\nBEGIN\n" + indentBlock(execSQL(stmt)) + "\nEND\nELSE\n    PRINT " + nlit("sqlvault: "+skipped) + ";")
}

// indentBlock indents the lines of s by four spaces, for a BEGIN ... END
// block.
func indentBlock(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n    ")
}

// sinceGuarded is guarded for what SQL Server version major introduced.
func sinceGuarded(major int, stmt, what string) string {
	return guarded(targetSince(major), stmt, what+" needs "+versionName(major)+" or later; not set")
}

// databaseOptions returns the batches that set the options of sys.databases
// (read by qDatabaseOptions) on the new database, after its collation,
// compatibility level and snapshot isolation. Each option is written
// whatever a new database's default, which is the target's model
// database's and may differ, so that the copy does not depend on it.
// READ_COMMITTED_SNAPSHOT needs the restoring connection to be the only
// one in the database ("only the connection executing the ALTER DATABASE
// command is allowed in the database"; no single-user mode needed), which
// a new database has. Options of every target (SQL Server 2012 and later,
// Azure SQL Database and Managed Instance) are one batch; AUTO_CLOSE,
// CURSOR_DEFAULT, DATE_CORRELATION_OPTIMIZATION, PAGE_VERIFY and
// TARGET_RECOVERY_TIME, which Azure SQL Database (EngineEdition 5) does not
// take, run elsewhere only; INCREMENTAL statistics (2014), DELAYED_DURABILITY
// (2014) and ACCELERATED_DATABASE_RECOVERY (2019, SQL Server only) where
// the target's version has them, and only where the source had them on.
// TRUSTWORTHY, cross-database ownership chaining and the owner are
// security settings of the target's administrator: reported in a comment
// and the manifest, not applied.
func databaseOptions(d *DatabaseInfo) string {
	if !d.hasOptions {
		return ""
	}
	set := func(opt string) string { return "ALTER DATABASE CURRENT SET " + opt + ";" }
	var b strings.Builder
	b.WriteString(comment("Options as the source has them, whatever the new database's defaults"))
	param := "SIMPLE"
	if d.ParameterizationForced {
		param = "FORCED"
	}
	b.WriteString(batch(strings.Join([]string{set("ANSI_NULL_DEFAULT " + onOff(d.AnsiNullDefault)), set("ANSI_NULLS " + onOff(d.AnsiNulls)),
		set("ANSI_PADDING " + onOff(d.AnsiPadding)), set("ANSI_WARNINGS " + onOff(d.AnsiWarnings)),
		set("ARITHABORT " + onOff(d.ArithAbort)), set("CONCAT_NULL_YIELDS_NULL " + onOff(d.ConcatNullYieldsNull)),
		set("NUMERIC_ROUNDABORT " + onOff(d.NumericRoundAbort)), set("QUOTED_IDENTIFIER " + onOff(d.QuotedIdentifier)),
		set("RECURSIVE_TRIGGERS " + onOff(d.RecursiveTriggers)),
		set("AUTO_CREATE_STATISTICS " + onOff(d.AutoCreateStatistics)), set("AUTO_UPDATE_STATISTICS " + onOff(d.AutoUpdateStatistics)),
		set("AUTO_UPDATE_STATISTICS_ASYNC " + onOff(d.AutoUpdateStatisticsAsync)), set("AUTO_SHRINK " + onOff(d.AutoShrink)),
		set("CURSOR_CLOSE_ON_COMMIT " + onOff(d.CursorCloseOnCommit)), set("PARAMETERIZATION " + param),
		set("READ_COMMITTED_SNAPSHOT " + onOff(d.ReadCommittedSnapshot))}, "\n")))
	cursor := "GLOBAL"
	if d.LocalCursorDefault {
		cursor = "LOCAL"
	}
	server := []string{set("AUTO_CLOSE " + onOff(d.AutoClose)), set("CURSOR_DEFAULT " + cursor),
		set("DATE_CORRELATION_OPTIMIZATION " + onOff(d.DateCorrelation))}
	if keyword(d.PageVerify) {
		server = append(server, set("PAGE_VERIFY "+d.PageVerify))
	}
	if d.TargetRecoverySeconds > 0 {
		server = append(server, set(fmt.Sprintf("TARGET_RECOVERY_TIME = %d SECONDS", d.TargetRecoverySeconds)))
	}
	// One line: the statements are run with sp_executesql, as a literal.
	b.WriteString(guarded("CONVERT(int, SERVERPROPERTY('EngineEdition')) <> 5", strings.Join(server, " "),
		"AUTO_CLOSE, CURSOR_DEFAULT, DATE_CORRELATION_OPTIMIZATION, PAGE_VERIFY and TARGET_RECOVERY_TIME are not set on Azure SQL Database"))
	if d.AutoCreateStatistics && d.AutoCreateStatisticsIncremental {
		b.WriteString(sinceGuarded(12, set("AUTO_CREATE_STATISTICS ON (INCREMENTAL = ON)"), "AUTO_CREATE_STATISTICS INCREMENTAL"))
	}
	if keyword(d.DelayedDurability) && d.DelayedDurability != "DISABLED" {
		b.WriteString(sinceGuarded(12, set("DELAYED_DURABILITY = "+d.DelayedDurability), "DELAYED_DURABILITY = "+d.DelayedDurability))
	}
	if d.AcceleratedDatabaseRecovery {
		b.WriteString(guarded("CONVERT(int, SERVERPROPERTY('EngineEdition')) NOT IN (5, 8) AND CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= 15",
			set("ACCELERATED_DATABASE_RECOVERY = ON"), "ACCELERATED_DATABASE_RECOVERY = ON needs SQL Server 2019 or later (Azure SQL has it always on); not set"))
	}
	for _, sc := range d.ScopedConfigurations {
		b.WriteString(scopedConfiguration(sc))
	}
	if d.QueryStore != nil {
		b.WriteString(queryStore(d.QueryStore))
	}
	var notes []string
	if d.Owner != "" {
		notes = append(notes, "owner "+quoteIdent(d.Owner)+" (the restoring login owns the copy)")
	}
	if d.Trustworthy {
		notes = append(notes, "TRUSTWORTHY ON")
	}
	if d.DBChaining {
		notes = append(notes, "DB_CHAINING ON")
	}
	if len(notes) > 0 {
		b.WriteString(comment("Not applied, security settings for the target's administrator (manifest.json database): %s", strings.Join(notes, ", ")))
	}
	return b.String()
}

// scopedConfiguration returns the batch that sets a database scoped
// configuration (ALTER DATABASE SCOPED CONFIGURATION, SQL Server 2016)
// where the target knows it (IF EXISTS in sys.database_scoped_
// configurations: each version adds configurations), and the value for
// secondaries where one was set.
func scopedConfiguration(sc ScopedConfiguration) string {
	what := "database scoped configuration " + sc.Name
	if !keyword(sc.Name) {
		return comment("Database scoped configuration %s is not set: its name is no keyword", sc.Name)
	}
	stmt := "ALTER DATABASE SCOPED CONFIGURATION SET " + sc.Name + " = " + sc.Value + ";"
	if sc.Secondary != "" {
		stmt += " ALTER DATABASE SCOPED CONFIGURATION FOR SECONDARY SET " + sc.Name + " = " + sc.Secondary + ";"
	}
	// One line: the statement is run with sp_executesql, as a literal.
	inner := "IF EXISTS (SELECT 1 FROM sys.database_scoped_configurations WHERE name = " + nlit(sc.Name) + ") BEGIN " + stmt +
		" END ELSE PRINT " + nlit("sqlvault: "+what+" is not known to this server; not set") + ";"
	return sinceGuarded(13, inner, what)
}

// queryStore returns the batches that set the Query Store as the source
// has it (ALTER DATABASE SET QUERY_STORE, SQL Server 2016): OFF, or ON with
// its operation mode, cleanup policy, intervals, sizes and capture mode;
// WAIT_STATS_CAPTURE_MODE (2017) and QUERY_CAPTURE_MODE = CUSTOM with its
// capture policy (2019) in batches of their own, so that an older target
// keeps the rest. Values that are no keyword are left out.
func queryStore(q *QueryStore) string {
	if q.DesiredState == "OFF" {
		return sinceGuarded(13, "ALTER DATABASE CURRENT SET QUERY_STORE = OFF;", "QUERY_STORE = OFF")
	}
	var opts []string
	if keyword(q.DesiredState) {
		opts = append(opts, "OPERATION_MODE = "+q.DesiredState)
	}
	if q.StaleQueryDays > 0 {
		opts = append(opts, fmt.Sprintf("CLEANUP_POLICY = (STALE_QUERY_THRESHOLD_DAYS = %d)", q.StaleQueryDays))
	}
	if q.FlushSeconds > 0 {
		opts = append(opts, fmt.Sprintf("DATA_FLUSH_INTERVAL_SECONDS = %d", q.FlushSeconds))
	}
	if q.IntervalMinutes > 0 {
		opts = append(opts, fmt.Sprintf("INTERVAL_LENGTH_MINUTES = %d", q.IntervalMinutes))
	}
	if q.MaxStorageMB > 0 {
		opts = append(opts, fmt.Sprintf("MAX_STORAGE_SIZE_MB = %d", q.MaxStorageMB))
	}
	if keyword(q.CaptureMode) && q.CaptureMode != "CUSTOM" {
		opts = append(opts, "QUERY_CAPTURE_MODE = "+q.CaptureMode)
	}
	if keyword(q.SizeBasedCleanup) {
		opts = append(opts, "SIZE_BASED_CLEANUP_MODE = "+q.SizeBasedCleanup)
	}
	if q.MaxPlansPerQuery > 0 {
		opts = append(opts, fmt.Sprintf("MAX_PLANS_PER_QUERY = %d", q.MaxPlansPerQuery))
	}
	out := sinceGuarded(13, "ALTER DATABASE CURRENT SET QUERY_STORE = ON ("+strings.Join(opts, ", ")+");", "QUERY_STORE = ON")
	if keyword(q.WaitStatsCapture) {
		out += sinceGuarded(14, "ALTER DATABASE CURRENT SET QUERY_STORE (WAIT_STATS_CAPTURE_MODE = "+q.WaitStatsCapture+");",
			"Query Store WAIT_STATS_CAPTURE_MODE")
	}
	if q.CaptureMode == "CUSTOM" {
		out += sinceGuarded(15, fmt.Sprintf("ALTER DATABASE CURRENT SET QUERY_STORE (QUERY_CAPTURE_MODE = CUSTOM, QUERY_CAPTURE_POLICY = "+
			"(STALE_CAPTURE_POLICY_THRESHOLD = %d HOURS, EXECUTION_COUNT = %d, TOTAL_COMPILE_CPU_TIME_MS = %d, TOTAL_EXECUTION_CPU_TIME_MS = %d));",
			q.PolicyStaleHours, q.PolicyExecutions, q.PolicyCompileMS, q.PolicyExecutionMS), "Query Store QUERY_CAPTURE_MODE = CUSTOM")
	}
	return out
}

// tableOptions returns the batches that give a new table the options of
// the source's other than the default, before its data: LOCK_ESCALATION
// (ALTER TABLE SET, SQL Server 2008), and the sp_tableoption options
// large value types out of row and text in row (its limit in bytes). The
// table's name goes to sp_tableoption as @TableNamePattern, declared
// where nlit makes an expression of it (execProc).
func tableOptions(t *Table) string {
	name := quoteName(t.Schema, t.Name)
	var out string
	if keyword(t.LockEscalation) {
		out += batch("ALTER TABLE " + name + " SET (LOCK_ESCALATION = " + t.LockEscalation + ");")
	}
	option := func(opt, value string) string {
		decl, call := execProc("sys.sp_tableoption", []procArg{{"TableNamePattern", "nvarchar(776)", nlit(name)},
			{"OptionName", "varchar(35)", nlit(opt)}, {"OptionValue", "varchar(12)", nlit(value)}})
		return batch(decl + call)
	}
	if t.LargeValuesOutOfRow {
		out += option("large value types out of row", "ON")
	}
	if t.TextInRowLimit > 0 {
		out += option("text in row", strconv.FormatInt(t.TextInRowLimit, 10))
	}
	return out
}

// indexSettings returns the batches that set the options of an index
// that a target version may lack, after the index was created (ALTER
// INDEX SET): OPTIMIZE_FOR_SEQUENTIAL_KEY (SQL Server 2019) and
// COMPRESSION_DELAY of a columnstore index (2016), each where the
// target's version has it. ifView makes the statement run only where an
// indexed view was created.
func indexSettings(schema, table string, ix *Index, ifView func(string) string) string {
	if ix.Type == 3 || ix.Type == 4 || ix.Type == 7 { // not scripted
		return ""
	}
	on := quoteIdent(ix.Name) + " ON " + quoteName(schema, table)
	var out string
	if ix.SequentialKey {
		out += sinceGuarded(15, ifView("ALTER INDEX "+on+" SET (OPTIMIZE_FOR_SEQUENTIAL_KEY = ON);"), "OPTIMIZE_FOR_SEQUENTIAL_KEY of index "+on)
	}
	if ix.CompressionDelay > 0 && (ix.Type == 5 || ix.Type == 6) {
		out += sinceGuarded(13, ifView(fmt.Sprintf("ALTER INDEX %s SET (COMPRESSION_DELAY = %d);", on, ix.CompressionDelay)),
			"COMPRESSION_DELAY of index "+on)
	}
	return out
}

// columnstoreOrder is the ORDER clause of an ordered columnstore index,
// "" for others.
func columnstoreOrder(ix *Index) string {
	if len(ix.ColumnstoreOrder) == 0 {
		return ""
	}
	return " ORDER (" + identList(ix.ColumnstoreOrder) + ")"
}

// createOrderedColumnstore returns the batch that creates an ordered
// columnstore index where the target has ORDER (clustered: SQL Server
// 2022; nonclustered: 2025), and the index without ORDER elsewhere, with
// a PRINT: the data are the same, only their order in the segments is not.
func createOrderedColumnstore(schema, table string, ix *Index) string {
	since := 16
	if ix.Type == 6 {
		since = 17
	}
	plain := *ix
	plain.ColumnstoreOrder = nil
	on := quoteIdent(ix.Name) + " ON " + quoteName(schema, table)
	return batch("IF " + targetSince(since) + "\nBEGIN\n" + indentBlock(execSQL(indexStmt(schema, table, ix))) +
		"\nEND\nELSE\nBEGIN\n    PRINT " + nlit("sqlvault: ORDER of columnstore index "+on+" needs "+versionName(since)+" or later; created without it") +
		";\n    " + indexStmt(schema, table, &plain) + "\nEND")
}

// tableTypeIndexNotes reports the filtered indexes of a table type:
// CREATE TYPE AS TABLE's <table_index> takes key and INCLUDE columns but
// no WHERE (CREATE TYPE (Transact-SQL)), so the type is created without
// them (createTableType).
func (c *Catalog) tableTypeIndexNotes(t *UserType) {
	if t.Table == nil {
		return
	}
	for _, ix := range t.Table.Indexes {
		if ix.Filter != "" && !ix.PrimaryKey && !ix.UniqueConstraint {
			c.unscripted("index", quoteName(t.Schema, t.Name)+"."+quoteIdent(ix.Name),
				"CREATE TYPE AS TABLE takes no filtered index; the table type is created without it")
		}
	}
}
