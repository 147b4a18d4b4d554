//! A small W3C WebDriver client over reqwest, driving headless Chromium
//! through chromedriver for the console's end-to-end tests. It starts
//! `chromedriver` (Debian's `chromium-driver`; `CHROMEDRIVER` overrides the
//! path) on a free loopback port and `chromium` (`CHROMIUM` overrides) with
//! a fresh profile, and stops both when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// The W3C element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver.
pub struct Driver {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tool(env: &str, candidates: &[&str]) -> Result<String, String> {
    if let Ok(p) = std::env::var(env) {
        return Ok(p);
    }
    candidates
        .iter()
        .find(|c| Path::new(c).exists())
        .map(|c| (*c).to_owned())
        .ok_or_else(|| {
            format!(
                "{} not found (looked in {candidates:?}; set {env}). Install Debian's \
                 chromium and chromium-driver — `.ci/run` does.",
                candidates.first().copied().unwrap_or(env)
            )
        })
}

impl Driver {
    /// Starts chromedriver and waits until it answers.
    pub async fn start() -> Result<Driver, String> {
        let exe = tool(
            "CHROMEDRIVER",
            &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new(&exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{exe}: {e}"))?;
        let d = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        for _ in 0..100 {
            if let Ok(r) = d.client.get(format!("{}/status", d.base)).send().await
                && r.status().is_success()
            {
                return Ok(d);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err("chromedriver did not start".into())
    }

    /// A new headless Chromium session with a fresh profile.
    pub async fn session(&self) -> Result<Session, String> {
        let chromium = tool(
            "CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        )?;
        // Each browser its own profile: two cannot share one.
        let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--window-size=1280,1000",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": {"intl.accept_languages": "zh-CN,zh"}
            }
        }}});
        let r: Value = self
            .client
            .post(format!("{}/session", self.base))
            .json(&caps)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let id = r["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session: {r}"))?;
        Ok(Session {
            base: format!("{}/session/{id}", self.base),
            client: self.client.clone(),
            _profile: profile,
        })
    }
}

/// A browser session.
pub struct Session {
    base: String,
    client: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// An element on the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r: Value = req
            .send()
            .await
            .expect("webdriver call")
            .json()
            .await
            .expect("webdriver answer");
        r["value"].clone()
    }

    /// Opens a URL.
    pub async fn goto(&self, url: &str) {
        let v = self
            .call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
        assert!(v.get("error").is_none(), "goto {url}: {v}");
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The first element matching a CSS selector, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().map(|id| Element(id.to_owned()))
    }

    /// Waits up to `secs` for an element.
    pub async fn wait_for(&self, css: &str, secs: u64) -> Element {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(e) = self.find(css).await {
                return e;
            }
            if tokio::time::Instant::now() > deadline {
                let source = self.source().await;
                panic!("no {css} after {secs} s on {}:\n{source}", self.url().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to `secs` until nothing matches a CSS selector.
    pub async fn wait_gone(&self, css: &str, secs: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while self.find(css).await.is_some() {
            if tokio::time::Instant::now() > deadline {
                panic!("{css} still there after {secs} s on {}", self.url().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks an element.
    pub async fn click(&self, e: &Element) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", e.0),
            Some(json!({})),
        )
        .await;
    }

    /// Types into an element.
    pub async fn type_into(&self, e: &Element, text: &str) {
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("/element/{}/value", e.0),
                Some(json!({ "text": text })),
            )
            .await;
        assert!(v.get("error").is_none(), "typing {text:?}: {v}");
    }

    /// An element's visible text.
    pub async fn text(&self, e: &Element) -> String {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/text", e.0),
            None,
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
    }

    /// An element's attribute.
    pub async fn attr(&self, e: &Element, name: &str) -> Option<String> {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", e.0),
            None,
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// Runs a script in the page and returns its result.
    pub async fn run(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// The page's HTML.
    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// Saves a PNG screenshot of the window.
    pub async fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        if let Some(b64) = v.as_str()
            && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64)
        {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = std::fs::write(path, bytes);
        }
    }

    /// Ends the session (closes the browser).
    pub async fn quit(self) {
        let _ = self.client.delete(&self.base).send().await;
    }
}
