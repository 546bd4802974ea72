package mssql

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestCatalogWalk walks the catalog the sample server serves (its model)
// and fails for any object that the manifest neither lists as scripted
// (objects) nor reports (unscripted): nothing of the database may be
// dropped without a word. Objects are matched by kind and name, as the
// manifest names them; extended properties by count.
func TestCatalogWalk(t *testing.T) {
	s := newTestServer(t, nil)
	_, m := s.scriptMem("sample", s.options("sample"))
	walkCatalog(t, sharedSample(), m)
}

// walkCatalog fails for any object of db that m neither lists as scripted
// nor reports.
func walkCatalog(t *testing.T, db *sample.DB, m *Manifest) {
	t.Helper()
	have := map[string]bool{}
	for _, o := range m.Objects {
		have[o.Kind+" "+o.Name] = true
	}
	reported := map[string]bool{}
	for _, u := range m.Unscripted {
		reported[u.Name] = true
	}
	check := func(kind, name string) {
		t.Helper()
		if !have[kind+" "+name] && !reported[name] {
			t.Errorf("%s %s is neither scripted nor reported", kind, name)
		}
	}
	moduleKind := map[string]string{"V": "view", "P": "procedure", "FN": "function", "IF": "function", "TF": "function", "TR": "trigger"}
	for _, sc := range db.Schemas {
		check("schema", quoteIdent(sc.Name))
	}
	for _, ty := range db.Types {
		check("type", quoteName(ty.Schema, ty.Name))
	}
	for _, tt := range db.TableTypes {
		check("table type", quoteName(tt.Schema, tt.Name))
	}
	for _, sq := range db.Sequences {
		check("sequence", quoteName(sq.Schema, sq.Name))
	}
	for _, sn := range db.Synonyms {
		check("synonym", quoteName(sn.Schema, sn.Name))
	}
	for _, tb := range db.Tables {
		name := quoteName(tb.Schema, tb.Name)
		check("table", name)
		if reported[name] {
			continue // what belongs to it goes with it
		}
		for _, ix := range tb.Indexes {
			if !ix.PrimaryKey && !ix.UniqueConstraint {
				check("index", name+"."+quoteIdent(ix.Name))
			}
		}
		for _, col := range tb.Columns {
			if col.Masked != "" {
				check("mask", name+"."+quoteIdent(col.Name))
			}
		}
		for _, st := range tb.Stats {
			check("statistics", name+"."+quoteIdent(st.Name))
		}
		for _, ck := range tb.Checks {
			check("check constraint", name+"."+quoteIdent(ck.Name))
		}
		for _, fk := range tb.FKs {
			check("foreign key", name+"."+quoteIdent(fk.Name))
		}
		for _, ec := range tb.EdgeConstraints {
			check("edge constraint", name+"."+quoteIdent(ec.Name))
		}
		if tb.FullText != nil {
			check("full-text index", name)
		}
	}
	for _, md := range db.Modules {
		kind := moduleKind[md.Type]
		if kind == "" {
			kind = "function" // a CLR module: reported
		}
		check(kind, quoteName(md.Schema, md.Name))
	}
	for _, p := range db.Principals {
		kind := "user"
		if p.Type == "R" {
			kind = "role"
		}
		check(kind, quoteIdent(p.Name))
	}
	for _, pf := range db.PartitionFunctions {
		check("partition function", quoteIdent(pf.Name))
	}
	for _, ps := range db.PartitionSchemes {
		check("partition scheme", quoteIdent(ps.Name))
	}
	for _, fc := range db.FulltextCatalogs {
		check("full-text catalog", quoteIdent(fc.Name))
	}
	for _, fs := range db.FulltextStoplists {
		check("full-text stoplist", quoteIdent(fs.Name))
	}
	for _, tr := range db.DatabaseTriggers {
		check("database trigger", quoteIdent(tr.Name))
	}
	for _, a := range db.Assemblies {
		check("assembly", quoteIdent(a))
	}
	for _, x := range db.XMLSchemaCollections {
		check("XML schema collection", quoteName(x.Schema, x.Name))
	}
	for _, sp := range db.SecurityPolicies {
		check("security policy", quoteName(sp.Schema, sp.Name))
	}
	for _, o := range db.Other {
		check("object type "+o.Type, quoteName(o.Schema, o.Name))
	}
	for _, np := range db.NumberedProcedures {
		schema, name, _ := strings.Cut(np.Procedure, ".")
		check("numbered procedure", quoteName(schema, name)+";"+itoa(np.Number))
	}
	for _, b := range db.Broker {
		check(b.Kind, quoteIdent(b.Name))
	}
	for _, e := range db.Entities {
		check(e.Kind, quoteName(e.Schema, e.Name))
	}
	if db.ChangeTracking != nil {
		check("change tracking", quoteIdent(db.Name))
		for _, tb := range db.Tables {
			if tb.ChangeTracked {
				check("change tracking", quoteName(tb.Schema, tb.Name))
			}
		}
	}
	// Every entry says what to do.
	for _, u := range m.Unscripted {
		if u.Action == "" {
			t.Errorf("%s %s: no action", u.Kind, u.Name)
		}
	}
	props := 0
	for _, o := range m.Objects {
		if o.Kind == "extended property" {
			props++
		}
	}
	if props != len(db.ExtProps) {
		var names []string
		for _, o := range m.Objects {
			if o.Kind == "extended property" {
				names = append(names, o.Name)
			}
		}
		t.Errorf("%d of the sample's %d extended properties scripted:\n%s", props, len(db.ExtProps), strings.Join(names, "\n"))
	}
}
