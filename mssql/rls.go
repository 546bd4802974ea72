package mssql

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Row-level security (SQL Server 2016): security policies and their filter
// and block predicates. A policy is created in post-data.sql after the
// data is loaded (a block predicate would refuse restored rows, a filter
// predicate hide them from the checks that follow), after everything else
// on its tables, with its state as in the source. Its predicate functions
// are inline table-valued functions, created with the other modules in
// schema.sql. The data check (filteredTables) is separate: it refuses a
// backup that reads through an enabled filter predicate.

// SecurityPolicy is a row-level security policy (sys.security_policies).
type SecurityPolicy struct {
	ID     int64
	Schema string
	Name   string
	// Enabled is STATE = ON; NotForReplication the NOT FOR REPLICATION
	// option; SchemaBound is SCHEMABINDING = ON (is_schemabinding_enabled
	// 0 or NULL: the column says whether schema binding is disabled).
	Enabled           bool
	NotForReplication bool
	SchemaBound       bool
	// Predicates in security_predicate_id order.
	Predicates []*SecurityPredicate
}

// SecurityPredicate is a filter or block predicate of a policy
// (sys.security_predicates).
type SecurityPredicate struct {
	// Target is the table the predicate is on.
	Target int64
	// Definition is the predicate function and its arguments as the
	// server normalized them: [dbo].[fn]([col], ...). It is code, written
	// as it is (as a module's definition is).
	Definition string
	Block      bool
	// Operation is what a block predicate applies to: "" for every
	// operation, or AFTER INSERT, AFTER UPDATE, BEFORE UPDATE, BEFORE
	// DELETE (sys.security_predicates.operation 1 to 4).
	Operation string
	// function is the predicate function's object id (predicateFunction),
	// 0 when the definition does not name a function of the database.
	function int64
}

// qSecurityPolicies lists the row-level security policies with their
// predicates, one row per predicate (sys.security_policies and
// sys.security_predicates, SQL Server 2016: both views, with every column
// read here, are documented from 2016 on, and read only where the source
// is 2016 or later). predicate_type 0 is FILTER, 1 BLOCK; operation NULL
// is every operation, 1 AFTER INSERT, 2 AFTER UPDATE, 3 BEFORE UPDATE, 4
// BEFORE DELETE. is_schemabinding_enabled is 0 or NULL where the policy is
// schema-bound, 1 where it was created WITH (SCHEMABINDING = OFF). A policy
// without predicates (all dropped with ALTER SECURITY POLICY) has one row
// with NULL predicate columns.
const qSecurityPolicies = `/* sqlvault:security_policies */
SELECT sp.object_id, SCHEMA_NAME(sp.schema_id) AS schema_name, sp.name, sp.is_enabled,
       sp.is_not_for_replication, sp.is_schemabinding_enabled,
       pr.security_predicate_id, pr.target_object_id, pr.predicate_definition, pr.predicate_type, pr.operation
FROM sys.security_policies AS sp
LEFT JOIN sys.security_predicates AS pr ON pr.object_id = sp.object_id
ORDER BY schema_name, sp.name, pr.security_predicate_id`

// blockOperations are the texts of sys.security_predicates.operation.
var blockOperations = map[int64]string{1: "AFTER INSERT", 2: "AFTER UPDATE", 3: "BEFORE UPDATE", 4: "BEFORE DELETE"}

// addSecurityPolicy reads a row of qSecurityPolicies.
func (c *Catalog) addSecurityPolicy(r *record) error {
	id := r.int("object_id")
	n := len(c.SecurityPolicies)
	if n == 0 || c.SecurityPolicies[n-1].ID != id {
		c.SecurityPolicies = append(c.SecurityPolicies, &SecurityPolicy{ID: id, Schema: r.str("schema_name"), Name: r.str("name"),
			Enabled: r.bool("is_enabled"), NotForReplication: r.bool("is_not_for_replication"),
			SchemaBound: !r.bool("is_schemabinding_enabled")})
	}
	p := c.SecurityPolicies[len(c.SecurityPolicies)-1]
	if r.null("security_predicate_id") {
		return nil
	}
	pr := &SecurityPredicate{Target: r.int("target_object_id"), Definition: r.str("predicate_definition"),
		Block: r.int("predicate_type") == 1}
	if !r.null("operation") {
		op, ok := blockOperations[r.int("operation")]
		if !ok {
			return fmt.Errorf("security policy %s: unknown predicate operation %d", quoteName(p.Schema, p.Name), r.int("operation"))
		}
		pr.Operation = op
	}
	p.Predicates = append(p.Predicates, pr)
	return nil
}

