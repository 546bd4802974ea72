package sample

import (
	"sort"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// result is a result set under construction.
type result struct {
	cols []mssqltest.Column
	rows [][]any
}

// newResult declares result columns as "name:kind" with kind i (int),
// b (bigint), t (tinyint), h (smallint), f (bit), s (nvarchar(128)),
// S (nvarchar(max)), d (datetime), F (float) or v (sql_variant). All are
// nullable.
func newResult(specs ...string) *result {
	r := &result{}
	for _, s := range specs {
		name, kind, _ := strings.Cut(s, ":")
		c := mssqltest.Column{Name: name, Nullable: true}
		switch kind {
		case "i":
			c.Type = mssqltest.TypeInt
		case "b":
			c.Type = mssqltest.TypeBigInt
		case "t":
			c.Type = mssqltest.TypeTinyInt
		case "h":
			c.Type = mssqltest.TypeSmallInt
		case "f":
			c.Type = mssqltest.TypeBit
		case "s":
			c.Type, c.Length = mssqltest.TypeNVarChar, 128
		case "S":
			c.Type, c.Length = mssqltest.TypeNVarChar, mssqltest.MaxLength
		case "v":
			c.Type = mssqltest.TypeVariant
		case "d":
			c.Type = mssqltest.TypeDateTime
		case "F":
			c.Type = mssqltest.TypeFloat
		default:
			panic("sample: bad column kind " + s)
		}
		r.cols = append(r.cols, c)
	}
	return r
}

func (r *result) add(vals ...any) {
	if len(vals) != len(r.cols) {
		panic("sample: row does not match columns")
	}
	r.rows = append(r.rows, vals)
}

func (r *result) send(w mssqltest.ResultWriter) error {
	if err := w.Columns(r.cols); err != nil {
		return err
	}
	for _, row := range r.rows {
		if err := w.Row(row...); err != nil {
			return err
		}
	}
	return nil
}

// nullStr returns nil for "" so that an empty model field is NULL.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func (db *DB) schemaID(name string) int64 {
	if name == "dbo" {
		return 1
	}
	for _, s := range db.Schemas {
		if s.Name == name {
			return s.ID
		}
	}
	return 1
}

// allTables returns the tables and the bodies of table types.
func (db *DB) allTables() []*Table {
	all := append([]*Table(nil), db.Tables...)
	for _, tt := range db.TableTypes {
		all = append(all, tt.Table)
	}
	return all
}

func (db *DB) serverResult() *result { return db.version().serverResult(db.Name) }

// serverResult answers the server query as version v, connected to
// database.
func (v Version) serverResult(database string) *result {
	r := newResult("product_version:s", "edition:s", "engine_edition:i", "version:S", "database_name:s")
	r.add(v.ProductVersion, v.Edition, int64(v.EngineEdition), v.VersionString, database)
	return r
}

// AnswerServer answers the server query (/* sqlvault:server */, which
// mssql.ReadServer sends) as a server of version v whose current database
// is database: the restore target (mssqltest/target) answers it so too.
func (v Version) AnswerServer(w mssqltest.ResultWriter, database string) error {
	return v.serverResult(database).send(w)
}

func (db *DB) databaseResult() *result {
	r := newResult("name:s", "collation_name:s", "compatibility_level:t", "snapshot_isolation_state:t",
		"is_read_committed_snapshot_on:f", "recovery_model_desc:s", "is_ansi_nulls_on:f", "is_ansi_padding_on:f",
		"is_ansi_warnings_on:f", "is_arithabort_on:f", "is_concat_null_yields_null_on:f", "is_quoted_identifier_on:f",
		"is_numeric_roundabort_on:f", "is_recursive_triggers_on:f", "is_read_only:f", "state_desc:s")
	si := int64(0)
	if db.SnapshotIsolation {
		si = 1
	}
	o := db.Options
	r.add(db.Name, db.Collation, int64(db.Compatibility), si, o.ReadCommittedSnapshot, "FULL", o.AnsiNulls, o.AnsiPadding,
		o.AnsiWarnings, o.ArithAbort, o.ConcatNullYieldsNull, o.QuotedIdentifier, o.NumericRoundAbort, o.RecursiveTriggers,
		false, "ONLINE")
	return r
}

