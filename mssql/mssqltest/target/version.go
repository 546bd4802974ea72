package target

import (
	"strconv"
	"strings"

	"github.com/sqlvault/sqlvault/mssql/mssqltest"
	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// ServerTag tags the query that identifies the server (mssql.ReadServer):
//
//	/* sqlvault:server */ SELECT CAST(SERVERPROPERTY('ProductVersion') ...
//
// The handler matches the tag only and answers as the sample server does
// for its version (sample.Version.AnswerServer): the version of
// WithVersion, SQL Server 2022 without it.
const ServerTag = "sqlvault:server"

// WithVersion makes the handler a server of version v (sample.Versions,
// sample.OldVersion): it answers ServerTag's query as v, and a version
// guard of the scripts that v fails sends the guard's message (see
// Handler.skippedGuard).
func WithVersion(v sample.Version) Option {
	return func(h *Handler) { h.version = v }
}

// serverVersion returns the version the handler runs as.
func (h *Handler) serverVersion() sample.Version {
	if h.version.Name == "" {
		return sample.DefaultVersion()
	}
	return h.version
}

// guardPrefix is how a script's version guard begins: the condition
// mssql's sinceGuarded writes (targetSince), followed by the major
// version.
const guardPrefix = "IF CONVERT(int, SERVERPROPERTY('EngineEdition')) IN (5, 8) OR CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) >= "

// skippedGuard returns the message a server of the handler's version
// prints for a batch that is a version guard it fails:
//
//	IF <guardPrefix>15
//	BEGIN ... END
//	ELSE
//	    PRINT N'sqlvault: ... needs SQL Server 2019 or later; not set';
//
// the text of the first PRINT of the ELSE branch. Other conditions are
// not evaluated; the batch is recorded (and its table statements
// modelled) as any other.
func (h *Handler) skippedGuard(sql string) (string, bool) {
	toks, err := lex(sql)
	if err != nil || len(toks) == 0 {
		return "", false
	}
	rest, ok := strings.CutPrefix(sql[toks[0].start:], guardPrefix) // after comments
	if !ok {
		return "", false
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	since, err := strconv.Atoi(rest[:end])
	v := h.serverVersion()
	if err != nil || v.EngineEdition == 5 || v.EngineEdition == 8 || v.Major >= since {
		return "", false
	}
	depth, inElse := 0, false
	for i, t := range toks {
		switch {
		case t.is("BEGIN"):
			depth++
		case t.is("END"):
			depth--
		case t.is("ELSE") && depth == 0:
			inElse = true
		case inElse && t.is("PRINT") && i+1 < len(toks) && toks[i+1].kind == tString:
			return toks[i+1].text, true
		}
	}
	return "", false
}

// printSkipped sends the message of a version guard the handler's
// version fails, as an informational message (PRINT's: number 0).
func (h *Handler) printSkipped(sql string, w mssqltest.ResultWriter) error {
	if msg, ok := h.skippedGuard(sql); ok {
		return w.Info(0, msg)
	}
	return nil
}
