package mssql

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// querier is what catalog reading needs: a *sql.DB, *sql.Conn or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// record is one row of a catalog query, read by column name so that the
// scripter does not depend on the order of select lists.
type record struct {
	query string
	idx   map[string]int
	vals  []any
	err   error
}

// queryEach runs a catalog query and calls fn for every row.
func queryEach(ctx context.Context, q querier, query string, fn func(r *record) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return readErr(queryName(query), err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return readErr(queryName(query), err)
	}
	r := &record{query: query, idx: make(map[string]int, len(cols)), vals: make([]any, len(cols))}
	for i, c := range cols {
		r.idx[strings.ToLower(c)] = i
	}
	ptrs := make([]any, len(cols))
	for i := range ptrs {
		ptrs[i] = &r.vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return readErr(queryName(query), err)
		}
		if err := fn(r); err != nil {
			return err
		}
		if r.err != nil {
			return r.err
		}
	}
	if err := rows.Err(); err != nil {
		return readErr(queryName(query), err)
	}
	return nil
}

// queryName returns the tag of a query ("sqlvault:columns").
func queryName(q string) string {
	if strings.HasPrefix(q, "/* ") {
		if end := strings.Index(q, " */"); end > 0 {
			return q[3:end]
		}
	}
	if len(q) > 40 {
		return q[:40]
	}
	return q
}

func (r *record) get(name string) any {
	i, ok := r.idx[name]
	if !ok {
		if r.err == nil {
			r.err = fmt.Errorf("%s: the result has no column %q", queryName(r.query), name)
		}
		return nil
	}
	return r.vals[i]
}

func (r *record) null(name string) bool { return r.get(name) == nil }

func (r *record) str(name string) string {
	switch v := r.get(name).(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	case int64:
		return strconv.FormatInt(v, 10)
	default:
		return fmt.Sprint(v)
	}
}

func (r *record) int(name string) int64 {
	switch v := r.get(name).(type) {
	case nil:
		return 0
	case int64:
		return v
	case bool:
		if v {
			return 1
		}
		return 0
	case []byte:
		n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
		if err != nil && r.err == nil {
			r.err = fmt.Errorf("%s: column %q: %v", queryName(r.query), name, err)
		}
		return n
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil && r.err == nil {
			r.err = fmt.Errorf("%s: column %q: %v", queryName(r.query), name, err)
		}
		return n
	case float64:
		return int64(v)
	default:
		if r.err == nil {
			r.err = fmt.Errorf("%s: column %q: unexpected %T", queryName(r.query), name, v)
		}
		return 0
	}
}

func (r *record) bool(name string) bool { return r.int(name) != 0 }
