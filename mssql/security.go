package mssql

import (
	"fmt"
	"sort"
	"strings"
)

// Principal is a database principal (sys.database_principals).
type Principal struct {
	ID            int64
	Name          string
	Type          string // S SQL user, U Windows user, G Windows group, A application role, R role, C/K certificate/key user, E/X Entra ID
	Auth          string // authentication_type_desc: NONE, INSTANCE, DATABASE, WINDOWS
	DefaultSchema string
	Owner         int64
	FixedRole     bool
	Login         string // users mapped to a login: the login's name, "" when it cannot be read
}

// loginMapped tells SQL and Windows users that belong to a server login
// (authentication INSTANCE or WINDOWS); whether the login's name is known
// is another matter (Login).
func (p *Principal) loginMapped() bool {
	return (p.Type == "S" || p.Type == "U" || p.Type == "G") &&
		(strings.EqualFold(p.Auth, "INSTANCE") || strings.EqualFold(p.Auth, "WINDOWS"))
}

// builtin tells the principals every database has: public (0), dbo (1),
// guest (2), INFORMATION_SCHEMA (3), sys (4) and the fixed roles, and
// those the server makes itself, named ##...## (as ##MS_PolicyEventProcessingLogin##).
func (p *Principal) builtin() bool {
	return p.ID < 5 || p.FixedRole || len(p.Name) > 4 && strings.HasPrefix(p.Name, "##") && strings.HasSuffix(p.Name, "##")
}

// Permission is a row of sys.database_permissions.
type Permission struct {
	Class     int64
	ClassDesc string
	Major     int64
	Minor     int64
	Grantee   int64
	Name      string // permission_name: SELECT, EXECUTE, VIEW DEFINITION, ...
	State     string // G grant, W grant with grant option, D deny, R revoke
	ObjSchema string // class 1: the object's schema and name (system objects too)
	ObjName   string
	Column    string // class 1 with minor_id > 0
	Schema    string // class 3
}

// SecurityItem is one statement of security.sql, or a CREATE USER of
// schema.sql (Catalog.Users).
type SecurityItem struct {
	Group  string // the comment above a run of items
	Kind   string // for the manifest: user, role, role member, schema owner, ..., permission
	Name   string
	Stmt   string
	Object int64  // the object the statement is about, so that an object left out leaves it out too
	Column string // and the column, for a permission on one
}

func (c *Catalog) addPrincipal(r *record) error {
	p := &Principal{ID: r.int("principal_id"), Name: r.str("name"), Type: strings.TrimSpace(r.str("type")),
		Auth: r.str("authentication_type_desc"), DefaultSchema: r.str("default_schema_name"),
		Owner: r.int("owning_principal_id"), FixedRole: r.bool("is_fixed_role"), Login: r.str("login_name")}
	c.principals[p.ID] = p
	return nil
}

func (c *Catalog) addPermission(r *record) error {
	c.perms = append(c.perms, &Permission{Class: r.int("class"), ClassDesc: r.str("class_desc"),
		Major: r.int("major_id"), Minor: r.int("minor_id"), Grantee: r.int("grantee_principal_id"),
		Name: r.str("permission_name"), State: strings.TrimSpace(r.str("state")),
		ObjSchema: r.str("object_schema"), ObjName: r.str("object_name"), Column: r.str("column_name"),
		Schema: r.str("schema_name")})
	return nil
}

// NeededLogin is a login that a user of schema.sql is created for: the
// user, and what depends on it, exists in the copy only where the target
// server has a login of that name.
type NeededLogin struct {
	Login string `json:"login"`
	User  string `json:"user"`
}

// Reasons for what security.sql leaves out.
const (
	reasonLoginUnknown   = "mapped to a server login whose name cannot be read (the login was dropped, or the backup's login cannot see it: grant it VIEW ANY DEFINITION on the server); create the login and user on the target server"
	reasonWindowsUnknown = "a Windows user or group whose login cannot be named (it has no login of its own, or the backup's login cannot see it: grant it VIEW ANY DEFINITION on the server); create it on the target server"
	reasonOwnerGone      = "owned by %s, which is not scripted; %s owns it in the copy"
)

// principalName names a principal by id, also one that is not visible.
func (c *Catalog) principalName(id int64) string {
	if p := c.principals[id]; p != nil {
		return quoteIdent(p.Name)
	}
	return fmt.Sprintf("[principal %d]", id)
}

