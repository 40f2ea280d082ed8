//! The records staff make, as the branch server stores them and the reports
//! read them: one envelope (who, when, which customer, which pack version)
//! around one typed body. Strict like the customer contract: an unknown or
//! misspelt field is refused with its path, so a broken device cannot write
//! a record the reports would silently miscount.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::signals::Outcome;

/// One record, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The writing device's idempotency id (a UUID): written twice, stored once.
    pub id: String,
    /// The customer it is about ("" for staff state).
    #[serde(default)]
    pub customer: String,
    /// The account that wrote it.
    pub author: String,
    /// That account's role: teller, vip_teller, lobby, psm, cm, head.
    pub role: String,
    /// Unix seconds, from the server's clock when stored.
    pub at: i64,
    /// The pack version that produced what it records, when there was one.
    #[serde(default)]
    pub pack_version: Option<u32>,
    /// outcome, handoff, lead, unmet_need, follow_up, staff_state, hall_state,
    /// retraction.
    pub kind: String,
    /// The kind's fields ([`Body`]); checked by [`Record::body`].
    pub body: serde_json::Value,
}

impl Record {
    /// The typed body; an unknown kind or field is an error naming it.
    pub fn body(&self) -> Result<Body, Error> {
        Body::from_json(&self.kind, &self.body)
    }
}

/// What a record says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    /// The customer's answer to a pitch: feeds pacing on every device.
    Outcome(OutcomeBody),
    /// A customer passed to another desk (R7–R12): the referral chain.
    Handoff(HandoffBody),
    /// A consented lead for a customer manager (004 二(一)5).
    Lead(LeadBody),
    /// A need no product met (R14), for the branch head to report upward.
    UnmetNeed(UnmetBody),
    /// A customer manager's contact (002: channel, time, outcome).
    FollowUp(FollowUpBody),
    /// A person's state on the staff board.
    StaffState(StaffBody),
    /// The hall as the lobby sees it: queue lengths and free VIP seats, the
    /// branch context every device's evaluation reads.
    HallState(HallBody),
    /// A record its author took back (撤销) after it reached the server: the
    /// board and pacing treat the retracted record as never made.
    Retraction(RetractionBody),
}

/// The kinds a retraction may take back: what staff record about a customer.
/// Staff and hall state are overwritten by the next one instead, and a
/// retraction is not itself taken back (the record would simply be made again).
pub const RETRACTABLE: [&str; 5] = ["outcome", "handoff", "lead", "unmet_need", "follow_up"];

