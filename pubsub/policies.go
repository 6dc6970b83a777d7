package pubsub

import "github.com/stratus-go/stratus/pubsub/filter"

// policyTable interns the topic's filter policies: subscriptions with the
// same policy (text and scope) share one, and Publish evaluates it once
// per message however many subscriptions have it. Each interned policy
// has a small id, reused after its last subscription goes, that indexes
// the per-publish memo of results. Guarded by the topic's mu.
type policyTable struct {
	byKey map[policyKey]*sharedPolicy
	free  []int
	next  int
}

type policyKey struct {
	text  string
	scope filter.Scope
}

type sharedPolicy struct {
	p    *filter.Policy
	id   int
	refs int
	key  policyKey
}

// acquire returns the interned policy equal to p, interning p if there is
// none.
func (pt *policyTable) acquire(p *filter.Policy) *sharedPolicy {
	key := policyKey{p.String(), p.Scope()}
	if sp := pt.byKey[key]; sp != nil {
		sp.refs++
		return sp
	}
	if pt.byKey == nil {
		pt.byKey = map[policyKey]*sharedPolicy{}
	}
	sp := &sharedPolicy{p: p, refs: 1, key: key}
	if n := len(pt.free); n > 0 {
		sp.id, pt.free = pt.free[n-1], pt.free[:n-1]
	} else {
		sp.id = pt.next
		pt.next++
	}
	pt.byKey[key] = sp
	return sp
}

// release drops a subscription's hold on an interned policy.
func (pt *policyTable) release(sp *sharedPolicy) {
	if sp.refs--; sp.refs == 0 {
		delete(pt.byKey, sp.key)
		pt.free = append(pt.free, sp.id)
	}
}

// matchScratch is what a publish needs to filter, reused across publishes.
type matchScratch struct {
	subs []*Subscription
	memo []uint8 // by policy id: 0 not evaluated yet, 1 accepted, 2 refused
}

const (
	accepted uint8 = 1
	refused  uint8 = 2
)

// match appends the subscriptions whose policy accepts m to sc.subs, and
// counts those that filter it out. A subscription whose id a concurrent
// Unsubscribe freed and a Subscribe reused is evaluated with its own
// policy, never with another's memo entry: ids index the memo only within
// one snapshot of the list, in which no two policies share an id.
func (t *Topic) match(m *message, sc *matchScratch) int64 {
	var filtered int64
	for _, s := range *t.subs.Load() {
		sp := s.policy
		if sp == nil {
			sc.subs = append(sc.subs, s)
			continue
		}
		if sp.id >= len(sc.memo) {
			sc.memo = append(sc.memo, make([]uint8, sp.id+1-len(sc.memo))...)
		}
		r := sc.memo[sp.id]
		if r == 0 {
			r = refused
			if sp.p.Match(m.attrs, m.body) {
				r = accepted
			}
			sc.memo[sp.id] = r
		}
		if r == refused {
			filtered++
			s.filteredOut.Add(1)
			continue
		}
		sc.subs = append(sc.subs, s)
	}
	clear(sc.memo)
	return filtered
}