func (db *DB) objectsResult() *result {
	r := newResult("object_id:i", "schema_name:s", "name:s", "type:s", "parent_object_id:i", "principal_id:i")
	for _, o := range db.objects {
		typ := o.typ
		if len(typ) == 1 {
			typ += " " // sys.objects.type is char(2)
		}
		var owner any
		if o.owner != "" {
			owner = db.principalID(o.owner)
		}
		r.add(o.id, o.schema, o.name, typ, o.parent, owner)
	}
	return r
}

func (db *DB) schemasResult() *result {
	r := newResult("schema_id:i", "name:s", "principal_id:i", "owner_name:s")
	for _, s := range db.Schemas {
		r.add(s.ID, s.Name, db.principalID(s.Owner), s.Owner)
	}
	return r
}

func (db *DB) typesResult() *result {
	r := newResult("user_type_id:i", "schema_name:s", "name:s", "base_type:s", "max_length:h", "precision:t",
		"scale:t", "collation_name:s", "is_nullable:f", "is_table_type:f", "is_assembly_type:f", "type_table_object_id:i",
		"table_type_memory_optimized:f", "principal_id:i")
	for _, t := range db.Types {
		ct := parseType(t.Base)
		coll := any(nil)
		if isChar(ct.name) {
			coll = db.Collation
		}
		r.add(t.ID, t.Schema, t.Name, ct.name, int64(ct.maxLength), int64(ct.precision), int64(ct.scale), coll, t.Nullable, false, false, nil, nil, nil)
	}
	for _, t := range db.TableTypes {
		r.add(t.ID, t.Schema, t.Name, "sysname", int64(-1), int64(0), int64(0), nil, false, true, false, t.ObjectID, t.MemoryOptimized, nil)
	}
	return r
}

func isChar(name string) bool {
	switch name {
	case "char", "varchar", "text", "nchar", "nvarchar", "ntext":
		return true
	}
	return false
}

func (db *DB) tablesResult() *result {
	r := newResult("object_id:i", "schema_name:s", "name:s", "temporal_type:t", "history_table_id:i",
		"is_memory_optimized:f", "is_external:f", "is_node:f", "is_edge:f", "is_filetable:f", "uses_ansi_nulls:f",
		"history_retention_period:i", "history_retention_period_unit_desc:S", "durability:t")
	for _, t := range db.Tables {
		hist := any(nil)
		if t.History != "" {
			hist = db.lookup(t.History)
		}
		// NULL but for system-versioned tables, whose default is INFINITE.
		var retention, unit any
		if t.Temporal == 2 {
			retention, unit = int64(-1), "INFINITE"
			if t.RetentionUnit != "" {
				retention, unit = t.Retention, t.RetentionUnit
			}
		}
		r.add(t.ID, t.Schema, t.Name, int64(t.Temporal), hist, t.MemoryOptimized, false, t.Node, t.Edge, false, !t.AnsiNullsOff, retention, unit, t.durability())
	}
	return r
}

