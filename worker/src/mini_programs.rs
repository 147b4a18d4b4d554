//! Which mini-program a county signs in and notifies through: its own,
//! stored per platform with a sealed secret, or the instance's `[wechat]`.
//!
//! Clients are kept per platform while the stored row is unchanged, so
//! each mini-program's access token is cached and refreshed on its own.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use entity::platform_end::mini_programs;
use entity::runtime::Settings;
use entity::secrets::{SecretError, SecretKey};
use entity::tables::mini_program;
use sea_orm::{ConnectionTrait, DbErr};

use crate::wechat::WechatClient;

/// A mini-program ready to call: its client and its templates.
#[derive(Debug, Clone)]
pub struct MiniProgram {
    /// The platform whose own it is; `None` for the instance's `[wechat]`.
    pub platform_id: Option<i64>,
    /// The client, with its appid and secret.
    pub client: WechatClient,
    /// Subscription-message template ids by event.
    pub templates: BTreeMap<String, String>,
}

/// Why a stored mini-program cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MiniProgramError {
    /// Its secret does not open (no key, wrong key, altered row).
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

struct Inner {
    http: reqwest::Client,
    api_base: String,
    key: Option<SecretKey>,
    configured: Option<MiniProgram>,
    /// Per platform: the row's `updated_at` and the client built from it.
    cache: Mutex<HashMap<i64, (DateTime<Utc>, MiniProgram)>>,
}

/// The mini-programs of an instance.
#[derive(Clone)]
pub struct MiniPrograms(Arc<Inner>);

impl std::fmt::Debug for MiniPrograms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniPrograms")
            .field("api_base", &self.0.api_base)
            .field("configured", &self.0.configured)
            .field("key", &self.0.key.is_some())
            .finish_non_exhaustive()
    }
}

impl MiniPrograms {
    /// The instance's mini-programs: `[wechat]` and the secrets key.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let http = crate::wechat::http_client(&settings.wechat).map_err(|e| e.to_string())?;
        let key = settings.secrets.key().map_err(|e| e.to_string())?;
        let configured = match (&settings.wechat.appid, &settings.wechat.secret) {
            (Some(appid), Some(secret)) => Some(MiniProgram {
                platform_id: None,
                client: WechatClient::new(http.clone(), &settings.wechat.api_base, appid, secret),
                templates: settings.wechat.templates.clone(),
            }),
            _ => None,
        };
        Ok(Self(Arc::new(Inner {
            api_base: settings.wechat.api_base.clone(),
            http,
            key,
            configured,
            cache: Mutex::default(),
        })))
    }

    /// The instance's `[wechat]` mini-program, if configured.
    pub fn configured(&self) -> Option<&MiniProgram> {
        self.0.configured.as_ref()
    }

    /// The secrets key, if set.
    pub fn key(&self) -> Option<&SecretKey> {
        self.0.key.as_ref()
    }

    /// The mini-program a platform's residents use: its own, else `[wechat]`.
    pub async fn of_platform(
        &self,
        db: &impl ConnectionTrait,
        platform_id: i64,
    ) -> Result<Option<MiniProgram>, MiniProgramError> {
        match mini_programs::of_platform(db, platform_id).await? {
            Some(row) => self.client_for(&row).map(Some),
            None => Ok(self.0.configured.clone()),
        }
    }

    /// The mini-program with this appid: a platform's own, or `[wechat]`'s.
    pub async fn by_appid(
        &self,
        db: &impl ConnectionTrait,
        appid: &str,
    ) -> Result<Option<MiniProgram>, MiniProgramError> {
        if let Some(row) = mini_programs::by_appid(db, appid).await? {
            return self.client_for(&row).map(Some);
        }
        Ok(self
            .0
            .configured
            .clone()
            .filter(|c| c.client.appid() == appid.trim()))
    }

    fn client_for(&self, row: &mini_program::Model) -> Result<MiniProgram, MiniProgramError> {
        if let Ok(cache) = self.0.cache.lock()
            && let Some((at, program)) = cache.get(&row.platform_id)
            && *at == row.updated_at
            && program.client.appid() == row.appid
        {
            return Ok(program.clone());
        }
        let key = self.0.key.as_ref().ok_or(SecretError::NoKey)?;
        let secret = mini_programs::open_secret(key, row)?;
        let program = MiniProgram {
            platform_id: Some(row.platform_id),
            client: WechatClient::new(self.0.http.clone(), &self.0.api_base, &row.appid, &secret),
            templates: mini_programs::templates_of(row),
        };
        if let Ok(mut cache) = self.0.cache.lock() {
            cache.insert(row.platform_id, (row.updated_at, program.clone()));
        }
        Ok(program)
    }
}
