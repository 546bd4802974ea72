package workload

import (
	"strconv"
	"strings"
)

// row carries what a table's renderer may use for one row. Every column
// draws exactly one seed from fixed (values that never change) and, when it
// depends on the version, seeds from vary, so the draws of one column never
// shift another's and an update changes only the columns that depend on the
// version.
type row struct {
	id      int64
	version int
	fixed   rnd
	vary    rnd
	base    *[numTables]int64 // day-0 row counts, for foreign keys
}

// f returns a generator for a column that never changes.
func (r *row) f() rnd { return newRand(r.fixed.next()) }

// v returns a generator for a column that changes with every update.
func (r *row) v() rnd { return newRand(r.vary.next()) }

// m returns a generator for a column that an update changes with
// probability about p/1000: in each version the column either keeps its
// original value or takes a value of that version.
func (r *row) m(p int) rnd {
	fs := r.fixed.next()
	vs := r.vary.next()
	if r.vary.chance(p) && r.version > 0 {
		return newRand(vs)
	}
	return newRand(fs)
}

// ref returns an id of table t that exists on every day.
func (r *row) ref(g *rnd, t int) int64 {
	n := r.base[t]
	if n < 1 {
		return 1
	}
	return 1 + int64(g.next()>>1)%n
}

const (
	tCustomers = iota
	tProducts
	tOrders
	tOrderLines
	tDocuments
	numTables
)

type table struct {
	name   string
	weight int64 // share of the rows
	cols   []string
	render func(b []byte, r *row) []byte // appends ",col2,col3..." after the id

	qn, head, ddl string
}

func (t *table) qname() string      { return t.qn }
func (t *table) insertHead() string { return t.head }

