package mssql

import "strings"

// What to do about what the scripts do not create. Every entry of the
// manifest's unscripted list says why (Unscripted.Reason, written where it
// is found) and what to do (Unscripted.Action, chosen here, in one place,
// from the entry's kind and reason), so that a DBA reading the manifest or
// the warning line knows the next step; an entry of a kind this table does
// not know gets the general advice (actionGeneral).

// actionRule gives the action for the entries of a kind (any kind when
// "") whose reason holds reason (any reason when "").
type actionRule struct {
	kind, reason, action string
}

// Actions shared by several rules.
const (
	actionNative = "back up this database with BACKUP DATABASE (a native backup keeps it); or create the table by hand on the target and copy its rows with bcp"
	actionCLR    = "create the assembly on the target (CREATE ASSEMBLY from its bits in sys.assembly_files on the source; needs 'clr enabled'), then the object with EXTERNAL NAME"
	actionBroker = "create the Service Broker objects by hand on the target (CREATE MESSAGE TYPE, CONTRACT, QUEUE, SERVICE, ROUTE, REMOTE SERVICE BINDING, in that order; SSMS Generate Scripts writes them) and enable the broker (ALTER DATABASE ... SET ENABLE_BROKER); messages in queues are not copied"
	actionGrant  = "once what it names exists on the target, run it by hand"
	// actionGeneral is the action of an entry no rule knows.
	actionGeneral = "create it by hand on the target from the source database's definition, if the copy needs it"
)

