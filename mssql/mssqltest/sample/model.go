// Package sample serves a sample database from an in-memory model through
// mssqltest: it answers the tagged catalog queries of the scripter in
// package mssql (/* sqlvault:NAME */) with the rows SQL Server's catalog
// views would return for the same database, and its data queries
// (/* sqlvault:data [schema].[table] */) with rows generated on the fly, so
// that tables of millions of rows cost no memory.
//
// The model covers every data type at its edge values and every object
// kind the scripter handles; testdata/mssql/sample.sql creates the same
// database on a real SQL Server.
package sample

import (
	"strings"
)

// DB is the model of one database.
type DB struct {
	Name              string
	Collation         string
	Compatibility     int
	SnapshotIsolation bool
	// DatabaseSnapshots lets CREATE DATABASE ... AS SNAPSHOT OF succeed.
	DatabaseSnapshots bool
	// Version is the version the database is served as (As sets it);
	// the zero Version is SQL Server 2022's.
	Version Version
	// Options are the other options of sys.databases; ScopedConfigs the
	// database scoped configurations other than the default; QueryStore
	// the Query Store settings (nil: no row).
	Options       Options
	ScopedConfigs []ScopedConfig
	QueryStore    *QueryStore

	Schemas    []*Schema
	Types      []*AliasType
	TableTypes []*TableType
	Sequences  []*Sequence
	Tables     []*Table
	Modules    []*Module
	Synonyms   []*Synonym
	ExtProps   []*ExtProp
	Assemblies []string
	// Other lists objects of kinds the scripter does not handle
	// (sys.objects rows only).
	Other []*Other
	// DatabaseTriggers are the database-level DDL triggers.
	DatabaseTriggers []*DatabaseTrigger
	// Principals are the users and roles of the database; the built-in
	// ones (public, dbo, guest, INFORMATION_SCHEMA, sys, the fixed roles)
	// are always there.
	Principals []*Principal
	// Permissions are granted, denied or revoked explicitly; the default
	// ones of a new database, and CONNECT for every user, are added.
	Permissions []*Permission
	// PartitionFunctions and PartitionSchemes partition tables and
	// indexes (Table.Scheme, Index.Scheme).
	PartitionFunctions []*PartitionFunction
	PartitionSchemes   []*PartitionScheme
	// Filegroups are the filegroups other than PRIMARY, which always
	// holds the database's data file.
	Filegroups []*Filegroup
	// FulltextCatalogs and FulltextStoplists are the full-text catalogs
	// and stoplists (Table.FullText the full-text indexes).
	FulltextCatalogs  []*FulltextCatalog
	FulltextStoplists []*FulltextStoplist
	// SecurityPolicies are row-level security policies (AddSecurityPolicy
	// adds one to a built database).
	SecurityPolicies []*SecurityPolicy
	// XMLSchemaCollections are the XML schema collections
	// (Column.XMLCollection types a column by one).
	XMLSchemaCollections []*XMLSchemaCollection
	// ChangeTracking turns change tracking on (Table.ChangeTracked for
	// tables); CDC are the capture instances of change data capture (nil:
	// off); NumberedProcedures the procedures ;2 and up; Broker the user
	// Service Broker message types, contracts and routes; Entities the
	// rows of the database_entities query (features.go).
	ChangeTracking     *ChangeTracking
	CDC                []*CaptureInstance
	NumberedProcedures []*NumberedProcedure
	Broker             []*BrokerObject
	Entities           []*Entity

	objects []*objRow
	nextID  int64
}

// Schema is a schema.
type Schema struct {
	ID    int64
	Name  string
	Owner string
}

// Principal is a database user or role.
type Principal struct {
	Name          string
	Type          string // S (a user), U or G (a Windows user or group) or R (a role)
	Auth          string // users: NONE (without login) or INSTANCE (mapped to a login)
	Login         string // INSTANCE users: the login's name as sys.server_principals shows it, "" when it does not (not visible, or dropped)
	DefaultSchema string // users: "" for dbo
	Owner         string // roles: "" for dbo
	MemberOf      []string
	NoConnect     bool // a user whose CONNECT was revoked

	id int64
}

// Permission is a row of sys.database_permissions. On is "" for the
// database, "schema:S", "object:S.N", "column:S.N.C", "type:S.N",
// "xmlcollection:S.N" or "user:NAME".
type Permission struct {
	State string // G, W (with grant option), D or R
	Name  string
	On    string
	To    string
}

