package target

import (
	"context"
	"fmt"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// selectItem is an item of a data query's select list: a column of the
// table (node < 0) or of the node table joined as joins[node], or a
// SQL_VARIANT_PROPERTY (prop) of one.
type selectItem struct {
	node int
	col  int
	prop string
}

// join is a node table an edge query joins on one end (side 0 $from_id,
// 1 $to_id).
type join struct {
	alias string
	table *Table
	side  int
}

// dataQuery is a data query as read (see DataTag).
type dataQuery struct {
	from  string // the table's name as written
	alias string // "e" for an edge query, else ""
	items []ref  // the select list's columns, prop set for a SQL_VARIANT_PROPERTY
	joins []joinRef
	order []ref
}

// ref is a column reference as written: [alias.]name, and for a select
// item the SQL_VARIANT_PROPERTY it is the argument of.
type ref struct {
	alias, name, prop string
}

// joinRef is a LEFT JOIN as written.
type joinRef struct {
	table, alias string
	side         int
}

// parseDataQuery reads the query after its tag (see DataTag).
func parseDataQuery(body string) (*dataQuery, error) {
	syntax := func(p *parser) error {
		if p.eof() {
			return mssqltest.Errorf(102, 15, "Incorrect syntax near the end of the query.")
		}
		return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", p.peek().text)
	}
	toks, err := lex(body)
	if err != nil {
		return nil, mssqltest.Errorf(102, 15, "Incorrect syntax near 'SELECT'.")
	}
	p := &parser{src: body, toks: toks}
	q := &dataQuery{}
	if !p.accept("SELECT") {
		return nil, syntax(p)
	}
	for {
		if p.accept("CAST") { // CAST(SQL_VARIANT_PROPERTY(ref, 'prop') AS type)
			if !p.acceptPunct("(") || !p.accept("SQL_VARIANT_PROPERTY") || !p.acceptPunct("(") {
				return nil, syntax(p)
			}
			r, ok := p.columnRef()
			if !ok || !p.acceptPunct(",") || p.peek().kind != tString {
				return nil, syntax(p)
			}
			r.prop = p.next().text
			if !p.acceptPunct(")") || !p.accept("AS") {
				return nil, syntax(p)
			}
			if _, _, _, err := p.typeDecl(&Database{}); err != nil || !p.acceptPunct(")") {
				return nil, syntax(p)
			}
			q.items = append(q.items, r)
		} else {
			r, ok := p.columnRef()
			if !ok {
				return nil, syntax(p)
			}
			q.items = append(q.items, r)
		}
		if !p.acceptPunct(",") {
			break
		}
	}
	if !p.accept("FROM") {
		return nil, syntax(p)
	}
	start := p.peek().start
	if _, _, err := p.objectName(); err != nil {
		return nil, syntax(p)
	}
	q.from = body[start:p.toks[p.i-1].end]
	if p.accept("AS") {
		q.alias = p.next().text
	}
	if p.accept("WITH") {
		g, err := p.group()
		if err != nil || !strings.EqualFold(strings.Join(strings.Fields(g), ""), "(SNAPSHOT)") {
			return nil, syntax(p)
		}
	}
	for p.accept("LEFT") { // LEFT JOIN [s].[n] AS a ON a.$node_id = e.$from_id
		if !p.accept("JOIN") {
			return nil, syntax(p)
		}
		start := p.peek().start
		if _, _, err := p.objectName(); err != nil {
			return nil, syntax(p)
		}
		j := joinRef{table: body[start:p.toks[p.i-1].end]}
		if !p.accept("AS") {
			return nil, syntax(p)
		}
		j.alias = p.next().text
		if !p.accept("ON") || !p.accept(j.alias) || !p.acceptPunct(".") || !p.accept("$node_id") || !p.acceptPunct("=") ||
			q.alias == "" || !p.accept(q.alias) || !p.acceptPunct(".") {
			return nil, syntax(p)
		}
		switch end := p.next(); {
		case end.is("$from_id"):
		case end.is("$to_id"):
			j.side = 1
		default:
			return nil, mssqltest.Errorf(207, 16, "Invalid pseudocolumn \"%s\".", end.text)
		}
		q.joins = append(q.joins, j)
	}
	if p.peek().is("WHERE") {
		return nil, mssqltest.Errorf(50000, 16, "mssqltest target: a WHERE clause of a data query is not modelled")
	}
	if p.accept("ORDER") {
		if !p.accept("BY") {
			return nil, syntax(p)
		}
		for {
			r, ok := p.columnRef()
			if !ok {
				return nil, syntax(p)
			}
			if !p.accept("ASC") {
				p.accept("DESC")
			}
			q.order = append(q.order, r)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	p.acceptPunct(";")
	if !p.eof() {
		return nil, syntax(p)
	}
	return q, nil
}

// columnRef reads [alias.]name.
func (p *parser) columnRef() (ref, bool) {
	t := p.next()
	if !t.name() {
		return ref{}, false
	}
	if !p.acceptPunct(".") {
		return ref{name: t.text}, true
	}
	n := p.next()
	return ref{alias: t.text, name: n.text}, n.name()
}

// resolve finds a column reference's table (node: the index of its join,
// -1 for the queried table) and column.
func resolve(t *Table, alias string, joins []join, r ref) (node, col int, err error) {
	node, tab := -1, t
	if r.alias != "" && !strings.EqualFold(r.alias, alias) {
		node = -2
		for i, j := range joins {
			if strings.EqualFold(j.alias, r.alias) {
				node, tab = i, j.table
			}
		}
		if node == -2 {
			return 0, 0, mssqltest.Errorf(4104, 16, "The multi-part identifier \"%s.%s\" could not be bound.", r.alias, r.name)
		}
	}
	col, err = columnIndex(tab, r.name)
	return node, col, err
}

// data answers a data query (DataTag).
func (h *Handler) data(ctx context.Context, q *mssqltest.Request, text string, w mssqltest.ResultWriter) error {
	dq, err := parseDataQuery(text[strings.Index(text, " */")+3:])
	if err != nil {
		return err
	}
	h.mu.Lock()
	db, t, err := h.table(q, dq.from)
	if err == nil && h.denied[Select] {
		err = mssqltest.PermissionDenied("SELECT", t.Name, db.Name, t.Schema)
	}
	var joins []join
	for _, jr := range dq.joins {
		if err != nil {
			break
		}
		var n *Table
		if n, err = db.lookup(jr.table); err == nil && (!t.Edge || !n.Node) {
			err = mssqltest.Errorf(13901, 16, "Identifier '%s' in a MATCH clause is not a node table or an alias for a node table.", jr.alias)
		}
		joins = append(joins, join{alias: jr.alias, table: n, side: jr.side})
	}
	var items []selectItem
	var cols []mssqltest.Column
	for i, r := range append(dq.items, dq.order...) {
		if err != nil {
			break
		}
		var it selectItem
		if it.node, it.col, err = resolve(t, dq.alias, joins, r); err != nil || i >= len(dq.items) {
			continue // an ORDER BY item: checked, not sorted by
		}
		it.prop = r.prop
		var c mssqltest.Column
		switch {
		case it.prop != "" && strings.EqualFold(it.prop, "BaseType"):
			c = mssqltest.Column{Type: mssqltest.TypeNVarChar, Length: 128, Nullable: true}
		case it.prop != "":
			c = mssqltest.Column{Type: mssqltest.TypeInt, Nullable: true}
		case it.node >= 0:
			c = joins[it.node].table.Columns[it.col].Wire()
			c.Nullable = true // LEFT JOIN
		default:
			c = t.Columns[it.col].Wire()
		}
		items = append(items, it)
		cols = append(cols, c)
	}
	// The slices of rows (rows themselves are never changed), and the
	// nodes of the joined tables by graph id.
	var rows [][]any
	var ends [][2]NodeRef
	nodes := make([]map[int64][]any, len(joins))
	if err == nil {
		rows, ends = t.rows, t.ends
		for i, j := range joins {
			nodes[i] = make(map[int64][]any, len(j.table.rows))
			for r, row := range j.table.rows {
				nodes[i][j.table.nodeIDs[r]] = row
			}
		}
	}
	h.mu.Unlock()
	if err != nil {
		return err
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	vals := make([]any, len(items))
	for r, row := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		for k, it := range items {
			v := row[it.col]
			if it.node >= 0 {
				v = nil
				j := joins[it.node]
				if end := ends[r][j.side]; strings.EqualFold(end.Schema, j.table.Schema) && strings.EqualFold(end.Name, j.table.Name) {
					if nr := nodes[it.node][end.ID]; nr != nil {
						v = nr[it.col]
					}
				}
			}
			if it.prop != "" {
				var err error
				if v, err = variantProperty(v, it.prop); err != nil {
					return err
				}
			}
			vals[k] = v
		}
		if err := w.Row(vals...); err != nil {
			return fmt.Errorf("table %s row %d: %w", qualified(t.Schema, t.Name), r+1, err)
		}
	}
	return nil
}

// columnIndex finds a stored column of the table for a query.
func columnIndex(t *Table, name string) (int, error) {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			if !c.stored() {
				return 0, mssqltest.Errorf(50000, 16, "mssqltest target: computed column %s of %s is not evaluated", quoteName(c.Name), qualified(t.Schema, t.Name))
			}
			return i, nil
		}
	}
	return 0, mssqltest.Errorf(207, 16, "Invalid column name '%s'.", name)
}
