package mssql

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// ServerInfo identifies the server a database was read from.
type ServerInfo struct {
	ProductVersion string `json:"product_version"`
	Edition        string `json:"edition"`
	EngineEdition  int64  `json:"engine_edition"`
	Version        string `json:"version"`
}

// DatabaseInfo holds the options of a database (sys.databases).
type DatabaseInfo struct {
	Name                   string `json:"name"`
	Collation              string `json:"collation"`
	CompatibilityLevel     int64  `json:"compatibility_level"`
	SnapshotIsolationState int64  `json:"snapshot_isolation_state"`
	ReadCommittedSnapshot  bool   `json:"read_committed_snapshot"`
	RecoveryModel          string `json:"recovery_model"`
	AnsiNulls              bool   `json:"ansi_nulls"`
	AnsiPadding            bool   `json:"ansi_padding"`
	AnsiWarnings           bool   `json:"ansi_warnings"`
	ArithAbort             bool   `json:"arithabort"`
	ConcatNullYieldsNull   bool   `json:"concat_null_yields_null"`
	QuotedIdentifier       bool   `json:"quoted_identifier"`
	NumericRoundAbort      bool   `json:"numeric_roundabort"`
	RecursiveTriggers      bool   `json:"recursive_triggers"`
	ReadOnly               bool   `json:"read_only"`
	State                  string `json:"state"`

	// The options of sys.databases read by qDatabaseOptions (schema.sql
	// sets them: databaseOptions), and what is reported, not applied:
	// Trustworthy, DBChaining, BrokerEnabled and the owner's login (""
	// where the backup's login cannot see it).
	AnsiNullDefault                 bool   `json:"ansi_null_default"`
	AutoClose                       bool   `json:"auto_close"`
	AutoShrink                      bool   `json:"auto_shrink"`
	AutoCreateStatistics            bool   `json:"auto_create_statistics"`
	AutoCreateStatisticsIncremental bool   `json:"auto_create_statistics_incremental"`
	AutoUpdateStatistics            bool   `json:"auto_update_statistics"`
	AutoUpdateStatisticsAsync       bool   `json:"auto_update_statistics_async"`
	CursorCloseOnCommit             bool   `json:"cursor_close_on_commit"`
	LocalCursorDefault              bool   `json:"local_cursor_default"`
	DateCorrelation                 bool   `json:"date_correlation_optimization"`
	ParameterizationForced          bool   `json:"parameterization_forced"`
	PageVerify                      string `json:"page_verify,omitempty"`
	TargetRecoverySeconds           int64  `json:"target_recovery_time_seconds,omitempty"`
	DelayedDurability               string `json:"delayed_durability,omitempty"`
	AcceleratedDatabaseRecovery     bool   `json:"accelerated_database_recovery"`
	Trustworthy                     bool   `json:"trustworthy"`
	DBChaining                      bool   `json:"db_chaining"`
	BrokerEnabled                   bool   `json:"broker_enabled"`
	Owner                           string `json:"owner,omitempty"`
	// ScopedConfigurations are the database scoped configurations other
	// than the default (SQL Server 2016; on 2016 all of them).
	ScopedConfigurations []ScopedConfiguration `json:"scoped_configurations,omitempty"`
	// QueryStore holds the Query Store settings (SQL Server 2016), nil
	// before 2016.
	QueryStore *QueryStore `json:"query_store,omitempty"`

	hasOptions bool // qDatabaseOptions was read
}

// object is a row of sys.objects.
type object struct {
	id     int64
	schema string
	name   string
	typ    string // sys.objects.type, trimmed
	parent int64
	owner  int64 // sys.objects.principal_id: an owner other than the schema's, or 0
}

// Schema is a user schema.
type Schema struct {
	ID      int64
	Name    string
	Owner   string
	OwnerID int64
}

// UserType is an alias type, a table type or a CLR type.
type UserType struct {
	ID          int64
	Schema      string
	Name        string
	Base        ColumnType // alias types
	Nullable    bool
	Collation   string
	IsTable     bool
	IsAssembly  bool
	TableObject int64  // table types: the object holding the columns
	Table       *Table // table types: columns, keys, checks
	MemoryOpt   bool   // a memory-optimized table type
	OwnerID     int64  // an owner other than the schema's, or 0
}

// Column is a column of a table or table type.
type Column struct {
	// Mask is the column's dynamic data masking function (qMasks), or "".
	Mask          string
	ID            int64
	Name          string
	Type          ColumnType // the system type (what literals are rendered for)
	TypeName      string     // TYPE_NAME(user_type_id)
	TypeSchema    string
	UserDefined   bool // an alias type: declared as [schema].[name]
	AssemblyType  bool
	Collation     string
	Nullable      bool
	Identity      bool
	Computed      bool
	Sparse        bool
	ColumnSet     bool
	RowGUID       bool
	FileStream    bool
	XMLCollection int64
	// XMLDocument is sys.columns.is_xml_document (DOCUMENT, else
	// CONTENT) and XMLCollectionName the collection's [schema].[name] of
	// a typed xml column (finishXMLSchemaCollections).
	XMLDocument       bool
	XMLCollectionName string
	GeneratedAlways   int64 // 1 row start, 2 row end
	Hidden            bool
	Seed, Increment   string
	LastValue         string // identity last value, "" if none yet
	IdentityNFR       bool
	ComputedDef       string
	Persisted         bool
	DefaultName       string
	DefaultDef        string
	// AnsiPaddingOff is sys.columns.is_ansi_padded = 0: the column was
	// created with SET ANSI_PADDING OFF, which matters for char, varchar,
	// binary and varbinary (ansiPaddingMatters).
	AnsiPaddingOff bool
}

