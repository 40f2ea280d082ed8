//! Who may write and read which records: one table, least privilege.
//!
//! Staff see what their job at the branch needs and nothing else. A row per
//! role, a column per record kind; [`may_write`] and [`read_scope`] are the only
//! places the server decides it (the README prints the same table).
//!
//! | role | writes | reads all | reads own only |
//! |---|---|---|---|
//! | teller, vip_teller | outcome, handoff, unmet_need, staff_state, retraction | outcome (pacing follows the customer across counters), staff_state, hall_state | handoff, unmet_need |
//! | lobby | outcome, handoff, lead, unmet_need, staff_state, hall_state, retraction | outcome, handoff, lead, unmet_need, staff_state, hall_state | |
//! | psm | outcome, handoff, lead, unmet_need, staff_state, retraction | outcome, handoff, staff_state, hall_state | lead, unmet_need |
//! | cm | outcome, follow_up, staff_state, retraction | outcome, handoff, follow_up, staff_state, hall_state; lead: those assigned to it or to no one (the day's pool) | |
//! | head | staff_state, hall_state | every kind | |
//! | author, admin | nothing | nothing | nothing |
//!
//! Staff and hall state are about the branch, not customers: every staff
//! role reads them, since each device's evaluation needs who is free and how
//! long the queues are.
//!
//! A retraction (撤销) takes back one of the writer's own records of a kind
//! it may write ([`may_retract`]: outcome, handoff, lead, unmet_need,
//! follow_up). Its readers are the record's readers, not a column of its own:
//! every device that holds the record must hear it was taken back, and no
//! other learns of it ([`may_read`] with the retracted record's kind, author
//! and assignee).
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
    HallState,
    Retraction,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Outcome,
        Kind::Handoff,
        Kind::Lead,
        Kind::UnmetNeed,
        Kind::FollowUp,
        Kind::StaffState,
        Kind::HallState,
        Kind::Retraction,
    ];

    /// Kinds about the branch rather than a customer: their customer is "".
    pub fn about_branch(self) -> bool {
        matches!(self, Kind::StaffState | Kind::HallState)
    }

    /// Kinds a retraction may take back: what staff record about a customer
    /// (records.rs `RETRACTABLE`; a test holds the two together).
    pub fn retractable(self) -> bool {
        matches!(
            self,
            Kind::Outcome | Kind::Handoff | Kind::Lead | Kind::UnmetNeed | Kind::FollowUp
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Outcome => "outcome",
            Kind::Handoff => "handoff",
            Kind::Lead => "lead",
            Kind::UnmetNeed => "unmet_need",
            Kind::FollowUp => "follow_up",
            Kind::StaffState => "staff_state",
            Kind::HallState => "hall_state",
            Kind::Retraction => "retraction",
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
    /// Leads for a customer manager: those assigned to the reader or to no one.
    Assigned,
    All,
}

/// Whether `role` may store a record of `kind`. A retraction: when the role
/// writes some kind it could take back; which record is [`may_retract`]'s question.
pub fn may_write(role: Role, kind: Kind) -> bool {
    use Kind::*;
    if kind == Retraction {
        return Kind::ALL.iter().any(|&k| k.retractable() && may_write(role, k));
    }
    match role {
        Role::Teller | Role::VipTeller => matches!(kind, Outcome | Handoff | UnmetNeed | StaffState),
        Role::Lobby => matches!(kind, Outcome | Handoff | Lead | UnmetNeed | StaffState | HallState),
        Role::Psm => matches!(kind, Outcome | Handoff | Lead | UnmetNeed | StaffState),
        Role::Cm => matches!(kind, Outcome | FollowUp | StaffState),
        Role::Head => matches!(kind, StaffState | HallState),
        Role::Author | Role::Admin => false,
    }
}

/// Whether `role` may take back a record of `target` (its own: the caller
/// checks the author): one of the kinds it may write, and a retractable one.
pub fn may_retract(role: Role, target: Kind) -> bool {
    target.retractable() && may_write(role, target)
}

/// Which records of `kind` `role` may read. A retraction has no scope of its
/// own (None, but for the head): it is read as the record it takes back.
pub fn read_scope(role: Role, kind: Kind) -> Scope {
    use Kind::*;
    match (role, kind) {
        (Role::Author | Role::Admin, _) => Scope::None,
        // The branch context: every staff role.
        (_, StaffState | HallState) => Scope::All,
        (Role::Teller | Role::VipTeller, Outcome) => Scope::All,
        (Role::Teller | Role::VipTeller, Handoff | UnmetNeed) => Scope::Own,
        (Role::Lobby, Outcome | Handoff | Lead | UnmetNeed) => Scope::All,
        (Role::Psm, Outcome | Handoff) => Scope::All,
        (Role::Psm, Lead | UnmetNeed) => Scope::Own,
        (Role::Cm, Outcome | Handoff | FollowUp) => Scope::All,
        (Role::Cm, Lead) => Scope::Assigned,
        (Role::Head, _) => Scope::All,
        _ => Scope::None,
    }
}

/// Whether a reader may see one stored record; `assigned_to` is a lead's
/// customer manager ("" for the day's pool, and for other kinds).
pub fn may_read(role: Role, reader: &str, kind: Kind, author: &str, assigned_to: &str) -> bool {
    match read_scope(role, kind) {
        Scope::All => true,
        Scope::Own => reader == author,
        Scope::Assigned => assigned_to.is_empty() || assigned_to == reader,
        Scope::None => false,
    }
}

/// The staff roles: those who serve customers or run the branch (not author, admin).
pub fn is_staff(role: Role) -> bool {
    !matches!(role, Role::Author | Role::Admin)
}

/// The customer lists the branch loads (`/api/customers`): `hall`, the day's
/// visitors (owner ""), and `book`, one customer manager's book (owner: that manager).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Hall,
    Book,
}

