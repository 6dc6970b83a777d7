// Deploy compares the five Elastic Beanstalk deployment policies on one
// environment, with a good new version and with a bad one, prints a table
// for each and draws the capacity in service over time as an SVG chart.
// It runs on fake clocks, in well under a second.
//
//	go run ./examples/deploy [-instances 8] [-batch 25] [-seed 1] [-out chart.svg]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/stratus-go/stratus/deploy"
)

func main() {
	instances := flag.Int("instances", 8, "instances in the environment")
	batch := flag.Int("batch", 25, "batch size of the rolling policies, in percent")
	seed := flag.Uint64("seed", 1, "seed of the timings")
	out := flag.String("out", "", "where to write the SVG chart (default: a new temporary folder)")
	flag.Parse()

	ctx := context.Background()
	cfg := deploy.Config{
		Name:      "shop-prod",
		Instances: *instances,
		MaxSize:   max(*instances, deploy.DefaultMaxSize),
		Version:   deploy.Version{Name: "v1"},
		Seed:      *seed,
	}
	opts := deploy.Options{BatchSize: *batch}

	good, err := deploy.Compare(ctx, cfg, deploy.Version{Name: "v2"}, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Deploying a good version (v2) to %d instances of v1:\n\n", *instances)
	fmt.Println(good)

	// every instance running v2-bad fails its health checks
	bad, err := deploy.Compare(ctx, cfg, deploy.Version{Name: "v2-bad", FailureRate: 1}, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Deploying a bad version (v2-bad), which never passes its health checks:\n\n")
	fmt.Println(bad)
	for _, r := range bad.Reports {
		fmt.Printf("  %-27s %s\n", r.Policy.String()+":", r.Rollback)
	}

	path := *out
	if path == "" {
		dir, err := os.MkdirTemp("", "stratus-deploy-")
		if err != nil {
			log.Fatal(err)
		}
		path = filepath.Join(dir, "capacity.svg")
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	both := &deploy.Comparison{Reports: append(good.Reports, bad.Reports...)}
	if err := both.WriteSVG(f); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\nCapacity in service over time, good version then bad: %s\n", path)
}