// Table is a user table or the body of a table type.
type Table struct {
	ID           int64
	Schema       string
	Name         string
	Columns      []*Column
	Indexes      []*Index
	ForeignKeys  []*ForeignKey
	Checks       []*Check
	TemporalType int64 // 1 history table, 2 system-versioned
	// Retention and RetentionUnit are a system-versioned table's
	// HISTORY_RETENTION_PERIOD (sys.tables, SQL Server 2017): a number and
	// DAY, WEEK, MONTH or YEAR; RetentionUnit is INFINITE or "" otherwise.
	Retention       int64
	RetentionUnit   string
	HistoryID       int64
	Period          *Period
	MemoryOptimized bool
	// Durability is sys.tables.durability of a memory-optimized table
	// (SQL Server 2014): 0 SCHEMA_AND_DATA, 1 SCHEMA_ONLY.
	Durability   int64
	External     bool
	Node, Edge   bool
	FileTable    bool
	Triggers     []*Module
	Stats        []*Statistic
	AnsiNullsOff bool // sys.tables.uses_ansi_nulls = 0: created with SET ANSI_NULLS OFF
	// LockEscalation is sys.tables.lock_escalation_desc other than TABLE
	// (AUTO, DISABLE); LargeValuesOutOfRow and TextInRowLimit are the
	// sp_tableoption options (qTableOptions).
	LockEscalation      string
	LargeValuesOutOfRow bool
	TextInRowLimit      int64

	// FullText is its full-text index, if any.
	FullText *FulltextIndex

	// Compression is the data compression of a heap by partition
	// (compressionOptions); nil for none.
	Compression []string
	// Placement is where the heap is stored; TextImageOn the filegroup
	// of its LOB data where CREATE TABLE names it (placeStorage).
	Placement   Placement
	TextImageOn string

	// notes are what is reported as not scripted if the table (or the
	// view whose indexes it holds) is scripted: an index on a partition
	// scheme that is not scripted.
	notes []Unscripted
	// lobFilegroup is the filegroup of the table's LOB data, as read.
	lobFilegroup string
	// graph is what a node or edge table has besides (graph.go).
	graph *graphInfo
}

// Statistic is a user-created statistics object (CREATE STATISTICS).
type Statistic struct {
	ID          int64
	Name        string
	Columns     []string
	Filter      string
	NoRecompute bool
}

// Period is the SYSTEM_TIME period of a temporal table.
type Period struct {
	Start, End string
}

// Index is an index, possibly behind a primary key or unique constraint.
type Index struct {
	ID               int64
	Name             string
	Type             int64 // 1 clustered, 2 nonclustered, 5/6 columnstore, 3 XML, 4 spatial, 7 hash
	Unique           bool
	PrimaryKey       bool
	UniqueConstraint bool
	IgnoreDupKey     bool
	FillFactor       int64
	Padded           bool
	Disabled         bool
	AllowRowLocks    bool
	AllowPageLocks   bool
	Filter           string
	Keys             []IndexKey
	Included         []string
	// Compression is the data compression by partition: NONE, ROW,
	// PAGE, COLUMNSTORE or COLUMNSTORE_ARCHIVE (compressionOptions); nil
	// for the default.
	Compression []string
	Placement   Placement // where the index is stored
	// XML describes an XML index (Type 3, qXMLIndexes), Spatial a
	// spatial index (Type 4, qSpatialIndexes); nil for others.
	XML     *XMLIndex
	Spatial *SpatialIndex

	// Options read by qIndexOptions and qColumnstoreOrder.
	NoRecompute      bool     // STATISTICS_NORECOMPUTE: sys.stats.no_recompute of the index's statistics
	SequentialKey    bool     // OPTIMIZE_FOR_SEQUENTIAL_KEY (SQL Server 2019)
	CompressionDelay int64    // COMPRESSION_DELAY of a columnstore index, minutes (SQL Server 2016)
	ColumnstoreOrder []string // ORDER columns of an ordered columnstore index (SQL Server 2022)
	BucketCount      int64    // BUCKET_COUNT of a hash index (sys.hash_indexes, SQL Server 2014)
}

// IndexKey is a key column of an index.
type IndexKey struct {
	Column     string
	Descending bool
	// Pseudo is set for a graph pseudo-column ($node_id, $edge_id,
	// $from_id, $to_id: Column), written without brackets.
	Pseudo bool
}

// ForeignKey is a foreign key constraint.
type ForeignKey struct {
	ID             int64
	Name           string
	Parent         int64
	Referenced     int64
	Columns        []string
	RefColumns     []string
	OnDelete       int64
	OnUpdate       int64
	Disabled       bool
	NotTrusted     bool
	NotForRepl     bool
	ParentName     string
	ReferencedName string
}