func (db *DB) columnsResult() *result {
	r := newResult("object_id:i", "column_id:i", "name:s", "is_ansi_padded:f", "type_name:s", "type_schema:s", "is_user_defined:f",
		"is_assembly_type:f", "system_type_name:s", "max_length:h", "precision:t", "scale:t", "collation_name:s",
		"is_nullable:f", "is_identity:f", "is_computed:f", "is_sparse:f", "is_column_set:f", "is_rowguidcol:f",
		"is_filestream:f", "xml_collection_id:i", "is_xml_document:f", "generated_always_type:t", "is_hidden:f",
		"identity_seed:s", "identity_increment:s", "identity_last_value:s", "identity_not_for_replication:f",
		"computed_definition:S", "is_persisted:f", "default_name:s", "default_definition:S")
	for _, t := range db.allTables() {
		for _, g := range graphColumns(t) {
			g.row(db, t, r)
		}
		for _, c := range t.Columns {
			typeName, typeSchema, userDefined := c.typ.name, "sys", false
			if c.alias != nil {
				typeName, typeSchema, userDefined = c.alias.Name, c.alias.Schema, true
			}
			coll := any(nil)
			if isChar(c.typ.name) {
				coll = db.Collation
				if c.Collation != "" {
					coll = c.Collation
				}
			}
			nullable := c.Nullable
			if c.alias != nil && !c.alias.Nullable && !c.Nullable {
				nullable = false
			}
			var seed, incr, last, nfr any
			if c.Identity {
				seed, incr, last, nfr = c.Seed, c.Incr, nullStr(c.Last), c.IdentityNFR
			}
			var comp, pers any
			if c.Computed != "" {
				comp, pers = c.Computed, c.Persisted
			}
			var dname, ddef any
			if c.Default != "" {
				dname, ddef = c.DefaultName, c.Default
			}
			// is_ansi_padded: 1 for character, binary and variant columns
			// created with ANSI_PADDING ON, 0 for the others.
			padded := !c.AnsiPaddingOff && (isChar(c.typ.name) || c.typ.name == "binary" || c.typ.name == "varbinary" ||
				c.typ.name == "image" || c.typ.name == "sql_variant")
			xmlColl := int64(0)
			if c.XMLCollection != "" {
				xmlColl = db.xmlCollection(c.XMLCollection).id
			}
			r.add(t.ID, c.id, c.Name, padded, typeName, typeSchema, userDefined, c.typ.isAssembly(), c.typ.name,
				int64(c.typ.maxLength), int64(c.typ.precision), int64(c.typ.scale), coll,
				nullable, c.Identity, c.Computed != "", c.Sparse, c.ColumnSet, c.RowGUID, false, xmlColl, c.XMLDocument,
				int64(c.GeneratedAlways), c.Hidden, seed, incr, last, nfr, comp, pers, dname, ddef)
		}
	}
	return r
}

// indexSets returns every (object id, index) of tables, table types and
// views.
func (db *DB) indexSets(fn func(objectID int64, ix *Index, cols []*Column)) {
	for _, t := range db.allTables() {
		for _, ix := range t.Indexes {
			fn(t.ID, ix, t.Columns)
		}
	}
	for _, m := range db.Modules {
		for _, ix := range m.Indexes {
			fn(m.ID, ix, nil)
		}
	}
}

func (db *DB) indexesResult() *result {
	r := newResult("object_id:i", "index_id:i", "name:s", "type:t", "is_unique:f", "is_primary_key:f",
		"is_unique_constraint:f", "ignore_dup_key:f", "fill_factor:t", "is_padded:f", "is_disabled:f",
		"allow_row_locks:f", "allow_page_locks:f", "has_filter:f", "filter_definition:S")
	db.indexSets(func(oid int64, ix *Index, _ []*Column) {
		r.add(oid, ix.id, ix.Name, int64(ix.Type), ix.Unique || ix.PrimaryKey || ix.UniqueConstraint, ix.PrimaryKey,
			ix.UniqueConstraint, ix.IgnoreDupKey, int64(ix.FillFactor), ix.Padded, ix.Disabled, !ix.NoRowLocks,
			!ix.NoPageLocks, ix.Filter != "", nullStr(ix.Filter))
	})
	return r
}

func (db *DB) indexColumnsResult() *result {
	r := newResult("object_id:i", "index_id:i", "index_column_id:i", "key_ordinal:t", "is_descending_key:f",
		"is_included_column:f", "column_name:s")
	db.indexSets(func(oid int64, ix *Index, _ []*Column) {
		n := int64(0)
		ordinal := int64(0)
		for _, k := range ix.Keys {
			name, desc := strings.CutSuffix(k, " DESC")
			for _, col := range db.indexColumnNames(oid, name) {
				n++
				ordinal++
				r.add(oid, ix.id, n, ordinal, desc, false, col)
			}
		}
		for _, c := range ix.Included {
			n++
			r.add(oid, ix.id, n, int64(0), false, true, c)
		}
	})
	return r
}

