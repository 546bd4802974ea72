package sample

// Database options, database scoped configurations, Query Store settings
// and the index and table options the scripter reads besides those of
// sys.indexes and sys.tables (queries database_options,
// scoped_configurations, query_store, index_options, columnstore_order,
// table_options).

// Options are the options of sys.databases beyond the collation,
// compatibility level and snapshot isolation. The zero value is a new
// database's on SQL Server (the model database's defaults): the fields
// that default to ON or to a value are named so that zero means default.
type Options struct {
	ReadCommittedSnapshot  bool
	ParameterizationForced bool
	AnsiNullDefault        bool
	AnsiNulls              bool
	AnsiPadding            bool
	AnsiWarnings           bool
	ArithAbort             bool
	ConcatNullYieldsNull   bool
	NumericRoundAbort      bool
	QuotedIdentifier       bool
	RecursiveTriggers      bool
	NoAutoCreateStatistics bool
	IncrementalStatistics  bool // AUTO_CREATE_STATISTICS ON (INCREMENTAL = ON)
	NoAutoUpdateStatistics bool
	AutoUpdateStatsAsync   bool
	AutoClose              bool
	AutoShrink             bool
	CursorCloseOnCommit    bool
	LocalCursorDefault     bool
	DateCorrelation        bool
	PageVerify             string // "" for CHECKSUM
	TargetRecoverySeconds  int64  // 0 for 60
	DelayedDurability      string // "" for DISABLED
	AcceleratedRecovery    bool
	Trustworthy            bool
	DBChaining             bool
	Owner                  string // the owner's login; "" for not visible
}

// ScopedConfig is a database scoped configuration other than its default:
// Value and Secondary (nil: PRIMARY) are the sql_variant values of
// sys.database_scoped_configurations (int64 or string).
type ScopedConfig struct {
	Name      string
	Value     any
	Secondary any
}

// QueryStore is a row of sys.database_query_store_options.
type QueryStore struct {
	State, CaptureMode, CleanupMode, WaitStats     string
	MaxStorageMB, IntervalMinutes, StaleDays       int64
	FlushSeconds, MaxPlans                         int64
	PolicyExecutions, PolicyCompileMS, PolicyCPUMS int64
	PolicyStaleHours                               int64
}

func (db *DB) databaseOptionsResult() *result {
	o := db.Options
	r := newResult("is_ansi_null_default_on:f", "is_auto_close_on:f", "is_auto_shrink_on:f", "is_auto_create_stats_on:f",
		"is_auto_create_stats_incremental_on:f", "is_auto_update_stats_on:f", "is_auto_update_stats_async_on:f",
		"is_cursor_close_on_commit_on:f", "is_local_cursor_default:f", "is_date_correlation_on:f", "is_parameterization_forced:f",
		"page_verify_option_desc:s", "target_recovery_time_in_seconds:i", "delayed_durability_desc:s",
		"is_accelerated_database_recovery_on:f", "is_trustworthy_on:f", "is_db_chaining_on:f", "is_broker_enabled:f", "owner_login:s")
	pv, trt, dd := o.PageVerify, o.TargetRecoverySeconds, o.DelayedDurability
	if pv == "" {
		pv = "CHECKSUM"
	}
	if trt == 0 {
		trt = 60
	}
	if dd == "" {
		dd = "DISABLED"
	}
	r.add(o.AnsiNullDefault, o.AutoClose, o.AutoShrink, !o.NoAutoCreateStatistics, o.IncrementalStatistics,
		!o.NoAutoUpdateStatistics, o.AutoUpdateStatsAsync, o.CursorCloseOnCommit, o.LocalCursorDefault, o.DateCorrelation,
		o.ParameterizationForced, pv, trt, dd, o.AcceleratedRecovery, o.Trustworthy, o.DBChaining, false, nullStr(o.Owner))
	return r
}

func (db *DB) scopedConfigurationsResult() *result {
	r := newResult("name:s", "value:S", "value_type:s", "value_for_secondary:S", "secondary_type:s")
	text := func(v any) (any, any) {
		switch v := v.(type) {
		case nil:
			return nil, nil
		case int64:
			return itoa(v), "int"
		case string:
			return v, "nvarchar"
		}
		panic("sample: bad scoped configuration value")
	}
	for _, sc := range db.ScopedConfigs {
		v, vt := text(sc.Value)
		s, st := text(sc.Secondary)
		r.add(sc.Name, v, vt, s, st)
	}
	return r
}

