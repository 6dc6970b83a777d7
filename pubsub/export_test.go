package pubsub

// Retry counts of the fixed schedules, for the tests.
var (
	ManagedRetries  = managedSchedule.retries()
	CustomerRetries = customerSchedule.retries()
)
