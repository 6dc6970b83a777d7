package blob_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/blob"
)

func ExampleMemory() {
	ctx := context.Background()
	clk := clock.NewMock()
	clk.Set(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	b, err := blob.NewMemory(blob.Config{Name: "payloads", Clock: clk})
	if err != nil {
		panic(err)
	}

	info, err := blob.PutBytes(ctx, b, "orders/1.json", []byte(`{"id":1}`), blob.PutOptions{
		ContentType: "application/json",
		Metadata:    map[string]string{"Source": "checkout"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Key, info.Size, info.ETag)

	body, info, err := blob.GetBytes(ctx, b, "orders/1.json")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(body), info.ContentType, info.Metadata["source"], info.LastModified.Format(time.RFC3339))

	_, err = b.Head(ctx, "orders/2.json")
	fmt.Println(err)
	// Output:
	// orders/1.json 8 d2ce28b9a7fd7e4407e2b0fd499b7fe4
	// {"id":1} application/json checkout 2025-03-01T12:00:00Z
	// blob "payloads": head "orders/2.json": blob: no such key
}

// A Dir keeps its objects in a folder: open it again, in this process or
// the next, and they are there.
func ExampleDir() {
	ctx := context.Background()
	path, err := os.MkdirTemp("", "blob-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(path)

	b, err := blob.NewDir(path, blob.Config{Name: "archive"})
	if err != nil {
		panic(err)
	}
	if _, err := b.Put(ctx, "../../etc/passwd", strings.NewReader("just a key"), blob.PutOptions{}); err != nil {
		panic(err)
	}

	again, err := blob.NewDir(path, blob.Config{Name: "archive"})
	if err != nil {
		panic(err)
	}
	body, info, err := blob.GetBytes(ctx, again, "../../etc/passwd")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s (%s)\n", body, info.ContentType)
	// Output:
	// just a key (binary/octet-stream)
}

// List pages through keys by prefix in byte order, the way ListObjectsV2
// does.
func Example_list() {
	ctx := context.Background()
	b, err := blob.NewMemory(blob.Config{Clock: clock.NewMock()})
	if err != nil {
		panic(err)
	}
	for _, key := range []string{"logs/2025/03/02", "logs/2025/03/01", "tmp/x", "logs/2025/02/28", "logs/2025/03/03"} {
		if _, err := blob.PutBytes(ctx, b, key, []byte("..."), blob.PutOptions{}); err != nil {
			panic(err)
		}
	}

	opts := blob.ListOptions{Prefix: "logs/", MaxKeys: 2}
	for page := 1; ; page++ {
		p, err := b.List(ctx, opts)
		if err != nil {
			panic(err)
		}
		for _, o := range p.Objects {
			fmt.Println(page, o.Key)
		}
		if !p.IsTruncated {
			break
		}
		opts.ContinuationToken = p.NextContinuationToken
	}
	// Output:
	// 1 logs/2025/02/28
	// 1 logs/2025/03/01
	// 2 logs/2025/03/02
	// 2 logs/2025/03/03
}
