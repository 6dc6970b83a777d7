// Package deploy simulates Elastic Beanstalk deployments. It answers what
// each deployment policy costs in capacity, time, risk and money, and what
// happens when the new version is bad: an Environment is a fleet of
// instances behind a load balancer, Deploy rolls a Version out with one of
// the five policies, and the Report tells the story: a timeline, the
// capacity in service per version over time, the minimum capacity, the
// downtime, the duration, the instance-hours paid for, and whether and how
// it rolled back. Compare runs all five policies on the same scenario and
// renders a table; WriteSVG draws the capacity. Environment.Handler routes
// real HTTP requests to the instances in service, each answering with its
// version's handler, so a test can watch mixed versions answer and count
// the errors while a deployment runs.
//
// # Semantics
//
// A deployment is a discrete-event simulation: launching, provisioning,
// deploying, draining, health checks and timeouts are events on a heap
// keyed by time. The times an instance takes to provision (60–120 s by
// default) and to deploy (20–40 s) are drawn uniformly from a source seeded
// with Config.Seed and the deployment's number, so a run is reproducible.
//
// An instance deployed to starts the version, then is checked. A check
// reports the version's status for the instance: Severe for an instance
// drawn bad (Version.FailureRate), else Version.Health's answer, else Ok.
// The load balancer checks every Timings.HealthCheckInterval (10 s) and
// routes to an instance whose last check was better than Severe, for the
// whole deployment: also before an instance's batch starts and after it is
// done. With
// enhanced health (the default) the health agent reports every 10 s
// (EnhancedCheckInterval, whatever HealthCheckInterval), and an instance
// is healthy after 12 consecutive reports at or better than
// Options.HealthThreshold (18 in a worker environment): the documented 2
// (3) minutes; one failing report resets the count, as the documentation
// says. Enhanced health also weighs the load balancer's data, so an
// instance the deployment puts in service is healthy only once the load
// balancer has passed it too: with a HealthCheckInterval over 2 minutes,
// at its first load-balancer check. With basic health, one passing
// load-balancer check is enough. A
// batch, or a group of new instances, must be all healthy within the
// command timeout, Options.Timeout (600 s) plus the 240 s Elastic
// Beanstalk adds, counted from the start of its deployment (for new
// instances, from their launch). A check that falls exactly on a deadline
// (a timeout, the end of an evaluation) is taken before the deadline.
//
// The policies do what Elastic Beanstalk does (see Policy for each):
//
//   - AllAtOnce: every instance is out of service until it passes a check
//     again (downtime); on failure the instances stay as they are: no
//     rollback.
//   - Rolling: batch by batch (Percentage, default 100, or Fixed); a batch
//     is deregistered, drained (Timings.Drain, 20 s), deployed to and must
//     be healthy before the next, so capacity drops by one batch. On
//     failure, completed batches run the new version and the rest the old:
//     mixed versions, no rollback; redeploy to repair.
//   - RollingWithAdditionalBatch: one extra batch of new instances first,
//     then as Rolling through every batch of the original instances; when
//     they are done the additional batch is drained and terminated, as the
//     user guide says: full capacity throughout. On failure the additional
//     batch is terminated too, so the environment keeps its size, and the
//     original instances stay as Rolling leaves them.
//   - Immutable: one new instance in a temporary group, then as many more
//     as the environment runs; they serve beside the old ones as they pass
//     their checks. The first instance is checked until the whole
//     temporary group is healthy: every new instance must be healthy at
//     the end. Success terminates the old instances; failure terminates
//     the temporary group. Full capacity throughout.
//   - TrafficSplitting: a full set of new instances in a temporary group;
//     once healthy they get NewVersionPercent (10) of the requests for
//     EvaluationTime (5 minutes), during which an instance that fails 3
//     checks (worse than the threshold) within a minute fails the
//     deployment, as enhanced health changes status only on sustained
//     failures: traffic goes back and the new instances are terminated.
//     Otherwise all traffic moves to them and the old instances are
//     terminated.
//
// IgnoreHealthCheck lets AllAtOnce and the rolling policies continue past a
// batch that is not healthy at its timeout. A deployment that fails
// returns its Report and ErrDeploymentFailed; when it ends, an instance
// running a version no check has seen yet is put in service if its health
// allows ("settled").
//
// Each deployment also runs the version's bundle on each instance, in the
// order of the Amazon Linux 2 platforms (see Plan): .ebextensions commands
// (files alphabetically, commands alphabetically), prebuild hooks, the
// Buildfile, container_commands (leader-only ones first), predeploy
// hooks, the Procfile, postdeploy hooks; hooks of a phase in lexicographic
// order. Hooks are Go functions
// named like the files; one that fails aborts the deployment on its
// instance (which keeps its previous version) and fails the deployment
// once the batch's commands are done. The other steps are listed in the
// Report's Plan, not executed. ParseProcfile and ParseBuildfile check the
// documented line syntax.
//
// Terminate ends the environment with its instances and the database
// attached inside it (Config.Database); an External database survives.
// Afterwards Deploy and Terminate return ErrTerminated, Handler answers
// 503, Instances returns nil and Versions an empty map, and Name and
// Version still answer.
//
// # Limits and defaults
//
// The zero Config is one instance (Auto Scaling MinSize 1, MaxSize 4) of a
// healthy "sample-application", enhanced health, a web server tier, the
// default timings and the real clock. MinSize and MaxSize go up to 10,000.
// The zero Options are Elastic Beanstalk's: AllAtOnce, Percentage 100,
// Timeout 600 s (1–3,600 s, plus 240 s), Ok threshold, NewVersionPercent
// 10 (1–100), EvaluationTime 5 min (3–600 whole minutes). A Fixed batch
// size is 1–MaxSize. Immutable and TrafficSplitting need enhanced health;
// TrafficSplitting needs a web server environment.
//
// # Errors
//
// Bad input returns an error wrapping a sentinel and changes nothing:
// ErrInvalidConfig (New; the message names the field, the value and the
// range), ErrInvalidOption and ErrEnhancedHealthRequired (Deploy, Compare;
// Compare lists a policy the environment does not allow, with its error,
// in Comparison.Refused and runs the others),
// ErrInvalidVersion, ErrInvalidProcfile and ErrInvalidBuildfile (Deploy,
// the parsers; the parsers name the line), ErrInvalidConfigFile
// (ParseConfigFile; Plan skips such a file, as Elastic Beanstalk does).
// ErrDeploymentInProgress and ErrTerminated report the environment's
// state; ErrDeploymentFailed comes with the Report of a deployment that
// failed. A Deploy whose context ends returns ctx.Err() unwrapped.
//
// # Concurrency
//
// An Environment is safe for concurrent use and runs one deployment at a
// time. Deploy runs the simulation on the calling goroutine and starts
// none; it takes the environment's one mutex only to change what the load
// balancer and Instances see, so Handler and Instances answer during a
// deployment. User functions (Version.Health, hooks, Options.OnEvent, a
// version's Handler) are called with no lock held.
//
// Time comes only from Config.Clock. With a *clock.Mock, Deploy does not
// wait: it computes the whole deployment, moving the mock to each event's
// time before calling OnEvent and to the deployment's end before it
// returns; it arms no timer on the mock, so nothing needs the mock moved by
// anyone else. This is how most users run it: a 1,000-instance deployment
// takes milliseconds. With the real clock (or any other) Deploy waits on
// the clock's timers for each event, so a deployment takes as long as it
// says, and requests sent meanwhile meet the fleet as it is; use small
// Timings for a live demonstration.
//
// To watch a deployment, set Options.OnEvent: it is called at each event of
// the timeline, on Deploy's goroutine, and may send requests through
// Handler; the answers are those of that moment, deterministically.
//
// # Differences from AWS
//
//   - Time is simulated: instance boot, deployment and health follow the
//     configured distributions and the version's health model, not a real
//     application. Once a batch or group is healthy, its instances no
//     longer count for the deployment's outcome (except Immutable's first
//     instance, checked with the rest of the temporary group, and the new
//     instances during a traffic-splitting evaluation): a version that
//     turns Severe after its batch passed leaves the load balancer but
//     does not fail a Rolling deployment. Outside a running batch or
//     group the load balancer goes on checking an instance while its
//     status can change (a version with Version.Health, not drawn bad) or
//     its membership does not yet match its status, and stops once a
//     check would change nothing more; and checks happen only while a
//     deployment runs (between deployments, nothing moves). An
//     instance's status is its own check, not the causes enhanced health
//     weighs (request errors, latency, CPU).
//   - The load balancer routes round robin, and during a traffic split
//     gives the new instances exactly their share or less (ALB weights are
//     statistical); with no old instance in service it sends all requests
//     to the new ones rather than fail them. Connection draining takes the
//     instance out of service at once and waits Timings.Drain before the
//     deploy or termination.
//   - A RollingWithAdditionalBatch deployment that fails terminates its
//     additional batch (AWS does not document this case; its comparison of
//     the policies says a failure is "similar to Rolling" once the first
//     batch is done), so the environment never stays above its size.
//   - A Percentage batch size is rounded up to whole instances (34
//     percent of 3 instances is 2): a simulator choice, as AWS does not
//     document the rounding.
//   - Immutable and TrafficSplitting terminate the old instances all at
//     once, after draining. The deadline of a group of new instances
//     counts from their launch.
//     IgnoreHealthCheck does not apply to Immutable and TrafficSplitting.
//   - A hook that fails aborts its instance's deployment whatever its phase
//     (postdeploy included), and the instance keeps its previous version;
//     the deployment fails once the batch's commands are done, without
//     waiting for the timeout.
//   - Deploy refuses a bundle whose Procfile or Buildfile does not parse,
//     before anything starts; Elastic Beanstalk fails the deployment on the
//     instances. A Procfile may not define a name twice, and blank lines
//     are skipped.
//   - .ebextensions files are read as JSON only (the standard library has
//     no YAML); only commands and container_commands are modelled, and only
//     their order: they are listed, not run. test, cwd and env are accepted
//     and ignored. The documentation says leader-only container commands
//     run before the others without saying whether across files; Plan puts
//     them first across all files.
//   - A Deploy whose context ends stops where the deployment is, as
//     AbortEnvironmentUpdate would, but at once: the instances it launched
//     (a temporary group, the additional batch) and those it was
//     terminating are terminated without draining.
//   - Not modelled: configuration-change rolling updates
//     (aws:autoscaling:updatepolicy:rollingupdate),
//     confighooks, scaling during a deployment, single-instance
//     environments, database snapshots on termination, and costs in money
//     (InstanceHours is the time paid for; multiply by a price).
package deploy
