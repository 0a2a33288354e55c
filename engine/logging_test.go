package engine

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuietShutdownDropsOnlyCancellations(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(quietShutdown{slog.NewTextHandler(&buf, nil)})
	log.Error("maintenance: error starting transaction", "error", context.Canceled)
	require.Empty(t, buf.String())
	log.Error("job failed", "error", errors.New("boom"))
	log.Info("shutting down", "reason", "context canceled") // not an error: kept
	require.Contains(t, buf.String(), "boom")
	require.Contains(t, buf.String(), "shutting down")
}
