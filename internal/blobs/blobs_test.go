package blobs_test

import (
	"context"
	"os"
	"testing"

	"github.com/parleyhq/parley/internal/blobs"
	"github.com/parleyhq/parley/internal/blobs/blobstest"
)

func TestDisk(t *testing.T) {
	d, err := blobs.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobstest.Test(t, d)
}

// TestS3 runs the suite against a real S3-compatible server: the one at
// PARLEY_TEST_S3 (an endpoint URL; .ci/run starts SeaweedFS there), with
// the access key and secret in PARLEY_TEST_S3_KEY and PARLEY_TEST_S3_SECRET.
func TestS3(t *testing.T) {
	ep := os.Getenv("PARLEY_TEST_S3")
	if ep == "" {
		t.Skip("PARLEY_TEST_S3 not set (no S3-compatible server; .ci/run starts SeaweedFS)")
	}
	s, err := blobs.NewS3(blobs.S3Config{Endpoint: ep, Bucket: "parley-test", Prefix: "conformance/",
		AccessKey: os.Getenv("PARLEY_TEST_S3_KEY"), SecretKey: os.Getenv("PARLEY_TEST_S3_SECRET")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	blobstest.Test(t, s)
}
