package sample

import (
	"sort"
	"strings"
)

// builtinPrincipal is a principal every database has.
type builtinPrincipal struct {
	id    int64
	name  string
	typ   string
	auth  string
	fixed bool
}

// builtinPrincipals are those of a new database on SQL Server 2016 and
// later: public, dbo (mapped to the login that owns the database), guest,
// INFORMATION_SCHEMA, sys and the fixed roles.
var builtinPrincipals = []builtinPrincipal{
	{0, "public", "R", "NONE", false},
	{1, "dbo", "S", "INSTANCE", false},
	{2, "guest", "S", "NONE", false},
	{3, "INFORMATION_SCHEMA", "S", "NONE", false},
	{4, "sys", "S", "NONE", false},
	{16384, "db_owner", "R", "NONE", true},
	{16385, "db_accessadmin", "R", "NONE", true},
	{16386, "db_securityadmin", "R", "NONE", true},
	{16387, "db_ddladmin", "R", "NONE", true},
	{16389, "db_backupoperator", "R", "NONE", true},
	{16390, "db_datareader", "R", "NONE", true},
	{16391, "db_datawriter", "R", "NONE", true},
	{16392, "db_denydatareader", "R", "NONE", true},
	{16393, "db_denydatawriter", "R", "NONE", true},
}

// principalID returns the id of a principal by name, built-in or not.
func (db *DB) principalID(name string) int64 {
	for _, b := range builtinPrincipals {
		if b.name == name {
			return b.id
		}
	}
	for _, p := range db.Principals {
		if p.Name == name {
			return p.id
		}
	}
	panic("sample: no principal " + name)
}

// principalsResult answers qPrincipals.
func (db *DB) principalsResult() *result {
	r := newResult("principal_id:i", "name:s", "type:s", "authentication_type_desc:s", "default_schema_name:s",
		"owning_principal_id:i", "is_fixed_role:f", "login_name:s")
	for _, b := range builtinPrincipals[:5] {
		var schema, owner, login any
		if b.typ == "S" {
			schema = "dbo"
		} else {
			owner = int64(1)
		}
		if b.name == "dbo" {
			login = "sa" // the login that owns the database
		}
		r.add(b.id, b.name, b.typ, b.auth, schema, owner, false, login)
	}
	for _, p := range db.Principals {
		var schema, login any
		owner := int64(1)
		if p.Login != "" {
			login = p.Login
		}
		if p.Type == "S" {
			schema = "dbo"
			if p.DefaultSchema != "" {
				schema = p.DefaultSchema
			}
		} else {
			if p.Owner != "" {
				owner = db.principalID(p.Owner)
			}
		}
		r.add(p.id, p.Name, p.Type, p.Auth, schema, owner, false, login)
	}
	for _, b := range builtinPrincipals[5:] {
		r.add(b.id, b.name, b.typ, b.auth, nil, int64(1), true, nil)
	}
	return r
}

// roleMembersResult answers qRoleMembers: dbo in db_owner, and the
// memberships of the model.
func (db *DB) roleMembersResult() *result {
	r := newResult("role_principal_id:i", "member_principal_id:i")
	r.add(int64(16384), int64(1))
	for _, p := range db.Principals {
		for _, role := range p.MemberOf {
			r.add(db.principalID(role), p.id)
		}
	}
	return r
}

// databasePermissionsResult answers qDatabasePermissions: the permissions
// of a new database (CONNECT for dbo, the two Always Encrypted metadata
// permissions of public), CONNECT for every user as CREATE USER grants
// it, and the permissions of the model.
func (db *DB) databasePermissionsResult() *result {
	r := newResult("class:t", "class_desc:s", "major_id:i", "minor_id:i", "grantee_principal_id:i",
		"permission_name:s", "state:s", "object_schema:s", "object_name:s", "column_name:s", "schema_name:s")
	database := func(perm string, grantee int64, state string) {
		r.add(int64(0), "DATABASE", int64(0), int64(0), grantee, perm, state, nil, nil, nil, nil)
	}
	database("CONNECT", 1, "G")
	database("VIEW ANY COLUMN ENCRYPTION KEY DEFINITION", 0, "G")
	database("VIEW ANY COLUMN MASTER KEY DEFINITION", 0, "G")
	for _, p := range db.Principals {
		if (p.Type == "S" || p.Type == "U" || p.Type == "G") && !p.NoConnect {
			database("CONNECT", p.id, "G")
		}
	}
	for _, p := range db.Permissions {
		grantee := db.principalID(p.To)
		kind, target, _ := strings.Cut(p.On, ":")
		switch kind {
		case "":
			database(p.Name, grantee, p.State)
		case "schema":
			r.add(int64(3), "SCHEMA", db.schemaID(target), int64(0), grantee, p.Name, p.State, nil, nil, nil, target)
		case "object", "column":
			obj, col := target, ""
			if kind == "column" {
				i := strings.LastIndexByte(target, '.')
				obj, col = target[:i], target[i+1:]
			}
			schema, name, _ := strings.Cut(obj, ".")
			minor, colName := int64(0), any(nil)
			if t := db.table(obj); t != nil && col != "" {
				for _, c := range t.Columns {
					if c.Name == col {
						minor, colName = c.id, c.Name
					}
				}
			}
			r.add(int64(1), "OBJECT_OR_COLUMN", db.lookup(obj), minor, grantee, p.Name, p.State, schema, name, colName, nil)
		case "type":
			id := int64(0)
			for _, tt := range db.TableTypes {
				if strings.EqualFold(tt.Schema+"."+tt.Name, target) {
					id = tt.ID
				}
			}
			if a := db.aliasType(target); a != nil {
				id = a.ID
			}
			r.add(int64(6), "TYPE", id, int64(0), grantee, p.Name, p.State, nil, nil, nil, nil)
		case "xmlcollection":
			r.add(int64(10), "XML_SCHEMA_COLLECTION", db.xmlCollection(target).id, int64(0), grantee, p.Name, p.State, nil, nil, nil, nil)
		case "user":
			r.add(int64(4), "DATABASE_PRINCIPAL", db.principalID(target), int64(0), grantee, p.Name, p.State, nil, nil, nil, nil)
		default:
			panic("sample: bad permission target " + p.On)
		}
	}
	return r
}