// PartitionFunction is a partition function.
type PartitionFunction struct {
	Name       string
	Type       string // the parameter's system type declaration, "date"
	Collation  string // a character parameter's collation; "" for the database's
	RangeRight bool
	// Boundaries are the boundary values, of Type's Go value (as
	// mssqltest takes them).
	Boundaries []any
}

// PartitionScheme is a partition scheme and its function.
type PartitionScheme struct {
	Name     string
	Function string
	// Filegroups are the filegroups of the partitions in order (one
	// more is the NEXT USED one); nil puts every partition on PRIMARY.
	Filegroups []string
}

// Filegroup is a filegroup and its files.
type Filegroup struct {
	Name    string
	Default bool
	Files   []File
}

// File is a data file of a filegroup.
type File struct {
	Name         string
	PhysicalName string
	Pages        int64 // size in 8-KB pages
}

// Stats is a user-created statistics object.
type Stats struct {
	Name        string
	Columns     []string
	Filter      string
	NoRecompute bool

	id int64
}

// AliasType is CREATE TYPE ... FROM base.
type AliasType struct {
	ID       int64
	Schema   string
	Name     string
	Base     string // type declaration, e.g. "varchar(20)"
	Nullable bool
}

// TableType is CREATE TYPE ... AS TABLE.
type TableType struct {
	ID       int64
	Schema   string
	Name     string
	ObjectID int64
	Table    *Table
	// MemoryOptimized makes a memory-optimized table type (SQL Server
	// 2014).
	MemoryOptimized bool
}

// Sequence is a sequence.
type Sequence struct {
	ID         int64
	Schema     string
	Name       string
	Type       string
	Start      string
	Increment  string
	Min, Max   string
	Cycle      bool
	Cached     bool
	CacheSize  string // "" for the default
	LastUsed   string // "" if never used
	References []string
}

// Column is a column.
type Column struct {
	Name      string
	Type      string // system type declaration, or an alias type "schema.name"
	Nullable  bool
	Collation string // "" means the database default for character types

	Identity          bool
	Seed, Incr, Last  string
	IdentityNFR       bool
	Computed          string
	ComputedRefs      []string // objects the computed column refers to ("schema.name")
	Persisted         bool
	Default           string
	DefaultName       string
	DefaultObjectRefs []string // objects the default refers to ("schema.name")
	Sparse            bool
	ColumnSet         bool
	RowGUID           bool
	GeneratedAlways   int // 1 start, 2 end
	Hidden            bool
	AnsiPaddingOff    bool // created with SET ANSI_PADDING OFF
	// Masked is the masking function of a masked column (dynamic data
	// masking), "default()" or "email()"; "" when not masked. The sample
	// server sends the values unmasked whatever the login may do: it
	// models the catalog the scripter checks, not the masking.
	Masked string
	// XMLCollection types an xml column: "schema.name" of an
	// XMLSchemaCollection; XMLDocument is DOCUMENT (else CONTENT).
	XMLCollection string
	XMLDocument   bool
	// Encrypted makes it an Always Encrypted column.
	Encrypted *Encryption

	id       int64
	typ      colType
	alias    *AliasType
	default_ int64
}

// Index is an index; PrimaryKey and Unique constraint indexes too.
type Index struct {
	Name string
	Type int // 1 clustered, 2 nonclustered, 3 XML, 4 spatial, 5 CCI, 6 NCCI, 7 hash
	// BucketCount is a hash index's BUCKET_COUNT (sys.hash_indexes).
	BucketCount      int64
	Unique           bool
	PrimaryKey       bool
	UniqueConstraint bool
	Keys             []string // "col" or "col DESC"
	Included         []string
	Filter           string
	FillFactor       int
	Padded           bool
	IgnoreDupKey     bool
	NoRowLocks       bool
	NoPageLocks      bool
	Disabled         bool
	// Compression is the data compression of each partition (one for an
	// unpartitioned index); nil is the default (NONE, or COLUMNSTORE).
	Compression []string
	Scheme      string // the partition scheme the index is on, if any
	// NoRecompute is STATISTICS_NORECOMPUTE, SequentialKey
	// OPTIMIZE_FOR_SEQUENTIAL_KEY, CompressionDelay a columnstore index's
	// COMPRESSION_DELAY (minutes), Order the ORDER columns of an ordered
	// columnstore index.
	NoRecompute      bool
	SequentialKey    bool
	CompressionDelay int64
	Order            []string
	// PartitionColumn is the partitioning column on Scheme.
	PartitionColumn string
	// Filegroup is the filegroup the index is on when not on a scheme;
	// "" for PRIMARY.
	Filegroup string
	// Column is the indexed column of an XML (Type 3) or spatial (Type
	// 4) index. A secondary XML index names its primary XML index
	// (XMLPrimary) and its type (XMLFor: PATH, VALUE or PROPERTY);
	// Selective makes an XML index a selective one (xml_index_type 2,
	// modelled without its paths). Spatial is a spatial index's
	// tessellation.
	Column     string
	XMLPrimary string
	XMLFor     string
	Selective  bool
	Spatial    *Tessellation

	id       int64
	objectID int64 // constraint object, if any
}

