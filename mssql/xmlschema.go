package mssql

import (
	"fmt"
	"strings"
)

// XML schema collections and typed xml. A collection is created in
// schema.sql from XML_SCHEMA_NAMESPACE's reconstruction of its schemas,
// before the types, tables and modules whose columns and parameters are
// typed by it (xml(CONTENT|DOCUMENT [s].[c])). Typed values are inserted
// as the xml literals of untyped ones: the server validates them against
// the collection, and a value it stored was valid.

// XMLSchemaCollection is a user XML schema collection
// (sys.xml_schema_collections).
type XMLSchemaCollection struct {
	ID     int64
	Schema string
	Name   string
	// Definition is XML_SCHEMA_NAMESPACE(schema, name) as text: every
	// schema of the collection, reconstructed (comments, annotations and
	// namespace prefixes are not kept; what validates is). Empty, with
	// HasDefinition false, where the function returned NULL.
	Definition    string
	HasDefinition bool
	// OwnerID is an owner other than the schema's, or 0.
	OwnerID int64
}

// qXMLSchemaCollections lists the user XML schema collections (not
// sys.sys, the built-in one XML_SCHEMA_NAMESPACE cannot reconstruct) with
// their schemas as text (XML_SCHEMA_NAMESPACE returns xml; the CAST makes
// it nvarchar(max) for the literal). sys.xml_schema_collections and
// XML_SCHEMA_NAMESPACE exist on every supported version (SQL Server 2005
// and later, Azure SQL Database and Managed Instance).
const qXMLSchemaCollections = `/* sqlvault:xml_schema_collections */
SELECT x.xml_collection_id, SCHEMA_NAME(x.schema_id) AS schema_name, x.name, x.principal_id,
       CAST(XML_SCHEMA_NAMESPACE(SCHEMA_NAME(x.schema_id), x.name) AS nvarchar(max)) AS definition
FROM sys.xml_schema_collections AS x
WHERE x.schema_id <> SCHEMA_ID(N'sys')
ORDER BY schema_name, x.name`

// addXMLSchemaCollection reads a row of qXMLSchemaCollections.
func (c *Catalog) addXMLSchemaCollection(r *record) error {
	x := &XMLSchemaCollection{ID: r.int("xml_collection_id"), Schema: r.str("schema_name"), Name: r.str("name"),
		Definition: r.str("definition"), HasDefinition: !r.null("definition"), OwnerID: r.int("principal_id")}
	c.XMLSchemaCollections = append(c.XMLSchemaCollections, x)
	c.xmlCollections[x.ID] = x
	return nil
}

// finishXMLSchemaCollections reports the collections whose schemas cannot
// be read and names the collection of every typed xml column (of tables
// and table types); a column typed by a collection that is not scripted
// gets its reason, which Catalog.finish reports for its table or type.
func (c *Catalog) finishXMLSchemaCollections() map[*Column]string {
	var kept []*XMLSchemaCollection
	for _, x := range c.XMLSchemaCollections {
		if !x.HasDefinition {
			c.unscripted("XML schema collection", quoteName(x.Schema, x.Name), "XML_SCHEMA_NAMESPACE returned no schemas for it")
			continue
		}
		kept = append(kept, x)
	}
	c.XMLSchemaCollections = kept
	bad := map[*Column]string{}
	for _, t := range c.tables {
		for _, col := range t.Columns {
			if col.XMLCollection == 0 {
				continue
			}
			x := c.xmlCollections[col.XMLCollection]
			switch {
			case x == nil:
				bad[col] = fmt.Sprintf("column %s is typed by XML schema collection %d, which is not in the catalog", quoteIdent(col.Name), col.XMLCollection)
			case !x.HasDefinition:
				bad[col] = fmt.Sprintf("column %s is typed by XML schema collection %s, which is not scripted", quoteIdent(col.Name), quoteName(x.Schema, x.Name))
			default:
				col.XMLCollectionName = quoteName(x.Schema, x.Name)
			}
		}
	}
	return bad
}

// firstReason returns the reason of the first of cols that bad names, or
// "".
func firstReason(cols []*Column, bad map[*Column]string) string {
	for _, col := range cols {
		if r := bad[col]; r != "" {
			return r
		}
	}
	return ""
}

