package mssql

import (
	"strings"
	"testing"

	"github.com/sqlvault/sqlvault/mssql/mssqltest/sample"
)

// TestPolicyAndCollectionOwners: a security policy and an XML schema
// collection owned by another principal than their schema's owner are
// handed to it in security.sql, before the permissions (a change of owner
// drops them): the policy only where post-data.sql created it. An owner
// the copy does not have is reported, and the schema's owner keeps them.
func TestPolicyAndCollectionOwners(t *testing.T) {
	s := newTestServer(t, nil)
	sink, m := s.scriptMem("sample", s.options("sample"))
	sec := string(sink.files[SecurityFile])
	owners := "IF OBJECT_ID(N'[sales].[TenantGuard]') IS NOT NULL\n    ALTER AUTHORIZATION ON OBJECT::[sales].[TenantGuard] TO [app_user];\nGO\n" +
		"ALTER AUTHORIZATION ON XML SCHEMA COLLECTION::[dbo].[NoteSchema] TO [reporting];\nGO\n"
	mustContain(t, "security.sql", sec, owners)
	if i, j := strings.Index(sec, owners), strings.Index(sec, "GRANT REFERENCES ON XML SCHEMA COLLECTION::[dbo].[NoteSchema] TO [app_user];"); j < i {
		t.Errorf("the collection's permission (at %d) comes before its owner (at %d)", j, i)
	}
	if strings.Contains(sec, "[sales].[TenantFilter] TO") {
		t.Error("security.sql hands over a policy its schema's owner owns")
	}
	for _, u := range m.Unscripted {
		if strings.Contains(u.Kind, "owner") {
			t.Errorf("reported: %s %s: %s", u.Kind, u.Name, u.Reason)
		}
	}

	db := sample.New()
	db.SecurityPolicies[1].Owner = "legacy_user" // a user whose login cannot be named: not scripted
	db.XMLSchemaCollections[0].Owner = "legacy_user"
	db.Build()
	s = newTestServer(t, []*sample.DB{db})
	sink, m = s.scriptMem("sample", s.options("sample"))
	var reported []string
	for _, l := range unscriptedLines(m.Unscripted) {
		if strings.Contains(l, " owner ") {
			reported = append(reported, l)
		}
	}
	sameLines(t, "reported", reported, []string{
		"XML schema collection owner [dbo].[NoteSchema]: owned by [legacy_user], which is not scripted; the schema owner owns it in the copy",
		"security policy owner [sales].[TenantGuard]: owned by [legacy_user], which is not scripted; the schema owner owns it in the copy",
	})
	if sec := string(sink.files[SecurityFile]); strings.Contains(sec, "TenantGuard") || strings.Contains(sec, "ON XML SCHEMA COLLECTION::[dbo].[NoteSchema] TO [legacy_user]") {
		t.Errorf("security.sql hands them to an owner it does not create:\n%s", sec)
	}
}
