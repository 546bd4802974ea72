package mssqltest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf16"
)

// RequestKind tells how the client sent a request.
type RequestKind uint8

const (
	// KindBatch is a SQL batch: Request.SQL holds its text and there are no
	// parameters. database/sql sends a query without arguments this way.
	KindBatch RequestKind = iota + 1
	// KindRPC is a remote procedure call. go-mssqldb sends a query with
	// arguments as a call of sp_executesql; Request.SQL then holds the
	// statement and Request.Params its arguments.
	KindRPC
)

// String returns "batch" or "rpc".
func (k RequestKind) String() string {
	switch k {
	case KindBatch:
		return "batch"
	case KindRPC:
		return "rpc"
	}
	return fmt.Sprintf("RequestKind(%d)", uint8(k))
}

// Request is one SQL batch or RPC call sent by a client.
type Request struct {
	// Kind is KindBatch or KindRPC.
	Kind RequestKind
	// SQL is the batch text, or the statement of an sp_executesql call.
	// It is empty for calls of other procedures.
	SQL string
	// Proc is the called procedure of an RPC request, such as
	// "sp_executesql"; empty for batches.
	Proc string
	// ParamDecl is the parameter declaration list of an sp_executesql call,
	// such as "@p1 bigint,@name nvarchar(5)".
	ParamDecl string
	// Params are the arguments of an RPC call, in order. For sp_executesql
	// they exclude the statement and the declaration list.
	Params []Param
	// Conn describes the session that sent the request.
	Conn ConnInfo

	// clientTranDesc is the transaction descriptor the client sent back,
	// which shows that it understood the transaction ENVCHANGE tokens.
	clientTranDesc uint64
}

// Param returns the parameter with the given name, with or without its
// leading "@", compared case-insensitively as SQL Server does.
func (r *Request) Param(name string) (Param, bool) {
	name = strings.TrimPrefix(name, "@")
	for _, p := range r.Params {
		if strings.EqualFold(strings.TrimPrefix(p.Name, "@"), name) {
			return p, true
		}
	}
	return Param{}, false
}

// Param is a decoded RPC parameter.
//
// Value holds the Go form of the argument, or nil for NULL:
//
//   - bit: bool
//   - tinyint, smallint, int, bigint: int64
//   - real: float32; float: float64
//   - decimal, numeric, money, smallmoney: string with exactly Scale (4 for
//     money) digits after the decimal point, e.g. "-12.3400"
//   - date, datetime2, datetime, smalldatetime: time.Time in UTC
//   - time: time.Time on 0001-01-01 in UTC, as go-mssqldb returns time
//   - datetimeoffset: time.Time in a fixed zone with the sent offset
//   - char, varchar, text: string decoded from the parameter's collation
//     (go-mssqldb sends mssql.VarChar with an empty collation, which SQL
//     Server, and so this package, reads as code page 1252)
//   - nchar, nvarchar, ntext, xml: string
//   - binary, varbinary, image: []byte
//   - uniqueidentifier: [16]byte in canonical order
type Param struct {
	// Name is the parameter name as sent, with its "@" ("@p1", "@id");
	// empty for positional arguments.
	Name string
	// Type is the data type the client declared; 0 for an untyped NULL.
	Type Type
	// Length is the declared length of character and binary types, in
	// characters for nchar and nvarchar; MaxLength for (max) types.
	Length int
	// Precision and Scale describe decimal, numeric and time types.
	Precision, Scale uint8
	// Output is set for OUTPUT parameters.
	Output bool
	// Value is the argument, see above.
	Value any
}

// IsolationLevel is the isolation level of a transaction started with a
// transaction manager request (database/sql's BeginTx).
type IsolationLevel uint8

// Isolation levels as TM_BEGIN_XACT encodes them.
const (
	IsolationDefault IsolationLevel = iota // keep the session's level
	IsolationReadUncommitted
	IsolationReadCommitted
	IsolationRepeatableRead
	IsolationSerializable
	IsolationSnapshot
)

