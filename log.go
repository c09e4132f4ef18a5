package softdelete

import (
	"context"
	"errors"
	"log/slog"
	"unicode/utf8"
)

// This file logs the rewriter's decisions on Config.Logger: a refusal at
// Warn, every time a statement is refused; a rewrite at Debug, once per
// cache miss (a statement served from the cache, or from a connection's
// last rewrites, is not logged again: that path pays nothing for logging).
// Argument values are never logged, only statement texts, cut to
// logTextLimit bytes.

// logTextLimit is the longest statement text a log record holds.
const logTextLimit = 200

// logRefusal logs err at Warn when it refuses the statement q.
func (r *rewriter) logRefusal(ctx context.Context, q string, m *mode, err error) {
	var refused *RefusedError
	if !errors.As(err, &refused) || !r.logger.Enabled(ctx, slog.LevelWarn) {
		return
	}
	r.logger.LogAttrs(ctx, slog.LevelWarn, "softdelete: statement refused",
		slog.String("table", refused.Table), slog.String("reason", refused.Reason),
		slog.String("statement", cutText(q)), slog.String("mode", modeName(m)))
}

// logRewrite logs a rewrite just computed, at Debug, or its refusal.
func (r *rewriter) logRewrite(ctx context.Context, q, out string, m *mode, err error) {
	if err != nil {
		r.logRefusal(ctx, q, m, err)
		return
	}
	if !r.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	r.logger.LogAttrs(ctx, slog.LevelDebug, "softdelete: rewrite",
		slog.String("mode", modeName(m)), slog.String("before", cutText(q)), slog.String("after", cutText(out)))
}

// modeName names a mode in a log record: "default", or its cache key
// (F force, I include deleted, O only deleted, R=table restore,
// |table=a or |table=d per table).
func modeName(m *mode) string {
	if m.key == "" {
		return "default"
	}
	return m.key
}

// cutText returns q cut to logTextLimit bytes, at a character boundary,
// with an ellipsis when it was longer.
func cutText(q string) string {
	if len(q) <= logTextLimit {
		return q
	}
	end := logTextLimit
	for end > 0 && !utf8.RuneStart(q[end]) {
		end--
	}
	return q[:end] + "…"
}
