package apidoc

import (
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/webhooks"
	"github.com/parleyhq/parley/wire"
)

// Types are the Go types whose JSON the API sends or reads, each with its
// schema name in openapi.json. `go generate ./internal/api` writes their
// schemas; a struct type they use that is not listed here is written inline.
// Add a type here when a handler starts sending it, under the schema name
// the paths will $ref.
var Types = []Type{
	// Accounts, profiles, conversations, messages, events (package wire).
	T[wire.Account]("Account"),
	T[wire.Settings]("Settings"),
	T[wire.Profile]("Profile"),
	T[wire.AccountProfile]("AccountProfile"),
	T[wire.Member]("Member"),
	T[wire.Conversation]("Conversation"),
	T[wire.FolderCounts]("FolderCounts"),
	T[wire.ReadMarker]("ReadMarker"),
	T[wire.ExportRecord]("ExportRecord"),
	T[wire.ExportCounts]("ExportCounts"),
	T[wire.Message]("Message"),
	T[wire.Reaction]("Reaction"),
	T[wire.Attachment]("Attachment"),
	T[wire.UploadSession]("UploadSession"),
	T[wire.LinkPreview]("LinkPreview"),
	T[wire.Event]("Event"),

	// Brands.
	T[wire.InboxView]("InboxConversation"),
	T[wire.InboxDetail]("InboxDetail"),
	T[wire.Note]("Note"),
	T[wire.CannedReply]("CannedReply"),
	T[wire.TeamMember]("TeamMember"),
	T[wire.MyBrand]("MyBrand"),
	T[wire.TeamMessage]("TeamMessage"),
	T[wire.Durations]("Durations"),
	T[wire.AnalyticsStats]("AnalyticsStats"),
	T[wire.AgentAnalytics]("AgentAnalytics"),
	T[wire.AnalyticsDay]("AnalyticsDay"),
	T[wire.AnalyticsReport]("AnalyticsReport"),
	T[wire.BotAnalytics]("BotAnalytics"),
	// The console's support desk (internal/brand/console.go).
	T[wire.SLAState]("SLAState"),
	T[wire.AuditEntry]("AuditEntry"),
	T[wire.ServiceLevels]("ServiceLevels"),
	T[wire.AgentTeam]("AgentTeam"),
	T[wire.Macro]("Macro"),
	T[wire.MacroResult]("MacroResult"),
	T[wire.CustomerNote]("CustomerNote"),
	T[wire.ThreadSummary]("CustomerThread"),
	T[wire.CustomerPanel]("CustomerPanel"),
	// The campaign funnel (internal/brand/funnel.go).
	T[wire.FunnelCounts]("FunnelCounts"),
	T[wire.FunnelVariant]("FunnelVariant"),
	T[wire.CampaignFunnel]("CampaignFunnel"),

	// Creator collaborations (internal/brand/creators.go).
	T[wire.Deliverable]("Deliverable"),
	T[wire.Outreach]("Outreach"),
	T[wire.StageMove]("StageMove"),
	T[wire.CreatorCode]("CreatorCode"),
	T[wire.CreatorResults]("CreatorResults"),
	T[wire.Creator]("Creator"),
	T[wire.CreatorInput]("CreatorInput"),
	T[wire.OutreachFollowUp]("OutreachFollowUp"),
	T[wire.OutreachInput]("OutreachInput"),
	T[wire.CreatorCodesInput]("CreatorCodesInput"),
	T[wire.CreatorLinkInput]("CreatorLinkInput"),

	// Automation.
	T[wire.QuickReply]("QuickReply"),
	T[wire.BotEntry]("BotEntry"),
	T[wire.AutomationSettings]("AutomationSettings"),
	T[wire.RuleTrigger]("RuleTrigger"),
	T[wire.RuleCondition]("RuleCondition"),
	T[wire.RuleAction]("RuleAction"),
	T[wire.Rule]("Rule"),
	T[wire.RuleInput]("RuleInput"),
	T[wire.FlowOption]("FlowOption"),
	T[wire.FlowStep]("FlowStep"),
	T[wire.Flow]("Flow"),
	T[wire.FlowStepInput]("FlowStepInput"),
	T[wire.FlowInput]("FlowInput"),
	T[wire.AutomationLogEntry]("AutomationLogEntry"),
	T[wire.DryRun]("DryRunRequest"),
	T[wire.DryRunResult]("DryRunResult"),
	T[wire.DryRunReply]("DryRunReply"),
	T[wire.DryRunLogLine]("AutomationLogLine"),

	// Product catalogs and recommendations (internal/brand/catalog.go).
	T[wire.ProductCard]("ProductCard"),
	T[wire.Product]("Product"),
	T[wire.ProductInput]("ProductInput"),
	T[wire.ProductList]("ProductList"),
	T[wire.ImportResult]("ImportResult"),
	T[wire.ImportRowError]("ImportRowError"),
	T[wire.Suggestion]("Suggestion"),
	T[wire.ModelVersion]("ModelVersion"),
	T[wire.SuggestionList]("SuggestionList"),
	T[wire.Purchase]("Purchase"),
	T[wire.Order]("Order"),
	// Feedback surveys.
	T[wire.Survey]("Survey"),
	T[wire.SurveyInput]("SurveyInput"),
	T[wire.SurveyResults]("SurveyResults"),
	T[wire.SurveyPoint]("SurveyPoint"),
	T[wire.SurveyAgent]("SurveyAgent"),
	T[wire.SurveyTextAnswer]("SurveyTextAnswer"),

	// Media and search.
	T[wire.SearchResult]("SearchResult"),
	T[wire.SnippetPart]("SnippetPart"),

	// Account security and moderation.
	T[wire.Session]("Session"),
	T[wire.ReportReceipt]("ReportReceipt"),
	T[wire.MyReport]("MyReport"),
	T[wire.ReportedMessage]("ReportedMessage"),
	T[wire.Report]("Report"),
	T[wire.ModerationEntry]("ModerationEntry"),

	// Integrations: webhooks and bot tokens.
	T[dm.WebhookEndpoint]("WebhookEndpoint"),
	T[webhooks.Delivery]("WebhookDelivery"),
	T[dm.WebhookAttempt]("WebhookAttempt"),
	T[dm.BotToken]("BotToken"),
}
