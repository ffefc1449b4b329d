package bench

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestDBCPUPoolURL: the meter connects with the server's URL even when it
// sizes the server's pool (pool_max_conns), which PostgreSQL would refuse
// as a setting.
func TestDBCPUPoolURL(t *testing.T) {
	url := os.Getenv("PARLEY_TEST_POSTGRES")
	if url == "" {
		t.Skip("PostgreSQL not reachable: set PARLEY_TEST_POSTGRES (postgres://postgres@127.0.0.1:5432/test)")
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	d, err := newDBCPU(context.Background(), url+sep+"pool_max_conns=16")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	if _, err := d.sample(context.Background()); err != nil {
		t.Fatal(err)
	}
}
