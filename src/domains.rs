//! The state of every domain of an instance, built once at start-up over
//! the shared `AppState`, and registered with the HTTP app so each handler
//! asks for the one domain it works in.

use std::sync::Arc;

use crate::rate_limit::SharedWindows;

use actix_web::web;

use crate::auth::service::Identity;
use crate::calendar::service::CalendarCache;
use crate::complaints::{ComplaintSettings, Complaints};
use crate::credit::Credit;
use crate::credit::signing::KeyRing;
use crate::places::Places;
use crate::state::{AppState, Core};
use crate::tourism::Tourism;
use crate::tradein::{TradeIn, TradeInSettings};
use crate::vouchers::Vouchers;
use crate::vouchers::claim_book::ClaimBook;
use crate::workers::WriterQueues;

#[derive(Clone)]
pub struct Domains {
    pub app: web::Data<AppState>,
    pub identity: web::Data<Identity>,
    pub places: web::Data<Places>,
    pub complaints: web::Data<Complaints>,
    pub vouchers: web::Data<Vouchers>,
    pub trade_in: web::Data<TradeIn>,
    pub tourism: web::Data<Tourism>,
    pub credit: web::Data<Credit>,
}

impl Domains {
    /// Builds every domain over one `core` (so they share one SQLite write
    /// gate) and the loaded shop index. Returns the queues the batch
    /// writers will drain.
    pub fn build(
        app: AppState,
        core: Core,
        places: Places,
        shared_limits: Option<SharedWindows>,
        signing_keys: Arc<KeyRing>,
    ) -> (Self, WriterQueues) {
        let config = app.config.clone();
        let places = Arc::new(places);
        let (filing_writer, filings) = crate::complaints::writer::channel();
        let (claim_writer, claims) = crate::vouchers::claim_writer::channel();
        let domains = Self {
            identity: web::Data::new(Identity::new(core.clone(), &config, shared_limits.clone())),
            complaints: web::Data::new(Complaints::new(
                core.clone(),
                CalendarCache::new(core.db.clone()),
                ComplaintSettings::from_config(&config),
                filing_writer,
                shared_limits,
            )),
            vouchers: web::Data::new(Vouchers::new(
                core.clone(),
                places.clone(),
                ClaimBook::new(),
                claim_writer,
            )),
            trade_in: web::Data::new(TradeIn::new(
                core.clone(),
                places.clone(),
                TradeInSettings {
                    template_id: config.trade_in_template_id.clone(),
                },
            )),
            credit: web::Data::new(Credit::new(
                core.clone(),
                places.clone(),
                signing_keys,
                chrono::Duration::days(i64::from(config.credit_code_days)),
            )),
            tourism: web::Data::new(Tourism::new(core, places.clone())),
            places: web::Data::from(places),
            app: web::Data::new(app),
        };
        (domains, WriterQueues { filings, claims })
    }

    /// Makes every domain available to handlers.
    pub fn register(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.app.clone())
            .app_data(self.identity.clone())
            .app_data(self.places.clone())
            .app_data(self.complaints.clone())
            .app_data(self.vouchers.clone())
            .app_data(self.trade_in.clone())
            .app_data(self.tourism.clone())
            .app_data(self.credit.clone());
    }
}