func (db *DB) foreignKeysResult() *result {
	r := newResult("object_id:i", "name:s", "parent_object_id:i", "referenced_object_id:i",
		"delete_referential_action:t", "update_referential_action:t", "is_disabled:f", "is_not_trusted:f",
		"is_not_for_replication:f")
	for _, t := range db.Tables {
		for _, fk := range t.FKs {
			r.add(fk.id, fk.Name, t.ID, db.lookup(fk.RefTable), int64(fk.OnDelete), int64(fk.OnUpdate),
				fk.Disabled, fk.NotTrusted || fk.Disabled, false)
		}
	}
	return r
}

func (db *DB) foreignKeyColumnsResult() *result {
	r := newResult("constraint_object_id:i", "constraint_column_id:i", "parent_column:s", "referenced_column:s")
	for _, t := range db.Tables {
		for _, fk := range t.FKs {
			for i := range fk.Columns {
				r.add(fk.id, int64(i+1), fk.Columns[i], fk.RefColumns[i])
			}
		}
	}
	return r
}

func (db *DB) checksResult() *result {
	r := newResult("object_id:i", "name:s", "parent_object_id:i", "parent_column_id:i", "definition:S",
		"is_disabled:f", "is_not_trusted:f", "is_not_for_replication:f")
	for _, t := range db.allTables() {
		for _, ck := range t.Checks {
			col := int64(0)
			for _, c := range t.Columns {
				if c.Name == ck.Column {
					col = c.id
				}
			}
			r.add(ck.id, ck.Name, t.ID, col, ck.Definition, ck.Disabled, ck.NotTrusted || ck.Disabled, false)
		}
	}
	return r
}

func (db *DB) modulesResult() *result {
	r := newResult("object_id:i", "schema_name:s", "name:s", "type:s", "parent_object_id:i", "definition:S",
		"uses_ansi_nulls:f", "uses_quoted_identifier:f", "is_schema_bound:f", "execute_as_principal_id:i",
		"trigger_disabled:f", "is_instead_of_trigger:f")
	for _, m := range db.Modules {
		var def, an, qi, sb any
		clr := m.Type == "FS" || m.Type == "FT" || m.Type == "PC" || m.Type == "TA" || m.Type == "AF"
		if !m.Encrypted && !clr {
			def, an, qi, sb = m.Definition, m.AnsiNulls, m.QuotedIdentifier, m.SchemaBound
		} else if !clr {
			an, qi, sb = m.AnsiNulls, m.QuotedIdentifier, false
		}
		var dis, io any
		parent := int64(0)
		if m.Type == "TR" {
			dis, io = m.Disabled, m.InsteadOf
			parent = db.lookup(m.Parent)
		}
		typ := m.Type
		if len(typ) == 1 {
			typ += " "
		}
		var execAs any
		switch m.ExecuteAs {
		case "":
		case "OWNER":
			execAs = int64(-2)
		default:
			execAs = db.principalID(m.ExecuteAs)
		}
		r.add(m.ID, m.Schema, m.Name, typ, parent, def, an, qi, sb, execAs, dis, io)
	}
	return r
}

func (db *DB) sequencesResult() *result {
	r := newResult("object_id:i", "schema_name:s", "name:s", "type_name:s", "type_schema:s", "is_user_defined:f", "precision:t", "start_value:s",
		"increment:s", "minimum_value:s", "maximum_value:s", "is_cycling:f", "is_cached:f", "cache_size:i",
		"is_exhausted:f", "last_used_value:s")
	for _, s := range db.Sequences {
		var cache any
		if s.CacheSize != "" {
			n := int64(0)
			for _, c := range s.CacheSize {
				n = n*10 + int64(c-'0')
			}
			cache = n
		}
		// TYPE_NAME gives the bare name (decimal); precision the digits.
		t := parseType(s.Type)
		r.add(s.ID, s.Schema, s.Name, t.name, "sys", false, int64(t.precision), s.Start, s.Increment, s.Min, s.Max,
			s.Cycle, s.Cached, cache, false, nullStr(s.LastUsed))
	}
	return r
}

