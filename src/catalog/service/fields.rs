//! A service's fields as a command or a catalog document gives them, before they are
//! checked: `serviceCreate`, `servicesImport` items and a document's `services` entries all
//! arrive in this shape and are checked by the same [`Names::check_service`].
//!
//! [`Names::check_service`]: crate::catalog::names::Names::check_service

use serde::Deserialize;

use crate::catalog::types::RuleGroupMode;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceFields {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub agency: String,
    /// The owning agency's own id for the service, unique per agency.
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// Slugs of the agencies that deliver it with its owner.
    #[serde(default)]
    pub partner_agencies: Vec<String>,
    /// Jurisdiction codes served; the owning agency's jurisdiction when empty.
    #[serde(default)]
    pub jurisdictions: Vec<String>,
    #[serde(default)]
    pub eligibility_summary: Option<String>,
    #[serde(default)]
    pub fees: Option<String>,
    #[serde(default)]
    pub processing_time: Option<String>,
    /// What the agency checks that a pre-screen cannot know (e.g. "resources").
    #[serde(default)]
    pub agency_checks: Vec<String>,
    /// The program it is a listing of (a slug shared by every office delivering it).
    #[serde(default)]
    pub program: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    /// `scheme:code` or a bare code in the `civic-catalog` scheme.
    #[serde(default)]
    pub taxonomy_terms: Vec<String>,
    /// What residents need to bring or send.
    #[serde(default)]
    pub required_documents: Vec<DocumentFields>,
    pub channels: Vec<ChannelFields>,
    #[serde(default)]
    pub life_events: Vec<LinkFields>,
    #[serde(default)]
    pub eligibility: Vec<RuleGroupFields>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocumentFields {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelFields {
    pub kind: String,
    pub label: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub hours: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub accessibility: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkFields {
    pub life_event: String,
    pub stage: String,
    pub relevance: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleGroupFields {
    #[serde(default = "all_mode")]
    pub mode: String,
    #[serde(default)]
    pub description: Option<String>,
    pub rules: Vec<RuleFields>,
}

pub(crate) fn all_mode() -> String {
    RuleGroupMode::All.as_str().to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleFields {
    pub criterion: String,
    pub operator: String,
    #[serde(default)]
    pub value: serde_json::Value,
}
