package api

import (
	_ "embed"
	"net/http"
)

//go:generate go run ../apidoc/gen -doc openapi.json -root ../..

// openapiJSON documents every endpoint, the extensions included.
//
//go:embed openapi.json
var openapiJSON []byte

func (a *API) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiJSON)
}
