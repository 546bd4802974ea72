package sample

import (
	"strconv"
	"strings"
)

// fulltextCatalogsResult answers sqlvault:fulltext_catalogs.
func (db *DB) fulltextCatalogsResult() *result {
	r := newResult("fulltext_catalog_id:i", "name:s", "is_default:f", "is_accent_sensitivity_on:f", "principal_id:i")
	for i, c := range db.FulltextCatalogs {
		r.add(int64(5+i), c.Name, c.Default, c.AccentSensitive, db.ownerID(c.Owner))
	}
	return r
}

// stoplistID is the stoplist_id of a user stoplist (the system
// stoplist's is 0).
func (db *DB) stoplistID(name string) int64 {
	for i, sl := range db.FulltextStoplists {
		if sl.Name == name {
			return int64(5 + i)
		}
	}
	return 0
}

// fulltextStoplistsResult answers sqlvault:fulltext_stoplists: one row
// per word, ordered by stoplist name, language and word.
func (db *DB) fulltextStoplistsResult() *result {
	r := newResult("stoplist_id:i", "name:s", "principal_id:i", "stopword:s", "language_id:i")
	for _, sl := range sortedStoplists(db.FulltextStoplists) {
		id := db.stoplistID(sl.Name)
		if len(sl.Words) == 0 {
			r.add(id, sl.Name, db.ownerID(sl.Owner), nil, nil)
		}
		type word struct {
			w    string
			lcid int64
		}
		var ws []word
		for _, w := range sl.Words {
			text, lcid, _ := strings.Cut(w, "/")
			n, _ := strconv.ParseInt(lcid, 10, 64)
			ws = append(ws, word{text, n})
		}
		for i := range ws {
			for j := i + 1; j < len(ws); j++ {
				if ws[j].lcid < ws[i].lcid || ws[j].lcid == ws[i].lcid && ws[j].w < ws[i].w {
					ws[i], ws[j] = ws[j], ws[i]
				}
			}
		}
		for _, w := range ws {
			r.add(id, sl.Name, db.ownerID(sl.Owner), w.w, w.lcid)
		}
	}
	return r
}

func sortedStoplists(sls []*FulltextStoplist) []*FulltextStoplist {
	out := append([]*FulltextStoplist(nil), sls...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].Name < out[i].Name {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// fulltextIndexesResult answers sqlvault:fulltext_indexes.
func (db *DB) fulltextIndexesResult() *result {
	r := newResult("object_id:i", "key_index:s", "catalog_name:s", "is_enabled:f", "change_tracking_state_desc:s",
		"crawl_start_date:d", "stoplist_id:i", "stoplist_name:s", "property_list_name:s")
	for _, t := range db.Tables {
		fi := t.FullText
		if fi == nil {
			continue
		}
		var crawl, stoplist, stoplistName any = d(2024, 1, 1), int64(0), nil
		if fi.NeverPopulated {
			crawl = nil
		}
		switch fi.Stoplist {
		case "":
		case "OFF":
			stoplist = nil
		default:
			stoplist, stoplistName = db.stoplistID(fi.Stoplist), fi.Stoplist
		}
		r.add(t.ID, fi.KeyIndex, fi.Catalog, !fi.Disabled, fi.ChangeTracking, crawl, stoplist, stoplistName, nil)
	}
	return r
}

// fulltextIndexColumnsResult answers sqlvault:fulltext_index_columns,
// ordered by column id.
func (db *DB) fulltextIndexColumnsResult() *result {
	r := newResult("object_id:i", "column_id:i", "column_name:s", "type_column:s", "language_id:i", "statistical_semantics:f")
	for _, t := range db.Tables {
		if t.FullText == nil {
			continue
		}
		for _, c := range t.Columns {
			for _, fc := range t.FullText.Columns {
				if fc.Name == c.Name {
					r.add(t.ID, c.id, c.Name, nullStr(fc.TypeColumn), int64(fc.Language), fc.Semantics)
				}
			}
		}
	}
	return r
}

// databaseTriggersResult answers sqlvault:database_triggers.
func (db *DB) databaseTriggersResult() *result {
	r := newResult("object_id:i", "name:s", "type:s", "is_disabled:f", "definition:S", "uses_ansi_nulls:f",
		"uses_quoted_identifier:f", "execute_as_principal_id:i")
	for i, tr := range db.DatabaseTriggers {
		var def any = tr.Definition
		typ := "TR"
		if tr.Encrypted || tr.CLR {
			def = nil
		}
		if tr.CLR {
			typ = "TA"
		}
		r.add(int64(900+i), tr.Name, typ, tr.Disabled, def, true, true, nil)
	}
	return r
}

// triggerOrderResult answers sqlvault:trigger_order: the events that
// DML and DDL triggers fire first or last for.
func (db *DB) triggerOrderResult() *result {
	r := newResult("object_id:i", "type_desc:s", "is_first:f", "is_last:f")
	for _, m := range db.Modules {
		for _, o := range m.Order {
			r.add(m.ID, o.Event, o.First, !o.First)
		}
	}
	for i, tr := range db.DatabaseTriggers {
		for _, o := range tr.Order {
			r.add(int64(900+i), o.Event, o.First, !o.First)
		}
	}
	return r
}