func (db *DB) synonymsResult() *result {
	r := newResult("object_id:i", "schema_name:s", "name:s", "base_object_name:S")
	for _, s := range db.Synonyms {
		r.add(s.ID, s.Schema, s.Name, s.Base)
	}
	return r
}

func (db *DB) periodsResult() *result {
	r := newResult("object_id:i", "name:s", "start_column:s", "end_column:s")
	for _, t := range db.Tables {
		if t.Period[0] != "" {
			r.add(t.ID, "SYSTEM_TIME", t.Period[0], t.Period[1])
		}
	}
	return r
}

func (db *DB) dependenciesResult() *result {
	r := newResult("referencing_id:i", "referencing_minor_id:i", "referenced_id:i", "referenced_minor_id:i", "referenced_class:t")
	type dep struct{ from, minor, to, class int64 }
	var deps []dep
	addRefs := func(from, minor int64, refs []string) {
		for _, ref := range refs {
			if id := db.lookup(ref); id != 0 {
				deps = append(deps, dep{from, minor, id, 1})
			}
		}
	}
	for _, t := range db.Tables {
		for _, c := range t.Columns {
			// A computed column's references are the table's, with the
			// column as referencing_minor_id.
			addRefs(t.ID, c.id, c.ComputedRefs)
			if c.default_ != 0 {
				addRefs(c.default_, 0, c.DefaultObjectRefs)
			}
		}
		for _, ck := range t.Checks {
			addRefs(ck.id, 0, ck.References)
		}
	}
	for _, m := range db.Modules {
		addRefs(m.ID, 0, m.References)
		for _, tr := range m.TypeReferences {
			for _, tt := range db.TableTypes {
				if strings.EqualFold(tt.Schema+"."+tt.Name, tr) {
					deps = append(deps, dep{m.ID, 0, tt.ID, 6})
				}
			}
			if a := db.aliasType(tr); a != nil {
				deps = append(deps, dep{m.ID, 0, a.ID, 6})
			}
		}
	}
	for _, s := range db.Sequences {
		addRefs(s.ID, 0, s.References)
	}
	for _, d := range deps {
		r.add(d.from, d.minor, d.to, int64(0), d.class)
	}
	return r
}

func (db *DB) extPropsResult() *result {
	r := newResult("class:t", "major_id:i", "minor_id:i", "name:s", "value:v", "base_type:s", "base_precision:i",
		"base_scale:i", "base_max_length:i", "sub_name:S")
	for _, p := range db.ExtProps {
		class, major, minor := int64(0), int64(0), int64(0)
		var subName any // sub_name: NULL unless the target names a column, parameter or principal
		kind, rest, _ := strings.Cut(p.Target, ":")
		switch kind {
		case "":
		case "parameter": // S.P.@name: its minor_id is its position, 1 here
			i := strings.LastIndexByte(rest, '.')
			class, major, minor, subName = 2, db.lookup(rest[:i]), 1, rest[i+1:]
		case "principal":
			class, major, subName = 4, db.principalID(rest), rest
		case "typecolumn": // S.T.col of a table type
			i := strings.LastIndexByte(rest, '.')
			class, subName = 8, rest[i+1:]
			for _, tt := range db.TableTypes {
				if strings.EqualFold(tt.Schema+"."+tt.Name, rest[:i]) {
					major = tt.ID
					for _, c := range tt.Table.Columns {
						if c.Name == rest[i+1:] {
							minor = c.id
						}
					}
				}
			}
		case "viewcolumn": // S.V.col: its minor_id is its position, 1 here
			i := strings.LastIndexByte(rest, '.')
			class, major, minor, subName = 1, db.lookup(rest[:i]), 1, rest[i+1:]
		case "schema":
			class, major = 3, db.schemaID(rest)
		case "xmlcollection": // S.C: class 10, its xml_collection_id
			class, major = 10, db.xmlCollection(rest).id
		case "dbtrigger": // a DDL trigger ON DATABASE: class 1, its object id
			for i, tr := range db.DatabaseTriggers {
				if tr.Name == rest {
					class, major = 1, int64(900+i)
				}
			}
		case "type":
			class = 6
			if a := db.aliasType(rest); a != nil {
				major = a.ID
			}
		case "object":
			class, major = 1, db.lookup(rest)
		case "column", "index":
			i := strings.LastIndexByte(rest, '.')
			obj, sub := rest[:i], rest[i+1:]
			class, major = 1, db.lookup(obj)
			if t := db.table(obj); t != nil {
				if kind == "column" {
					for _, c := range t.Columns {
						if c.Name == sub {
							minor, subName = c.id, sub
						}
					}
				} else {
					class = 7
					for _, ix := range t.Indexes {
						if ix.Name == sub {
							minor = ix.id
						}
					}
				}
			}
		}
		base, prec, scale, ml := variantProps(p.Value)
		r.add(class, major, minor, p.Name, p.Value, base, prec, scale, ml, subName)
	}
	return r
}

