package job

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sqlvault/sqlvault/internal/atomicfile"
)

// WriteMetrics writes the run's metrics in node_exporter's textfile
// collector format (Prometheus text exposition format 0.0.4) to path,
// through a temporary file and a rename so that the collector never reads
// half a file. lastSuccess is the end of the job's last successful run (this
// one if it succeeded); a job that never succeeded has no such sample.
func WriteMetrics(path string, res *Result, st *State) error {
	var b strings.Builder
	job := `job="` + escapeLabel(res.Job) + `"`
	metric := func(name, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	if !st.LastSuccess.IsZero() {
		metric("sqlvault_job_last_success_timestamp_seconds", "End of the job's last successful run, in seconds since the Unix epoch.")
		fmt.Fprintf(&b, "sqlvault_job_last_success_timestamp_seconds{%s} %s\n", job, formatFloat(float64(st.LastSuccess.UnixMilli())/1000))
	}
	metric("sqlvault_job_duration_seconds", "Duration of the job's last run.")
	fmt.Fprintf(&b, "sqlvault_job_duration_seconds{%s} %s\n", job, formatFloat(res.Duration.Seconds()))
	metric("sqlvault_job_exit_code", "Exit code of the job's last run (0: every step succeeded).")
	fmt.Fprintf(&b, "sqlvault_job_exit_code{%s} %d\n", job, res.Code)
	metric("sqlvault_source_exit_code", "Exit code of the last run's backup of the source (0: a snapshot was written).")
	for _, st := range res.Steps {
		if src, ok := strings.CutPrefix(st.Name, backupStep); ok && st.Skipped == "" {
			fmt.Fprintf(&b, "sqlvault_source_exit_code{%s,source=\"%s\"} %d\n", job, escapeLabel(src), st.Code)
		}
	}
	if res.BytesAdded != nil {
		metric("sqlvault_source_bytes_added", "Bytes the last run's backup of the source added to the repository (after deduplication and compression).")
		names := make([]string, 0, len(res.BytesAdded))
		for n := range res.BytesAdded {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "sqlvault_source_bytes_added{%s,source=\"%s\"} %d\n", job, escapeLabel(n), res.BytesAdded[n])
		}
	}
	if res.Snapshots >= 0 {
		metric("sqlvault_snapshots", "Snapshots of the job's host and tags in the repository after the last run.")
		fmt.Fprintf(&b, "sqlvault_snapshots{%s} %d\n", job, res.Snapshots)
	}
	if err := atomicfile.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write metrics file: %w", err)
	}
	return nil
}

// escapeLabel escapes a label value: backslash, double quote and line feed.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
