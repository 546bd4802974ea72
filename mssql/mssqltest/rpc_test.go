package mssqltest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"
)

// recordingHandler remembers the last request and answers with one row.
type recordingHandler struct {
	last chan *Request
}

func newRecordingHandler() *recordingHandler {
	return &recordingHandler{last: make(chan *Request, 1)}
}

func (h *recordingHandler) Query(ctx context.Context, q *Request, w ResultWriter) error {
	select {
	case <-h.last:
	default:
	}
	h.last <- q
	return singleInt(w, "n", int64(len(q.Params)))
}

func (h *recordingHandler) request(t *testing.T) *Request {
	t.Helper()
	select {
	case q := <-h.last:
		return q
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the handler")
		return nil
	}
}

func TestParameterDecoding(t *testing.T) {
	h := newRecordingHandler()
	_, db := newTestServer(t, h)

	long := strings.Repeat("long 😀 ", 2000) // 16,000 UTF-16 units: sent as nvarchar(max)
	uid := mssql.UniqueIdentifier{0x6F, 0x96, 0x19, 0xFF, 0x8B, 0x86, 0xD0, 0x11, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}
	dto := time.Date(2024, 7, 1, 12, 30, 45, 123456700, time.FixedZone("", 5*3600+45*60))
	type wantParam struct {
		name      string
		typ       Type
		length    int
		scale     uint8
		value     any
		precision uint8
	}
	tests := []struct {
		arg  any
		want wantParam
	}{
		{int64(math.MinInt64), wantParam{name: "@p1", typ: TypeBigInt, value: int64(math.MinInt64)}},
		{int64(math.MaxInt64), wantParam{name: "@p2", typ: TypeBigInt, value: int64(math.MaxInt64)}},
		{int32(math.MinInt32), wantParam{name: "@p3", typ: TypeInt, value: int64(math.MinInt32)}},
		{int16(-2), wantParam{name: "@p4", typ: TypeSmallInt, value: int64(-2)}},
		{uint8(255), wantParam{name: "@p5", typ: TypeTinyInt, value: int64(255)}},
		{"héllo 😀 'q'", wantParam{name: "@p6", typ: TypeNVarChar, length: 12, value: "héllo 😀 'q'"}},
		{"", wantParam{name: "@p7", typ: TypeNVarChar, length: MaxLength, value: ""}},
		{long, wantParam{name: "@p8", typ: TypeNVarChar, length: MaxLength, value: long}},
		{mssql.VarChar("plain ascii"), wantParam{name: "@p9", typ: TypeVarChar, length: 11, value: "plain ascii"}},
		{mssql.VarCharMax("max text"), wantParam{name: "@p10", typ: TypeVarChar, length: MaxLength, value: "max text"}},
		{mssql.NVarCharMax("nv max"), wantParam{name: "@p11", typ: TypeNVarChar, length: MaxLength, value: "nv max"}},
		{mssql.NChar("nc"), wantParam{name: "@p12", typ: TypeNChar, length: 2, value: "nc"}},
		{true, wantParam{name: "@p13", typ: TypeBit, value: true}},
		{false, wantParam{name: "@p14", typ: TypeBit, value: false}},
		{civil.DateTime{Date: civil.Date{Year: 9999, Month: 12, Day: 31}, Time: civil.Time{Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999900}},
			wantParam{name: "@p15", typ: TypeDateTime2, scale: 7, value: utc(9999, 12, 31, 23, 59, 59, 999999900)}},
		{civil.DateTime{Date: civil.Date{Year: 1, Month: 1, Day: 1}},
			wantParam{name: "@p16", typ: TypeDateTime2, scale: 7, value: utc(1, 1, 1, 0, 0, 0, 0)}},
		{civil.Date{Year: 2024, Month: 2, Day: 29}, wantParam{name: "@p17", typ: TypeDate, value: utc(2024, 2, 29, 0, 0, 0, 0)}},
		{civil.Time{Hour: 13, Minute: 14, Second: 15, Nanosecond: 1600}, wantParam{name: "@p18", typ: TypeTime, scale: 7, value: timeOfDay(13, 14, 15, 1600)}},
		{dto, wantParam{name: "@p19", typ: TypeDateTimeOffset, scale: 7, value: dto}},
		{mssql.DateTime1(utc(2000, 1, 2, 3, 4, 5, 997000000)), wantParam{name: "@p20", typ: TypeDateTime, value: utc(2000, 1, 2, 3, 4, 5, 997000000)}},
		{[]byte{0, 1, 2, 0xFF}, wantParam{name: "@p21", typ: TypeVarBinary, length: 4, value: []byte{0, 1, 2, 0xFF}}},
		{[]byte{}, wantParam{name: "@p22", typ: TypeVarBinary, length: MaxLength, value: []byte{}}},
		{math.MaxFloat64, wantParam{name: "@p23", typ: TypeFloat, value: math.MaxFloat64}},
		{float32(-1.5), wantParam{name: "@p24", typ: TypeReal, value: float32(-1.5)}},
		{uid, wantParam{name: "@p25", typ: TypeUniqueIdentifier, value: [16]byte(uid)}},
		{nil, wantParam{name: "@p26", typ: 0, value: nil}},
		{sql.NullString{}, wantParam{name: "@p27", typ: TypeNVarChar, length: 4000, value: nil}},
		{sql.NullInt64{}, wantParam{name: "@p28", typ: TypeBigInt, value: nil}},
		{sql.NullBool{}, wantParam{name: "@p29", typ: TypeBit, value: nil}},
		{sql.NullTime{}, wantParam{name: "@p30", typ: TypeDateTimeOffset, scale: 7, value: nil}},
		{sql.Named("Name", "named"), wantParam{name: "@Name", typ: TypeNVarChar, length: 5, value: "named"}},
	}
	args := make([]any, len(tests))
	for i, tc := range tests {
		args[i] = tc.arg
	}
	var n int
	if err := db.QueryRow("SELECT * FROM t WHERE a = @p1 AND b = @Name", args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	q := h.request(t)
	if q.Kind != KindRPC || q.Proc != "sp_executesql" || q.SQL != "SELECT * FROM t WHERE a = @p1 AND b = @Name" {
		t.Errorf("request kind %v proc %q SQL %q", q.Kind, q.Proc, q.SQL)
	}
	if n != len(tests) || len(q.Params) != len(tests) {
		t.Fatalf("got %d parameters (client saw %d), want %d", len(q.Params), n, len(tests))
	}
	if !strings.HasPrefix(q.ParamDecl, "@p1 bigint,@p2 bigint,@p3 int,@p4 smallint,@p5 tinyint,@p6 nvarchar(12),") ||
		!strings.HasSuffix(q.ParamDecl, ",@Name nvarchar(5)") {
		t.Errorf("ParamDecl = %q", q.ParamDecl)
	}
	for i, tc := range tests {
		p := q.Params[i]
		got := wantParam{name: p.Name, typ: p.Type, length: p.Length, scale: p.Scale, value: p.Value, precision: p.Precision}
		if got.name != tc.want.name || got.typ != tc.want.typ || got.length != tc.want.length || got.scale != tc.want.scale ||
			!sameParamValue(got.value, tc.want.value) || p.Output {
			t.Errorf("parameter %d (%T): got %+v, want %+v", i+1, tc.arg, got, tc.want)
		}
	}
	if p, ok := q.Param("name"); !ok || p.Value != "named" {
		t.Errorf("Param(\"name\") = %+v, %v", p, ok)
	}
	if p, ok := q.Param("@P6"); !ok || p.Name != "@p6" {
		t.Errorf("Param(\"@P6\") = %+v, %v", p, ok)
	}
	if _, ok := q.Param("nope"); ok {
		t.Error("Param found a missing parameter")
	}
}

func sameParamValue(got, want any) bool {
	switch w := want.(type) {
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	case time.Time:
		g, ok := got.(time.Time)
		if !ok {
			return false
		}
		_, goff := g.Zone()
		_, woff := w.Zone()
		return g.Equal(w) && goff == woff
	case float64:
		g, ok := got.(float64)
		return ok && math.Float64bits(g) == math.Float64bits(w)
	}
	return got == want
}

// TestParameterVarCharCodePage shows how varchar parameters are read: the
// driver sends a zero collation, which means the database default
// (code page 1252), so UTF-8 bytes of non-ASCII text arrive as Latin-1.
func TestParameterVarCharCodePage(t *testing.T) {
	h := newRecordingHandler()
	_, db := newTestServer(t, h)
	if _, err := db.Exec("select @p1, @p2", mssql.VarChar("é"), mssql.VarChar("€")); err != nil {
		t.Fatal(err)
	}
	q := h.request(t)
	if q.Params[0].Value != "Ã©" || q.Params[1].Value != "â‚¬" {
		t.Errorf("got %q, %q", q.Params[0].Value, q.Params[1].Value)
	}
}

func TestBatchAndProcedureCalls(t *testing.T) {
	h := newRecordingHandler()
	_, db := newTestServer(t, h)

	if _, err := db.Exec("SELECT 1;\r\nSELECT N'it''s 😀'"); err != nil {
		t.Fatal(err)
	}
	q := h.request(t)
	if q.Kind != KindBatch || q.SQL != "SELECT 1;\r\nSELECT N'it''s 😀'" || q.Proc != "" || q.Params != nil {
		t.Errorf("batch: %+v", q)
	}

	// go-mssqldb calls a lone identifier as a stored procedure.
	if _, err := db.Exec("sp_who"); err != nil {
		t.Fatal(err)
	}
	q = h.request(t)
	if q.Kind != KindRPC || q.Proc != "sp_who" || q.SQL != "" || len(q.Params) != 0 {
		t.Errorf("procedure without arguments: %+v", q)
	}

	if _, err := db.Exec("dbo.get_user", sql.Named("id", int32(5)), sql.Named("name", "x"), sql.Out{Dest: new(int64)}); err != nil {
		t.Fatal(err)
	}
	q = h.request(t)
	if q.Kind != KindRPC || q.Proc != "dbo.get_user" || len(q.Params) != 3 {
		t.Fatalf("procedure with arguments: %+v", q)
	}
	got := fmt.Sprintf("%s=%v/%v %s=%v/%v %s=%v/%v/out=%v", q.Params[0].Name, q.Params[0].Value, q.Params[0].Type,
		q.Params[1].Name, q.Params[1].Value, q.Params[1].Type, q.Params[2].Name, q.Params[2].Value, q.Params[2].Type, q.Params[2].Output)
	if want := "@id=5/int @name=x/nvarchar =0/bigint/out=true"; got != want {
		t.Errorf("parameters %s, want %s", got, want)
	}
}
