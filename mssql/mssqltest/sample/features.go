package sample

import "strings"

// Features the scripter reports or scripts apart (mssql/features.go and
// mssql/changetracking.go): change tracking, change data capture, numbered
// procedures, Service Broker objects, Always Encrypted columns and ledger
// tables, and the rows of the database_entities query.

// ChangeTracking is the change tracking of a database
// (sys.change_tracking_databases); Table.ChangeTracked the tables'.
type ChangeTracking struct {
	Retention   int64
	Units       string // DAYS, HOURS or MINUTES
	AutoCleanup bool
}

// CaptureInstance is a capture instance of change data capture
// (cdc.change_tables and cdc.captured_columns); Source is "schema.table".
type CaptureInstance struct {
	Name       string
	Source     string
	Role       string // "" for none
	Index      string
	NetChanges bool
	Columns    []string
}

// NumberedProcedure is a procedure ;2 or up of the numbered group of
// Procedure ("schema.name", a Module of type P: number 1).
type NumberedProcedure struct {
	Procedure  string
	Number     int64
	Definition string // "" for an encrypted one
}

// Entity is a row of the database_entities query: a Service Broker
// service ("service"), a key or certificate, ...
type Entity struct {
	Kind   string
	Schema string // "" for none
	Name   string
}

// BrokerObject is a user Service Broker message type, contract or route
// ("message type", "contract", "route").
type BrokerObject struct {
	Kind string
	Name string
}

// Encryption makes a column an Always Encrypted one.
type Encryption struct {
	Type string // DETERMINISTIC or RANDOMIZED
	Key  string // the column encryption key
}

// Ledger makes a table a ledger table.
type Ledger struct {
	Type    int    // 1 history table, 2 updatable, 3 append-only
	View    string // "schema.name" of its ledger view (a Module of type V)
	Dropped bool
}

func (db *DB) cdcResult() *result {
	r := newResult("is_cdc_enabled:f", "change_tables_id:i")
	var id any
	if db.CDC != nil {
		id = int64(2_000_000_000) // a system table of schema cdc
	}
	r.add(db.CDC != nil, id)
	return r
}

func (db *DB) captureInstancesResult() *result {
	r := newResult("capture_instance:s", "source_schema:s", "source_name:s", "supports_net_changes:f",
		"role_name:s", "index_name:s", "filegroup_name:s", "column_name:s")
	for _, ci := range db.CDC {
		schema, name, _ := strings.Cut(ci.Source, ".")
		for _, col := range ci.Columns {
			r.add(ci.Name, schema, name, ci.NetChanges, nullStr(ci.Role), nullStr(ci.Index), nil, col)
		}
	}
	return r
}

func (db *DB) changeTrackingDatabaseResult() *result {
	r := newResult("is_auto_cleanup_on:f", "retention_period:i", "retention_period_units_desc:s")
	if ct := db.ChangeTracking; ct != nil {
		r.add(ct.AutoCleanup, ct.Retention, ct.Units)
	}
	return r
}

func (db *DB) changeTrackingTablesResult() *result {
	r := newResult("object_id:i", "is_track_columns_updated_on:f")
	if db.ChangeTracking == nil {
		return r
	}
	for _, t := range db.Tables {
		if t.ChangeTracked {
			r.add(t.ID, t.TrackColumnsUpdated)
		}
	}
	return r
}

func (db *DB) numberedProceduresResult() *result {
	r := newResult("object_id:i", "schema_name:s", "name:s", "procedure_number:h", "is_encrypted:i")
	for _, np := range db.NumberedProcedures {
		schema, name, _ := strings.Cut(np.Procedure, ".")
		enc := int64(0)
		if np.Definition == "" {
			enc = 1
		}
		r.add(db.lookup(np.Procedure), schema, name, np.Number, enc)
	}
	return r
}

func (db *DB) brokerObjectsResult() *result {
	r := newResult("kind:s", "name:s")
	for _, b := range db.Broker {
		r.add(b.Kind, b.Name)
	}
	return r
}

func (db *DB) encryptedColumnsResult() *result {
	r := newResult("object_id:i", "column_id:i", "column_name:s", "encryption_type_desc:s", "key_name:s")
	for _, t := range db.Tables {
		for _, c := range t.Columns {
			if c.Encrypted != nil {
				r.add(t.ID, c.id, c.Name, c.Encrypted.Type, c.Encrypted.Key)
			}
		}
	}
	return r
}

func (db *DB) ledgerTablesResult() *result {
	r := newResult("object_id:i", "ledger_type:t", "ledger_view_id:i", "is_dropped_ledger_table:f")
	for _, t := range db.Tables {
		if l := t.Ledger; l != nil {
			var view any
			if l.View != "" {
				view = db.lookup(l.View)
			}
			r.add(t.ID, int64(l.Type), view, l.Dropped)
		}
	}
	return r
}

// ownerID is the principal_id of an owner, dbo (1) for "".
func (db *DB) ownerID(name string) int64 {
	if name == "" {
		return 1
	}
	return db.principalID(name)
}

// databaseEntitiesResult answers qDatabaseEntities with the model's
// Entities.
func (db *DB) databaseEntitiesResult() *result {
	r := newResult("kind:s", "schema_name:s", "name:s")
	for _, e := range db.Entities {
		r.add(e.Kind, nullStr(e.Schema), e.Name)
	}
	return r
}
