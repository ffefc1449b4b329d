package blobs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// S3 keeps blobs as objects of an S3-compatible store (AWS S3, MinIO,
// SeaweedFS, Ceph, R2 ...). It speaks the three calls it needs (PUT, GET and
// DELETE of an object, path-style) signed with AWS Signature Version 4,
// written here on the standard library: a full SDK would bring dozens of
// packages for those three requests.
//
// The payload hash that SigV4 signs is the blob's key itself (keys are the
// SHA-256 of the content), so a store that checks payload hashes (AWS S3
// does) refuses bytes corrupted on the way instead of keeping them.
type S3 struct {
	cfg    S3Config
	base   *url.URL
	client *http.Client
}

// S3Config locates a bucket.
type S3Config struct {
	// Endpoint is the store's base URL, e.g. https://s3.eu-west-1.amazonaws.com
	// or http://127.0.0.1:8333.
	Endpoint  string
	Region    string // default us-east-1
	Bucket    string
	AccessKey string
	SecretKey string
	// Prefix is put before every key (e.g. "parley/"), so one bucket can
	// serve several things.
	Prefix string
	// Client sends the requests (default: one with a 60 s timeout).
	Client *http.Client
}

var _ dm.Blobs = (*S3)(nil)

// NewS3 returns the blobs kept in a bucket, which must exist.
func NewS3(cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("blobs: S3 endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.Bucket == "" || strings.ContainsAny(cfg.Bucket, "/?#% ") {
		return nil, fmt.Errorf("blobs: S3 bucket %q is not a bucket name", cfg.Bucket)
	}
	if strings.ContainsAny(cfg.Prefix, "?#% ") {
		return nil, fmt.Errorf("blobs: S3 prefix %q has characters that keys may not", cfg.Prefix)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 60 * time.Second}
	}
	return &S3{cfg: cfg, base: u, client: cfg.Client}, nil
}

// emptySHA256 is the payload hash of a request without a body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// CreateBucket creates the bucket (tests and first-time setup); a bucket
// that already exists and is ours is not an error.
func (s *S3) CreateBucket(ctx context.Context) error {
	resp, err := s.do(ctx, http.MethodPut, "/"+s.cfg.Bucket, nil, 0, emptySHA256)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusConflict && strings.Contains(string(body), "BucketAlreadyOwnedByYou") {
		return nil
	}
	return fmt.Errorf("blobs: create bucket: %s: %s", resp.Status, body)
}

func (s *S3) objectPath(key string) string {
	return "/" + s.cfg.Bucket + "/" + s.cfg.Prefix + key
}

func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if !ValidKey(key) {
		return dm.Errorf(dm.EINVALID, "invalid blob key")
	}
	resp, err := s.do(ctx, http.MethodPut, s.objectPath(key), r, size, key)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("blobs: put %s: %s: %s", key, resp.Status, body)
	}
	return nil
}

func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	if !ValidKey(key) {
		return nil, 0, dm.Errorf(dm.ENOTFOUND, "blob not found")
	}
	resp, err := s.do(ctx, http.MethodGet, s.objectPath(key), nil, 0, emptySHA256)
	if err != nil {
		return nil, 0, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return resp.Body, resp.ContentLength, nil
	case http.StatusNotFound:
		resp.Body.Close()
		return nil, 0, dm.Errorf(dm.ENOTFOUND, "blob not found")
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return nil, 0, fmt.Errorf("blobs: get %s: %s: %s", key, resp.Status, body)
}

func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return nil
	}
	resp, err := s.do(ctx, http.MethodDelete, s.objectPath(key), nil, 0, emptySHA256)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("blobs: delete %s: %s: %s", key, resp.Status, body)
	}
	return nil
}

// do sends one signed request. path is already safe to put in a URL as it
// is (bucket, prefix and hex keys only).
func (s *S3) do(ctx context.Context, method, path string, body io.Reader, size int64, payloadHash string) (*http.Response, error) {
	u := *s.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("blobs: %w", err)
	}
	if body != nil {
		req.ContentLength = size
	}
	s.sign(req, payloadHash, time.Now().UTC())
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("blobs: %s %s: %w", method, path, err)
	}
	return resp, nil
}

// sign adds AWS Signature Version 4 headers to req.
func (s *S3) sign(req *http.Request, payloadHash string, now time.Time) {
	amzDate := now.Format("20060102T150405Z")
	day := amzDate[:8]
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	const signed = "host;x-amz-content-sha256;x-amz-date"
	canonical := strings.Join([]string{
		req.Method,
		req.URL.EscapedPath(),
		req.URL.RawQuery,
		"host:" + req.URL.Host + "\n" + "x-amz-content-sha256:" + payloadHash + "\n" + "x-amz-date:" + amzDate + "\n",
		signed,
		payloadHash,
	}, "\n")
	scope := day + "/" + s.cfg.Region + "/s3/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
	k := hmacSHA256([]byte("AWS4"+s.cfg.SecretKey), day)
	k = hmacSHA256(k, s.cfg.Region)
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	sig := hex.EncodeToString(hmacSHA256(k, toSign))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+s.cfg.AccessKey+"/"+scope+
		", SignedHeaders="+signed+", Signature="+sig)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hexSHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
