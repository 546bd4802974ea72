package sample

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// Handler answers the scripter's queries for a set of databases. It
// implements mssqltest.Handler and mssqltest.TxHandler.
type Handler struct {
	mu        sync.Mutex
	dbs       map[string]*DB // by lower-case name
	snapshots map[string]*DB // database snapshots created by clients
	log       []string       // tags of the queries served, in order
	isolation []mssqltest.IsolationLevel
	// txIsolation is the isolation level of each connection's open
	// transaction, by connection id (checkMemoryRead).
	txIsolation map[uint64]mssqltest.IsolationLevel

	// DenySelect makes data queries of these tables ("schema.table")
	// fail with error 229, as a missing SELECT permission does.
	DenySelect map[string]bool
	// NoViewDefinition makes the permission check report that the login
	// lacks VIEW DEFINITION.
	NoViewDefinition bool
	// NoUnmask makes the login lack UNMASK on the database: it would read
	// masked columns (Column.Masked) masked, but those UnmaskColumns
	// names ("schema.table.column", SQL Server 2022's UNMASK on a
	// column).
	NoUnmask      bool
	UnmaskColumns map[string]bool
	// NoGranularUnmask answers as SQL Server 2016 to 2019, where UNMASK
	// is a permission of the database only: HAS_PERMS_BY_NAME on a column
	// gives NULL.
	NoGranularUnmask bool
}

// NewHandler returns a handler serving the given databases.
func NewHandler(dbs ...*DB) *Handler {
	h := &Handler{dbs: map[string]*DB{}, snapshots: map[string]*DB{}}
	for _, db := range dbs {
		h.dbs[strings.ToLower(db.Name)] = db
	}
	return h
}

// NewServer starts an mssqltest server for the handler; the login hook
// refuses databases the handler does not serve with error 4060.
func NewServer(h *Handler, opts ...mssqltest.Option) *mssqltest.Server {
	opts = append([]mssqltest.Option{LoginOption(h)}, opts...)
	return mssqltest.NewServer(h, opts...)
}

// LoginOption is the login hook of NewServer, for servers built with
// mssqltest.NewUnstartedServer.
func LoginOption(h *Handler) mssqltest.Option {
	return mssqltest.WithLoginHook(h.checkLogin)
}

func (h *Handler) checkLogin(l *mssqltest.Login) error {
	if h.database(l.Database) != nil || strings.EqualFold(l.Database, "master") || l.Database == "" {
		return nil
	}
	return &mssqltest.Error{Number: 4060, State: 1, Class: 11, Message: fmt.Sprintf(
		"Cannot open database \"%s\" requested by the login. The login failed.", l.Database)}
}

func (h *Handler) database(name string) *DB {
	h.mu.Lock()
	defer h.mu.Unlock()
	if db := h.dbs[strings.ToLower(name)]; db != nil {
		return db
	}
	return h.snapshots[strings.ToLower(name)]
}

// Replace serves db instead of the database of the same name, as if its
// content had changed.
func (h *Handler) Replace(db *DB) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dbs[strings.ToLower(db.Name)] = db
}

// Log returns the tags of the queries served so far ("sqlvault:columns",
// "sqlvault:data [dbo].[t]").
func (h *Handler) Log() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.log...)
}

// Isolation returns the isolation levels of the transactions begun.
func (h *Handler) Isolation() []mssqltest.IsolationLevel {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]mssqltest.IsolationLevel(nil), h.isolation...)
}

// Snapshots returns the names of the database snapshots that exist.
func (h *Handler) Snapshots() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var names []string
	for n := range h.snapshots {
		names = append(names, n)
	}
	return names
}

// Transaction implements mssqltest.TxHandler.
func (h *Handler) Transaction(ctx context.Context, tx *mssqltest.TxRequest) error {
	h.mu.Lock()
	switch tx.Op {
	case mssqltest.TxBegin:
		if h.txIsolation == nil {
			h.txIsolation = map[uint64]mssqltest.IsolationLevel{}
		}
		h.txIsolation[tx.Conn.ID] = tx.Isolation
	case mssqltest.TxCommit, mssqltest.TxRollback:
		delete(h.txIsolation, tx.Conn.ID)
	}
	h.mu.Unlock()
	if tx.Op == mssqltest.TxBegin {
		h.mu.Lock()
		h.isolation = append(h.isolation, tx.Isolation)
		h.mu.Unlock()
		if tx.Isolation == mssqltest.IsolationSnapshot {
			if db := h.database(tx.Conn.Database); db != nil && !db.SnapshotIsolation {
				return mssqltest.Errorf(3952, 16, "Snapshot isolation transaction failed accessing database '%s' because snapshot isolation is not allowed in this database. Use ALTER DATABASE to allow snapshot isolation.", db.Name)
			}
		}
	}
	return nil
}