var tables = [numTables]*table{
	tCustomers: {
		name:   "Customers",
		weight: 15,
		cols: []string{
			"[CustomerID] int IDENTITY(1,1) NOT NULL",
			"[FirstName] nvarchar(50) NOT NULL",
			"[LastName] nvarchar(50) NOT NULL",
			"[Email] nvarchar(254) NULL",
			"[Phone] nvarchar(20) NULL",
			"[City] nvarchar(60) NOT NULL",
			"[IsActive] bit NOT NULL",
			"[CreditLimit] decimal(19,4) NULL",
			"[CreatedAt] datetime2(7) NOT NULL",
			"[ModifiedAt] datetime2(7) NOT NULL",
			"[RowGuid] uniqueidentifier NOT NULL",
		},
		render: func(b []byte, r *row) []byte {
			g := r.f()
			b = nstr(append(b, ','), pick(&g, firstNames))
			g = r.f()
			b = nstr(append(b, ','), pick(&g, lastNames))
			g = r.m(300)
			if g.chance(50) {
				b = append(b, ",NULL"...)
			} else {
				b = append(b, ",N'"...)
				b = append(b, pick(&g, emailNames)...)
				b = append(b, '.')
				b = append(b, pick(&g, emailNames)...)
				b = strconv.AppendInt(b, int64(g.intn(10000)), 10)
				b = append(b, '@')
				b = append(b, pick(&g, domains)...)
				b = append(b, '\'')
			}
			g = r.f()
			if g.chance(200) {
				b = append(b, ",NULL"...)
			} else {
				b = append(b, ",N'+1-555-"...)
				b = pad(b, int64(g.intn(1000)), 3)
				b = append(b, '-')
				b = pad(b, int64(g.intn(10000)), 4)
				b = append(b, '\'')
			}
			g = r.m(200)
			b = nstr(append(b, ','), pick(&g, cities))
			g = r.m(200)
			b = bit(b, !g.chance(100))
			g = r.m(300)
			if g.chance(300) {
				b = append(b, ",NULL"...)
			} else {
				b = decimal(append(b, ','), int64(g.intn(500))*100*10000, 4)
			}
			g = r.f()
			b = datetime2(append(b, ','), epoch2018+r.id*127+int64(g.intn(120)), g.intn(1e7))
			b = modified(b, r)
			g = r.f()
			return guid(append(b, ','), &g)
		},
	},
	tProducts: {
		name:   "Products",
		weight: 3,
		cols: []string{
			"[ProductID] int IDENTITY(1,1) NOT NULL",
			"[Sku] nvarchar(32) NOT NULL",
			"[Name] nvarchar(200) NOT NULL",
			"[Description] nvarchar(max) NULL",
			"[ListPrice] decimal(19,4) NOT NULL",
			"[WeightKg] decimal(9,3) NULL",
			"[Rating] float NULL",
			"[Discontinued] bit NOT NULL",
			"[ModifiedAt] datetime2(7) NOT NULL",
		},
		render: func(b []byte, r *row) []byte {
			g := r.f()
			b = append(b, ",N'SKU-"...)
			b = pad(b, r.id, 6)
			b = append(b, '-', byte('A'+g.intn(26)), byte('A'+g.intn(26)), '\'')
			g = r.f()
			b = append(b, ",N'"...)
			b = esc(b, pick(&g, adjectives))
			b = append(b, ' ')
			b = esc(b, pick(&g, nouns))
			if g.chance(150) {
				b = append(b, ' ')
				b = strconv.AppendInt(b, int64(1+g.intn(30)), 10)
				b = append(b, "'' cable \"Pro\""...) // feet mark, doubled
			}
			b = append(b, '\'')
			g = r.m(400)
			if g.chance(100) {
				b = append(b, ",NULL"...)
			} else {
				b = text(append(b, ','), &g, 5+g.intn(40))
			}
			g = r.m(500)
			b = decimal(append(b, ','), int64(99+g.intn(200000))*100, 4)
			g = r.f()
			if g.chance(150) {
				b = append(b, ",NULL"...)
			} else {
				b = decimal(append(b, ','), int64(1+g.intn(50000)), 3)
			}
			g = r.m(300)
			switch {
			case g.chance(200):
				b = append(b, ",NULL"...)
			case g.chance(500):
				b = strconv.AppendFloat(append(b, ','), float64(2+g.intn(9))/2, 'g', -1, 64)
			default:
				x := float64(g.next()>>11) / (1 << 53)
				b = strconv.AppendFloat(append(b, ','), 1+4*x, 'g', -1, 64)
			}
			g = r.m(100)
			b = bit(b, g.chance(50))
			return modified(b, r)
		},
	},
	tOrders: {
		name:   "Orders",
		weight: 25,
		cols: []string{
			"[OrderID] bigint IDENTITY(1,1) NOT NULL",
			"[CustomerID] int NOT NULL",
			"[OrderDate] datetime2(7) NOT NULL",
			"[Status] tinyint NOT NULL",
			"[ShipCity] nvarchar(60) NOT NULL",
			"[Total] decimal(19,4) NOT NULL",
			"[Comment] nvarchar(400) NULL",
			"[ShippedAt] datetime2(7) NULL",
			"[ModifiedAt] datetime2(7) NOT NULL",
			"[TrackingID] uniqueidentifier NULL",
		},
		render: func(b []byte, r *row) []byte {
			g := r.f()
			b = strconv.AppendInt(append(b, ','), r.ref(&g, tCustomers), 10)
			g = r.f()
			ordered := epoch2019 + r.id*53 + int64(g.intn(50))
			b = datetime2(append(b, ','), ordered, g.intn(1e7))
			g = r.m(600)
			b = strconv.AppendInt(append(b, ','), int64(g.intn(6)), 10)
			g = r.f()
			b = nstr(append(b, ','), pick(&g, cities))
			g = r.m(200)
			b = decimal(append(b, ','), int64(g.intn(5_000_000))*100+int64(g.intn(100)), 4)
			g = r.m(200)
			if g.chance(700) {
				b = append(b, ",NULL"...)
			} else {
				b = text(append(b, ','), &g, 3+g.intn(15))
			}
			g = r.m(500)
			if g.chance(300) {
				b = append(b, ",NULL"...)
			} else {
				b = datetime2(append(b, ','), ordered+int64(3600+g.intn(14*86400)), g.intn(1e7))
			}
			b = modified(b, r)
			g = r.m(300)
			if g.chance(400) {
				return append(b, ",NULL"...)
			}
			return guid(append(b, ','), &g)
		},
	},
	tOrderLines: {
		name:   "OrderLines",
		weight: 47,
		cols: []string{
			"[OrderLineID] bigint IDENTITY(1,1) NOT NULL",
			"[OrderID] bigint NOT NULL",
			"[LineNo] smallint NOT NULL",
			"[ProductID] int NOT NULL",
			"[Quantity] int NOT NULL",
			"[UnitPrice] decimal(19,4) NOT NULL",
			"[Discount] decimal(5,4) NOT NULL",
			"[ModifiedAt] datetime2(7) NOT NULL",
		},
		render: func(b []byte, r *row) []byte {
			// Lines follow their orders: OrderID grows with the line id.
			orders, lines := max(r.base[tOrders], 1), max(r.base[tOrderLines], 1)
			oid := min(1+(r.id-1)*orders/lines, orders)
			b = strconv.AppendInt(append(b, ','), oid, 10)
			g := r.f()
			b = strconv.AppendInt(append(b, ','), int64(1+g.intn(8)), 10)
			g = r.f()
			b = strconv.AppendInt(append(b, ','), r.ref(&g, tProducts), 10)
			g = r.m(400)
			q := int64(1 + g.intn(20))
			if g.chance(20) {
				q *= 50
			}
			b = strconv.AppendInt(append(b, ','), q, 10)
			g = r.f()
			b = decimal(append(b, ','), int64(99+g.intn(200000))*100, 4)
			g = r.m(200)
			b = decimal(append(b, ','), int64(discounts[g.intn(len(discounts))]), 4)
			return modified(b, r)
		},
	},
	tDocuments: {
		name:   "Documents",
		weight: 10,
		cols: []string{
			"[DocumentID] int IDENTITY(1,1) NOT NULL",
			"[OrderID] bigint NULL",
			"[FileName] nvarchar(260) NOT NULL",
			"[ContentType] nvarchar(100) NOT NULL",
			"[Content] varbinary(max) NULL",
			"[UploadedAt] datetime2(7) NOT NULL",
			"[ModifiedAt] datetime2(7) NOT NULL",
			"[DocGuid] uniqueidentifier NOT NULL",
		},
		render: func(b []byte, r *row) []byte {
			g := r.f()
			if g.chance(200) {
				b = append(b, ",NULL"...)
			} else {
				b = strconv.AppendInt(append(b, ','), r.ref(&g, tOrders), 10)
			}
			g = r.f()
			ct := g.intn(len(contentTypes))
			b = append(b, ",N'"...)
			b = append(b, pick(&g, emailNames)...)
			b = append(b, '_')
			b = strconv.AppendInt(b, r.id, 10)
			b = append(b, contentTypes[ct][0]...)
			b = append(b, "',N'"...)
			b = append(b, contentTypes[ct][1]...)
			b = append(b, '\'')
			g = r.m(500)
			if g.chance(500) {
				b = append(b, ",NULL"...)
			} else {
				b = append(b, ",0x"...)
				for n := 8 + g.intn(89); n > 0; n-- {
					x := g.next()
					b = append(b, hexdigits[x>>4&15], hexdigits[x&15])
				}
			}
			g = r.f()
			b = datetime2(append(b, ','), epoch2019+r.id*301+int64(g.intn(300)), g.intn(1e7))
			b = modified(b, r)
			g = r.f()
			return guid(append(b, ','), &g)
		},
	},
}

