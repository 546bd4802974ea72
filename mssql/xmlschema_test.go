package mssql

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestXMLSchemaCollections: the sample's XML schema collection is created
// in schema.sql from its schemas, before the table type and the table
// typed by it; the typed columns are declared xml(DOCUMENT|CONTENT
// [s].[c]); the table and its rows are scripted, and neither it nor the
// collection is reported any more.
func TestXMLSchemaCollections(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	for _, u := range m.Unscripted {
		if strings.Contains(u.Kind+u.Name+u.Reason, "XML") || strings.Contains(u.Name, "Documents") || strings.Contains(u.Name, "OrderLineList") {
			t.Errorf("reported: %s %s: %s", u.Kind, u.Name, u.Reason)
		}
	}
	schema := string(sink.files[SchemaFile])
	create := "-- XML schema collection [dbo].[NoteSchema]\nCREATE XML SCHEMA COLLECTION [dbo].[NoteSchema] AS " +
		nlit(sample.NoteSchema) + ";\nGO\n"
	coll, tt, tbl := strings.Index(schema, create), strings.Index(schema, "-- Table type [sales].[OrderLineList]\n"), strings.Index(schema, "-- Table [dbo].[Documents]\n")
	if coll < 0 || tt < coll || tbl < coll {
		t.Fatalf("collection at %d, table type at %d, table at %d:\n%s", coll, tt, tbl, schema)
	}
	mustContain(t, "schema.sql", schema,
		"CREATE TABLE [dbo].[Documents] (\n    [id] int NOT NULL,\n    [Doc] xml(DOCUMENT [dbo].[NoteSchema]) NOT NULL,\n    [Extra] xml(CONTENT [dbo].[NoteSchema]) NULL,\n",
		"    [Spec] xml(CONTENT [dbo].[NoteSchema]) NULL,\n")
	// The rows, as the xml literals of untyped ones.
	data := string(sink.files["data/dbo.Documents.sql"])
	mustContain(t, "data/dbo.Documents.sql", data,
		"(1, N'<t:note xmlns:t=\"urn:sqlvault:note\" kind=\"memo\"><t:to>Ann</t:to><t:body>GO</t:body></t:note>', NULL),\n")
	mustContain(t, "security.sql", string(sink.files[SecurityFile]),
		"GRANT REFERENCES ON XML SCHEMA COLLECTION::[dbo].[NoteSchema] TO [app_user];\n")
	objects := map[string]bool{}
	for _, o := range m.Objects {
		objects[o.Kind+" "+o.Name] = true
	}
	for _, want := range []string{"XML schema collection [dbo].[NoteSchema]", "table [dbo].[Documents]", "table type [sales].[OrderLineList]"} {
		if !objects[want] {
			t.Errorf("manifest objects lack %s", want)
		}
	}
}

// TestXMLSchemaCollectionUnreadable: a collection whose schemas
// XML_SCHEMA_NAMESPACE does not return is reported, and so are the table
// and table type typed by it; with --tables only the collections of the
// chosen tables are created.
func TestXMLSchemaCollectionUnreadable(t *testing.T) {
	db := sample.New()
	db.XMLSchemaCollections = append(db.XMLSchemaCollections, &sample.XMLSchemaCollection{Schema: "dbo", Name: "Hidden"})
	db.Tables = append(db.Tables, &sample.Table{Schema: "dbo", Name: "HiddenDocs", Columns: []*sample.Column{
		{Name: "id", Type: "int"}, {Name: "x", Type: "xml", XMLCollection: "dbo.Hidden"}}})
	db.TableTypes = append(db.TableTypes, &sample.TableType{Schema: "dbo", Name: "HiddenList", Table: &sample.Table{
		Columns: []*sample.Column{{Name: "x", Type: "xml", XMLCollection: "dbo.Hidden", XMLDocument: true}}}})
	db.Build()
	s := newTestServer(t, []*sample.DB{db})
	sink, m := s.scriptMem("sample", s.options("sample"))
	var reported []string
	for _, l := range unscriptedLines(m.Unscripted) {
		if strings.Contains(l, "Hidden") {
			reported = append(reported, l)
		}
	}
	sameLines(t, "reported", reported, []string{
		"XML schema collection [dbo].[Hidden]: XML_SCHEMA_NAMESPACE returned no schemas for it",
		"table [dbo].[HiddenDocs]: column [x] is typed by XML schema collection [dbo].[Hidden], which is not scripted",
		"table type [dbo].[HiddenList]: column [x] is typed by XML schema collection [dbo].[Hidden], which is not scripted",
	})
	if strings.Contains(string(sink.files[SchemaFile]), "[dbo].[Hidden]") {
		t.Error("schema.sql names the collection that is not scripted")
	}

	opts := s.options("sample")
	opts.Tables = []string{"sales.Customers"}
	sink, _ = s.scriptMem("sample", opts)
	if strings.Contains(string(sink.files[SchemaFile]), "XML SCHEMA COLLECTION") {
		t.Error("--tables sales.Customers creates an XML schema collection")
	}
	opts.Tables = []string{"dbo.Documents"}
	sink, _ = s.scriptMem("sample", opts)
	mustContain(t, "schema.sql", string(sink.files[SchemaFile]), "CREATE XML SCHEMA COLLECTION [dbo].[NoteSchema] AS ")
}