// Check is a check constraint.
type Check struct {
	ID         int64
	Name       string
	Parent     int64
	Definition string
	Disabled   bool
	NotTrusted bool
	NotForRepl bool
}

// Module is a view, function, procedure or trigger.
type Module struct {
	ID               int64
	Schema           string
	Name             string
	Type             string
	Parent           int64
	Definition       string
	HasDefinition    bool
	AnsiNulls        bool
	QuotedIdentifier bool
	SchemaBound      bool
	TriggerDisabled  bool
	// ExecuteAs is sys.sql_modules.execute_as_principal_id: the user the
	// module executes as (EXECUTE AS 'user', or SELF: its creator), 0 for
	// CALLER, -2 for OWNER. The user must exist when the module is
	// created.
	ExecuteAs int64
	// Database is true for a database DDL trigger (ON DATABASE; not in
	// sys.objects, in Catalog.DatabaseTriggers).
	Database bool
	// Order are the events a trigger fires first or last for.
	Order []TriggerOrder
	// loginUser names ExecuteAs when it is a user for a login, which
	// exists in the copy only where the login does: the module, and what
	// is about it, is created only where the user was.
	loginUser string
}

// Sequence is a sequence object.
type Sequence struct {
	ID              int64
	Schema          string
	Name            string
	TypeName        string // TYPE_NAME(user_type_id)
	TypeSchema      string // an alias type's schema
	TypeUserDefined bool   // an alias type
	Precision       uint8  // sys.sequences.precision: the digits of decimal and numeric
	Start           string
	Increment       string
	Min, Max        string
	Cycling         bool
	Cached          bool
	CacheSize       string
	Exhausted       bool
	LastUsed        string
}

// Synonym is a synonym.
type Synonym struct {
	ID     int64
	Schema string
	Name   string
	Base   string
}

// ExtProp is an extended property.
type ExtProp struct {
	Class   int64
	Major   int64
	Minor   int64
	Name    string
	Value   any
	Base    ColumnType
	HasBase bool
	// SubName is what Minor (or, for a principal, Major) names: a
	// column of an object (class 1) or of a table type (8), a parameter
	// (2), a database principal (4).
	SubName string
}

// dependency is a row of sys.sql_expression_dependencies, less its
// referencing object: minor is the referencing column (a computed column
// of a table) or 0, to the referenced object (or type), toMinor the
// referenced column or 0 (recorded for schema-bound references only).
type dependency struct {
	minor, to, toMinor int64
}

// Unscripted is an object the scripter cannot script; it is listed in the
// manifest and warned about. Action, what to do about it, is filled in for
// the manifest's unscripted list from the kind and reason (report.go).
type Unscripted struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Action string `json:"action,omitempty"`
}

// Catalog is what the scripter knows about a database.
type Catalog struct {
	Server     ServerInfo
	Database   DatabaseInfo
	Schemas    []*Schema
	Types      []*UserType
	Tables     []*Table
	Modules    []*Module
	Sequences  []*Sequence
	Synonyms   []*Synonym
	ExtProps   []*ExtProp
	Unscripted []Unscripted
	// Users are the CREATE USER statements, in order: schema.sql runs
	// them before the modules, which may execute as a user.
	Users []SecurityItem
	// Security is what security.sql creates, in order: roles, role
	// members, owners and permissions.
	Security []SecurityItem
	// NeedsLogins are the logins that users of schema.sql are created
	// for, by login and user.
	NeedsLogins []NeededLogin
	// FulltextCatalogs and FulltextStoplists are created in schema.sql
	// (the full-text indexes are Table.FullText).
	FulltextCatalogs  []*FulltextCatalog
	FulltextStoplists []*FulltextStoplist
	// DatabaseTriggers are the DDL triggers ON DATABASE that can be
	// scripted; security.sql creates them last.
	DatabaseTriggers []*Module
	// PartitionFunctions and PartitionSchemes are ordered by name.
	PartitionFunctions []*PartitionFunction
	PartitionSchemes   []*PartitionScheme
	// SecurityPolicies are the row-level security policies that can be
	// scripted (SQL Server 2016), ordered by schema and name.
	SecurityPolicies []*SecurityPolicy
	// XMLSchemaCollections are the XML schema collections that can be
	// scripted, ordered by schema and name.
	XMLSchemaCollections []*XMLSchemaCollection
	// ChangeTracking is the database's change tracking, nil where it is
	// off (changetracking.go).
	ChangeTracking *ChangeTracking

	objects    map[int64]*object
	tables     map[int64]*Table
	types      map[int64]*UserType
	modules    map[int64]*Module
	deps       map[int64][]dependency // referencing object -> referenced objects and columns
	typeDeps   map[int64][]dependency // referencing object -> referenced types
	assemblies []string
	// xmlCollections are every XML schema collection read, by id.
	xmlCollections map[int64]*XMLSchemaCollection
	principals     map[int64]*Principal
	members        [][2]int64 // role, member
	perms          []*Permission
	// badFunctions are the partition functions whose boundaries cannot
	// be rendered (checkPartitioning).
	badFunctions []Unscripted
	// features are what readFeatures found about tables (features.go).
	features map[int64]*featureNotes
}

