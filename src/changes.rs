//! Caches that follow other instances' writes at once. On PostgreSQL a
//! trigger on each cached table sends `NOTIFY yuhui_changes` inside the
//! writing transaction (migration `m20261201_000015`); every instance
//! `LISTEN`s on its own connection and refreshes the copy the payload names:
//! the shop index, the tourism catalogue, the trade-in rule book, the
//! working-day calendar, or one caller's (or every caller's) roles.
//!
//! Notifications sent while the connection is down are lost, so after a
//! reconnect everything is refreshed once; the polling and time-to-live of
//! each cache stay as the fallback for as long as it takes to reconnect.
//! SQLite serves one instance and has no listener.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool};
use uuid::Uuid;

use crate::domains::Domains;
use crate::places::sync::IndexPoller;
use crate::workers::runtime::{Periodic, Stop};

/// The one channel every trigger notifies on.
pub const CHANNEL: &str = "yuhui_changes";

/// How long to wait before trying a lost listening connection again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// What changed, as the triggers name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Shops,
    Tourism,
    TradeInRules,
    Calendar,
    /// One user's roles, districts, staff memberships or account.
    Principal(Uuid),
    /// Every user's: a merchant's status changed what its staff may do.
    Principals,
    /// Anything may have changed (notifications were missed).
    Everything,
}

impl Change {
    /// A trigger's payload; `None` for one this version does not know.
    pub fn parse(payload: &str) -> Option<Self> {
        Some(match payload {
            "shops" => Self::Shops,
            "tourism" => Self::Tourism,
            "trade_in_rules" => Self::TradeInRules,
            "calendar" => Self::Calendar,
            "principals" => Self::Principals,
            other => Self::Principal(other.strip_prefix("principal:")?.parse().ok()?),
        })
    }
}

/// This instance's caches, refreshed by change.
pub struct Followers {
    pub domains: Domains,
    pub index_poller: Arc<IndexPoller>,
}

impl Followers {
    pub async fn apply(&self, change: &Change) {
        let d = &self.domains;
        if matches!(change, Change::Shops | Change::Everything)
            && let Err(e) = self.index_poller.run_once().await
        {
            tracing::warn!(error = %e, "shop index refresh after a change failed");
        }
        if matches!(change, Change::Tourism | Change::Everything) {
            d.tourism.routes.invalidate_all();
            d.tourism.events.invalidate_all();
        }
        if matches!(change, Change::TradeInRules | Change::Everything) {
            d.trade_in.rules.invalidate_all();
        }
        if matches!(change, Change::Calendar | Change::Everything) {
            d.complaints.calendar.forget();
        }
        match change {
            Change::Principal(user_id) => d.identity.forget_roles(*user_id).await,
            Change::Principals | Change::Everything => d.identity.principals.invalidate_all(),
            _ => {}
        }
    }
}

/// Listens until stopped, applying each change as it arrives.
pub async fn follow(pool: PgPool, followers: Followers, mut stop: Stop) {
    let metrics = followers.domains.app.metrics.clone();
    loop {
        let mut listener = tokio::select! {
            biased;
            _ = stop.requested() => return,
            listener = subscribe(&pool) => listener,
        };
        // Whatever was written before the listener was there (while the
        // caches loaded at start, or while the connection was down) was
        // told to nobody: refresh everything once.
        followers.apply(&Change::Everything).await;
        metrics.change_listener_up(true);
        followers.domains.identity.hears_changes(true);
        tracing::info!("listening for other instances' changes");
        loop {
            let received = tokio::select! {
                biased;
                _ = stop.requested() => return,
                received = listener.recv() => received,
            };
            match received {
                Ok(Some(notification)) => {
                    metrics.change_received();
                    match Change::parse(notification.payload()) {
                        Some(change) => {
                            tracing::debug!(?change, "change notified");
                            followers.apply(&change).await
                        }
                        None => tracing::debug!(payload = notification.payload(), "unknown change"),
                    }
                }
                Ok(None) => {
                    tracing::warn!("change listener lost its connection; polling until it is back");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "change listener failed; polling until it is back");
                    break;
                }
            }
        }
        metrics.change_listener_up(false);
        followers.domains.identity.hears_changes(false);
    }
}

/// The listening connection. Its drop hands the connection back on a new
/// task; when the runtime itself is going away (a test's end, the process's)
/// there is none to spawn on, so the connection is let go with the process.
struct Listening(Option<PgListener>);

impl Listening {
    async fn recv(
        &mut self,
    ) -> Result<Option<sea_orm::sqlx::postgres::PgNotification>, sea_orm::sqlx::Error> {
        match self.0.as_mut() {
            Some(listener) => listener.try_recv().await,
            None => Ok(None),
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            std::mem::forget(self.0.take());
        }
    }
}

/// A listening connection, retried until it is there. The listener is in
/// its guard from the moment it exists: a stop (or a runtime going away)
/// can come while `LISTEN` is on its way.
async fn subscribe(pool: &PgPool) -> Listening {
    loop {
        let attempt = async {
            let mut listener = Listening(Some(PgListener::connect_with(pool).await?));
            if let Some(connection) = listener.0.as_mut() {
                connection.listen(CHANNEL).await?;
            }
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        match attempt.await {
            Ok(listener) => return listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for changes yet");
                tokio::time::sleep(RECONNECT_AFTER).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_the_cache_to_refresh() {
        assert_eq!(Change::parse("shops"), Some(Change::Shops));
        assert_eq!(Change::parse("tourism"), Some(Change::Tourism));
        assert_eq!(Change::parse("trade_in_rules"), Some(Change::TradeInRules));
        assert_eq!(Change::parse("calendar"), Some(Change::Calendar));
        assert_eq!(Change::parse("principals"), Some(Change::Principals));
        let id = Uuid::now_v7();
        assert_eq!(
            Change::parse(&format!("principal:{id}")),
            Some(Change::Principal(id))
        );
    }

    #[test]
    fn unknown_payloads_are_ignored() {
        assert_eq!(Change::parse("principal:not-a-uuid"), None);
        assert_eq!(Change::parse("vouchers"), None);
        assert_eq!(Change::parse(""), None);
    }
}
