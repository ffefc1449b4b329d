package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/recs"
)

const recsUsage = `Usage: parley recs <command> [flags]

Commands:
  eval   replay an interaction log with a time split: hit-rate@k and NDCG@k of the
         recommender against popularity (--data FILE, JSON lines, .gz allowed)
  gen    write a generated catalog and interaction log (--out FILE; see
         internal/recs/testdata/README.md for its structure)
`

func recsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, recsUsage)
		return errors.New("recs needs a command")
	}
	fs := flag.NewFlagSet("recs "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch args[0] {
	case "eval":
		data := fs.String("data", "", "interaction log: JSON lines of {\"catalog\": item} and interactions (gzip if it ends in .gz)")
		split := fs.Float64("split", 0.8, "share of the log, in time order, to train on")
		k := fs.Int("k", 5, "picks per customer")
		half := fs.Duration("half-life", 30*24*time.Hour, "how long until an interaction counts half")
		asJSON := fs.Bool("json", false, "print one JSON object")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *data == "" || *split <= 0 || *split >= 1 || *k < 1 {
			return errors.New("recs eval needs --data FILE, 0 < --split < 1 and --k >= 1")
		}
		d, err := readDataset(*data)
		if err != nil {
			return err
		}
		ev := recs.Evaluate(d, *split, *k, recs.Options{HalfLife: *half})
		if *asJSON {
			return json.NewEncoder(stdout).Encode(ev)
		}
		fmt.Fprintf(stdout, "%d interactions: trained on %d, held out %d; %d customers to recommend for\n", ev.Train+ev.Test, ev.Train, ev.Test, ev.Customers)
		fmt.Fprintf(stdout, "%-12s %12s %10s\n", "", fmt.Sprintf("hit-rate@%d", ev.K), fmt.Sprintf("NDCG@%d", ev.K))
		fmt.Fprintf(stdout, "%-12s %12.3f %10.3f\n", "recommender", ev.Recommender.HitRate, ev.Recommender.NDCG)
		fmt.Fprintf(stdout, "%-12s %12.3f %10.3f\n", "popularity", ev.Popularity.HitRate, ev.Popularity.NDCG)
		return nil
	case "gen":
		out := fs.String("out", "", "file to write (gzip if it ends in .gz)")
		var o recs.GenOptions
		fs.Uint64Var(&o.Seed, "seed", 1, "random seed (the same seed gives the same file)")
		fs.IntVar(&o.Customers, "customers", 1000, "customers")
		fs.IntVar(&o.Groups, "groups", 12, "taste groups (categories)")
		fs.IntVar(&o.Bundles, "bundles", 6, "bundles per group")
		fs.IntVar(&o.Events, "events", 24, "interactions per customer on average")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("recs gen needs --out FILE")
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		var w io.Writer = f
		var zw *gzip.Writer
		if strings.HasSuffix(*out, ".gz") {
			zw, _ = gzip.NewWriterLevel(f, gzip.BestCompression)
			w = zw
		}
		d := recs.Generate(o)
		err = recs.WriteDataset(w, d)
		if zw != nil && err == nil {
			err = zw.Close()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Wrote %d items and %d interactions to %s\n", len(d.Items), len(d.Interactions), *out)
		return nil
	}
	fmt.Fprint(stderr, recsUsage)
	return fmt.Errorf("unknown recs command %q", args[0])
}

func readDataset(path string) (*recs.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	}
	d, err := recs.ReadDataset(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}
