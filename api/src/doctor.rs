//! `tongcheng check`: a configuration doctor. It validates the settings and
//! their environment without serving, and leaves nothing behind: secrets,
//! key files and their formats, the database (reachable, schema up to date),
//! the media directory, the listen address, and that outside services are
//! reached and call back over https. Every problem names the key to fix.

use std::path::Path;

use entity::runtime::Settings;

/// What `check` found: a key to fix and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The environment form of the key, e.g. `TONGCHENG__AUTH__JWT_SECRET`.
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// The result of a check: what passed and what did not.
#[derive(Debug, Default)]
pub struct Report {
    /// One line per check that passed.
    pub passed: Vec<String>,
    /// The problems.
    pub problems: Vec<Problem>,
}

impl Report {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_owned(),
            message: message.into(),
        });
    }
}

/// Checks the settings (as `serve` would use them, or `serve --demo`).
pub async fn check(settings: &Settings, demo: bool) -> Report {
    let mut report = Report::default();
    check_secret(settings, demo, &mut report);
    check_listen(settings, &mut report);
    check_wechat(settings, &mut report);
    check_wechatpay(settings, &mut report);
    check_media(Path::new(&settings.media.dir), &mut report);
    check_database(settings, &mut report).await;
    report
}

fn check_secret(settings: &Settings, demo: bool, report: &mut Report) {
    match crate::startup::jwt_secret(settings, demo) {
        Ok(_) if settings.auth.jwt_secret.is_none() => report
            .passed
            .push("JWT secret: none set; demo mode makes one up per start".into()),
        Ok(_) => report.passed.push("JWT secret: set and strong".into()),
        Err(e) => report.problem("TONGCHENG__AUTH__JWT_SECRET", e.to_string()),
    }
}

fn check_listen(settings: &Settings, report: &mut Report) {
    match settings.http.bind.parse::<std::net::SocketAddr>() {
        Ok(addr) => report.passed.push(format!("listen address: {addr}")),
        Err(_) => report.problem(
            "TONGCHENG__HTTP__BIND",
            format!(
                "`{}` is not host:port, e.g. 0.0.0.0:8080",
                settings.http.bind
            ),
        ),
    }
}

/// Whether `url` is https, or http to this machine (test doubles).
fn secure_or_local(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    match u.scheme() {
        "https" => true,
        "http" => matches!(
            u.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
        ),
        _ => false,
    }
}

fn check_wechat(settings: &Settings, report: &mut Report) {
    let w = &settings.wechat;
    match (&w.appid, &w.secret) {
        (Some(_), None) => report.problem(
            "TONGCHENG__WECHAT__SECRET",
            "the mini-program appid is set but its secret is not",
        ),
        (None, Some(_)) => report.problem(
            "TONGCHENG__WECHAT__APPID",
            "the mini-program secret is set but its appid is not",
        ),
        (None, None) => report
            .passed
            .push("WeChat login: not configured (demo login only)".into()),
        (Some(appid), Some(_)) => report
            .passed
            .push(format!("WeChat login: mini-program {appid}")),
    }
    if !secure_or_local(&w.api_base) {
        report.problem(
            "TONGCHENG__WECHAT__API_BASE",
            format!("`{}` must be an https URL", w.api_base),
        );
    }
}

fn check_wechatpay(settings: &Settings, report: &mut Report) {
    let p = &settings.wechatpay;
    if p.mchid.is_none() {
        report
            .passed
            .push("WeChat Pay: not configured (demo pay only)".into());
        return;
    }
    if let Some(url) = &p.notify_url
        && !url.starts_with("https://")
    {
        report.problem(
            "TONGCHENG__WECHATPAY__NOTIFY_URL",
            format!("`{url}` must be https: WeChat Pay calls back only over https"),
        );
    }
    if !secure_or_local(&p.api_base) {
        report.problem(
            "TONGCHENG__WECHATPAY__API_BASE",
            format!("`{}` must be an https URL", p.api_base),
        );
    }
    match worker::wechatpay::WechatPay::from_settings(p, settings.wechat.appid.as_deref()) {
        Ok(_) => report
            .passed
            .push("WeChat Pay: merchant key, platform key and API v3 key read".into()),
        Err(message) => {
            let key = if message.starts_with("merchant key") {
                "TONGCHENG__WECHATPAY__MERCHANT_KEY_PEM_FILE".to_owned()
            } else if message.starts_with("platform key") {
                "TONGCHENG__WECHATPAY__PLATFORM_PUBLIC_KEY_PEM_FILE".to_owned()
            } else {
                message
                    .split([':', ' '])
                    .find(|w| w.starts_with("TONGCHENG__"))
                    .unwrap_or("TONGCHENG__WECHATPAY__MCHID")
                    .to_owned()
            };
            report.problem(&key, message);
        }
    }
}