// principalScripted tells the principals that exist in the copy: the
// built-in ones but INFORMATION_SCHEMA, sys and the ##...## ones (which
// own and get nothing, or may not exist in the new database), roles, and
// the users userReason does not rule out (those for a login exist only
// where the login does).
func (c *Catalog) principalScripted(id int64) bool {
	p := c.principals[id]
	switch {
	case p == nil:
		return false
	case p.builtin():
		return p.ID != 3 && p.ID != 4 && (p.ID < 5 || p.FixedRole)
	case p.Type == "R":
		return true
	}
	return userReason(p) == ""
}

// security decides what security.sql creates.
type security struct {
	c        *Catalog
	scripted map[int64]bool // principals that exist in the copy: scripted ones and the built-in ones
	cond     map[int64]bool // scripted users that exist in the copy only where their login does
	objects  map[int64]bool // tables, modules, sequences and synonyms that schema.sql creates
	schemas  map[int64]bool // schemas that schema.sql creates
	types    map[int64]bool // types that schema.sql creates
	items    []SecurityItem
}

// userReason says why a user or application role is not scripted, or ""
// for a user without login, or with a login whose name is known, which
// are.
func userReason(p *Principal) string {
	switch {
	case p.Type == "S" && strings.EqualFold(p.Auth, "NONE"):
		return ""
	case p.Type == "A":
		return "application roles are not scripted (their password cannot be read); create it on the target server"
	case p.Type == "C" || p.Type == "K":
		return "mapped to a certificate or asymmetric key, which is not scripted"
	case p.Type == "E" || p.Type == "X":
		return "a Microsoft Entra ID user or group; create it on the target server"
	case strings.EqualFold(p.Auth, "DATABASE"):
		return "a contained database user with a password, which cannot be read; create it on the target server"
	case p.loginMapped() && p.Login != "":
		return ""
	case p.loginMapped() && p.Type == "S":
		return reasonLoginUnknown
	case p.loginMapped():
		return reasonWindowsUnknown
	}
	return "this kind of principal is not scripted"
}

// planSecurity fills c.Users (users without login, and users for a login,
// created only where the login exists) and c.Security (roles, role
// members, owners other than the default, and permissions) with what
// involves only principals that exist in the copy; a statement about a
// user for a login runs only where that user was created. What it leaves
// out is reported. c.NeedsLogins lists the logins.
func (c *Catalog) planSecurity() {
	s := &security{c: c, scripted: map[int64]bool{}, cond: map[int64]bool{},
		objects: map[int64]bool{}, schemas: map[int64]bool{}, types: map[int64]bool{}}
	for _, t := range c.Tables {
		s.objects[t.ID] = true
	}
	for _, m := range c.Modules {
		s.objects[m.ID] = true
	}
	for _, q := range c.Sequences {
		s.objects[q.ID] = true
	}
	for _, y := range c.Synonyms {
		s.objects[y.ID] = true
	}
	for _, sc := range c.Schemas {
		s.schemas[sc.ID] = true
	}
	for _, t := range c.Types {
		s.types[t.ID] = true
	}
	var users, roles []*Principal
	for _, p := range c.principals {
		s.scripted[p.ID] = c.principalScripted(p.ID)
		switch {
		case p.builtin():
		case p.Type == "R":
			roles = append(roles, p)
		case s.scripted[p.ID]:
			users = append(users, p)
			s.cond[p.ID] = p.loginMapped()
		default:
			kind := "user"
			if p.Type == "A" {
				kind = "application role"
			}
			c.unscripted(kind, quoteIdent(p.Name), userReason(p))
		}
	}
	byName := func(ps []*Principal) {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	}
	byName(users)
	byName(roles)
	for _, u := range users {
		stmt := "CREATE USER " + quoteIdent(u.Name)
		if s.cond[u.ID] {
			stmt += " FOR LOGIN " + quoteIdent(u.Login)
			c.NeedsLogins = append(c.NeedsLogins, NeededLogin{Login: u.Login, User: quoteIdent(u.Name)})
		} else {
			stmt += " WITHOUT LOGIN"
		}
		if u.DefaultSchema != "" && u.DefaultSchema != "dbo" {
			stmt += " WITH DEFAULT_SCHEMA = " + quoteIdent(u.DefaultSchema)
		}
		stmt += ";"
		if s.cond[u.ID] {
			stmt = loginUserStmt(u, stmt)
		}
		s.add("Users", "user", quoteIdent(u.Name), stmt, 0)
	}
	c.Users, s.items = s.items, nil
	sort.Slice(c.NeedsLogins, func(i, j int) bool {
		a, b := c.NeedsLogins[i], c.NeedsLogins[j]
		if a.Login != b.Login {
			return a.Login < b.Login
		}
		return a.User < b.User
	})
	s.roles(roles)
	s.members()
	s.owners()
	s.permissions(users)
	c.Security = s.items
}

