package sample

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// Version is a release of SQL Server, or an Azure SQL service, as the
// sample server answers for it: its SERVERPROPERTY values and @@VERSION,
// the highest compatibility level of its databases, and the catalog views
// and columns it has (catalogItems). A DB's zero Version is SQL Server
// 2022's.
type Version struct {
	// Name is "2012" ... "2025", "azure-sql-database" or
	// "azure-sql-managed-instance".
	Name string
	// Major is SQL Server's major version (13 for 2016); for the Azure
	// services, which run the newest engine under version 12, the major
	// version of the newest SQL Server release.
	Major          int
	ProductVersion string
	Edition        string
	// EngineEdition is SERVERPROPERTY('EngineEdition'): 3 for
	// Enterprise and Developer, 5 for Azure SQL Database, 8 for Azure SQL
	// Managed Instance.
	EngineEdition int
	VersionString string // @@VERSION
	Compatibility int    // the highest compatibility level
}

// AzureSQLDatabase tells whether v is Azure SQL Database, which has no
// cross-database features (database snapshots, CLR, Service Broker,
// filegroups other than PRIMARY).
func (v Version) AzureSQLDatabase() bool { return v.EngineEdition == 5 }

// Versions returns every version the sample server can answer as, oldest
// first: the versions sqlvault supports as a source.
func Versions() []Version {
	enterprise := "Enterprise Edition (64-bit)"
	win := func(name, kb, pv, os string) string {
		return "Microsoft SQL Server " + name + " " + kb + " - " + pv + " (X64) " + enterprise + " on " + os + " (mssqltest sample server)"
	}
	return []Version{
		{Name: "2012", Major: 11, ProductVersion: "11.0.7001.0", Edition: enterprise, EngineEdition: 3, Compatibility: 110,
			VersionString: win("2012", "(SP4) (KB4018073)", "11.0.7001.0", "Windows NT 6.3 <X64>")},
		{Name: "2014", Major: 12, ProductVersion: "12.0.6024.0", Edition: enterprise, EngineEdition: 3, Compatibility: 120,
			VersionString: win("2014", "(SP3) (KB4022619)", "12.0.6024.0", "Windows NT 6.3 <X64>")},
		{Name: "2016", Major: 13, ProductVersion: "13.0.6300.2", Edition: enterprise, EngineEdition: 3, Compatibility: 130,
			VersionString: win("2016", "(SP3) (KB5003279)", "13.0.6300.2", "Windows Server 2016 Datacenter 10.0 <X64>")},
		// 2017 on Linux: the catalog is the same as on Windows.
		{Name: "2017", Major: 14, ProductVersion: "14.0.3456.2", Edition: "Developer Edition (64-bit)", EngineEdition: 3, Compatibility: 140,
			VersionString: "Microsoft SQL Server 2017 (RTM-CU31) (KB5016884) - 14.0.3456.2 (X64) Developer Edition (64-bit) on Linux (Ubuntu 18.04.6 LTS) (mssqltest sample server)"},
		{Name: "2019", Major: 15, ProductVersion: "15.0.4153.1", Edition: enterprise, EngineEdition: 3, Compatibility: 150,
			VersionString: win("2019", "(RTM-CU12) (KB5004524)", "15.0.4153.1", "Windows Server 2019 Datacenter 10.0 <X64>")},
		{Name: "2022", Major: 16, ProductVersion: "16.0.4135.4", Edition: "Developer Edition (64-bit)", EngineEdition: 3, Compatibility: 160,
			VersionString: "Microsoft SQL Server 2022 (RTM-CU15) (KB5041321) - 16.0.4135.4 (X64) (mssqltest sample server)"},
		{Name: "2025", Major: 17, ProductVersion: "17.0.1000.7", Edition: "Developer Edition (64-bit)", EngineEdition: 3, Compatibility: 170,
			VersionString: "Microsoft SQL Server 2025 (RTM) - 17.0.1000.7 (X64) Developer Edition (64-bit) on Linux (Ubuntu 22.04.5 LTS) (mssqltest sample server)"},
		{Name: "azure-sql-database", Major: 17, ProductVersion: "12.0.2000.8", Edition: "SQL Azure", EngineEdition: 5, Compatibility: 170,
			VersionString: "Microsoft SQL Azure (RTM) - 12.0.2000.8 (mssqltest sample server)"},
		{Name: "azure-sql-managed-instance", Major: 17, ProductVersion: "12.0.2000.8", Edition: "SQL Azure", EngineEdition: 8, Compatibility: 170,
			VersionString: "Microsoft SQL Azure (RTM) - 12.0.2000.8 (mssqltest sample server)"},
	}
}