fn check_media(dir: &Path, report: &mut Report) {
    const KEY: &str = "TONGCHENG__MEDIA__DIR";
    if dir.exists() && !dir.is_dir() {
        report.problem(KEY, format!("{} is not a directory", dir.display()));
        return;
    }
    // A missing directory is made at start: its nearest existing parent
    // must take it.
    let probe_in = dir
        .ancestors()
        .find(|a| a.as_os_str().is_empty() || a.exists())
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .unwrap_or(Path::new("."));
    let probe = probe_in.join(format!(".tongcheng-check-{}", std::process::id()));
    let writable = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    if writable {
        report
            .passed
            .push(format!("media directory: {} is writable", dir.display()));
    } else {
        report.problem(
            KEY,
            format!(
                "{} cannot be written (checked {})",
                dir.display(),
                probe_in.display()
            ),
        );
    }
}

async fn check_database(settings: &Settings, report: &mut Report) {
    const KEY: &str = "TONGCHENG__DATABASE__URL";
    let url = &settings.database.url;
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        && !path.is_empty()
        && path != ":memory:"
        && !Path::new(path).exists()
    {
        report.passed.push(format!(
            "database: SQLite file {path} does not exist yet; `tongcheng migrate` or the first start makes it"
        ));
        return;
    }
    let mut opts = sea_orm::ConnectOptions::new(url.clone());
    opts.max_connections(1)
        .connect_timeout(std::time::Duration::from_secs(5))
        .sqlx_logging(false);
    let db = match sea_orm::Database::connect(opts).await {
        Ok(db) => db,
        Err(e) => {
            report.problem(KEY, format!("cannot connect: {e}"));
            return;
        }
    };
    match entity::runtime::database::pending_migrations(&db).await {
        Ok(0) => {
            report
                .passed
                .push("database: reachable, schema up to date".into());
            check_stored_secrets(settings, &db, report).await;
            check_payment_accounts(settings, &db, report).await;
        }
        Ok(pending) => report.problem(
            KEY,
            format!("{pending} migrations are not applied; run `tongcheng migrate`"),
        ),
        Err(e) => report.problem(KEY, format!("cannot read the migration state: {e}")),
    }
    let _ = db.close().await;
}

/// Every county's stored mini-program secret must open with the key.
async fn check_stored_secrets(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    report: &mut Report,
) {
    const KEY: &str = "TONGCHENG__SECRETS__KEY";
    let stored = match entity::platform_end::mini_programs::all(db).await {
        Ok(stored) => stored,
        Err(e) => return report.problem(KEY, format!("cannot read the stored secrets: {e}")),
    };
    if stored.is_empty() {
        return;
    }
    // A key that does not parse is reported when the settings load.
    let key = settings.secrets.key().ok().flatten();
    let closed: Vec<&str> = stored
        .iter()
        .filter(|m| crate::provision::secret_state(key.as_ref(), m) != "opens")
        .map(|m| m.appid.as_str())
        .collect();
    match (key.is_some(), closed.is_empty()) {
        (_, true) => report.passed.push(format!(
            "secrets: the {} stored mini-program secrets open",
            stored.len()
        )),
        (false, false) => report.problem(
            KEY,
            format!(
                "{} counties' mini-program secrets are stored but no key is set (openssl rand -base64 32, kept where the other instances read it)",
                closed.len()
            ),
        ),
        (true, false) => report.problem(
            KEY,
            format!(
                "the secrets of {} do not open with this key: set the key they were sealed with, or set them again (`tongcheng mini-program set`)",
                closed.join(", ")
            ),
        ),
    }
}

/// Every county's stored WeChat Pay keys must open with the key.
async fn check_payment_accounts(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    report: &mut Report,
) {
    use entity::platform_end::payment_accounts;
    const KEY: &str = "TONGCHENG__SECRETS__KEY";
    let stored = match payment_accounts::all(db).await {
        Ok(stored) => stored,
        Err(e) => {
            return report.problem(
                KEY,
                format!("cannot read the stored WeChat Pay merchants: {e}"),
            );
        }
    };
    if stored.is_empty() {
        return;
    }
    let key = settings.secrets.key().ok().flatten();
    let closed: Vec<&str> = stored
        .iter()
        .filter(|a| {
            key.as_ref()
                .is_none_or(|k| payment_accounts::open(k, a).is_err())
        })
        .map(|a| a.mchid.as_str())
        .collect();
    if closed.is_empty() {
        report.passed.push(format!(
            "secrets: the {} stored WeChat Pay merchants' keys open",
            stored.len()
        ));
    } else {
        report.problem(
            KEY,
            format!(
                "the WeChat Pay keys of merchant {} do not open: set the key they were sealed with, or set them again (`tongcheng wechatpay set`)",
                closed.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_and_services_must_be_https_unless_local() {
        assert!(secure_or_local("https://api.mch.weixin.qq.com"));
        assert!(secure_or_local("http://127.0.0.1:9000"));
        assert!(!secure_or_local("http://api.weixin.qq.com"));
        assert!(!secure_or_local("ftp://example.com"));
        assert!(!secure_or_local("not a url"));
    }
}
