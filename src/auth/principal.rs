//! Who is calling, and the role and ownership checks every domain uses.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    Merchant,
    Handler,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Merchant => "merchant",
            Role::Handler => "handler",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "resident" => Some(Role::Resident),
            "merchant" => Some(Role::Merchant),
            "handler" => Some(Role::Handler),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The caller of a request, loaded from the database (briefly cached).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub roles: Vec<Role>,
    /// Approved merchants this user acts for.
    pub merchant_ids: Vec<Uuid>,
    pub handler_districts: Vec<String>,
}

impl Principal {
    /// Roles from stored grants plus the implied ones: everyone is a resident,
    /// and staff of an approved merchant are merchants.
    pub fn new(
        user_id: Uuid,
        granted: &[Role],
        merchant_ids: Vec<Uuid>,
        handler_districts: Vec<String>,
    ) -> Self {
        let mut roles = vec![Role::Resident];
        if !merchant_ids.is_empty() {
            roles.push(Role::Merchant);
        }
        for role in granted {
            if matches!(role, Role::Handler | Role::Admin) && !roles.contains(role) {
                roles.push(*role);
            }
        }
        roles.sort();
        Self {
            user_id,
            roles,
            merchant_ids,
            handler_districts,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn require(&self, role: Role) -> AppResult<()> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!("需要 {} 角色", role.as_str())))
        }
    }

    pub fn is_staff_of(&self, merchant_id: Uuid) -> bool {
        self.merchant_ids.contains(&merchant_id)
    }

    /// Ownership check for merchant objects: 403 unless the caller acts for it.
    pub fn require_staff_of(&self, merchant_id: Uuid) -> AppResult<()> {
        if self.is_staff_of(merchant_id) {
            Ok(())
        } else {
            Err(AppError::forbidden("不是该商户的工作人员"))
        }
    }

    pub fn handles_district(&self, code: &str) -> bool {
        self.has_role(Role::Handler) && self.handler_districts.iter().any(|d| d == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residents_are_implied_and_merchant_follows_staff_membership() {
        let p = Principal::new(Uuid::now_v7(), &[Role::Admin], vec![], vec![]);
        assert_eq!(p.roles, vec![Role::Resident, Role::Admin]);
        let m = Uuid::now_v7();
        let p = Principal::new(Uuid::now_v7(), &[Role::Merchant], vec![m], vec![]);
        assert_eq!(p.roles, vec![Role::Resident, Role::Merchant]);
        assert!(p.require_staff_of(m).is_ok());
        assert!(p.require_staff_of(Uuid::now_v7()).is_err());
        // A stored merchant grant without membership gives nothing.
        let p = Principal::new(Uuid::now_v7(), &[Role::Merchant], vec![], vec![]);
        assert!(!p.has_role(Role::Merchant));
    }

    #[test]
    fn handlers_handle_only_their_districts() {
        let p = Principal::new(
            Uuid::now_v7(),
            &[Role::Handler],
            vec![],
            vec!["500103".into()],
        );
        assert!(p.handles_district("500103"));
        assert!(!p.handles_district("500106"));
        let not_handler = Principal::new(Uuid::now_v7(), &[], vec![], vec!["500103".into()]);
        assert!(!not_handler.handles_district("500103"));
    }
}
