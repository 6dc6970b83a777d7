package deploy

import (
	"fmt"
	"time"
)

// EventKind is the kind of an Event of a deployment's timeline.
type EventKind int

const (
	DeploymentStarted    EventKind = iota
	BatchStarted                   // a batch or instance group begins
	InstanceLaunched               // a new instance starts booting
	InstanceDeployed               // the version is running on an instance
	HookFailed                     // a hook failed on an instance: its deployment aborted
	InstanceInService              // the load balancer routes requests to an instance
	InstanceOutOfService           // it stops: deregistered, deploying, or failing its checks
	InstanceHealthy                // an instance passed the health rule of its group
	BatchHealthy                   // every instance of the batch or group is healthy
	BatchFailed                    // the batch or group failed: timeout or hook
	HealthCheckIgnored             // IgnoreHealthCheck kept the deployment going
	TrafficSplit                   // the new instances get NewVersionPercent of the requests
	TrafficShifted                 // all requests go to the new instances
	TrafficRestored                // all requests go back to the old instances
	InstanceTerminated             // an instance is gone
	DeploymentSucceeded            // the last event of a deployment that succeeded
	DeploymentFailed               // the last event of one that failed, with the reason
)

var eventNames = [...]string{
	"DeploymentStarted", "BatchStarted", "InstanceLaunched", "InstanceDeployed", "HookFailed",
	"InstanceInService", "InstanceOutOfService", "InstanceHealthy", "BatchHealthy", "BatchFailed",
	"HealthCheckIgnored", "TrafficSplit", "TrafficShifted", "TrafficRestored", "InstanceTerminated",
	"DeploymentSucceeded", "DeploymentFailed",
}

func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one moment of a deployment.
type Event struct {
	Time     time.Time
	Kind     EventKind
	Instance string // the instance concerned, if any
	Version  string // the version it runs, if any
	Message  string // details: the batch, the reason of a failure
}

func (ev Event) String() string {
	s := ev.Kind.String()
	if ev.Instance != "" {
		s += " " + ev.Instance
	}
	if ev.Version != "" {
		s += " (" + ev.Version + ")"
	}
	if ev.Message != "" {
		s += ": " + ev.Message
	}
	return s
}

// CapacityPoint is the in-service capacity from Time until the next point.
type CapacityPoint struct {
	Time time.Time
	// InService counts the instances in service per version, indexed like
	// Report.Versions.
	InService []int
}

// Total is the number of instances in service.
func (p CapacityPoint) Total() int {
	n := 0
	for _, c := range p.InService {
		n += c
	}
	return n
}

// Report is the account of one deployment.
type Report struct {
	Environment string
	Policy      Policy
	Version     string // the version deployed
	Target      int    // the instances the environment ran when the deployment began

	Start, End time.Time
	Duration   time.Duration

	Succeeded     bool
	FailureReason string // why it failed; empty if it succeeded
	// RolledBack says whether Elastic Beanstalk undid the deployment itself
	// (Immutable and TrafficSplitting do, by terminating the new instances);
	// Rollback says how, or, for the policies that do not roll back, what
	// is left to do.
	RolledBack bool
	Rollback   string

	// Events is the timeline. Plan is what the deployment ran on each
	// instance.
	Events []Event
	Plan   []Step

	// Versions names the versions of Capacity's counts. Capacity is the
	// in-service capacity over the deployment, a point each time it
	// changed; the last point holds until End.
	Versions []string
	Capacity []CapacityPoint

	MinCapacity   int           // the fewest instances in service at any time
	FinalCapacity int           // in service at the end
	Downtime      time.Duration // time with no instance in service
	PeakInstances int           // the most instances running at once (paid for)
	InstanceHours float64       // instance time paid for during the deployment
	// Final counts the instances running each version at the end.
	Final map[string]int
}

// Mixed reports whether the environment runs more than one version at the
// end of the deployment.
func (r *Report) Mixed() bool { return len(r.Final) > 1 }

// Outcome is "succeeded", "rolled back" or "failed".
func (r *Report) Outcome() string {
	switch {
	case r.Succeeded:
		return "succeeded"
	case r.RolledBack:
		return "rolled back"
	}
	return "failed"
}

// finish computes the figures that follow from the capacity series.
func (r *Report) finish() {
	r.Duration = r.End.Sub(r.Start)
	r.MinCapacity = -1
	for i, p := range r.Capacity {
		t := p.Total()
		if r.MinCapacity < 0 || t < r.MinCapacity {
			r.MinCapacity = t
		}
		if t == 0 {
			until := r.End
			if i+1 < len(r.Capacity) {
				until = r.Capacity[i+1].Time
			}
			r.Downtime += until.Sub(p.Time)
		}
	}
	if n := len(r.Capacity); n > 0 {
		r.FinalCapacity = r.Capacity[n-1].Total()
	}
	r.MinCapacity = max(r.MinCapacity, 0)
}