// String returns the T-SQL name of the level, such as "SNAPSHOT".
func (l IsolationLevel) String() string {
	switch l {
	case IsolationDefault:
		return "DEFAULT"
	case IsolationReadUncommitted:
		return "READ UNCOMMITTED"
	case IsolationReadCommitted:
		return "READ COMMITTED"
	case IsolationRepeatableRead:
		return "REPEATABLE READ"
	case IsolationSerializable:
		return "SERIALIZABLE"
	case IsolationSnapshot:
		return "SNAPSHOT"
	}
	return fmt.Sprintf("IsolationLevel(%d)", uint8(l))
}

// TxOp is a transaction manager operation.
type TxOp uint8

// Transaction manager operations.
const (
	TxBegin TxOp = iota + 1
	TxCommit
	TxRollback
	TxSave
)

// String returns the operation's name, such as "commit".
func (o TxOp) String() string {
	switch o {
	case TxBegin:
		return "begin"
	case TxCommit:
		return "commit"
	case TxRollback:
		return "rollback"
	case TxSave:
		return "save"
	}
	return fmt.Sprintf("TxOp(%d)", uint8(o))
}

// TxRequest is a transaction manager request: database/sql's BeginTx,
// Tx.Commit and Tx.Rollback send these instead of T-SQL.
type TxRequest struct {
	// Op is the requested operation.
	Op TxOp
	// Isolation is the level requested by TxBegin.
	Isolation IsolationLevel
	// Name is the transaction or savepoint name; go-mssqldb sends none.
	Name string
	// Conn describes the session; Conn.TranCount is the count before the
	// operation.
	Conn ConnInfo
}

// Transaction manager request types (MS-TDS 2.2.6.9).
const (
	tmBeginXact    = 5
	tmCommitXact   = 7
	tmRollbackXact = 8
	tmSaveXact     = 9
)

var errShortMessage = errors.New("message too short")

// reader decodes little-endian TDS fields with a sticky error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = errShortMessage
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) ucs2(chars int) string {
	b := r.take(2 * chars)
	if b == nil {
		return ""
	}
	s, err := decodeUCS2(b)
	if err != nil && r.err == nil {
		r.err = err
	}
	return s
}

func (r *reader) bVarChar() string  { return r.ucs2(int(r.u8())) }
func (r *reader) usVarChar() string { return r.ucs2(int(r.u16())) }

// allHeaders reads the ALL_HEADERS block (MS-TDS 2.2.5.3) that starts
// SQLBatch, RPC and transaction manager requests and returns the
// transaction descriptor it carries (0 outside a transaction).
func (r *reader) allHeaders() uint64 {
	total := int(r.u32())
	h := &reader{b: r.take(total - 4), err: r.err}
	var desc uint64
	for h.err == nil && len(h.b) > 0 {
		n := int(h.u32())
		typ := h.u16()
		data := &reader{b: h.take(n - 6)}
		if typ == 2 { // transaction descriptor
			desc = data.u64()
		}
	}
	if h.err != nil && r.err == nil {
		r.err = h.err
	}
	return desc
}

// parseBatch decodes a SQLBatch message.
func parseBatch(data []byte) (*Request, error) {
	r := &reader{b: data}
	desc := r.allHeaders()
	if r.err != nil {
		return nil, fmt.Errorf("SQL batch headers: %w", r.err)
	}
	s, err := decodeUCS2(r.b)
	if err != nil {
		return nil, fmt.Errorf("SQL batch text: %w", err)
	}
	return &Request{Kind: KindBatch, SQL: s, clientTranDesc: desc}, nil
}

// procNames are the well-known procedures a client may call by number.
var procNames = [...]string{
	1: "sp_cursor", 2: "sp_cursoropen", 3: "sp_cursorprepare", 4: "sp_cursorexecute",
	5: "sp_cursorprepexec", 6: "sp_cursorunprepare", 7: "sp_cursorfetch",
	8: "sp_cursoroption", 9: "sp_cursorclose", 10: "sp_executesql", 11: "sp_prepare",
	12: "sp_execute", 13: "sp_prepexec", 14: "sp_prepexecrpc", 15: "sp_unprepare",
}

