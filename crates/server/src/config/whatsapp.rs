//! WhatsApp: the Cloud API, the installation's sending number and the approved templates.

use super::Settings;
use sala_app::notifications::{WhatsAppChannel, WhatsAppTemplates};
use sala_channels::whatsapp::{CloudApi, WhatsAppConfig};
use std::sync::Arc;

/// The WhatsApp Cloud API, with the Graph API version Sala was tested against.
pub const WHATSAPP_API_BASE: &str = "https://graph.facebook.com/v21.0";

impl Settings {
    /// Is WhatsApp configured (number id and token)?
    pub fn whatsapp_enabled(&self) -> bool {
        self.whatsapp_phone_number_id.as_deref().is_some_and(|id| !id.is_empty())
            && self.whatsapp_token.as_ref().is_some_and(|t| !t.expose().is_empty())
    }

    /// WhatsApp as configured, speaking over `http`: the installation's number when set (a tenant
    /// with its own number sends from that), and the templates.
    pub fn whatsapp_channel(&self, http: &reqwest::Client) -> WhatsAppChannel {
        let api_base = self.whatsapp_api_base.trim_end_matches('/').to_owned();
        let default = match (&self.whatsapp_phone_number_id, &self.whatsapp_token) {
            (Some(id), Some(token)) if self.whatsapp_enabled() => Some(WhatsAppConfig {
                api_base: api_base.clone(),
                phone_number_id: id.clone(),
                token: token.expose().to_owned(),
            }),
            _ => None,
        };
        WhatsAppChannel {
            api: Arc::new(CloudApi::new(http.clone())),
            api_base,
            default,
            templates: WhatsAppTemplates {
                created: self.whatsapp_template_created.clone(),
                created_with_link: self.whatsapp_template_created_with_link.clone().filter(|t| !t.trim().is_empty()),
                updated: self.whatsapp_template_updated.clone(),
                cancelled: self.whatsapp_template_cancelled.clone(),
                reminder: self.whatsapp_template_reminder.clone(),
                language_es: self.whatsapp_language_es.clone(),
                language_en: self.whatsapp_language_en.clone(),
            },
        }
    }
}
