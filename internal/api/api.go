// Package api is Parley's HTTP JSON API (../shared/API.md): one route table,
// thin handlers that decode, call the services (internal/identity,
// internal/chat, internal/brand) and encode.
package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/media"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/moderation"
	"github.com/parleyhq/parley/internal/webhooks"
)

// StreamFunc serves the WebSocket event stream for an authenticated account
// (internal/ws provides it; the API authenticates first).
type StreamFunc func(w http.ResponseWriter, r *http.Request, a *Auth)

// Config wires the API to the rest of the server.
type Config struct {
	// Identity, Chat and Brand are required. Identity serves accounts and
	// sessions and authenticates every request; Brand serves
	// /api/v1/brands/... (internal/server builds it over Chat).
	Identity *identity.Service
	Chat     *chat.Service
	Brand    *brand.Service
	// Media serves uploads, attachments and search (internal/media).
	Media *media.Service
	// Webhooks serves a brand's webhook endpoints and delivery log.
	Webhooks *webhooks.Service
	Stream   StreamFunc
	Metrics  *metrics.Registry
	Logger   *slog.Logger
	// Ready reports whether the store and bus answer (for /readyz).
	Ready func(r *http.Request) error
	// Web serves everything that is not the API (the web app); may be nil.
	Web http.Handler
	// XRPC serves the Bluesky-compatible surface under /xrpc/
	// (internal/xrpc, with its own route table); may be nil.
	XRPC http.Handler
	// SecureCookies marks session cookies Secure (behind HTTPS).
	SecureCookies bool
	// TrustProxy takes the client's address from X-Forwarded-For (set it
	// only behind a reverse proxy that writes that header).
	TrustProxy bool
	// EndSession is called after a logout with the ended session's token,
	// so that its open sockets on this node close at once (internal/ws).
	// Other nodes notice within their ping interval.
	EndSession func(token string)
	// Moderation serves reports and the operator routes (internal/moderation).
	Moderation *moderation.Service
}

// API is the HTTP handler of the whole server.
type API struct {
	cfg      Config
	identity *identity.Service
	chat     *chat.Service
	brand    *brand.Service
	media    *media.Service
	hooks    *webhooks.Service
	log      *slog.Logger
	mux      *http.ServeMux
}

// New builds the API and its route table.
func New(cfg Config) *API {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	a := &API{cfg: cfg, identity: cfg.Identity, chat: cfg.Chat, brand: cfg.Brand, media: cfg.Media, hooks: cfg.Webhooks, log: cfg.Logger, mux: http.NewServeMux()}
	a.routes()
	return a
}

