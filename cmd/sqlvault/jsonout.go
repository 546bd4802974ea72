package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/sqlvault/sqlvault/snapshot"
)

// jsonLine writes v as one line of JSON on stdout: the messages that
// backup, restore and dump print with --json, one object per line (see
// "JSON output" in docs/design.md).
func (g *globals) jsonLine(v any) error { return g.jsonLineTo(g.stdout, v) }

// jsonLineTo writes v as one line of JSON to w. Lines written from several
// goroutines (a status ticker, a warning) do not interleave.
func (g *globals) jsonLineTo(w io.Writer, v any) error {
	g.jsonMu.Lock()
	defer g.jsonMu.Unlock()
	return json.NewEncoder(w).Encode(v)
}

// statusMsg is a status line of a running backup, restore or dump
// (restic's "status" message); the pointers are set when the total is
// known.
type statusMsg struct {
	MessageType      string   `json:"message_type"` // "status"
	SecondsElapsed   int64    `json:"seconds_elapsed"`
	SecondsRemaining *int64   `json:"seconds_remaining,omitempty"`
	PercentDone      *float64 `json:"percent_done,omitempty"` // 0 to 1, by bytes
	TotalFiles       *int64   `json:"total_files,omitempty"`
	FilesDone        int64    `json:"files_done"`
	TotalBytes       *int64   `json:"total_bytes,omitempty"`
	BytesDone        int64    `json:"bytes_done"`
	BytesAdded       int64    `json:"bytes_added,omitempty"` // a backup's bytes stored so far
	ErrorCount       int64    `json:"error_count"`
	CurrentFiles     []string `json:"current_files,omitempty"`
	// A SQL Server backup: the database, the table being read, the
	// tables done of all and the rows scripted so far.
	Database    string `json:"database,omitempty"`
	Table       string `json:"table,omitempty"`
	TablesDone  *int   `json:"tables_done,omitempty"`
	TablesTotal *int   `json:"tables_total,omitempty"`
	RowsDone    *int64 `json:"rows_done,omitempty"`
}

// countersStatus is the status of a backup or restore from its counters.
func countersStatus(c *snapshot.Counters) statusMsg {
	st := statusMsg{FilesDone: c.Files.Load(), BytesDone: c.Bytes.Load(), BytesAdded: c.BytesAdded.Load(), ErrorCount: c.Errors.Load()}
	if cur := c.Current(); cur != "" {
		st.CurrentFiles = []string{cur}
	}
	if c.Totaled.Load() {
		files, bytes := c.TotalFiles.Load(), c.TotalBytes.Load()
		st.TotalFiles, st.TotalBytes = &files, &bytes
	}
	return st
}

// total returns *p, or -1 (not known) for nil.
func total(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

// errorMsg is a warning about one item (restic's "error" message): the
// command goes on without it.
type errorMsg struct {
	MessageType string `json:"message_type"` // "error"
	Error       string `json:"error"`
	Item        string `json:"item,omitempty"`
}

// backupSummaryMsg ends a backup: the snapshot's summary under the names
// it has in the snapshot (snapshots --json), and restic's names for what
// restic's scripts read.
type backupSummaryMsg struct {
	MessageType string `json:"message_type"` // "summary"
	SnapshotID  string `json:"snapshot_id"`
	*snapshot.Summary
	DataAdded           int64   `json:"data_added"`            // = bytes_added
	TotalFilesProcessed int     `json:"total_files_processed"` // files_new + files_changed + files_unmodified
	TotalBytesProcessed int64   `json:"total_bytes_processed"` // = bytes_total
	TotalDuration       float64 `json:"total_duration"`        // seconds
}

func newBackupSummary(sn *snapshot.Snapshot) backupSummaryMsg {
	s := sn.Summary
	return backupSummaryMsg{MessageType: "summary", SnapshotID: sn.ID().String(), Summary: s,
		DataAdded: s.BytesAdded, TotalFilesProcessed: s.FilesNew + s.FilesChanged + s.FilesUnchanged,
		TotalBytesProcessed: s.BytesTotal, TotalDuration: s.End.Sub(s.Start).Seconds()}
}

// sqlSummaryMsg ends the backup of one SQL Server database.
type sqlSummaryMsg struct {
	backupSummaryMsg
	Database    string `json:"database"`
	Tables      int    `json:"tables"`
	Rows        int64  `json:"rows"`
	TSQLBytes   int64  `json:"tsql_bytes"` // bytes of T-SQL scripted
	Consistency string `json:"consistency"`
}

// restoreSummaryMsg ends a restore of files.
type restoreSummaryMsg struct {
	MessageType       string  `json:"message_type"` // "summary"
	SnapshotID        string  `json:"snapshot_id"`
	Target            string  `json:"target"`
	FilesRestored     int     `json:"files_restored"`
	DirsRestored      int     `json:"dirs_restored"`
	SymlinksRestored  int     `json:"symlinks_restored"`
	SpecialRestored   int     `json:"special_restored"`   // FIFOs and devices
	HardlinksRestored int     `json:"hardlinks_restored"` // of files_restored
	BytesRestored     int64   `json:"bytes_restored"`
	TotalDuration     float64 `json:"total_duration"` // seconds
}

// dumpSummaryMsg ends a dump.
type dumpSummaryMsg struct {
	MessageType   string  `json:"message_type"` // "summary"
	SnapshotID    string  `json:"snapshot_id"`
	Path          string  `json:"path,omitempty"`
	Database      string  `json:"database,omitempty"`
	BytesWritten  int64   `json:"bytes_written"`
	TotalDuration float64 `json:"total_duration"` // seconds
}

// seconds returns the time since start in seconds.
func seconds(start time.Time) float64 { return time.Since(start).Seconds() }

// warnItem reports a problem with one item that the command goes on
// without: with --json an error line on out, else a warning on stderr
// above the status block.
func (g *globals) warnItem(p *liveProgress, out io.Writer, item string, err error) {
	if g.json {
		_ = g.jsonLineTo(out, errorMsg{MessageType: "error", Error: err.Error(), Item: item})
		return
	}
	p.Println(g.stderr, "warning: "+safeLine(item+": "+err.Error()))
}

// verboseLine prints detail with --verbose (not with --json, whose status
// lines take its place), above the status block.
func (g *globals) verboseLine(p *liveProgress, line string) {
	if g.verbose && !g.quiet && !g.json {
		p.Println(g.stderr, safeLine(line))
	}
}
