//! The branch context: who is free at the branch right now, how long the
//! counter queues are, whether the VIP area has a seat. Seed 004 三 routes
//! by people as much as by customers (大堂经理繁忙时柜员可直接呼叫网点客户经理),
//! so the evaluation is told about them.
//!
//! It is its own small input beside the customer, not part of the customer
//! contract: it describes the branch, not the customer, is sent by another
//! system (the staff board, the queue machine) and is the same for every
//! customer evaluated at one moment. Absent, nothing is known about the
//! branch: rules read that as "no information", never as "everyone is free"
//! (`b.free(role)` and `b.busy(role)` are both false, `b.queue(c)` is `()`).
//!
//! Read strictly, as the customer contract is: duplicate keys, unknown fields
//! (with the field named and the known ones listed) and unknown roles or
//! states are refused. Roles and states are matched after trimming and case
//! folding (`" CM "` is `cm`), like the contract's enumerated values.
//!
//! `queues` is an object with one optional field per counter rather than a
//! free map: the schema then lists the counters, and a misspelt one
//! (`"vipteller"`) is an error naming it instead of a queue no rule reads.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;

/// What a branch system says about the branch now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BranchContext {
    /// The staff on duty today and what each is doing. A role nobody is
    /// listed for is unknown, not free.
    #[serde(default)]
    pub staff: Vec<StaffState>,
    /// People waiting at each kind of counter (the queue machine's count).
    #[serde(default)]
    pub queues: Queues,
    /// Free seats in the VIP area; absent when not known. 0: the area is full.
    #[serde(default)]
    pub vip_seats_free: Option<u32>,
}

/// One member of staff on duty.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffState {
    pub role: Role,
    /// Shown to staff only; rules do not read it.
    #[serde(default)]
    pub name: Option<String>,
    pub state: Presence,
}

/// A position at the branch (DOMAIN.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 柜员（高柜） high-counter teller.
    Teller,
    /// VIP服务区柜员 VIP-area teller.
    VipTeller,
    /// 大堂经理 lobby manager.
    Lobby,
    /// 产品销售经理（低柜） product sales manager.
    Psm,
    /// 网点客户经理 customer manager.
    Cm,
    /// 网点负责人 branch head.
    Head,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Teller,
        Role::VipTeller,
        Role::Lobby,
        Role::Psm,
        Role::Cm,
        Role::Head,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Teller => "teller",
            Role::VipTeller => "vip_teller",
            Role::Lobby => "lobby",
            Role::Psm => "psm",
            Role::Cm => "cm",
            Role::Head => "head",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What a member of staff is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Free to take a customer.
    Available,
    /// With a customer.
    Busy,
    /// On duty but away from the post (break, meeting, out with a customer).
    Away,
}

/// People waiting per kind of counter; absent when not known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Queues {
    /// The high counters (取号等候·高柜).
    #[serde(default)]
    pub teller: Option<u32>,
    /// The VIP-area counters.
    #[serde(default)]
    pub vip_teller: Option<u32>,
    /// The low counter (product sales manager).
    #[serde(default)]
    pub psm: Option<u32>,
}

/// The counters `b.queue(counter)` knows.
pub const COUNTERS: &[&str] = &["teller", "vip_teller", "psm"];

impl Queues {
    /// The queue at `counter`, `None` when unknown or not a counter.
    pub fn get(&self, counter: &str) -> Option<u32> {
        match counter {
            "teller" => self.teller,
            "vip_teller" => self.vip_teller,
            "psm" => self.psm,
            _ => None,
        }
    }
}

impl BranchContext {
    /// Reads a branch context from JSON text, strictly; errors name the field
    /// (`staff[1].state`), with `branch` for the whole.
    pub fn from_json(text: &str) -> Result<BranchContext, Error> {
        let value = crate::strict_json::parse(text).map_err(|e| {
            Error::input(
                at(&e.path),
                format!("{} (line {}, column {})", e.message, e.line, e.column),
            )
        })?;
        BranchContext::from_value(&value)
    }

    /// Reads a branch context from a JSON value (fixtures, the page's options).
    pub fn from_value(value: &Value) -> Result<BranchContext, Error> {
        let mut value = value.clone();
        if let Value::Object(top) = &mut value {
            if top.contains_key("lobby_busy") {
                return Err(Error::input(
                    "branch.lobby_busy",
                    "the lobby manager's state is a staff entry now: \"staff\": [{\"role\": \"lobby\", \"state\": \"busy\"}] (大堂经理繁忙写作 staff 中 role 为 lobby、state 为 busy 的一项)",
                ));
            }
            if let Some(Value::Array(staff)) = top.get_mut("staff") {
                for member in staff.iter_mut() {
                    if let Value::Object(m) = member {
                        for field in ["role", "state"] {
                            if let Some(Value::String(s)) = m.get_mut(field) {
                                let folded = crate::contract::fold(s).into_owned();
                                *s = folded;
                            }
                        }
                    }
                }
            }
        } else {
            return Err(Error::input(
                "branch",
                "expected a JSON object: {\"staff\": [{\"role\": \"lobby\", \"state\": \"busy\"}], \"queues\": {\"teller\": 4}, \"vip_seats_free\": 0}",
            ));
        }
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            Error::input(at(if path == "." { "" } else { &path }), message)
        })
    }

    /// What rules read: a summary worked out once per evaluation.
    pub fn board(&self) -> Board {
        let mut board = Board {
            known: true,
            ..Board::default()
        };
        for s in &self.staff {
            let i = s.role as usize;
            board.on_duty[i] = board.on_duty[i].saturating_add(1);
            if s.state == Presence::Available {
                board.available[i] = board.available[i].saturating_add(1);
            }
        }
        board.queues = [self.queues.teller, self.queues.vip_teller, self.queues.psm];
        board.vip_seats_free = self.vip_seats_free;
        board
    }
}