func newCatalog() *Catalog {
	return &Catalog{
		objects: map[int64]*object{}, tables: map[int64]*Table{}, types: map[int64]*UserType{},
		modules: map[int64]*Module{}, deps: map[int64][]dependency{}, typeDeps: map[int64][]dependency{},
		principals: map[int64]*Principal{}, xmlCollections: map[int64]*XMLSchemaCollection{},
	}
}

// loadCatalog runs the catalog queries.
func loadCatalog(ctx context.Context, q querier) (*Catalog, error) {
	srv, err := ReadServer(ctx, q)
	if err != nil {
		return nil, err
	}
	return loadCatalogOf(ctx, q, srv)
}

// loadCatalogOf runs the catalog queries of server srv (ReadServer), for
// a caller that read it already.
func loadCatalogOf(ctx context.Context, q querier, srv ServerInfo) (*Catalog, error) {
	c := newCatalog()
	c.Server = srv
	major := c.Server.Major()
	steps := []struct {
		query string
		fn    func(r *record) error
	}{
		{qDatabase, func(r *record) error {
			c.Database = DatabaseInfo{
				Name: r.str("name"), Collation: r.str("collation_name"), CompatibilityLevel: r.int("compatibility_level"),
				SnapshotIsolationState: r.int("snapshot_isolation_state"), ReadCommittedSnapshot: r.bool("is_read_committed_snapshot_on"),
				RecoveryModel: r.str("recovery_model_desc"), AnsiNulls: r.bool("is_ansi_nulls_on"), AnsiPadding: r.bool("is_ansi_padding_on"),
				AnsiWarnings: r.bool("is_ansi_warnings_on"), ArithAbort: r.bool("is_arithabort_on"),
				ConcatNullYieldsNull: r.bool("is_concat_null_yields_null_on"), QuotedIdentifier: r.bool("is_quoted_identifier_on"),
				NumericRoundAbort: r.bool("is_numeric_roundabort_on"), RecursiveTriggers: r.bool("is_recursive_triggers_on"),
				ReadOnly: r.bool("is_read_only"), State: r.str("state_desc"),
			}
			return nil
		}},
		{qObjects, func(r *record) error {
			o := &object{id: r.int("object_id"), schema: r.str("schema_name"), name: r.str("name"),
				typ: strings.TrimSpace(r.str("type")), parent: r.int("parent_object_id"), owner: r.int("principal_id")}
			c.objects[o.id] = o
			return nil
		}},
		{qSchemas, func(r *record) error {
			c.Schemas = append(c.Schemas, &Schema{ID: r.int("schema_id"), Name: r.str("name"), Owner: r.str("owner_name"),
				OwnerID: r.int("principal_id")})
			return nil
		}},
		{qTypes(major), func(r *record) error {
			t := &UserType{ID: r.int("user_type_id"), Schema: r.str("schema_name"), Name: r.str("name"),
				Base:     ColumnType{Name: r.str("base_type"), MaxLength: int(r.int("max_length")), Precision: uint8(r.int("precision")), Scale: uint8(r.int("scale"))},
				Nullable: r.bool("is_nullable"), Collation: r.str("collation_name"), IsTable: r.bool("is_table_type"),
				IsAssembly: r.bool("is_assembly_type"), TableObject: r.int("type_table_object_id"),
				MemoryOpt: r.bool("table_type_memory_optimized"), OwnerID: r.int("principal_id")}
			c.Types = append(c.Types, t)
			c.types[t.ID] = t
			return nil
		}},
		{qTables(major), func(r *record) error {
			t := &Table{ID: r.int("object_id"), Schema: r.str("schema_name"), Name: r.str("name"),
				TemporalType: r.int("temporal_type"), HistoryID: r.int("history_table_id"),
				Retention: r.int("history_retention_period"), RetentionUnit: r.str("history_retention_period_unit_desc"),
				MemoryOptimized: r.bool("is_memory_optimized"), Durability: r.int("durability"), External: r.bool("is_external"),
				Node: r.bool("is_node"), Edge: r.bool("is_edge"), FileTable: r.bool("is_filetable"),
				AnsiNullsOff: !r.null("uses_ansi_nulls") && !r.bool("uses_ansi_nulls")}
			c.Tables = append(c.Tables, t)
			c.tables[t.ID] = t
			return nil
		}},
	}
	for _, s := range steps {
		if err := queryEach(ctx, q, s.query, s.fn); err != nil {
			return nil, err
		}
	}
	// Table types keep their columns and constraints in a Table.
	for _, t := range c.Types {
		if t.IsTable && t.TableObject != 0 {
			t.Table = &Table{ID: t.TableObject, Schema: t.Schema, Name: t.Name}
			c.tables[t.TableObject] = t.Table
		}
	}
	more := []struct {
		query string
		fn    func(r *record) error
	}{
		{qColumns(major), c.addColumn},
		{qIndexes, c.addIndex},
		{qIndexColumns, c.addIndexColumn},
		{qIndexOptions(major), c.addIndexOptions},
		{qTableOptions, c.addTableOptions},
		{qDatabaseOptions(major), c.addDatabaseOptions},
		{qForeignKeys, c.addForeignKey},
		{qForeignKeyColumns, c.addForeignKeyColumn},
		{qCheckConstraints, c.addCheck},
		{qModules, c.addModule},
		{qXMLSchemaCollections, c.addXMLSchemaCollection},
		{qSequences(major), func(r *record) error {
			c.Sequences = append(c.Sequences, &Sequence{ID: r.int("object_id"), Schema: r.str("schema_name"), Name: r.str("name"),
				TypeName: r.str("type_name"), TypeSchema: r.str("type_schema"), TypeUserDefined: r.bool("is_user_defined"), Precision: uint8(r.int("precision")), Start: r.str("start_value"), Increment: r.str("increment"),
				Min: r.str("minimum_value"), Max: r.str("maximum_value"), Cycling: r.bool("is_cycling"),
				Cached: r.bool("is_cached"), CacheSize: r.str("cache_size"), Exhausted: r.bool("is_exhausted"),
				LastUsed: r.str("last_used_value")})
			return nil
		}},
		{qSynonyms, func(r *record) error {
			c.Synonyms = append(c.Synonyms, &Synonym{ID: r.int("object_id"), Schema: r.str("schema_name"), Name: r.str("name"), Base: r.str("base_object_name")})
			return nil
		}},
		{qDependencies, func(r *record) error {
			from := r.int("referencing_id")
			d := dependency{minor: r.int("referencing_minor_id"), to: r.int("referenced_id"), toMinor: r.int("referenced_minor_id")}
			if r.int("referenced_class") == 6 {
				c.typeDeps[from] = append(c.typeDeps[from], d)
			} else {
				c.deps[from] = append(c.deps[from], d)
			}
			return nil
		}},
		{qExtendedProperties, func(r *record) error {
			p := &ExtProp{Class: r.int("class"), Major: r.int("major_id"), Minor: r.int("minor_id"), Name: r.str("name"), Value: r.get("value"),
				SubName: r.str("sub_name")}
			if !r.null("base_type") {
				p.HasBase = true
				p.Base = ColumnType{Name: r.str("base_type"), MaxLength: int(r.int("base_max_length")),
					Precision: uint8(r.int("base_precision")), Scale: uint8(r.int("base_scale"))}
			}
			c.ExtProps = append(c.ExtProps, p)
			return nil
		}},
		{qAssemblies, func(r *record) error {
			c.assemblies = append(c.assemblies, r.str("name"))
			return nil
		}},
		{qDatabaseTriggers, c.addDatabaseTrigger},
		{qTriggerOrder, c.addTriggerOrder},
		{qPartitions, c.addCompression},
		{qDataSpaces, c.addDataSpace},
		{qPartitionFunctions, c.addPartitionFunction},
		{qPartitionSchemes, c.addPartitionScheme},
		{qStats, c.addStatsColumn},
		{qFulltextCatalogs, c.addFulltextCatalog},
		{qFulltextStoplists, c.addFulltextStopword},
		{qFulltextIndexes, c.addFulltextIndex},
		{qFulltextIndexColumns, c.addFulltextIndexColumn},
		{qDatabaseEntities(major), func(r *record) error {
			c.unscripted(r.str("kind"), quoteName(r.str("schema_name"), r.str("name")), entityReason(r.str("kind")))
			return nil
		}},
		{qPrincipals, c.addPrincipal},
		{qRoleMembers, func(r *record) error {
			c.members = append(c.members, [2]int64{r.int("role_principal_id"), r.int("member_principal_id")})
			return nil
		}},
		{qDatabasePermissions, c.addPermission},
	}
	// Asked only where the source's version has the view.
	if major >= 13 {
		more = append(more, catalogQuery{qPeriods, c.addPeriod}, catalogQuery{qScopedConfigurations(major), c.addScopedConfiguration},
			catalogQuery{qQueryStore(major), c.addQueryStore}, catalogQuery{qMasks, c.addMask},
			catalogQuery{qSecurityPolicies, c.addSecurityPolicy})
	}
	if major >= 16 {
		more = append(more, catalogQuery{qColumnstoreOrder, c.addColumnstoreOrder})
	}
	for _, gq := range append(graphQueries(c, major), memoryQueries(c, major)...) {
		more = append(more, gq)
	}
	for _, xq := range xmlSpatialQueries(c) {
		more = append(more, xq)
	}
	for _, s := range more {
		if err := queryEach(ctx, q, s.query, s.fn); err != nil {
			return nil, err
		}
	}
	if err := c.readFeatures(ctx, q, major); err != nil {
		return nil, err
	}
	c.finish()
	return c, nil
}