func (db *DB) queryStoreResult() *result {
	r := newResult("desired_state_desc:s", "query_capture_mode_desc:s", "size_based_cleanup_mode_desc:s",
		"max_storage_size_mb:b", "interval_length_minutes:b", "stale_query_threshold_days:b", "flush_interval_seconds:b",
		"max_plans_per_query:b", "wait_stats_capture_mode_desc:s", "capture_policy_execution_count:i",
		"capture_policy_total_compile_cpu_time_ms:b", "capture_policy_total_execution_cpu_time_ms:b",
		"capture_policy_stale_threshold_hours:i")
	if q := db.QueryStore; q != nil {
		r.add(q.State, q.CaptureMode, q.CleanupMode, q.MaxStorageMB, q.IntervalMinutes, q.StaleDays, q.FlushSeconds,
			q.MaxPlans, q.WaitStats, q.PolicyExecutions, q.PolicyCompileMS, q.PolicyCPUMS, q.PolicyStaleHours)
	}
	return r
}

// indexOptionsResult answers qIndexOptions: the indexes with
// STATISTICS_NORECOMPUTE, OPTIMIZE_FOR_SEQUENTIAL_KEY or a
// COMPRESSION_DELAY.
func (db *DB) indexOptionsResult() *result {
	r := newResult("object_id:i", "index_id:i", "no_recompute:f", "optimize_for_sequential_key:f", "compression_delay:i")
	db.indexSets(func(oid int64, ix *Index, _ []*Column) {
		if ix.NoRecompute || ix.SequentialKey || ix.CompressionDelay > 0 {
			var delay any
			if ix.Type == 5 || ix.Type == 6 {
				delay = ix.CompressionDelay
			}
			r.add(oid, ix.id, ix.NoRecompute, ix.SequentialKey, delay)
		}
	})
	return r
}

func (db *DB) columnstoreOrderResult() *result {
	r := newResult("object_id:i", "index_id:i", "column_store_order_ordinal:t", "column_name:s")
	for _, t := range db.Tables {
		for _, ix := range t.Indexes {
			for i, c := range ix.Order {
				r.add(t.ID, ix.id, int64(i+1), c)
			}
		}
	}
	return r
}

func (db *DB) tableOptionsResult() *result {
	r := newResult("object_id:i", "lock_escalation_desc:s", "large_value_types_out_of_row:f", "text_in_row_limit:i")
	for _, t := range db.Tables {
		if t.LockEscalation != "" || t.LargeValuesOutOfRow || t.TextInRow != 0 {
			le := t.LockEscalation
			if le == "" {
				le = "TABLE"
			}
			r.add(t.ID, le, t.LargeValuesOutOfRow, t.TextInRow)
		}
	}
	return r
}

// tuned is a table with every index and table option: a clustered primary
// key optimized for sequential keys whose statistics are not recomputed,
// a unique index with the other options, lock escalation disabled, large
// values out of row and text in row.
func tuned() *Table {
	return &Table{Schema: "dbo", Name: "Tuned", LockEscalation: "DISABLE", LargeValuesOutOfRow: true, TextInRow: 512,
		Columns: []*Column{
			{Name: "ID", Type: "int", Identity: true, Seed: "1", Incr: "1", Last: "2"},
			{Name: "Code", Type: "varchar(20)"},
			{Name: "Notes", Type: "nvarchar(max)", Nullable: true},
			{Name: "Legacy", Type: "text", Nullable: true},
		},
		Indexes: []*Index{
			{Name: "PK_Tuned", Type: 1, PrimaryKey: true, Keys: []string{"ID"}, SequentialKey: true, NoRecompute: true},
			{Name: "UX_Tuned_Code", Type: 2, Unique: true, Keys: []string{"Code"}, Padded: true, FillFactor: 90,
				IgnoreDupKey: true, NoRecompute: true, NoRowLocks: true, NoPageLocks: true},
		},
		Rows: [][]any{{1, "alpha", "first", "old text"}, {2, "beta", nil, nil}}}
}

// tunedFacts has an ordered clustered columnstore index (SQL Server 2022)
// with a compression delay (2016).
func tunedFacts() *Table {
	return &Table{Schema: "dbo", Name: "TunedFacts", Columns: []*Column{
		{Name: "Day", Type: "date"},
		{Name: "Amount", Type: "decimal(19,4)"},
	}, Indexes: []*Index{{Name: "CCI_TunedFacts", Type: 5, Order: []string{"Day"}, CompressionDelay: 30}}}
}
