package mssql

import (
	"errors"
	"fmt"
)

// ErrDataMissing is wrapped by the warnings (Options.Warn) about objects
// whose data is not in the script: a snapshot with such an object is
// incomplete (the CLI's exit code 3). The warnings about every other
// object that is reported but not scripted (a CLR module, a Service Broker
// queue, a permission that needs an object that is not scripted) do not
// wrap it: their script restores every row, and the manifest's
// `unscripted` list says what to create by hand.
var ErrDataMissing = errors.New("its data is not in the snapshot")

// DataMissing is the rule that decides which reported objects make a
// backup incomplete: a table that is not scripted (Always Encrypted,
// FileTable, external, with a FILESTREAM column, ...), whose rows are
// therefore not in the snapshot. Every other kind holds no rows: a module,
// type, index, trigger, partition function or scheme, full-text object,
// principal, permission, or a table created without some property (a
// partitioned table created unpartitioned, compression that differs
// between partitions) whose rows are all there. Tables whose data the
// login reads masked or filtered are reported apart (FilteredTables,
// ErrFilteredData) and make a backup incomplete too.
func (u Unscripted) DataMissing() bool { return u.Kind == "table" }

// warning returns the error Options.Warn gets for u: it wraps
// ErrDataMissing when u.DataMissing.
// Its text is one line: why, and what to do (Unscripted.action).
func (u Unscripted) warning() error {
	if u.DataMissing() {
		return fmt.Errorf("not scripted, %w: %s; to do: %s", ErrDataMissing, u.Reason, u.action())
	}
	return errors.New("not scripted: " + u.Reason + "; to do: " + u.action())
}