// addPeriod reads a row of qPeriods (sys.periods, SQL Server 2016).
func (c *Catalog) addPeriod(r *record) error {
	if t := c.tables[r.int("object_id")]; t != nil {
		t.Period = &Period{Start: r.str("start_column"), End: r.str("end_column")}
	}
	return nil
}

func (c *Catalog) addColumn(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil {
		return nil
	}
	col := &Column{
		ID: r.int("column_id"), Name: r.str("name"),
		Type: ColumnType{Name: strings.ToLower(r.str("system_type_name")), MaxLength: int(r.int("max_length")),
			Precision: uint8(r.int("precision")), Scale: uint8(r.int("scale"))},
		TypeName: r.str("type_name"), TypeSchema: r.str("type_schema"), UserDefined: r.bool("is_user_defined"),
		AssemblyType: r.bool("is_assembly_type"),
		Collation:    r.str("collation_name"), Nullable: r.bool("is_nullable"), Identity: r.bool("is_identity"),
		Computed: r.bool("is_computed"), Sparse: r.bool("is_sparse"), ColumnSet: r.bool("is_column_set"),
		RowGUID: r.bool("is_rowguidcol"), FileStream: r.bool("is_filestream"), XMLCollection: r.int("xml_collection_id"),
		XMLDocument:     r.bool("is_xml_document"),
		GeneratedAlways: r.int("generated_always_type"), Hidden: r.bool("is_hidden"),
		Seed: r.str("identity_seed"), Increment: r.str("identity_increment"), LastValue: r.str("identity_last_value"),
		IdentityNFR: r.bool("identity_not_for_replication"), ComputedDef: r.str("computed_definition"),
		Persisted: r.bool("is_persisted"), DefaultName: r.str("default_name"), DefaultDef: r.str("default_definition"),
		AnsiPaddingOff: !r.null("is_ansi_padded") && !r.bool("is_ansi_padded"),
	}
	t.Columns = append(t.Columns, col)
	return nil
}

