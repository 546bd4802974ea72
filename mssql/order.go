package mssql

import (
	"sort"
	"strings"
)

// Ranks order independent objects of the schema script by kind.
const (
	rankAliasType = iota + 1
	rankTableType
	rankSequence
	rankTable
	rankFunction
	rankView
	rankProcedure
	rankSynonym
)

// node is an object of the schema script.
type node struct {
	key    string
	rank   int
	schema string
	name   string
	deps   map[string]bool // must be created first
	soft   map[string]bool // better created first: foreign keys (data order), procedures called

	table    *Table
	userType *UserType
	seq      *Sequence
	module   *Module
	synonym  *Synonym
}

func (n *node) less(m *node) bool {
	if n.rank != m.rank {
		return n.rank < m.rank
	}
	if n.schema != m.schema {
		return n.schema < m.schema
	}
	return n.name < m.name
}

func objKey(id int64) string  { return "o" + itoa(id) }
func typeKey(id int64) string { return "t" + itoa(id) }

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// orderObjects returns the objects of the schema script in dependency
// order: an object comes after everything it refers to (by
// sys.sql_expression_dependencies, column types, and foreign keys, so that
// data can be loaded parent first). Among objects whose dependencies are
// met, the order is by kind, schema and name; a cycle (foreign keys in a
// ring, procedures calling each other) is broken at its first object in
// that order, which is harmless because foreign keys are added after the
// data and procedures resolve names when they run. Modules left out
// (planLeftOut) are not ordered.
func orderObjects(c *Catalog, tables []*Table, withModules bool, leftOut func(id int64) bool) []*node {
	nodes := map[string]*node{}
	add := func(n *node) { n.deps, n.soft = map[string]bool{}, map[string]bool{}; nodes[n.key] = n }
	typeByName := map[string]*UserType{}
	for _, t := range c.Types {
		typeByName[strings.ToLower(t.Schema+"."+t.Name)] = t
		if t.IsTable {
			if withModules {
				add(&node{key: typeKey(t.ID), rank: rankTableType, schema: t.Schema, name: t.Name, userType: t})
			}
		} else {
			add(&node{key: typeKey(t.ID), rank: rankAliasType, schema: t.Schema, name: t.Name, userType: t})
		}
	}
	if withModules {
		for _, s := range c.Sequences {
			add(&node{key: objKey(s.ID), rank: rankSequence, schema: s.Schema, name: s.Name, seq: s})
		}
		for _, s := range c.Synonyms {
			add(&node{key: objKey(s.ID), rank: rankSynonym, schema: s.Schema, name: s.Name, synonym: s})
		}
		for _, m := range c.Modules {
			r := 0
			switch m.Type {
			case "V":
				r = rankView
			case "P":
				r = rankProcedure
			case "FN", "IF", "TF":
				r = rankFunction
			default:
				continue // triggers come after the data
			}
			if leftOut(m.ID) {
				continue
			}
			add(&node{key: objKey(m.ID), rank: r, schema: m.Schema, name: m.Name, module: m})
		}
	}
	for _, t := range tables {
		add(&node{key: objKey(t.ID), rank: rankTable, schema: t.Schema, name: t.Name, table: t})
	}
	dep := func(from string, to string) {
		if n := nodes[from]; n != nil && from != to && nodes[to] != nil {
			n.deps[to] = true
		}
	}
	softDep := func(from string, to string) {
		if n := nodes[from]; n != nil && from != to && nodes[to] != nil {
			n.soft[to] = true
		}
	}
	// Column types.
	colTypes := func(key string, cols []*Column) {
		for _, col := range cols {
			if col.UserDefined {
				if ut := typeByName[strings.ToLower(col.TypeSchema+"."+col.TypeName)]; ut != nil {
					dep(key, typeKey(ut.ID))
				}
			}
		}
	}
	for _, t := range tables {
		colTypes(objKey(t.ID), t.Columns)
		for _, fk := range t.ForeignKeys {
			softDep(objKey(t.ID), objKey(fk.Referenced))
		}
		for _, n := range t.graphEnds() { // edges load after their nodes
			softDep(objKey(t.ID), objKey(n.ID))
		}
	}
	for _, t := range c.Types {
		if t.Table != nil {
			colTypes(typeKey(t.ID), t.Table.Columns)
		}
	}
	// Expression dependencies. A default constraint's dependencies are
	// its table's; check constraints and triggers are created after the
	// data, so theirs do not order the schema script.
	for from, tos := range c.deps {
		key := objKey(from)
		if o := c.objects[from]; o != nil {
			switch o.typ {
			case "D":
				key = objKey(o.parent)
			case "C", "TR":
				continue
			}
			if o.typ == "TT" {
				for _, ut := range c.Types {
					if ut.TableObject == from {
						key = typeKey(ut.ID)
					}
				}
			}
		}
		for _, d := range tos {
			to := d.to
			k := objKey(to)
			if nodes[k] == nil {
				// A reference to a table type's object or a constraint
				// resolves to its owner.
				if o := c.objects[to]; o != nil && o.parent != 0 {
					k = objKey(o.parent)
				}
			}
			// A procedure may refer to objects created after it
			// (deferred name resolution).
			if n := nodes[key]; n != nil && n.module != nil && n.module.Type == "P" {
				softDep(key, k)
			} else {
				dep(key, k)
			}
		}
	}
	for from, tos := range c.typeDeps {
		key := objKey(from)
		if o := c.objects[from]; o != nil && o.typ == "D" {
			key = objKey(o.parent)
		}
		for _, d := range tos {
			dep(key, typeKey(d.to))
		}
	}
	// A soft dependency becomes a hard one unless it closes a cycle, in
	// which case it is dropped (foreign keys are added after the data, and
	// procedures resolve names when they run).
	keys := make([]*node, 0, len(nodes))
	for _, n := range nodes {
		keys = append(keys, n)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	reaches := func(from, to string) bool {
		seen := map[string]bool{}
		stack := []string{from}
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if k == to {
				return true
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			n := nodes[k]
			for d := range n.deps {
				stack = append(stack, d)
			}
			for d := range n.soft {
				stack = append(stack, d)
			}
		}
		return false
	}
	for _, n := range keys {
		targets := make([]string, 0, len(n.soft))
		for d := range n.soft {
			targets = append(targets, d)
		}
		sort.Slice(targets, func(i, j int) bool { return nodes[targets[i]].less(nodes[targets[j]]) })
		for _, d := range targets {
			delete(n.soft, d)
			if !reaches(d, n.key) {
				n.deps[d] = true
			}
		}
	}
	// Kahn's algorithm, always taking the least node whose dependencies
	// are met; a remaining cycle is broken at its least node.
	remaining := keys
	done := map[string]bool{}
	out := make([]*node, 0, len(remaining))
	for len(remaining) > 0 {
		pick := 0
		for i, n := range remaining {
			ready := true
			for d := range n.deps {
				if !done[d] {
					ready = false
					break
				}
			}
			if ready {
				pick = i
				break
			}
		}
		n := remaining[pick]
		remaining = append(remaining[:pick], remaining[pick+1:]...)
		done[n.key] = true
		out = append(out, n)
	}
	return out
}
