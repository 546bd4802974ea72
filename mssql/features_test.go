package mssql

import (
	"errors"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// featuresDB is a database with what the default sample leaves out
// because a real server for testdata/mssql/sample.sql could not hold it
// alike: change data capture (needs SQL Server Agent and sysadmin), an
// Always Encrypted column (needs a column master key in a key store the
// client reaches), ledger tables (SQL Server 2022), and a dropped ledger
// table.
func featuresDB() *sample.DB {
	pk := func(name, col string) []*sample.Index {
		return []*sample.Index{{Name: name, Type: 1, PrimaryKey: true, Keys: []string{col}}}
	}
	orders := &sample.Table{Schema: "dbo", Name: "Orders", Columns: []*sample.Column{
		{Name: "OrderID", Type: "int"}, {Name: "Amount", Type: "money"}},
		Indexes: pk("PK_Orders", "OrderID"), Rows: [][]any{{int64(1), "9.5000"}}}
	changeTable := &sample.Table{Schema: "cdc", Name: "dbo_Orders_CT", Columns: []*sample.Column{
		{Name: "__$start_lsn", Type: "binary(10)"}, {Name: "OrderID", Type: "int", Nullable: true}}}
	secrets := &sample.Table{Schema: "dbo", Name: "Secrets", Columns: []*sample.Column{
		{Name: "ID", Type: "int"},
		{Name: "SSN", Type: "varbinary(256)", Encrypted: &sample.Encryption{Type: "DETERMINISTIC", Key: "CEK_1"}}},
		Indexes: pk("PK_Secrets", "ID"), Rows: [][]any{{int64(1), []byte{1, 2, 3}}}}
	ledgerCols := func(cols ...*sample.Column) []*sample.Column {
		return append(cols, &sample.Column{Name: "ledger_start_transaction_id", Type: "bigint", GeneratedAlways: 5, Hidden: true},
			&sample.Column{Name: "ledger_start_sequence_number", Type: "bigint", GeneratedAlways: 7, Hidden: true})
	}
	journal := &sample.Table{Schema: "dbo", Name: "Journal", Columns: ledgerCols(&sample.Column{Name: "Entry", Type: "nvarchar(100)"}),
		Ledger: &sample.Ledger{Type: 3, View: "dbo.Journal_Ledger"}, Rows: [][]any{{"opened", int64(1001), int64(0)}}}
	accounts := &sample.Table{Schema: "dbo", Name: "Accounts", Columns: ledgerCols(&sample.Column{Name: "ID", Type: "int"},
		&sample.Column{Name: "Balance", Type: "money"}), Indexes: pk("PK_Accounts", "ID"), History: "dbo.Accounts_History",
		Ledger: &sample.Ledger{Type: 2}, Rows: [][]any{{int64(1), "100.0000", int64(1002), int64(0)}}}
	history := &sample.Table{Schema: "dbo", Name: "Accounts_History", Columns: ledgerCols(&sample.Column{Name: "ID", Type: "int"},
		&sample.Column{Name: "Balance", Type: "money"}), Ledger: &sample.Ledger{Type: 1}, Rows: [][]any{{int64(1), "90.0000", int64(1001), int64(0)}}}
	dropped := &sample.Table{Schema: "dbo", Name: "MSSQL_DroppedLedgerTable_Old_1F2E", Columns: ledgerCols(&sample.Column{Name: "Entry", Type: "nvarchar(100)"}),
		Ledger: &sample.Ledger{Type: 3, Dropped: true}, Rows: [][]any{{"gone", int64(1000), int64(0)}}}
	db := sample.NewDB("features", orders, changeTable, secrets, journal, accounts, history, dropped)
	db.Schemas = []*sample.Schema{{Name: "cdc", Owner: "cdc"}}
	db.Principals = []*sample.Principal{{Name: "cdc", Type: "S", Auth: "NONE", DefaultSchema: "cdc", MemberOf: []string{"db_owner"}},
		{Name: "cdc_reader", Type: "R"}}
	db.Permissions = []*sample.Permission{{State: "G", Name: "SELECT", On: "object:cdc.dbo_Orders_CT", To: "cdc_reader"},
		{State: "G", Name: "SELECT", On: "object:dbo.Orders", To: "cdc_reader"}}
	db.Modules = []*sample.Module{
		{Schema: "cdc", Name: "fn_cdc_get_all_changes_dbo_Orders", Type: "IF", AnsiNulls: true, QuotedIdentifier: true,
			References: []string{"cdc.dbo_Orders_CT"}, Definition: "CREATE FUNCTION cdc.fn_cdc_get_all_changes_dbo_Orders (@from binary(10))\nRETURNS TABLE\nAS\nRETURN SELECT OrderID FROM cdc.dbo_Orders_CT;"},
		{Schema: "dbo", Name: "Journal_Ledger", Type: "V", AnsiNulls: true, QuotedIdentifier: true, References: []string{"dbo.Journal"},
			Definition: "CREATE VIEW [dbo].[Journal_Ledger] AS SELECT [Entry], [ledger_start_transaction_id] AS [ledger_transaction_id] FROM [dbo].[Journal]"},
	}
	db.ExtProps = []*sample.ExtProp{{Target: "object:cdc.dbo_Orders_CT", Name: "MS_Description", Value: "change table"}}
	db.CDC = []*sample.CaptureInstance{{Name: "dbo_Orders", Source: "dbo.Orders", Role: "cdc_reader", Index: "PK_Orders",
		NetChanges: true, Columns: []string{"OrderID", "Amount"}}}
	db.Entities = []*sample.Entity{{Kind: "column encryption key", Name: "CEK_1"}, {Kind: "column master key", Name: "CMK_1"}}
	db.Build()
	return db
}

// TestReportedFeatures backs up featuresDB: change data capture is
// reported with its capture instance and the options of
// sp_cdc_enable_table, and the cdc schema, user, change table, function,
// permission and extended property are left out without a word (the
// target's sys.sp_cdc_enable_db creates them); the table with an Always
// Encrypted column is refused (data missing); the ledger tables are
// created as ordinary ones with every row, reported; the dropped ledger
// table is left out, reported.
func TestReportedFeatures(t *testing.T) {
	s := newTestServer(t, []*sample.DB{featuresDB()})
	opts := s.options("features")
	var missing, other []string
	opts.Warn = func(what string, err error) {
		if errors.Is(err, ErrDataMissing) {
			missing = append(missing, what)
		} else {
			other = append(other, what+": "+err.Error())
		}
	}
	sink, m := s.scriptMem("features", opts)
	sameLines(t, "unscripted", unscriptedLines(m.Unscripted), []string{
		"change data capture [dbo_Orders]: capture instance of [dbo].[Orders]: @role_name = N'cdc_reader', @capture_instance = N'dbo_Orders', @supports_net_changes = 1, @index_name = N'PK_Orders', @captured_column_list = N'[OrderID], [Amount]'",
		"change data capture [features]: change data capture is enabled (sys.sp_cdc_enable_db); the cdc schema, the cdc user and the change tables and functions in schema cdc are left out, so that sys.sp_cdc_enable_db can create them on the target; the captured changes are not copied",
		"column encryption key [CEK_1]: this kind of object is not scripted",
		"column master key [CMK_1]: this kind of object is not scripted",
		"dropped ledger table [dbo].[MSSQL_DroppedLedgerTable_Old_1F2E]: a dropped ledger table, kept by SQL Server for the ledger's verification; left out",
		"ledger table [dbo].[Accounts]: an updatable ledger table: the table, its history table [dbo].[Accounts_History] are created as ordinary ones with every row and ledger column; the ledger's history of digests cannot be recreated by a script",
		"ledger table [dbo].[Journal]: an append-only ledger table: the table, its ledger view [dbo].[Journal_Ledger] are created as ordinary ones with every row and ledger column; the ledger's history of digests cannot be recreated by a script",
		"table [dbo].[Secrets]: Always Encrypted column [SSN] (DETERMINISTIC, column encryption key [CEK_1]): its values read as ciphertext, which a script cannot store back",
	})
	sameLines(t, "data missing", missing, []string{"table [dbo].[Secrets]"})
	mustContain(t, "warnings", strings.Join(other, "\n"),
		"change data capture [dbo_Orders]: not scripted: capture instance of [dbo].[Orders]: @role_name = N'cdc_reader', @capture_instance = N'dbo_Orders', @supports_net_changes = 1, @index_name = N'PK_Orders', @captured_column_list = N'[OrderID], [Amount]'; to do: after the restore, run EXEC sys.sp_cdc_enable_db, then EXEC sys.sp_cdc_enable_table with the source table and the options in the reason (needs SQL Server Agent and an edition with CDC); the change tables start empty",
		"ledger table [dbo].[Journal]: not scripted: an append-only ledger table: ")
	for _, u := range m.Unscripted {
		if u.Action == "" || u.Action == actionGeneral && !strings.HasSuffix(u.Kind, "key") {
			t.Errorf("%s %s: action %q", u.Kind, u.Name, u.Action)
		}
	}
	// Nothing of change data capture's own is created or named.
	for name, b := range sink.files {
		if name == ManifestFile {
			continue
		}
		text := string(b)
		for _, gone := range []string{"[cdc]", "dbo_Orders_CT", "fn_cdc_", "Secrets", "DroppedLedger"} {
			if strings.Contains(text, gone) {
				t.Errorf("%s names %s", name, gone)
			}
		}
	}
	var tables []string
	for _, te := range m.Tables {
		tables = append(tables, te.Name+" "+itoa(te.Rows))
	}
	sameLines(t, "tables", tables, []string{"[dbo].[Accounts] 1", "[dbo].[Accounts_History] 1", "[dbo].[Journal] 1", "[dbo].[Orders] 1"})
	security := string(sink.files[SecurityFile])
	mustContain(t, "security.sql", security, "CREATE ROLE [cdc_reader]", "GRANT SELECT ON OBJECT::[dbo].[Orders] TO [cdc_reader];")
	mustContain(t, "schema.sql", string(sink.files[SchemaFile]), "CREATE VIEW [dbo].[Journal_Ledger]")
}

// TestNoFeatureQueriesOnOldServers checks that the features' catalog
// views are asked for only where the server's version has them: Always
// Encrypted columns from SQL Server 2016, ledger tables from 2022, and
// numbered procedures and Service Broker objects not on Azure SQL
// Database.
func TestNoFeatureQueriesOnOldServers(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    []string
	}{
		{"2014", []string{"sqlvault:cdc", "sqlvault:numbered_procedures", "sqlvault:broker_objects"}},
		{"2016", []string{"sqlvault:cdc", "sqlvault:numbered_procedures", "sqlvault:broker_objects", "sqlvault:encrypted_columns"}},
		{"2022", []string{"sqlvault:cdc", "sqlvault:numbered_procedures", "sqlvault:broker_objects", "sqlvault:encrypted_columns", "sqlvault:ledger_tables", "sqlvault:capture_instances"}},
		{"azure-sql-database", []string{"sqlvault:cdc", "sqlvault:encrypted_columns", "sqlvault:ledger_tables", "sqlvault:capture_instances"}},
	} {
		v, _ := sample.VersionNamed(tc.version)
		db := featuresDB()
		if tc.version != "2022" && tc.version != "azure-sql-database" {
			db.CDC = nil
		}
		db.As(v)
		s := newTestServer(t, []*sample.DB{db})
		s.scriptMem("features", s.options("features"))
		var got []string
		for _, tag := range s.h.Log() {
			switch tag {
			case "sqlvault:cdc", "sqlvault:capture_instances", "sqlvault:numbered_procedures", "sqlvault:broker_objects",
				"sqlvault:encrypted_columns", "sqlvault:ledger_tables":
				got = append(got, tag)
			}
		}
		sameLines(t, "queries of "+tc.version, got, tc.want)
	}
}
