package deploy

import "errors"

// Errors of bad input. They are returned before anything happens: the
// environment, its instances and its clock are left as they were.
var (
	// ErrInvalidConfig is returned by New for a Config field out of range;
	// the message names the field, the value and the allowed range.
	ErrInvalidConfig = errors.New("deploy: invalid environment configuration")

	// ErrInvalidOption is returned by Deploy and Compare for an Options
	// field out of range (the aws:elasticbeanstalk:command,
	// aws:elasticbeanstalk:trafficsplitting and
	// aws:elasticbeanstalk:healthreporting:system settings); the message
	// names the field, the value and the allowed range. Deploy returns it
	// too for TrafficSplitting in a worker environment, which Compare lists
	// in Comparison.Refused.
	ErrInvalidOption = errors.New("deploy: invalid deployment option")

	// ErrEnhancedHealthRequired is returned by Deploy for an Immutable or
	// TrafficSplitting deployment to an environment with basic health
	// reporting: Elastic Beanstalk needs enhanced health for both. Compare
	// lists such a policy in Comparison.Refused with this error.
	ErrEnhancedHealthRequired = errors.New("deploy: policy needs enhanced health reporting")

	// ErrInvalidVersion is returned by Deploy for a Version without a name,
	// with a failure rate outside 0–1, or with a hook that has no name, no
	// function or an unknown phase.
	ErrInvalidVersion = errors.New("deploy: invalid application version")

	// ErrInvalidProcfile is returned by ParseProcfile, and by Deploy for a
	// Version whose Bundle.Procfile does not parse; the message names the
	// line.
	ErrInvalidProcfile = errors.New("deploy: invalid Procfile")

	// ErrInvalidBuildfile is returned by ParseBuildfile, and by Deploy for a
	// Version whose Bundle.Buildfile does not parse; the message names the
	// line.
	ErrInvalidBuildfile = errors.New("deploy: invalid Buildfile")

	// ErrInvalidConfigFile is returned by ParseConfigFile for an
	// .ebextensions file that is not a JSON object of the known keys. Plan
	// and Deploy skip such a file, as Elastic Beanstalk does, and report it.
	ErrInvalidConfigFile = errors.New("deploy: invalid .ebextensions config file")
)

// Errors of the environment's state.
var (
	// ErrDeploymentInProgress is returned by Deploy while another deployment
	// of the same environment runs (Elastic Beanstalk refuses an update
	// while the environment is not Ready).
	ErrDeploymentInProgress = errors.New("deploy: a deployment is already in progress")

	// ErrTerminated is returned by Deploy after Terminate, and by a second
	// Terminate.
	ErrTerminated = errors.New("deploy: environment terminated")

	// ErrDeploymentFailed is returned by Deploy, with the Report, when the
	// deployment failed: a batch or instance group did not become healthy
	// within the command timeout, a hook failed, or the new version failed
	// its traffic-splitting evaluation. What the environment runs afterwards
	// depends on the policy; the Report says.
	ErrDeploymentFailed = errors.New("deploy: deployment failed")
)