// createXMLSchemaCollection renders CREATE XML SCHEMA COLLECTION [s].[c]
// AS N'...' (CREATE XML SCHEMA COLLECTION (Transact-SQL): the expression
// is a string constant of one or more schema documents, which
// XML_SCHEMA_NAMESPACE's reconstruction of the whole collection is).
func createXMLSchemaCollection(x *XMLSchemaCollection) string {
	return batch("CREATE XML SCHEMA COLLECTION " + quoteName(x.Schema, x.Name) + " AS " + nlit(x.Definition) + ";")
}

// xmlCollectionsUsed returns the collections schema.sql creates: all of
// them, or with --tables those that the chosen tables' columns are typed
// by.
func (s *scripter) xmlCollectionsUsed() []*XMLSchemaCollection {
	if !s.filtered {
		return s.c.XMLSchemaCollections
	}
	used := map[string]bool{}
	for _, t := range s.tables {
		for _, col := range t.Columns {
			used[col.XMLCollectionName] = true
		}
	}
	var out []*XMLSchemaCollection
	for _, x := range s.c.XMLSchemaCollections {
		if used[quoteName(x.Schema, x.Name)] {
			out = append(out, x)
		}
	}
	return out
}

// xmlTypeDecl declares a typed xml column: xml(CONTENT [s].[c]) or
// xml(DOCUMENT [s].[c]) (sys.columns.is_xml_document).
func (c *Column) xmlTypeDecl() string {
	facet := "CONTENT"
	if c.XMLDocument {
		facet = "DOCUMENT"
	}
	return "xml(" + facet + " " + c.XMLCollectionName + ")"
}

// writeXMLSchemaCollections writes the collections into schema.sql.
func (s *scripter) writeXMLSchemaCollections(b *strings.Builder) {
	for _, x := range s.xmlCollectionsUsed() {
		name := quoteName(x.Schema, x.Name)
		b.WriteString("\n" + comment("XML schema collection %s", name) + createXMLSchemaCollection(x))
		s.object("XML schema collection", name)
	}
}

// xmlCollectionOwners hands the XML schema collections with an owner
// other than their schema's (sys.xml_schema_collections.principal_id) to
// it: ALTER AUTHORIZATION ON XML SCHEMA COLLECTION::[s].[c] (ALTER
// AUTHORIZATION (Transact-SQL): XML SCHEMA COLLECTION is one of its
// classes, and schema-contained). schema.sql creates every collection
// that is scripted; security.sql is not written with --tables, where it
// creates only some.
func (s *security) xmlCollectionOwners() {
	for _, x := range s.c.XMLSchemaCollections {
		if x.OwnerID == 0 {
			continue
		}
		name := quoteName(x.Schema, x.Name)
		if owner, ok := s.owner(x.OwnerID, "XML schema collection owner", name, "the schema owner"); ok {
			s.add("Owners", "XML schema collection owner", name,
				s.guard(fmt.Sprintf("ALTER AUTHORIZATION ON XML SCHEMA COLLECTION::%s TO %s;", name, owner), x.OwnerID), 0)
		}
	}
}

// xmlCollectionLevels returns the sp_addextendedproperty levels of an
// extended property of an XML schema collection (class 10; major_id its
// xml_collection_id): @level0type = N'SCHEMA', @level1type = N'XML SCHEMA
// COLLECTION' (sp_addextendedproperty (Transact-SQL)), and what it is on;
// ok is false for a collection that is not scripted. It is added in
// post-data.sql, after schema.sql created the collection.
func xmlCollectionLevels(c *Catalog, p *ExtProp, lvl func(int, string, string) []procArg) (levels []procArg, target string, ok bool) {
	x := c.xmlCollections[p.Major]
	if x == nil || !x.HasDefinition || p.Minor != 0 {
		return nil, "", false
	}
	return append(lvl(0, "SCHEMA", x.Schema), lvl(1, "XML SCHEMA COLLECTION", x.Name)...),
		"XML schema collection " + quoteName(x.Schema, x.Name), true
}
