package deploy

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"time"
)

// Version is an application version: a name, how healthy the instances
// running it are, what they answer, and the source bundle's lifecycle files.
type Version struct {
	// Name labels the version (its version label). Required.
	Name string

	// Handler answers the requests an instance running this version
	// receives through Environment.Handler. Nil means a handler that answers
	// 200 with the version's name and a newline.
	Handler http.Handler

	// FailureRate is the probability, 0–1, that an instance running this
	// version is bad: its health is Severe from the start and it never
	// passes a check. Each instance draws it from the environment's seeded
	// source when the version is deployed to it. 1 makes every instance bad.
	FailureRate float64

	// Health, if set, gives the status of an instance running this version
	// that is not bad, elapsed after the version started on it: for the
	// instances New starts, from New (New asks it for elapsed 0); for the
	// others, from the end of the deploy command that started it, in the
	// deployment that did. The first health check comes 10 s after that
	// with enhanced health (HealthCheckInterval with basic health). Nil
	// means Ok throughout. It is called by New and on the goroutine running
	// a deployment, with no lock held, and must not call Deploy.
	Health func(instance string, elapsed time.Duration) Status

	// Bundle holds the Procfile, Buildfile, platform hooks and .ebextensions
	// config files of the source bundle.
	Bundle Bundle
}

// Bundle is what of a source bundle the simulation looks at.
type Bundle struct {
	// Procfile and Buildfile are the files' contents; empty means no file.
	// Deploy refuses a version whose files do not parse.
	Procfile, Buildfile string

	// Hooks are the platform hooks (.platform/hooks/<phase>/<name>). Within
	// a phase they run in lexicographic order of their names.
	Hooks []Hook

	// Extensions are the files of .ebextensions. Only those named *.config
	// are read, in alphabetical order; see ParseConfigFile.
	Extensions []ConfigFile
}

// Phase is the phase of a platform hook.
type Phase int

const (
	Prebuild   Phase = iota // .platform/hooks/prebuild: after .ebextensions commands, before the Buildfile
	Predeploy               // .platform/hooks/predeploy: after container_commands, before the Procfile starts
	Postdeploy              // .platform/hooks/postdeploy: after the application and the proxy start
)

func (p Phase) String() string {
	switch p {
	case Prebuild:
		return "prebuild"
	case Predeploy:
		return "predeploy"
	case Postdeploy:
		return "postdeploy"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// Hook is a platform hook: an executable file, here a Go function named
// like the file.
type Hook struct {
	Phase Phase
	// Name is the file name, such as "01_migrate.sh". Required.
	Name string
	// Run runs the hook on one instance. An error is a non-zero exit: it
	// aborts the deployment on that instance, which keeps its previous
	// version, and fails the deployment. Required. It is called on the
	// goroutine running the deployment, with no lock held, and must not
	// call Deploy.
	Run func(HookContext) error
}

// HookContext is what a hook is told about where it runs.
type HookContext struct {
	Instance string // the instance's ID
	Version  string // the version being deployed
	Phase    Phase
	Name     string // the hook's file name
	Dir      string // the working directory: /var/app/staging, or /var/app/current for postdeploy
	Leader   bool   // whether the instance is the deployment's leader (the first to finish its deploy command)
}

// checkVersion checks a version as given by a caller.
func checkVersion(v Version) error {
	if v.Name == "" {
		return fmt.Errorf("%w: empty name", ErrInvalidVersion)
	}
	if math.IsNaN(v.FailureRate) || v.FailureRate < 0 || v.FailureRate > 1 {
		return fmt.Errorf("%w: version %q: FailureRate = %v, want 0–1", ErrInvalidVersion, v.Name, v.FailureRate)
	}
	for i, h := range v.Bundle.Hooks {
		switch {
		case h.Name == "":
			return fmt.Errorf("%w: version %q: Hooks[%d] has no name", ErrInvalidVersion, v.Name, i)
		case h.Run == nil:
			return fmt.Errorf("%w: version %q: hook %s/%s has no Run function", ErrInvalidVersion, v.Name, h.Phase, h.Name)
		case h.Phase < Prebuild || h.Phase > Postdeploy:
			return fmt.Errorf("%w: version %q: hook %q has phase %v, want prebuild, predeploy or postdeploy", ErrInvalidVersion, v.Name, h.Name, h.Phase)
		}
	}
	return nil
}

// release is a version resolved for deploying: its plan and handler.
type release struct {
	Version
	plan    []Step
	handler http.Handler
}

// newRelease checks v and works out its plan. The version's Procfile and
// Buildfile must parse.
func newRelease(v Version) (*release, error) {
	if err := checkVersion(v); err != nil {
		return nil, err
	}
	v.Bundle.Hooks = slices.Clone(v.Bundle.Hooks)
	v.Bundle.Extensions = slices.Clone(v.Bundle.Extensions)
	plan, err := Plan(v.Bundle)
	if err != nil {
		return nil, fmt.Errorf("version %q: %w", v.Name, err)
	}
	r := &release{Version: v, plan: plan, handler: v.Handler}
	if r.handler == nil {
		name := v.Name + "\n"
		r.handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, name)
		})
	}
	return r, nil
}

// status is the health of an instance running r, elapsed after r started
// on it: Severe if it was drawn bad, else Health's answer (Severe for a
// Status out of range), else Ok.
func (r *release) status(instance string, bad bool, elapsed time.Duration) Status {
	switch {
	case bad:
		return Severe
	case r.Health == nil:
		return Ok
	}
	st := r.Health(instance, elapsed)
	if st < Ok || st > Severe {
		st = Severe
	}
	return st
}

// runHooks runs the version's hooks on one instance in plan order and
// returns the first failure, naming the hook.
func (r *release) runHooks(instance string, leader bool) error {
	for _, st := range r.plan {
		if st.hook == nil {
			continue
		}
		dir := "/var/app/staging"
		if st.hook.Phase == Postdeploy {
			dir = "/var/app/current"
		}
		err := st.hook.Run(HookContext{Instance: instance, Version: r.Name, Phase: st.hook.Phase, Name: st.hook.Name, Dir: dir, Leader: leader})
		if err != nil {
			return fmt.Errorf("hook .platform/hooks/%s/%s failed on %s: %v", st.hook.Phase, st.hook.Name, instance, err)
		}
	}
	return nil
}