// finishSecurityPolicies finds the predicate functions and reports the
// policies that cannot be created: one without predicates (CREATE
// SECURITY POLICY needs one), one whose predicate definition is not a
// function call the scripter can read.
func (c *Catalog) finishSecurityPolicies() {
	var kept []*SecurityPolicy
	for _, p := range c.SecurityPolicies {
		name := quoteName(p.Schema, p.Name)
		reason := ""
		if len(p.Predicates) == 0 {
			reason = "it has no predicates, and CREATE SECURITY POLICY needs one"
		}
		for _, pr := range p.Predicates {
			schema, fn, ok := predicateFunction(pr.Definition)
			if !ok && reason == "" {
				reason = fmt.Sprintf("its predicate %q is not a function call the scripter can read", pr.Definition)
			}
			pr.function = c.objectByName(schema, fn)
		}
		if reason != "" {
			c.unscripted("security policy", name, reason)
			continue
		}
		kept = append(kept, p)
	}
	c.SecurityPolicies = kept
}

// isSecurityPolicy tells whether o is a policy read by qSecurityPolicies
// (scripted, or reported by finishSecurityPolicies).
func (c *Catalog) isSecurityPolicy(o *object) bool {
	if o.typ != "SP" {
		return false
	}
	for _, u := range c.Unscripted {
		if u.Kind == "security policy" && u.Name == quoteName(o.schema, o.name) {
			return true
		}
	}
	for _, p := range c.SecurityPolicies {
		if p.ID == o.id {
			return true
		}
	}
	return false
}

// objectByName returns the id of the object schema.name of the catalog,
// compared exactly and then case-insensitively, or 0.
func (c *Catalog) objectByName(schema, name string) int64 {
	var folded []int64
	for id, o := range c.objects {
		if o.schema == schema && o.name == name {
			return id
		}
		if strings.EqualFold(o.schema, schema) && strings.EqualFold(o.name, name) {
			folded = append(folded, id)
		}
	}
	if len(folded) == 1 {
		return folded[0]
	}
	return 0
}

