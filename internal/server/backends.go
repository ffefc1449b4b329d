package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/parleyhq/parley/internal/dm"
)

// openPostgres and openNATS are filled in when the scale-out backends land.
func openPostgres(ctx context.Context, url string) (dm.Store, error) {
	return nil, errors.New("postgres: not built yet")
}

func openNATS(url string) (dm.Bus, error) {
	return nil, errors.New("nats: not built yet")
}

func webHandler() http.Handler { return nil }
