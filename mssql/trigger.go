package mssql

import (
	"strings"
)

// Database-level DDL triggers (CREATE TRIGGER name ON DATABASE) and the
// order of triggers (sp_settriggerorder).
//
// A DDL trigger fires on the restore's own statements (CREATE TABLE,
// GRANT, ...) and may roll them back, so DDL triggers are created last,
// at the end of security.sql, each disabled at once (DISABLE TRIGGER ...
// ON DATABASE), so that none fires while the next ones are created and
// ordered; the ones that were enabled are enabled again at the very end.
// With Tables or DataOnly, where security.sql is not written, there is
// none (Tables leaves out everything but tables, as it does views). A
// server-level trigger (ON ALL SERVER) is no part of a database.

// TriggerOrder is an event for which a trigger fires first or last
// (sys.trigger_events.is_first, is_last).
type TriggerOrder struct {
	Event string // INSERT, UPDATE, DELETE, or a DDL event such as CREATE_TABLE
	First bool   // First, else Last
}

func (c *Catalog) addDatabaseTrigger(r *record) error {
	m := &Module{ID: r.int("object_id"), Name: r.str("name"), Type: strings.TrimSpace(r.str("type")), Database: true,
		HasDefinition: !r.null("definition"), Definition: r.str("definition"),
		AnsiNulls: r.bool("uses_ansi_nulls"), QuotedIdentifier: r.bool("uses_quoted_identifier"),
		TriggerDisabled: r.bool("is_disabled"), ExecuteAs: r.int("execute_as_principal_id")}
	c.DatabaseTriggers = append(c.DatabaseTriggers, m)
	return nil
}

// databaseTrigger returns the DDL trigger ON DATABASE the copy creates
// with the given object id, or nil.
func (c *Catalog) databaseTrigger(id int64) *Module {
	for _, m := range c.DatabaseTriggers {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (c *Catalog) addTriggerOrder(r *record) error {
	id := r.int("object_id")
	m := c.modules[id]
	for _, d := range c.DatabaseTriggers {
		if d.ID == id {
			m = d
		}
	}
	if m == nil {
		return nil
	}
	if first, last := r.bool("is_first"), r.bool("is_last"); first || last {
		m.Order = append(m.Order, TriggerOrder{Event: r.str("type_desc"), First: first})
	}
	return nil
}

// finishDatabaseTriggers keeps the DDL triggers that can be scripted and
// reports the others: CLR triggers, encrypted ones, those that execute as
// a user that is not scripted.
func (c *Catalog) finishDatabaseTriggers() {
	var kept []*Module
	for _, m := range c.DatabaseTriggers {
		name := quoteIdent(m.Name)
		switch {
		case m.Type != "TR":
			c.unscripted("database trigger", name, "CLR trigger (its assembly is not scripted)")
		case !m.HasDefinition:
			c.unscripted("database trigger", name, "encrypted trigger: its definition cannot be read")
		case m.ExecuteAs > 0 && !c.principalScripted(m.ExecuteAs):
			c.unscripted("database trigger", name, "it executes as "+c.principalName(m.ExecuteAs)+
				", which is not scripted: create that user on the target server, then the trigger")
		default:
			if m.ExecuteAs > 0 && c.principals[m.ExecuteAs].loginMapped() {
				m.loginUser = c.principals[m.ExecuteAs].Name
			}
			kept = append(kept, m)
		}
	}
	c.DatabaseTriggers = kept
}

// triggerOrder returns the batches that set the order of trigger m, each
// guarded by its existence (ifCreated): EXEC sys.sp_settriggerorder
// @triggername = N'[s].[t]', @order = N'First', @stmttype = N'INSERT',
// and @namespace = N'DATABASE' for a DDL trigger, whose name is given
// bare: sp_settriggerorder documents it as "triggername" (sysname,
// "triggerschema cannot be specified for DDL or logon triggers"), its
// example unquoted, and does not say that it takes a quoted name there.
// The arguments are constants or variables (execProc).
func triggerOrder(m *Module) string {
	var b strings.Builder
	for _, o := range m.Order {
		order := "Last"
		if o.First {
			order = "First"
		}
		args := []procArg{{"triggername", "nvarchar(517)", nlit(quoteName(m.Schema, m.Name))}, {"order", "varchar(10)", nlit(order)},
			{"stmttype", "varchar(50)", nlit(o.Event)}}
		if m.Database {
			args[0].lit = nlit(m.Name)
			args = append(args, procArg{"namespace", "varchar(10)", "N'DATABASE'"})
		}
		decl, call := execProc("sys.sp_settriggerorder", args)
		what := m.what()
		b.WriteString("\n" + comment("%s fires %s on %s", strings.ToUpper(what[:1])+what[1:], strings.ToLower(order), o.Event))
		b.WriteString(batch(decl + ifCreated(m, call)))
	}
	return b.String()
}

// writeDatabaseTriggers writes the DDL triggers at the end of
// security.sql: each created (moduleBatch) and disabled at once, then
// their order, then the ones that were enabled enabled again. Each
// trigger's extended properties follow it.
func (s *scripter) writeDatabaseTriggers(b *strings.Builder) error {
	ts := s.c.DatabaseTriggers
	if len(ts) == 0 {
		return nil
	}
	b.WriteString("\n-- Database DDL triggers, last: they would fire on the statements of the restore. Each is disabled\n")
	b.WriteString("-- as soon as it is created; those that were enabled are enabled at the end.\n")
	for _, m := range ts {
		name := quoteIdent(m.Name)
		b.WriteString("\n" + comment("Database trigger %s", name))
		b.WriteString(moduleBatch(m, s.moduleDefinition(m)))
		b.WriteString(batch(ifCreated(m, "DISABLE TRIGGER "+name+" ON DATABASE;")))
		s.object("database trigger", name)
		// Its extended properties (class 1, sp_addextendedproperty
		// @level0type = N'TRIGGER'), while it is disabled.
		for _, p := range s.extProps {
			if p.Class == 1 && p.Major == m.ID {
				if err := s.writeExtendedProperty(b, p); err != nil {
					return err
				}
			}
		}
	}
	for _, m := range ts {
		b.WriteString(triggerOrder(m))
	}
	for _, m := range ts {
		if !m.TriggerDisabled {
			b.WriteString(batch(ifCreated(m, "ENABLE TRIGGER "+quoteIdent(m.Name)+" ON DATABASE;")))
		}
	}
	return nil
}