// predicateFunction reads the function a predicate definition calls:
// "[schema].[name](" as sys.security_predicates normalizes it, read by the
// module header parser's name (bracketed or regular parts, "]]" for "]").
// ok is false if def does not start so.
func predicateFunction(def string) (schema, name string, ok bool) {
	p := &headerParser{s: def}
	_, parts, err := p.name(2)
	if err != nil || len(parts) != 2 || p.space() != nil || p.i >= len(p.s) || p.s[p.i] != '(' {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// planSecurityPolicies decides the policies post-data.sql creates: not
// those on a table, or with a predicate function, that is not created
// (each left out and listed with leave, for the first such one).
func (s *scripter) planSecurityPolicies(leave func(kind, name, reason string, a absence)) {
	c := s.c
	for _, p := range c.SecurityPolicies {
		if _, gone := s.absent[p.ID]; gone {
			continue // --tables: only tables are scripted
		}
		name := quoteName(p.Schema, p.Name)
		left := false
		for _, pr := range p.Predicates {
			for _, id := range []int64{pr.Target, pr.function} {
				if a, gone := s.absent[id]; gone && id != 0 && !left {
					s.absent[p.ID] = a.leftOut()
					leave("security policy", name, "depends on "+a.which(c.qualified(id)), a)
					left = true
				}
			}
		}
		if !left {
			s.policies = append(s.policies, p)
		}
	}
	sort.SliceStable(s.policies, func(i, j int) bool {
		return quoteName(s.policies[i].Schema, s.policies[i].Name) < quoteName(s.policies[j].Schema, s.policies[j].Name)
	})
}

// createSecurityPolicy renders CREATE SECURITY POLICY for p with every
// predicate, its state, schema binding and NOT FOR REPLICATION (CREATE
// SECURITY POLICY (Transact-SQL): ADD [FILTER | BLOCK] PREDICATE
// fn(args) ON table [block_dml_operation], WITH (STATE = ON | OFF,
// SCHEMABINDING = ON | OFF), NOT FOR REPLICATION).
func createSecurityPolicy(c *Catalog, p *SecurityPolicy) string {
	var b strings.Builder
	b.WriteString("CREATE SECURITY POLICY " + quoteName(p.Schema, p.Name))
	for i, pr := range p.Predicates {
		if i > 0 {
			b.WriteString(",")
		}
		// One line: the statement is a literal of dynamic SQL, where nlit
		// would write line breaks as NCHAR(10).
		kind := "FILTER"
		if pr.Block {
			kind = "BLOCK"
		}
		fmt.Fprintf(&b, " ADD %s PREDICATE %s ON %s", kind, pr.Definition, c.qualified(pr.Target))
		if pr.Operation != "" {
			b.WriteString(" " + pr.Operation)
		}
	}
	fmt.Fprintf(&b, " WITH (STATE = %s, SCHEMABINDING = %s)", onOff(p.Enabled), onOff(p.SchemaBound))
	if p.NotForReplication {
		b.WriteString(" NOT FOR REPLICATION")
	}
	return b.String() + ";"
}

// securityPolicyBatch returns the batch that creates p where the target
// has row-level security (SQL Server 2016, Azure SQL Database and Managed
// Instance; guarded: a PRINT elsewhere) and, as everything about a module
// (ifCreated), where its predicate functions were created (a module that
// fails is reported by moduleBatch and the restore goes on). The
// statement runs with sp_executesql, so that an older target never
// compiles it; CREATE SECURITY POLICY may stand in an IF (it is none of
// the CREATE statements that must begin a batch).
func (s *scripter) securityPolicyBatch(p *SecurityPolicy) string {
	var conds []string
	for _, pr := range p.Predicates {
		if m := s.c.modules[pr.function]; m != nil {
			if cond := "OBJECT_ID(" + nlit(quoteName(m.Schema, m.Name)) + ") IS NOT NULL"; !slices.Contains(conds, cond) {
				conds = append(conds, cond)
			}
		}
	}
	stmt := createSecurityPolicy(s.c, p)
	if len(conds) > 0 {
		stmt = "IF " + strings.Join(conds, " AND ") + "\n    " + stmt
	}
	return guarded(targetSince(13), stmt, "security policy "+quoteName(p.Schema, p.Name)+" needs "+versionName(13)+" or later; not created")
}

// policyOwners hands the security policies with an owner other than their
// schema's (sys.objects.principal_id) to it, as owners does other objects:
// ALTER AUTHORIZATION ON OBJECT::[s].[p] (ALTER AUTHORIZATION
// (Transact-SQL): it changes "the ownership of any entity that has an
// owner", and a policy is none of the entities whose ownership cannot be
// transferred). security.sql runs after post-data.sql, which creates the
// policy only where the target has row-level security and its predicate
// functions were created: the statement runs only where the policy
// exists. A policy left out (planSecurityPolicies) leaves it out
// (Object).
func (s *security) policyOwners() {
	for _, p := range s.c.SecurityPolicies {
		o := s.c.objects[p.ID]
		if o == nil || o.owner == 0 {
			continue
		}
		name := quoteName(p.Schema, p.Name)
		if owner, ok := s.owner(o.owner, "security policy owner", name, "the schema owner"); ok {
			stmt := s.guard(fmt.Sprintf("ALTER AUTHORIZATION ON OBJECT::%s TO %s;", name, owner), o.owner)
			s.add("Owners", "security policy owner", name, ifCreated(&Module{Schema: p.Schema, Name: p.Name}, stmt), p.ID)
		}
	}
}