impl List {
    pub fn as_str(self) -> &'static str {
        match self {
            List::Hall => "hall",
            List::Book => "book",
        }
    }
}

impl FromStr for List {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hall" => Ok(List::Hall),
            "book" => Ok(List::Book),
            _ => Err(format!("unknown list {s:?}; hall or book")),
        }
    }
}

/// Whether `role` (signed in as `reader`) may read the customer list `list` of `owner`:
/// the hall every staff role; a book its customer manager and the head.
pub fn may_read_customers(role: Role, reader: &str, list: List, owner: &str) -> bool {
    match list {
        List::Hall => is_staff(role),
        List::Book => role == Role::Head || (role == Role::Cm && owner == reader),
    }
}

/// Whether `role` (signed in as `writer`) may load the customer list `list` of `owner`
/// (for a book, `owner` is already known to be an enabled customer manager):
/// the hall the lobby and the head; a book its customer manager and the head.
pub fn may_load_customers(role: Role, writer: &str, list: List, owner: &str) -> bool {
    match list {
        List::Hall => matches!(role, Role::Lobby | Role::Head),
        List::Book => role == Role::Head || (role == Role::Cm && owner == writer),
    }
}

/// Who may publish or restore a rule pack.
pub fn may_publish(role: Role) -> bool {
    matches!(role, Role::Author | Role::Head)
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

    #[test]
    fn retractable_kinds_are_the_records_contracts() {
        for k in Kind::ALL {
            assert_eq!(
                k.retractable(),
                crate::records::RETRACTABLE.contains(&k.as_str()),
                "{}",
                k.as_str()
            );
        }
        // Only what one may write; the head writes no customer records.
        assert!(may_retract(Role::Teller, Kind::Handoff));
        assert!(!may_retract(Role::Teller, Kind::Lead));
        assert!(!may_retract(Role::Lobby, Kind::HallState));
        assert!(!may_write(Role::Head, Kind::Retraction));
        assert!(may_write(Role::Cm, Kind::Retraction));
    }

    #[test]
    fn a_cm_reads_its_own_leads_and_the_pool() {
        assert!(may_read(Role::Cm, "a", Kind::Lead, "lobby1", "a"));
        assert!(may_read(Role::Cm, "a", Kind::Lead, "lobby1", ""));
        assert!(!may_read(Role::Cm, "a", Kind::Lead, "lobby1", "b"));
        assert!(may_read(Role::Head, "h", Kind::Lead, "lobby1", "b"));
    }
}