/// How long after a record its author may still take it back: after a day it
/// is history (the board of that day was read, pacing moved on).
pub const RETRACT_WINDOW_SECS: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RetractionBody {
    /// The id of the record taken back.
    pub record: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    pub product: String,
    pub outcome: Outcome,
    /// The rules that proposed the product.
    #[serde(default)]
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HandoffBody {
    /// Where the customer goes (a pack destination).
    pub to: String,
    /// The products of interest.
    #[serde(default)]
    pub products: Vec<String>,
    /// The visit purpose, so a complaint is said to be one.
    #[serde(default)]
    pub purpose: Option<String>,
    /// The stated need, in the customer's words or the pack's id.
    #[serde(default)]
    pub need: Option<String>,
    /// The customer's name, as the sending desk has it: a customer pasted at
    /// the counter is not in the lobby's hall list, and the lobby tablet must
    /// not show staff a bare id. Trimmed, 1 to [`MAX_NAME_CHARS`] characters.
    #[serde(default)]
    pub name: Option<String>,
}

/// The longest customer name a hand-off carries, in characters.
pub const MAX_NAME_CHARS: usize = 64;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LeadBody {
    /// The customer manager it is assigned to ("" for the day's pool).
    #[serde(default)]
    pub assigned_to: String,
    #[serde(default)]
    pub need: Option<String>,
    #[serde(default)]
    pub products: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UnmetBody {
    pub need: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// phone, sms, visit, salon.
    pub channel: String,
    pub outcome: Outcome,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StaffBody {
    /// available, busy, away.
    pub state: String,
    #[serde(default)]
    pub name: String,
}

/// The states a person on the staff board may be in: the branch context's
/// [`crate::Presence`] (a test holds the two together).
pub const STAFF_STATES: [&str; 3] = ["available", "busy", "away"];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HallBody {
    /// People waiting, per queue; absent: not counted. The branch context's
    /// own type, so a record and `eval --branch` read the same fields.
    #[serde(default)]
    pub queues: crate::branch::Queues,
    #[serde(default)]
    pub vip_seats_free: Option<u32>,
}

impl Body {
    /// The kind's name as stored (`outcome`, `handoff`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Outcome(_) => "outcome",
            Body::Handoff(_) => "handoff",
            Body::Lead(_) => "lead",
            Body::UnmetNeed(_) => "unmet_need",
            Body::FollowUp(_) => "follow_up",
            Body::StaffState(_) => "staff_state",
            Body::HallState(_) => "hall_state",
            Body::Retraction(_) => "retraction",
        }
    }

    /// Reads a body of `kind` from JSON, the failing field named.
    pub fn from_json(kind: &str, body: &serde_json::Value) -> Result<Body, Error> {
        let tagged = serde_json::json!({ "kind": kind, "body": body });
        let mut body: Body = serde_path_to_error::deserialize(&tagged).map_err(|e| Error::Input {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
        // The staff board shows three states; anything else would be a
        // person the board cannot place.
        if let Body::StaffState(s) = &body {
            if !STAFF_STATES.contains(&s.state.as_str()) {
                return Err(Error::Input {
                    path: "state".to_owned(),
                    message: format!("{:?}: one of {}", s.state, STAFF_STATES.join(", ")),
                });
            }
        }
        // A name shown on another desk's screen: one line, trimmed, short.
        if let Body::Handoff(h) = &mut body {
            if let Some(name) = &mut h.name {
                let trimmed = name.trim();
                let n = trimmed.chars().count();
                if n == 0 || n > MAX_NAME_CHARS || trimmed.chars().any(char::is_control) {
                    return Err(Error::Input {
                        path: "name".to_owned(),
                        message: format!(
                            "1 to {MAX_NAME_CHARS} characters after trimming, no control characters (got {n})"
                        ),
                    });
                }
                *name = trimmed.to_owned();
            }
        }
        if let Body::Retraction(r) = &body {
            if r.record.is_empty() {
                return Err(Error::Input {
                    path: "record".to_owned(),
                    message: "the id of the record taken back".to_owned(),
                });
            }
        }
        Ok(body)
    }
}

/// Reads records from JSON lines (one record a line, blank lines skipped),
/// each with its typed body; an error names the line and the field.
pub fn read_jsonl(text: &str) -> Result<Vec<(Record, Body)>, Error> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let at = |e: Error| match e {
                Error::Input { path, message } => Error::Input {
                    path: format!("line {}: {path}", i + 1),
                    message,
                },
                other => other,
            };
            let de = &mut serde_json::Deserializer::from_str(l);
            let r: Record = serde_path_to_error::deserialize(de).map_err(|e| {
                at(Error::Input {
                    path: e.path().to_string(),
                    message: e.inner().to_string(),
                })
            })?;
            let b = r.body().map_err(at)?;
            Ok((r, b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_states_are_the_branch_contexts_presences() {
        for s in STAFF_STATES {
            assert!(
                serde_json::from_value::<crate::Presence>(serde_json::json!(s)).is_ok(),
                "{s}"
            );
        }
        for bad in ["asleep", "Available", ""] {
            let e = Body::from_json("staff_state", &serde_json::json!({ "state": bad }));
            assert!(
                matches!(e, Err(Error::Input { ref path, .. }) if path == "state"),
                "{bad}: {e:?}"
            );
        }
        let hall = serde_json::json!({"queues": {"teller": 2, "vip_teller": 0, "psm": 1}, "vip_seats_free": 3});
        assert!(Body::from_json("hall_state", &hall).is_ok());
        let bad = serde_json::json!({"queues": {"counter": 2}});
        assert!(Body::from_json("hall_state", &bad).is_err());
    }

    #[test]
    fn a_handoff_name_is_trimmed_and_short() {
        let h = |name: &str| Body::from_json("handoff", &serde_json::json!({"to": "psm", "name": name}));
        match h("  王丽 ") {
            Ok(Body::Handoff(b)) => assert_eq!(b.name.as_deref(), Some("王丽")),
            other => panic!("{other:?}"),
        }
        assert!(h(&"张".repeat(MAX_NAME_CHARS)).is_ok());
        for bad in ["", "   ", "王\n丽", &*"张".repeat(MAX_NAME_CHARS + 1)] {
            assert!(
                matches!(h(bad), Err(Error::Input { ref path, .. }) if path == "name"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_retraction_names_one_record() {
        let ok = Body::from_json("retraction", &serde_json::json!({"record": "r1"}));
        assert!(matches!(ok, Ok(Body::Retraction(ref r)) if r.record == "r1"), "{ok:?}");
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"record": ""}),
            serde_json::json!({"record": "r1", "why": "x"}),
        ] {
            assert!(Body::from_json("retraction", &bad).is_err(), "{bad}");
        }
    }
}