func (s *security) add(group, kind, name, stmt string, object int64) {
	s.items = append(s.items, SecurityItem{Group: group, Kind: kind, Name: name, Stmt: stmt, Object: object})
}

// loginUserStmt creates a user for a login only where the target server
// has a SQL or Windows login of that name that has no user in the
// database yet (a login that owns the new database is its dbo already);
// otherwise it prints why the user is not created, and the script goes on.
// It asks sys.server_principals, which also tells the login's type,
// rather than SUSER_SID, which also finds Windows accounts that are no
// login.
func loginUserStmt(u *Principal, create string) string {
	login, user := nlit(u.Login), quoteIdent(u.Name)
	why := func(s string) string {
		return nlit("sqlvault: login " + quoteIdent(u.Login) + " " + s + "; user " + user + " and what depends on it were not created")
	}
	return "IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE name = " + login + " AND type IN ('S', 'U', 'G'))\n" +
		"    PRINT " + why("does not exist on this server, or the restoring login cannot see it") + ";\n" +
		"ELSE IF EXISTS (SELECT 1 FROM sys.database_principals AS u JOIN sys.server_principals AS l ON l.sid = u.sid WHERE l.name = " + login + ")\n" +
		"    PRINT " + why("already has a user in this database") + ";\n" +
		"ELSE\n" +
		"    " + create
}

// guard makes stmt run only where the users among ids that exist only
// where their login does were created; statements about principals that
// always exist in the copy are left as they are.
func (s *security) guard(stmt string, ids ...int64) string {
	var users []string
	for _, id := range ids {
		if s.cond[id] {
			users = append(users, s.c.principals[id].Name)
		}
	}
	return ifUsersExist(stmt, users...)
}

// moduleUser returns the id of the user for a login that the module id
// executes as (Module.loginUser), or 0: what is about the module is run
// only where the module was created.
func (s *security) moduleUser(id int64) int64 {
	if m := s.c.modules[id]; m != nil && m.loginUser != "" {
		return m.ExecuteAs
	}
	return 0
}

// owner returns the name of the principal that is to own something in
// the copy: owner itself when it exists there, else dbo, reported.
func (s *security) owner(owner int64, kind, name, fallback string) (string, bool) {
	if s.scripted[owner] {
		return s.c.principalName(owner), true
	}
	s.c.unscripted(kind, name, fmt.Sprintf(reasonOwnerGone, s.c.principalName(owner), fallback))
	return "", false
}

// roles creates the roles, each after the role that owns it; roles that
// own each other in a cycle are created owned by dbo and handed to their
// owners once all exist.
func (s *security) roles(roles []*Principal) {
	created := map[int64]bool{}
	var later []*Principal
	for len(roles) > 0 {
		var rest []*Principal
		progress := false
		for _, r := range roles {
			o := s.c.principals[r.Owner]
			if o != nil && o.Type == "R" && !o.builtin() && !created[o.ID] && s.scripted[o.ID] {
				rest = append(rest, r)
				continue
			}
			owner, ok := s.owner(r.Owner, "role owner", quoteIdent(r.Name), "dbo")
			if !ok {
				owner = "[dbo]"
			} else if s.cond[r.Owner] {
				// Owned by a user for a login: by dbo until that user is
				// known to exist.
				owner = "[dbo]"
				later = append(later, r)
			}
			s.add("Roles", "role", quoteIdent(r.Name), fmt.Sprintf("CREATE ROLE %s AUTHORIZATION %s;", quoteIdent(r.Name), owner), 0)
			created[r.ID] = true
			progress = true
		}
		if !progress {
			for _, r := range rest {
				s.add("Roles", "role", quoteIdent(r.Name), fmt.Sprintf("CREATE ROLE %s AUTHORIZATION [dbo];", quoteIdent(r.Name)), 0)
			}
			later, rest = append(later, rest...), nil
		}
		roles = rest
	}
	sort.SliceStable(later, func(i, j int) bool { return later[i].Name < later[j].Name })
	for _, r := range later {
		s.add("Roles", "role owner", quoteIdent(r.Name), s.guard(fmt.Sprintf("ALTER AUTHORIZATION ON ROLE::%s TO %s;", quoteIdent(r.Name), s.c.principalName(r.Owner)), r.Owner), 0)
	}
}

