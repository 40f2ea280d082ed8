//! Who may write and read which records: one table, least privilege.
//!
//! Staff see what their job at the branch needs and nothing else. A row per
//! role, a column per record kind; [`may_write`] and [`read_scope`] are the only
//! places the server decides it (the README prints the same table).
//!
//! | role | writes | reads all | reads own only |
//! |---|---|---|---|
//! | teller, vip_teller | outcome, handoff, unmet_need, staff_state | outcome (pacing follows the customer across counters) | handoff, unmet_need, staff_state |
//! | lobby | outcome, handoff, lead, unmet_need, staff_state | outcome, handoff, lead, unmet_need, staff_state | |
//! | psm | outcome, handoff, lead, unmet_need, staff_state | outcome, handoff, staff_state | lead, unmet_need |
//! | cm | outcome, follow_up, staff_state | outcome, handoff, lead, follow_up | staff_state |
//! | head | staff_state | every kind | |
//! | author, admin | nothing | nothing | nothing |
//!
//! author edits rule packs and admin manages accounts: neither sees customers.

use std::fmt;
use std::str::FromStr;

/// A staff role. Stored by its id (`teller`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Teller,
    VipTeller,
    Lobby,
    Psm,
    Cm,
    Head,
    Author,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Teller,
        Role::VipTeller,
        Role::Lobby,
        Role::Psm,
        Role::Cm,
        Role::Head,
        Role::Author,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Teller => "teller",
            Role::VipTeller => "vip_teller",
            Role::Lobby => "lobby",
            Role::Psm => "psm",
            Role::Cm => "cm",
            Role::Head => "head",
            Role::Author => "author",
            Role::Admin => "admin",
        }
    }

    /// The role's Chinese name, for the demo accounts' table.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Teller => "柜员",
            Role::VipTeller => "贵宾柜员",
            Role::Lobby => "大堂经理",
            Role::Psm => "产品销售经理",
            Role::Cm => "客户经理",
            Role::Head => "网点负责人",
            Role::Author => "规则编写",
            Role::Admin => "账户管理",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("unknown role {s:?}; one of {}", all.join(", "))
        })
    }
}

/// What a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Outcome,
    Handoff,
    Lead,
    UnmetNeed,
    FollowUp,
    StaffState,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Outcome,
        Kind::Handoff,
        Kind::Lead,
        Kind::UnmetNeed,
        Kind::FollowUp,
        Kind::StaffState,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Outcome => "outcome",
            Kind::Handoff => "handoff",
            Kind::Lead => "lead",
            Kind::UnmetNeed => "unmet_need",
            Kind::FollowUp => "follow_up",
            Kind::StaffState => "staff_state",
        }
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown kind {s:?}"))
    }
}

/// Which records of a kind a role may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    None,
    /// Only those the reader wrote.
    Own,
    All,
}

/// Whether `role` may store a record of `kind`.
pub fn may_write(role: Role, kind: Kind) -> bool {
    use Kind::*;
    match role {
        Role::Teller | Role::VipTeller => matches!(kind, Outcome | Handoff | UnmetNeed | StaffState),
        Role::Lobby | Role::Psm => matches!(kind, Outcome | Handoff | Lead | UnmetNeed | StaffState),
        Role::Cm => matches!(kind, Outcome | FollowUp | StaffState),
        Role::Head => matches!(kind, StaffState),
        Role::Author | Role::Admin => false,
    }
}

/// Which records of `kind` `role` may read.
pub fn read_scope(role: Role, kind: Kind) -> Scope {
    use Kind::*;
    match (role, kind) {
        (Role::Teller | Role::VipTeller, Outcome) => Scope::All,
        (Role::Teller | Role::VipTeller, Handoff | UnmetNeed | StaffState) => Scope::Own,
        (Role::Lobby, Outcome | Handoff | Lead | UnmetNeed | StaffState) => Scope::All,
        (Role::Psm, Outcome | Handoff | StaffState) => Scope::All,
        (Role::Psm, Lead | UnmetNeed) => Scope::Own,
        (Role::Cm, Outcome | Handoff | Lead | FollowUp) => Scope::All,
        (Role::Cm, StaffState) => Scope::Own,
        (Role::Head, _) => Scope::All,
        _ => Scope::None,
    }
}

/// Whether a reader may see one stored record.
pub fn may_read(role: Role, reader: &str, kind: Kind, author: &str) -> bool {
    match read_scope(role, kind) {
        Scope::All => true,
        Scope::Own => reader == author,
        Scope::None => false,
    }
}

/// Whether the role reads any records at all (else the records and events endpoints are 403).
pub fn reads_records(role: Role) -> bool {
    Kind::ALL.iter().any(|&k| read_scope(role, k) != Scope::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>(), Ok(k));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn author_and_admin_see_no_customer() {
        for r in [Role::Author, Role::Admin] {
            assert!(!reads_records(r));
            assert!(Kind::ALL.iter().all(|&k| !may_write(r, k)));
        }
    }
}
