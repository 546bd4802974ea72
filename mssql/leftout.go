package mssql

import (
	"errors"
	"sort"
)

// What the copy leaves out, and why. The options leave tables out
// (ExcludeTables; Tables, which also leaves out everything but tables and
// alias types), and Catalog.finish reports what cannot be scripted.
// Whatever would fail to be created without one of those is left out too,
// transitively (sys.sql_expression_dependencies, foreign keys, the tables
// of triggers, the objects of indexes, permissions and extended
// properties), and listed in the manifest: under unscripted (warned
// about, the snapshot incomplete) when it goes back to an object that
// cannot be scripted, and under left_out (a note: the copy is what the
// options asked for) when it goes back to the options. What belongs to a
// table or object that is not created (its columns, constraints, indexes,
// triggers, permissions) goes with it unlisted, unless that object was
// itself left out for what it depends on.

// cause tells what leaves something out of the copy.
type cause uint8

const (
	causeOptions    cause = iota + 1 // Options.Tables or ExcludeTables
	causeUnscripted                  // it cannot be scripted (Catalog.Unscripted)
)

// Statuses of what is not created, as reasons name them: "depends on
// [sales].[Orders], which is excluded".
const (
	statusExcluded    = "is excluded"
	statusNotSelected = "is not selected"
	statusUnscripted  = "is not scripted"
	statusLeftOut     = "is left out"
)

// absence tells why something of the database is not created by the
// scripts: its cause, which what depends on it inherits, and its status.
type absence struct {
	cause  cause
	status string
}

// derived tells what is left out for what it depends on.
func (a absence) derived() bool { return a.status == statusLeftOut }

// which names something absent in a reason: "[s].[t], which is excluded".
func (a absence) which(name string) string { return name + ", which " + a.status }

// leftOut returns the absence of what depends on a: left out, for a's
// cause.
func (a absence) leftOut() absence { return absence{a.cause, statusLeftOut} }

// leftItem is something left out for what it depends on, to be listed.
type leftItem struct {
	kind, name, reason string
	a                  absence
}

// planLeftOut decides what the scripts create: the absent objects, types
// and computed columns, the tables as scripted (prunedTable), and the
// triggers, extended properties and security statements to write. What
// is left out for what it depends on is listed in the manifest
// (Manifest.Unscripted or LeftOut), where the files that would hold it
// are written.
func (s *scripter) planLeftOut() {
	c := s.c
	s.planRoots()
	var left []leftItem
	leave := func(kind, name, reason string, a absence) {
		left = append(left, leftItem{kind, name, reason, a})
	}
	s.planEdgeTables(leave)
	s.planDependents(leave)
	s.planSecurityPolicies(leave)
	// The tables as scripted, and the parts of views left out.
	s.absentFulltext = map[int64]absence{}
	for i, t := range s.tables {
		s.tables[i] = s.prunedTable(t, leave)
		s.planFulltext(t, leave)
	}
	for _, m := range c.Modules {
		vt := c.tables[m.ID]
		a, gone := s.absent[m.ID]
		if m.Type != "V" || vt == nil || !gone || !a.derived() {
			continue
		}
		on := "on " + a.which(quoteName(m.Schema, m.Name))
		for _, ix := range vt.Indexes {
			if ix.Type == 1 || ix.Type == 2 {
				leave("index", quoteName(vt.Schema, vt.Name)+"."+quoteIdent(ix.Name), on, a)
			}
		}
		for _, st := range vt.Stats {
			leave("statistics", quoteName(vt.Schema, vt.Name)+"."+quoteIdent(st.Name), on, a)
		}
	}
	for _, m := range c.Modules {
		if _, gone := s.absent[m.ID]; !gone && m.Type == "TR" {
			s.triggers = append(s.triggers, m)
		}
	}
	if !s.filtered && !s.opts.DataOnly { // else neither is written
		s.planExtProps(leave)
		for _, it := range c.Security {
			if a, on, gone := s.itemAbsence(it); gone {
				if a.derived() {
					leave(it.Kind, it.Name, "on "+a.which(on), a)
				}
				continue
			}
			s.security = append(s.security, it)
		}
	}
	if s.opts.DataOnly {
		return // no file that would hold them is written
	}
	for _, l := range left {
		u := Unscripted{Kind: l.kind, Name: l.name, Reason: l.reason}
		if l.a.cause == causeUnscripted {
			s.m.Unscripted = append(s.m.Unscripted, u)
		} else {
			s.m.LeftOut = append(s.m.LeftOut, u)
		}
	}
}

