package mssql

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestXMLSchemaCollectionProperties: an extended property of an XML
// schema collection (class 10) is added in post-data.sql at level 1 XML
// SCHEMA COLLECTION of its schema; one of a collection that is not
// scripted is warned about and not written.
func TestXMLSchemaCollectionProperties(t *testing.T) {
	db := sample.New()
	db.XMLSchemaCollections = append(db.XMLSchemaCollections, &sample.XMLSchemaCollection{Schema: "dbo", Name: "Hidden"})
	db.ExtProps = append(db.ExtProps, &sample.ExtProp{Target: "xmlcollection:dbo.Hidden", Name: "Secret", Value: "gone"})
	db.Build()
	s := newTestServer(t, []*sample.DB{db})
	opts := s.options("sample")
	var warned []string
	opts.Warn = func(what string, err error) {
		if strings.HasPrefix(what, "extended property") {
			warned = append(warned, what+": "+err.Error())
		}
	}
	sink, m := s.scriptMem("sample", opts)
	post := string(sink.files[PostDataFile])
	mustContain(t, "post-data.sql", post,
		"-- Extended property N'MS_Description' of XML schema collection [dbo].[NoteSchema]\n"+
			"DECLARE @value sql_variant = CAST(CAST(N'Notes: to, body and kind' AS nvarchar(24)) AS sql_variant);\n"+
			"EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = @value, @level0type = N'SCHEMA', @level0name = N'dbo', "+
			"@level1type = N'XML SCHEMA COLLECTION', @level1name = N'NoteSchema';\nGO\n")
	if strings.Contains(post, "Secret") || strings.Contains(post, "N'Hidden'") {
		t.Errorf("post-data.sql adds the property of a collection it does not create:\n%s", post)
	}
	sameLines(t, "warned", warned, []string{"extended property Secret: not scripted: its object is not scripted"})
	found := false
	for _, o := range m.Objects {
		found = found || o.Kind == "extended property" && o.Name == "XML schema collection [dbo].[NoteSchema] N'MS_Description'"
	}
	if !found {
		t.Error("manifest objects lack the collection's extended property")
	}
}