// AddPrincipals adds users and roles to a database that was built without
// them (as Bench's), numbered after the built-in principals as New's are.
func (db *DB) AddPrincipals(ps ...*Principal) {
	for _, p := range ps {
		p.id = int64(5 + len(db.Principals))
		db.Principals = append(db.Principals, p)
	}
}

// AddSecurityPolicy adds a row-level security policy to a built database
// (a sys.objects row of type SP, which the scripter reports as not
// scripted, and its predicates).
func (db *DB) AddSecurityPolicy(p *SecurityPolicy) {
	p.id = db.addObject(p.Schema, p.Name, "SP", 0)
	db.SecurityPolicies = append(db.SecurityPolicies, p)
}

// masksResult answers sqlvault:masks: the masking functions.
func (db *DB) masksResult() *result {
	r := newResult("object_id:i", "column_id:i", "masking_function:s")
	for _, t := range db.Tables {
		for _, c := range t.Columns {
			if c.Masked != "" {
				r.add(t.ID, c.id, c.Masked)
			}
		}
	}
	return r
}

// maskedColumnsResult answers sqlvault:masked_columns: the masked columns
// of the tables, and whether the login may unmask them (HAS_PERMS_BY_NAME
// on the database and, as SQL Server 2022 answers it, on the column).
func (h *Handler) maskedColumnsResult(db *DB) *result {
	r := newResult("object_id:i", "column_id:i", "column_name:s", "unmask_database:i", "unmask_column:i")
	for _, t := range db.Tables {
		for _, c := range t.Columns {
			if c.Masked == "" {
				continue
			}
			onDB := int64(1)
			if h.NoUnmask {
				onDB = 0
			}
			var onCol any = onDB
			switch {
			case h.NoGranularUnmask:
				onCol = nil
			case h.UnmaskColumns[t.Schema+"."+t.Name+"."+c.Name]:
				onCol = int64(1)
			}
			r.add(t.ID, c.id, c.Name, onDB, onCol)
		}
	}
	return r
}

// securityPredicatesResult answers sqlvault:security_predicates: the
// filter predicates of the enabled policies.
func (db *DB) securityPredicatesResult() *result {
	type row struct {
		target       int64
		schema, name string
	}
	var rows []row
	for _, p := range db.SecurityPolicies {
		if p.Disabled {
			continue
		}
		for _, f := range p.Filters {
			rows = append(rows, row{db.lookup(f), p.Schema, p.Name})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.target != b.target {
			return a.target < b.target
		}
		if a.schema != b.schema {
			return a.schema < b.schema
		}
		return a.name < b.name
	})
	r := newResult("target_object_id:i", "policy_schema:s", "policy_name:s")
	for _, x := range rows {
		r.add(x.target, x.schema, x.name)
	}
	return r
}

// blockOperations number the operations of block predicates as
// sys.security_predicates.operation does.
var blockOperations = map[string]int64{"AFTER INSERT": 1, "AFTER UPDATE": 2, "BEFORE UPDATE": 3, "BEFORE DELETE": 4}

// securityPoliciesResult answers sqlvault:security_policies: every policy
// with its predicates (filters first, then blocks, in the model's order),
// ordered by schema and name.
func (db *DB) securityPoliciesResult() *result {
	r := newResult("object_id:i", "schema_name:s", "name:s", "is_enabled:f", "is_not_for_replication:f",
		"is_schemabinding_enabled:f", "security_predicate_id:i", "target_object_id:i", "predicate_definition:S",
		"predicate_type:i", "operation:t")
	ps := append([]*SecurityPolicy(nil), db.SecurityPolicies...)
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Schema != ps[j].Schema {
			return ps[i].Schema < ps[j].Schema
		}
		return ps[i].Name < ps[j].Name
	})
	for _, p := range ps {
		def := p.Predicate
		if def == "" {
			def = "[dbo].[fn_rls]([id])"
		}
		row := func(id int64, target string, typ int64, op any) {
			r.add(p.id, p.Schema, p.Name, !p.Disabled, p.NotForReplication, p.NoSchemaBinding, id, db.lookup(target), def, typ, op)
		}
		n := int64(0)
		for _, f := range p.Filters {
			n++
			row(n, f, 0, nil)
		}
		for _, b := range p.Blocks {
			n++
			target, op, _ := strings.Cut(b, " ")
			var o any
			if op != "" {
				o = blockOperations[op]
			}
			row(n, target, 1, o)
		}
		if n == 0 {
			r.add(p.id, p.Schema, p.Name, !p.Disabled, p.NotForReplication, p.NoSchemaBinding, nil, nil, nil, nil, nil)
		}
	}
	return r
}