// OldVersion is a release older than every supported one (SQL Server
// 2008 R2), for the test of the scripter's refusal.
func OldVersion() Version {
	return Version{Name: "2008R2", Major: 10, ProductVersion: "10.50.6000.34", Edition: "Enterprise Edition (64-bit)",
		EngineEdition: 3, Compatibility: 100,
		VersionString: "Microsoft SQL Server 2008 R2 (SP3) - 10.50.6000.34 (X64) (mssqltest sample server)"}
}

// VersionNamed returns the version of Versions with the given name.
func VersionNamed(name string) (Version, bool) {
	for _, v := range Versions() {
		if v.Name == name {
			return v, true
		}
	}
	return Version{}, false
}

// DefaultVersion is the version a DB whose Version is zero is served
// as: SQL Server 2022.
func DefaultVersion() Version {
	v, _ := VersionNamed("2022")
	return v
}

// version returns the version the database is served as.
func (db *DB) version() Version {
	if db.Version.Name == "" {
		return DefaultVersion()
	}
	return db.Version
}

// catalogItem is a catalog view, or a column of one, that exists from a
// major version of SQL Server on (Microsoft's documentation of each
// sys.* view: "Applies to: SQL Server 2016 (13.x) and later" and the
// column tables of the 2012 and 2014 documentation). Columns are matched
// by name after a dot (an alias), which is unambiguous for these names
// in the scripter's queries.
type catalogItem struct {
	name  string // "sys.periods" or a column name
	since int
}

// catalogItems lists the views and columns that not every supported
// version has. Azure SQL Database and Managed Instance have them all.
var catalogItems = []catalogItem{
	// SQL Server 2014 (12.x)
	{"sys.hash_indexes", 12},
	{"is_memory_optimized", 12}, // sys.tables, sys.table_types
	{"durability", 12},
	{"durability_desc", 12},
	{"uses_native_compilation", 12},
	{"is_auto_create_stats_incremental_on", 12},
	{"delayed_durability", 12},
	{"delayed_durability_desc", 12},
	// SQL Server 2016 (13.x)
	{"sys.periods", 13},
	{"sys.masked_columns", 13},
	{"sys.security_policies", 13},
	{"sys.security_predicates", 13},
	{"sys.database_scoped_configurations", 13},
	{"sys.database_query_store_options", 13},
	{"sys.column_master_keys", 13},
	{"sys.column_encryption_keys", 13},
	{"sys.column_encryption_key_values", 13},
	{"sys.database_scoped_credentials", 13},
	{"sys.external_data_sources", 13},
	{"sys.external_file_formats", 13},
	{"sys.external_tables", 13},
	{"temporal_type", 13}, // sys.tables
	{"temporal_type_desc", 13},
	{"history_table_id", 13},
	{"is_external", 13},
	{"is_remote_data_archive_enabled", 13},
	{"is_masked", 13}, // sys.columns
	{"is_hidden", 13},
	{"generated_always_type", 13},
	{"generated_always_type_desc", 13},
	{"encryption_type", 13},
	{"encryption_type_desc", 13},
	{"column_encryption_key_id", 13},
	{"compression_delay", 13}, // sys.indexes
	{"is_query_store_on", 13},
	// SQL Server 2017 (14.x)
	{"history_retention_period", 14}, // sys.tables
	{"history_retention_period_unit", 14},
	{"history_retention_period_unit_desc", 14},
	{"is_node", 14},
	{"is_edge", 14},
	{"graph_type", 14}, // sys.columns
	{"graph_type_desc", 14},
	{"last_used_value", 14}, // sys.sequences
	{"is_value_default", 14},
	{"wait_stats_capture_mode", 14},
	{"wait_stats_capture_mode_desc", 14},
	{"suppress_dup_key_messages", 14},
	{"is_temporal_history_retention_enabled", 14},
	// SQL Server 2019 (15.x)
	{"sys.edge_constraints", 15},
	{"sys.edge_constraint_clauses", 15},
	{"optimize_for_sequential_key", 15}, // sys.indexes
	{"is_accelerated_database_recovery_on", 15},
	{"capture_policy_execution_count", 15},
	{"capture_policy_total_compile_cpu_time_ms", 15},
	{"capture_policy_total_execution_cpu_time_ms", 15},
	{"capture_policy_stale_threshold_hours", 15},
	{"inline_type", 15},
	{"is_inlineable", 15},
	// SQL Server 2022 (16.x)
	{"sys.database_ledger_transactions", 16},
	{"sys.ledger_table_history", 16},
	{"sys.ledger_column_history", 16},
	{"column_store_order_ordinal", 16}, // sys.index_columns
	{"ledger_type", 16},                // sys.tables
	{"ledger_type_desc", 16},
	{"ledger_view_id", 16},
	{"is_dropped_ledger_table", 16},
	{"ledger_view_column_type", 16}, // sys.columns
	{"is_dropped_ledger_column", 16},
	{"is_ledger_on", 16}, // sys.databases
	{"xml_compression", 16},
	{"xml_compression_desc", 16},
}

