# sqlvault: `make demo` shows it working, `make test` runs everything CI runs.
GO       ?= go
BIN      := bin/sqlvault
FUZZTIME ?= 8s
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: build test unit race lint fuzz demo bench clean minio systemd

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/sqlvault

## test: formatting, vet, all tests, the race detector on the concurrent packages, a short run of every fuzz target
## (the S3 tests need MinIO: installed first, once, into a cache outside the repository; the schedule
## tests need systemd-analyze: Debian's systemd package, installed where missing)
test: minio systemd lint unit race fuzz

## minio: install the MinIO server that the S3 tests and STORE=s3 benchmarks run against
minio:
	@./scripts/install-minio.sh >/dev/null

## systemd: install Debian's systemd package where systemd-analyze is missing (the schedule tests run it)
systemd:
	@./scripts/install-systemd.sh >/dev/null

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit: minio systemd
	$(GO) test -count=1 -timeout 30m ./...

race: minio
	$(GO) test -race -count=1 -short -timeout 30m ./repo/ ./snapshot/ ./backend/...

fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

## demo: build, back up a generated folder and a stream twice, list snapshots, restore and compare
demo: build
	./scripts/demo.sh $(BIN)

## bench: sqlvault against restic on the same generated SQL script (SIZE=bytes, default 1 GB)
bench:
	./bench/run.sh

clean:
	rm -rf bin .cache