// emailNames are the plain ASCII names, lower-cased, for e-mail addresses.
var emailNames []string

func init() {
	for _, n := range append(firstNames[:30:30], lastNames[:30]...) {
		emailNames = append(emailNames, strings.ToLower(n))
	}
	for _, t := range tables {
		t.qn = "[dbo].[" + t.name + "]"
		names := make([]string, len(t.cols))
		var c strings.Builder
		c.WriteString("CREATE TABLE " + t.qn + " (\n")
		for i, col := range t.cols {
			names[i] = col[:strings.IndexByte(col, ']')+1]
			c.WriteString("    " + col + ",\n")
		}
		c.WriteString("    CONSTRAINT [PK_" + t.name + "] PRIMARY KEY CLUSTERED (" + names[0] + " ASC)\n);\nGO\n")
		t.ddl = c.String()
		t.head = "INSERT INTO " + t.qn + " (" + strings.Join(names, ",") + ") VALUES\n"
	}
}

const header = `-- sqlvault benchmark workload: a synthetic sales database (bench/gen)
SET ANSI_NULLS ON;
GO
SET QUOTED_IDENTIFIER ON;
GO
`

const postData = `
-- Indexes and foreign keys
CREATE NONCLUSTERED INDEX [IX_Orders_CustomerID] ON [dbo].[Orders] ([CustomerID] ASC);
GO
CREATE NONCLUSTERED INDEX [IX_OrderLines_OrderID] ON [dbo].[OrderLines] ([OrderID] ASC);
GO
CREATE UNIQUE NONCLUSTERED INDEX [UX_Products_Sku] ON [dbo].[Products] ([Sku] ASC);
GO
ALTER TABLE [dbo].[Orders] WITH CHECK ADD CONSTRAINT [FK_Orders_Customers] FOREIGN KEY ([CustomerID]) REFERENCES [dbo].[Customers] ([CustomerID]);
GO
ALTER TABLE [dbo].[OrderLines] WITH CHECK ADD CONSTRAINT [FK_OrderLines_Orders] FOREIGN KEY ([OrderID]) REFERENCES [dbo].[Orders] ([OrderID]);
GO
ALTER TABLE [dbo].[OrderLines] WITH CHECK ADD CONSTRAINT [FK_OrderLines_Products] FOREIGN KEY ([ProductID]) REFERENCES [dbo].[Products] ([ProductID]);
GO
ALTER TABLE [dbo].[Documents] WITH CHECK ADD CONSTRAINT [FK_Documents_Orders] FOREIGN KEY ([OrderID]) REFERENCES [dbo].[Orders] ([OrderID]);
GO
`