func (a *API) routes() {
	m := a.mux
	// Accounts and sessions.
	m.HandleFunc("POST /api/v1/accounts", a.signup)
	m.HandleFunc("GET /api/v1/accounts", a.auth(a.searchAccounts))
	m.HandleFunc("POST /api/v1/sessions", a.login)
	m.HandleFunc("DELETE /api/v1/sessions/current", a.auth(a.logout))
	m.HandleFunc("GET /api/v1/me", a.auth(a.me))
	m.HandleFunc("GET /api/v1/me/export", a.auth(a.export))
	m.HandleFunc("PATCH /api/v1/me", a.auth(a.updateMe))
	// Account security (moderation.go; internal/identity).
	m.HandleFunc("POST /api/v1/me/password", a.auth(a.changePassword))
	m.HandleFunc("GET /api/v1/me/sessions", a.auth(a.listSessions))
	m.HandleFunc("DELETE /api/v1/me/sessions", a.auth(a.logoutEverywhere))
	m.HandleFunc("DELETE /api/v1/me/sessions/{id}", a.auth(a.endSession))
	m.HandleFunc("POST /api/v1/password-reset", a.resetPassword)
	// Reports and moderation (moderation.go; internal/moderation). Every
	// /moderation/ route is a 404 to anyone but an operator.
	m.HandleFunc("POST /api/v1/reports", a.auth(a.report))
	m.HandleFunc("GET /api/v1/reports", a.auth(a.myReports))
	m.HandleFunc("GET /api/v1/moderation/reports", a.operator(a.reportQueue))
	m.HandleFunc("GET /api/v1/moderation/reports/{id}", a.operator(a.getReport))
	m.HandleFunc("POST /api/v1/moderation/reports/{id}/close", a.operator(a.closeReport))
	m.HandleFunc("PUT /api/v1/moderation/accounts/{handle}/suspension", a.operator(a.moderate(suspend(true))))
	m.HandleFunc("DELETE /api/v1/moderation/accounts/{handle}/suspension", a.operator(a.moderate(suspend(false))))
	m.HandleFunc("PUT /api/v1/moderation/accounts/{handle}/verified", a.operator(a.moderate(verify(true))))
	m.HandleFunc("DELETE /api/v1/moderation/accounts/{handle}/verified", a.operator(a.moderate(verify(false))))
	m.HandleFunc("GET /api/v1/moderation/log", a.operator(a.moderationLog))

	// Profiles and the social graph.
	m.HandleFunc("GET /api/v1/accounts/{handle}", a.auth(a.profile))
	m.HandleFunc("GET /api/v1/accounts/{handle}/messages-consent", a.auth(a.getMyConsent))
	m.HandleFunc("PUT /api/v1/accounts/{handle}/messages-consent", a.auth(a.putMyConsent))
	m.HandleFunc("PUT /api/v1/accounts/{handle}/follow", a.auth(a.follow(true)))
	m.HandleFunc("DELETE /api/v1/accounts/{handle}/follow", a.auth(a.follow(false)))
	m.HandleFunc("GET /api/v1/me/blocks", a.auth(a.blocked))
	m.HandleFunc("PUT /api/v1/accounts/{handle}/block", a.auth(a.block(true)))
	m.HandleFunc("DELETE /api/v1/accounts/{handle}/block", a.auth(a.block(false)))
	m.HandleFunc("GET /api/v1/accounts/{handle}/followers", a.auth(a.followers(false)))
	m.HandleFunc("GET /api/v1/accounts/{handle}/following", a.auth(a.followers(true)))

	// Conversations.
	m.HandleFunc("POST /api/v1/conversations", a.auth(a.createConversation))
	m.HandleFunc("GET /api/v1/conversations", a.auth(a.listConversations))
	m.HandleFunc("GET /api/v1/conversations/counts", a.auth(a.folderCounts))
	m.HandleFunc("GET /api/v1/conversations/{id}", a.auth(a.withID(a.getConversation)))
	m.HandleFunc("PATCH /api/v1/conversations/{id}", a.auth(a.withID(a.updateConversation)))
	m.HandleFunc("DELETE /api/v1/conversations/{id}", a.auth(a.withID(a.deleteConversation)))
	m.HandleFunc("POST /api/v1/conversations/{id}/accept", a.auth(a.withID(a.accept)))
	m.HandleFunc("POST /api/v1/conversations/{id}/read", a.auth(a.withID(a.markRead)))
	m.HandleFunc("POST /api/v1/conversations/{id}/members", a.auth(a.withID(a.addMembers)))
	m.HandleFunc("DELETE /api/v1/conversations/{id}/members/{handle}", a.auth(a.withID(a.removeMember)))

	// Messages.
	m.HandleFunc("POST /api/v1/conversations/{id}/messages", a.auth(a.withID(a.send)))
	m.HandleFunc("GET /api/v1/conversations/{id}/messages", a.auth(a.withID(a.listMessages)))
	m.HandleFunc("PATCH /api/v1/messages/{id}", a.auth(a.withID(a.editMessage)))
	m.HandleFunc("DELETE /api/v1/messages/{id}", a.auth(a.withID(a.deleteMessage)))
	m.HandleFunc("PUT /api/v1/messages/{id}/reactions/{emoji}", a.auth(a.withID(a.react(true))))
	m.HandleFunc("DELETE /api/v1/messages/{id}/reactions/{emoji}", a.auth(a.withID(a.react(false))))

	// Attachments and search (media.go, search.go; internal/media).
	m.HandleFunc("POST /api/v1/uploads", a.auth(a.withMedia(a.upload)))
	m.HandleFunc("POST /api/v1/uploads/sessions", a.auth(a.withMedia(a.createUploadSession)))
	m.HandleFunc("GET /api/v1/uploads/sessions/{id}", a.auth(a.withMedia(a.withID(a.uploadSession))))
	m.HandleFunc("PATCH /api/v1/uploads/sessions/{id}", a.auth(a.withMedia(a.withID(a.uploadChunk))))
	m.HandleFunc("DELETE /api/v1/uploads/sessions/{id}", a.auth(a.withMedia(a.withID(a.cancelUploadSession))))
	m.HandleFunc("GET /api/v1/attachments/{id}", a.auth(a.withMedia(a.withID(a.attachment(false)))))
	m.HandleFunc("GET /api/v1/attachments/{id}/thumbnail", a.auth(a.withMedia(a.withID(a.attachment(true)))))
	m.HandleFunc("GET /api/v1/search", a.auth(a.withMedia(a.search)))

	// Events.
	m.HandleFunc("GET /api/v1/events", a.auth(a.events))
	m.HandleFunc("GET /api/v1/events/stream", a.auth(a.stream))

	// Brands: team, shared inbox, canned replies, settings, analytics
	// (brands.go; internal/brand). Team members only: 404 for anyone else.
	m.HandleFunc("GET /api/v1/brands", a.auth(a.myBrands))
	m.HandleFunc("GET /api/v1/brands/{handle}/team", a.brandHandler(a.brandTeam))
	m.HandleFunc("POST /api/v1/brands/{handle}/team", a.brandHandler(a.addBrandMember))
	m.HandleFunc("PATCH /api/v1/brands/{handle}/team/{member}", a.brandHandler(a.updateBrandMember))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/team/{member}", a.brandHandler(a.removeBrandMember))
	// A brand's bot token reads and answers through the routes marked
	// brandBot (here, and the shop's: views, orders, redeem); every other
	// route is a 404 to it.
	m.HandleFunc("GET /api/v1/brands/{handle}/inbox", a.brandBot(a.brandInbox))
	m.HandleFunc("GET /api/v1/brands/{handle}/conversations/{id}", a.brandBotConv(a.brandConversation))
	m.HandleFunc("PATCH /api/v1/brands/{handle}/conversations/{id}", a.brandBotConv(a.updateBrandConversation))
	m.HandleFunc("POST /api/v1/brands/{handle}/conversations/{id}/notes", a.brandConv(a.addBrandNote))
	m.HandleFunc("POST /api/v1/brands/{handle}/conversations/{id}/messages", a.brandBotConv(a.sendAsBrand))
	m.HandleFunc("POST /api/v1/brands/{handle}/conversations/{id}/render", a.brandConv(a.renderCanned))
	m.HandleFunc("POST /api/v1/brands/{handle}/conversations/{id}/presence", a.brandConv(a.brandPresence))
	m.HandleFunc("GET /api/v1/brands/{handle}/canned-replies", a.brandHandler(a.listCanned))
	m.HandleFunc("POST /api/v1/brands/{handle}/canned-replies", a.brandHandler(a.putCanned(true)))
	m.HandleFunc("PATCH /api/v1/brands/{handle}/canned-replies/{id}", a.brandHandler(a.putCanned(false)))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/canned-replies/{id}", a.brandHandler(a.deleteCanned))
	m.HandleFunc("GET /api/v1/brands/{handle}/settings", a.brandHandler(a.brandSettings))
	m.HandleFunc("PUT /api/v1/brands/{handle}/settings", a.brandHandler(a.putBrandSettings))
	m.HandleFunc("GET /api/v1/brands/{handle}/analytics", a.brandHandler(a.brandAnalytics))
	m.HandleFunc("GET /api/v1/brands/{handle}/analytics.csv", a.brandHandler(a.brandAnalyticsCSV))
	// The console's support desk (console.go; internal/brand/console.go).
	m.HandleFunc("GET /api/v1/brands/{handle}/service-levels", a.brandHandler(a.getServiceLevels))
	m.HandleFunc("PUT /api/v1/brands/{handle}/service-levels", a.brandHandler(a.putServiceLevels))
	m.HandleFunc("GET /api/v1/brands/{handle}/agent-teams", a.brandHandler(a.listAgentTeams))
	m.HandleFunc("POST /api/v1/brands/{handle}/agent-teams", a.brandHandler(a.putAgentTeam(true)))
	m.HandleFunc("PATCH /api/v1/brands/{handle}/agent-teams/{id}", a.brandHandler(a.putAgentTeam(false)))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/agent-teams/{id}", a.brandHandler(a.deleteAgentTeam))
	m.HandleFunc("GET /api/v1/brands/{handle}/macros", a.brandHandler(a.listMacros))
	m.HandleFunc("POST /api/v1/brands/{handle}/macros", a.brandHandler(a.putMacro(true)))
	m.HandleFunc("PATCH /api/v1/brands/{handle}/macros/{id}", a.brandHandler(a.putMacro(false)))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/macros/{id}", a.brandHandler(a.deleteMacro))
	m.HandleFunc("POST /api/v1/brands/{handle}/conversations/{id}/macro", a.brandConv(a.applyMacro))
	m.HandleFunc("GET /api/v1/brands/{handle}/customers/{customer}", a.brandHandler(a.customerPanel))
	m.HandleFunc("POST /api/v1/brands/{handle}/customers/{customer}/notes", a.brandHandler(a.addCustomerNote))
	// Product catalogs and recommendations (catalog.go; internal/brand/catalog.go).
	// The team reads, owners and admins write; the brand's bot token
	// reports views and orders.
	m.HandleFunc("GET /api/v1/brands/{handle}/products", a.brandHandler(a.listProducts))
	m.HandleFunc("POST /api/v1/brands/{handle}/products/import", a.brandHandler(a.importProducts))
	m.HandleFunc("GET /api/v1/brands/{handle}/products/{product}", a.brandHandler(a.getProduct))
	m.HandleFunc("PUT /api/v1/brands/{handle}/products/{product}", a.brandHandler(a.putProduct))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/products/{product}", a.brandHandler(a.deleteProduct))
	m.HandleFunc("POST /api/v1/brands/{handle}/product-views", a.brandBot(a.recordViews))
	m.HandleFunc("POST /api/v1/brands/{handle}/orders", a.brandBot(a.recordOrder))
	m.HandleFunc("GET /api/v1/brands/{handle}/conversations/{id}/suggestions", a.brandConv(a.suggestions))
	m.HandleFunc("POST /api/v1/brands/{handle}/conversations/{id}/product-cards", a.brandConv(a.sendProductCard))
	// Creator collaborations (creators.go; internal/brand/creators.go):
	// owners, admins and agents with the partnerships permission.
	m.HandleFunc("GET /api/v1/brands/{handle}/creators", a.brandHandler(a.listCreators))
	m.HandleFunc("POST /api/v1/brands/{handle}/creators", a.brandHandler(a.addCreator))
	m.HandleFunc("GET /api/v1/brands/{handle}/creators/{creator}", a.creatorHandler(a.getCreator))
	m.HandleFunc("PATCH /api/v1/brands/{handle}/creators/{creator}", a.creatorHandler(a.updateCreator))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/creators/{creator}", a.creatorHandler(a.removeCreator))
	m.HandleFunc("POST /api/v1/brands/{handle}/creators/{creator}/outreach", a.creatorHandler(a.startOutreach))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/creators/{creator}/outreach", a.creatorHandler(a.stopOutreach))
	m.HandleFunc("POST /api/v1/brands/{handle}/creators/{creator}/codes", a.creatorHandler(a.giveCreatorCodes))
	m.HandleFunc("POST /api/v1/brands/{handle}/creators/{creator}/links", a.creatorHandler(a.creatorLink))
	// Automation (automation.go; internal/brand, internal/automation).
	m.HandleFunc("GET /api/v1/brands/{handle}/campaigns", a.brandHandler(a.listCampaigns))
	m.HandleFunc("POST /api/v1/brands/{handle}/campaigns", a.brandHandler(a.putCampaign(true)))
	m.HandleFunc("GET /api/v1/brands/{handle}/campaigns/{id}", a.brandHandler(a.getCampaign))
	m.HandleFunc("PUT /api/v1/brands/{handle}/campaigns/{id}", a.brandHandler(a.putCampaign(false)))
	m.HandleFunc("POST /api/v1/brands/{handle}/campaigns/{id}/start", a.brandHandler(a.campaignAction(brand.ActionStart)))
	m.HandleFunc("POST /api/v1/brands/{handle}/campaigns/{id}/pause", a.brandHandler(a.campaignAction(brand.ActionPause)))
	m.HandleFunc("POST /api/v1/brands/{handle}/campaigns/{id}/resume", a.brandHandler(a.campaignAction(brand.ActionResume)))
	m.HandleFunc("POST /api/v1/brands/{handle}/campaigns/{id}/cancel", a.brandHandler(a.campaignAction(brand.ActionCancel)))
	m.HandleFunc("GET /api/v1/brands/{handle}/campaigns/{id}/funnel", a.brandHandler(a.campaignFunnel))
	m.HandleFunc("GET /api/v1/brands/{handle}/campaigns/{id}/funnel.csv", a.brandHandler(a.campaignFunnelCSV))
	m.HandleFunc("POST /api/v1/brands/{handle}/campaigns/{id}/codes", a.brandHandler(a.addOfferCodes))
	m.HandleFunc("POST /api/v1/brands/{handle}/campaigns/{id}/redeem", a.brandBot(a.redeemCode))
	m.HandleFunc("POST /api/v1/brands/{handle}/audience/preview", a.brandHandler(a.previewAudience))
	m.HandleFunc("GET /api/v1/campaigns/{id}/event.ics", a.auth(a.eventICS))
	m.HandleFunc("GET /api/v1/brands/{handle}/surveys", a.brandHandler(a.listSurveys))
	m.HandleFunc("POST /api/v1/brands/{handle}/surveys", a.brandHandler(a.putSurvey(true)))
	m.HandleFunc("PUT /api/v1/brands/{handle}/surveys/{id}", a.brandHandler(a.putSurvey(false)))
	m.HandleFunc("GET /api/v1/brands/{handle}/surveys/{id}/results", a.brandHandler(a.surveyResults))
	m.HandleFunc("GET /api/v1/brands/{handle}/surveys/{id}/answers.csv", a.brandHandler(a.surveyCSV))
	m.HandleFunc("GET /api/v1/brands/{handle}/consent-settings", a.brandHandler(a.getConsentSettings))
	m.HandleFunc("PUT /api/v1/brands/{handle}/consent-settings", a.brandHandler(a.putConsentSettings))
	m.HandleFunc("GET /api/v1/brands/{handle}/automation", a.brandHandler(a.getAutomation))
	m.HandleFunc("PUT /api/v1/brands/{handle}/automation", a.brandHandler(a.putAutomation))
	m.HandleFunc("GET /api/v1/brands/{handle}/automation/rules", a.brandHandler(a.listRules))
	m.HandleFunc("POST /api/v1/brands/{handle}/automation/rules", a.brandHandler(a.putRule(true)))
	m.HandleFunc("PUT /api/v1/brands/{handle}/automation/rules/{id}", a.brandHandler(a.putRule(false)))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/automation/rules/{id}", a.brandHandler(a.deleteRule))
	m.HandleFunc("POST /api/v1/brands/{handle}/automation/rules/order", a.brandHandler(a.reorderRules))
	m.HandleFunc("GET /api/v1/brands/{handle}/automation/flows", a.brandHandler(a.listFlows))
	m.HandleFunc("POST /api/v1/brands/{handle}/automation/flows", a.brandHandler(a.putFlow(true)))
	m.HandleFunc("PUT /api/v1/brands/{handle}/automation/flows/{id}", a.brandHandler(a.putFlow(false)))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/automation/flows/{id}", a.brandHandler(a.deleteFlow))
	m.HandleFunc("POST /api/v1/brands/{handle}/automation/dry-run", a.brandHandler(a.dryRun))
	m.HandleFunc("GET /api/v1/brands/{handle}/automation/log", a.brandHandler(a.automationLog))
	m.HandleFunc("GET /api/v1/brands/{handle}/customers/{customer}/attributes", a.brandHandler(a.customerAttributes))
	m.HandleFunc("PUT /api/v1/brands/{handle}/customers/{customer}/attributes", a.brandHandler(a.setCustomerAttributes))

	// External bots: webhooks and bot tokens (webhooks.go). Owners and
	// admins only: 404 for anyone else, agents and bots included.
	m.HandleFunc("GET /api/v1/brands/{handle}/webhooks", a.hooksHandler(a.listWebhooks))
	m.HandleFunc("POST /api/v1/brands/{handle}/webhooks", a.hooksHandler(a.createWebhook))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/webhooks/{id}", a.hooksHandler(a.deleteWebhook))
	m.HandleFunc("POST /api/v1/brands/{handle}/webhooks/{id}/rotate", a.hooksHandler(a.rotateWebhook))
	m.HandleFunc("GET /api/v1/brands/{handle}/webhook-deliveries", a.hooksHandler(a.listDeliveries))
	m.HandleFunc("GET /api/v1/brands/{handle}/webhook-deliveries/{id}", a.hooksHandler(a.getDelivery))
	m.HandleFunc("POST /api/v1/brands/{handle}/webhook-deliveries/{id}/redeliver", a.hooksHandler(a.redeliver))
	m.HandleFunc("GET /api/v1/brands/{handle}/bot-tokens", a.brandHandler(a.listBotTokens))
	m.HandleFunc("POST /api/v1/brands/{handle}/bot-tokens", a.brandHandler(a.createBotToken))
	m.HandleFunc("DELETE /api/v1/brands/{handle}/bot-tokens/{id}", a.brandHandler(a.revokeBotToken))

	// Tracked links in brands' messages (links.go): public, the token is the link.
	m.HandleFunc("GET /l/{token}", a.linkRedirect)

	// Operations.
	m.HandleFunc("GET /healthz", a.healthz)
	m.HandleFunc("GET /readyz", a.readyz)
	m.HandleFunc("GET /metrics", a.metrics)
	m.HandleFunc("GET /api/openapi.json", a.openapi)
	m.HandleFunc("GET /api/docs", a.docs)
	m.HandleFunc("GET /api/docs/{file}", a.docsAsset)

	// The Bluesky-compatible surface: its own route table (internal/xrpc),
	// behind the same body limit, metrics and logs.
	if a.cfg.XRPC != nil {
		m.Handle("/xrpc/", a.cfg.XRPC)
	}

	// Unknown API paths get the JSON error, everything else the web app.
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		a.error(w, r, errNoRoute)
	})
	if a.cfg.Web != nil {
		m.Handle("/", a.cfg.Web)
	}
}