func (db *DB) assembliesResult() *result {
	r := newResult("assembly_id:i", "name:s")
	for i, a := range db.Assemblies {
		r.add(int64(65536+i), a)
	}
	return r
}

func (db *DB) databaseFilesResult() *result {
	r := newResult("name:s", "physical_name:S")
	r.add(db.Name, "/var/opt/mssql/data/"+db.Name+".mdf")
	return r
}

// storage calls fn for the heap (index_id 0, ix nil) or every index of
// the tables and indexed views (the objects of type U and V).
func (db *DB) storage(fn func(objectID int64, t *Table, indexID int64, ix *Index)) {
	for _, t := range db.Tables {
		if !hasClustered(t) {
			fn(t.ID, t, 0, nil)
		}
		for _, ix := range t.Indexes {
			fn(t.ID, t, ix.id, ix)
		}
	}
	for _, m := range db.Modules {
		for _, ix := range m.Indexes {
			fn(m.ID, nil, ix.id, ix)
		}
	}
}

// statsResult answers qStats: one row per column of user-created
// statistics.
func (db *DB) statsResult() *result {
	r := newResult("object_id:i", "stats_id:i", "name:s", "no_recompute:f", "has_filter:f", "filter_definition:S",
		"stats_column_id:i", "column_name:s")
	for _, t := range db.Tables {
		for _, st := range t.Stats {
			for i, c := range st.Columns {
				r.add(t.ID, st.id, st.Name, st.NoRecompute, st.Filter != "", nullStr(st.Filter), int64(i+1), c)
			}
		}
	}
	return r
}

// xmlCollection returns the XML schema collection "schema.name".
func (db *DB) xmlCollection(qname string) *XMLSchemaCollection {
	for _, x := range db.XMLSchemaCollections {
		if strings.EqualFold(x.Schema+"."+x.Name, qname) {
			return x
		}
	}
	panic("sample: no XML schema collection " + qname)
}

// xmlSchemaCollectionsResult answers sqlvault:xml_schema_collections,
// ordered by schema and name.
func (db *DB) xmlSchemaCollectionsResult() *result {
	r := newResult("xml_collection_id:i", "schema_name:s", "name:s", "principal_id:i", "definition:S")
	xs := append([]*XMLSchemaCollection(nil), db.XMLSchemaCollections...)
	sort.Slice(xs, func(i, j int) bool {
		if xs[i].Schema != xs[j].Schema {
			return xs[i].Schema < xs[j].Schema
		}
		return xs[i].Name < xs[j].Name
	})
	for _, x := range xs {
		var owner any // NULL: the schema's owner
		if x.Owner != "" {
			owner = db.principalID(x.Owner)
		}
		r.add(x.id, x.Schema, x.Name, owner, nullStr(x.Definition))
	}
	return r
}
