package dm

import "context"

// Store is the durable state of Parley. It has two implementations: SQLite
// (internal/sqlite, the default) and PostgreSQL (internal/postgres); both pass
// the conformance suite in internal/storetest.
//
// Business rules (who may message whom, limits, which events to log) live in
// internal/chat; a Store only keeps data and answers queries, each of them
// served by an index so that a user with 100,000 conversations or a
// conversation with 1,000,000 messages stays fast.
type Store interface {
	// Update runs fn in a read-write transaction. If fn returns an error, fn's
	// writes are rolled back and Update returns that error. Update returns nil
	// only once fn's writes are durably committed.
	//
	// The SQLite store runs every Update on one writer goroutine and batches
	// concurrent calls into one transaction (group commit), each fn inside its
	// own savepoint, so one failing fn never undoes another. fn must therefore
	// be short, must not block on anything but the Tx, and must not call
	// Update or View itself.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the database answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Tx is one transaction. Methods return *Error with ENOTFOUND when a looked-up
// row does not exist and ECONFLICT when a unique rule is broken; anything else
// is an internal error. Times are stored with at least millisecond precision
// and returned in UTC.
//
// Tx is made of one interface per subsystem, each in its own file
// (store_accounts.go, store_graph.go, ... and BrandTx in brand.go beside the
// brand types), implemented in a file of the same subsystem in internal/sqlite
// and internal/postgres, tested by one in internal/storetest, and migrated by
// files in that subsystem's migration number range (see the README of each
// migrations folder). A new subsystem adds its own files rather than growing
// these.
type Tx interface {
	AccountTx      // accounts, settings and sessions (store_accounts.go)
	GraphTx        // follows and blocks (store_graph.go)
	ConversationTx // conversations and folders (store_conversations.go)
	MemberTx       // members and their state (store_members.go)
	MessageTx      // messages and reactions (store_messages.go)
	EventTx        // the per-user event log (store_events.go)
	BrandTx        // the brand layer (brand.go)
	JobTx          // the durable job queue (jobs.go)
	AutomationTx   // brand bots: rules, flows, the bot's state (automation.go)
	ConsentTx      // opt-ins, STOP and the consent engine's counts (consent.go)
	CampaignTx     // campaigns and their deliveries (campaign.go)
	ConsentLimitTx // brands' consent settings, daily counts (consent.go)
	MediaTx        // attachments and link previews (media.go)
	SearchTx       // search across a user's conversations (media.go)
	WebhookTx      // external bots: webhooks and bot tokens (webhooks.go)
	AbuseTx        // strikes against accounts, for the abuse limits (store_abuse.go)
	ConsoleTx      // the console: service levels, agent teams, macros, customer notes, audit (console.go)
	ModerationTx   // reports and the moderation log (moderation.go)
	CatalogTx      // product catalogs, interactions, orders, product cards (catalog.go)
	SurveyTx       // feedback surveys and their answers (survey.go)
	CreatorTx      // creator collaborations: pipeline, outreach, codes (creators.go)
	LinkTx         // tracked links and their clicks (links.go)
	FunnelTx       // the campaign funnel's marks on deliveries (campaign.go)
}