func (c *Catalog) addIndex(r *record) error {
	oid := r.int("object_id")
	ix := &Index{ID: r.int("index_id"), Name: r.str("name"), Type: r.int("type"), Unique: r.bool("is_unique"),
		PrimaryKey: r.bool("is_primary_key"), UniqueConstraint: r.bool("is_unique_constraint"),
		IgnoreDupKey: r.bool("ignore_dup_key"), FillFactor: r.int("fill_factor"), Padded: r.bool("is_padded"),
		Disabled: r.bool("is_disabled"), AllowRowLocks: r.bool("allow_row_locks"), AllowPageLocks: r.bool("allow_page_locks")}
	if r.bool("has_filter") {
		ix.Filter = r.str("filter_definition")
	}
	if t := c.tables[oid]; t != nil {
		t.Indexes = append(t.Indexes, ix)
		return nil
	}
	if m := c.modules[oid]; m != nil || c.objects[oid] != nil {
		// An indexed view; its indexes are kept on a pseudo table.
		v := c.viewTable(oid)
		v.Indexes = append(v.Indexes, ix)
	}
	return nil
}

// viewTable returns the table that collects the indexes of a view.
func (c *Catalog) viewTable(id int64) *Table {
	if t := c.tables[id]; t != nil {
		return t
	}
	o := c.objects[id]
	t := &Table{ID: id}
	if o != nil {
		t.Schema, t.Name = o.schema, o.name
	}
	c.tables[id] = t
	return t
}

func (c *Catalog) addIndexColumn(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil {
		return nil
	}
	ix := t.index(r.int("index_id"))
	if ix == nil {
		return nil
	}
	name := r.str("column_name")
	switch {
	case r.int("key_ordinal") > 0:
		ix.Keys = append(ix.Keys, IndexKey{Column: name, Descending: r.bool("is_descending_key")})
	case r.bool("is_included_column"):
		ix.Included = append(ix.Included, name)
	}
	return nil
}

func (c *Catalog) addForeignKey(r *record) error {
	fk := &ForeignKey{ID: r.int("object_id"), Name: r.str("name"), Parent: r.int("parent_object_id"),
		Referenced: r.int("referenced_object_id"), OnDelete: r.int("delete_referential_action"),
		OnUpdate: r.int("update_referential_action"), Disabled: r.bool("is_disabled"),
		NotTrusted: r.bool("is_not_trusted"), NotForRepl: r.bool("is_not_for_replication")}
	if t := c.tables[fk.Parent]; t != nil {
		t.ForeignKeys = append(t.ForeignKeys, fk)
	}
	return nil
}

func (c *Catalog) addForeignKeyColumn(r *record) error {
	id := r.int("constraint_object_id")
	o := c.objects[id]
	if o == nil {
		return nil
	}
	t := c.tables[o.parent]
	if t == nil {
		return nil
	}
	for _, fk := range t.ForeignKeys {
		if fk.ID == id {
			fk.Columns = append(fk.Columns, r.str("parent_column"))
			fk.RefColumns = append(fk.RefColumns, r.str("referenced_column"))
		}
	}
	return nil
}

func (c *Catalog) addCheck(r *record) error {
	ck := &Check{ID: r.int("object_id"), Name: r.str("name"), Parent: r.int("parent_object_id"),
		Definition: r.str("definition"), Disabled: r.bool("is_disabled"), NotTrusted: r.bool("is_not_trusted"),
		NotForRepl: r.bool("is_not_for_replication")}
	if t := c.tables[ck.Parent]; t != nil {
		t.Checks = append(t.Checks, ck)
	}
	return nil
}

// index returns the index of t with the given id, or nil.
func (t *Table) index(id int64) *Index {
	for _, ix := range t.Indexes {
		if ix.ID == id {
			return ix
		}
	}
	return nil
}

