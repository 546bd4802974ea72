package mssql

import (
	"slices"
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestSecurityPolicies: the sample's row-level security policies are
// created in post-data.sql, after the data and the disabled indexes, with
// their predicates, state, schema binding and NOT FOR REPLICATION, where
// the target has row-level security and their predicate function was
// created; they are no longer reported as "object type SP".
func TestSecurityPolicies(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	for _, u := range m.Unscripted {
		if strings.Contains(u.Kind, "SP") || u.Kind == "security policy" {
			t.Errorf("reported: %s %s: %s", u.Kind, u.Name, u.Reason)
		}
	}
	post := statements(t, string(sink.files[PostDataFile]))
	var policies []string
	disabled := -1
	for i, st := range post {
		if strings.Contains(st, "SECURITY POLICY") {
			// Guarded by the target's version, with a PRINT otherwise.
			inner, ok, err := unwrapGuarded(st)
			if err != nil || !ok || !strings.HasSuffix(st, "PRINT N'sqlvault: security policy "+inner[strings.Index(inner, "POLICY ")+7:strings.Index(inner, " ADD ")]+" needs SQL Server 2016 or later; not created';") {
				t.Errorf("not guarded by the version (%v): %s", err, st)
			}
			st = inner
			policies = append(policies, st)
			if disabled < 0 || i < disabled {
				t.Errorf("a policy comes before the disabled index")
			}
		}
		if strings.Contains(st, "ALTER INDEX [IX_Orders_Status] ON [sales].[Orders] DISABLE;") {
			disabled = i
		}
	}
	want := []string{
		"IF OBJECT_ID(N'[sales].[fn_TenantAccess]') IS NOT NULL\n" +
			"    CREATE SECURITY POLICY [sales].[TenantFilter] ADD FILTER PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes], ADD BLOCK PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes] AFTER INSERT WITH (STATE = OFF, SCHEMABINDING = ON);",
		"IF OBJECT_ID(N'[sales].[fn_TenantAccess]') IS NOT NULL\n" +
			"    CREATE SECURITY POLICY [sales].[TenantGuard] ADD BLOCK PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes] BEFORE DELETE WITH (STATE = ON, SCHEMABINDING = ON) NOT FOR REPLICATION;",
	}
	sameLines(t, "policies", policies, want)
	// The predicate function is created in schema.sql, before them.
	mustContain(t, "schema.sql", string(sink.files[SchemaFile]), "-- Function [sales].[fn_TenantAccess]\n")
	var kinds []string
	for _, o := range m.Objects {
		if o.Kind == "security policy" {
			kinds = append(kinds, o.Name)
		}
	}
	sameLines(t, "manifest objects", kinds, []string{"[sales].[TenantFilter]", "[sales].[TenantGuard]"})
}

// TestSecurityPolicyLeftOut: a policy on a table the options leave out,
// or whose predicate function is left out, is left out and listed; with
// --tables there is none (only tables are scripted); a policy without
// predicates is reported; SCHEMABINDING = OFF and a predicate function
// the catalog does not hold are written as read.
func TestSecurityPolicyLeftOut(t *testing.T) {
	db := sample.New()
	db.SecurityPolicies = append(db.SecurityPolicies,
		&sample.SecurityPolicy{Schema: "dbo", Name: "Empty"},
		&sample.SecurityPolicy{Schema: "dbo", Name: "Loose", NoSchemaBinding: true, Predicate: "[dbo].[fn_gone]([id])", Filters: []string{"dbo.Empty"}, Disabled: true},
		&sample.SecurityPolicy{Schema: "sales", Name: "OnOrders", Predicate: "[sales].[fn_CustomerOrders]([CustomerID])", Blocks: []string{"sales.Orders AFTER UPDATE", "sales.OrderLines"}})
	db.Build() // [dbo].[Empty]: a policy whose predicates were all dropped
	s := newTestServer(t, []*sample.DB{db})
	policies := func(sink *memSink) []string {
		var out []string
		for _, st := range statements(t, string(sink.files[PostDataFile])) {
			if inner, ok, _ := unwrapGuarded(st); ok && strings.Contains(inner, "CREATE SECURITY POLICY ") {
				out = append(out, inner[strings.Index(inner, "CREATE SECURITY POLICY "):])
			}
		}
		return out
	}
	sink, m := s.scriptMem("sample", s.options("sample"))
	sameLines(t, "policies", policies(sink), []string{
		"CREATE SECURITY POLICY [dbo].[Loose] ADD FILTER PREDICATE [dbo].[fn_gone]([id]) ON [dbo].[Empty] WITH (STATE = OFF, SCHEMABINDING = OFF);",
		"CREATE SECURITY POLICY [sales].[OnOrders] ADD BLOCK PREDICATE [sales].[fn_CustomerOrders]([CustomerID]) ON [sales].[Orders] AFTER UPDATE, ADD BLOCK PREDICATE [sales].[fn_CustomerOrders]([CustomerID]) ON [sales].[OrderLines] WITH (STATE = ON, SCHEMABINDING = ON);",
		"CREATE SECURITY POLICY [sales].[TenantFilter] ADD FILTER PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes], ADD BLOCK PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes] AFTER INSERT WITH (STATE = OFF, SCHEMABINDING = ON);",
		"CREATE SECURITY POLICY [sales].[TenantGuard] ADD BLOCK PREDICATE [sales].[fn_TenantAccess]([TenantID]) ON [sales].[TenantNotes] BEFORE DELETE WITH (STATE = ON, SCHEMABINDING = ON) NOT FOR REPLICATION;",
	})
	var reported []string
	for _, l := range unscriptedLines(m.Unscripted) {
		if strings.Contains(l, "polic") || strings.Contains(l, "SP") {
			reported = append(reported, l)
		}
	}
	sameLines(t, "reported", reported, []string{"security policy [dbo].[Empty]: it has no predicates, and CREATE SECURITY POLICY needs one"})

	// Excluding sales.Orders leaves out the inline function over it, and
	// the policy that uses it; excluding the notes, the policies on them.
	opts := s.options("sample")
	opts.ExcludeTables = []string{"sales.Orders", "sales.TenantNotes"}
	sink, m = s.scriptMem("sample", opts)
	sameLines(t, "policies", policies(sink), []string{
		"CREATE SECURITY POLICY [dbo].[Loose] ADD FILTER PREDICATE [dbo].[fn_gone]([id]) ON [dbo].[Empty] WITH (STATE = OFF, SCHEMABINDING = OFF);",
	})
	var left []string
	for _, l := range unscriptedLines(m.LeftOut) {
		if strings.HasPrefix(l, "security policy") {
			left = append(left, l)
		}
	}
	sameLines(t, "left out", left, []string{
		"security policy [sales].[OnOrders]: depends on [sales].[Orders], which is excluded",
		"security policy [sales].[TenantFilter]: depends on [sales].[TenantNotes], which is excluded",
		"security policy [sales].[TenantGuard]: depends on [sales].[TenantNotes], which is excluded",
		// Its owner goes with it, listed as what depends on it is.
		"security policy owner [sales].[TenantGuard]: on [sales].[TenantGuard], which is left out",
	})

	// Only the chosen tables with --tables: no policy, none listed.
	opts = s.options("sample")
	opts.Tables = []string{"sales.TenantNotes"}
	sink, m = s.scriptMem("sample", opts)
	if got := policies(sink); len(got) != 0 || slices.ContainsFunc(m.LeftOut, func(u Unscripted) bool { return u.Kind == "security policy" }) {
		t.Errorf("with --tables: %q, left out %v", got, m.LeftOut)
	}
}

// TestSecurityPolicyBeforeRLS: a source older than SQL Server 2016 is not
// asked for security policies (it has no sys.security_policies).
func TestSecurityPolicyBeforeRLS(t *testing.T) {
	db := sample.NewDB("old", &sample.Table{Schema: "dbo", Name: "t", Columns: []*sample.Column{{Name: "id", Type: "int"}}})
	v2014, _ := sample.VersionNamed("2014")
	db.As(v2014)
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("old")
	opts.SchemaOnly = true
	s.scriptMem("old", opts)
	if slices.Contains(s.h.Log(), "sqlvault:security_policies") {
		t.Errorf("SQL Server 2014 was asked for security policies: %q", s.h.Log())
	}
}

// TestPredicateFunction reads the function of a predicate definition as
// sys.security_predicates normalizes it.
func TestPredicateFunction(t *testing.T) {
	for _, c := range []struct{ def, schema, name string }{
		{"[dbo].[fn_securitypredicate]([wing], [startTime], [endTime])", "dbo", "fn_securitypredicate"},
		{"[odd ]]s].[f]](x)]([a])", "odd ]s", "f](x)"},
		{"dbo.fn (a)", "dbo", "fn"},
		{" [s] . [f]()", "s", "f"},
		{"[dbo].[fn]", "", ""},
		{"fn([a])", "", ""},
		{"[dbo.fn([a])", "", ""},
		{"", "", ""},
	} {
		schema, name, ok := predicateFunction(c.def)
		if schema != c.schema || name != c.name || ok != (c.name != "") {
			t.Errorf("predicateFunction(%q) = %q, %q, %v; want %q, %q", c.def, schema, name, ok, c.schema, c.name)
		}
	}
}
