package blob_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
)

func TestBucketNames(t *testing.T) {
	good := []string{"abc", "my-bucket", "my.bucket.1", "1bucket", strings.Repeat("a", 63), "192.168.5.4a", "a-b.c-d"}
	bad := []string{
		"ab", strings.Repeat("a", 64), "My-Bucket", "my_bucket", "-bucket", "bucket-", ".bucket", "bucket.",
		"my..bucket", "192.168.5.4", "10.0.0.1", "buck et", "bücket", "xn--bucket", "sthree-bucket",
		"amzn-s3-demo-bucket", "bucket-s3alias", "bucket--ol-s3", "bucket.mrap", "bucket--x-s3", "bucket--table-s3",
	}
	for _, name := range good {
		m, err := blob.NewMemory(blob.Config{Name: name})
		require.NoError(t, err, name)
		require.Equal(t, name, m.Name())
	}
	for _, name := range bad {
		_, err := blob.NewMemory(blob.Config{Name: name})
		require.ErrorIs(t, err, blob.ErrInvalidConfig, name)
		require.ErrorContains(t, err, "Name = ")
		require.ErrorContains(t, err, "want an S3 bucket name")

		dir := t.TempDir()
		_, err = blob.NewDir(dir+"/b", blob.Config{Name: name})
		require.ErrorIs(t, err, blob.ErrInvalidConfig, name)
		require.NoDirExists(t, dir+"/b", "a bad config creates nothing")
	}
}

func TestConfigErrorNamesFieldValueAndRange(t *testing.T) {
	_, err := blob.NewMemory(blob.Config{Name: "ab"})
	require.EqualError(t, err, `blob: invalid config: Name = "ab", want an S3 bucket name: 3–63 characters`)
	_, err = blob.NewDir("", blob.Config{})
	require.ErrorIs(t, err, blob.ErrInvalidConfig)
	require.EqualError(t, err, `blob: invalid config: path = "", want a folder`)
}
