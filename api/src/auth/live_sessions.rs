//! Whether an access token's session is still open. Access tokens name
//! their session (`sid`, the refresh-token family); a logout or a detected
//! refresh-token reuse revokes the family, and from then on its access
//! tokens are refused. Each instance asks the database at most once every
//! `auth.session_check_secs` per session, so a logout takes effect at once
//! on the instance that served it and within that many seconds on the
//! others.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use entity::platform_end::sessions;
use sea_orm::{ConnectionTrait, DbErr};

/// Sessions seen at most this many at once before old answers are dropped.
const MAX_REMEMBERED: usize = 100_000;

/// The answers an instance remembers: session → (open, when asked).
#[derive(Debug)]
pub struct LiveSessions {
    ttl: Duration,
    seen: Mutex<HashMap<String, (bool, Instant)>>,
}

impl LiveSessions {
    /// Remembers each answer for `ttl_secs`.
    pub fn new(ttl_secs: u64) -> Self {
        Self {
            ttl: Duration::from_secs(ttl_secs),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the session is open, from memory or the database.
    pub async fn is_live(&self, db: &impl ConnectionTrait, session: &str) -> Result<bool, DbErr> {
        if let Some(live) = self.remembered(session) {
            return Ok(live);
        }
        let live = sessions::is_live(db, session).await?;
        self.remember(session, live);
        Ok(live)
    }

    /// The session was closed here: refuse its tokens from now on.
    pub fn ended(&self, session: &str) {
        self.remember(session, false);
    }

    fn remembered(&self, session: &str) -> Option<bool> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(session)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(live, _)| *live)
    }

    fn remember(&self, session: &str, live: bool) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= MAX_REMEMBERED {
            let ttl = self.ttl;
            seen.retain(|_, (_, at)| at.elapsed() < ttl);
        }
        seen.insert(session.to_owned(), (live, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_session_is_remembered_as_closed() {
        let s = LiveSessions::new(60);
        assert_eq!(s.remembered("a"), None);
        s.remember("a", true);
        assert_eq!(s.remembered("a"), Some(true));
        s.ended("a");
        assert_eq!(s.remembered("a"), Some(false));
        let never = LiveSessions::new(0);
        never.remember("b", true);
        assert_eq!(never.remembered("b"), None, "a zero ttl always asks");
    }
}