// planRoots marks what the options leave out (the tables not chosen; with
// Tables, every object but tables) and what cannot be scripted (not in
// the catalog's lists), and the constraints of tables not created.
func (s *scripter) planRoots() {
	c := s.c
	s.absent, s.absentType = map[int64]absence{}, map[int64]absence{}
	s.absentCol, s.absentIndex = map[[2]int64]absence{}, map[[2]int64]absence{}
	notSelected := absence{causeOptions, statusNotSelected}
	unscripted := absence{causeUnscripted, statusUnscripted}
	scriptable := map[int64]bool{}
	for _, t := range c.Tables {
		scriptable[t.ID] = true
	}
	for _, m := range c.Modules {
		scriptable[m.ID] = true
	}
	for _, q := range c.Sequences {
		scriptable[q.ID] = true
	}
	for _, y := range c.Synonyms {
		scriptable[y.ID] = true
	}
	for _, p := range c.SecurityPolicies {
		scriptable[p.ID] = true
	}
	typeOK := map[int64]bool{}
	for _, t := range c.Types {
		typeOK[t.ID] = true
		if t.TableObject != 0 {
			scriptable[t.TableObject] = true
		}
	}
	for id, t := range c.types {
		switch {
		case !typeOK[id]:
			s.absentType[id] = unscripted
		case t.IsTable && s.filtered:
			s.absentType[id] = notSelected
		}
	}
	// The roots: what the options or the catalog leave out.
	for id, o := range c.objects {
		switch {
		case o.typ == "PK" || o.typ == "UQ" || o.typ == "D" || o.typ == "C" || o.typ == "F" || o.typ == "EC" || o.typ == "TR" && scriptable[id]:
			// Parts of their table: below.
		case !scriptable[id]:
			s.absent[id] = unscripted
		case o.typ == "U" && !s.chosen[id]:
			s.absent[id] = notSelected
			for _, p := range s.opts.ExcludeTables {
				if matchTable(p, c.tables[id]) {
					s.absent[id] = absence{causeOptions, statusExcluded}
				}
			}
		case o.typ != "U" && s.filtered:
			s.absent[id] = notSelected
		}
	}
	for id, o := range c.objects {
		if a, ok := s.absent[o.parent]; ok && o.typ != "TR" && o.parent != 0 {
			if _, own := s.absent[id]; !own {
				s.absent[id] = a // a constraint of a table that is not created
			}
		}
	}
}

// planDependents leaves out what depends on what is not created (and
// triggers on tables and views not created), to a fixed point, in a fixed
// order so that reasons name the same dependency every time.
func (s *scripter) planDependents(leave func(kind, name, reason string, a absence)) {
	c := s.c
	froms := make([]int64, 0, len(c.deps)+len(c.typeDeps))
	for id := range c.deps {
		froms = append(froms, id)
	}
	for id := range c.typeDeps {
		if _, ok := c.deps[id]; !ok {
			froms = append(froms, id)
		}
	}
	sort.Slice(froms, func(i, j int) bool { return froms[i] < froms[j] })
	for changed := true; changed; {
		changed = false
		for _, from := range froms {
			for _, d := range c.deps[from] {
				changed = s.leaveOutDependent(from, d, false, leave) || changed
			}
			for _, d := range c.typeDeps[from] {
				changed = s.leaveOutDependent(from, d, true, leave) || changed
			}
		}
		for _, m := range c.Modules {
			if m.Type != "TR" {
				continue
			}
			if _, gone := s.absent[m.ID]; gone {
				continue
			}
			if a, ok := s.absent[m.Parent]; ok {
				s.absent[m.ID] = a // a part of its table or view
				if a.derived() {
					s.absent[m.ID] = a.leftOut()
					leave("trigger", quoteName(m.Schema, m.Name), "on "+a.which(c.qualified(m.Parent)), a)
				}
				changed = true
			}
		}
	}
}