// members adds the members of roles. dbo, a member of db_owner in every
// database, cannot be added to a role.
func (s *security) members() {
	type member struct {
		role, member string
		ids          [2]int64
	}
	var ms []member
	for _, m := range s.c.members {
		if m[1] == 1 {
			continue
		}
		role, who := s.c.principalName(m[0]), s.c.principalName(m[1])
		if !s.scripted[m[0]] || !s.scripted[m[1]] {
			missing := who
			if !s.scripted[m[0]] {
				missing = role
			}
			s.c.unscripted("role member", who+" in "+role, missing+" is not scripted")
			continue
		}
		ms = append(ms, member{role, who, m})
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].role != ms[j].role {
			return ms[i].role < ms[j].role
		}
		return ms[i].member < ms[j].member
	})
	for _, m := range ms {
		s.add("Role members", "role member", m.member+" in "+m.role, s.guard(fmt.Sprintf("ALTER ROLE %s ADD MEMBER %s;", m.role, m.member), m.ids[0], m.ids[1]), 0)
	}
}

// owners hands schemas owned by others than dbo, and objects and types
// with an owner of their own, to their owners. It comes before the
// permissions: a change of owner drops the permissions on the securable.
func (s *security) owners() {
	c := s.c
	for _, sc := range c.Schemas {
		if sc.OwnerID == 0 || sc.OwnerID == 1 {
			continue
		}
		name := quoteIdent(sc.Name)
		if owner, ok := s.owner(sc.OwnerID, "schema owner", name, "dbo"); ok {
			s.add("Owners", "schema owner", name, s.guard(fmt.Sprintf("ALTER AUTHORIZATION ON SCHEMA::%s TO %s;", name, owner), sc.OwnerID), 0)
		}
	}
	var objs []*object
	for _, o := range c.objects {
		if o.owner != 0 && s.objects[o.id] {
			objs = append(objs, o)
		}
	}
	sort.Slice(objs, func(i, j int) bool {
		return quoteName(objs[i].schema, objs[i].name) < quoteName(objs[j].schema, objs[j].name)
	})
	for _, o := range objs {
		name := quoteName(o.schema, o.name)
		if owner, ok := s.owner(o.owner, "object owner", name, "the schema owner"); ok {
			s.add("Owners", "object owner", name, s.guard(fmt.Sprintf("ALTER AUTHORIZATION ON OBJECT::%s TO %s;", name, owner), o.owner, s.moduleUser(o.id)), o.id)
		}
	}
	s.fulltextOwners()
	s.policyOwners()
	s.xmlCollectionOwners()
	for _, t := range c.Types {
		if t.OwnerID == 0 {
			continue
		}
		name := quoteName(t.Schema, t.Name)
		if owner, ok := s.owner(t.OwnerID, "type owner", name, "the schema owner"); ok {
			s.add("Owners", "type owner", name, s.guard(fmt.Sprintf("ALTER AUTHORIZATION ON TYPE::%s TO %s;", name, owner), t.OwnerID), 0)
		}
	}
}

// securable renders the ON clause of a permission, and where it is not
// scripted, why.
func (s *security) securable(p *Permission) (on, group, why string, object int64) {
	c := s.c
	switch p.Class {
	case 0:
		return "", "Permissions on the database", "", 0
	case 1:
		name := quoteName(p.ObjSchema, p.ObjName)
		if o := c.objects[p.Major]; o != nil {
			name = quoteName(o.schema, o.name)
		}
		on = " ON OBJECT::" + name
		if p.Minor > 0 {
			on += " (" + quoteIdent(p.Column) + ")"
		}
		switch {
		case p.Major < 0 && p.ObjName != "":
			// A system object: it exists in every database.
		case p.Major < 0 || !s.objects[p.Major]:
			why = "its object " + name + " is not scripted"
		}
		return on, "Permissions on " + name, why, p.Major
	case 3:
		name := quoteIdent(p.Schema)
		if known := p.Major < 5 || p.Major >= 16384 || s.schemas[p.Major]; !known {
			why = "its schema " + name + " is not scripted"
		}
		return " ON SCHEMA::" + name, "Permissions on schema " + name, why, 0
	case 4:
		pr := c.principals[p.Major]
		name := c.principalName(p.Major)
		class := "USER"
		if pr != nil && pr.Type == "R" {
			class = "ROLE"
		} else if pr != nil && pr.Type == "A" {
			class = "APPLICATION ROLE"
		}
		if !s.scripted[p.Major] {
			why = name + " is not scripted"
		}
		return " ON " + class + "::" + name, "Permissions on " + strings.ToLower(class) + " " + name, why, 0
	case 10:
		// An XML schema collection (sys.database_permissions class 10:
		// GRANT ... ON XML SCHEMA COLLECTION::[s].[c]).
		name := fmt.Sprintf("[XML schema collection %d]", p.Major)
		if x := c.xmlCollections[p.Major]; x != nil {
			name = quoteName(x.Schema, x.Name)
		}
		if x := c.xmlCollections[p.Major]; x == nil || !x.HasDefinition {
			why = "its XML schema collection " + name + " is not scripted"
		}
		return " ON XML SCHEMA COLLECTION::" + name, "Permissions on XML schema collection " + name, why, 0
	case 6:
		name := fmt.Sprintf("[type %d]", p.Major)
		if t := c.types[p.Major]; t != nil {
			name = quoteName(t.Schema, t.Name)
		}
		if !s.types[p.Major] {
			why = "its type " + name + " is not scripted"
		}
		return " ON TYPE::" + name, "Permissions on type " + name, why, 0
	}
	on = fmt.Sprintf(" ON %s %d", p.ClassDesc, p.Major)
	return on, "", "permissions on " + strings.ToLower(strings.ReplaceAll(p.ClassDesc, "_", " ")) + " securables are not scripted", 0
}

