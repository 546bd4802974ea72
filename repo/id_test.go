package repo

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseIDRoundTrip(t *testing.T) {
	const s = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	id, err := ParseID(s)
	if err != nil {
		t.Fatalf("ParseID: %v", err)
	}
	if id[0] != 0xba || id[31] != 0xad {
		t.Fatalf("ParseID decoded %x", id[:])
	}
	if got := id.String(); got != s {
		t.Fatalf("String() = %s, want %s", got, s)
	}
	if got := id.Str(); got != "ba7816bf" {
		t.Fatalf("Str() = %s, want ba7816bf", got)
	}
	if id.IsNull() {
		t.Fatal("IsNull() true for a non-zero ID")
	}
	if !(ID{}).IsNull() {
		t.Fatal("IsNull() false for the zero ID")
	}
}

func TestHashIsSHA256(t *testing.T) {
	// SHA-256("abc") from FIPS 180-2.
	if got := Hash([]byte("abc")).String(); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("Hash(abc) = %s", got)
	}
}

func TestParseIDUppercaseIsNormalised(t *testing.T) {
	up := strings.Repeat("AB", 32)
	id, err := ParseID(up)
	if err != nil {
		t.Fatalf("ParseID(%s): %v", up, err)
	}
	if got := id.String(); got != strings.Repeat("ab", 32) {
		t.Fatalf("String() = %s, want lowercase", got)
	}
}

func TestParseIDErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "want 64 hex digits"},
		{strings.Repeat("a", 63), "want 64 hex digits"},
		{strings.Repeat("a", 65), "want 64 hex digits"},
		{strings.Repeat("a", 62) + "zz", "invalid byte"},
		{strings.Repeat("a", 63) + " ", "invalid byte"},
	} {
		_, err := ParseID(tc.in)
		if err == nil {
			t.Errorf("ParseID(%q) succeeded", tc.in)
			continue
		}
		if !strings.Contains(err.Error(), "invalid ID") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseID(%q) error %q, want it to mention %q", tc.in, err, tc.want)
		}
	}
}

func TestIDJSON(t *testing.T) {
	id := Hash([]byte("x"))
	b, err := json.Marshal(struct{ ID ID }{id})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"ID":"` + id.String() + `"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var back struct{ ID ID }
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != id {
		t.Fatalf("round trip gave %v, want %v", back.ID, id)
	}
	if err := json.Unmarshal([]byte(`{"ID":"abc"}`), &back); err == nil || !strings.Contains(err.Error(), "want 64 hex digits") {
		t.Fatalf("Unmarshal of a short ID: err = %v", err)
	}
}