// parseRPC decodes an RPC request (MS-TDS 2.2.6.6). Only the first call of
// a batch of calls is decoded; go-mssqldb sends one per request.
func parseRPC(data []byte) (*Request, error) {
	r := &reader{b: data}
	req := &Request{Kind: KindRPC}
	req.clientTranDesc = r.allHeaders()
	if n := r.u16(); n == 0xFFFF {
		id := r.u16()
		if int(id) >= len(procNames) || procNames[id] == "" {
			return nil, fmt.Errorf("RPC: unknown procedure id %d", id)
		}
		req.Proc = procNames[id]
	} else {
		req.Proc = r.ucs2(int(n))
	}
	r.u16() // option flags
	if r.err != nil {
		return nil, fmt.Errorf("RPC header: %w", r.err)
	}
	for len(r.b) > 0 && r.b[0] != 0x80 && r.b[0] != 0xFF && r.b[0] != 0xFE {
		p, err := readParam(r)
		if err != nil {
			return nil, fmt.Errorf("RPC %s parameter %d: %w", req.Proc, len(req.Params)+1, err)
		}
		req.Params = append(req.Params, p)
	}
	if strings.EqualFold(req.Proc, "sp_executesql") {
		if len(req.Params) == 0 {
			return nil, errors.New("RPC sp_executesql without a statement")
		}
		stmt, ok := req.Params[0].Value.(string)
		if !ok {
			return nil, fmt.Errorf("RPC sp_executesql: statement is %T, not text", req.Params[0].Value)
		}
		req.SQL = stmt
		req.Params = req.Params[1:]
		if len(req.Params) > 0 {
			name := req.Params[0].Name
			if decl, ok := req.Params[0].Value.(string); ok && (name == "" || strings.EqualFold(name, "@params")) {
				req.ParamDecl = decl
				req.Params = req.Params[1:]
			}
		}
	}
	return req, nil
}

// readParam decodes one ParameterData: name, status, TYPE_INFO and value.
func readParam(r *reader) (Param, error) {
	p := Param{Name: r.bVarChar()}
	status := r.u8()
	p.Output = status&0x01 != 0
	ti, err := readTypeInfo(r)
	if err != nil {
		return p, err
	}
	data, isNull := ti.readData(r)
	if r.err != nil {
		return p, r.err
	}
	p.Precision, p.Scale, p.Length = ti.prec, ti.scale, ti.length()
	if isNull && ti.id != tdsNull {
		switch ti.id {
		case tdsIntN, tdsBitN, tdsFltN, tdsMoneyN, tdsDateTimeN, tdsGUID:
			data = make([]byte, ti.maxLen) // only the size matters for the type
		}
	}
	p.Type, err = paramType(ti.id, data, &p)
	if err != nil {
		return p, err
	}
	if isNull {
		return p, nil
	}
	p.Value, err = decodeParamValue(ti.id, p.Type, p.Scale, ti.coll, data)
	return p, err
}

// typeInfo is a decoded TYPE_INFO (MS-TDS 2.2.5.6), of an RPC parameter or
// of a column of a bulk load's COLMETADATA.
type typeInfo struct {
	id          byte
	maxLen      int // the length of BYTELEN, USHORTLEN and LONGLEN types; 0xFFFF for PLP
	prec, scale uint8
	coll        Collation
}