// Seconds since 1970-01-01 of some fixed instants.
const (
	epoch2018 = 1514764800 // 2018-01-01
	epoch2019 = 1546300800 // 2019-01-01
	epochDay0 = 1709251200 // 2024-03-01, day 0 of the workload
)

const hexdigits = "0123456789ABCDEF"

// modified appends the ModifiedAt column: a time on the row's version day.
func modified(b []byte, r *row) []byte {
	g := r.v()
	return datetime2(append(b, ','), epochDay0+int64(r.version)*86400+int64(g.intn(86400)), g.intn(1e7))
}

func pick(g *rnd, list []string) string { return list[g.intn(len(list))] }

// esc appends s with single quotes doubled.
func esc(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b = append(b, '\'')
		}
		b = append(b, s[i])
	}
	return b
}

// nstr appends s as an N'...' literal.
func nstr(b []byte, s string) []byte {
	b = append(b, "N'"...)
	return append(esc(b, s), '\'')
}

// text appends an N'...' literal of n words, with the odd quote, Unicode
// word and line break real free text has.
func text(b []byte, g *rnd, n int) []byte {
	b = append(b, "N'"...)
	for i := 0; i < n; i++ {
		if i > 0 {
			if g.chance(8) {
				b = append(b, ".\r\n"...)
			} else {
				b = append(b, ' ')
			}
		}
		b = esc(b, pick(g, words))
	}
	return append(b, ".'"...)
}

func bit(b []byte, v bool) []byte {
	if v {
		return append(b, ",1"...)
	}
	return append(b, ",0"...)
}