// tagOf returns the tag of a query: "sqlvault:columns", or
// "sqlvault:data [s].[t]".
func tagOf(sql string) string {
	s := strings.TrimSpace(sql)
	if !strings.HasPrefix(s, "/* ") {
		return ""
	}
	end := strings.Index(s, " */")
	if end < 0 {
		return ""
	}
	return s[3:end]
}

// Query implements mssqltest.Handler.
func (h *Handler) Query(ctx context.Context, q *mssqltest.Request, w mssqltest.ResultWriter) error {
	tag := tagOf(q.SQL)
	if tag == "" && strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(q.SQL), ";"), "select 1") {
		// database/sql's Ping
		r := newResult("one:i")
		r.add(int64(1))
		return r.send(w)
	}
	h.mu.Lock()
	h.log = append(h.log, tag)
	h.mu.Unlock()
	db := h.database(q.Conn.Database)
	if db == nil {
		if tag == "sqlvault:databases" {
			r := newResult("name:s")
			h.mu.Lock()
			for _, d := range sortedDBs(h.dbs) {
				r.add(d.Name)
			}
			h.mu.Unlock()
			return r.send(w)
		}
		return mssqltest.Errorf(208, 16, "Invalid object name (no sample database is current; connect with database=NAME).")
	}
	if err := db.version().catalogError(q.SQL); err != nil {
		return err
	}
	if strings.HasPrefix(tag, "sqlvault:data ") {
		return h.data(ctx, db, q.Conn, strings.TrimPrefix(tag, "sqlvault:data "), q.SQL, w)
	}
	var r *result
	switch tag {
	case "sqlvault:server":
		r = db.serverResult()
	case "sqlvault:database":
		r = db.databaseResult()
	case "sqlvault:permissions":
		r = newResult("view_definition:i", "select_permission:i")
		vd := int64(1)
		if h.NoViewDefinition {
			vd = 0
		}
		r.add(vd, int64(1))
	case "sqlvault:databases":
		r = newResult("name:s")
		h.mu.Lock()
		for _, d := range sortedDBs(h.dbs) {
			r.add(d.Name)
		}
		h.mu.Unlock()
	case "sqlvault:objects":
		r = db.objectsResult()
	case "sqlvault:schemas":
		r = db.schemasResult()
	case "sqlvault:types":
		r = db.typesResult()
	case "sqlvault:tables":
		r = db.tablesResult()
	case "sqlvault:columns":
		r = db.columnsResult()
	case "sqlvault:graph_columns":
		r = db.graphColumnsResult()
	case "sqlvault:edge_constraints":
		r = db.edgeConstraintsResult()
	case "sqlvault:indexes":
		r = db.indexesResult()
	case "sqlvault:index_columns":
		r = db.indexColumnsResult()
	case "sqlvault:xml_indexes":
		r = db.xmlIndexesResult()
	case "sqlvault:spatial_indexes":
		r = db.spatialIndexesResult()
	case "sqlvault:foreign_keys":
		r = db.foreignKeysResult()
	case "sqlvault:foreign_key_columns":
		r = db.foreignKeyColumnsResult()
	case "sqlvault:check_constraints":
		r = db.checksResult()
	case "sqlvault:modules":
		r = db.modulesResult()
	case "sqlvault:sequences":
		r = db.sequencesResult()
	case "sqlvault:synonyms":
		r = db.synonymsResult()
	case "sqlvault:periods":
		r = db.periodsResult()
	case "sqlvault:dependencies":
		r = db.dependenciesResult()
	case "sqlvault:extended_properties":
		r = db.extPropsResult()
	case "sqlvault:assemblies":
		r = db.assembliesResult()
	case "sqlvault:database_triggers":
		r = db.databaseTriggersResult()
	case "sqlvault:trigger_order":
		r = db.triggerOrderResult()
	case "sqlvault:database_options":
		r = db.databaseOptionsResult()
	case "sqlvault:scoped_configurations":
		r = db.scopedConfigurationsResult()
	case "sqlvault:query_store":
		r = db.queryStoreResult()
	case "sqlvault:index_options":
		r = db.indexOptionsResult()
	case "sqlvault:columnstore_order":
		r = db.columnstoreOrderResult()
	case "sqlvault:table_options":
		r = db.tableOptionsResult()
	case "sqlvault:database_files":
		r = db.databaseFilesResult()
	case "sqlvault:partitions":
		r = db.partitionsResult()
	case "sqlvault:data_spaces":
		r = db.dataSpacesResult()
	case "sqlvault:partition_functions":
		r = db.partitionFunctionsResult()
	case "sqlvault:partition_schemes":
		r = db.partitionSchemesResult()
	case "sqlvault:hash_indexes":
		r = db.hashIndexesResult()
	case "sqlvault:filegroups":
		r = db.filegroupsResult()
	case "sqlvault:stats":
		r = db.statsResult()
	case "sqlvault:fulltext_catalogs":
		r = db.fulltextCatalogsResult()
	case "sqlvault:fulltext_stoplists":
		r = db.fulltextStoplistsResult()
	case "sqlvault:fulltext_indexes":
		r = db.fulltextIndexesResult()
	case "sqlvault:fulltext_index_columns":
		r = db.fulltextIndexColumnsResult()
	case "sqlvault:database_entities":
		r = db.databaseEntitiesResult()
	case "sqlvault:principals":
		r = db.principalsResult()
	case "sqlvault:role_members":
		r = db.roleMembersResult()
	case "sqlvault:database_permissions":
		r = db.databasePermissionsResult()
	case "sqlvault:masks":
		r = db.masksResult()
	case "sqlvault:masked_columns":
		r = h.maskedColumnsResult(db)
	case "sqlvault:cdc":
		r = db.cdcResult()
	case "sqlvault:capture_instances":
		if db.CDC == nil {
			return mssqltest.Errorf(208, 16, "Invalid object name 'cdc.change_tables'.")
		}
		r = db.captureInstancesResult()
	case "sqlvault:change_tracking_database":
		r = db.changeTrackingDatabaseResult()
	case "sqlvault:change_tracking_tables":
		r = db.changeTrackingTablesResult()
	case "sqlvault:numbered_procedures":
		r = db.numberedProceduresResult()
	case "sqlvault:broker_objects":
		r = db.brokerObjectsResult()
	case "sqlvault:encrypted_columns":
		r = db.encryptedColumnsResult()
	case "sqlvault:ledger_tables":
		r = db.ledgerTablesResult()
	case "sqlvault:security_predicates":
		r = db.securityPredicatesResult()
	case "sqlvault:xml_schema_collections":
		r = db.xmlSchemaCollectionsResult()
	case "sqlvault:security_policies":
		r = db.securityPoliciesResult()
	case "sqlvault:create_snapshot":
		if db.version().AzureSQLDatabase() {
			return mssqltest.Errorf(40517, 16, "Keyword or statement option 'SNAPSHOT' is not supported in this version of SQL Server.")
		}
		if !db.DatabaseSnapshots {
			return mssqltest.Errorf(262, 14, "CREATE DATABASE permission denied in database 'master'.")
		}
		name := between(q.SQL, "CREATE DATABASE [", "]")
		h.mu.Lock()
		h.snapshots[strings.ToLower(name)] = db
		h.mu.Unlock()
		return w.Done(0)
	case "sqlvault:drop_snapshot":
		name := between(q.SQL, "DROP DATABASE [", "]")
		h.mu.Lock()
		delete(h.snapshots, strings.ToLower(name))
		h.mu.Unlock()
		return w.Done(0)
	default:
		return mssqltest.Errorf(102, 15, "mssqltest sample: unknown query %q", firstLine(q.SQL))
	}
	r.nullColumns(q.SQL)
	return r.send(w)
}

func sortedDBs(m map[string]*DB) []*DB {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	out := make([]*DB, len(names))
	for i, n := range names {
		out[i] = m[n]
	}
	return out
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		return s
	}
	return s[:j]
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
