// Command ferretdb runs FerretDB v1 embedded, as the local MongoDB-compatible server for
// development, tests and benchmarks (no MongoDB server can be installed on our build
// machines). scripts/local-stack.sh builds it with our patch for the SQLite backend's _id
// lookups (sqlite-id-index.patch) applied to the module the Go proxy serves.
//
// Backends: SQLite (default; one database file per MongoDB database under --data) or
// PostgreSQL (--backend postgresql --postgresql-url ...). Listeners: plain TCP (--listen)
// and/or TLS (--tls with --tls-cert/--tls-key; --tls-ca makes clients present a
// certificate signed by that CA).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// defaultSynchronous is SQLite's `synchronous` setting unless --sqlite-pragma says otherwise.
// FULL (SQLite's own default): a commit FerretDB has acknowledged survives a crash of FerretDB,
// of the operating system and a power loss. NORMAL (in WAL mode, which FerretDB always uses)
// survives a FerretDB crash but may lose the last commits on power loss or an OS crash. The
// services ack a broker delivery after the write, so NORMAL could lose acknowledged messages;
// docs/performance.md ("The embedded store") has the measurements behind keeping FULL.
const defaultSynchronous = "synchronous(FULL)"

// pragmaPattern accepts what SQLite's `_pragma` URL parameter takes: name(value).
var pragmaPattern = regexp.MustCompile(`^[a-z_]+\([A-Za-z0-9_-]+\)$`)

type options struct {
	listen, dataDir, level string
	backend, postgresqlURL string
	pragmas                []string
	tls, tlsCert, tlsKey   string
	tlsCA                  string
}

func parseFlags() *options {
	o := &options{}
	flag.StringVar(&o.listen, "listen", "127.0.0.1:27017", "TCP address to listen on (empty: no plain TCP listener)")
	flag.StringVar(&o.dataDir, "data", ".local/ferretdb", "directory for the SQLite databases (sqlite backend)")
	flag.StringVar(&o.level, "log-level", "warn", "log level: debug, info, warn, error")
	flag.StringVar(&o.backend, "backend", "sqlite", "storage backend: sqlite or postgresql")
	flag.StringVar(&o.postgresqlURL, "postgresql-url", "", "PostgreSQL URL (postgresql backend), e.g. postgres://user@127.0.0.1:5433/ferretdb")
	flag.Func("sqlite-pragma", "SQLite pragma as name(value), repeatable, e.g. synchronous(NORMAL); default "+defaultSynchronous,
		func(v string) error {
			if !pragmaPattern.MatchString(v) {
				return fmt.Errorf("want name(value), got %q", v)
			}
			o.pragmas = append(o.pragmas, v)
			return nil
		})
	flag.StringVar(&o.tls, "tls", "", "TLS address to listen on (empty: no TLS listener)")
	flag.StringVar(&o.tlsCert, "tls-cert", "", "server certificate (PEM) for --tls")
	flag.StringVar(&o.tlsKey, "tls-key", "", "server private key (PEM) for --tls")
	flag.StringVar(&o.tlsCA, "tls-ca", "", "CA certificate (PEM): clients must present a certificate it signed")
	flag.Parse()
	return o
}

// config turns the flags into FerretDB's embedded configuration, refusing incomplete or
// contradictory combinations instead of silently running without what was asked for.
func (o *options) config(logger *slog.Logger) (*ferretdb.Config, error) {
	if o.listen == "" && o.tls == "" {
		return nil, fmt.Errorf("no listener: set --listen and/or --tls")
	}
	if o.tls != "" && (o.tlsCert == "" || o.tlsKey == "") {
		return nil, fmt.Errorf("--tls needs --tls-cert and --tls-key")
	}
	if o.tls == "" && (o.tlsCert != "" || o.tlsKey != "" || o.tlsCA != "") {
		return nil, fmt.Errorf("--tls-cert, --tls-key and --tls-ca need --tls")
	}

	c := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{
			TCP: o.listen, TLS: o.tls,
			TLSCertFile: o.tlsCert, TLSKeyFile: o.tlsKey, TLSCAFile: o.tlsCA,
		},
		Logger:  logger,
		Handler: o.backend,
	}

	switch o.backend {
	case "sqlite":
		if o.postgresqlURL != "" {
			return nil, fmt.Errorf("--postgresql-url is for --backend postgresql")
		}
		if err := os.MkdirAll(o.dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		c.SQLiteURL = sqliteURL(o.dataDir, o.pragmas)
	case "postgresql":
		if o.postgresqlURL == "" {
			return nil, fmt.Errorf("--backend postgresql needs --postgresql-url")
		}
		if len(o.pragmas) > 0 {
			return nil, fmt.Errorf("--sqlite-pragma is for --backend sqlite")
		}
		c.PostgreSQLURL = o.postgresqlURL
	default:
		return nil, fmt.Errorf("unknown --backend %q: sqlite or postgresql", o.backend)
	}
	return c, nil
}

// sqliteURL is the directory URL FerretDB opens one database file per MongoDB database in.
// FerretDB adds busy_timeout, journal_mode(wal) and auto_vacuum itself unless given.
func sqliteURL(dir string, pragmas []string) string {
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	hasSync := false
	for _, p := range pragmas {
		hasSync = hasSync || strings.HasPrefix(p, "synchronous(")
	}
	if !hasSync {
		pragmas = append([]string{defaultSynchronous}, pragmas...)
	}
	values := url.Values{"_pragma": pragmas}
	return "file:" + dir + "?" + values.Encode()
}

func main() {
	o := parseFlags()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.level)); err != nil {
		log.Fatalf("log level: %v", err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	config, err := o.config(logger)
	if err != nil {
		log.Fatal(err)
	}
	f, err := ferretdb.New(config)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger.Warn("ferretdb listening", "backend", o.backend, "uri", f.MongoDBURI())
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}
