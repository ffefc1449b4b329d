package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/nats"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/web"
)

func openPostgres(ctx context.Context, url string) (dm.Store, error) {
	return postgres.Open(ctx, url)
}

func openNATS(url string, log *slog.Logger) (dm.Bus, error) {
	return nats.New(url, nats.WithLogger(log))
}

func webHandler() http.Handler { return web.Handler() }