// readTypeInfo reads a TYPE_INFO.
func readTypeInfo(r *reader) (typeInfo, error) {
	ti := typeInfo{id: r.u8()}
	switch ti.id {
	case tdsNull, tdsDateN:
	case tdsInt1, tdsBit, tdsInt2, tdsInt4, tdsDateTim4, tdsFlt4, tdsMoney,
		tdsDateTime, tdsFlt8, tdsMoney4, tdsInt8:
		ti.maxLen = fixedSize(ti.id)
	case tdsIntN, tdsBitN, tdsFltN, tdsMoneyN, tdsDateTimeN, tdsGUID:
		ti.maxLen = int(r.u8())
	case tdsDecimalN, tdsNumericN:
		ti.maxLen = int(r.u8())
		ti.prec, ti.scale = r.u8(), r.u8()
	case tdsTimeN, tdsDateTime2N, tdsDateTimeOffset:
		ti.scale = r.u8()
	case tdsBigVarBin, tdsBigBinary, tdsBigVarChar, tdsBigChar, tdsNVarChar, tdsNChar:
		ti.maxLen = int(r.u16())
		if ti.id == tdsBigVarChar || ti.id == tdsBigChar || ti.id == tdsNVarChar || ti.id == tdsNChar {
			ti.coll = collationFromWire(r.take(5))
		}
	case tdsXML:
		ti.maxLen = 0xFFFF
		if r.u8() != 0 { // schema present
			r.bVarChar()
			r.bVarChar()
			r.usVarChar()
		}
	case tdsText, tdsNText, tdsImage:
		ti.maxLen = int(r.u32())
		if ti.id != tdsImage {
			ti.coll = collationFromWire(r.take(5))
		}
	default:
		if r.err != nil {
			return ti, r.err
		}
		return ti, fmt.Errorf("unsupported type 0x%02X", ti.id)
	}
	return ti, r.err
}

// plp tells types whose values are sent in the PLP format.
func (ti typeInfo) plp() bool {
	switch ti.id {
	case tdsXML:
		return true
	case tdsBigVarBin, tdsBigVarChar, tdsNVarChar:
		return ti.maxLen == 0xFFFF
	}
	return false
}

// length is the declared length as Param.Length and Column.Length give it.
func (ti typeInfo) length() int {
	switch ti.id {
	case tdsBigVarBin, tdsBigBinary, tdsBigVarChar, tdsBigChar, tdsNVarChar, tdsNChar:
		switch {
		case ti.maxLen == 0xFFFF:
			return MaxLength
		case ti.id == tdsNVarChar || ti.id == tdsNChar:
			return ti.maxLen / 2
		}
		return ti.maxLen
	}
	return 0
}

// readData reads one value of the type, in the format of its TYPE_INFO:
// its bytes without the length prefix, or null.
func (ti typeInfo) readData(r *reader) (data []byte, null bool) {
	switch ti.id {
	case tdsNull:
		return nil, true
	case tdsInt1, tdsBit, tdsInt2, tdsInt4, tdsDateTim4, tdsFlt4, tdsMoney,
		tdsDateTime, tdsFlt8, tdsMoney4, tdsInt8:
		return r.take(ti.maxLen), false
	case tdsText, tdsNText, tdsImage:
		ptrLen := int(r.u8())
		if ptrLen == 0 {
			return nil, true
		}
		r.take(ptrLen) // text pointer
		r.take(8)      // timestamp
		return r.take(int(r.u32())), false
	}
	if ti.plp() {
		return readPLP(r)
	}
	switch ti.id {
	case tdsBigVarBin, tdsBigBinary, tdsBigVarChar, tdsBigChar, tdsNVarChar, tdsNChar:
		n := r.u16()
		if n == 0xFFFF {
			return nil, true
		}
		return r.take(int(n)), false
	}
	return readByteLen(r)
}

func fixedSize(id byte) int {
	switch id {
	case tdsInt1, tdsBit:
		return 1
	case tdsInt2:
		return 2
	case tdsInt4, tdsDateTim4, tdsFlt4, tdsMoney4:
		return 4
	}
	return 8
}

func readByteLen(r *reader) ([]byte, bool) {
	n := int(r.u8())
	if n == 0 {
		return nil, true
	}
	return r.take(n), false
}

func readPLP(r *reader) ([]byte, bool) {
	total := r.u64()
	if total == plpNull {
		return nil, true
	}
	data := []byte{}
	for r.err == nil {
		n := r.u32()
		if n == 0 {
			break
		}
		data = append(data, r.take(int(n))...)
	}
	return data, false
}