// pad appends v (>= 0) in decimal with at least width digits.
func pad(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// decimal appends units/10^scale exactly, with scale fraction digits.
func decimal(b []byte, units int64, scale int) []byte {
	if units < 0 {
		b = append(b, '-')
		units = -units
	}
	p := int64(1)
	for i := 0; i < scale; i++ {
		p *= 10
	}
	b = strconv.AppendInt(b, units/p, 10)
	if scale > 0 {
		b = append(b, '.')
		b = pad(b, units%p, scale)
	}
	return b
}

// datetime2 appends CAST(N'YYYY-MM-DDThh:mm:ss.fffffff' AS datetime2) for
// unix seconds sec (>= 0) and 100 ns units frac.
func datetime2(b []byte, sec int64, frac int) []byte {
	days, s := sec/86400, sec%86400
	y, m, d := civil(days)
	b = append(b, "CAST(N'"...)
	b = pad(b, y, 4)
	b = append(b, '-')
	b = pad(b, m, 2)
	b = append(b, '-')
	b = pad(b, d, 2)
	b = append(b, 'T')
	b = pad(b, s/3600, 2)
	b = append(b, ':')
	b = pad(b, s/60%60, 2)
	b = append(b, ':')
	b = pad(b, s%60, 2)
	b = append(b, '.')
	b = pad(b, int64(frac), 7)
	return append(b, "' AS datetime2)"...)
}

// civil converts days since 1970-01-01 (>= 0) to a proleptic Gregorian
// date (Howard Hinnant's civil_from_days).
func civil(days int64) (y, m, d int64) {
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// guid appends a random version-4 uniqueidentifier in SQL Server's
// canonical text form, N'XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX'.
func guid(b []byte, g *rnd) []byte {
	hi, lo := g.next(), g.next()
	hi = hi&^0xF000 | 0x4000
	lo = lo&^(0xC<<60) | 0x8<<60
	b = append(b, "N'"...)
	for i := 60; i >= 0; i -= 4 {
		b = append(b, hexdigits[hi>>uint(i)&15])
		if i == 32 || i == 16 {
			b = append(b, '-')
		}
	}
	b = append(b, '-')
	for i := 60; i >= 0; i -= 4 {
		b = append(b, hexdigits[lo>>uint(i)&15])
		if i == 48 {
			b = append(b, '-')
		}
	}
	return append(b, '\'')
}

// Discounts in units of 0.0001.
var discounts = []int{0, 0, 0, 0, 0, 0, 0, 500, 1000, 1250, 1500, 2000, 2500}

var contentTypes = [][2]string{
	{".pdf", "application/pdf"},
	{".png", "image/png"},
	{".jpg", "image/jpeg"},
	{".xml", "application/xml"},
	{".txt", "text/plain; charset=utf-8"},
	{".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
}

var firstNames = []string{
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
	"David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Margaret", "Paul", "Sandra",
	"Zoë", "Chloé", "José", "Łukasz", "Søren", "Jürgen", "Björn", "Ångström", "Renée", "Núria",
	"Mei", "Hiroshi", "Yuki", "Priya", "Arjun", "Fatima", "Omar", "Olumide", "Chidi", "Ngozi",
	"Dmitri", "Анна", "Иван", "Σοφία", "Νίκος", "李", "王芳", "김민준", "D'Arcy", "Mary-Jane",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"O'Brien", "O'Connor", "D'Angelo", "O'Neil", "Müller", "Schröder", "Nguyễn", "Øster", "Đorđević", "Kowalczyk",
	"van der Berg", "de la Cruz", "Dupont", "Rossi", "Tanaka", "Suzuki", "Kim", "Park", "Chen", "Wang",
	"Иванов", "Παπαδόπουλος", "Okafor", "Mensah", "Haddad", "Cohen", "Singh", "Patel", "Silva", "Santos",
}

var cities = []string{
	"New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia", "San Antonio", "San Diego",
	"Dallas", "San José", "London", "Manchester", "Dublin", "Paris", "Lyon", "Berlin", "München", "Köln",
	"Zürich", "Wien", "Kraków", "Praha", "København", "Malmö", "Reykjavík", "Lisboa", "São Paulo", "Bogotá",
	"México", "Montréal", "Québec", "Toronto", "Sydney", "Auckland", "Tōkyō", "Seoul", "Mumbai", "Lagos",
	"Nairobi", "Coeur d'Alene", "Martha's Vineyard", "Москва", "Αθήνα", "北京",
}

var domains = []string{
	"example.com", "example.org", "example.net", "mail.example.com", "corp.example", "test.example",
}

var adjectives = []string{
	"Compact", "Deluxe", "Heavy-Duty", "Portable", "Wireless", "Ergonomic", "Stainless", "Organic",
	"Vintage", "Smart", "Rugged", "Ultra-Light", "Premium", "Classic", "Modular", "Kid's", "Chef's",
}

var nouns = []string{
	"Widget", "Gadget", "Kettle", "Backpack", "Headphones", "Lamp", "Chair", "Desk", "Notebook", "Pen",
	"Router", "Cable", "Blender", "Tent", "Bicycle", "Helmet", "Watch", "Jacket", "Mug", "Drill",
}

var words = []string{
	"the", "order", "customer", "delivery", "please", "call", "before", "arrival", "leave", "package",
	"at", "door", "gift", "wrap", "invoice", "attached", "urgent", "fragile", "handle", "with", "care",
	"backorder", "expected", "next", "week", "refund", "requested", "replacement", "sent", "damaged",
	"box", "signature", "required", "address", "changed", "apartment", "floor", "reception", "weekday",
	"morning", "afternoon", "evening", "contact", "phone", "email", "confirmed", "paid", "credit", "card",
	"bank", "transfer", "pending", "approved", "warehouse", "shipping", "express", "standard", "returned",
	"don't", "customer's", "won't", "it's", "\"priority\"", "\"VIP\"", "n/a", "50%", "#42", "c/o",
	"café", "naïve", "façade", "über", "größe", "ñandú", "smörgåsbord", "日本", "доставка", "παράδοση",
	"item", "items", "quantity", "price", "discount", "coupon", "loyalty", "points", "note", "see",
}