// ServeHTTP serves a request: body limit, panic recovery, metrics and a log line.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	r.Body = http.MaxBytesReader(sw, r.Body, a.bodyLimit(r))
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.wrote {
				a.error(sw, r, errPanic)
			}
		}
		_, pattern := a.mux.Handler(r)
		d := time.Since(start)
		a.cfg.Metrics.Observe("parley_http_request_duration_seconds", "HTTP request latency.",
			metrics.Labels("route", pattern), d.Seconds())
		a.cfg.Metrics.Add("parley_http_requests_total", "HTTP requests by route and status.",
			metrics.Labels("route", pattern, "status", statusClass(sw.status)), 1)
		if pattern != "GET /metrics" && pattern != "GET /healthz" {
			a.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"ms", float64(d.Microseconds())/1000, "remote", r.RemoteAddr)
		}
	}()
	// A NUL in a path or a query is no id, handle or value of any route, and
	// PostgreSQL refuses it in a lookup (a 500): a path holding one names
	// nothing (404), a query holding one is a bad request. The XRPC surface
	// answers for its own query, in its own envelope.
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/l/") {
		switch {
		case strings.ContainsRune(r.URL.Path, 0):
			a.error(sw, r, errNULPath)
			return
		case strings.Contains(r.URL.RawQuery, "%00"):
			a.error(sw, r, errNULQuery)
			return
		}
	}
	a.mux.ServeHTTP(sw, r)
}

func statusClass(code int) string {
	return string(rune('0'+code/100)) + "xx"
}

// statusWriter remembers the status for logs and metrics. It passes Hijack
// through for the WebSocket upgrade.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Ready != nil {
		if err := a.cfg.Ready(r); err != nil {
			// The cause goes to the log, not to an unauthenticated caller.
			a.log.Warn("not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (a *API) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	a.cfg.Metrics.WriteTo(w)
	// The Go runtime's own gauges: a leak of goroutines or heap shows here
	// first (the soak benchmark samples them).
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(w, "# HELP parley_go_goroutines Goroutines of the process.\n# TYPE parley_go_goroutines gauge\nparley_go_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(w, "# HELP parley_go_heap_inuse_bytes Bytes of the Go heap in use.\n# TYPE parley_go_heap_inuse_bytes gauge\nparley_go_heap_inuse_bytes %d\n", ms.HeapInuse)
}
