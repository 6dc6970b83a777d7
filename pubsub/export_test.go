package pubsub

// Retry counts of the fixed schedules, for the tests.
var (
	ManagedRetries  = managedSchedule.retries()
	CustomerRetries = customerSchedule.retries()
)

// TokenOf returns the confirmation token of a subscription.
func TokenOf(s *Subscription) (string, bool) { return s.token, s.token != "" }