// leaveOutDependent leaves out what from (with d.minor, a computed column
// of it) is if what d refers to is not created and its creation would
// fail without it; it reports whether it did.
func (s *scripter) leaveOutDependent(from int64, d dependency, typ bool, leave func(kind, name, reason string, a absence)) bool {
	c := s.c
	o := c.objects[from]
	if o == nil {
		return false
	}
	if _, gone := s.absent[from]; gone {
		return false
	}
	a, name, ok := s.dependencyAbsence(d, typ)
	if !ok {
		return false
	}
	reason := "depends on " + a.which(name)
	switch {
	case o.typ == "U" && d.minor > 0:
		// A computed column: CREATE TABLE binds its expression.
		t := c.tables[from]
		col := t.column(d.minor)
		key := [2]int64{from, d.minor}
		if _, gone := s.absentCol[key]; gone || col == nil || !col.Computed {
			return false
		}
		s.absentCol[key] = a.leftOut()
		leave("computed column", quoteName(t.Schema, t.Name)+"."+quoteIdent(col.Name), reason, a)
	case (o.typ == "D" || o.typ == "C") && c.objects[o.parent] != nil && c.objects[o.parent].typ == "U":
		// A default or check constraint binds its expression too.
		s.absent[from] = a.leftOut()
		kind := "default constraint"
		if o.typ == "C" {
			kind = "check constraint"
		}
		leave(kind, c.qualified(o.parent)+"."+quoteIdent(o.name), reason, a)
	case c.modules[from] != nil:
		m := c.modules[from]
		if !createFails(m, d, typ, c.objects[d.to]) {
			return false
		}
		s.absent[from] = a.leftOut()
		leave(kindOfModule(m.Type), quoteName(m.Schema, m.Name), reason, a)
	default:
		return false
	}
	return true
}

// createFails tells whether creating module m fails when what d refers to
// (to, if an object) does not exist. A view, an inline function and any
// schema-bound module bind every name. A procedure, trigger or function
// with a body of statements resolves table names when it runs (deferred
// name resolution, "Deferred Name Resolution and Compilation": only
// table objects may be missing, all other objects must exist), and a
// missing procedure it executes only gets message 2007 ("The module will
// still be created"); so it fails for a missing type, function, sequence
// or column, but not for a missing table, view, synonym or procedure.
func createFails(m *Module, d dependency, typ bool, to *object) bool {
	if m.SchemaBound || m.Type == "V" || m.Type == "IF" || typ || d.toMinor != 0 || to == nil {
		return true
	}
	switch to.typ {
	case "U", "V", "SN", "P", "PC", "X":
		return false
	}
	return true
}

// dependencyAbsence tells whether what d refers to is not created, why,
// and its name.
func (s *scripter) dependencyAbsence(d dependency, typ bool) (absence, string, bool) {
	c := s.c
	if typ {
		a, ok := s.absentType[d.to]
		if t := c.types[d.to]; ok && t != nil {
			return a, quoteName(t.Schema, t.Name), true
		}
		return absence{}, "", false
	}
	if a, ok := s.absent[d.to]; ok {
		return a, c.qualified(d.to), true
	}
	if a, ok := s.absentCol[[2]int64{d.to, d.toMinor}]; ok && d.toMinor != 0 {
		return a, s.columnName(d.to, d.toMinor), true
	}
	return absence{}, "", false
}