// addMask records a column's dynamic data mask.
func (c *Catalog) addMask(r *record) error {
	if t := c.tables[r.int("object_id")]; t != nil {
		if col := t.column(r.int("column_id")); col != nil {
			col.Mask = r.str("masking_function")
		}
	}
	return nil
}

// storageName names the heap or index id of t in reports: the table for
// a heap or the clustered index of a table, else table.index.
func (c *Catalog) storageName(t *Table, id int64) (kind, name string) {
	name = quoteName(t.Schema, t.Name)
	if o := c.objects[t.ID]; id <= 1 && (o == nil || o.typ == "U") {
		return "table", name
	}
	if ix := t.index(id); ix != nil {
		return "index", name + "." + quoteIdent(ix.Name)
	}
	return "index", name + fmt.Sprintf(".[index %d]", id)
}

func (c *Catalog) addStatsColumn(r *record) error {
	t := c.tables[r.int("object_id")]
	if t == nil {
		return nil
	}
	id := r.int("stats_id")
	if n := len(t.Stats); n == 0 || t.Stats[n-1].ID != id {
		st := &Statistic{ID: id, Name: r.str("name"), NoRecompute: r.bool("no_recompute")}
		if r.bool("has_filter") {
			st.Filter = r.str("filter_definition")
		}
		t.Stats = append(t.Stats, st)
	}
	st := t.Stats[len(t.Stats)-1]
	st.Columns = append(st.Columns, r.str("column_name"))
	return nil
}

func (c *Catalog) addModule(r *record) error {
	m := &Module{ID: r.int("object_id"), Schema: r.str("schema_name"), Name: r.str("name"),
		Type: strings.TrimSpace(r.str("type")), Parent: r.int("parent_object_id"),
		HasDefinition: !r.null("definition"), Definition: r.str("definition"),
		AnsiNulls: r.bool("uses_ansi_nulls"), QuotedIdentifier: r.bool("uses_quoted_identifier"),
		SchemaBound: r.bool("is_schema_bound"), TriggerDisabled: r.bool("trigger_disabled"),
		ExecuteAs: r.int("execute_as_principal_id")}
	c.Modules = append(c.Modules, m)
	c.modules[m.ID] = m
	return nil
}

