package mssql

import (
	"fmt"
	"regexp"
	"strings"
)

// guardedBatch matches a batch of guarded (and createOrderedColumnstore):
// a condition on the target's edition or version, the statement run with
// sp_executesql, and a PRINT (then, for an ordered columnstore index, the
// index without ORDER) otherwise.
var guardedBatch = regexp.MustCompile(`^IF CONVERT\(int, SERVERPROPERTY\('(EngineEdition|ProductMajorVersion)'\)\)[^\n]*\nBEGIN\n    (DECLARE @sql nvarchar\(max\) = [^\n]*;\n)    EXEC sys\.sp_executesql @sql;\nEND\nELSE\n(    PRINT N'sqlvault: [^\n]*;|BEGIN\n    PRINT N'sqlvault: [^\n]*;\n    [^\n]*\nEND)\n?$`)

// unwrapGuarded returns the statement a guarded batch runs where the
// target has it.
func unwrapGuarded(stmt string) (string, bool, error) {
	m := guardedBatch.FindStringSubmatch(stmt)
	if m == nil {
		return "", false, nil
	}
	text, ok, err := unwrapExec(m[2] + execSQLVar)
	if err == nil && !ok {
		err = fmt.Errorf("guarded batch without a statement: %.200q", stmt)
	}
	return strings.TrimSpace(text), true, err
}