// Tessellation is a row of sys.spatial_index_tessellations.
type Tessellation struct {
	Scheme         string    // GEOMETRY_GRID, GEOGRAPHY_GRID, GEOMETRY_AUTO_GRID or GEOGRAPHY_AUTO_GRID
	Box            []float64 // xmin, ymin, xmax, ymax of a geometry scheme; nil for geography
	Grids          [4]string // LOW, MEDIUM or HIGH by level of a manual grid; "" for AUTO_GRID
	CellsPerObject int
}

// FK is a foreign key.
type FK struct {
	Name       string
	Columns    []string
	RefTable   string // "schema.name"
	RefColumns []string
	OnDelete   int
	OnUpdate   int
	Disabled   bool
	NotTrusted bool
	id         int64
}

// Check is a check constraint.
type Check struct {
	Name       string
	Column     string // "" for a table-level check
	Definition string
	Disabled   bool
	NotTrusted bool
	References []string
	id         int64
}

// Table is a table.
type Table struct {
	ID       int64
	Schema   string
	Name     string
	Columns  []*Column
	Indexes  []*Index
	FKs      []*FK
	Checks   []*Check
	Temporal int // 1 history, 2 system-versioned
	// Retention and RetentionUnit are a system-versioned table's
	// HISTORY_RETENTION_PERIOD; INFINITE when RetentionUnit is "".
	Retention       int64
	RetentionUnit   string
	History         string // "schema.name" of the history table
	Period          [2]string
	MemoryOptimized bool
	// Durability is SCHEMA_ONLY for a memory-optimized table whose rows
	// are not kept ("" for SCHEMA_AND_DATA).
	Durability  string
	Compression string // a heap's data compression (every partition); "" for NONE
	// Scheme, PartitionColumn and Filegroup place a heap as Index's
	// place an index; LobFilegroup holds its LOB data when not where its
	// rows are.
	Scheme          string
	PartitionColumn string
	Filegroup       string
	LobFilegroup    string
	Stats           []*Stats
	FullText        *FulltextIndex // the table's full-text index, if any
	AnsiNullsOff    bool           // created with SET ANSI_NULLS OFF
	// LockEscalation is AUTO or DISABLE ("" for TABLE);
	// LargeValuesOutOfRow and TextInRow (its limit, 0 for off) are the
	// sp_tableoption options.
	LockEscalation      string
	LargeValuesOutOfRow bool
	TextInRow           int64
	// ChangeTracked is change tracking on the table (with DB.ChangeTracking),
	// TrackColumnsUpdated its TRACK_COLUMNS_UPDATED; Ledger makes it a
	// ledger table.
	ChangeTracked       bool
	TrackColumnsUpdated bool
	Ledger              *Ledger

	// Node and Edge make a graph node or edge table (SQL Server 2017;
	// graph.go): NodeIDs are a node table's graph ids by row (nil: the
	// row's position), Ends an edge table's ends by row, EdgeConstraints
	// its edge constraints (SQL Server 2019).
	Node, Edge      bool
	NodeIDs         []int64
	Ends            [][2]NodeRef
	EdgeConstraints []*EdgeConstraint

	// Rows are the rows in key order, one value per column (computed and
	// rowversion columns are ignored); Gen generates them instead when
	// set, for NRows rows.
	Rows  [][]any
	Gen   func(i int64) []any
	NRows int64

	tableType bool
}

