package engine

import (
	"context"
	"log/slog"
	"strings"
)

// quietShutdown drops River's "context canceled" errors: when the engine
// stops, River's maintenance loops report the cancellation at error level,
// which reads like a failure to anyone watching a clean shutdown.
type quietShutdown struct{ slog.Handler }

func (q quietShutdown) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		canceled := false
		r.Attrs(func(a slog.Attr) bool {
			if strings.Contains(a.Value.String(), "context canceled") {
				canceled = true
				return false
			}
			return true
		})
		if canceled {
			return nil
		}
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietShutdown) WithAttrs(as []slog.Attr) slog.Handler {
	return quietShutdown{q.Handler.WithAttrs(as)}
}

func (q quietShutdown) WithGroup(name string) slog.Handler {
	return quietShutdown{q.Handler.WithGroup(name)}
}