// paramType maps a TDS type id, with the size of its data, to a Type.
func paramType(id byte, data []byte, p *Param) (Type, error) {
	switch id {
	case tdsNull:
		return 0, nil
	case tdsBit, tdsBitN:
		return TypeBit, nil
	case tdsInt1:
		return TypeTinyInt, nil
	case tdsInt2:
		return TypeSmallInt, nil
	case tdsInt4:
		return TypeInt, nil
	case tdsInt8:
		return TypeBigInt, nil
	case tdsIntN:
		switch len(data) {
		case 1:
			return TypeTinyInt, nil
		case 2:
			return TypeSmallInt, nil
		case 4:
			return TypeInt, nil
		case 8:
			return TypeBigInt, nil
		}
	case tdsFlt4:
		return TypeReal, nil
	case tdsFlt8:
		return TypeFloat, nil
	case tdsFltN:
		switch len(data) {
		case 4:
			return TypeReal, nil
		case 8:
			return TypeFloat, nil
		}
	case tdsMoney:
		return TypeMoney, nil
	case tdsMoney4:
		return TypeSmallMoney, nil
	case tdsMoneyN:
		switch len(data) {
		case 4:
			return TypeSmallMoney, nil
		case 8:
			return TypeMoney, nil
		}
	case tdsDateTime:
		return TypeDateTime, nil
	case tdsDateTim4:
		return TypeSmallDateTime, nil
	case tdsDateTimeN:
		switch len(data) {
		case 4:
			return TypeSmallDateTime, nil
		case 8:
			return TypeDateTime, nil
		}
	case tdsGUID:
		if len(data) == 16 {
			return TypeUniqueIdentifier, nil
		}
	case tdsDecimalN:
		return TypeDecimal, nil
	case tdsNumericN:
		return TypeNumeric, nil
	case tdsDateN:
		return TypeDate, nil
	case tdsTimeN:
		return TypeTime, nil
	case tdsDateTime2N:
		return TypeDateTime2, nil
	case tdsDateTimeOffset:
		return TypeDateTimeOffset, nil
	case tdsBigVarBin:
		return TypeVarBinary, nil
	case tdsBigBinary:
		return TypeBinary, nil
	case tdsBigVarChar:
		return TypeVarChar, nil
	case tdsBigChar:
		return TypeChar, nil
	case tdsNVarChar:
		return TypeNVarChar, nil
	case tdsNChar:
		return TypeNChar, nil
	case tdsXML:
		return TypeXML, nil
	case tdsText:
		return TypeText, nil
	case tdsNText:
		return TypeNText, nil
	case tdsImage:
		return TypeImage, nil
	}
	return 0, fmt.Errorf("invalid data length %d for type 0x%02X", len(data), id)
}