/// `branch.staff[0].role`, `branch` for the whole.
fn at(path: &str) -> String {
    if path.is_empty() {
        "branch".to_owned()
    } else {
        format!("branch.{path}")
    }
}

/// The branch as rules see it (`b`): counts per role, no allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Board {
    /// A branch context was given.
    pub known: bool,
    /// Staff listed per role (index: `Role as usize`).
    pub on_duty: [u16; 6],
    /// Of those, how many are available.
    pub available: [u16; 6],
    /// teller, vip_teller, psm.
    pub queues: [Option<u32>; 3],
    pub vip_seats_free: Option<u32>,
}

impl Board {
    /// Someone in `role` is available. Unknown role name or no information: false.
    pub fn free(&self, role: &str) -> bool {
        Role::parse(role).is_some_and(|r| self.available[r as usize] > 0)
    }

    /// Everyone in `role` who is on duty is busy or away, and someone is on
    /// duty. No information (the role is not listed): false.
    pub fn busy(&self, role: &str) -> bool {
        Role::parse(role).is_some_and(|r| self.on_duty[r as usize] > 0 && self.available[r as usize] == 0)
    }

    /// People waiting at `counter`, `None` when not known.
    pub fn queue(&self, counter: &str) -> Option<u32> {
        COUNTERS.iter().position(|c| *c == counter).and_then(|i| self.queues[i])
    }

    /// The VIP area has no free seat (known to be 0).
    pub fn vip_full(&self) -> bool {
        self.vip_seats_free == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_neither_free_nor_busy() {
        let b = Board::default();
        assert!(!b.known && !b.free("cm") && !b.busy("cm") && !b.vip_full());
        assert_eq!(b.queue("teller"), None);
        let b = BranchContext::default().board();
        assert!(b.known && !b.free("cm") && !b.busy("cm"));
    }

    #[test]
    fn busy_means_everyone_in_the_role_is_occupied() {
        let ctx = BranchContext::from_json(
            r#"{"staff": [{"role": "cm", "state": "busy"}, {"role": "cm", "state": "away"},
                         {"role": " Lobby ", "state": "AVAILABLE"}, {"role": "lobby", "state": "busy"}],
                "queues": {"teller": 7}, "vip_seats_free": 0}"#,
        )
        .expect("valid");
        let b = ctx.board();
        assert!(b.busy("cm") && !b.free("cm"));
        assert!(b.free("lobby") && !b.busy("lobby"));
        assert!(!b.busy("psm") && !b.free("psm"));
        assert!(!b.busy("nobody"));
        assert_eq!(b.queue("teller"), Some(7));
        assert_eq!(b.queue("vip_teller"), None);
        assert!(b.vip_full());
    }

    #[test]
    fn errors_name_the_field() {
        let e = BranchContext::from_json(r#"{"staff": [{"role": "cm", "state": "sleeping"}]}"#).expect_err("state");
        assert!(
            matches!(&e, Error::Input { path, .. } if path == "branch.staff[0].state"),
            "{e}"
        );
        let e = BranchContext::from_json(r#"{"queues": {"vipteller": 3}}"#).expect_err("counter");
        assert!(
            matches!(&e, Error::Input { path, message } if path == "branch.queues.vipteller" && message.contains("vip_teller")),
            "{e}"
        );
        let e = BranchContext::from_json(r#"{"lobby_busy": true}"#).expect_err("unknown");
        assert!(
            matches!(&e, Error::Input { path, .. } if path == "branch.lobby_busy"),
            "{e}"
        );
        let e = BranchContext::from_json(r#"{"vip_seats_free": 1, "vip_seats_free": 0}"#).expect_err("dup");
        assert!(
            matches!(&e, Error::Input { path, .. } if path == "branch.vip_seats_free"),
            "{e}"
        );
        let e = BranchContext::from_json(r#"{"vip_seats_free": -1}"#).expect_err("negative");
        assert!(
            matches!(&e, Error::Input { path, .. } if path == "branch.vip_seats_free"),
            "{e}"
        );
    }
}
