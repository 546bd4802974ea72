package repo

import (
	"os"
	"testing"

	"github.com/sqlvault/sqlvault/backend"
	"github.com/sqlvault/sqlvault/backend/local"
)

// TestCheckReadDataFraction: a fraction reads that share of the packs,
// rounded up, and at least one.
func TestCheckReadDataFraction(t *testing.T) {
	dir, _ := checkRepo(t) // 3 packs
	for _, tc := range []struct {
		fraction float64
		read     int
	}{{0.01, 1}, {0.34, 2}, {0.5, 2}, {0.67, 3}, {1, 3}} {
		st, problems := runCheck(t, dir, CheckOptions{ReadData: true, Fraction: tc.fraction})
		if len(problems) != 0 || st.PacksRead != tc.read || st.Packs != 3 {
			t.Errorf("fraction %v: read %d of %d packs, want %d (%v)", tc.fraction, st.PacksRead, st.Packs, tc.read, problems)
		}
	}
	// The choice is random: with one pack damaged, reading one pack of
	// three finds the damage in some runs and not in others.
	var largest string
	var size int64
	for _, name := range listNames(t, local.New(dir), backend.Pack) {
		if fi, err := os.Stat(packPath(dir, mustParseID(t, name))); err == nil && fi.Size() > size {
			largest, size = name, fi.Size()
		}
	}
	flipBit(t, packPath(dir, mustParseID(t, largest)), 100) // inside its first blob
	if _, problems := runCheck(t, dir, CheckOptions{}); len(problems) != 0 {
		t.Fatalf("the damage is found without reading data: %v", problems)
	}
	found, clean := 0, 0
	for i := 0; i < 60 && (found == 0 || clean == 0); i++ {
		if _, problems := runCheck(t, dir, CheckOptions{ReadData: true, Fraction: 0.01}); len(problems) > 0 {
			found++
		} else {
			clean++
		}
	}
	if found == 0 || clean == 0 {
		t.Errorf("reading a random third of the packs: damage found in %d runs, not found in %d", found, clean)
	}
}