// columnName names a column of a table: [s].[t].[c].
func (s *scripter) columnName(table, column int64) string {
	name := s.c.qualified(table)
	if t := s.c.tables[table]; t != nil {
		if col := t.column(column); col != nil {
			return name + "." + quoteIdent(col.Name)
		}
	}
	return name + "." + "[column " + itoa(column) + "]"
}

// column returns the column of t with the given id, or nil.
func (t *Table) column(id int64) *Column {
	for _, col := range t.Columns {
		if col.ID == id {
			return col
		}
	}
	return nil
}

// part returns the id of the constraint named name of the table id (a
// default or key), or 0.
func (s *scripter) part(table int64, name string) int64 {
	if s.parts == nil {
		s.parts = map[partKey]int64{}
		for id, o := range s.c.objects {
			if o.parent != 0 && o.typ != "TR" {
				s.parts[partKey{o.parent, o.name}] = id
			}
		}
	}
	return s.parts[partKey{table, name}]
}

// partKey finds a constraint by its table and name.
type partKey struct {
	table int64
	name  string
}

// prunedTable returns t as the scripts create it: without its computed
// columns left out, the defaults and checks left out, and the keys,
// indexes, statistics and foreign keys on columns left out or referencing
// a table that is not created (listed with leave, the foreign keys to a
// table the options leave out too).
func (s *scripter) prunedTable(t *Table, leave func(kind, name, reason string, a absence)) *Table {
	c := s.c
	name := quoteName(t.Schema, t.Name)
	gone := map[string]absence{} // columns left out, by name
	p := *t
	p.Columns = nil
	for _, col := range t.Columns {
		if a, ok := s.absentCol[[2]int64{t.ID, col.ID}]; ok {
			gone[col.Name] = a
			continue
		}
		if col.DefaultDef != "" {
			if _, ok := s.absent[s.part(t.ID, col.DefaultName)]; ok {
				cp := *col
				cp.DefaultName, cp.DefaultDef = "", ""
				col = &cp
			}
		}
		p.Columns = append(p.Columns, col)
	}
	// onColumns returns the first of cols that is left out.
	onColumns := func(cols ...string) (absence, string, bool) {
		for _, col := range cols {
			if a, ok := gone[col]; ok {
				return a, name + "." + quoteIdent(col), true
			}
		}
		return absence{}, "", false
	}
	p.Indexes = nil
	for _, ix := range t.Indexes {
		cols := append([]string(nil), ix.Included...)
		for _, k := range ix.Keys {
			cols = append(cols, k.Column)
		}
		if a, col, ok := onColumns(cols...); ok {
			kind := "index"
			switch {
			case ix.PrimaryKey:
				kind = "primary key"
			case ix.UniqueConstraint:
				kind = "unique constraint"
			}
			s.absentIndex[[2]int64{t.ID, ix.ID}] = a.leftOut()
			if id := s.part(t.ID, ix.Name); id != 0 && (ix.PrimaryKey || ix.UniqueConstraint) {
				s.absent[id] = a.leftOut()
			}
			leave(kind, name+"."+quoteIdent(ix.Name), "depends on "+a.which(col), a)
			continue
		}
		p.Indexes = append(p.Indexes, ix)
	}
	p.Checks = nil
	for _, ck := range t.Checks {
		if _, ok := s.absent[ck.ID]; !ok {
			p.Checks = append(p.Checks, ck)
		}
	}
	p.ForeignKeys = nil
	for _, fk := range t.ForeignKeys {
		fkName := name + "." + quoteIdent(fk.Name)
		if a, ok := s.absent[fk.Referenced]; ok {
			s.absent[fk.ID] = a.leftOut()
			leave("foreign key", fkName, "references "+a.which(fk.ReferencedName), a)
			continue
		}
		a, col, ok := onColumns(fk.Columns...)
		if rt := c.tables[fk.Referenced]; !ok && rt != nil {
			for _, rc := range fk.RefColumns {
				for _, ref := range rt.Columns {
					if ra, gone := s.absentCol[[2]int64{rt.ID, ref.ID}]; gone && ref.Name == rc && !ok {
						a, col, ok = ra, fk.ReferencedName+"."+quoteIdent(rc), true
					}
				}
			}
		}
		if ok {
			s.absent[fk.ID] = a.leftOut()
			leave("foreign key", fkName, "depends on "+a.which(col), a)
			continue
		}
		p.ForeignKeys = append(p.ForeignKeys, fk)
	}
	p.Stats = nil
	for _, st := range t.Stats {
		if a, col, ok := onColumns(st.Columns...); ok {
			leave("statistics", name+"."+quoteIdent(st.Name), "depends on "+a.which(col), a)
			continue
		}
		p.Stats = append(p.Stats, st)
	}
	return &p
}