// permissionStmt renders GRANT, GRANT ... WITH GRANT OPTION, DENY or
// REVOKE (a column-level exception to an object-level permission).
func permissionStmt(state, perm, on, grantee string) string {
	switch state {
	case "D":
		return "DENY " + perm + on + " TO " + grantee + ";"
	case "R":
		return "REVOKE " + perm + on + " FROM " + grantee + ";"
	case "W":
		return "GRANT " + perm + on + " TO " + grantee + " WITH GRANT OPTION;"
	}
	return "GRANT " + perm + on + " TO " + grantee + ";"
}

// permissions adds the permissions whose securable and grantee exist in
// the copy. dbo, sys and INFORMATION_SCHEMA cannot be granted anything
// (dbo's CONNECT is implicit), and CREATE USER grants CONNECT: a user's
// CONNECT is left implicit, and revoked for a scripted user who lacks it.
func (s *security) permissions(users []*Principal) {
	c := s.c
	type perm struct {
		class                int64
		group, column        string
		grantee, name, state string
		item                 SecurityItem
	}
	var ps []perm
	connect := map[int64]bool{} // users with a CONNECT row: granted, denied or grantable
	for _, p := range c.perms {
		if p.Grantee == 1 || p.Grantee == 3 || p.Grantee == 4 {
			continue
		}
		if gp := c.principals[p.Grantee]; p.Class == 0 && p.Name == "CONNECT" && gp != nil && !gp.builtin() && gp.Type != "R" && gp.Type != "A" {
			connect[p.Grantee] = true
			if p.State == "G" {
				continue
			}
		}
		grantee := c.principalName(p.Grantee)
		on, group, why, object := s.securable(p)
		stmt := permissionStmt(p.State, p.Name, on, grantee)
		if why == "" && !s.scripted[p.Grantee] {
			why = "its grantee " + grantee + " is not scripted"
		}
		if why != "" {
			c.unscripted("permission", strings.TrimSuffix(stmt, ";"), why)
			continue
		}
		about := p.Grantee // and the user the securable needs: a module's, or the principal's
		switch p.Class {
		case 1:
			about = s.moduleUser(p.Major)
		case 4:
			about = p.Major
		}
		guarded := s.guard(stmt, p.Grantee, about)
		ps = append(ps, perm{class: p.Class, group: group, column: p.Column, grantee: grantee, name: p.Name, state: p.State,
			item: SecurityItem{Group: group, Kind: "permission", Name: strings.TrimSuffix(stmt, ";"), Stmt: guarded, Object: object, Column: p.Column}})
	}
	for _, u := range users {
		if !connect[u.ID] {
			stmt := permissionStmt("R", "CONNECT", "", quoteIdent(u.Name))
			ps = append(ps, perm{group: "Permissions on the database", grantee: quoteIdent(u.Name), name: "CONNECT", state: "R",
				item: SecurityItem{Group: "Permissions on the database", Kind: "permission", Name: strings.TrimSuffix(stmt, ";"), Stmt: s.guard(stmt, u.ID)}})
		}
	}
	// By securable (an object before its columns), grantee, permission.
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		switch {
		case a.class != b.class:
			return a.class < b.class
		case a.group != b.group:
			return a.group < b.group
		case a.column != b.column:
			return a.column < b.column
		case a.grantee != b.grantee:
			return a.grantee < b.grantee
		case a.name != b.name:
			return a.name < b.name
		}
		return a.state < b.state
	})
	for _, p := range ps {
		s.items = append(s.items, p.item)
	}
}