// catalogError returns the error the version gives for a query that
// names a catalog view or column it lacks (error 208 "Invalid object
// name", 207 "Invalid column name", as SQL Server words them), or nil.
func (v Version) catalogError(sql string) error {
	lower := strings.ToLower(sql)
	for _, it := range catalogItems {
		if v.Major >= it.since {
			continue
		}
		if strings.HasPrefix(it.name, "sys.") {
			if wordAt(lower, it.name) {
				return mssqltest.Errorf(208, 16, "Invalid object name '%s'.", it.name)
			}
		} else if wordAt(lower, "."+it.name) {
			return mssqltest.Errorf(207, 16, "Invalid column name '%s'.", it.name)
		}
	}
	return nil
}

// wordAt tells whether s holds word with no identifier character right
// after it.
func wordAt(s, word string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		end := i + j + len(word)
		if end == len(s) || !isIdentChar(s[end]) {
			return true
		}
		i = end
	}
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// nullAs matches "NULL AS alias" in a select list: the scripter's way to
// keep a column a version lacks.
var nullAs = regexp.MustCompile(`(?i)\bNULL AS ([a-z_0-9]+)`)

// nullColumns sets to NULL the columns that the query selects as NULL,
// as the server would.
func (r *result) nullColumns(sql string) {
	for _, m := range nullAs.FindAllStringSubmatch(sql, -1) {
		for i, c := range r.cols {
			if strings.EqualFold(c.Name, m[1]) {
				for _, row := range r.rows {
					row[i] = nil
				}
			}
		}
	}
}

