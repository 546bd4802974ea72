package target

import (
	"bytes"
	"cmp"
	"context"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
)

// verify answers the VerifyTag query (see there).
func (h *Handler) verify(ctx context.Context, q *mssqltest.Request, text string, w mssqltest.ResultWriter) error {
	body := text[strings.Index(text, " */")+3:]
	toks, err := lex(body)
	if err != nil {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near 'SELECT'.")
	}
	p := &parser{src: body, toks: toks}
	if !p.accept("SELECT") {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near %s.", p.describe())
	}
	var names []string
	star := p.acceptPunct("*")
	for !star {
		t := p.next()
		if !t.name() {
			return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", t.text)
		}
		names = append(names, t.text)
		if !p.acceptPunct(",") {
			break
		}
	}
	if !p.accept("FROM") {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near %s.", p.describe())
	}
	start := p.peek().start
	if _, _, err := p.objectName(); err != nil {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near 'FROM'.")
	}
	from := body[start:p.toks[p.i-1].end]
	type key struct {
		col  int
		desc bool
	}
	var order []key
	var orderNames []string
	if p.accept("ORDER") {
		if !p.accept("BY") {
			return mssqltest.Errorf(102, 15, "Incorrect syntax near 'ORDER'.")
		}
		for {
			t := p.next()
			if !t.name() {
				return mssqltest.Errorf(102, 15, "Incorrect syntax near '%s'.", t.text)
			}
			k := key{}
			if p.accept("DESC") {
				k.desc = true
			} else {
				p.accept("ASC")
			}
			orderNames = append(orderNames, t.text)
			order = append(order, k)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	p.acceptPunct(";")
	if !p.eof() {
		return mssqltest.Errorf(102, 15, "Incorrect syntax near %s.", p.describe())
	}

	h.mu.Lock()
	db, t, err := h.table(q, from)
	if err == nil && h.denied[Select] {
		err = mssqltest.PermissionDenied("SELECT", t.Name, db.Name, t.Schema)
	}
	var idx []int
	var cols []mssqltest.Column
	var rows [][]any
	if err == nil {
		if star {
			for _, c := range t.Columns {
				if c.stored() {
					names = append(names, c.Name)
				}
			}
		}
		for _, n := range names {
			i, cerr := columnIndex(t, n)
			if cerr != nil {
				err = cerr
				break
			}
			idx = append(idx, i)
			cols = append(cols, t.Columns[i].Wire())
		}
		for k, n := range orderNames {
			i, cerr := columnIndex(t, n)
			if cerr != nil {
				err = cerr
				break
			}
			order[k].col = i
		}
		rows = append(rows, t.rows...) // the slice of rows; rows themselves are never changed
	}
	h.mu.Unlock()
	if err != nil {
		return err
	}
	if len(order) > 0 {
		slices.SortStableFunc(rows, func(a, b []any) int {
			for _, k := range order {
				if c := compareValues(t.Columns[k.col].Type.Type, a[k.col], b[k.col]); c != 0 {
					if k.desc {
						return -c
					}
					return c
				}
			}
			return 0
		})
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	vals := make([]any, len(idx))
	for _, row := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		for j, i := range idx {
			vals[j] = row[i]
		}
		if err := w.Row(vals...); err != nil {
			return err
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

// compareValues orders two stored values of a column of type typ, NULL
// first.
func compareValues(typ mssqltest.Type, a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case float32:
		return cmp.Compare(x, b.(float32))
	case float64:
		return cmp.Compare(x, b.(float64))
	case bool:
		return cmp.Compare(boolInt(x), boolInt(b.(bool)))
	case time.Time:
		return x.Compare(b.(time.Time))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case [16]byte:
		return bytes.Compare(x[:], func(g [16]byte) []byte { return g[:] }(b.([16]byte)))
	case string:
		y := b.(string)
		switch typ {
		case mssqltest.TypeDecimal, mssqltest.TypeNumeric, mssqltest.TypeMoney, mssqltest.TypeSmallMoney:
			rx, okx := new(big.Rat).SetString(x)
			ry, oky := new(big.Rat).SetString(y)
			if okx && oky {
				return rx.Cmp(ry)
			}
		}
		return strings.Compare(x, y)
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
