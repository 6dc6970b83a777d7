package deploy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

// get sends one request through the environment's load balancer.
func get(h http.Handler) (status int, version, body string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, rec.Header().Get("X-App-Version"), string(b)
}

// traffic tallies the answers to requests sent at each event of a
// deployment.
type traffic struct {
	errors    int            // 503s
	byVersion map[string]int // 200s by version
	mixed     bool           // some moment had two versions answering
}

// watch returns Options that send n requests at each event.
func (tr *traffic) watch(h http.Handler, n int, o deploy.Options) deploy.Options {
	tr.byVersion = map[string]int{}
	o.OnEvent = func(deploy.Event) {
		seen := map[string]bool{}
		for range n {
			code, v, _ := get(h)
			if code == http.StatusServiceUnavailable {
				tr.errors++
				continue
			}
			tr.byVersion[v]++
			seen[v] = true
		}
		tr.mixed = tr.mixed || len(seen) > 1
	}
	return o
}

// TestHandlerDuringDeployments sends requests through the load balancer at
// every event of each policy's deployment: only AllAtOnce fails requests,
// and the rolling policies answer with both versions at once.
func TestHandlerDuringDeployments(t *testing.T) {
	for _, p := range deploy.Policies {
		t.Run(p.String(), func(t *testing.T) {
			e := newEnv(t, fourV1)
			var tr traffic
			_, err := e.Deploy(ctx, good, tr.watch(e.Handler(), 8, deploy.Options{Policy: p, BatchSize: 25}))
			require.NoError(t, err)
			if p == deploy.AllAtOnce {
				assert.Positive(t, tr.errors, "an outage")
			} else {
				assert.Zero(t, tr.errors, "no request fails")
				assert.True(t, tr.mixed, "old and new versions answer side by side")
			}
			assert.Positive(t, tr.byVersion["v1"])
			assert.Positive(t, tr.byVersion["v2"])
			code, v, body := get(e.Handler())
			assert.Equal(t, http.StatusOK, code)
			assert.Equal(t, "v2", v)
			assert.Equal(t, "v2\n", body)
		})
	}
}

// TestHandlerRoundRobin: requests go to each instance in service in turn,
// and to a version's own handler.
func TestHandlerRoundRobin(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	e := newEnv(t, deploy.Config{Instances: 3, Version: deploy.Version{Name: "v1", Handler: hello}})
	seen := map[string]int{}
	for range 9 {
		rec := httptest.NewRecorder()
		e.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, "hello", rec.Body.String())
		seen[rec.Header().Get("X-Instance-Id")]++
	}
	assert.Equal(t, map[string]int{"i-00001": 3, "i-00002": 3, "i-00003": 3}, seen)
}

// TestHandlerNoInstance answers 503 when nothing is in service.
func TestHandlerNoInstance(t *testing.T) {
	e := newEnv(t, deploy.Config{Version: deploy.Version{Name: "broken", FailureRate: 1}})
	code, _, _ := get(e.Handler())
	assert.Equal(t, http.StatusServiceUnavailable, code)

	e = newEnv(t, deploy.Config{})
	require.NoError(t, e.Terminate())
	code, _, _ = get(e.Handler())
	assert.Equal(t, http.StatusServiceUnavailable, code)
}

// TestTrafficSplitShare: during the evaluation the new version answers its
// percent of the requests, never more.
func TestTrafficSplitShare(t *testing.T) {
	e := newEnv(t, fourV1)
	h := e.Handler()
	inSplit := false
	total, toNew := 0, 0
	o := deploy.Options{Policy: deploy.TrafficSplitting, NewVersionPercent: 20}
	o.OnEvent = func(ev deploy.Event) {
		switch ev.Kind {
		case deploy.TrafficSplit:
			inSplit = true
		case deploy.TrafficShifted:
			inSplit = false
		}
		if !inSplit {
			return
		}
		for range 50 {
			code, v, _ := get(h)
			require.Equal(t, http.StatusOK, code)
			total++
			if v == "v2" {
				toNew++
			}
			require.LessOrEqual(t, toNew*100, 20*total)
		}
	}
	_, err := e.Deploy(ctx, good, o)
	require.NoError(t, err)
	require.Positive(t, total)
	assert.Equal(t, total/5, toNew, "exactly the share")
}
