package mssql

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// maskedBench is sample.Bench(10) with its columns name and code masked.
func maskedBench() *sample.DB {
	db := sample.Bench(10)
	db.Tables[0].Columns[2].Masked = "default()"
	db.Tables[0].Columns[7].Masked = `partial(1, "xxxx", 0)`
	return db
}

// scriptFiltered scripts the bench database as set up, and returns the
// manifest, the files written, the warnings about filtered data and the
// error.
func scriptFiltered(t *testing.T, db *sample.DB, setup func(h *sample.Handler), edit func(o *Options)) (*Manifest, *memSink, []string, error) {
	t.Helper()
	s := newTestServer(t, []*sample.DB{db})
	if setup != nil {
		setup(s.h)
	}
	opts := s.options("bench")
	var warnings []string
	opts.Warn = func(what string, err error) {
		if errors.Is(err, ErrFilteredData) {
			warnings = append(warnings, what+": "+err.Error())
		}
	}
	if edit != nil {
		edit(&opts)
	}
	sink := &memSink{}
	m, err := Script(context.Background(), s.connect("bench"), sink, opts)
	return m, sink, warnings, err
}

// TestMaskedData: a table with masked columns, read by a login without
// UNMASK, makes the backup fail with one line that names the table, the
// columns and the GRANT to give, before anything is written; with UNMASK
// on the database, or (SQL Server 2022) on the columns, it does not. On
// SQL Server 2016-2019 (no UNMASK on columns: NULL) the database's UNMASK
// decides.
func TestMaskedData(t *testing.T) {
	noUnmask := func(h *sample.Handler) { h.NoUnmask = true }
	_, sink, _, err := scriptFiltered(t, maskedBench(), noUnmask, nil)
	se := sourceErr(t, err, KindPermission,
		`database "bench": login "sa" would back up data as it sees it, not as it is stored: [dbo].[Mixed] (masked columns [name], [code] without UNMASK): grant UNMASK to the login's user (GRANT UNMASK TO [sa]; from SQL Server 2022 it may be granted on the schemas, tables or columns); or allow masked and filtered data, and the backup is marked incomplete`)
	if !errors.Is(se, ErrFilteredData) || len(sink.files) != 0 {
		t.Errorf("error %v does not wrap ErrFilteredData, or %d files were written", se, len(sink.files))
	}
	for _, c := range []struct {
		name  string
		setup func(h *sample.Handler)
		edit  func(o *Options)
		want  string // "" for no error
	}{
		{"UNMASK on the database", nil, nil, ""},
		{"UNMASK on both columns", func(h *sample.Handler) {
			h.NoUnmask, h.UnmaskColumns = true, map[string]bool{"dbo.Mixed.name": true, "dbo.Mixed.code": true}
		}, nil, ""},
		{"UNMASK on one column", func(h *sample.Handler) {
			h.NoUnmask, h.UnmaskColumns = true, map[string]bool{"dbo.Mixed.name": true}
		}, nil, "[dbo].[Mixed] (masked column [code] without UNMASK): grant UNMASK"},
		{"before 2022, no UNMASK", func(h *sample.Handler) { h.NoUnmask, h.NoGranularUnmask = true, true }, nil, "[dbo].[Mixed] (masked columns [name], [code] without UNMASK)"},
		{"before 2022, UNMASK", func(h *sample.Handler) { h.NoGranularUnmask = true }, nil, ""},
		{"schema only", noUnmask, func(o *Options) { o.SchemaOnly = true }, ""},
		{"table excluded", noUnmask, func(o *Options) { o.ExcludeTables = []string{"dbo.Mixed"} }, ""},
	} {
		m, _, _, err := scriptFiltered(t, maskedBench(), c.setup, c.edit)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == "" && len(m.FilteredTables) != 0:
			t.Errorf("%s: filtered tables %v", c.name, m.FilteredTables)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one with %q", c.name, err, c.want)
		}
	}
}

// TestRowLevelSecurity: a table with a filter predicate of an enabled
// security policy makes the backup fail (the login may not see every
// row, and the catalog cannot tell); a disabled policy, or one with block
// predicates only, does not.
func TestRowLevelSecurity(t *testing.T) {
	policy := func(p *sample.SecurityPolicy) *sample.DB {
		db := sample.Bench(10)
		db.AddSecurityPolicy(p)
		return db
	}
	_, _, _, err := scriptFiltered(t, policy(&sample.SecurityPolicy{Schema: "dbo", Name: "rls_Tenant", Filters: []string{"dbo.Mixed"}}), nil, nil)
	sourceErr(t, err, KindPermission,
		`[dbo].[Mixed] (row-level security policy [dbo].[rls_Tenant] filter predicate): back up as a user the filter predicates let see every row, or turn the policies off during the backup (ALTER SECURITY POLICY ... WITH (STATE = OFF)); or allow masked and filtered data, and the backup is marked incomplete`)
	for _, p := range []*sample.SecurityPolicy{
		{Schema: "dbo", Name: "rls_Off", Disabled: true, Filters: []string{"dbo.Mixed"}},
		{Schema: "dbo", Name: "rls_Block", Blocks: []string{"dbo.Mixed"}},
	} {
		if _, _, _, err := scriptFiltered(t, policy(p), nil, nil); err != nil {
			t.Errorf("policy %s: %v", p.Name, err)
		}
	}
}

// TestAllowMaskedData: with AllowMaskedData the backup goes on, warns
// about each table (the warning wraps ErrFilteredData, so that the CLI
// marks the snapshot incomplete) and lists them in the manifest.
func TestAllowMaskedData(t *testing.T) {
	db := maskedBench()
	db.AddSecurityPolicy(&sample.SecurityPolicy{Schema: "dbo", Name: "rls_Tenant", Filters: []string{"dbo.Mixed"}})
	m, sink, warnings, err := scriptFiltered(t, db, func(h *sample.Handler) { h.NoUnmask = true }, func(o *Options) { o.AllowMaskedData = true })
	if err != nil {
		t.Fatal(err)
	}
	sameLines(t, "warnings", warnings, []string{
		"table [dbo].[Mixed]: masked or filtered data: masked columns [name], [code] without UNMASK: its data is backed up as this login reads it",
		"table [dbo].[Mixed]: masked or filtered data: row-level security policy [dbo].[rls_Tenant] filter predicate: its data is backed up as this login reads it",
	})
	var got struct {
		Filtered json.RawMessage `json:"filtered_tables"`
	}
	if err := json.Unmarshal(sink.files[ManifestFile], &got); err != nil {
		t.Fatal(err)
	}
	want := `[
    {
      "table": "[dbo].[Mixed]",
      "reason": "masked columns [name], [code] without UNMASK"
    },
    {
      "table": "[dbo].[Mixed]",
      "reason": "row-level security policy [dbo].[rls_Tenant] filter predicate"
    }
  ]`
	if string(got.Filtered) != want || len(m.FilteredTables) != 2 || m.Totals.Rows != 10 {
		t.Errorf("manifest filtered_tables %s, %d rows", got.Filtered, m.Totals.Rows)
	}
}