// planExtProps decides the extended properties post-data.sql adds: not
// those of what is not created (those of what is left out for what it
// depends on are listed with leave; those of what cannot be scripted, or
// of an object the scripter does not know, are warned about).
func (s *scripter) planExtProps(leave func(kind, name, reason string, a absence)) {
	c := s.c
	for _, p := range c.ExtProps {
		_, target, ok := s.extPropLevels(p)
		a, on, gone := s.extPropAbsence(p)
		switch {
		case !ok || gone && a.cause == causeUnscripted && !a.derived():
			s.opts.warn("extended property "+p.Name, errors.New("not scripted: its object is not scripted"))
		case gone && a.derived():
			leave("extended property", target+" "+nlit(p.Name), "on "+a.which(on), a)
		case !gone:
			s.extProps = append(s.extProps, p)
		}
	}
	desc := func(p *ExtProp) string { _, d, _ := s.extPropLevels(p); return d }
	sort.SliceStable(s.extProps, func(i, j int) bool {
		di, dj := desc(s.extProps[i]), desc(s.extProps[j])
		if di != dj {
			return di < dj
		}
		return s.extProps[i].Name < s.extProps[j].Name
	})
}

// extPropAbsence tells whether what p is on (an object, a column or
// index of one, a type) is not created, why, and its name.
func (s *scripter) extPropAbsence(p *ExtProp) (absence, string, bool) {
	c := s.c
	switch p.Class {
	case 1, 2, 7:
		if a, ok := s.absent[p.Major]; ok {
			return a, c.qualified(p.Major), true
		}
		if o := c.objects[p.Major]; o != nil && o.parent != 0 {
			if a, ok := s.absent[o.parent]; ok {
				return a, c.qualified(o.parent), true
			}
		}
		if p.Class == 1 && p.Minor != 0 {
			if a, ok := s.absentCol[[2]int64{p.Major, p.Minor}]; ok {
				return a, s.columnName(p.Major, p.Minor), true
			}
		}
		if p.Class == 7 {
			if a, ok := s.absentIndex[[2]int64{p.Major, p.Minor}]; ok {
				name := c.qualified(p.Major)
				if t := c.tables[p.Major]; t != nil && t.index(p.Minor) != nil {
					name += "." + quoteIdent(t.index(p.Minor).Name)
				}
				return a, name, true
			}
		}
	case 6, 8:
		if a, ok := s.absentType[p.Major]; ok && c.types[p.Major] != nil {
			return a, quoteName(c.types[p.Major].Schema, c.types[p.Major].Name), true
		}
	}
	return absence{}, "", false
}

// itemAbsence tells whether what a statement of security.sql is about (an
// object, or a column of one) is not created, why, and its name.
func (s *scripter) itemAbsence(it SecurityItem) (absence, string, bool) {
	if it.Object == 0 {
		return absence{}, "", false
	}
	if a, ok := s.absent[it.Object]; ok {
		return a, s.c.qualified(it.Object), true
	}
	if t := s.c.tables[it.Object]; t != nil && it.Column != "" {
		for _, col := range t.Columns {
			if a, ok := s.absentCol[[2]int64{t.ID, col.ID}]; ok && col.Name == it.Column {
				return a, s.columnName(t.ID, col.ID), true
			}
		}
	}
	return absence{}, "", false
}
