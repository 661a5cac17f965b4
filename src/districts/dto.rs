use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictView {
    /// GB/T 2260 code, or a local code (`5001L1`) for a division without one.
    pub code: String,
    pub name: String,
    /// district | county | autonomous_county
    pub kind: String,
    /// Set for divisions merged away; older records keep pointing at them.
    pub valid_until: Option<NaiveDate>,
}

impl From<entity::district::Model> for DistrictView {
    fn from(m: entity::district::Model) -> Self {
        Self {
            code: m.code,
            name: m.name,
            kind: m.kind,
            valid_until: m.valid_until,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DistrictQuery {
    /// Also list divisions that no longer exist (default false).
    #[serde(default)]
    pub include_ended: bool,
}