// actionRules are tried in order; the first whose kind and reason match
// gives the action.
var actionRules = []actionRule{
	// Left out for what they depend on (leftout.go).
	{"", "depends on ", "create it by hand once what it depends on exists on the target (the source database has its definition)"},
	{"", "references ", "add it by hand once the table it references exists on the target"},
	// Tables whose rows are not in the snapshot (DataMissing).
	{"table", "Always Encrypted", "back up this database with BACKUP DATABASE, or copy the table with a client that holds the column master key (Column Encryption Setting=Enabled, e.g. the SSMS Import and Export Wizard); a script of INSERT statements cannot carry its values"},
	{"table", "FileTable", "enable FILESTREAM with non-transactional access on the target, create the FileTable by hand and copy its files through its share; or back up with BACKUP DATABASE"},
	{"table", "FILESTREAM", "add a FILESTREAM filegroup to the target database, create the table by hand and copy its rows with bcp; or back up with BACKUP DATABASE"},
	{"table", "external table", "create its external data source, file format and the external table by hand on the target; its rows live outside the database"},
	{"table", "CLR user-defined type", actionCLR + "; then the table, and copy its rows with bcp"},
	{"table", "", actionNative},
	{"ledger table", "", "to keep the ledger's history and its verification (sys.sp_verify_database_ledger), back up this database with BACKUP DATABASE; the copy starts a new ledger"},
	{"dropped ledger table", "", "nothing to do for the copy; a native backup (BACKUP DATABASE) keeps it"},
	// Features enabled by system procedures.
	{"change data capture", "", "after the restore, run EXEC sys.sp_cdc_enable_db, then EXEC sys.sp_cdc_enable_table with the source table and the options in the reason (needs SQL Server Agent and an edition with CDC); the change tables start empty"},
	{"change tracking", "", "clients that synchronize with CHANGETABLE must reinitialize from the restored data: CHANGE_TRACKING_MIN_VALID_VERSION is newer than the version they hold"},
	// Modules, types and indexes.
	{"", "CLR ", actionCLR},
	{"", "encrypted", "create it on the target from its source code, which only its author has (WITH ENCRYPTION hides the definition from every login)"},
	{"", "it executes as ", "create that user on the target server, then the object from the source database's definition"},
	{"numbered procedure", "", "create it on the target after the restore from its definition in sys.numbered_procedures on the source (CREATE PROCEDURE name;number)"},
	{"assembly", "", actionCLR},
	{"index", "selective XML index", "create it by hand on the target after the restore with CREATE SELECTIVE XML INDEX and the promoted paths and namespaces of sys.selective_xml_index_paths and sys.selective_xml_index_namespaces on the source (SSMS Generate Scripts writes it), then its secondary selective XML indexes"},
	{"index", "", "create the index by hand on the target after the restore"},
	{"partition function", "", "create the partition function and scheme by hand on the target and rebuild what was on them; every row is in the copy"},
	{"partition scheme", "", "create the partition function and scheme by hand on the target and rebuild what was on them; every row is in the copy"},
	{"partitioned ", "", "rebuild it on a partition scheme by hand if the target needs the partitioning; every row is in the copy"},
	{"data compression", "", "rebuild the partitions with the source's compression by hand if needed (ALTER INDEX ... REBUILD PARTITION = n WITH (DATA_COMPRESSION = ...))"},
	{"full-text search property list", "", "create the search property list on the target, then ALTER FULLTEXT INDEX ON the table SET SEARCH PROPERTY LIST"},
	{"database collation", "", "create the target database with the intended collation before the restore"},
	// Service Broker.
	{"queue", "", actionBroker},
	{"service", "", actionBroker},
	{"contract", "", actionBroker},
	{"message type", "", actionBroker},
	{"route", "", actionBroker},
	{"remote service binding", "", actionBroker},
	// Keys, credentials and other database entities (database_entities).
	{"column master key", "", "create the column master key on the target with the same key path (the key itself stays in its key store)"},
	{"column encryption key", "", "create the column encryption key on the target with its encrypted value from the source (SSMS Generate Scripts writes it)"},
	{"certificate", "", "back up the certificate with its private key on the source (BACKUP CERTIFICATE) and create it on the target from the files"},
	{"asymmetric key", "", "create the key on the target from its source (file, assembly or provider), with its private key where needed"},
	{"symmetric key", "", "create the key on the target with the same KEY_SOURCE and IDENTITY_VALUE (else data it encrypts cannot be decrypted), or restore a native backup"},
	{"database scoped credential", "", "create the credential on the target with its secret, which cannot be read"},
	// Principals, memberships, owners and permissions (security.go).
	{"user", "login", "create the login on the target server, then CREATE USER ... FOR LOGIN, and the role memberships and permissions reported for it"},
	{"user", "certificate or asymmetric key", "create the certificate or key on the target, then CREATE USER ... FOR CERTIFICATE (or ASYMMETRIC KEY), and the role memberships and permissions reported for it"},
	{"user", "Entra ID", "create it on the target with CREATE USER ... FROM EXTERNAL PROVIDER, and the role memberships and permissions reported for it"},
	{"user", "password", "create it on the target with CREATE USER ... WITH PASSWORD, and the role memberships and permissions reported for it"},
	{"user", "", "create it on the target, and the role memberships and permissions reported for it"},
	{"application role", "", "create it on the target with its password (CREATE APPLICATION ROLE)"},
	{"role member", "", "once the member exists on the target, add it: ALTER ROLE ... ADD MEMBER"},
	{"", "owned by ", "once the owner exists on the target, run ALTER AUTHORIZATION by hand"},
	{"permission", "", actionGrant},
	{"", "which is not scripted", "create it by hand once the object named in the reason exists on the target"},
}

// action returns what to do about u: its own Action, else the first rule
// that matches it, else actionGeneral.
func (u Unscripted) action() string {
	if u.Action != "" {
		return u.Action
	}
	for _, r := range actionRules {
		kindOK := r.kind == "" || u.Kind == r.kind || strings.HasSuffix(r.kind, " ") && strings.HasPrefix(u.Kind, r.kind)
		if kindOK && (r.reason == "" || strings.Contains(u.Reason, r.reason)) {
			return r.action
		}
	}
	return actionGeneral
}

// withActions fills the Action of every entry of us.
func withActions(us []Unscripted) {
	for i := range us {
		us[i].Action = us[i].action()
	}
}
