package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/deploy"
)

// tourDeploy rolls a new version out to an Elastic Beanstalk-style
// environment while requests flow through its load balancer, then deploys
// a bad version immutably and watches it roll back. The deployments move
// the tour's mock clock themselves.
func tourDeploy(ctx context.Context, clk *clock.Mock) {
	fmt.Println("9. Deployment policies (Elastic Beanstalk)")
	env, err := deploy.New(deploy.Config{Name: "shop-prod", Instances: 4, Version: deploy.Version{Name: "v1"}, Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	defer env.Terminate()

	// A rolling deployment, one instance at a time, with 10 requests
	// through the load balancer at each event of its timeline.
	answers := map[string]int{}
	mixed := false
	opts := deploy.Options{Policy: deploy.Rolling, BatchSize: 25, OnEvent: func(deploy.Event) {
		seen := map[string]bool{}
		for range 10 {
			rec := httptest.NewRecorder()
			env.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			v := rec.Header().Get("X-App-Version")
			if rec.Code != http.StatusOK {
				v = "error"
			}
			answers[v]++
			seen[v] = true
		}
		mixed = mixed || seen["v1"] && seen["v2"]
	}}
	r, err := env.Deploy(ctx, deploy.Version{Name: "v2"}, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("   Rolling to v2 in batches of 1: %s in %v, at least %d of %d instances in service\n",
		r.Outcome(), r.Duration.Round(time.Second), r.MinCapacity, r.Target)
	fmt.Printf("   requests meanwhile: %d answered by v1, %d by v2, %d failed; both versions at once: %v\n",
		answers["v1"], answers["v2"], answers["error"], mixed)

	// An immutable deployment of a version whose instances never pass
	// their health checks: after the 600 s command timeout plus 240 s,
	// the temporary group goes and v2 never stopped serving.
	r, err = env.Deploy(ctx, deploy.Version{Name: "v3", FailureRate: 1}, deploy.Options{Policy: deploy.Immutable})
	if err == nil {
		log.Fatal("deploy: a bad version deployed")
	}
	fmt.Printf("   Immutable to a bad v3: %s after %v: %s\n", r.Outcome(), r.Duration, r.FailureReason)
	var running []string
	for v, n := range env.Versions() {
		running = append(running, fmt.Sprintf("%d × %s", n, v))
	}
	slices.Sort(running)
	fmt.Printf("   %s; running now: %s\n", r.Rollback, strings.Join(running, ", "))
}
