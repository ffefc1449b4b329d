package blobs_test

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"

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

// TestS3 runs the suite over real HTTP against an S3 server that checks
// every request's SigV4 signature: rclone's gofakes3 (the server behind
// `rclone serve s3`), started here on a loopback port. A wrong secret must
// be refused, so the signing is tested too.
func TestS3(t *testing.T) {
	const key, secret = "parley-test", "parley-test-secret"
	srv := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithV4Auth(map[string]string{key: secret})).Server())
	defer srv.Close()
	bad, err := blobs.NewS3(blobs.S3Config{Endpoint: srv.URL, Bucket: "parley", AccessKey: key, SecretKey: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.CreateBucket(context.Background()); err == nil {
		t.Fatal("a request signed with the wrong secret was accepted")
	}
	testS3(t, srv.URL, key, secret)
}

// TestS3External runs the suite against another S3-compatible server
// (SeaweedFS, MinIO, AWS) at PARLEY_TEST_S3, with the access key and
// secret in PARLEY_TEST_S3_KEY and PARLEY_TEST_S3_SECRET.
func TestS3External(t *testing.T) {
	ep := os.Getenv("PARLEY_TEST_S3")
	if ep == "" {
		t.Skip("PARLEY_TEST_S3 not set: no external S3-compatible server (TestS3 covers the protocol)")
	}
	testS3(t, ep, os.Getenv("PARLEY_TEST_S3_KEY"), os.Getenv("PARLEY_TEST_S3_SECRET"))
}

func testS3(t *testing.T, endpoint, key, secret string) {
	s, err := blobs.NewS3(blobs.S3Config{Endpoint: endpoint, Bucket: "parley-test", Prefix: "conformance/",
		AccessKey: key, SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	blobstest.Test(t, s)
}