// Module is a view, function, procedure or trigger.
type Module struct {
	ID               int64
	Schema           string
	Name             string
	Type             string // V, P, FN, IF, TF, TR, or a CLR kind (FS, PC, ...)
	Parent           string // triggers: "schema.table"
	Definition       string // "" with Encrypted
	Encrypted        bool
	AnsiNulls        bool
	QuotedIdentifier bool
	SchemaBound      bool
	Disabled         bool
	InsteadOf        bool
	References       []string // objects the definition refers to
	TypeReferences   []string // types it refers to
	Indexes          []*Index // indexed views
	Owner            string   // an owner other than the schema's (ALTER AUTHORIZATION)
	ExecuteAs        string   // the user of EXECUTE AS 'user', "OWNER", or "" for CALLER
	// Order are the events a trigger fires first or last for
	// (sp_settriggerorder).
	Order []TriggerOrder
}

// TriggerOrder is a row of sys.trigger_events with is_first or is_last.
type TriggerOrder struct {
	Event string // INSERT, UPDATE, DELETE or a DDL event
	First bool   // else Last
}

// DatabaseTrigger is a DDL trigger ON DATABASE (created with ANSI_NULLS
// and QUOTED_IDENTIFIER ON).
type DatabaseTrigger struct {
	Name       string
	Definition string
	Disabled   bool
	Order      []TriggerOrder
	Encrypted  bool // no definition
	CLR        bool // type TA, no definition
}

// FulltextCatalog is a full-text catalog.
type FulltextCatalog struct {
	Name            string
	Default         bool
	AccentSensitive bool
	Owner           string // "" for dbo
}

// FulltextStoplist is a full-text stoplist; its words are
// "word/LCID".
type FulltextStoplist struct {
	Name  string
	Words []string
	Owner string // "" for dbo
}

// FulltextIndex is a full-text index.
type FulltextIndex struct {
	Catalog        string
	KeyIndex       string
	Columns        []FulltextColumn
	ChangeTracking string // AUTO, MANUAL or OFF
	NeverPopulated bool   // OFF, NO POPULATION
	Stoplist       string // "" for the system stoplist, "OFF", or a stoplist's name
	Disabled       bool
}

// FulltextColumn is a column of a full-text index.
type FulltextColumn struct {
	Name       string
	TypeColumn string
	Language   int
	Semantics  bool
}

// Synonym is a synonym.
type Synonym struct {
	ID     int64
	Schema string
	Name   string
	Base   string
}

// ExtProp is an extended property. Target is "" for the database,
// "dbtrigger:NAME" (a DDL trigger ON DATABASE), "schema:NAME", "type:S.N", "object:S.N", "column:S.N.COL",
// "index:S.N.IX" or "xmlcollection:S.N" (an XML schema collection).
type ExtProp struct {
	Target string
	Name   string
	Value  any // a string, or an mssqltest.Variant
}

// SecurityPolicy is a row-level security policy with filter and block
// predicates on tables ("schema.name"; a block predicate's may be
// followed by its operation: "schema.name AFTER INSERT"). The sample
// server returns every row whatever its filters: it models the catalog
// the scripter checks.
type SecurityPolicy struct {
	Schema   string
	Name     string
	Disabled bool
	Filters  []string
	Blocks   []string
	// Predicate is every predicate's function call as
	// sys.security_predicates normalizes it, "[s].[fn]([col])";
	// "[dbo].[fn_rls]([id])" when "".
	Predicate         string
	NotForReplication bool
	NoSchemaBinding   bool   // WITH (SCHEMABINDING = OFF)
	Owner             string // an owner other than the schema's (ALTER AUTHORIZATION)

	id int64
}

// XMLSchemaCollection is an XML schema collection. Definition is what
// XML_SCHEMA_NAMESPACE returns for it, as text ("" for NULL).
type XMLSchemaCollection struct {
	Schema     string
	Name       string
	Definition string
	Owner      string // an owner other than the schema's (ALTER AUTHORIZATION)

	id int64
}

// Other is an object of a kind the scripter does not script.
type Other struct {
	Schema string
	Name   string
	Type   string
}

// objRow is a row of sys.objects.
type objRow struct {
	id     int64
	schema string
	name   string
	typ    string
	parent int64
	owner  string
}

func (db *DB) newID() int64 {
	if db.nextID == 0 {
		db.nextID = 1000
	}
	db.nextID += 16
	return db.nextID
}

func (db *DB) addObject(schema, name, typ string, parent int64) int64 {
	id := db.newID()
	db.objects = append(db.objects, &objRow{id: id, schema: schema, name: name, typ: typ, parent: parent})
	return id
}

// lookup finds an object id by "schema.name".
func (db *DB) lookup(qname string) int64 {
	for _, o := range db.objects {
		if strings.EqualFold(o.schema+"."+o.name, qname) {
			return o.id
		}
	}
	return 0
}

