package main

import (
	"runtime/debug"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	vcs := func(rev, modified string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/sqlvault/sqlvault", Version: "(devel)"}}
		if rev != "" {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: "vcs.revision", Value: rev})
		}
		if modified != "" {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: "vcs.modified", Value: modified})
		}
		return info
	}
	const rev = "0e25eb3724b653f99a7d9ebafa92ad7cd6f2d5f6"
	for _, tc := range []struct {
		name string
		set  string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"ldflags win", "1.4.0", vcs(rev, "true"), true, "1.4.0"},
		{"go install module@version", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, true, "v1.2.3"},
		{"checkout", "dev", vcs(rev, "false"), true, "dev-0e25eb3724b6"},
		{"checkout with changes", "dev", vcs(rev, "true"), true, "dev-0e25eb3724b6-dirty"},
		{"short revision", "dev", vcs("abc", ""), true, "dev-abc"},
		{"no vcs stamp", "dev", vcs("", ""), true, "dev"},
		{"no build info", "dev", nil, false, "dev"},
	} {
		if got := buildVersion(tc.set, tc.info, tc.ok); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