// decodeParamValue converts parameter data to the Go value listed on Param.
func decodeParamValue(id byte, t Type, scale uint8, coll Collation, data []byte) (any, error) {
	le := binary.LittleEndian
	switch t {
	case TypeBit:
		return data[0] != 0, nil
	case TypeTinyInt:
		return int64(data[0]), nil
	case TypeSmallInt:
		return int64(int16(le.Uint16(data))), nil
	case TypeInt:
		return int64(int32(le.Uint32(data))), nil
	case TypeBigInt:
		return int64(le.Uint64(data)), nil
	case TypeReal:
		return math.Float32frombits(le.Uint32(data)), nil
	case TypeFloat:
		return math.Float64frombits(le.Uint64(data)), nil
	case TypeSmallMoney:
		return formatScaled(big.NewInt(int64(int32(le.Uint32(data)))), 4), nil
	case TypeMoney:
		m := int64(uint64(le.Uint32(data))<<32 | uint64(le.Uint32(data[4:])))
		return formatScaled(big.NewInt(m), 4), nil
	case TypeDecimal, TypeNumeric:
		if len(data) < 1 {
			return nil, errShortMessage
		}
		mag := make([]byte, len(data)-1)
		for i := range mag {
			mag[i] = data[len(data)-1-i] // to big-endian
		}
		n := new(big.Int).SetBytes(mag)
		if data[0] == 0 {
			n.Neg(n)
		}
		return formatScaled(n, scale), nil
	case TypeDate:
		if len(data) != 3 {
			return nil, fmt.Errorf("date of %d bytes", len(data))
		}
		return dateFromDays(days3(data)), nil
	case TypeTime:
		return time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(timeUnits(data, scale))), nil
	case TypeDateTime2:
		ts := len(data) - 3
		if ts < 3 {
			return nil, fmt.Errorf("datetime2 of %d bytes", len(data))
		}
		return dateFromDays(days3(data[ts:])).Add(time.Duration(timeUnits(data[:ts], scale))), nil
	case TypeDateTimeOffset:
		ts := len(data) - 5
		if ts < 3 {
			return nil, fmt.Errorf("datetimeoffset of %d bytes", len(data))
		}
		utc := dateFromDays(days3(data[ts:])).Add(time.Duration(timeUnits(data[:ts], scale)))
		off := int(int16(le.Uint16(data[ts+3:])))
		return utc.In(time.FixedZone("", off*60)), nil
	case TypeDateTime:
		days := int64(int32(le.Uint32(data)))
		ticks := int64(le.Uint32(data[4:]))
		// go-mssqldb's rounding of 1/300 s ticks to whole milliseconds
		ms := (ticks*10 + 1) / 3
		return dateFromDays(days + days1900).Add(time.Duration(ms) * time.Millisecond), nil
	case TypeSmallDateTime:
		days := int64(le.Uint16(data))
		mins := int64(le.Uint16(data[2:]))
		return dateFromDays(days + days1900).Add(time.Duration(mins) * time.Minute), nil
	case TypeUniqueIdentifier:
		return guidFromWire(data), nil
	case TypeChar, TypeVarChar, TypeText:
		return decodeChars(coll, data), nil
	case TypeNChar, TypeNVarChar, TypeNText, TypeXML:
		return decodeUCS2(data)
	case TypeBinary, TypeVarBinary, TypeImage:
		return data, nil
	}
	return nil, fmt.Errorf("unsupported parameter type 0x%02X", id)
}

func days3(b []byte) int64 {
	return int64(b[0]) | int64(b[1])<<8 | int64(b[2])<<16
}

func dateFromDays(days int64) time.Time {
	return time.Unix(unixDay0001+days*86400, 0).UTC()
}

// timeUnits returns nanoseconds from a time value of 10^-scale second units.
func timeUnits(b []byte, scale uint8) int64 {
	var v int64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | int64(b[i])
	}
	for i := scale; i < 9; i++ {
		v *= 10
	}
	return v
}

// formatScaled formats n / 10^scale with exactly scale fraction digits.
func formatScaled(n *big.Int, scale uint8) string {
	neg := n.Sign() < 0
	s := new(big.Int).Abs(n).String()
	if len(s) <= int(scale) {
		s = strings.Repeat("0", int(scale)-len(s)+1) + s
	}
	if scale > 0 {
		s = s[:len(s)-int(scale)] + "." + s[len(s)-int(scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// parseTxRequest decodes a transaction manager request (MS-TDS 2.2.6.9).
func parseTxRequest(data []byte) (*TxRequest, bool, error) {
	r := &reader{b: data}
	r.allHeaders()
	typ := r.u16()
	tx := &TxRequest{}
	beginNew := false
	switch typ {
	case tmBeginXact:
		tx.Op = TxBegin
		tx.Isolation = IsolationLevel(r.u8())
		tx.Name = r.bVarChar()
	case tmCommitXact, tmRollbackXact:
		tx.Op = TxCommit
		if typ == tmRollbackXact {
			tx.Op = TxRollback
		}
		tx.Name = r.bVarChar()
		if r.u8()&0x01 != 0 { // fBeginXact: start a new transaction after
			beginNew = true
			tx.Isolation = IsolationLevel(r.u8())
			r.bVarChar()
		}
	case tmSaveXact:
		tx.Op = TxSave
		tx.Name = r.bVarChar()
	default:
		if r.err == nil {
			return nil, false, fmt.Errorf("unsupported transaction manager request %d", typ)
		}
	}
	if r.err != nil {
		return nil, false, fmt.Errorf("transaction manager request: %w", r.err)
	}
	return tx, beginNew, nil
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
