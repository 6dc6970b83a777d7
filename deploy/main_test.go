package deploy_test

import (
	"context"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stratus-go/stratus/deploy"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ctx = context.Background()

// newEnv makes an environment on a fresh mock clock (unless cfg has a
// clock), so no test depends on real time.
func newEnv(t testing.TB, cfg deploy.Config) *deploy.Environment {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = clock.NewMock()
	}
	e, err := deploy.New(cfg)
	require.NoError(t, err)
	return e
}

var (
	good = deploy.Version{Name: "v2"}
	bad  = deploy.Version{Name: "v2-bad", FailureRate: 1}
)

var errCanceled = context.Canceled

func contextWithCancel() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }
