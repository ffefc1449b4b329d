package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/transfer"
)

// openBulk opens the store of --data or --postgres for import or export.
// The SQLite store's file lock refuses a second process either way; on
// PostgreSQL an import (exclusive) is refused while a server has the
// database open, and an export reads one snapshot beside running servers.
func openBulk(ctx context.Context, data, pg string, exclusive bool) (dm.BulkStore, error) {
	if pg != "" {
		db, err := postgres.Open(ctx, pg)
		if err != nil {
			return nil, err
		}
		if !exclusive {
			return db, nil
		}
		if err := db.LockExclusive(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, server.DatabasePath(data))
}

func transferFlags(name string, stderr io.Writer) (*flag.FlagSet, *string, *string, *bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("PARLEY_DATA", "./parley-data"), "data folder of the SQLite database (PARLEY_DATA); its server must be stopped")
	pg := fs.String("postgres", env("PARLEY_POSTGRES", ""), "PostgreSQL URL (PARLEY_POSTGRES) instead of SQLite; no server may have it open")
	progress := fs.Bool("progress", false, "draw the progress bar even when stderr is not a terminal")
	return fs, data, pg, progress
}

// importCmd runs "parley import FILE".
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, data, pg, progress := transferFlags("import", stderr)
	batch := fs.Int("batch", transfer.DefaultBatch, "records per transaction")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: parley import [flags] FILE   (FILE - reads stdin; the format is in docs/import.md)\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import needs one FILE")
	}
	in, size := io.Reader(os.Stdin), int64(0)
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		in = f
	}
	store, err := openBulk(ctx, *data, *pg, true)
	if err != nil {
		return err
	}
	defer store.Close()
	var bar *transfer.Bar
	if *progress || isTerminal(os.Stderr) {
		bar = transfer.NewBar(stderr, "import", size, 0)
	}
	r, err := transfer.Import(ctx, store, in, transfer.ImportOptions{Batch: *batch, Bar: bar})
	bar.Done()
	if err != nil {
		var le *transfer.LineError
		if errors.As(err, &le) {
			done := "Nothing was imported"
			if le.Imported > 1 {
				done = fmt.Sprintf("Lines 1-%d are imported, nothing after them", le.Imported)
			}
			return fmt.Errorf("%w\n%s; fix the file and run the import again (what is there already is skipped)", err, done)
		}
		return err
	}
	n := r.Inserted
	fmt.Fprintf(stdout, "Imported %d lines in %.1f s: %d accounts, %d follows, %d blocks, %d conversations (%d members), %d messages (%d reactions, %d hidden), %d event logs new; the rest existed already.\n",
		r.Lines, r.Seconds, n.Accounts, n.Follows, n.Blocks, n.Conversations, n.Members, n.Messages, n.Reactions, n.Hidden, n.EventLogs)
	return nil
}

// exportCmd runs "parley export".
func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, data, pg, progress := transferFlags("export", stderr)
	out := fs.String("out", "-", "file to write (must not exist; - is stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *pg == "" {
		if _, err := os.Stat(server.DatabasePath(*data)); err != nil {
			return fmt.Errorf("no database at %s", server.DatabasePath(*data))
		}
	}
	w := stdout
	var f *os.File
	if *out != "-" {
		var err error
		if f, err = os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	store, err := openBulk(ctx, *data, *pg, false)
	if err != nil {
		if f != nil {
			os.Remove(*out)
		}
		return err
	}
	defer store.Close()
	var bar *transfer.Bar
	if *progress || isTerminal(os.Stderr) {
		bar = transfer.NewBar(stderr, "export", 0, 0)
	}
	r, err := transfer.Export(ctx, store, w, bar)
	bar.Done()
	if err == nil && f != nil {
		err = f.Sync()
	}
	if err != nil {
		return err
	}
	if f != nil {
		fmt.Fprintf(stdout, "Exported %d records to %s\n", r.Records, *out)
	}
	return nil
}
