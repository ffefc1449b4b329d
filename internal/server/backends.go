package server

import (
	"context"
	"net/http"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/nats"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/web"
)

func openPostgres(ctx context.Context, url string) (dm.Store, error) {
	return postgres.Open(ctx, url)
}

func openNATS(url string) (dm.Bus, error) {
	return nats.New(url)
}

func webHandler() http.Handler { return web.Handler() }