// As makes db what a database of version v can hold, and serves it as v:
// what v lacks is removed (memory-optimized tables and table types before
// 2014; temporal tables, masks, row-level security, Query Store and scoped
// configurations before 2016; retention periods before 2017; and so on),
// the compatibility level is at most v's, and on Azure SQL Database CLR,
// Service Broker, filegroups other than PRIMARY and database snapshots
// are gone. Module definitions are kept as they are: the scripter copies
// them, whatever syntax they use.
func (db *DB) As(v Version) *DB {
	db.Version = v
	db.Compatibility = min(db.Compatibility, v.Compatibility)
	before := func(major int) bool { return v.Major < major }
	var tables []*Table
	for _, t := range db.Tables {
		// Memory-optimized tables 2014, graph tables 2017, ledger tables
		// 2022, edge constraints 2019.
		if t.MemoryOptimized && before(12) || (t.Node || t.Edge) && before(14) || t.Ledger != nil && before(16) {
			continue
		}
		if before(15) {
			t.EdgeConstraints = nil
		}
		if before(13) {
			t.Temporal, t.History, t.Period = 0, "", [2]string{}
			for _, c := range t.Columns {
				// Always Encrypted and masks: SQL Server 2016.
				c.GeneratedAlways, c.Hidden, c.Masked, c.Encrypted = 0, false, "", nil
			}
		}
		if before(14) {
			t.Retention, t.RetentionUnit = 0, ""
		}
		var ixs []*Index
		for _, ix := range t.Indexes {
			if ix.Type == 5 && before(12) { // clustered columnstore: 2014
				continue
			}
			if before(13) {
				ix.CompressionDelay = 0
			}
			if before(15) {
				ix.SequentialKey = false
			}
			if before(16) {
				ix.Order = nil
			}
			if slices.Contains(ix.Compression, "COLUMNSTORE_ARCHIVE") && before(12) {
				ix.Compression = nil
			}
			ixs = append(ixs, ix)
		}
		t.Indexes = ixs
		tables = append(tables, t)
	}
	db.Tables = tables
	if before(12) { // CREATE TYPE's <table_index> and memory-optimized table types: 2014
		db.TableTypes = slices.DeleteFunc(db.TableTypes, func(tt *TableType) bool { return tt.MemoryOptimized })
		for _, tt := range db.TableTypes {
			tt.Table.Indexes = slices.DeleteFunc(tt.Table.Indexes, func(ix *Index) bool { return !ix.PrimaryKey && !ix.UniqueConstraint })
		}
		db.Options.IncrementalStatistics, db.Options.DelayedDurability = false, ""
	}
	if before(13) {
		db.QueryStore, db.ScopedConfigs, db.SecurityPolicies = nil, nil, nil
		// Views of SQL Server 2016.
		db.Entities = slices.DeleteFunc(db.Entities, func(e *Entity) bool {
			return slices.Contains([]string{"column master key", "column encryption key", "database scoped credential",
				"external data source", "external file format"}, e.Kind)
		})
	}
	if before(15) {
		db.Options.AcceleratedRecovery = false
	}
	if q := db.QueryStore; q != nil {
		if before(14) {
			q.WaitStats = ""
		}
		if before(15) {
			q.PolicyExecutions, q.PolicyCompileMS, q.PolicyCPUMS, q.PolicyStaleHours = 0, 0, 0, 0
		}
	}
	// Database scoped configurations by the version that introduced them
	// (ALTER DATABASE SCOPED CONFIGURATION's documentation).
	scopedSince := map[string]int{"ELEVATE_ONLINE": 15, "ELEVATE_RESUMABLE": 15, "OPTIMIZE_FOR_AD_HOC_WORKLOADS": 15,
		"XTP_PROCEDURE_EXECUTION_STATISTICS": 15, "XTP_QUERY_EXECUTION_STATISTICS": 15, "IDENTITY_CACHE": 14}
	var scs []ScopedConfig
	for _, sc := range db.ScopedConfigs {
		if !before(scopedSince[sc.Name]) {
			scs = append(scs, sc)
		}
	}
	db.ScopedConfigs = scs
	if v.AzureSQLDatabase() {
		db.DatabaseSnapshots = false
		db.Assemblies, db.Filegroups = nil, nil
		db.Modules = slices.DeleteFunc(db.Modules, func(m *Module) bool {
			return slices.Contains([]string{"PC", "FS", "FT", "TA", "AF"}, m.Type)
		})
		db.Other = slices.DeleteFunc(db.Other, func(o *Other) bool { return o.Type == "SQ" })
		// Numbered procedures and Service Broker are features of SQL
		// Server and Managed Instance only.
		db.NumberedProcedures, db.Broker = nil, nil
		db.Entities = slices.DeleteFunc(db.Entities, func(e *Entity) bool {
			return e.Kind == "service" || e.Kind == "remote service binding"
		})
		for _, ps := range db.PartitionSchemes {
			ps.Filegroups = nil
		}
		for _, t := range db.allTables() {
			t.Filegroup, t.LobFilegroup = "", ""
			for _, ix := range t.Indexes {
				ix.Filegroup = ""
			}
		}
	}
	had := db.objectNames()
	db.Build()
	db.dropDangling(had)
	return db
}

// objectNames returns the "schema.name" of every object of sys.objects.
func (db *DB) objectNames() map[string]bool {
	names := map[string]bool{}
	for _, o := range db.objects {
		names[strings.ToLower(o.schema+"."+o.name)] = true
	}
	return names
}

// dropDangling removes the permissions and extended properties of the
// objects of had that are gone.
func (db *DB) dropDangling(had map[string]bool) {
	now := db.objectNames()
	var removed []string
	for name := range had {
		if !now[name] {
			removed = append(removed, name)
		}
	}
	gone := func(target string) bool {
		kind, rest, _ := strings.Cut(target, ":")
		switch kind {
		case "object", "column", "index", "parameter", "viewcolumn":
			rest = strings.ToLower(rest)
			for _, name := range removed {
				if rest == name || strings.HasPrefix(rest, name+".") {
					return true
				}
			}
		}
		return false
	}
	db.Permissions = slices.DeleteFunc(db.Permissions, func(p *Permission) bool { return gone(p.On) })
	db.ExtProps = slices.DeleteFunc(db.ExtProps, func(p *ExtProp) bool { return gone(p.Target) })
}

// String names the version as its users do: "SQL Server 2016", "Azure
// SQL Database".
func (v Version) String() string {
	switch v.EngineEdition {
	case 5:
		return "Azure SQL Database"
	case 8:
		return "Azure SQL Managed Instance"
	}
	return fmt.Sprintf("SQL Server %s", v.Name)
}
