package deploy

import (
	"net/http"
)

// balancer is the environment's load balancer: round robin over the
// instances in service, and during a traffic-splitting evaluation a split
// between the old instances and the canaries that never gives the canaries
// more than their percent. Guarded by Environment.mu.
type balancer struct {
	dirty  bool        // pool and canary must be rebuilt from the fleet
	pool   []*instance // in service, not canaries
	canary []*instance // in service, canaries
	next   uint64      // round-robin position in pool
	nextC  uint64      // round-robin position in canary

	split        int    // percent of requests for the canaries; 0 routes them none
	served       uint64 // requests routed since the split began
	servedCanary uint64 // of which to canaries
}

// pickLocked chooses the instance for one request, or nil when none is in
// service.
func (b *balancer) pickLocked(fleet []*instance) *instance {
	if b.dirty {
		b.pool, b.canary = b.pool[:0], b.canary[:0]
		for _, in := range fleet {
			switch {
			case !in.inService:
			case in.canary:
				b.canary = append(b.canary, in)
			default:
				b.pool = append(b.pool, in)
			}
		}
		b.dirty = false
	}
	toCanary := false
	if b.split > 0 && len(b.canary) > 0 {
		// The canaries get this request only if they stay within their
		// share: servedCanary+1 ≤ split% of served+1.
		toCanary = len(b.pool) == 0 || (b.servedCanary+1)*100 <= uint64(b.split)*(b.served+1)
		b.served++
		if toCanary {
			b.servedCanary++
		}
	}
	if toCanary {
		in := b.canary[b.nextC%uint64(len(b.canary))]
		b.nextC++
		return in
	}
	if len(b.pool) == 0 {
		return nil
	}
	in := b.pool[b.next%uint64(len(b.pool))]
	b.next++
	return in
}

// startSplitLocked begins a traffic split giving percent of the requests
// to the canaries.
func (b *balancer) startSplitLocked(percent int) {
	b.split, b.served, b.servedCanary = percent, 0, 0
	b.dirty = true
}

// Handler returns the environment's load balancer as an http.Handler. Each
// request goes to one instance in service, in turn (during a
// traffic-splitting evaluation, the new instances get at most
// NewVersionPercent of the requests and the old ones the rest), and is
// answered by the Handler of the version that instance runs, with the
// headers X-Instance-Id and X-App-Version set. With no instance in service
// (an AllAtOnce deployment, a terminated environment) it answers 503. It
// is safe for concurrent use, also during a deployment; the version's
// handler runs with no lock held.
func (e *Environment) Handler() http.Handler { return lbHandler{e} }

type lbHandler struct{ e *Environment }

func (h lbHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := h.e
	e.mu.Lock()
	in := e.lb.pickLocked(e.fleet)
	var rel *release
	var id string
	if in != nil {
		rel, id = in.rel, in.id
	}
	e.mu.Unlock()
	if rel == nil {
		http.Error(w, "503 Service Unavailable: no instance in service", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("X-Instance-Id", id)
	w.Header().Set("X-App-Version", rel.Name)
	rel.handler.ServeHTTP(w, r)
}
