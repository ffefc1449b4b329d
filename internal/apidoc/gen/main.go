// Command gen rewrites the schemas of internal/api/openapi.json from the Go
// wire types (package apidoc). internal/api runs it: go generate ./internal/api
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/parleyhq/parley/internal/apidoc"
)

func main() {
	docPath := flag.String("doc", "openapi.json", "the OpenAPI document to rewrite in place")
	root := flag.String("root", "../..", "the module's folder (for the Go doc comments)")
	flag.Parse()
	if err := run(*docPath, *root); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(docPath, root string) error {
	old, err := os.ReadFile(docPath)
	if err != nil {
		return err
	}
	out, err := apidoc.Generate(old, apidoc.Types, root)
	if err != nil {
		return err
	}
	if bytes.Equal(old, out) {
		return nil
	}
	tmp := filepath.Join(filepath.Dir(docPath), ".openapi.json.tmp")
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, docPath)
}