func (db *DB) table(qname string) *Table {
	for _, t := range db.Tables {
		if strings.EqualFold(t.Schema+"."+t.Name, qname) {
			return t
		}
	}
	return nil
}

func (db *DB) aliasType(qname string) *AliasType {
	for _, t := range db.Types {
		if strings.EqualFold(t.Schema+"."+t.Name, qname) {
			return t
		}
	}
	return nil
}

// Build assigns ids and resolves names. New and Bench build their
// models; a test that changes one (adds a table or module) builds it
// again before serving it, which assigns every id anew.
func (db *DB) Build() {
	db.objects, db.nextID = nil, 0
	for i, s := range db.Schemas {
		s.ID = int64(5 + i)
	}
	utid := int64(257)
	for _, t := range db.Types {
		t.ID = utid
		utid++
	}
	for _, tt := range db.TableTypes {
		tt.ID = utid
		utid++
		tt.ObjectID = db.addObject(tt.Schema, "TT_"+tt.Name+"_"+itoa(tt.ID), "TT", 0)
		tt.Table.ID = tt.ObjectID
		tt.Table.tableType = true
	}
	for _, s := range db.Sequences {
		s.ID = db.addObject(s.Schema, s.Name, "SO", 0)
	}
	for _, t := range db.Tables {
		t.ID = db.addObject(t.Schema, t.Name, "U", 0)
	}
	for _, m := range db.Modules {
		m.ID = db.addObject(m.Schema, m.Name, m.Type, 0)
		db.objects[len(db.objects)-1].owner = m.Owner
	}
	for _, s := range db.Synonyms {
		s.ID = db.addObject(s.Schema, s.Name, "SN", 0)
	}
	for _, o := range db.Other {
		db.addObject(o.Schema, o.Name, o.Type, 0)
	}
	for _, p := range db.SecurityPolicies {
		p.id = db.addObject(p.Schema, p.Name, "SP", 0)
		db.objects[len(db.objects)-1].owner = p.Owner
	}
	all := append([]*Table(nil), db.Tables...)
	for _, tt := range db.TableTypes {
		all = append(all, tt.Table)
	}
	for _, t := range all {
		for i, c := range t.Columns {
			c.id = int64(i+1) + int64(len(graphColumns(t)))
			if a := db.aliasType(c.Type); a != nil {
				c.alias = a
				c.typ = parseType(a.Base)
			} else {
				c.typ = parseType(c.Type)
			}
			if c.Default != "" {
				c.default_ = db.addObject(t.Schema, c.DefaultName, "D", t.ID)
			}
		}
		for _, ix := range t.Indexes {
			switch {
			case ix.PrimaryKey:
				ix.objectID = db.addObject(t.Schema, ix.Name, "PK", t.ID)
			case ix.UniqueConstraint:
				ix.objectID = db.addObject(t.Schema, ix.Name, "UQ", t.ID)
			}
		}
		// Index ids: the clustered index (or heap) is 1 (0), others from
		// 2; statistics take the ids after the indexes'.
		next := int64(2)
		for _, ix := range t.Indexes {
			if ix.Type == 1 || ix.Type == 5 {
				ix.id = 1
			} else {
				ix.id = next
				next++
			}
		}
		for _, st := range t.Stats {
			st.id = next
			next++
		}
		for _, fk := range t.FKs {
			fk.id = db.addObject(t.Schema, fk.Name, "F", t.ID)
		}
		for _, ck := range t.Checks {
			ck.id = db.addObject(t.Schema, ck.Name, "C", t.ID)
		}
		for _, ec := range t.EdgeConstraints {
			ec.id = db.addObject(t.Schema, ec.Name, "EC", t.ID)
		}
	}
	for i, p := range db.Principals {
		p.id = int64(5 + i)
	}
	// User XML schema collections are numbered from 65536 (sys.sys is 1).
	for i, x := range db.XMLSchemaCollections {
		x.id = int64(65536 + i)
	}
	for _, m := range db.Modules {
		if m.Parent != "" {
			p := db.lookup(m.Parent)
			for _, o := range db.objects {
				if o.id == m.ID {
					o.parent = p
				}
			}
		}
		next := int64(1)
		for _, ix := range m.Indexes {
			ix.id = next
			next++
		}
	}
}

func hasClustered(t *Table) bool {
	for _, ix := range t.Indexes {
		if ix.Type == 1 || ix.Type == 5 {
			return true
		}
	}
	return false
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}