// finish sorts what needs sorting and notes what cannot be scripted.
func (c *Catalog) finish() {
	for _, t := range c.tables {
		for _, col := range t.Columns {
			// An alias type column takes the database collation unless it
			// says otherwise; write COLLATE only then.
			if col.UserDefined && strings.EqualFold(col.Collation, c.Database.Collation) {
				col.Collation = ""
			}
		}
		sort.Slice(t.Columns, func(i, j int) bool { return t.Columns[i].ID < t.Columns[j].ID })
		sort.Slice(t.Indexes, func(i, j int) bool { return t.Indexes[i].ID < t.Indexes[j].ID })
		sort.Slice(t.ForeignKeys, func(i, j int) bool { return t.ForeignKeys[i].Name < t.ForeignKeys[j].Name })
		sort.Slice(t.Checks, func(i, j int) bool { return t.Checks[i].Name < t.Checks[j].Name })
		sort.Slice(t.Stats, func(i, j int) bool { return t.Stats[i].Name < t.Stats[j].Name })
		for _, fk := range t.ForeignKeys {
			fk.ParentName = c.qualified(fk.Parent)
			fk.ReferencedName = c.qualified(fk.Referenced)
		}
	}
	sort.Slice(c.Modules, func(i, j int) bool {
		a, b := c.Modules[i], c.Modules[j]
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		return a.Name < b.Name
	})
	c.checkPartitioning() // before the notes of views and tables are reported
	c.finishGraph()
	var kept []*Module
	for _, m := range c.Modules {
		switch {
		case m.Type == "PC" || m.Type == "FS" || m.Type == "FT" || m.Type == "TA" || m.Type == "AF":
			c.unscripted(kindOfModule(m.Type), quoteName(m.Schema, m.Name), "CLR module (its assembly is not scripted)")
		case !m.HasDefinition:
			c.unscripted(kindOfModule(m.Type), quoteName(m.Schema, m.Name), "encrypted module: its definition cannot be read")
		case m.ExecuteAs > 0 && !c.principalScripted(m.ExecuteAs):
			c.unscripted(kindOfModule(m.Type), quoteName(m.Schema, m.Name), "it executes as "+c.principalName(m.ExecuteAs)+
				", which is not scripted: create that user on the target server, then the "+kindOfModule(m.Type))
		default:
			if m.ExecuteAs > 0 && c.principals[m.ExecuteAs].loginMapped() {
				m.loginUser = c.principals[m.ExecuteAs].Name
			}
			kept = append(kept, m)
			if vt := c.tables[m.ID]; vt != nil && m.Type == "V" {
				c.Unscripted = append(c.Unscripted, vt.notes...)
			}
			if m.Type == "TR" {
				if t := c.tables[m.Parent]; t != nil {
					t.Triggers = append(t.Triggers, m)
				}
			}
		}
	}
	c.Modules = kept
	c.finishDatabaseTriggers()
	for _, a := range c.assemblies {
		c.unscripted("assembly", quoteIdent(a), "CLR assemblies are not scripted")
	}
	badXML := c.finishXMLSchemaCollections()
	var types []*UserType
	for _, t := range c.Types {
		if t.IsAssembly {
			c.unscripted("type", quoteName(t.Schema, t.Name), "CLR user-defined type")
			continue
		}
		if t.Table != nil {
			if col := badCollation(t.Table.Columns); col != nil {
				c.unscripted("table type", quoteName(t.Schema, t.Name), collationReason(col))
				continue
			}
			if reason := firstReason(t.Table.Columns, badXML); reason != "" {
				c.unscripted("table type", quoteName(t.Schema, t.Name), reason)
				continue
			}
		}
		c.tableTypeIndexNotes(t)
		types = append(types, t)
	}
	c.Types = types
	var tables []*Table
	for _, t := range c.Tables {
		reason := ""
		switch {
		case t.External:
			reason = "external table"
		case t.graph != nil && t.graph.reason != "":
			reason = t.graph.reason
		case t.FileTable:
			reason = "FileTable"
		}
		for _, col := range t.Columns {
			switch {
			case reason != "":
			case col.AssemblyType && col.UserDefined:
				reason = fmt.Sprintf("column %s has a CLR user-defined type", quoteIdent(col.Name))
			case col.FileStream:
				reason = fmt.Sprintf("column %s is a FILESTREAM column", quoteIdent(col.Name))
			case badXML[col] != "":
				reason = badXML[col]
			}
		}
		if col := badCollation(t.Columns); reason == "" && col != nil {
			reason = collationReason(col)
		}
		if reason != "" {
			c.unscripted("table", quoteName(t.Schema, t.Name), reason)
			continue
		}
		c.checkXMLSpatialIndexes(t)
		for _, ix := range t.Indexes {
			if ix.Type == 7 && !t.MemoryOptimized {
				c.unscripted("index", quoteName(t.Schema, t.Name)+"."+quoteIdent(ix.Name), "hash indexes are not scripted")
			}
		}
		c.Unscripted = append(c.Unscripted, t.notes...)
		tables = append(tables, t)
	}
	c.Tables = tables
	if c.Database.Collation != "" && !collationName(c.Database.Collation) {
		c.unscripted("database collation", quoteIdent(c.Database.Name), fmt.Sprintf("%q is no collation name; the copy keeps the collation of the new database", c.Database.Collation))
	}
	c.finishSecurityPolicies()
	// Every user object kind not handled above is reported.
	known := map[string]bool{"U": true, "V": true, "P": true, "FN": true, "IF": true, "TF": true, "TR": true,
		"PK": true, "UQ": true, "F": true, "C": true, "D": true, "SO": true, "SN": true, "TT": true,
		"PC": true, "FS": true, "FT": true, "TA": true, "AF": true, "IT": true, "S": true, "ET": true, "EC": true}
	var ids []int64
	for id, o := range c.objects {
		// A default (or rule) object bound with sp_bindefault has no
		// parent; only default constraints are scripted.
		if !known[o.typ] && !c.isSecurityPolicy(o) || o.typ == "D" && o.parent == 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		o := c.objects[id]
		kind, reason := "object type "+o.typ, "this kind of object is not scripted"
		if o.typ == "SQ" {
			kind, reason = "queue", "Service Broker queue: Service Broker objects are not scripted"
		}
		c.unscripted(kind, quoteName(o.schema, o.name), reason)
	}
	c.planSecurity()
	sortUnscripted(c.Unscripted)
}

// sortUnscripted sorts a list of the manifest by kind and name.
func sortUnscripted(us []Unscripted) {
	sort.SliceStable(us, func(i, j int) bool {
		a, b := us[i], us[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
}

// badCollation returns the first column whose collation cannot be
// written after COLLATE, or nil.
func badCollation(cols []*Column) *Column {
	for _, col := range cols {
		if col.Collation != "" && !collationName(col.Collation) {
			return col
		}
	}
	return nil
}

func collationReason(col *Column) string {
	return fmt.Sprintf("column %s has the collation %q, which is no collation name", quoteIdent(col.Name), col.Collation)
}

func (c *Catalog) unscripted(kind, name, reason string) {
	c.Unscripted = append(c.Unscripted, Unscripted{Kind: kind, Name: name, Reason: reason})
}

// loginUser returns the user for a login that the module id executes as,
// or "" (see Module.loginUser).
func (c *Catalog) loginUser(id int64) string {
	if m := c.modules[id]; m != nil {
		return m.loginUser
	}
	return ""
}

func (c *Catalog) qualified(id int64) string {
	if t := c.tables[id]; t != nil {
		return quoteName(t.Schema, t.Name)
	}
	if o := c.objects[id]; o != nil {
		return quoteName(o.schema, o.name)
	}
	return fmt.Sprintf("[object %d]", id)
}

func kindOfModule(typ string) string {
	switch typ {
	case "V":
		return "view"
	case "P", "PC":
		return "procedure"
	case "FN", "IF", "TF", "FS", "FT":
		return "function"
	case "TR", "TA":
		return "trigger"
	case "AF":
		return "aggregate"
	}
	return "module"
}
